"""docs/sandbox-and-real-shop.md shows only real commands: every `etsysync …` line in it (in a
code block, or inline in backticks) names a command that exists and only options it has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from etsysync_cli.cli.main import app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox-and-real-shop.md"
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
INLINE = re.compile(r"`(etsysync [^`]+)`")


def command_lines(text: str) -> list[str]:
    """The command lines a reader may copy: in fenced blocks (a `$ ` prompt is dropped), and
    inline code that starts with `etsysync`."""
    lines = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("etsysync "):
                lines.append(line)
    lines += INLINE.findall(FENCE.sub("", text))
    return lines


def _options(command: Any) -> dict[str, Any]:
    return {name: p for p in command.params for name in (*p.opts, *p.secondary_opts)}


def problems(line: str) -> list[str]:
    """What is wrong with one `etsysync …` line, checked against the real Typer app."""
    words = shlex.split(line, comments=True)[1:]
    command: Any = typer.main.get_command(app)
    ctx = typer.Context(command)
    path = ["etsysync"]
    found: list[str] = []
    while words:
        word = words.pop(0)
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            option = _options(command).get(name)
            if option is None:
                found.append(f"{' '.join(path)} has no option {name}")
            elif not option.is_flag and "=" not in word and words:
                words.pop(0)  # the option's value
        elif hasattr(command, "get_command"):  # a group: the word names a command
            sub = command.get_command(ctx, word)
            if sub is None:
                found.append(f"{' '.join(path)} has no command {word!r}")
                break
            command, path = sub, [*path, word]
        # else: an argument of the command
    if hasattr(command, "get_command"):
        found.append(f"`{' '.join(path)}` is a group, not a command")
    return found


def test_the_page_exists_and_shows_commands() -> None:
    lines = command_lines(PAGE.read_text(encoding="utf-8"))
    assert len(lines) >= 15, lines  # the walk: serve, login, shop, config, plan, confirm, …
    assert any(line.startswith("etsysync auth login") for line in lines)
    assert any("plan" in line and "--limit 3" in line for line in lines)


def test_every_command_line_on_the_page_is_real() -> None:
    bad = {
        line: found
        for line in command_lines(PAGE.read_text(encoding="utf-8"))
        if (found := problems(line))
    }
    assert not bad, bad


def test_every_setting_on_the_page_is_real() -> None:
    from etsysync_cli.config import setting_keys

    known = {info.key for info in setting_keys()}
    text = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"etsysync config (?:get|set|unset) ([a-z_.]+)", text))
    named |= set(re.findall(r"`((?:listing|auth|etsy)\.[a-z_]+)`", text))
    assert named and named <= known, named - known


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("etsysync plan --source file c.json --limt 3", "etsysync plan has no option --limt"),
        ("etsysync sandbox server --auto-approve", "etsysync sandbox has no command 'server'"),
        ("etsysync config", "`etsysync config` is a group, not a command"),
        ("etsysync --log-fil x sync", "etsysync has no option --log-fil"),
    ],
)
def test_the_checker_catches_a_wrong_line(line: str, why: str) -> None:
    assert why in problems(line)


def test_the_callback_url_on_the_page_is_the_one_login_uses() -> None:
    from etsysync_cli.accounts.loopback import redirect_uri
    from etsysync_cli.config import AuthSettings

    page = PAGE.read_text(encoding="utf-8")
    assert redirect_uri(AuthSettings().redirect_port) in page
