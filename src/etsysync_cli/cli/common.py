"""What every command needs: settings with its flags applied, the app home, the store."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from etsysync_cli.config import Settings, app_home, load_settings
from etsysync_cli.store.db import Store

ACCOUNT_HELP = "Shop name or id of the account to use (default: the active one)."


def settings(flags: Mapping[str, Any] | None = None) -> Settings:
    """Settings with the command's flags (by dotted key) on top; None means 'not given'."""
    return load_settings(flags).settings


def home() -> Path:
    return app_home()


@contextmanager
def open_store() -> Iterator[Store]:
    with Store.open(app_home()) as store:
        yield store


def interactive() -> bool:
    """Questions are asked only of a person at a terminal, never of cron."""
    return sys.stdin.isatty()
