"""Shared rendering: consoles, JSON output, the error line. Data to stdout, chatter to stderr."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from etsysync_cli.errors import EtsysyncError


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Not a terminal (a pipe, a cron log): 80 columns would fold every table, so use a wide page
    # unless COLUMNS says otherwise. Rich drops colour by itself when not on a terminal.
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, soft_wrap=True, width=160 if wide else None)


out = _console(stderr=False)
err = _console(stderr=True)


def print_json(data: Any) -> None:
    """Stable, machine-readable output on stdout (never a secret: callers pass display values)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def report_error(exc: EtsysyncError) -> None:
    err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
    if exc.hint:
        err.print(f"[dim]hint:[/] {exc.hint}", markup=True, highlight=False)


def note(message: str) -> None:
    err.print(message, highlight=False)


def table(*columns: str, title: str | None = None) -> Table:
    t = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        t.add_column(column)
    return t
