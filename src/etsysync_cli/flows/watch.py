"""`status --watch`: follow one job from wherever it is to its end, then say how it ended.

A job not started yet (staged and waiting for `confirm`, or confirmed in the background and
about to start) is waited for; a running one is followed; one that ended is reported at once.
Each poll gives a `Snapshot` (counts, rate, ETA, the feed's new events); the view renders it.
The end carries the exit code `confirm` would have had (`outcome_error`), so that
`confirm --background` then `status TXN --watch` is, for a script, the same as `confirm`.

No job named: the account's running job (or the one confirmed in the background and about to
start); none is an error (exit 1), as `gh run watch` has it, so a script never takes "nothing
was running" for "it went well". Only one run per shop can be under way (the shop's lock).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.domain.statuses import CLOSED_STATUSES, JobStatus
from etsysync_cli.errors import (
    EtsysyncError,
    ExitCode,
    JobPausedError,
    NotFoundError,
    PartialFailureError,
)
from etsysync_cli.store import jobs, locks, watching
from etsysync_cli.store.accounts import find_account, get_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.jobs import Job
from etsysync_cli.store.watching import FinishedItem, JobEvent

POLL_SECONDS = 0.5
RECENT_EVENTS = 5
# A background run takes a second or two to start; a job still `confirmed` this long after with
# no process holding the shop was never launched (or died before it began).
LAUNCH_GRACE = timedelta(seconds=60)
WAITING = (JobStatus.PENDING, JobStatus.CONFIRMED)
ENDS = ("job_completed", "job_failed", "job_paused")


@dataclass(frozen=True)
class WatchEvent:
    """One line of what happened: a product pushed (or failed), or a step of the job."""

    at: str  # ISO time
    kind: str  # synced / failed for a product; the feed's kind (job_started, ...) otherwise
    text: str


def _item_event(item: FinishedItem) -> WatchEvent:
    # Ids first and the title last: a line cut to the terminal's width loses the title, never
    # the listing id the seller may copy.
    title = f" ({item.title})" if item.title else ""
    if item.outcome == "synced":
        listing = f" → listing {item.listing_id}" if item.listing_id else ""
        text = f"{item.product_id}{listing}{title}"
    else:
        text = f"{item.product_id}: {item.error or 'failed'}{title}"
    return WatchEvent(item.updated_at, item.outcome, text)


def _feed_event(event: JobEvent) -> WatchEvent:
    return WatchEvent(event.created_at, event.kind, event.message)


@dataclass(frozen=True)
class Snapshot:
    """One poll of the job being watched."""

    job: Job
    shop_name: str
    new_events: list[WatchEvent]  # since the previous snapshot (the first: the last few)
    recent: list[WatchEvent]  # the last few, for a view that shows them all each time
    run_done: int = 0  # items the current run finished
    run_seconds: float = 0.0  # since the current run started
    stalled: str | None = None  # why a job that should be moving is not (its run died)
    ended: bool = False

    @property
    def done(self) -> int:
        return self.job.synced_count + self.job.failed_count

    @property
    def left(self) -> int:
        return max(self.job.total_products - self.done, 0)

    @property
    def waiting(self) -> bool:
        return self.job.status in WAITING and not self.ended

    @property
    def per_minute(self) -> float | None:
        """Products per minute in the current run; None until one has finished."""
        if self.run_done < 1 or self.run_seconds <= 0:
            return None
        return self.run_done * 60 / self.run_seconds

    @property
    def eta_seconds(self) -> float | None:
        rate = self.per_minute
        if rate is None or self.ended:
            return None
        return self.left * 60 / rate


def job_to_watch(store: Store, transaction_id: str | None, account: str | None) -> Job:
    """The job named, else the account's job under way (`pick_job`)."""
    if transaction_id:
        return jobs.find_job(store, transaction_id)
    return pick_job(store, account)


def pick_job(store: Store, account: str | None) -> Job:
    """The account's run under way, else the one confirmed and about to start; NotFoundError
    (exit 1) when there is none, naming the last job and how it ended."""
    shop = find_account(store, account)
    for status in (JobStatus.PROCESSING, JobStatus.CONFIRMED):
        found = jobs.with_status(store, shop.id, [status])
        if found:
            return found[-1]
    recent = jobs.recent_jobs(store, shop.id, 1)
    last = ""
    if recent:
        job = recent[0]
        last = f"; the last job, {job.transaction_id}, is {job.status}"
    raise NotFoundError(
        f"no job is running on shop {shop.shop_name}{last}",
        hint="`etsysync status TXN --watch` follows a given job (or says how it ended); "
        "`etsysync status` lists the jobs",
    )


