"""`etsysync unlock SHOP`: remove a shop's lock by hand, for a run that died elsewhere."""

from __future__ import annotations

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note
from etsysync_cli.errors import UsageError
from etsysync_cli.flows import unlock


def unlock_cmd(
    shop: str = typer.Argument(..., help="Shop name or id whose lock to remove."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a shop's lock by hand, for a run that died on another machine."""
    with common.workspace() as ws:
        account, current = unlock.holder(ws.store, shop)
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
        unlock.unlock(ws.store, account)
    note(f"Removed the lock of {account.shop_name} (was {current.describe()}).")
