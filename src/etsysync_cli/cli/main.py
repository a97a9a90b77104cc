"""The `etsysync` command: the Typer app and the one place errors become exit codes."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="List a store's products on Etsy and keep them in step.")


def run() -> None:
    app()
