"""README sections generated from the code, so the docs cannot drift (a test compares them).

Run `python -m etsysync_cli.docs` to rewrite the generated sections of README.md in place.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

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


SECTIONS: dict[str, Callable[[], str]] = {"settings": settings_table}


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
