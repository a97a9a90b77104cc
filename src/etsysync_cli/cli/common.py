"""What every command needs: its settings (loaded once per command), a workspace, a terminal.

The root callback (cli/main.py) reads config.toml and the environment once, through
`begin()`; a command applies its own flags on top with `settings()` and opens its
`workspace()`. A configuration error is kept until a command needs the settings, so that the
command reports it (and `--help` still works with a broken config.toml).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from etsysync_cli.cli.views import note
from etsysync_cli.config import LoadedSettings, Settings, app_home, load_settings
from etsysync_cli.errors import EtsysyncError
from etsysync_cli.flows.context import Workspace
from etsysync_cli.flows.context import workspace as open_workspace

if TYPE_CHECKING:
    from etsysync_cli.flows.plan import EtsyFlags

ACCOUNT_HELP = "Shop name or id of the account to use (default: the active one)."

_loaded: LoadedSettings | EtsysyncError | None = None


def begin() -> LoadedSettings | None:
    """Read the settings for this command (once); None if they are invalid (kept to report)."""
    global _loaded
    try:
        _loaded = load_settings()
    except EtsysyncError as exc:
        _loaded = exc
        return None
    return _loaded


def loaded() -> LoadedSettings:
    """The command's settings as read by `begin()` (read now if it did not run)."""
    current = _loaded if _loaded is not None else load_settings()
    if isinstance(current, EtsysyncError):
        raise current
    return current


def settings(flags: Mapping[str, Any] | None = None) -> Settings:
    """Settings with the command's flags (by dotted key) on top; None means 'not given'."""
    return loaded().with_flags(flags).settings


def home() -> Path:
    return app_home()


@contextmanager
def workspace(flags: Mapping[str, Any] | None = None) -> Iterator[Workspace]:
    """The settings (with the flags), the app home and, opened when first used, the store and
    the Etsy session; all closed when the command ends."""
    with open_workspace(settings(flags), home()) as ws:
        yield ws


def interactive() -> bool:
    """Questions are asked only of a person at a terminal, never of cron."""
    return sys.stdin.isatty()


# How the review is shown (issue 16): shared by `plan` and `sync`.
ALL_OPTION = typer.Option(
    False, "--all", help="Show every row of the review (the table stops at 50 without it)."
)
PAGER_OPTION = typer.Option(
    True,
    "--pager/--no-pager",
    help="On a terminal, show a long review through a pager ($PAGER; ETSYSYNC_PAGER=0 turns "
    "it off).",
)


def ask_to_push(question: str, transaction_id: str, expires_at: datetime) -> None:
    """Ask before pushing; a "no" or Ctrl-C says what is left (the staged plan, until when, and
    how to push it later) and exits 1, where click would only say "Aborted."."""
    try:
        if typer.confirm(question):
            return
    except typer.Abort:  # Ctrl-C or end of input at the prompt
        note("")  # the prompt's line is left open
    note(
        f"Not pushed: plan {transaction_id} stays staged until {expires_at:%H:%M} UTC; "
        f"push it before then with `etsysync confirm {transaction_id}`."
    )
    raise typer.Exit(1)


# What a plan does about what Etsy holds (issue 14): shared by `plan` and `sync`.
REFRESH_OPTION = typer.Option(
    True,
    "--refresh/--no-refresh",
    help="Read what Etsy holds for every linked listing first (2 requests per 100), so edits "
    "made on Etsy are seen and kept; --no-refresh spends none and may overwrite them.",
)
OVERWRITE_OPTION = typer.Option(
    False,
    "--overwrite-etsy-edits",
    help="Push the store's value over fields edited on Etsy (default: keep Etsy's; setting "
    "sync.etsy_edits).",
)
RECREATE_OPTION = typer.Option(
    False,
    "--recreate-deleted",
    help="Create again listings deleted on Etsy (default: leave them deleted; setting "
    "sync.recreate_deleted).",
)
REACTIVATE_OPTION = typer.Option(
    False,
    "--reactivate",
    help="Publish again listings deactivated, sold out or expired on Etsy ($0.20 each).",
)


def etsy_flags(refresh: bool, overwrite: bool, recreate: bool, reactivate: bool) -> EtsyFlags:
    """The plan's flags; a flag not given (False) leaves the decision to the settings."""
    from etsysync_cli.flows.plan import EtsyFlags

    return EtsyFlags(
        refresh=refresh,
        overwrite_etsy_edits=overwrite or None,
        recreate_deleted=recreate or None,
        reactivate=reactivate,
    )
