"""Sync jobs in SQLite: staging a plan, refusing what cannot be confirmed, recording outcomes.

Every multi-row write is one transaction:
- staging a plan writes the job, all its items and the `pending` links together (a source that
  fails half-way stages nothing);
- each item's outcome, its link and the job's counters are written together as it happens,
  so a crash loses nothing already done;
- cancelling or expiring a plan puts every link it touched back as it was, unless something
  else changed that link since (store/links.py: a plan only restores a link it still owns).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.domain.statuses import (
    DONE_STATUSES,
    RUN_STATUSES,
    Action,
    JobStatus,
    LinkStatus,
)
from etsysync_cli.errors import LockedError, PlanRefusedError
from etsysync_cli.store import links
from etsysync_cli.store.accounts import get_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import insert_event

if TYPE_CHECKING:  # the planner (mapping and all) is not on the path of `status`
    from etsysync_cli.domain.planner import LinkSnapshot, PlannedItem

# The items a run pushes (the parameter: whether the plan was made with --prune).
PUSHED = "(action IN ('create', 'update') OR (action = 'orphaned' AND ?))"


def new_transaction_id() -> str:
    return "txn_" + secrets.token_hex(6)


# A named tuple, not a frozen dataclass: as immutable, and much cheaper to define, which every
# command that opens the store pays at start-up (issue 17).
class Job(NamedTuple):
    id: int
    transaction_id: str
    account_id: int
    source: str
    status: JobStatus
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
    superseded_by: str | None = None  # the newer plan that replaced this one

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        return cls(
            id=row["id"],
            transaction_id=row["transaction_id"],
            account_id=row["account_id"],
            source=row["source"],
            status=JobStatus(row["status"]),
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
            superseded_by=row.get("superseded_by"),
        )

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.options.get("counts", {}))


def _time(text: str) -> datetime:
    moment = parse_time(text)
    assert moment is not None
    return moment


# --- staging -----------------------------------------------------------------------------------


# Plan items and new links are written in batches of this many (one executemany each): a plan
# of 100,000 products spent a sixth of its time on an INSERT statement per item and per link.
BATCH = 500


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
    # The link each product had when the plan read it (`link`), kept for `add`, which comes
    # next in the same transaction: one read of each link instead of two.
    _read: dict[str, links.Link | None] = field(default_factory=dict)
    _rows: list[dict[str, Any]] = field(default_factory=list)  # items not yet written
    _new_links: list[str] = field(default_factory=list)  # pending links not yet written
    # The products that had a link as staging began: the others are not looked up (a first
    # plan of 100,000 products spent a twentieth of its time finding no link, one at a time).
    linked: set[str] = field(default_factory=set)
    _now: str = ""  # the time the items of the batch are written with

    def link(self, product_id: str) -> LinkSnapshot | None:
        if product_id in self.seen:
            self.flush()  # the same id twice in the source: its first link must be read
        elif product_id not in self.linked:
            self._read[product_id] = None
            return None
        link = links.get(self.store, self.account_id, product_id)
        self._read[product_id] = link
        return link.snapshot() if link else None

    def _previous(self, product_id: str) -> links.Link | None:
        if product_id in self._read:
            return self._read.pop(product_id)
        if product_id not in self.linked and product_id not in self.seen:
            return None
        return links.get(self.store, self.account_id, product_id)

    def add(self, item: PlannedItem) -> None:
        if item.product_id in self.seen:
            # Shown under a name no real id is likely to have (a space, parentheses), so that
            # a real product with, say, the id `a#1` is never mistaken for a duplicate of `a`.
            original, n = item.product_id, 2
            while f"{original} (duplicate {n})" in self.seen:
                n += 1
            item.action = Action.INVALID
            item.reasons = [f"another product in the source has the same id {original}"]
            item.product_id = f"{original} (duplicate {n})"
            self._read.pop(original, None)  # read for this item, which is not `original`'s
        previous = self._previous(item.product_id)
        self.seen.add(item.product_id)
        # A linked product gone from the source that this plan deactivates (--prune) is
        # counted apart from the orphans it only reports: the review shows them as such.
        counted = "deactivate" if item.action == Action.ORPHANED and self.prune else item.action
        self.counts[counted] = self.counts.get(counted, 0) + 1
        if not self._rows:  # the clock read once a batch: once an item showed in a profile
            self._now = isoformat(utcnow())
        now = self._now
        staged = None
        if item.pushes or (item.action == Action.ORPHANED and self.prune):
            self.pushable += 1
            if previous is None:
                self._new_links.append(item.product_id)
                staged = links.NEW
            else:
                staged = links.stage(
                    self.store,
                    self.account_id,
                    item.product_id,
                    source_changed=item.source_changed,
                    before=previous,
                )
        elif previous is not None and item.source_changed:
            # Not pushed by this plan (invalid), but Etsy no longer matches the store.
            links.mark_source_changed(self.store, self.account_id, item.product_id)
        elif previous is not None and item.verified and item.draft is not None:
            # Read on Etsy just now: it already holds what the store wants.
            links.verify(
                self.store,
                self.account_id,
                item.product_id,
                item.draft,
                payload_fingerprint=item.fingerprint,
                source_fingerprint=item.source_fingerprint,
            )
        row = {
            "job_id": self.job_id,
            "product_id": item.product_id,
            "action": str(item.action),
            "title": item.title,
            "payload": item.payload(),
            "changes": _changes_json(item),
            "reasons": json.dumps(item.reasons),
            "fingerprint": item.fingerprint,
            "source_fingerprint": item.source_fingerprint,
            "previous_link": staged.previous if staged else None,
            "link_revision": staged.revision if staged else None,
            "listing_id": item.listing_id,
            "updated_at": now,
            "create_intent_at": None,
        }
        if item.action == Action.CREATE and previous is not None and not previous.etsy_listing_id:
            row["create_intent_at"] = self._unresolved_intent(item.product_id)
        self._rows.append(row)
        if len(self._rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the links and items added since the last flush (staging ends with one)."""
        if self._new_links:
            links.stage_new(self.store, self.account_id, self._new_links, isoformat(utcnow()))
            self._new_links.clear()
        if not self._rows:
            return
        names = list(self._rows[0])
        # A plain executemany: sqlite-utils' insert_all introspects the table on every call.
        self.store.conn.executemany(
            f"INSERT INTO plan_items ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [[row[name] for name in names] for row in self._rows],
        )
        self._rows.clear()

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


