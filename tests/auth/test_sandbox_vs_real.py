"""The sandbox never leaks into real use (issue 16, point 14): the sandbox's shop lives in a home
of its own, `auth status` says which Etsy a shop was connected on, and plan/confirm/sync refuse a
shop connected on one Etsy while the settings point at the other."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.store.db import Store
from tests.conftest import FAKE_BROWSER
from tests.sync.conftest import Catalog

URL_VARIABLES = ("ETSYSYNC_ETSY_API_URL", "ETSYSYNC_ETSY_OAUTH_URL")


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog")


def auth_status(cli: Any) -> tuple[int, dict[str, Any]]:
    result = cli("auth", "status", "--json")
    return result.exit_code, json.loads(result.stdout)["accounts"][0]


def test_a_sandbox_shop_is_refused_against_the_real_etsy_and_back(
    cli, connected, catalog, monkeypatch, app_home: Path
) -> None:
    sandbox = connected.base_url
    # Connected with the sandbox's URLs but not its ETSYSYNC_HOME: said, once, at login.
    again = cli("auth", "login", "--timeout", "20")
    assert f"on a sandbox at {sandbox}; it is the active account" in again.stderr
    assert f"this sandbox shop is kept in {app_home}, not in a sandbox's own home" in again.stderr
    code, account = auth_status(cli)
    assert code == 0
    assert account["etsy"] == f"a sandbox at {sandbox}"
    assert account["etsy_matches"] is True
    assert f"Etsy            a sandbox at {sandbox}" in cli("auth", "status").stdout

    staged = cli("plan", "--source", "file", str(catalog.path), "--product", "prod_demo_mug")
    txn = re.search(r"txn_[0-9a-f]+", staged.stdout + staged.stderr)
    assert txn, staged.stdout
    assert cli("confirm", txn.group(0), "--yes").exit_code == 0

    # A new shell without the sandbox's export lines: the settings point at the real Etsy.
    for name in URL_VARIABLES:
        monkeypatch.delenv(name)
    runs = {
        "plan": cli("plan", "--source", "file", str(catalog.path)),
        "plan --no-refresh": cli("plan", "--source", "file", str(catalog.path), "--no-refresh"),
        "confirm": cli("confirm", txn.group(0), "--yes"),
        "sync": cli("sync", "--source", "file", str(catalog.path), "--auto-approve"),
    }
    for command, result in runs.items():
        assert result.exit_code == ExitCode.CONFIG, (command, result.stdout, result.stderr)
        first, hint = result.stderr.splitlines()[:2]
        assert first == (
            f"error: shop SandboxCraftShop was connected on a sandbox at {sandbox}, but "
            "etsysync now talks to Etsy (api.etsy.com); nothing was sent"
        ), command
        assert "etsysync sandbox serve" in hint and "etsysync auth login" in hint, command
        assert "already matches" not in result.stdout + result.stderr, command
        assert "Traceback" not in result.stderr

    code, account = auth_status(cli)
    assert code == ExitCode.AUTH_NEEDED  # nothing to work with here: cron's check fails
    assert (account["etsy"], account["etsy_matches"]) == (f"a sandbox at {sandbox}", False)
    assert "the settings now point elsewhere" in cli("auth", "status").stdout
    checked = json.loads(cli("auth", "status", "--check", "--json").stdout)["accounts"][0]
    assert checked["check"]["ok"] is False and "nothing was sent" in checked["check"]["error"]

    # The reverse: a shop connected on the real Etsy, and the sandbox's URLs set. Its tokens
    # must not reach the sandbox (or whatever the URL points at).
    for line in connected.env_lines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    with Store.open(app_home) as store, store.atomic() as db:
        db.execute("UPDATE accounts SET api_url = 'https://api.etsy.com/v3'")
    seen = len(connected.request_log())
    refused = cli("plan", "--source", "file", str(catalog.path))
    assert refused.exit_code == ExitCode.CONFIG
    assert (
        "was connected on Etsy (api.etsy.com), but etsysync now talks to a sandbox at "
        f"{sandbox}" in refused.stderr
    )
    assert "unset ETSYSYNC_ETSY_API_URL" in refused.stderr
    assert "etsysync config get etsy.api_url" in refused.stderr
    assert len(connected.request_log()) == seen, "the real shop's tokens reached the sandbox"


def _serve(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    """`etsysync sandbox serve` in its own process, and its banner up to "Press Ctrl-C"."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "etsysync_cli", "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    banner: list[str] = []
    for line in proc.stdout:
        banner.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl-C"):
            return proc, banner
    raise AssertionError(f"the sandbox did not start: {proc.stderr.read() if proc.stderr else ''}")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err


def _pasted(banner: list[str]) -> dict[str, str]:
    """The export lines as a shell would take them."""
    env = {}
    for line in banner:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0]
    return env


