"""Shared rendering: consoles, JSON output, the error line. Data to stdout, chatter to stderr."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from etsysync_cli.errors import EtsysyncError
from etsysync_cli.reports import Report


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Not a terminal (a pipe, a cron log): 80 columns would fold every table, so use a wide page
    # unless COLUMNS says otherwise. Rich drops colour by itself when not on a terminal.
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, soft_wrap=True, width=160 if wide else None)


out = _console(stderr=False)
err = _console(stderr=True)


def print_json(data: Report | dict[str, Any]) -> None:
    """One JSON document on stdout (reports.py defines each; never a secret)."""
    body = data.to_json() if isinstance(data, Report) else data
    sys.stdout.write(json.dumps(body, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def print_json_line(data: Report) -> None:
    """One JSON Lines record on stdout, flushed at once (`sync --json`)."""
    sys.stdout.write(json.dumps(data.to_json(), sort_keys=True, default=str) + "\n")
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
