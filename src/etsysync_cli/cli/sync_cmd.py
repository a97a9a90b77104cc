"""`etsysync plan`, `confirm`, `cancel`, `retry`: stage a reviewed plan, then push exactly it."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import typer

from etsysync_cli.accounts import session as accounts
from etsysync_cli.cli import common, review
from etsysync_cli.cli.progress import PushProgress, ReadProgress
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.config import Settings
from etsysync_cli.errors import (
    AuthError,
    ExitCode,
    JobPausedError,
    PartialFailureError,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.flows import notify, sync
from etsysync_cli.push.items import RunSummary
from etsysync_cli.store import jobs, locks
from etsysync_cli.store.db import Store

DETAILED_CHANGES = 2  # --detailed-exitcode: changes staged (as terraform plan)


def _notify(store: Store, settings: Settings) -> None:
    """Send new feed events to notify.webhook_url; a delivery problem is only logged."""
    notify.deliver_pending(store, settings.notify.webhook_url, log=note)


def _show_plan(store: Store, result: sync.PlanResult, as_json: bool) -> None:
    if as_json:
        print_json(review.plan_json(store, result))
        return
    if result.job.counts.keys() - {"unchanged"}:
        out.print(review.review_table(store, result))
    for line in review.footer_lines(result):
        out.print(line, highlight=False)
    job = result.job
    if job.total_products:
        out.print(
            f"Review the plan, then run: etsysync confirm {job.transaction_id}  "
            f"(it expires at {job.expires_at:%H:%M} UTC)",
            highlight=False,
        )
    else:
        out.print("Nothing to push: Etsy already matches the source.", highlight=False)


def plan_cmd(
    source: str | None = typer.Option(
        None, "--source", help="Where products come from: file or medusa."
    ),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    product: list[str] | None = typer.Option(
        None, "--product", help="Only this product id or handle (repeatable)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N products."),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate listings whose product left the source (never delete)."
    ),
    ttl: int | None = typer.Option(None, "--ttl", min=1, help="Minutes the plan stays valid."),
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Medusa: plan draft products too (as Etsy drafts)."
    ),
    collection: list[str] | None = typer.Option(
        None, "--collection", help="Medusa: only this collection (title, handle or id; repeatable)."
    ),
    product_type: list[str] | None = typer.Option(
        None, "--type", help="Medusa: only this product type (value or id; repeatable)."
    ),
    tag: list[str] | None = typer.Option(
        None, "--tag", help="Medusa: only products with this tag (value or id; repeatable)."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 0 if nothing to push, 2 if changes are staged."
    ),
    wait: float = typer.Option(
        0, "--wait", min=0, help="Seconds to wait for a push on the shop to finish."
    ),
) -> None:
    """Read products, map and validate them, diff against Etsy, and stage a plan to review.

    Nothing is written to Etsy. The plan is pushed by `etsysync confirm TXN`.
    """
    settings = common.settings({"sync.plan_ttl_minutes": ttl})
    spec = sync.source_from(settings, source, path)
    filters = {"collection": collection, "type": product_type, "tag": tag}
    source_filters = {name: values for name, values in filters.items() if values}
    if spec.kind != "medusa" and (include_drafts or source_filters):
        raise typer.BadParameter(
            "--include-drafts, --collection, --type and --tag are for the medusa source"
        )
    read_progress = ReadProgress(enabled=not as_json)
    options = sync.PlanOptions(
        products=product or [],
        limit=limit,
        prune=prune,
        ttl=timedelta(minutes=settings.sync.plan_ttl_minutes),
        include_drafts=include_drafts,
        source_filters=source_filters,
        on_read=read_progress,
        lock_wait=wait,
        warn=note,
    )
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
    ):
        with read_progress:
            result = sync.plan(settings, store, session, spec, options)
        _show_plan(store, result, as_json)
        _notify(store, settings)
    if detailed_exitcode and result.job.total_products:
        raise typer.Exit(DETAILED_CHANGES)


def confirm_cmd(
    transaction_id: str = typer.Argument(
        ..., metavar="TXN", help="The plan's transaction id (txn_…)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before pushing."),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    wait: float = typer.Option(
        0, "--wait", min=0, help="Seconds to wait for another run on the shop to finish."
    ),
    max_requests: int | None = typer.Option(
        None, "--max-requests", min=1, help="Stop (resumable) after this many Etsy requests."
    ),
    background: bool = typer.Option(
        False, "--background", help="Push in a detached process; print the transaction id."
    ),
    no_write_back: bool = typer.Option(
        False, "--no-write-back", help="Medusa: do not write the Etsy links into the store."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Push exactly the reviewed plan to Etsy, recording each product's outcome as it goes.

    Running it again on a plan that stopped part-way resumes it without creating any listing twice.
    """
    if no_write_back and background:
        raise typer.BadParameter(
            "--no-write-back does not reach a --background run: set ETSYSYNC_MEDUSA_WRITE_BACK=0"
        )
    settings = common.settings({"medusa.write_back": False if no_write_back else None})
    limiter = RateLimiter(max_requests=max_requests) if max_requests else None
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account, limiter=limiter) as session,
    ):
        job = jobs.check_confirmable(store, transaction_id, session.account.id)
        to_push = job.total_products - job.synced_count - job.failed_count
        if background:
            _detach(job, account, max_requests, wait, as_json)
            return
        if not yes and common.interactive() and not as_json:
            typer.confirm(f"Push {to_push} listing(s) to {session.account.shop_name}?", abort=True)
        with PushProgress(to_push, enabled=not (as_json or quiet)) as progress:
            result = sync.confirm(
                settings,
                store,
                session,
                transaction_id,
                on_event=progress,
                lock_wait=wait,
                warn=note,
            )
        _notify(store, settings)
    _report_run(result, as_json)


