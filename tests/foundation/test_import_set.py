"""A command imports only what it uses (issue 17): what `--version`, `--help` and `status`
import in a new process, the command table's summaries, the did-you-mean for commands, and
completion that works without loading every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import etsysync_cli
from etsysync_cli.cli.app import command_tree
from etsysync_cli.cli.main import COMMANDS
from tests.conftest import connect_shop

# Runs the real entry point (cli/main.py's `run`, as the `etsysync` script does), then writes
# the names of every module the command imported, even when it exits through SystemExit, and
# whether garbage collection is on (`run` turns it off for start-up only).
_WRAPPER = """
import gc, json, sys
sys.argv[0] = "etsysync"
try:
    from etsysync_cli.cli.main import run
    run()
finally:
    with open({out!r}, "w") as file:
        json.dump([*sorted(sys.modules), *(["(gc on)"] if gc.isenabled() else [])], file)
"""

# Never on the path of --version, --help or status: the Etsy client and what it pulls in, the
# sandbox, the Medusa source, the planner and adopt, the push's progress bars.
NEVER = (
    "httpx",
    "tenacity",
    "keyring",
    "etsysync_cli.etsy",
    "etsysync_cli.accounts.session",
    "etsysync_cli.sandbox",
    "etsysync_cli.sources.medusa",
    "etsysync_cli.domain.planner",
    "etsysync_cli.domain.mapping",
    "etsysync_cli.flows.plan",
    "etsysync_cli.flows.adopt",
    "etsysync_cli.cli.adopt",
    "etsysync_cli.cli.review",
    "rich.progress",
    "rich.live",
)

# Nor on the path of the human `status`: sqlite-utils (the store reads with plain sqlite3 and
# writes through sqlite-utils only when it writes; click comes with it), the report models
# (only --json builds them), the listing draft's models, and logging (without a log file).
NEVER_FOR_STATUS = (
    "sqlite_utils",
    "click",
    "etsysync_cli.reports",
    "etsysync_cli.domain.listing",
    "logging",
)


def _imports(tmp_path: Path, *args: str, home: Path) -> tuple[set[str], str]:
    out = tmp_path / "modules.json"
    src = str(Path(etsysync_cli.__file__).resolve().parents[1])  # this checkout's code
    env = {**os.environ, "PYTHONPATH": src, "ETSYSYNC_HOME": str(home), "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER.format(out=str(out)), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text())), done.stdout


def _loaded(modules: set[str], prefix: str) -> bool:
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


def test_version_help_and_status_import_only_what_they_use(tmp_path: Path, app_home: Path) -> None:
    from etsysync_cli.store.db import Store

    with Store.open(app_home) as store:  # a connected shop, so that status shows its table
        connect_shop(store)

    version, printed = _imports(tmp_path, "--version", home=app_home)
    assert printed == f"etsysync {etsysync_cli.__version__}\n"
    for heavy in ("typer", "rich", "pydantic", "sqlite_utils", *NEVER):
        assert not _loaded(version, heavy), f"--version imports {heavy}"

    help_page, printed = _imports(tmp_path, "--help", home=app_home)
    assert all(f"  {name} " in printed for name in COMMANDS), printed  # every command listed
    for heavy in ("pydantic", "sqlite_utils", "rich", "etsysync_cli.config", *NEVER):
        assert not _loaded(help_page, heavy), f"--help imports {heavy}"
    commands = {m for m in help_page if m.startswith("etsysync_cli.cli.")}
    assert commands == {
        "etsysync_cli.cli.main",
        "etsysync_cli.cli.app",
        "etsysync_cli.cli.helppages",
    }

    status, printed = _imports(tmp_path, "status", home=app_home)
    assert "Shop ClayShop (5001)" in printed
    for heavy in (*NEVER, *NEVER_FOR_STATUS):
        assert not _loaded(status, heavy), f"status imports {heavy}"
    assert "etsysync_cli.cli.status" in status and "etsysync_cli.cli.plan" not in status
    assert "(gc on)" in status, "the command ran with garbage collection off"


def test_each_summary_in_the_table_is_its_command_s_first_sentence() -> None:
    root = command_tree()
    for name in COMMANDS:
        command = root.commands[name]
        assert command.get_short_help_str(10_000) == COMMANDS[name].summary, name


@pytest.mark.parametrize(
    ("args", "meant", "code"),
    [
        (["stauts"], "status", 2),
        (["stauts", "--detailed-exitcode"], "status", 1),
        (["auth", "statu"], "status", 2),
        (["confrim", "txn_x"], "confirm", 2),
    ],
)
def test_a_mistyped_command_names_the_one_meant(
    cli: object, args: list[str], meant: str, code: int
) -> None:
    result = cli(*args)  # type: ignore[operator]
    assert result.exit_code == code
    typo = args[1] if args[0] == "auth" else args[0]
    assert f"No such command '{typo}'. Did you mean '{meant}'?" in result.stderr
    assert result.stdout == ""


def test_completion_lists_commands_and_completes_a_command_s_options() -> None:
    from typer.testing import CliRunner

    from etsysync_cli.cli.main import app

    def complete(words: str) -> str:
        env = {
            "_ETSYSYNC_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        result = CliRunner().invoke(app, [], env=env, prog_name="etsysync")
        assert result.exit_code == 0, result.output
        return result.stdout

    assert complete("etsysync s").split() == [
        "sales",
        "status",
        "shop",
        "sync",
        "sandbox",
        "source",
    ]
    assert "--failed" in complete("etsysync status --fa").split()
