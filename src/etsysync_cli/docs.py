"""README sections generated from the code, so the docs cannot drift (a test compares them).

Run `python -m etsysync_cli.docs` to rewrite the generated sections of README.md in place.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from etsysync_cli.config import Settings, setting_keys


def settings_table() -> str:
    defaults = Settings()
    lines = ["| key | environment variable | default | what it is |", "|---|---|---|---|"]
    for info in setting_keys():
        section, _, name = info.key.partition(".")
        default = getattr(getattr(defaults, section), name)
        shown = "" if default is None else f"`{default}`"
        lines.append(f"| `{info.key}` | `{info.env}` | {shown} | {info.description} |")
    return "\n".join(lines)


def _argument_name(param: Any) -> str:
    return str(param.metavar or param.name or "").upper()


def command_reference() -> str:
    """Every command with its arguments and options, from the Typer app itself."""
    import typer.main

    from etsysync_cli.cli.main import app

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

    walk(typer.main.get_command(app), ["etsysync"])
    return "\n".join(lines).rstrip()


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
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
