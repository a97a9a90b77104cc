"""Shared rendering: consoles, JSON output, the error line. Data to stdout, chatter to stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from etsysync_cli.errors import EtsysyncError

# Rich drops colour and markup styling by itself when the stream is not a terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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
