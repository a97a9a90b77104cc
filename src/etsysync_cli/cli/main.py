"""The `etsysync` command's entry point and its command table; the Typer app, the group that
loads commands and the one place errors become exit codes are in cli/app.py.

Start-up is paid by every command, in a prompt or a watch loop all day, so a command imports
only what it uses (issue 17): the table below names each command's module and attribute and
keeps its one-line summary, so `etsysync --help` lists every command without importing any of
them; a command's module is imported only when that command runs or its own help is asked for.
`etsysync --version` alone skips typer altogether (`run`). Help pages are click's plain
layout: Rich's help panels alone cost more to import than the whole budget of `--help`.
tests/foundation/test_import_set.py checks what `--version`, `--help` and `status` import.
"""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

from etsysync_cli import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing for --version
if TYPE_CHECKING:
    from typing import Any

    import typer

DETAILED_EXITCODE = "--detailed-exitcode"
HELP_OPTION_NAMES = ["-h", "--help"]


class Entry:
    """One command of the table: where it lives (`module:attribute` under etsysync_cli.cli; the
    attribute is a command function or a group's `typer.Typer`) and its one-line summary."""

    __slots__ = ("attribute", "module", "summary")

    def __init__(self, target: str, summary: str) -> None:
        self.module, self.attribute = target.split(":")
        self.summary = summary


# In the order `--help` lists them. tests/foundation/test_import_set.py checks that each summary
# is its command's first help sentence. A new command is one line here.
COMMANDS: dict[str, Entry] = {
    "plan": Entry(
        "plan:plan_cmd",
        "Read products, map and validate them, diff against Etsy, and stage a plan to review.",
    ),
    "confirm": Entry(
        "confirm:confirm_cmd",
        "Push exactly the reviewed plan to Etsy, recording each product's outcome as it goes.",
    ),
    "cancel": Entry(
        "cancel:cancel_cmd",
        "Cancel a plan that was not confirmed; every link goes back to what it was.",
    ),
    "retry": Entry(
        "retry:retry_cmd",
        "Stage a new plan for the products that failed in job TXN (read again from its source).",
    ),
    "adopt": Entry(
        "adopt:adopt_cmd",
        "Link listings already on Etsy to the source's products, instead of creating duplicates.",
    ),
    "sales": Entry(
        "sales:sales_cmd",
        "Read the shop's sales from Etsy and show units sold and cancelled per SKU.",
    ),
    "status": Entry(
        "status:status_cmd", "Show sync status: per-product link counts, recent jobs, errors."
    ),
    "shop": Entry(
        "shop:shop_cmd",
        "Show the shop's ids: shipping, return and processing profiles, production partners.",
    ),
    "demo": Entry(
        "demo:demo_cmd",
        "Run the whole flow on a sample catalog against a local Etsy sandbox (nothing real).",
    ),
    "sync": Entry("sync:sync_cmd", "Plan and confirm in one run: the command for cron."),
    "unlock": Entry(
        "unlock:unlock_cmd",
        "Remove a shop's lock by hand, for a run that died on another machine.",
    ),
    "auth": Entry("auth:app", "Connect Etsy shops (OAuth) and manage their tokens."),
    "config": Entry("config:app", "Show and change settings (config.toml)."),
    "sandbox": Entry("sandbox:app", "Run the local Etsy sandbox (no real Etsy involved)."),
    "taxonomy": Entry("shop:taxonomy_app", "Find Etsy seller taxonomy (category) ids."),
    "source": Entry("source:app", "Connect the product source (a Medusa v2 store) and check it."),
}


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        # The one answer that needs nothing: typer alone costs ~5x a bare interpreter.
        sys.stdout.write(f"etsysync {__version__}\n")
        return
    # etsysync uses no pydantic plugin, and looking for them reads the metadata of every
    # installed distribution on each start; a value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # Start-up (imports, typer's parameters, the settings) makes objects that live as long as
    # the command, and the collector spent ~6% of `status` looking through them for garbage
    # it did not find. It is off until the command runs (`collect_from_here`).
    gc.disable()
    from etsysync_cli.cli.app import app

    app(prog_name="etsysync")


def __getattr__(name: str) -> Any:
    # `app` is built on first use, so that `run()` can answer --version without typer.
    if name == "app":
        from etsysync_cli.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    app: typer.Typer


def collect_from_here() -> None:
    """The command is about to run: garbage collection back on, if `run` turned it off, with
    what start-up made frozen (never looked through again: it lives as long as the process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def load(name: str) -> Any:
    """The command or group object of `name` (its module imported now)."""
    entry = COMMANDS[name]
    return getattr(import_module(f"etsysync_cli.cli.{entry.module}"), entry.attribute)


def closest(name: str, names: list[str]) -> str | None:
    """The one command `name` was most likely meant to be, if any is close."""
    from difflib import get_close_matches  # only a mistyped command pays for it

    matches = get_close_matches(name, names, n=1)
    return matches[0] if matches else None
