"""The `etsysync` command: the Typer app and the one place errors become exit codes."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from typing import Any

import typer
from typer._click.exceptions import UsageError as ClickUsageError  # typer vendors click
from typer.core import TyperGroup

from etsysync_cli import __version__, logs
from etsysync_cli.cli import (
    adopt,
    auth,
    cancel,
    common,
    config,
    confirm,
    demo,
    helppages,
    plan,
    retry,
    sales,
    sandbox,
    shop,
    source,
    status,
    sync,
    unlock,
)
from etsysync_cli.cli.views import err, report_error
from etsysync_cli.errors import EtsysyncError, ExitCode

DETAILED_EXITCODE = "--detailed-exitcode"


class _ErrorBoundary(TyperGroup):
    """Turns an expected `EtsysyncError` into its message on stderr and its exit code.

    Anything else is a bug and stays a traceback. `--debug` (or ETSYSYNC_DEBUG=1) also prints the
    traceback of expected errors. Messages never carry secrets (see errors.py).

    With `--detailed-exitcode` anywhere on the command line, as `terraform plan` has it, 2 means
    "changes staged" and only that: every error exits 1 instead, usage errors (click's 2)
    included, so a script can tell "something to push" from "the command failed".
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Typer has built the whole command tree (completion options included) by now.
        helppages.tidy(self, HELP_OPTION_NAMES)
        return super().main(*args, **kwargs)

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        detailed = _asks_detailed_exitcode(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except ClickUsageError as exc:  # a bad flag of `etsysync` itself
            if detailed:
                exc.exit_code = int(ExitCode.FAILURE)
            raise
        ctx.meta[DETAILED_EXITCODE] = detailed
        return ctx

    # typer.Context is the click Context subclass typer passes here; typer vendors click.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        detailed = bool(ctx.meta.get(DETAILED_EXITCODE))
        try:
            return super().invoke(ctx)
        except ClickUsageError as exc:  # a bad flag or argument of the command
            if detailed:
                exc.exit_code = int(ExitCode.FAILURE)
            raise
        except EtsysyncError as exc:
            logs.event(
                "command_failed",
                logging.ERROR,
                message=exc.message,
                exit_code=int(exc.exit_code),
            )
            if _debug(ctx):
                err.print(traceback.format_exc(), highlight=False, markup=False)
            report_error(exc)
            code = ExitCode.FAILURE if detailed else exc.exit_code
            raise typer.Exit(int(code)) from None


def _asks_detailed_exitcode(args: list[str]) -> bool:
    """Whether the flag is on the command line (before a `--`, after which all is arguments)."""
    options = args[: args.index("--")] if "--" in args else args
    return DETAILED_EXITCODE in options


HELP_OPTION_NAMES = ["-h", "--help"]


def _debug(ctx: typer.Context) -> bool:
    return bool((ctx.obj or {}).get("debug")) or os.environ.get("ETSYSYNC_DEBUG") == "1"


app = typer.Typer(
    cls=_ErrorBoundary,
    no_args_is_help=True,
    # Rich's pretty tracebacks can print local variables, which may hold tokens.
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    # -h as --help everywhere, and each option's default in its help (the sub-apps inherit both).
    context_settings={"help_option_names": HELP_OPTION_NAMES, "show_default": True},
    help="List a store's products on Etsy and keep them in step.",
)
app.add_typer(auth.app, name="auth")
app.add_typer(config.app, name="config")
app.add_typer(sandbox.app, name="sandbox")
for command in (
    plan,
    confirm,
    cancel,
    retry,
    adopt,
    sales,
    status,
    shop,
    demo,
    sync,
    unlock,
    source,
):
    command.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"etsysync {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    log_file: str | None = typer.Option(
        None,
        "--log-file",
        envvar="ETSYSYNC_LOG_FILE",
        help="Append structured log lines here (tokens are always redacted).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """List a store's products on Etsy and keep them in step."""
    ctx.obj = {"debug": debug}
    loaded = common.begin()  # the one read of config.toml and the environment
    logs.setup(log_file or (loaded.settings.log.file if loaded else None))
    logs.event("command_started", argv=" ".join(sys.argv[1:]) or None)


def run() -> None:
    app(prog_name="etsysync")
