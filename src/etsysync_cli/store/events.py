"""The feed (`events` table): what happened, for `status --feed`, the log and the webhook."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from etsysync_cli import logs
from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.store.db import Store

if TYPE_CHECKING:
    from sqlite_utils import Database


def add_event(
    store: Store,
    kind: str,
    message: str,
    *,
    account_id: int | None = None,
    job_id: int | None = None,
    product_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    with store.atomic() as db:
        return insert_event(
            db,
            kind,
            message,
            account_id=account_id,
            job_id=job_id,
            product_id=product_id,
            data=data,
        )


def insert_event(
    db: Database,
    kind: str,
    message: str,
    *,
    account_id: int | None = None,
    job_id: int | None = None,
    product_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Add one feed event (inside the caller's transaction) and log it."""
    pk = (
        db.table("events")
        .insert(
            {
                "created_at": isoformat(utcnow()),
                "kind": kind,
                "account_id": account_id,
                "job_id": job_id,
                "product_id": product_id,
                "message": message,
                "data": json.dumps(data or {}, sort_keys=True, default=str),
            }
        )
        .last_pk
    )
    logs.event(kind, message=message, job_id=job_id, product_id=product_id)
    assert pk is not None
    return int(pk)


def feed(store: Store, account_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest events (of one account, or all), newest first."""
    where, args = ("WHERE e.account_id = ?", [account_id]) if account_id else ("", [])
    rows = store.query(
        "SELECT e.created_at, e.kind, j.transaction_id, e.product_id, e.message "
        f"FROM events e LEFT JOIN sync_jobs j ON j.id = e.job_id {where} "
        "ORDER BY e.id DESC LIMIT ?",
        [*args, limit],
    )
    return list(rows)


def undelivered(store: Store, kinds: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Events of `kinds` the webhook has not accepted yet, oldest first, with their job's
    transaction id and their account's shop id."""
    marks = ", ".join("?" for _ in kinds)
    rows = store.db.query(
        "SELECT e.id, e.kind, e.created_at, e.message, e.product_id, e.data, "
        "j.transaction_id, a.shop_id "
        "FROM events e LEFT JOIN sync_jobs j ON j.id = e.job_id "
        "LEFT JOIN accounts a ON a.id = e.account_id "
        f"WHERE e.delivered_at IS NULL AND e.kind IN ({marks}) ORDER BY e.id LIMIT ?",
        [*kinds, max(limit, 0)],
    )
    return [{**row, "data": _data(row["data"])} for row in rows]


def mark_delivered(store: Store, event_id: int) -> None:
    with store.atomic() as db:
        db.execute(
            "UPDATE events SET delivered_at = ? WHERE id = ?", [isoformat(utcnow()), event_id]
        )


def _data(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}
