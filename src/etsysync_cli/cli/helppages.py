"""Help pages that read like a CLI's: `--port INTEGER`, `etsysync confirm [OPTIONS] TXN`.

Typer 0.29 (pinned) labels every parameter with its Python type: `--json <bool>` on a flag that
takes no value, `--product <list[str]>`, and a required argument as `{TXN}` in the usage line.
`tidy()` relabels every parameter of the built command tree the classic way (flags: nothing;
values: TEXT, INTEGER, NUMBER, PATH; choices: a|b; arguments: TXN, [TXN]).
tests/terminal/test_help_pages.py walks every command's help and fails if a placeholder returns.
"""

from __future__ import annotations

import re
from typing import Any

from typer import _click
from typer.core import TyperArgument, TyperOption

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "bool": "BOOLEAN"}


def _label(typer_label: str) -> str:
    """`<list[int range]>` -> `INTEGER`: the value's kind, without Python's spelling."""
    inner = typer_label.strip("<>")
    inner = re.sub(r"^list\[(.*)\]$", r"\1", inner).removesuffix(" range")
    if "|" in inner:
        return inner  # the choices themselves say more than a type name
    return _NAMES.get(inner, inner.upper())


class _Option(TyperOption):
    def display_type_rich(self, ctx: _click.Context) -> str | None:
        if self.is_flag or self.count:
            return None  # a flag takes no value: no type to show
        if self.metavar is not None:
            return self.metavar
        return _label(self.display_type(ctx))


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return (self.metavar or self.name or "").upper()

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return None  # the argument's name (TXN, PATH) already says what it is

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def tidy(command: Any, help_names: list[str]) -> None:
    """Relabel the parameters of `command` and of every command below it, in place.

    Run once the tree is complete (the completion options are added last) and before parsing.
    Each command's help option is made now (click caches it), with `help_names`, so that it is
    relabelled too. Only classes change, to subclasses that add no state: parsing is untouched.
    """
    help_option = command.get_help_option(_click.Context(command, help_option_names=help_names))
    for param in [*command.params, help_option]:
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
    for sub in (getattr(command, "commands", None) or {}).values():
        tidy(sub, help_names)
