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
from pathlib import Path
from typing import Any

from etsysync_cli.config import LoadedSettings, Settings, app_home, load_settings
from etsysync_cli.errors import EtsysyncError
from etsysync_cli.flows.context import Workspace
from etsysync_cli.flows.context import workspace as open_workspace

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
