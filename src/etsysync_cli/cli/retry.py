"""`etsysync retry TXN`: stage a new plan for the products that failed in a job."""

from __future__ import annotations

from datetime import timedelta

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.review import show_plan
from etsysync_cli.cli.views import note
from etsysync_cli.flows import plan as plans


def retry_cmd(
    transaction_id: str = typer.Argument(
        ..., metavar="TXN", help="The job whose failed products to re-plan."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Stage a new plan for the products that failed in job TXN (read again from its source)."""
    with common.workspace() as ws:
        ttl = timedelta(minutes=ws.settings.sync.plan_ttl_minutes)
        result = plans.retry(
            ws.settings, ws.store, ws.session(account), transaction_id, ttl=ttl, warn=note
        )
        show_plan(ws, result, as_json)