def _changes(item: PlannedItem) -> dict[str, Any]:
    """What the review shows of an item besides its payload (`plan_document` reads it back)."""
    return {
        "changes": item.changes,
        "fields": item.changed_fields,
        "warnings": item.warnings,
        "etsy_state": item.etsy_state,
        "etsy_changes": [change.to_dict() for change in item.etsy_changes],
        "sold_on_etsy": item.sold_on_etsy,
        "etsy_quantities": item.etsy_quantities or None,
        "diff": [change.to_dict() for change in item.diff],
    }


def _changes_json(item: PlannedItem) -> str:
    """`_changes` as JSON."""
    if not (
        item.changes
        or item.changed_fields
        or item.etsy_state is not None
        or item.etsy_changes
        or item.sold_on_etsy
        or item.etsy_quantities
        or item.diff
    ):
        # Most items of a large plan (every create, every unchanged product): only their
        # warnings to write. Encoding the whole dict was a twentieth of staging them.
        return _QUIET_CHANGES.replace("WARNINGS", json.dumps(item.warnings), 1)
    return json.dumps(_changes(item))


# `_changes` of an item with nothing but warnings (tests/core/test_planner.py holds it to that).
_QUIET_CHANGES = (
    '{"changes": [], "fields": [], "warnings": WARNINGS, "etsy_state": null, '
    '"etsy_changes": [], "sold_on_etsy": 0, "etsy_quantities": null, "diff": []}'
)


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
    transaction_id = new_transaction_id()
    with store.atomic() as db:
        superseded = list(  # read first: _close_pending writes on this connection
            db.query(
                "SELECT transaction_id FROM sync_jobs WHERE account_id = ? AND status = 'pending'",
                [account_id],
            )
        )
        for row in superseded:
            # One reviewed plan per shop: a newer plan replaces an older one not yet confirmed,
            # and the older one names it (`confirm OLD` then points at the new one).
            _close_pending(
                store,
                row["transaction_id"],
                JobStatus.SUPERSEDED,
                f"replaced by plan {transaction_id}",
                superseded_by=transaction_id,
            )
        job_id = (
            db.table("sync_jobs")
            .insert(
                {
                    "transaction_id": transaction_id,
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
        # Runs that stopped part-way were superseded just before (supersede_unfinished).
        db.execute(
            "UPDATE sync_jobs SET superseded_by = ? WHERE account_id = ? "
            "AND status = 'superseded' AND superseded_by IS NULL",
            [transaction_id, account_id],
        )
        stager = Stager(store, int(job_id), account_id, bool(options.get("prune")))
        stager.linked = links.product_ids(store, account_id)
        yield stager
        stager.flush()
        db.table("sync_jobs").update(
            job_id,
            {
                "total_products": stager.pushable,
                "options": json.dumps({**options, "counts": stager.counts}),
            },
        )


# --- reading -----------------------------------------------------------------------------------


def find_job(store: Store, transaction_id: str) -> Job:
    rows = list(store.query("SELECT * FROM sync_jobs WHERE transaction_id = ?", [transaction_id]))
    if not rows:
        raise PlanRefusedError(
            f"there is no plan with transaction id {transaction_id}",
            hint="`etsysync status` lists the jobs; `etsysync plan` stages a new one",
        )
    return Job.from_row(rows[0])


def job_by_id(store: Store, job_id: int) -> Job:
    rows = list(store.query("SELECT * FROM sync_jobs WHERE id = ?", [job_id]))
    return Job.from_row(rows[0])


def recent_jobs(store: Store, account_id: int | None = None, limit: int = 10) -> list[Job]:
    where, args = ("WHERE account_id = ?", [account_id]) if account_id else ("", [])
    return [
        Job.from_row(r)
        for r in store.query(
            f"SELECT * FROM sync_jobs {where} ORDER BY id DESC LIMIT ?", [*args, limit]
        )
    ]


def with_status(store: Store, account_id: int, statuses: Sequence[str]) -> list[Job]:
    """The account's jobs in these statuses, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    return [
        Job.from_row(r)
        for r in store.db.query(
            f"SELECT * FROM sync_jobs WHERE account_id = ? AND status IN ({marks}) ORDER BY id",
            [account_id, *statuses],
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


def refuse_while_unfinished(store: Store, account_id: int, doing: str) -> None:
    """LockedError while a run of this account has started and not finished (running, paused,
    or confirmed and about to start): its links are in flight, so `doing` now could race the
    listings it creates."""
    for job in unfinished(store, account_id):
        raise LockedError(
            f"plan {job.transaction_id} {_unfinished_state(job)}; {doing} now could race the "
            "listings it creates",
            hint=f"let it finish, or resume it with `etsysync confirm {job.transaction_id}`, "
            "then try again",
        )


def supersede_unfinished(store: Store, account_id: int) -> list[Job]:
    """Before a new plan is staged: close the account's runs that stopped part-way and that
    nobody is running (the caller holds the shop's lock), so that they can never be resumed
    alongside the new plan. Their unpushed products stay pending and the new plan carries them
    (with the create intents they left: store/jobs.Stager). A run confirmed in the background
    and not started yet is not closed: LockedError."""
    closed = []
    for job in unfinished(store, account_id):
        if job.status == JobStatus.CONFIRMED:
            raise LockedError(
                f"plan {job.transaction_id} {_unfinished_state(job)}",
                hint=f"wait for it (`etsysync status {job.transaction_id} --watch`), or run "
                f"`etsysync confirm {job.transaction_id}` if its launch failed",
            )
        with store.atomic() as db:
            # Superseded; `stage` names the plan that replaced it (superseded_by) when staged.
            db.execute(
                "UPDATE sync_jobs SET status = 'superseded', completed_at = ? WHERE id = ?",
                [isoformat(utcnow()), job.id],
            )
            insert_event(
                db,
                "job_superseded",
                f"plan {job.transaction_id} ({job.status}, {job.synced_count} synced) replaced "
                "by a newer plan, which carries its unpushed products",
                account_id=account_id,
                job_id=job.id,
            )
        closed.append(job)
    return closed


def abandon(store: Store, transaction_id: str, account_id: int) -> tuple[Job, int]:
    """Close a run that started and cannot go on (`cancel --abandon`; the caller holds the
    shop's lock, so nothing is pushing it). Each product it had not finished keeps what Etsy
    holds: untouched links go back to what they were; a link whose listing the run made, or
    whose create may have reached Etsy, becomes failed with the reason, and the next plan
    finishes it (looking for that listing first). Returns the job and the products left."""
    job = find_job(store, transaction_id)
    if job.account_id != account_id:
        raise PlanRefusedError(f"plan {transaction_id} is for another shop")
    if not job.status.unfinished_run:
        hint = (
            f"a plan not confirmed yet is cancelled with `etsysync cancel {transaction_id}`"
            if job.status == JobStatus.PENDING
            else f"`etsysync status {transaction_id}` shows it"
        )
        raise PlanRefusedError(
            f"plan {transaction_id} is {job.status}; only a run that started and did not "
            "finish can be abandoned",
            hint=hint,
        )
    why = (
        f"its push ({transaction_id}) was abandoned before this product was done; the next "
        "plan finishes it"
    )
    left = 0
    with store.atomic() as db:
        rows = db.execute(
            "SELECT product_id, previous_link, link_revision, create_intent_at FROM plan_items "
            f"WHERE job_id = ? AND outcome IS NULL AND {PUSHED}",
            [job.id, bool(job.options.get("prune"))],
        ).fetchall()
        for product_id, previous, revision, intent in rows:
            link = links.get(store, account_id, product_id)
            if link is None or link.sync_status != links.P:
                continue
            left += 1
            staged = links.Staged(previous or links.ABSENT, revision or 0)
            if (
                intent is None
                and previous is not None
                and links.restore(store, account_id, product_id, staged)
            ):
                continue  # nothing happened to it on Etsy
            links.abandon(store, account_id, product_id, why)
        db.execute(
            "UPDATE sync_jobs SET status = 'cancelled', completed_at = ? WHERE id = ?",
            [isoformat(utcnow()), job.id],
        )
        insert_event(
            db,
            "job_cancelled",
            f"plan {transaction_id} abandoned ({job.status}, {job.synced_count} synced, "
            f"{left} not finished)",
            account_id=account_id,
            job_id=job.id,
            data={"abandoned": True, "left": left},
        )
    return find_job(store, transaction_id), left


def _unfinished_state(job: Job) -> str:
    return {
        JobStatus.CONFIRMED: "was confirmed and has not started yet",
        JobStatus.PROCESSING: "is being pushed (or its run died)",
        JobStatus.PAUSED: "stopped part-way",
    }[job.status]


def job_items(
    store: Store,
    job_id: int,
    *,
    failed_only: bool = False,
    skip_unchanged: bool = False,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    where = " AND (outcome = 'failed' OR action = 'invalid')" if failed_only else ""
    if skip_unchanged:
        # Unchanged items that Etsy holds differently (kept edits, a listing deleted on Etsy)
        # are still shown: the seller must see what the push leaves alone.
        where += (
            " AND (action != 'unchanged' OR json_array_length(changes, '$.etsy_changes') > 0"
            " OR json_extract(changes, '$.etsy_state') = 'deleted')"
        )
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
        for r in store.query(
            "SELECT transaction_id FROM sync_jobs WHERE status = 'pending' AND expires_at < ?",
            [now],
        )
    ]
    for transaction_id in stale:
        with store.atomic():
            _close_pending(
                store, transaction_id, JobStatus.EXPIRED, "the plan expired before confirm"
            )
    return stale


def cancel(store: Store, transaction_id: str) -> Job:
    expire_stale(store)
    job = find_job(store, transaction_id)
    if job.status != JobStatus.PENDING:
        hint = f"`etsysync status {transaction_id}` shows it"
        if job.status.unfinished_run:
            hint = (
                f"resume it with `etsysync confirm {transaction_id}`, or give it up with "
                f"`etsysync cancel {transaction_id} --abandon`"
            )
        raise PlanRefusedError(
            f"plan {transaction_id} is {job.status}; only a plan not yet confirmed can be "
            "cancelled",
            hint=hint,
        )
    with store.atomic():
        _close_pending(store, transaction_id, JobStatus.CANCELLED, "cancelled by the user")
    return find_job(store, transaction_id)


def _close_pending(
    store: Store,
    transaction_id: str,
    status: JobStatus,
    why: str,
    *,
    superseded_by: str | None = None,
) -> None:
    job = find_job(store, transaction_id)
    # The links the plan created go in one statement: one restore each was a tenth of a large
    # plan that replaced another.
    restored, kept = links.restore_new(store, job.account_id, job.id)
    staged = store.db.execute(
        "SELECT product_id, previous_link, link_revision FROM plan_items "
        "WHERE job_id = ? AND previous_link IS NOT NULL AND previous_link != ?",
        [job.id, links.ABSENT],
    ).fetchall()
    for product_id, previous, revision in staged:
        # Plans staged before link revisions existed (revision NULL) own links still at 0.
        if links.restore(store, job.account_id, product_id, links.Staged(previous, revision or 0)):
            restored += 1
        else:
            kept += 1  # changed since this plan staged it: never rolled back
    closed: dict[str, Any] = {"status": str(status), "completed_at": isoformat(utcnow())}
    if superseded_by:
        closed["superseded_by"] = superseded_by
    store.db.table("sync_jobs").update(job.id, closed)
    message = f"plan {transaction_id} {status}: {why}; links restored"
    if kept:
        message += f" ({kept} changed since the plan and kept as they are)"
    insert_event(
        store.db,
        f"job_{status}",
        message,
        account_id=job.account_id,
        job_id=job.id,
        data={"restored": restored, "kept": kept, "superseded_by": superseded_by},
    )


def statuses_after_pending_plans(store: Store, account_id: int) -> dict[str, LinkStatus]:
    """The status each link that a plan awaiting confirm staged goes back to when a newer plan
    replaces that plan (`_close_pending`), for the links it still owns: the test of
    `links.restore` (pending, at the revision the plan wrote), in one query for them all.

    A plan reads Etsy before it stages, so before the older plan is closed: those links are
    `pending` then, though nothing was pushed since their last push finished. Etsy's side of
    them must be read and compared all the same, or planning twice would undo a title edited
    on Etsy, or push back units already sold there."""
    rows = store.conn.execute(
        "SELECT i.product_id, i.previous_link FROM plan_items i "
        "JOIN sync_jobs j ON j.id = i.job_id "
        "JOIN product_links l ON l.account_id = j.account_id AND l.product_id = i.product_id "
        "WHERE j.account_id = ? AND j.status = 'pending' AND i.previous_link IS NOT NULL "
        "AND l.sync_status = 'pending' AND l.revision = COALESCE(i.link_revision, 0)",
        [account_id],
    ).fetchall()
    statuses = {}
    for product_id, previous in rows:
        if previous != links.ABSENT:
            statuses[product_id] = LinkStatus(json.loads(previous)["sync_status"])
    return statuses


# --- confirm -----------------------------------------------------------------------------------


def check_confirmable(store: Store, transaction_id: str, account_id: int) -> Job:
    """The job, if `confirm` may run (or resume) it for this account; else PlanRefusedError."""
    expire_stale(store)
    job = find_job(store, transaction_id)
    if job.account_id != account_id:
        owner = get_account(store, job.account_id)
        raise PlanRefusedError(
            f"plan {transaction_id} is for shop {owner.shop_name}, not the account in use",
            hint=f"run `etsysync confirm {transaction_id} --account {owner.shop_name}`",
        )
    refused = refusal(job)
    if refused is not None:
        raise refused
    return job


def refusal(job: Job) -> PlanRefusedError | None:
    """Why `confirm` would refuse this job (closed before it ran, or already ran), else None."""
    txn = job.transaction_id
    if job.status == JobStatus.EXPIRED:
        return PlanRefusedError(
            f"plan {txn} expired at {isoformat(job.expires_at)}; nothing was sent "
            "and its links are as they were",
            hint="run `etsysync plan` again, then confirm the new plan",
        )
    if job.status == JobStatus.SUPERSEDED:
        newer = job.superseded_by or "a newer plan"
        when = f" at {job.completed_at:%H:%M} UTC" if job.completed_at else ""
        sent = "nothing was sent"
        if job.started_at:  # a run that had stopped part-way: the newer plan carries the rest
            sent = f"its run had synced {job.synced_count}, and the newer plan carries the rest"
        return PlanRefusedError(
            f"plan {txn} was replaced by {newer}{when}; {sent}",
            hint=f"review it with `etsysync status {newer}`, then `etsysync confirm {newer}`"
            if job.superseded_by
            else "run `etsysync plan` again",
        )
    if job.status == JobStatus.CANCELLED:
        return PlanRefusedError(
            f"plan {txn} was cancelled; nothing was sent",
            hint="run `etsysync plan` again",
        )
    if job.status in DONE_STATUSES:
        return PlanRefusedError(
            f"plan {txn} already ran ({job.status}: {job.synced_count} synced, "
            f"{job.failed_count} failed)",
            hint=f"`etsysync status {txn}` shows it; "
            f"`etsysync retry {txn}` re-plans its failed products",
        )
    return None


def mark_confirmed(store: Store, job: Job) -> Job:
    """Confirmed, and the run not started yet (a background launch): no newer plan may
    replace it any more, and `status` shows it as about to start."""
    with store.atomic() as db:
        db.execute(
            "UPDATE sync_jobs SET status = 'confirmed', confirmed_at = coalesce(confirmed_at, ?) "
            "WHERE id = ? AND status = 'pending'",
            [isoformat(utcnow()), job.id],
        )
    return job_by_id(store, job.id)


def start_run(store: Store, job: Job) -> Job:
    """The run begins (or resumes): processing. Only from a status `confirm` accepts, checked
    in the same statement, so a plan closed meanwhile (cancelled, expired) is never run."""
    now = isoformat(utcnow())
    runnable = (JobStatus.PENDING, *RUN_STATUSES)
    with store.atomic() as db:
        cursor = db.execute(
            "UPDATE sync_jobs SET status = 'processing', confirmed_at = coalesce(confirmed_at, ?), "
            f"started_at = coalesce(started_at, ?) WHERE id = ? AND status IN "
            f"({', '.join('?' for _ in runnable)})",
            [now, now, job.id, *runnable],
        )
        if cursor.rowcount != 1:
            current = job_by_id(store, job.id)
            raise PlanRefusedError(
                f"plan {job.transaction_id} is {current.status} and cannot run",
                hint=f"`etsysync status {job.transaction_id}` shows it",
            )
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
            status = JobStatus.PAUSED
        else:
            status = JobStatus.FAILED if job.failed_count else JobStatus.COMPLETED
        changes: dict[str, Any] = {"status": str(status)}
        if status != JobStatus.PAUSED:
            changes["completed_at"] = isoformat(utcnow())
        db.table("sync_jobs").update(job_id, changes)
    return job_by_id(store, job_id)


# --- what a finished job did -------------------------------------------------------------------


def created_drafts(store: Store, job_id: int) -> Iterator[tuple[str, str]]:
    """(product id, reviewed payload) of the job's creates, in plan order."""
    for row in store.db.query(
        "SELECT product_id, payload FROM plan_items WHERE job_id = ? AND action = 'create' "
        "ORDER BY id",
        [job_id],
    ):
        yield row["product_id"], row["payload"]


def has_creates(store: Store, job_id: int) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM plan_items WHERE job_id = ? AND action = 'create' LIMIT 1", [job_id]
    ).fetchone()
    return row is not None


def failed_products(store: Store, job_id: int) -> list[str]:
    return [
        row[0]
        for row in store.db.execute(
            "SELECT product_id FROM plan_items WHERE job_id = ? AND outcome = 'failed' ORDER BY id",
            [job_id],
        )
    ]


def synced_pushes(store: Store, job_id: int) -> list[str]:
    """Products whose create or update this job pushed successfully."""
    return [
        row[0]
        for row in store.db.execute(
            "SELECT product_id FROM plan_items WHERE job_id = ? AND outcome = 'synced' "
            "AND action IN ('create', 'update') ORDER BY id",
            [job_id],
        )
    ]
