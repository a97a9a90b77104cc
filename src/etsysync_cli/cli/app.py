"""The Typer app behind `etsysync`: a group that loads its commands on demand (cli/main.py's
table), suggests the command meant, and turns expected errors into exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer
from typer import _click
from typer._click.exceptions import UsageError as ClickUsageError  # typer vendors click
from typer.core import TyperCommand, TyperGroup

from etsysync_cli.cli import helppages
from etsysync_cli.cli.main import (
    COMMANDS,
    DETAILED_EXITCODE,
    HELP_OPTION_NAMES,
    closest,
    collect_from_here,
    load,
)

# A command's summary in a list of commands is its help's first sentence, whole: click would cut
# it at the width left (`Read products, map and...`), where the list wraps it instead.
WHOLE = 10_000


class _SuggestingGroup(TyperGroup):
    """A group whose "No such command" names the one command most likely meant, and whose list
    of commands shows each one's summary whole."""

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        rows = [
            (name, command.get_short_help_str(WHOLE))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except ClickUsageError as exc:
            meant = closest(args[0], self.list_commands(ctx)) if args else None
            if meant is not None:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {meant!r}?"
            raise


class _ErrorBoundary(_SuggestingGroup):
    """The root: loads each command of cli/main.py's table when it is run or its help asked
    for, and turns an expected `EtsysyncError` into its message on stderr and its exit code.

    Anything else is a bug and stays a traceback. `--debug` (or ETSYSYNC_DEBUG=1) also prints the
    traceback of expected errors. Messages never carry secrets (see errors.py).

    With `--detailed-exitcode` anywhere on the command line, as `terraform plan` has it, 2 means
    "changes staged" and only that: every error exits 1 instead, usage errors (click's 2)
    included, so a script can tell "something to push" from "the command failed".
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Typer has built the root (completion options included) by now; commands are tidied as
        # they are loaded.
        helppages.tidy(self, HELP_OPTION_NAMES)
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = _build(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # The table's summaries, so that listing the commands imports none of them.
        rows = [(name, cmd.get_short_help_str(WHOLE)) for name, cmd in self._summaries(ctx).items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: _click.Context, incomplete: str) -> list[Any]:
        from typer._click.shell_completion import CompletionItem

        items = [
            CompletionItem(name, help=command.get_short_help_str())
            for name, command in self._summaries(ctx).items()
            if name.startswith(incomplete)
        ]
        # The root's own options, as click completes them (TyperGroup's would load every command).
        return [*items, *_click.Command.shell_complete(self, ctx, incomplete)]

    def _summaries(self, ctx: _click.Context) -> dict[str, _click.Command]:
        loaded = {name: cmd for name, cmd in self.commands.items() if not cmd.hidden}
        return {
            name: loaded.get(name) or TyperCommand(name, help=COMMANDS[name].summary)
            for name in self.list_commands(ctx)
            if name in loaded or name in COMMANDS
        }

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        detailed = _asks_detailed_exitcode(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except ClickUsageError as exc:  # a bad flag of `etsysync` itself
            if detailed:
                exc.exit_code = 1  # ExitCode.FAILURE
            raise
        ctx.meta[DETAILED_EXITCODE] = detailed
        return ctx

    # typer.Context is the click Context subclass typer passes here; typer vendors click.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from etsysync_cli.errors import EtsysyncError, ExitCode

        detailed = bool(ctx.meta.get(DETAILED_EXITCODE))
        try:
            return super().invoke(ctx)
        except ClickUsageError as exc:  # a bad flag, argument or command name
            if detailed:
                exc.exit_code = int(ExitCode.FAILURE)
            raise
        except EtsysyncError as exc:
            from etsysync_cli import logs
            from etsysync_cli.cli.views import err, report_error

            logs.event(
                "command_failed",
                logs.ERROR,
                message=exc.message,
                exit_code=int(exc.exit_code),
            )
            if _debug(ctx):
                err.print(traceback.format_exc(), highlight=False, markup=False)
            report_error(exc)
            code = ExitCode.FAILURE if detailed else exc.exit_code
            raise typer.Exit(int(code)) from None


def _build(name: str) -> _click.Command:
    """The click command of table entry `name`, imported now, relabelled and plain."""
    target = load(name)
    if isinstance(target, typer.Typer):
        command: _click.Command = typer.main.get_group(target)
    else:
        info = typer.models.CommandInfo(name=name, callback=target)
        command = typer.main.get_command_from_info(
            info, pretty_exceptions_short=True, rich_markup_mode=None
        )
    command.name = name
    _plain(command)
    helppages.tidy(command, HELP_OPTION_NAMES)
    return command


def _plain(command: _click.Command) -> None:
    """Click's help layout and our suggestions, for `command` and everything below it."""
    command.rich_markup_mode = None  # type: ignore[attr-defined]
    if type(command) is TyperGroup:
        command.__class__ = _SuggestingGroup  # a subclass that adds no state
    for sub in (getattr(command, "commands", None) or {}).values():
        _plain(sub)


def _asks_detailed_exitcode(args: list[str]) -> bool:
    """Whether the flag is on the command line (before a `--`, after which all is arguments)."""
    options = args[: args.index("--")] if "--" in args else args
    return DETAILED_EXITCODE in options


def _debug(ctx: typer.Context) -> bool:
    return bool((ctx.obj or {}).get("debug")) or os.environ.get("ETSYSYNC_DEBUG") == "1"


app = typer.Typer(
    cls=_ErrorBoundary,
    no_args_is_help=True,
    # Click's plain help and errors: Rich's panels cost more to import than all of `--help`.
    rich_markup_mode=None,
    # Ours name the one command meant (_SuggestingGroup), not every near one.
    suggest_commands=False,
    # Rich's pretty tracebacks can print local variables, which may hold tokens.
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    # -h as --help everywhere, and each option's default in its help (the sub-apps inherit both).
    context_settings={"help_option_names": HELP_OPTION_NAMES, "show_default": True},
    help="List a store's products on Etsy and keep them in step.",
)


def _version(value: bool) -> None:
    if value:
        from etsysync_cli import __version__

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
    from etsysync_cli import logs
    from etsysync_cli.cli import common

    ctx.obj = {"debug": debug}
    loaded = common.begin()  # the one read of config.toml and the environment
    logs.setup(log_file or (loaded.settings.log.file if loaded else None))
    logs.event("command_started", argv=" ".join(sys.argv[1:]) or None)
    collect_from_here()  # start-up is over (the command's module and the root's options)


def command_tree() -> _click.Command:
    """The root command with every command loaded: for what walks them all (the generated
    command reference, the help-page tests), never for a run."""
    root = typer.main.get_command(app)
    assert isinstance(root, _ErrorBoundary)
    for name in root.list_commands(_click.Context(root)):
        root.get_command(_click.Context(root), name)
    return root
