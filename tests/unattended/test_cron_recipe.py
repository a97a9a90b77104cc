"""examples/cron/etsy-nightly.sh, run exactly as written the way cron runs it (issue 16, point
11): PATH reduced to cron's, etsysync named by its absolute path, `--log-file` before `sync`."""

from __future__ import annotations

import json
import os
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from etsysync_cli.errors import ExitCode
from tests.sync.conftest import shop_listings
from tests.sync.test_sync_e2e import VALID

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "cron" / "etsy-nightly.sh"
CRON_PATH = "/usr/bin:/bin"  # what cron gives a job (Vixie cron, cronie)


def etsysync_executable() -> Path:
    """The installed `etsysync` (the console script next to this Python, as in a venv)."""
    found = Path(sysconfig.get_path("scripts")) / "etsysync"
    assert found.is_file(), f"no etsysync script at {found}: install the package (pip install -e .)"
    return found


def as_cron(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The environment cron gives a job (HOME, LOGNAME, SHELL, PATH), plus what a crontab line
    # or the test must set: the app home, the sandbox's URLs and keys, the recipe's paths.
    # PYTHONPATH only makes the script's etsysync run this checkout's code.
    cron_env = {
        "HOME": env["HOME"],
        "LOGNAME": "seller",
        "SHELL": "/bin/sh",
        "PATH": CRON_PATH,
        **{k: v for k, v in os.environ.items() if k.startswith("ETSYSYNC_")},
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        **env,
    }
    return subprocess.run(
        [str(script)],
        env=cron_env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        cwd="/",
    )


def test_the_cron_recipe_runs_as_written(cli, sandbox, catalog, tmp_path: Path) -> None:
    login = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert login.exit_code == 0, login.stderr
    assert RECIPE.stat().st_mode & 0o111, "the recipe must be executable, as cron runs it"
    log_file = tmp_path / "logs" / "etsysync.log"
    paths = {
        "HOME": str(tmp_path / "seller"),
        "ETSYSYNC": str(etsysync_executable()),
        "CATALOG": str(catalog.path),
        "LOG_FILE": str(log_file),
    }

    run = as_cron(RECIPE, paths)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{VALID} synced, 0 failed" in run.stderr  # one summary line for cron's log
    assert "Traceback" not in run.stderr
    assert len(shop_listings(sandbox)) == VALID
    status = json.loads(cli("status", "--json").stdout)
    assert status["links"]["synced"] == VALID
    logged = log_file.read_text()
    assert f'command_started argv="--log-file {log_file} sync ' in logged
    assert logged.count("item_synced") == VALID

    # Etsy's daily quota spent: three tries (an hour apart in real life), then exit 75.
    sandbox.set_remaining_today(0)
    spent = as_cron(RECIPE, {**paths, "RETRY_AFTER": "0"})
    assert spent.returncode == ExitCode.QUOTA, spent.stdout + spent.stderr
    assert spent.stdout.count("Etsy's daily quota is spent") == 3
    assert "(attempt 3 of 3)" in spent.stdout

    # Not installed where the script says: a loud exit 127 with the fix, not a silent one.
    missing = as_cron(RECIPE, {**paths, "ETSYSYNC": str(tmp_path / "nowhere" / "etsysync")})
    assert missing.returncode == 127
    assert "set ETSYSYNC to what `command -v etsysync` prints" in missing.stderr


def test_sync_takes_log_file_after_the_command_too(cli, sandbox, catalog, tmp_path) -> None:
    """`etsysync sync --log-file PATH` (how cron lines are often written) logs as the global
    option does."""
    assert cli("auth", "login", "--timeout", "20").exit_code == 0
    log_file = tmp_path / "sync.log"
    args: list[Any] = ["sync", "--source", "file", str(catalog.path), "--auto-approve", "-q"]
    result = cli(*args, "--product", "prod_demo_mug", "--log-file", str(log_file))
    assert result.exit_code == 0, result.stderr
    assert "item_synced" in log_file.read_text()
