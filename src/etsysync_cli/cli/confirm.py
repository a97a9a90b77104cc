"""`etsysync confirm TXN`: push exactly the reviewed plan, or resume one that stopped."""

from __future__ import annotations

import typer

from etsysync_cli.cli import common, review
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.signals import Stopper, stop_on_signals
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.domain.matching import plural
from etsysync_cli.flows import background, confirm, notify
from etsysync_cli.flows.confirm import ConfirmResult, Job
from etsysync_cli.flows.status import job_report
from etsysync_cli.reports import RunDocument


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
    run_in_background: bool = typer.Option(
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
    flags = {"medusa.write_back": False if no_write_back else None}
    with common.workspace(flags) as ws:
        session = ws.session(account, max_requests=max_requests)
        job = confirm.confirmable(ws.store, transaction_id, session.account.id)
        if run_in_background:
            launched = background.launch(
                ws.store,
                ws.home,
                job,
                account=account,
                max_requests=max_requests,
                wait=wait,
                write_back=False if no_write_back else None,
            )
            if as_json:
                print_json(launched)
            else:
                out.print(job.transaction_id, highlight=False)
                note(
                    f"Pushing in the background (pid {launched.pid}); output in "
                    f"{launched.log_file}. Follow it with "
                    f"`etsysync status {job.transaction_id} --watch`."
                )
            return
        to_push = confirm.left_to_push(job)
        if not yes and common.interactive() and not as_json:
            common.ask_to_push(
                review.push_question(job, to_push, session.account.shop_name),
                job.transaction_id,
                job.expires_at,
            )
        with (
            stop_on_signals() as stopper,
            PushProgress(to_push, enabled=not (as_json or quiet)) as progress,
        ):
            stopper.resume = f"run `etsysync confirm {transaction_id}`"
            result = confirm.confirm(
                ws.settings,
                ws.store,
                session,
                transaction_id,
                on_event=progress,
                stop=stopper.stop,
                lock_wait=wait,
                warn=note,
            )
        notify.deliver_pending(ws.store, ws.settings.notify.webhook_url, log=note)
    report_run(result, as_json, stopper)


def run_document(result: ConfirmResult) -> RunDocument:
    return RunDocument(
        **job_report(result.job).model_dump(),
        requests=result.summary.requests,
        stop_reason=result.summary.stop_reason,
    )


def report_run(result: ConfirmResult, as_json: bool, stopper: Stopper | None = None) -> None:
    """The run's outcome (the document, or a line and its failures), then its exit code."""
    job, summary = result.job, result.summary
    if as_json:
        print_json(run_document(result))
    else:
        note(
            f"{job.transaction_id}: {job.status} — {job.synced_count} synced, "
            f"{job.failed_count} failed{not_sent(job)}, {plural(summary.requests, 'Etsy request')}."
        )
        for entry in job.error_log[-10:]:
            note(f"  failed {entry['product_id']}: {entry['error']}")
        if job.counts.get("invalid"):
            note(f"  `etsysync status {job.transaction_id} --failed` lists why they are invalid.")
    raise_for_run(result, stopper)


def not_sent(job: Job) -> str:
    """', 3 not sent: invalid' for a summary line: products the plan did not send are part of
    the outcome (a cron log must show them), though not failures."""
    invalid = job.counts.get("invalid", 0)
    return f", {invalid} not sent: invalid" if invalid else ""


def raise_for_run(result: ConfirmResult, stopper: Stopper | None = None) -> None:
    """The run's exit: stopped by a signal (130 / 143), paused, some products failed, or ok."""
    job = result.job
    if stopper is not None:
        left = confirm.left_to_push(job)
        stopper.raise_if_stopped(f"{job.synced_count} synced, {left} left to push")
    confirm.raise_for_outcome(job, result.summary)
