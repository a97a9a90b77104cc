"""`etsysync cancel TXN`: cancel a plan that was not confirmed."""

from __future__ import annotations

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note
from etsysync_cli.flows import confirm, notify


def cancel_cmd(
    transaction_id: str = typer.Argument(
        ..., metavar="TXN", help="The plan's transaction id (txn_…)."
    ),
    abandon: bool = typer.Option(
        False,
        "--abandon",
        help="Give up a run that started and cannot go on (paused, or its process died).",
    ),
) -> None:
    """Cancel a plan that was not confirmed; every link goes back to what it was.

    With --abandon: give up a run that started and did not finish. What it pushed stays
    recorded; the products it did not finish are taken up by the next plan.
    """
    with common.workspace() as ws:
        if abandon:
            job, left = confirm.abandon(ws.store, transaction_id)
        else:
            job = confirm.cancel(ws.store, transaction_id)
        notify.deliver_pending(ws.store, ws.settings.notify.webhook_url, log=note)
    if abandon:
        note(
            f"Plan {job.transaction_id} abandoned: {job.synced_count} synced stay as they are; "
            f"{left} product(s) not finished are taken up by the next `etsysync plan`."
        )
    else:
        note(f"Plan {job.transaction_id} cancelled; nothing was sent and links are as before.")