def _report_run(result: sync.ConfirmResult, as_json: bool) -> None:
    job, summary = result.job, result.summary
    if as_json:
        print_json(
            {**job.as_json(), "requests": summary.requests, "stop_reason": summary.stop_reason}
        )
    else:
        note(
            f"{job.transaction_id}: {job.status} — {job.synced_count} synced, "
            f"{job.failed_count} failed, {summary.requests} Etsy requests."
        )
        for entry in job.error_log[-10:]:
            note(f"  failed {entry['product_id']}: {entry['error']}")
    _exit_for(job, summary)


_LAUNCH = """
import subprocess, sys
with open(sys.argv[1], "ab") as log:
    run = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                           start_new_session=True)
print(run.pid)
"""


def _detach(
    job: jobs.Job, account: str | None, max_requests: int | None, wait: float, as_json: bool
) -> None:
    """Start `confirm` again in its own session, its output in a log file in the app home."""
    log_dir = common.home() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{job.transaction_id}.log"
    command = [sys.executable, "-m", "etsysync_cli", "confirm", job.transaction_id, "--yes"]
    command += ["--quiet", "--wait", str(wait)]
    if account:
        command += ["--account", account]
    if max_requests:
        command += ["--max-requests", str(max_requests)]
    # A launcher starts the run in a new session and exits at once, so the run is not our
    # child: it outlives this process and the terminal or cron shell, and leaves no zombie.
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCH, str(log_file), *command],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(launcher.stdout.strip())
    if as_json:
        print_json({"transaction_id": job.transaction_id, "pid": pid, "log_file": str(log_file)})
        return
    out.print(job.transaction_id, highlight=False)
    note(
        f"Pushing in the background (pid {pid}); output in {log_file}. "
        f"Follow it with `etsysync status {job.transaction_id} --watch`."
    )


def _exit_for(job: jobs.Job, summary: RunSummary) -> None:
    txn = job.transaction_id
    if job.status == "paused":
        stop = summary.stop_error
        if isinstance(stop, AuthError):
            hint = f"run `etsysync auth login`, then `etsysync confirm {txn}` to resume"
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
    if job.status == "failed":
        raise PartialFailureError(
            f"{job.failed_count} of {job.total_products} products failed",
            hint=f"`etsysync status {txn} --failed` shows why; "
            f"`etsysync retry {txn}` re-plans them",
        )


def cancel_cmd(
    transaction_id: str = typer.Argument(
        ..., metavar="TXN", help="The plan's transaction id (txn_…)."
    ),
) -> None:
    """Cancel a plan that was not confirmed; every link goes back to what it was."""
    settings = common.settings()
    with common.open_store() as store:
        job = jobs.cancel(store, transaction_id)
        _notify(store, settings)
    note(f"Plan {job.transaction_id} cancelled; nothing was sent and links are as before.")


def retry_cmd(
    transaction_id: str = typer.Argument(
        ..., metavar="TXN", help="The job whose failed products to re-plan."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Stage a new plan for the products that failed in job TXN (read again from its source)."""
    settings = common.settings()
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
        locks.hold(store, session.account, f"etsysync retry {transaction_id}", warn=note),
    ):
        spec, failed = sync.retry_spec(store, transaction_id, session.account.id)
        options = sync.PlanOptions(
            products=failed, ttl=timedelta(minutes=settings.sync.plan_ttl_minutes)
        )
        result = sync.plan(settings, store, session, spec, options)
        _show_plan(store, result, as_json)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_cmd)
    app.command("confirm")(confirm_cmd)
    app.command("cancel")(cancel_cmd)
    app.command("retry")(retry_cmd)
