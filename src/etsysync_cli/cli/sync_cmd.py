"""`etsysync plan`, `confirm`, `cancel`, `retry`: stage a reviewed plan, then push exactly it."""

from __future__ import annotations

from datetime import timedelta

import typer

from etsysync_cli import accounts, jobs, notify, sync
from etsysync_cli.cli import common, review
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.config import Settings
from etsysync_cli.errors import (
    AuthError,
    ExitCode,
    JobPausedError,
    PartialFailureError,
    QuotaExhaustedError,
    UsageError,
)
from etsysync_cli.runner import RunSummary
from etsysync_cli.store import Store

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
    source: str | None = typer.Option(None, "--source", help="Where products come from: file."),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    product: list[str] | None = typer.Option(
        None, "--product", help="Only this product id or handle (repeatable)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N products."),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate listings whose product left the source (never delete)."
    ),
    ttl: int | None = typer.Option(None, "--ttl", min=1, help="Minutes the plan stays valid."),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 0 if nothing to push, 2 if changes are staged."
    ),
) -> None:
    """Read products, map and validate them, diff against Etsy, and stage a plan to review.

    Nothing is written to Etsy. The plan is pushed by `etsysync confirm TXN`.
    """
    settings = common.settings({"sync.plan_ttl_minutes": ttl})
    spec = sync.source_from(settings, source, path)
    options = sync.PlanOptions(
        products=product or [],
        limit=limit,
        prune=prune,
        ttl=timedelta(minutes=settings.sync.plan_ttl_minutes),
    )
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
    ):
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
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Push exactly the reviewed plan to Etsy, recording each product's outcome as it goes.

    Running it again on a plan that stopped part-way resumes it without creating any listing twice.
    """
    settings = common.settings()
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
    ):
        job = jobs.check_confirmable(store, transaction_id, session.account.id)
        to_push = job.total_products - job.synced_count - job.failed_count
        if not yes and common.interactive() and not as_json:
            typer.confirm(f"Push {to_push} listing(s) to {session.account.shop_name}?", abort=True)
        with PushProgress(to_push, enabled=not (as_json or quiet)) as progress:
            result = sync.confirm(settings, store, session, transaction_id, on_event=progress)
        _notify(store, settings)
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


def _exit_for(job: jobs.Job, summary: RunSummary) -> None:
    txn = job.transaction_id
    if job.status == "paused":
        stop = summary.stop_error
        if isinstance(stop, AuthError):
            hint = f"run `etsysync auth login`, then `etsysync confirm {txn}` to resume"
        elif isinstance(stop, QuotaExhaustedError):
            hint = f"run `etsysync confirm {txn}` again later to resume"
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
    ):
        spec, failed = sync.retry_spec(store, transaction_id, session.account.id)
        if spec.kind != "file":
            raise UsageError(f"cannot re-read the source {spec.describe()}")
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
