"""docs/status.md cannot drift from the code: it describes every job state, and each
`etsysync …` line in it uses only commands and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer

from etsysync_cli.cli.main import app
from etsysync_cli.domain.statuses import JobStatus

PAGE = Path(__file__).parents[2] / "docs" / "status.md"


def test_every_job_state_is_described() -> None:
    text = PAGE.read_text()
    states = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))
    assert states == {str(s) for s in JobStatus}


def test_every_command_line_uses_real_options() -> None:
    root = typer.main.get_command(app)  # typer's own click: read its commands by attribute
    text = PAGE.read_text()
    # In backticks, or a line of a code block.
    lines = re.findall(r"`(etsysync [^`]+)`", text)
    lines += re.findall(r"^(etsysync .+)$", text, re.MULTILINE)
    assert len(lines) > 10
    for line in lines:
        words = shlex.split(line.replace("…", ""))[1:]
        command = getattr(root, "commands", {}).get(words[0]) if words else None
        assert command is not None, line
        if len(words) > 1 and words[1] in getattr(command, "commands", {}):
            command = command.commands[words[1]]
        known = {name for p in command.params for name in getattr(p, "opts", [])}
        for word in words[1:]:
            if word.startswith("-"):
                assert word.split("=")[0] in known, f"{line}: {word}"
