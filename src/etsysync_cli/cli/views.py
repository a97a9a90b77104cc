"""Shared rendering: consoles, JSON output, the error line. Data to stdout, chatter to stderr."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from etsysync_cli.errors import EtsysyncError

if TYPE_CHECKING:  # the report models are imported by the views that print them
    from etsysync_cli.reports import Report

# What a catalog's text must never send to a terminal raw: control characters (escape sequences
# that recolour, clear or retitle it; NUL; a CR that overwrites the line) and bidirectional
# overrides that make text read otherwise than it is. Line breaks and tabs stay.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


# A job's state as `status`, `status --watch` and the progress views colour it.
JOB_STYLES = {
    "completed": "green",
    "failed": "red",
    "processing": "yellow",
    "paused": "yellow",
    "pending": "cyan",
    "confirmed": "cyan",
    "superseded": "dim",
}


def safe(text: str) -> str:
    """`text` with every character that would act on a terminal shown as its escape (\\x1b)."""
    return _UNSAFE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


class _SafeConsole(Console):
    """A console for text that may come from a catalog: strings are printed with their control
    characters escaped and without Rich markup (a product called "[red]" is shown as that)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(safe(o) if isinstance(o, str) else o for o in objects), **kwargs)


class SafeTable(Table):
    """A table whose string cells are shown as they are (see `safe`), never as markup."""

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        cells = [Text(safe(c)) if isinstance(c, str) else c for c in renderables]
        super().add_row(*cells, **kwargs)


def _console(stderr: bool) -> Console:
    # Rich's own rules are the right ones for a pipe or a cron log: width from COLUMNS, else 80
    # (no forced wide page: `status | less` and `grep` get lines that fit), no colour when not
    # a terminal, and NO_COLOR honoured. Tables fit by wrapping words; ids never wrap (`table`).
    # No emoji codes either: a title's ":fire:" is shown as written (as in a table's cells).
    return _SafeConsole(stderr=stderr, soft_wrap=True, markup=False, emoji=False)


out = _console(stderr=False)
err = _console(stderr=True)


def print_json(data: Report | dict[str, Any]) -> None:
    """One JSON document on stdout (reports.py defines each; never a secret)."""
    body = data if isinstance(data, dict) else data.to_json()
    sys.stdout.write(json.dumps(body, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def print_json_streamed(head: Report, **lists: Iterable[Report]) -> None:
    """`print_json` of `head` with each field named in `lists` written item by item as the
    iterable yields it, so that a document of 100,000 items is never whole in memory (issue 17).

    The bytes are those of `print_json` of the whole document: `head` is rendered with a mark in
    place of each list, and each list is written at the mark, its items indented as
    `json.dumps(indent=2)` would at that depth (`_indented`). Each item goes through its own
    model (`to_json`), so a field added to the model is in the output with no change here.
    """
    body = head.to_json()
    marks = {name: f"\x00{name}\x00" for name in lists}
    body.update(marks)
    rest = json.dumps(body, indent=2, sort_keys=True, default=str)
    write = sys.stdout.write
    for name in sorted(lists):  # the marks come in the order of the sorted keys
        before, rest = rest.split(json.dumps(marks[name]), 1)
        write(before)
        empty = True
        for item in lists[name]:
            write(("[\n    " if empty else ",\n    ") + _indented(item.to_json(), "    "))
            empty = False
        write("[]" if empty else "\n  ]")
    write(rest + "\n")
    sys.stdout.flush()


def _indented(value: Any, indent: str) -> str:
    """`json.dumps(value, indent=2, sort_keys=True, default=str)` with `indent` before each of
    its lines but the first: the same bytes, without the pure-Python encoder that `indent`
    brings in (it was a third of writing a 100,000-item plan). Strings go through json's own C
    escaping; what is not plain JSON (a key that is not a string, a Decimal) goes to
    `json.dumps` itself."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(type(key) is str for key in value):
            text = json.dumps(value, indent=2, sort_keys=True, default=str)
            return text.replace("\n", "\n" + indent)
        inner = indent + "  "
        fields = (f"{_string(key)}: {_indented(value[key], inner)}" for key in sorted(value))
        return "{\n" + inner + (",\n" + inner).join(fields) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = indent + "  "
        members = (_indented(member, inner) for member in value)
        return "[\n" + inner + (",\n" + inner).join(members) + "\n" + indent + "]"
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, default=str)  # a float (NaN spelt as json spells it), a Decimal


_string = json.encoder.encode_basestring_ascii
_CONSTANTS = {None: "null", True: "true", False: "false"}


def print_json_line(data: Report) -> None:
    """One JSON Lines record on stdout, flushed at once (`sync --json`)."""
    sys.stdout.write(json.dumps(data.to_json(), sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def _one_line() -> bool:
    """Messages on stderr wrap at words on a terminal (a URL or a word is never cut at the
    edge); in a pipe or a cron log each stays one line, for grep."""
    return not err.is_terminal


def report_error(exc: EtsysyncError) -> None:
    one_line = _one_line()
    err.print(
        Text.assemble(("error:", "bold red"), " ", safe(exc.message)),
        highlight=False,
        soft_wrap=one_line,
    )
    if exc.hint:
        err.print(
            Text.assemble(("hint:", "dim"), " ", safe(exc.hint)),
            highlight=False,
            soft_wrap=one_line,
        )


def note(message: str) -> None:
    err.print(message, highlight=False, soft_wrap=_one_line())


def table(*columns: str, title: str | None = None, ids: tuple[str, ...] = ()) -> Table:
    """A table whose columns wrap at words; the columns named in `ids` hold ids and never wrap.

    An id cut or broken over lines (`41000000…`) cannot be copied into the next command, so Rich
    narrows the text columns first; only a terminal too narrow for the ids alone folds them,
    keeping every character.
    """
    t = SafeTable(title=title, title_justify="left", header_style="bold")
    for column in columns:
        add_column(t, column, is_id=column in ids)
    return t


def add_column(t: Table, header: str, *, is_id: bool = False) -> None:
    """One column: an id column never wraps nor truncates; text wraps words, folds no word."""
    if is_id:
        t.add_column(header, no_wrap=True, overflow="fold")
    else:
        t.add_column(header, overflow="fold")


def short_time(iso: str) -> str:
    """`2026-12-02T02:44:12Z` as `2026-12-02 02:44` (UTC, as every time etsysync prints): a
    table cell that a narrow column cannot cut inside a word."""
    return iso[:16].replace("T", " ") if len(iso) >= 16 and iso[10:11] == "T" else iso
