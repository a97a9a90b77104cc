"""What `status` reports: link counts, jobs, one job's items, one product's link, the feed."""

from __future__ import annotations

import json
from typing import Any

from etsysync_cli.errors import NotFoundError
from etsysync_cli.store.db import Account, Store

LINK_STATUSES = ("pending", "synced", "failed", "out_of_sync")
EDIT_URL = "https://www.etsy.com/your/shops/me/listing-editor/edit/{listing_id}"


def link_counts(store: Store, account_id: int) -> dict[str, int]:
    counts = dict.fromkeys(LINK_STATUSES, 0)
    for row in store.db.query(
        "SELECT sync_status, count(*) AS n FROM product_links WHERE account_id = ? "
        "GROUP BY sync_status",
        [account_id],
    ):
        counts[row["sync_status"]] = row["n"]
    return counts


def link_json(row: dict[str, Any]) -> dict[str, Any]:
    metadata = json.loads(row["metadata"] or "{}")
    return {
        "product_id": row["product_id"],
        "sync_status": row["sync_status"],
        "etsy_listing_id": row["etsy_listing_id"],
        "etsy_url": row["etsy_url"],
        "listing_state": metadata.get("listing_state"),
        "images": len(metadata.get("images", [])),
        "last_synced_at": row["last_synced_at"],
        "sync_error": row["sync_error"],
    }


def product_link(store: Store, account: Account, product_id: str) -> dict[str, Any]:
    rows = list(
        store.db.query(
            "SELECT * FROM product_links WHERE account_id = ? AND product_id = ?",
            [account.id, product_id],
        )
    )
    if not rows:
        raise NotFoundError(
            f"product {product_id} has no link with shop {account.shop_name}",
            hint="it has not been planned yet: run `etsysync plan`",
        )
    return link_json(rows[0])


def failed_links(store: Store, account_id: int, limit: int = 100) -> list[dict[str, Any]]:
    return [
        link_json(row)
        for row in store.db.query(
            "SELECT * FROM product_links WHERE account_id = ? AND sync_status = 'failed' "
            "ORDER BY product_id LIMIT ?",
            [account_id, limit],
        )
    ]


def feed(store: Store, account_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
    where, args = ("WHERE account_id = ?", [account_id]) if account_id else ("", [])
    rows = store.db.query(
        f"SELECT e.*, j.transaction_id FROM events e LEFT JOIN sync_jobs j ON j.id = e.job_id "
        f"{where.replace('account_id', 'e.account_id')} ORDER BY e.id DESC LIMIT ?",
        [*args, limit],
    )
    return [
        {
            "created_at": r["created_at"],
            "kind": r["kind"],
            "transaction_id": r["transaction_id"],
            "product_id": r["product_id"],
            "message": r["message"],
        }
        for r in rows
    ]
