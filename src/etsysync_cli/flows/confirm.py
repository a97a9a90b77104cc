"""`confirm`: push exactly a staged plan (or resume one that stopped), and what its outcome
means for the exit code.

the staged job → runner (push/) → each outcome recorded as it happens (store/recorder.py)
→ the job completed, failed or paused → with `medusa.write_back`, the links written into Medusa.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from etsysync_cli.accounts.session import Session
from etsysync_cli.config import Settings
from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.domain.statuses import JobStatus, LinkStatus
from etsysync_cli.errors import (
    AuthError,
    ExitCode,
    JobPausedError,
    PartialFailureError,
    QuotaExhaustedError,
)
from etsysync_cli.flows.plan import image_policy
from etsysync_cli.push.items import RunEvent as RunEvent
from etsysync_cli.push.items import RunSummary as RunSummary
from etsysync_cli.push.loading import ImagePolicy, load_image
from etsysync_cli.push.runner import run_items
from etsysync_cli.store import jobs, links, locks
from etsysync_cli.store.accounts import get_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event
from etsysync_cli.store.jobs import Job as Job
from etsysync_cli.store.recorder import JobRecorder, push_items


@dataclass
class ConfirmResult:
    job: Job
    summary: RunSummary


def image_loader(http: httpx.Client, policy: ImagePolicy) -> Callable[[ImageRef], bytes]:
    def load(ref: ImageRef) -> bytes:
        return load_image(ref, http=http, policy=policy)

    return load


def confirm(
    settings: Settings,
    store: Store,
    session: Session,
    transaction_id: str,
    *,
    on_event: Callable[[RunEvent], None] | None = None,
    stop: threading.Event | None = None,
    lock_wait: float = 0,
    warn: Callable[[str], None] | None = None,
) -> ConfirmResult:
    """Push a staged (or resume a stopped) job, holding the account's lock throughout."""
    with locks.hold(
        store, session.account, f"etsysync confirm {transaction_id}", wait=lock_wait, warn=warn
    ):
        return _run_job(settings, store, session, transaction_id, on_event, stop)


def _run_job(
    settings: Settings,
    store: Store,
    session: Session,
    transaction_id: str,
    on_event: Callable[[RunEvent], None] | None,
    stop: threading.Event | None,
) -> ConfirmResult:
    # Checked under the lock: two runs cannot both find the job confirmable.
    job = jobs.check_confirmable(store, transaction_id, session.account.id)
    job = jobs.start_run(store, job)
    add_event(
        store,
        "job_started",
        f"pushing plan {job.transaction_id} ({job.total_products - job.synced_count} to go)",
        account_id=job.account_id,
        job_id=job.id,
    )
    recorder = JobRecorder(store, job)
    with httpx.Client(timeout=60, follow_redirects=True) as http:
        summary = run_items(
            session.client,
            session.account.shop_id,
            push_items(store, job),
            recorder,
            load_image=image_loader(http, image_policy(settings, job.source)),
            concurrency=settings.sync.concurrency,
            on_event=on_event,
            stop=stop,
            recreate_deleted=bool(
                job.options.get("recreate_deleted", settings.sync.recreate_deleted)
            ),
            recheck_stock_after=timedelta(seconds=settings.sync.recheck_stock_after),
        )
    job = jobs.finish_run(store, job.id, stopped_early=summary.stopped_early)
    kind = f"job_{job.status}" if job.status.ran else "job_paused"
    message = f"plan {job.transaction_id} {job.status}: {job.synced_count} synced, " + (
        f"{job.failed_count} failed"
    )
    data: dict[str, Any] = {}
    if summary.stop_reason:
        message += f" (stopped: {summary.stop_reason})"
        # `status --watch` ends a paused run with the exit code this run's confirm has.
        cause = summary.stop_error
        data = {"exit_code": int(cause.exit_code if cause else ExitCode.FAILURE)}
    add_event(store, kind, message, account_id=job.account_id, job_id=job.id, data=data)
    _write_back(settings, store, job)
    return ConfirmResult(job, summary)