@dataclass
class _Follower:
    store: Store
    job: Job
    recent: deque[WatchEvent] = field(default_factory=lambda: deque(maxlen=RECENT_EVENTS))
    last_event_id: int = 0
    items_since: str = ""  # items that finished at or after this time are read again
    items_seen: set[int] = field(default_factory=set)  # ... and these among them skipped

    def poll(self, first: bool) -> Snapshot:
        jobs.expire_stale(self.store)  # a staged plan waited for may expire meanwhile
        job = jobs.job_by_id(self.store, self.job.id)
        new = self._new_events(job.id)
        if first:
            new = new[-RECENT_EVENTS:]  # what came before the watch: only the last few
        self.recent.extend(new)
        stalled = _stalled(self.store, job)
        if stalled:
            job = jobs.job_by_id(self.store, job.id)  # it may have ended just now
            stalled = _stalled(self.store, job)
        run_done, run_seconds = 0, 0.0
        started = watching.last_event(self.store, job.id, "job_started")
        if started is not None and job.status not in WAITING:
            run_done = watching.finished_since(self.store, job.id, started.created_at)
            begun = parse_time(started.created_at)
            end = job.completed_at if job.status.ran and job.completed_at else utcnow()
            run_seconds = (end - begun).total_seconds() if begun else 0.0
        self.job = job
        return Snapshot(
            job=job,
            shop_name=get_account(self.store, job.account_id).shop_name,
            new_events=new,
            recent=list(self.recent),
            run_done=run_done,
            run_seconds=run_seconds,
            stalled=stalled,
            ended=bool(stalled) or job.status not in (*WAITING, JobStatus.PROCESSING),
        )

    def _new_events(self, job_id: int) -> list[WatchEvent]:
        """The feed's events and the products finished since the last poll, in time order."""
        feed = watching.events_after(self.store, job_id, self.last_event_id)
        if feed:
            self.last_event_id = feed[-1].id
        items = [
            item
            for item in watching.items_finished_since(self.store, job_id, self.items_since)
            if item.id not in self.items_seen
        ]
        if items:
            newest = items[-1].updated_at
            if newest != self.items_since:
                self.items_seen.clear()  # only those at the newest time can be read again
            self.items_since = newest
            self.items_seen.update(i.id for i in items if i.updated_at == newest)
        # Within one second: a run's start, then its products, then its end.
        merged = [(e.created_at, 2 if e.kind in ENDS else 0, _feed_event(e)) for e in feed]
        merged += [(i.updated_at, 1, _item_event(i)) for i in items]
        return [event for _, _, event in sorted(merged, key=lambda m: (m[0], m[1]))]


def follow(store: Store, job: Job, *, poll_seconds: float = POLL_SECONDS) -> Iterator[Snapshot]:
    """Snapshots of the job, one per poll, until it ends (the last one has `ended`)."""
    follower = _Follower(store, job)
    first = True
    while True:
        snapshot = follower.poll(first)
        first = False
        yield snapshot
        if snapshot.ended:
            return
        time.sleep(poll_seconds)


def _stalled(store: Store, job: Job) -> str | None:
    """Why a job that should move cannot: its run's process is gone, or a background launch
    never started. None while it is moving (or waiting for a `confirm`)."""
    if job.status not in (JobStatus.PROCESSING, JobStatus.CONFIRMED):
        return None
    holder = locks.holder(store, job.account_id)
    if holder is not None and not holder.is_gone():
        return None
    if job.status == JobStatus.PROCESSING:
        # The run holds the shop's lock until after it records its end.
        return "its run stopped before the end: no etsysync process is pushing it"
    confirmed = job.confirmed_at or job.created_at
    if utcnow() - confirmed > LAUNCH_GRACE:
        return f"it was confirmed at {isoformat(confirmed)} and its background run never started"
    return None


def outcome_error(store: Store, snapshot: Snapshot) -> EtsysyncError | None:
    """How the watched job ended, as the error `confirm` would have raised (None: all synced).
    Exit 3 when some products failed; a paused run's own code (75 for Etsy's quota, 4 for
    refused tokens); 5 for a plan closed before it ran; 1 for a run that died."""
    job, txn = snapshot.job, snapshot.job.transaction_id
    if snapshot.stalled:
        return JobPausedError(
            f"plan {txn} {snapshot.stalled} ({job.synced_count} synced, {snapshot.left} left)",
            hint=f"run `etsysync confirm {txn}` to resume it",
        )
    if job.status == JobStatus.FAILED:
        return PartialFailureError(
            f"{job.failed_count} of {job.total_products} products failed",
            hint=f"`etsysync status {txn} --failed` shows why; `etsysync retry {txn}` re-plans "
            "them",
        )
    if job.status == JobStatus.PAUSED:
        paused = watching.last_event(store, job.id, "job_paused")
        code = ExitCode(paused.data.get("exit_code", ExitCode.FAILURE)) if paused else None
        return JobPausedError(
            paused.message if paused else f"plan {txn} is paused with {job.synced_count} synced",
            hint=f"run `etsysync confirm {txn}` to resume it",
            exit_code=code or ExitCode.FAILURE,
        )
    if job.status in CLOSED_STATUSES:
        return jobs.refusal(job)
    return None
