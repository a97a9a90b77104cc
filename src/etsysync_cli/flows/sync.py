"""`sync`: plan and confirm in one run, the command for cron.

Under the shop's lock for the whole run: first an interrupted run is finished (its creates
are recorded and looked for on Etsy, whereas a fresh plan could not know they may already
exist; if it pauses again, the sync stops there), then a plan is staged, checked against the
limits (`max_creates`, `max_updates`: over them, nothing is sent and the plan stays staged
for review), and pushed when approved: `auto_approve`, or a person at a terminal who says yes.
A plan with nothing to push is closed at once, so the job list does not fill with them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from etsysync_cli.accounts.session import Session
from etsysync_cli.config import Settings
from etsysync_cli.domain.statuses import JobStatus
from etsysync_cli.errors import (
    EtsysyncError,
    PartialFailureError,
    PlanRefusedError,
    ScopeMissingError,
)
from etsysync_cli.flows import confirm, notify, sales
from etsysync_cli.flows.plan import EtsyFlags, PlanOptions, PlanResult, plan
from etsysync_cli.push.items import RunEvent
from etsysync_cli.sources import SourceSpec
from etsysync_cli.store import jobs, links, locks
from etsysync_cli.store.db import Store
from etsysync_cli.store.jobs import Job

JSONL_FORMAT = "etsysync.sync/1"
DEFAULT_MAX_CREATES = 50
DEFAULT_MAX_UPDATES = 500


@dataclass
class SyncRequest:
    spec: SourceSpec
    products: list[str] = field(default_factory=list)
    prune: bool = False
    max_creates: int = DEFAULT_MAX_CREATES
    max_updates: int = DEFAULT_MAX_UPDATES
    max_deactivations: int | None = None  # None: the larger of 5 and 10% of linked listings
    confirm_deactivations: int | None = None  # --prune on a doubtful source (flows/plan.py)
    auto_approve: bool = False
    interactive: bool = False  # a person at a terminal can approve the plan
    lock_wait: float = 0
    stop: threading.Event | None = None  # set (by a signal): finish what is in flight, stop
    etsy: EtsyFlags = field(default_factory=lambda: EtsyFlags())  # what Etsy holds (issue 14)


EventSink = Callable[[RunEvent], None]


class SyncView(Protocol):
    """What the command shows along the way (the flow knows nothing of the terminal)."""

    def note(self, text: str) -> None: ...
    def resuming(self, job: Job) -> None: ...
    def planned(self, result: PlanResult) -> None: ...
    def approve(self, result: PlanResult) -> bool: ...
    def pushing(self, total: int) -> AbstractContextManager[EventSink | None]: ...


@dataclass
class SyncOutcome:
    plan: PlanResult | None  # None: stopped while resuming a run, before planning
    run: confirm.ConfirmResult | None = None  # None: nothing to push (the plan was closed)
    closed: Job | None = None
    write_back: sales.WriteBack = field(default_factory=sales.WriteBack)  # sales into the store

    def raise_for_invalid(self) -> None:
        """With `--fail-on-invalid` (or `sync.fail_on_invalid`): products the plan did not
        send because invalid make the run exit 3, as failures do, so that cron hears of them."""
        job = self.plan.job if self.plan is not None else None
        invalid = job.counts.get("invalid", 0) if job is not None else 0
        if job is None or not invalid:
            return
        raise PartialFailureError(
            f"{invalid} product(s) were not sent because they are invalid (--fail-on-invalid)",
            hint=f"`etsysync status {job.transaction_id} --failed` lists why; fix them in the "
            "store and the next sync sends them",
        )

    def raise_for_write_back(self) -> None:
        """A push that went well still exits 3 when sales could not be written back: cron
        must hear of it (they are retried on the next run)."""
        if self.write_back.failed:
            raise PartialFailureError(
                f"{self.write_back.failed} sale(s) from Etsy could not be written to the store",
                hint="they are retried on the next `etsysync sync`; `etsysync status --feed` "
                "shows why",
            )


def read_sales_first(settings: Settings, store: Store, session: Session, view: SyncView) -> None:
    """Sales flow back before the plan (issue 15): what sold on Etsy is recorded first, so the
    plan's refresh and the review count it. A shop connected without `transactions_r` is told
    how to allow it, and the sync goes on: reading sales never stops a push."""
    try:
        read = sales.read_sales(settings, store, session)
    except ScopeMissingError as exc:
        view.note(f"Sales were not read: {exc.message}")
        return
    if read.new or read.cancelled:
        view.note(f"Recorded {read.new} new sale(s) from Etsy, {read.cancelled} cancelled.")


def write_sales_back(
    settings: Settings, store: Store, session: Session, source: str, view: SyncView
) -> sales.WriteBack:
    """Then the store's stock follows (a Medusa source, `medusa.write_back_sales`): each sale
    lowers it once. A write-back that fails is said, recorded in the feed and retried on the
    next run; it never stops the push."""
    if not settings.medusa.write_back_sales:
        return sales.WriteBack()
    try:
        done = sales.write_back(settings, store, session.account, source)
    except EtsysyncError as exc:  # the store refused us (its key, its locations): say, go on
        view.note(f"Sales were not written back to the store: {exc.message}")
        return sales.WriteBack(failed=1, errors=(exc.message,))
    if done.written or done.undone:
        view.note(
            f"Took {done.written} sale(s) off the store's stock"
            + (f", put {done.undone} cancelled back" if done.undone else "")
            + "."
        )
    if done.failed:
        view.note(
            f"{done.failed} sale(s) could not be written to the store (retried on the next "
            f"run): {'; '.join(done.errors[:3])}"
        )
    return done


def sync(
    settings: Settings, store: Store, session: Session, request: SyncRequest, view: SyncView
) -> SyncOutcome:
    with locks.hold(
        store, session.account, "etsysync sync", wait=request.lock_wait, warn=view.note
    ):
        for stopped in jobs.unfinished(store, session.account.id):
            view.resuming(stopped)
            with view.pushing(confirm.left_to_push(stopped)) as on_event:
                resumed = confirm.confirm(
                    settings,
                    store,
                    session,
                    stopped.transaction_id,
                    on_event=on_event,
                    stop=request.stop,
                )
            if request.stop is not None and request.stop.is_set():
                return SyncOutcome(None, run=resumed)
            if resumed.job.status == JobStatus.PAUSED:
                confirm.raise_for_outcome(resumed.job, resumed.summary)
        read_sales_first(settings, store, session, view)
        written = write_sales_back(settings, store, session, request.spec.describe(), view)
        options = PlanOptions(
            products=request.products,
            prune=request.prune,
            ttl=timedelta(minutes=settings.sync.plan_ttl_minutes),
            warn=view.note,
            confirm_deactivations=request.confirm_deactivations,
            etsy=request.etsy,
        )
        linked = len(links.listing_ids(store, session.account.id))
        planned = plan(settings, store, session, request.spec, options)
        view.planned(planned)
        job = planned.job
        max_deactivations = request.max_deactivations
        if max_deactivations is None:
            max_deactivations = default_max_deactivations(linked)
        check_limits(
            job,
            request.max_creates,
            request.max_updates,
            max_deactivations=max_deactivations,
            deactivations=planned.deactivations,
        )
        if job.total_products == 0:
            done = confirm.confirm(settings, store, session, job.transaction_id).job
            _notify(settings, store, view)
            return SyncOutcome(planned, closed=done, write_back=written)
        if not request.auto_approve:
            if not request.interactive:
                raise PlanRefusedError(
                    f"not pushing without review: plan {job.transaction_id} is staged",
                    hint="pass --auto-approve to push from a script, or review it and run "
                    f"`etsysync confirm {job.transaction_id}`",
                )
            if not view.approve(planned):
                raise PlanRefusedError(
                    f"not pushed: plan {job.transaction_id} stays staged",
                    hint=f"review it and run `etsysync confirm {job.transaction_id}`",
                )
        with view.pushing(job.total_products) as on_event:
            result = confirm.confirm(
                settings, store, session, job.transaction_id, on_event=on_event, stop=request.stop
            )
        _notify(settings, store, view)
        return SyncOutcome(planned, run=result, write_back=written)


def default_max_deactivations(linked: int) -> int:
    """What `sync --prune` may take down unasked: the larger of 5 and 10% of linked listings."""
    return max(5, math.ceil(linked / 10))


def check_limits(
    job: Job,
    max_creates: int,
    max_updates: int,
    *,
    max_deactivations: int | None = None,
    deactivations: int = 0,
) -> None:
    creates, updates = job.counts.get("create", 0), job.counts.get("update", 0)
    over = []
    if creates > max_creates:
        over.append(f"{creates} creates (--max-creates {max_creates})")
    if updates > max_updates:
        over.append(f"{updates} updates (--max-updates {max_updates})")
    if max_deactivations is not None and deactivations > max_deactivations:
        over.append(f"{deactivations} deactivations (--max-deactivations {max_deactivations})")
    if over:
        raise PlanRefusedError(
            f"plan {job.transaction_id} would push {' and '.join(over)}; nothing was sent",
            hint=f"review it (`etsysync status {job.transaction_id}`) and run `etsysync confirm "
            f"{job.transaction_id}`, or raise the limit",
        )


def _notify(settings: Settings, store: Store, view: SyncView) -> None:
    notify.deliver_pending(store, settings.notify.webhook_url, log=view.note)