def test_the_quick_start_keeps_the_sandbox_shop_in_its_own_home(
    cli, app_home: Path, callback_port: int, monkeypatch
) -> None:
    monkeypatch.setenv("BROWSER", f"{sys.executable} {FAKE_BROWSER} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read $BROWSER again
    redirect = f"http://localhost:{callback_port}/callback"
    proc, banner = _serve("--auto-approve", "--redirect-uri", redirect)
    try:
        pasted = _pasted(banner)
        sandbox_home = app_home / "sandbox"
        assert pasted["ETSYSYNC_HOME"] == str(sandbox_home)
        url = pasted["ETSYSYNC_ETSY_OAUTH_URL"]
        login = cli("auth", "login", "--timeout", "20", env=pasted)
        assert login.exit_code == 0, login.stderr
        assert f"on a sandbox at {url}; it is the active account" in login.stderr
        assert "not in a sandbox's own home" not in login.stderr
        status = cli("auth", "status", env=pasted)
        assert f"Etsy            a sandbox at {url}" in status.stdout
    finally:
        _stop(proc)
    # The shop is in the sandbox's home, with the sandbox's state; the app home has no shop.
    assert (sandbox_home / "etsysync.db").exists()
    assert (sandbox_home / "sandbox-state.json").exists()
    assert not (app_home / "etsysync.db").exists()
    nothing = cli("auth", "status")
    assert nothing.exit_code == ExitCode.AUTH_NEEDED
    assert "No Etsy shop is connected" in nothing.stderr

    # Restarted from the sandbox's shell (ETSYSYNC_HOME is the sandbox home now), on a new
    # port: same home, same state, so the same shop and its tokens still work.
    monkeypatch.setenv("ETSYSYNC_HOME", str(sandbox_home))
    proc, banner = _serve()
    try:
        again = _pasted(banner)
        assert again["ETSYSYNC_HOME"] == str(sandbox_home)
        checked = cli("auth", "status", "--check", env=again)
        assert checked.exit_code == 0, checked.stdout + checked.stderr
        assert "check           ok" in checked.stdout
    finally:
        _stop(proc)


def test_the_demo_s_what_next_works_as_printed(cli, tmp_path: Path) -> None:
    from tests.pacing import FAST

    home = tmp_path / "demo"
    demo = cli("demo", "--home", str(home), "--latency-ms", "0", "--rps", str(FAST["rps"]))
    assert demo.exit_code == 0, demo.stderr
    lines = [line.strip() for line in demo.stdout.split("What next", 1)[1].splitlines()]
    serve = next(line for line in lines if line.startswith("etsysync sandbox serve"))
    plan = next(line for line in lines if line.startswith("etsysync plan"))
    assert "8765" not in demo.stdout  # no fixed port that may be taken
    proc, banner = _serve(*shlex.split(serve)[3:])
    try:
        pasted = _pasted(banner)
        assert pasted["ETSYSYNC_HOME"] == str(home)
        status = cli("status", env=pasted)
        assert status.exit_code == 0, status.stderr
        again = cli(*shlex.split(plan)[1:], env=pasted)
        assert again.exit_code == 0, again.stderr
        assert "Nothing to push" in again.stdout + again.stderr
    finally:
        _stop(proc)


def test_a_real_shop_connected_in_a_sandbox_home_is_told(
    cli, sandbox, monkeypatch, tmp_path: Path
) -> None:
    """The reverse leak: the sandbox's ETSYSYNC_HOME still set, the URLs unset. The sandbox
    stands in for the real Etsy here (its host counted as Etsy's), since no test reaches Etsy."""
    from etsysync_cli import config

    monkeypatch.setattr(config, "ETSY_API_HOSTS", frozenset({"127.0.0.1"}))
    home = tmp_path / "apphome" / "sandbox"
    login = cli("auth", "login", "--timeout", "20", env={"ETSYSYNC_HOME": str(home)})
    assert login.exit_code == 0, login.stderr
    assert "on Etsy (127.0.0.1)" in login.stderr
    assert f"this real shop is kept in {home}, a sandbox's home" in login.stderr
    assert "unset ETSYSYNC_HOME" in login.stderr


def test_an_in_memory_sandbox_on_a_home_of_any_name_is_still_a_sandbox_home(
    cli, tmp_path: Path, callback_port: int, monkeypatch
) -> None:
    # --in-memory writes no state file and --home names any folder: `sandbox serve` marks the
    # home it prints, so the login there is not told it is outside a sandbox's home.
    monkeypatch.setenv("BROWSER", f"{sys.executable} {FAKE_BROWSER} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    home = tmp_path / "my-try-out"
    redirect = f"http://localhost:{callback_port}/callback"
    proc, banner = _serve(
        "--auto-approve", "--redirect-uri", redirect, "--in-memory", "--home", str(home)
    )
    try:
        pasted = _pasted(banner)
        assert pasted["ETSYSYNC_HOME"] == str(home)
        login = cli("auth", "login", "--timeout", "20", env=pasted)
        assert login.exit_code == 0, login.stderr
        assert "not in a sandbox's own home" not in login.stderr
    finally:
        _stop(proc)
    assert not (home / "sandbox-state.json").exists()
