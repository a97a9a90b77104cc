"""What `status --watch` reads, over and over, while a job runs: the job's feed events after the
last one seen, its items that finished since a time, when its current run started, and how many
items that run has finished.

Reading only. Each poll is a few indexed SELECTs; in WAL mode they never block the run's writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from etsysync_cli.store.db import Store


@dataclass(frozen=True)
class JobEvent:
    id: int
    created_at: str
    kind: str
    message: str
    data: dict[str, Any]


def _event(row: dict[str, Any]) -> JobEvent:
    return JobEvent(
        id=row["id"],
        created_at=row["created_at"],
        kind=row["kind"],
        message=row["message"],
        data=json.loads(row["data"] or "{}"),
    )


_COLUMNS = "id, created_at, kind, message, data"


def events_after(store: Store, job_id: int, after_id: int) -> list[JobEvent]:
    """The job's events newer than `after_id`, oldest first."""
    rows = store.db.query(
        f"SELECT {_COLUMNS} FROM events WHERE job_id = ? AND id > ? ORDER BY id",
        [job_id, after_id],
    )
    return [_event(row) for row in rows]


def last_events(store: Store, job_id: int, limit: int) -> list[JobEvent]:
    """The job's `limit` newest events, oldest first."""
    rows = list(
        store.db.query(
            f"SELECT {_COLUMNS} FROM events WHERE job_id = ? ORDER BY id DESC LIMIT ?",
            [job_id, limit],
        )
    )
    return [_event(row) for row in reversed(rows)]


def last_event(store: Store, job_id: int, kind: str) -> JobEvent | None:
    rows = list(
        store.db.query(
            f"SELECT {_COLUMNS} FROM events WHERE job_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
            [job_id, kind],
        )
    )
    return _event(rows[0]) if rows else None


@dataclass(frozen=True)
class FinishedItem:
    id: int
    product_id: str
    title: str | None
    outcome: str
    error: str | None
    listing_id: int | None
    updated_at: str


def items_finished_since(store: Store, job_id: int, since: str) -> list[FinishedItem]:
    """The job's items that got their outcome at or after `since`, in the order they did."""
    rows = store.db.query(
        "SELECT id, product_id, title, outcome, error, listing_id, updated_at FROM plan_items "
        "WHERE job_id = ? AND outcome IS NOT NULL AND updated_at >= ? ORDER BY updated_at, id",
        [job_id, since],
    )
    return [FinishedItem(**row) for row in rows]


def finished_since(store: Store, job_id: int, since: str) -> int:
    """Items of the job that got an outcome at or after `since` (an ISO time): the current
    run's work, which a resumed run's rate must not count from the earlier run."""
    row = store.db.execute(
        "SELECT count(*) FROM plan_items WHERE job_id = ? AND outcome IS NOT NULL "
        "AND updated_at >= ?",
        [job_id, since],
    ).fetchone()
    return int(row[0])
