"""README sections generated from the code, so the docs cannot drift (a test compares them).

Run `python -m etsysync_cli.docs` (from the project root) to rewrite the generated sections of
README.md in place, and the generated pages under docs/ (PAGES).
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from etsysync_cli.config import Settings, setting_keys


def settings_table() -> str:
    defaults = Settings()
    lines = ["| key | environment variable | default | what it is |", "|---|---|---|---|"]
    for info in setting_keys():
        section, _, name = info.key.partition(".")
        default = getattr(getattr(defaults, section), name)
        shown = "" if default is None or default == [] else f"`{default}`"
        lines.append(f"| `{info.key}` | `{info.env}` | {shown} | {info.description} |")
    return "\n".join(lines)


def _argument_name(param: Any) -> str:
    return str(param.metavar or param.name or "").upper()


def command_reference() -> str:
    """Every command with its arguments and options, from the Typer app itself."""
    from etsysync_cli.cli.app import command_tree

    lines: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name in sorted(subcommands):
                walk(subcommands[name], [*path, name])
            return
        summary = (command.help or "").strip().split("\n")[0]
        arguments = [
            _argument_name(p) if p.required else f"[{_argument_name(p)}]"
            for p in command.params
            if p.param_type_name == "argument"
        ]
        lines.append(f"**`{' '.join([*path, *arguments])}`** — {summary}")
        options = [
            f"- {' / '.join(f'`{flag}`' for flag in [*p.opts, *p.secondary_opts])}: "
            + (getattr(p, "help", None) or "").strip()
            for p in command.params
            if p.param_type_name == "option" and not p.hidden
        ]
        if options:
            lines.extend(["", *options])
        lines.append("")

    walk(command_tree(), ["etsysync"])
    return "\n".join(lines).rstrip()


def _type_text(annotation: Any, nested: list[type[Any]]) -> str:
    """A field's type in words: `text`, `integer`, `list of PlanItem`, `text or null`, …"""
    from etsysync_cli.reports import Report

    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is type(None):
        return "null"
    if origin in (Union, types.UnionType):
        return " or ".join(_type_text(a, nested) for a in args)
    if origin is Literal:
        return " / ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_text(args[0], nested)}"
    if origin is dict:
        return f"object of {_type_text(args[1], nested)}"
    if isinstance(annotation, type) and issubclass(annotation, Report):
        if annotation not in nested:
            nested.append(annotation)
        return f"`{annotation.__name__}`"
    names = {str: "text", int: "integer", float: "number", bool: "true/false"}
    return names.get(annotation, "any") if isinstance(annotation, type) else "any"


def _fields_table(model: type[Any], nested: list[type[Any]]) -> list[str]:
    lines = ["| field | type | what it is |", "|---|---|---|"]
    for name, info in model.model_fields.items():
        described = (info.description or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_text(info.annotation, nested)} | {described} |")
    return lines


def json_reference() -> str:
    """Every `--json` document (reports.py): its fields, their types and what they are."""
    from etsysync_cli.reports import DOCUMENTS

    lines: list[str] = []
    nested: list[type[Any]] = []
    for command, model in DOCUMENTS.items():
        summary = _summary(model)
        if summary.startswith("`") and ": " in summary:  # "`plan --json`: the staged plan"
            summary = summary.split(": ", 1)[1]
        summary = summary[:1].upper() + summary[1:]
        lines += [f"### `{command}`", "", summary, "", *_fields_table(model, nested), ""]
    lines += ["## The objects inside them", ""]
    done: set[type[Any]] = set(DOCUMENTS.values())
    while nested:
        model = nested.pop(0)
        if model in done:
            continue
        done.add(model)
        summary = _summary(model)
        lines += [f"### `{model.__name__}`", "", *([summary, ""] if summary else [])]
        lines += [*_fields_table(model, nested), ""]
    return "\n".join(lines).rstrip()


def _summary(model: type[Any]) -> str:
    doc = model.__doc__ or ""
    if doc.startswith("!!! abstract") or "Usage docs" in doc:  # pydantic's own BaseModel doc
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


JSON_PAGE = """# JSON output

Every reporting command takes `--json` and prints one JSON document on stdout (progress and
messages go to stderr); `sync --json` prints JSON Lines. Field names are stable. Times are ISO
8601 in UTC with a `Z` (`2026-12-01T03:00:00Z`); prices are decimal strings (`"28.00"`).

This page is generated from `src/etsysync_cli/reports.py` (`python -m etsysync_cli.docs`),
and the test suite checks every command's real output against it.

## The documents

"""


def json_page() -> str:
    return JSON_PAGE + json_reference() + "\n"


# Whole files generated from the code (path relative to the project root).
PAGES: dict[str, Callable[[], str]] = {"docs/json.md": json_page}


def csv_columns() -> str:
    from etsysync_cli.sources.files import csv_columns_markdown

    return csv_columns_markdown()


SECTIONS: dict[str, Callable[[], str]] = {
    "settings": settings_table,
    "commands": command_reference,
    "csv-columns": csv_columns,
}


def render(readme: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", flags=re.DOTALL)
        match = pattern.search(readme)
        if match is None:
            raise ValueError(f"README.md has no <!-- {name}:start/end --> markers")
        readme = readme[: match.end(1)] + make() + "\n" + readme[match.start(2) :]
    return readme


def main() -> None:
    """Rewrite README's generated sections and the generated pages, from the project root."""
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path()
    readme = root / "README.md"
    readme.write_text(render(readme.read_text(encoding="utf-8")), encoding="utf-8")
    for name, make in PAGES.items():
        page = root / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(make(), encoding="utf-8")


if __name__ == "__main__":
    main()
