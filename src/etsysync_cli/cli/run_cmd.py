"""`etsysync sync` (plan + confirm in one run, for cron) and `etsysync unlock`."""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta
from typing import Any

import typer

from etsysync_cli.accounts import session as accounts
from etsysync_cli.cli import common, review
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.sync_cmd import _exit_for, _notify, _report_run
from etsysync_cli.cli.views import note, out
from etsysync_cli.errors import PlanRefusedError, UsageError
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.flows import sync
from etsysync_cli.push.items import RunEvent
from etsysync_cli.store import jobs, locks
from etsysync_cli.store.accounts import find_account

JSONL_FORMAT = "etsysync.sync/1"
DEFAULT_MAX_CREATES = 50
DEFAULT_MAX_UPDATES = 500


class _JsonLines:
    """One JSON object per line on stdout, so a script can follow the run as it happens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            sys.stdout.write(json.dumps(record, sort_keys=True, default=str) + "\n")
            sys.stdout.flush()

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "item_finished":
            self.write(
                {
                    "event": "item",
                    "product_id": event.product_id,
                    "title": event.title,
                    "ok": event.ok,
                    "url": event.detail if event.ok else None,
                    "error": None if event.ok else event.detail,
                }
            )


def sync_cmd(
    source: str | None = typer.Option(None, "--source", help="Where products come from: file."),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    product: list[str] | None = typer.Option(
        None, "--product", help="Only this product id or handle (repeatable)."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate listings whose product left the source (never delete)."
    ),
    max_creates: int = typer.Option(
        DEFAULT_MAX_CREATES, "--max-creates", min=0, help="Refuse a run creating more listings."
    ),
    max_updates: int = typer.Option(
        DEFAULT_MAX_UPDATES, "--max-updates", min=0, help="Refuse a run updating more listings."
    ),
    max_requests: int | None = typer.Option(
        None, "--max-requests", min=1, help="Stop (resumable) after this many Etsy requests."
    ),
    auto_approve: bool = typer.Option(
        False, "--auto-approve", help="Push without review (required when not on a terminal)."
    ),
    wait: float = typer.Option(
        0, "--wait", min=0, help="Seconds to wait for another run on the shop to finish."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="JSON Lines: a header, one line per product, a summary."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Plan and confirm in one run: the command for cron.

    Refuses to push more than --max-creates / --max-updates listings (the plan stays staged for
    review), and without --auto-approve when nobody is at a terminal.
    """
    settings = common.settings()
    spec = sync.source_from(settings, source, path)
    options = sync.PlanOptions(
        products=product or [],
        prune=prune,
        ttl=timedelta(minutes=settings.sync.plan_ttl_minutes),
    )
    limiter = RateLimiter(max_requests=max_requests) if max_requests else None
    lines = _JsonLines() if as_json else None
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account, limiter=limiter) as session,
        locks.hold(store, session.account, "etsysync sync", wait=wait, warn=note),
    ):
        for stopped in jobs.unfinished(store, session.account.id):
            # Finish an interrupted run first: its creates are recorded and are looked for
            # on Etsy, whereas a fresh plan could not know they may already exist.
            note(f"Resuming {stopped.transaction_id}, which stopped part-way.")
            resumed = sync.confirm(settings, store, session, stopped.transaction_id, on_event=lines)
            if resumed.job.status == "paused":
                _exit_for(resumed.job, resumed.summary)
        planned = sync.plan(settings, store, session, spec, options)
        job = planned.job
        if lines:
            lines.write(
                {
                    "event": "plan",
                    "format": JSONL_FORMAT,
                    "transaction_id": job.transaction_id,
                    "counts": job.counts,
                    "to_push": job.total_products,
                    "estimated_requests": planned.estimated_requests,
                }
            )
        elif not quiet:
            for line in review.footer_lines(planned):
                note(line)
        _check_limits(job, max_creates, max_updates)
        if job.total_products == 0:
            # Closed at once (no request), so the job list does not fill with pending plans.
            done = sync.confirm(settings, store, session, job.transaction_id).job
            _notify(store, settings)
            if lines:
                lines.write({"event": "summary", **done.as_json(), "requests": 0})
            else:
                note("Nothing to push: Etsy already matches the source.")
            return
        if not auto_approve:
            if not common.interactive():
                raise PlanRefusedError(
                    f"not pushing without review: plan {job.transaction_id} is staged",
                    hint="pass --auto-approve to push from a script, or review it and run "
                    f"`etsysync confirm {job.transaction_id}`",
                )
            out.print(review.review_table(store, planned))
            typer.confirm(
                f"Push {job.total_products} listing(s) to {session.account.shop_name}?",
                abort=True,
            )
        progress = PushProgress(job.total_products, enabled=not (as_json or quiet))
        with progress:
            result = sync.confirm(
                settings,
                store,
                session,
                job.transaction_id,
                on_event=lines or progress,
            )
        _notify(store, settings)
    if lines:
        lines.write(
            {
                "event": "summary",
                **result.job.as_json(),
                "requests": result.summary.requests,
                "stop_reason": result.summary.stop_reason,
            }
        )
        _exit_for(result.job, result.summary)
    else:
        _report_run(result, as_json=False)


def _check_limits(job: jobs.Job, max_creates: int, max_updates: int) -> None:
    creates, updates = job.counts.get("create", 0), job.counts.get("update", 0)
    over = []
    if creates > max_creates:
        over.append(f"{creates} creates (--max-creates {max_creates})")
    if updates > max_updates:
        over.append(f"{updates} updates (--max-updates {max_updates})")
    if over:
        raise PlanRefusedError(
            f"plan {job.transaction_id} would push {' and '.join(over)}; nothing was sent",
            hint=f"review it (`etsysync status {job.transaction_id}`) and run `etsysync confirm "
            f"{job.transaction_id}`, or raise the limit",
        )


def unlock_cmd(
    shop: str = typer.Argument(..., help="Shop name or id whose lock to remove."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a shop's lock by hand, for a run that died on another machine."""
    with common.open_store() as store:
        account = find_account(store, shop)
        current = locks.holder(store, account.id)
        if current is None:
            note(f"Shop {account.shop_name} is not locked.")
            return
        if not yes:
            if not common.interactive():
                raise UsageError("pass --yes to remove a lock without a terminal")
            typer.confirm(
                f"Remove the lock held by {current.describe()}? Only do this if that run is "
                "certainly not running",
                abort=True,
            )
        locks.force_unlock(store, account)
    note(f"Removed the lock of {account.shop_name} (was {current.describe()}).")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_cmd)
    app.command("unlock")(unlock_cmd)