def _write_back(settings: Settings, store: Store, job: Job) -> None:
    """With `medusa.write_back` on, after a run from a Medusa source: the synced products'
    Etsy links go into their Medusa metadata. Failures are feed events, never errors."""
    kind, _, url = job.source.partition(":")
    if kind != "medusa" or not settings.medusa.write_back:
        return
    from etsysync_cli.sources import medusa  # only a Medusa run needs it

    etsy_links = []
    for product_id in jobs.synced_pushes(store, job.id):
        link = links.get(store, job.account_id, product_id)
        if link is None or link.sync_status != LinkStatus.SYNCED or not link.etsy_listing_id:
            continue
        etsy_links.append(
            medusa.EtsyLink(
                product_id,
                link.etsy_listing_id,
                link.etsy_url,
                str(link.sync_status),
                link.last_synced_at,
            )
        )
    if not etsy_links:
        return

    def report(kind: str, message: str, product_id: str | None, data: dict[str, Any]) -> None:
        add_event(
            store,
            kind,
            message,
            account_id=job.account_id,
            job_id=job.id,
            product_id=product_id,
            data=data,
        )

    medusa.write_back(settings, url, etsy_links, report)


def raise_for_outcome(job: Job, summary: RunSummary) -> None:
    """The exit policy of a run: a paused run raises JobPausedError with its cause's exit code
    (75 for a spent quota, 4 for refused tokens) and the command that resumes it; a run with
    failed products raises PartialFailureError (exit 3). A completed run returns."""
    txn = job.transaction_id
    if job.status == JobStatus.PAUSED:
        stop = summary.stop_error
        if isinstance(stop, AuthError):
            # The cause's own hint: log in again, or (a refused API key) check the key.
            fix = stop.hint or "run `etsysync auth login`"
            hint = f"{fix}, then `etsysync confirm {txn}` to resume"
        elif isinstance(stop, QuotaExhaustedError):
            when = (
                f"in about {stop.retry_after / 3600:.1f} h"
                if stop.retry_after and stop.retry_after >= 600
                # Etsy gave no time (x-remaining-today reached 0): its window rolls over 24 h.
                else "later (Etsy's daily quota is a rolling 24-hour window: within 24 h at most)"
            )
            hint = f"run `etsysync confirm {txn}` again {when} to resume (exit 75: try later)"
        else:
            hint = f"run `etsysync confirm {txn}` again to resume"
        raise JobPausedError(
            f"{summary.stop_reason or 'stopped'}; plan {txn} is paused with "
            f"{job.synced_count} synced so far",
            hint=hint,
            exit_code=stop.exit_code if stop is not None else ExitCode.FAILURE,
        )
    if job.status == JobStatus.FAILED:
        raise PartialFailureError(
            f"{job.failed_count} of {job.total_products} products failed",
            hint=f"`etsysync status {txn} --failed` shows why; "
            f"`etsysync retry {txn}` re-plans them",
        )


def cancel(store: Store, transaction_id: str) -> Job:
    """Cancel a plan not yet confirmed; its links go back to what they were."""
    return jobs.cancel(store, transaction_id)


def abandon(store: Store, transaction_id: str) -> tuple[Job, int]:
    """Give up a run that started and cannot go on, leaving its links true to what Etsy holds
    (store/jobs.abandon). Takes the shop's lock: a run that is still pushing is never abandoned
    from under it (LockedError, exit 6, naming it)."""
    job = jobs.find_job(store, transaction_id)
    account = get_account(store, job.account_id)
    with locks.hold(store, account, f"etsysync cancel --abandon {transaction_id}"):
        return jobs.abandon(store, transaction_id, account.id)


def confirmable(store: Store, transaction_id: str, account_id: int) -> Job:
    """The job, if `confirm` may run (or resume) it for this account; else PlanRefusedError."""
    return jobs.check_confirmable(store, transaction_id, account_id)


def left_to_push(job: Job) -> int:
    return job.total_products - job.synced_count - job.failed_count
