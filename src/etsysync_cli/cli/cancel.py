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
) -> None:
    """Cancel a plan that was not confirmed; every link goes back to what it was."""
    with common.workspace() as ws:
        job = confirm.cancel(ws.store, transaction_id)
        notify.deliver_pending(ws.store, ws.settings.notify.webhook_url, log=note)
    note(f"Plan {job.transaction_id} cancelled; nothing was sent and links are as before.")


def register(app: typer.Typer) -> None:
    app.command("cancel")(cancel_cmd)
