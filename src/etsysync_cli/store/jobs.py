"""Sync jobs in SQLite: staging a plan, refusing what cannot be confirmed, recording outcomes.

Every multi-row write is one transaction:
- staging a plan writes the job, all its items and the `pending` links together (a source that
  fails half-way stages nothing);
- each item's outcome, its link and the job's counters are written together as it happens,
  so a crash loses nothing already done;
- cancelling or expiring a plan puts every link it touched back as it was.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.domain.planner import LinkSnapshot, PlannedItem
from etsysync_cli.errors import PlanRefusedError
from etsysync_cli.store.db import Store, insert_event, isoformat, parse_time, utcnow

ABSENT = '{"absent": true}'  # previous_link of a product that had no link before the plan
RUN_STATUSES = ("confirmed", "processing", "paused")  # a run started; confirm again resumes
DONE_STATUSES = ("completed", "failed")
# The items a run pushes (the parameter: whether the plan was made with --prune).
PUSHED = "(action IN ('create', 'update') OR (action = 'orphaned' AND ?))"


def new_transaction_id() -> str:
    return "txn_" + secrets.token_hex(6)


@dataclass(frozen=True)
class Job:
    id: int
    transaction_id: str
    account_id: int
    source: str
    status: str
    total_products: int
    synced_count: int
    failed_count: int
    error_log: list[dict[str, Any]]
    options: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        return cls(
            id=row["id"],
            transaction_id=row["transaction_id"],
            account_id=row["account_id"],
            source=row["source"],
            status=row["status"],
            total_products=row["total_products"],
            synced_count=row["synced_count"],
            failed_count=row["failed_count"],
            error_log=json.loads(row["error_log"]),
            options=json.loads(row["options"]),
            created_at=_time(row["created_at"]),
            expires_at=_time(row["expires_at"]),
            confirmed_at=parse_time(row["confirmed_at"]),
            started_at=parse_time(row["started_at"]),
            completed_at=parse_time(row["completed_at"]),
        )

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.options.get("counts", {}))

    def as_json(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "status": self.status,
            "source": self.source,
            "total_products": self.total_products,
            "synced_count": self.synced_count,
            "failed_count": self.failed_count,
            "counts": self.counts,
            "error_log": self.error_log,
            "created_at": isoformat(self.created_at),
            "expires_at": isoformat(self.expires_at),
            "confirmed_at": _iso(self.confirmed_at),
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
        }


def _time(text: str) -> datetime:
    moment = parse_time(text)
    assert moment is not None
    return moment


def _iso(moment: datetime | None) -> str | None:
    return isoformat(moment) if moment else None


# --- links -------------------------------------------------------------------------------------


def link_row(store: Store, account_id: int, product_id: str) -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "SELECT * FROM product_links WHERE account_id = ? AND product_id = ?",
            [account_id, product_id],
        )
    )
    return rows[0] if rows else None


def snapshot(row: dict[str, Any]) -> LinkSnapshot:
    payload = row["synced_payload"]
    return LinkSnapshot(
        product_id=row["product_id"],
        etsy_listing_id=row["etsy_listing_id"],
        sync_status=row["sync_status"],
        source_fingerprint=row["source_fingerprint"],
        payload_fingerprint=row["payload_fingerprint"],
        synced_payload=ListingDraft.model_validate_json(payload) if payload else None,
    )


def _write_link(store: Store, row: dict[str, Any]) -> None:
    # One INSERT ... ON CONFLICT: sqlite-utils' upsert introspects the table and runs two
    # statements per call, over a quarter of a 10,000-product plan (benchmarks/plan_at_scale.py).
    # The column names are ours (a link row), never input.
    columns = list(row)
    updates = [c for c in columns if c not in ("account_id", "product_id")]
    store.db.execute(
        f"INSERT INTO product_links ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))}) "
        "ON CONFLICT (account_id, product_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in updates),
        list(row.values()),
    )


# --- staging -----------------------------------------------------------------------------------


@dataclass
class Stager:
    """Adds planned items to a job being staged (inside the staging transaction)."""

    store: Store
    job_id: int
    account_id: int
    prune: bool
    counts: dict[str, int] = field(default_factory=dict)
    pushable: int = 0
    seen: set[str] = field(default_factory=set)

    def link(self, product_id: str) -> LinkSnapshot | None:
        row = link_row(self.store, self.account_id, product_id)
        return snapshot(row) if row else None

    def add(self, item: PlannedItem) -> None:
        if item.product_id in self.seen:
            item.action = "invalid"
            item.reasons = [f"another product in the source has the same id {item.product_id}"]
            item.product_id = f"{item.product_id}#{len(self.seen)}"
        self.seen.add(item.product_id)
        self.counts[item.action] = self.counts.get(item.action, 0) + 1
        now = isoformat(utcnow())
        previous = link_row(self.store, self.account_id, item.product_id)
        acts = item.pushes or (item.action == "orphaned" and self.prune)
        previous_link = None
        if acts:
            self.pushable += 1
            previous_link = ABSENT if previous is None else json.dumps(self._before(previous, item))
            _write_link(
                self.store,
                {
                    **(previous or {"metadata": "{}"}),
                    "account_id": self.account_id,
                    "product_id": item.product_id,
                    "sync_status": "pending",
                    "updated_at": now,
                },
            )
        elif previous is not None and item.source_changed and previous["sync_status"] == "synced":
            # Not pushed by this plan (invalid), but Etsy no longer matches the store.
            previous_link = json.dumps(previous)
            _write_link(self.store, {**previous, "sync_status": "out_of_sync", "updated_at": now})
        row = {
            "job_id": self.job_id,
            "product_id": item.product_id,
            "action": item.action,
            "title": item.title,
            "payload": item.draft.model_dump_json() if item.draft else None,
            "changes": json.dumps(
                {
                    "changes": item.changes,
                    "fields": item.changed_fields,
                    "warnings": item.warnings,
                }
            ),
            "reasons": json.dumps(item.reasons),
            "fingerprint": item.fingerprint,
            "source_fingerprint": item.source_fingerprint,
            "previous_link": previous_link,
            "listing_id": item.listing_id,
            "updated_at": now,
        }
        if item.action == "create" and previous is not None and not previous["etsy_listing_id"]:
            intent = self._unresolved_intent(item.product_id)
            if intent is not None:
                row["create_intent_at"] = intent
        # A plain INSERT: sqlite-utils' Table.insert introspects the table on every call, which
        # was a fifth of a 10,000-product plan (benchmarks/plan_at_scale.py).
        self.store.db.execute(
            f"INSERT INTO plan_items ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def _unresolved_intent(self, product_id: str) -> str | None:
        """When an earlier run sent this product's create and never learnt the listing id (it
        failed or died after the create went out), that create's intent time: the runner then
        looks for that listing before creating one (etsy-api.md §8 gotcha 7)."""
        rows = self.store.db.execute(
            "SELECT plan_items.create_intent_at, plan_items.listing_id FROM plan_items "
            "JOIN sync_jobs ON sync_jobs.id = plan_items.job_id "
            "WHERE sync_jobs.account_id = ? AND plan_items.product_id = ? "
            "AND plan_items.create_intent_at IS NOT NULL ORDER BY plan_items.id DESC LIMIT 1",
            [self.account_id, product_id],
        ).fetchall()
        if rows and rows[0][1] is None:
            return str(rows[0][0])
        return None

    @staticmethod
    def _before(previous: dict[str, Any], item: PlannedItem) -> dict[str, Any]:
        # The plan has just learnt that the source moved on: that is a fact about the link
        # which cancelling the plan must not erase (status shows it as out_of_sync).
        if item.source_changed and previous["sync_status"] == "synced":
            return {**previous, "sync_status": "out_of_sync"}
        return previous


@contextmanager
def stage(
    store: Store,
    *,
    account_id: int,
    source: str,
    ttl: timedelta,
    options: dict[str, Any],
) -> Iterator[Stager]:
    """Stage one job in one transaction; on any error nothing is staged."""
    expire_stale(store)
    now = utcnow()
    with store.atomic() as db:
        superseded = list(  # read first: _close_pending writes on this connection
            db.query(
                "SELECT transaction_id FROM sync_jobs WHERE account_id = ? AND status = 'pending'",
                [account_id],
            )
        )
        for row in superseded:
            # One reviewed plan per shop: a newer plan replaces an older one not yet confirmed.
            _close_pending(store, row["transaction_id"], "cancelled", "replaced by a newer plan")
        job_id = (
            db.table("sync_jobs")
            .insert(
                {
                    "transaction_id": new_transaction_id(),
                    "account_id": account_id,
                    "source": source,
                    "status": "pending",
                    "created_at": isoformat(now),
                    "expires_at": isoformat(now + ttl),
                    "options": json.dumps(options),
                }
            )
            .last_pk
        )
        assert job_id is not None
        stager = Stager(store, int(job_id), account_id, bool(options.get("prune")))
        yield stager
        db.table("sync_jobs").update(
            job_id,
            {
                "total_products": stager.pushable,
                "options": json.dumps({**options, "counts": stager.counts}),
            },
        )


def orphans(store: Store, account_id: int, seen: set[str]) -> Iterator[LinkSnapshot]:
    for row in store.db.query(
        "SELECT * FROM product_links WHERE account_id = ? AND etsy_listing_id IS NOT NULL "
        "ORDER BY product_id",
        [account_id],
    ):
        if row["product_id"] not in seen:
            yield snapshot(row)


# --- reading -----------------------------------------------------------------------------------


def find_job(store: Store, transaction_id: str) -> Job:
    rows = list(
        store.db.query("SELECT * FROM sync_jobs WHERE transaction_id = ?", [transaction_id])
    )
    if not rows:
        raise PlanRefusedError(
            f"there is no plan with transaction id {transaction_id}",
            hint="`etsysync status` lists the jobs; `etsysync plan` stages a new one",
        )
    return Job.from_row(rows[0])


def job_by_id(store: Store, job_id: int) -> Job:
    rows = list(store.db.query("SELECT * FROM sync_jobs WHERE id = ?", [job_id]))
    return Job.from_row(rows[0])


def recent_jobs(store: Store, account_id: int | None = None, limit: int = 10) -> list[Job]:
    where, args = ("WHERE account_id = ?", [account_id]) if account_id else ("", [])
    return [
        Job.from_row(r)
        for r in store.db.query(
            f"SELECT * FROM sync_jobs {where} ORDER BY id DESC LIMIT ?", [*args, limit]
        )
    ]


def unfinished(store: Store, account_id: int) -> list[Job]:
    """Jobs whose run started and did not finish (stopped, or its process died)."""
    placeholders = ", ".join("?" for _ in RUN_STATUSES)
    return [
        Job.from_row(r)
        for r in store.db.query(
            f"SELECT * FROM sync_jobs WHERE account_id = ? AND status IN ({placeholders}) "
            "ORDER BY id",
            [account_id, *RUN_STATUSES],
        )
    ]


def job_items(
    store: Store, job_id: int, *, failed_only: bool = False, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    where = " AND (outcome = 'failed' OR action = 'invalid')" if failed_only else ""
    sql = f"SELECT * FROM plan_items WHERE job_id = ?{where} ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    yield from store.db.query(sql, [job_id])


# --- cancel and expiry -------------------------------------------------------------------------


def expire_stale(store: Store) -> list[str]:
    """Expire pending plans past their lifetime, restoring their links. Returns their ids."""
    now = isoformat(utcnow())
    stale = [
        r["transaction_id"]
        for r in store.db.query(
            "SELECT transaction_id FROM sync_jobs WHERE status = 'pending' AND expires_at < ?",
            [now],
        )
    ]
    for transaction_id in stale:
        with store.atomic():
            _close_pending(store, transaction_id, "expired", "the plan expired before confirm")
    return stale


def cancel(store: Store, transaction_id: str) -> Job:
    expire_stale(store)
    job = find_job(store, transaction_id)
    if job.status != "pending":
        raise PlanRefusedError(
            f"plan {transaction_id} is {job.status}; only a plan not yet confirmed can be "
            "cancelled",
            hint=f"`etsysync status {transaction_id}` shows it",
        )
    with store.atomic():
        _close_pending(store, transaction_id, "cancelled", "cancelled by the user")
    return find_job(store, transaction_id)


def _close_pending(store: Store, transaction_id: str, status: str, why: str) -> None:
    job = find_job(store, transaction_id)
    for item in store.db.query(
        "SELECT product_id, previous_link FROM plan_items "
        "WHERE job_id = ? AND previous_link IS NOT NULL",
        [job.id],
    ):
        if item["previous_link"] == ABSENT:
            store.db.execute(
                "DELETE FROM product_links WHERE account_id = ? AND product_id = ?",
                [job.account_id, item["product_id"]],
            )
        else:
            _write_link(store, json.loads(item["previous_link"]))
    store.db.table("sync_jobs").update(
        job.id, {"status": status, "completed_at": isoformat(utcnow())}
    )
    insert_event(
        store.db,
        f"job_{status}",
        f"plan {transaction_id} {status}: {why}; links restored",
        account_id=job.account_id,
        job_id=job.id,
    )


# --- confirm -----------------------------------------------------------------------------------


def check_confirmable(store: Store, transaction_id: str, account_id: int) -> Job:
    """The job, if `confirm` may run (or resume) it for this account; else PlanRefusedError."""
    expire_stale(store)
    job = find_job(store, transaction_id)
    if job.account_id != account_id:
        owner = store.account(job.account_id)
        raise PlanRefusedError(
            f"plan {transaction_id} is for shop {owner.shop_name}, not the account in use",
            hint=f"run `etsysync confirm {transaction_id} --account {owner.shop_name}`",
        )
    if job.status == "expired":
        raise PlanRefusedError(
            f"plan {transaction_id} expired at {isoformat(job.expires_at)}; nothing was sent "
            "and its links are as they were",
            hint="run `etsysync plan` again, then confirm the new plan",
        )
    if job.status == "cancelled":
        raise PlanRefusedError(
            f"plan {transaction_id} was cancelled; nothing was sent",
            hint="run `etsysync plan` again",
        )
    if job.status in DONE_STATUSES:
        raise PlanRefusedError(
            f"plan {transaction_id} already ran ({job.status}: {job.synced_count} synced, "
            f"{job.failed_count} failed)",
            hint=f"`etsysync status {transaction_id}` shows it; "
            f"`etsysync retry {transaction_id}` re-plans its failed products",
        )
    return job


def start_run(store: Store, job: Job) -> Job:
    now = isoformat(utcnow())
    with store.atomic() as db:
        changes: dict[str, Any] = {"status": "processing"}
        if job.confirmed_at is None:
            changes["confirmed_at"] = now
        if job.started_at is None:
            changes["started_at"] = now
        db.table("sync_jobs").update(job.id, changes)
    return job_by_id(store, job.id)


def finish_run(store: Store, job_id: int, *, stopped_early: bool) -> Job:
    """Close the run: completed (all synced), failed (some failed) or paused (resumable)."""
    with store.atomic() as db:
        job = job_by_id(store, job_id)
        left = db.execute(
            f"SELECT count(*) FROM plan_items WHERE job_id = ? AND outcome IS NULL AND {PUSHED}",
            [job_id, bool(job.options.get("prune"))],
        ).fetchone()[0]
        if stopped_early and left:
            status = "paused"
        else:
            status = "failed" if job.failed_count else "completed"
        changes: dict[str, Any] = {"status": status}
        if status != "paused":
            changes["completed_at"] = isoformat(utcnow())
        db.table("sync_jobs").update(job_id, changes)
    return job_by_id(store, job_id)
