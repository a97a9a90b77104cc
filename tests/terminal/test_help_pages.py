"""Every help page reads cleanly with the pinned typer (issue 16, point 12): no Python type
placeholders, `-h` as `--help`, shell completion offered."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from etsysync_cli.cli.app import command_tree
from etsysync_cli.cli.main import app

# `<bool>`, `<list[str]>`, `<int range>`, `<path>`: typer 0.29's labels; `{TXN}`, `{shop}`: its
# required arguments in the usage line. An env var such as ETSYSYNC_SANDBOX_<OPTION> is prose.
PLACEHOLDER = re.compile(r"<[a-z][a-z_\[\]| ,]*>|\{[A-Za-z_]+\}")


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            walk(sub, [*path, name])

    walk(command_tree(), [])
    return paths


PATHS = _command_paths()


def _help(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"}, prog_name="etsysync")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_walked() -> None:
    assert len(PATHS) > 20  # the root, the groups and every command below them
    assert ["sandbox", "serve"] in PATHS and ["status"] in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "etsysync")
def test_help_has_no_type_placeholders_and_h_is_help(path: list[str]) -> None:
    page = _help(*path, "--help")
    assert not PLACEHOLDER.findall(page), page
    assert "Usage: etsysync" in page
    assert _help(*path, "-h") == page


def test_values_are_labelled_flags_are_not_and_defaults_are_shown() -> None:
    page = _help("confirm", "--help")
    assert "Usage: etsysync confirm [OPTIONS] TXN" in page
    assert re.search(r"--wait\s+NUMBER", page)
    assert re.search(r"--json\s+Machine-readable", page)  # a flag: no type after it
    assert re.search(r"\[default: 0[;\]]", page)
    assert re.search(r"--port\s+INTEGER", _help("sandbox", "serve", "--help"))
    assert "Usage: etsysync auth use [OPTIONS] SHOP" in _help("auth", "use", "--help")


def test_shell_completion_is_offered() -> None:
    page = _help("--help")
    assert "--install-completion" in page and "--show-completion" in page
    # typer names the shell from the process's parents (shellingham), not from $SHELL: run from
    # a bash that waits for it (`; exit`, so bash does not exec it), as a user's prompt does,
    # not from whatever started pytest (a cron job, a detached runner: no shell above it).
    shown = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m etsysync_cli --show-completion; exit $?'],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "_etsysync_completion" in shown.stdout
