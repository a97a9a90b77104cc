"""One writer per shop, `etsysync sync` for cron, background runs, request caps, log files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.store.accounts import find_account
from etsysync_cli.store.db import Store
from tests.sync.conftest import shop_listings
from tests.sync.test_sync_e2e import VALID, plan


def etsysync(*args: str, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "etsysync_cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
        **kw,
    )


@pytest.fixture
def file_login(cli, sandbox) -> Any:
    """Connected with tokens in the file store, so subprocesses can use them too."""
    result = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    return sandbox


@pytest.fixture
def held_push(file_login: Any) -> Iterator[threading.Event]:
    """The sandbox holds every createDraftListing answer until the test sets the event: the
    first confirm is then still pushing, however slowly the second process starts (under
    pytest-xdist on two cores a second `python -m etsysync_cli` can take seconds)."""
    release = threading.Event()

    def hold(entry: dict[str, Any]) -> None:
        if entry["operation"] == "createDraftListing":
            release.wait(60)

    file_login.app.on_request = hold
    try:
        yield release
    finally:
        release.set()
        file_login.app.on_request = None


def wait_until_pushing(sandbox: Any) -> None:
    deadline = time.monotonic() + 30
    while not any(e["operation"] == "createDraftListing" for e in sandbox.request_log()):
        assert time.monotonic() < deadline, "the first confirm never started pushing"
        time.sleep(0.05)


class TestOneWriterPerShop:
    def test_a_second_confirm_exits_locked_at_once(
        self, cli, file_login, held_push, catalog
    ) -> None:
        txn = plan(cli, catalog)["transaction_id"]
        first = etsysync("confirm", txn, "--yes", "--quiet")
        wait_until_pushing(file_login)
        started = time.monotonic()
        second = etsysync("confirm", txn, "--yes", "--quiet")
        _, err = second.communicate(timeout=30)
        held_push.set()
        assert second.returncode == ExitCode.LOCKED, err
        assert time.monotonic() - started < 20, "the second run should not wait"
        assert f"pid {first.pid}" in err
        assert f"etsysync confirm {txn}" in err
        assert "--wait" in err
        _, first_err = first.communicate(timeout=60)
        assert first.returncode == 0, first_err
        assert len(shop_listings(file_login)) == VALID

    def test_wait_queues_behind_the_holder(self, cli, file_login, held_push, catalog) -> None:
        txn = plan(cli, catalog)["transaction_id"]
        first = etsysync("confirm", txn, "--yes", "--quiet")
        wait_until_pushing(file_login)
        second = etsysync("confirm", txn, "--yes", "--quiet", "--wait", "60")
        time.sleep(1)  # the second one is starting up, then waits for the lock
        held_push.set()
        _, err = second.communicate(timeout=90)
        first.communicate(timeout=60)
        # It waited for the lock, then found the job already done.
        assert second.returncode == ExitCode.REFUSED, err
        assert "already ran" in err


def test_a_dead_holder_is_taken_over_with_a_warning(cli, connected, catalog, app_home) -> None:
    txn = plan(cli, catalog)["transaction_id"]
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with Store.open(app_home) as store:
        account = find_account(store)
        store.db.table("locks").insert(
            {
                "account_id": account.id,
                "pid": int(dead.stdout),
                "host": socket.gethostname(),
                "command": "etsysync confirm txn_old",
                "started_at": "2026-01-01T00:00:00Z",
            }
        )
    result = cli("confirm", txn, "--yes")
    assert result.exit_code == 0, result.stderr
    assert "took over the lock" in result.stderr
    assert "no longer running" in result.stderr


def test_unlock_removes_a_lock_held_elsewhere(cli, connected, catalog, app_home) -> None:
    txn = plan(cli, catalog)["transaction_id"]
    with Store.open(app_home) as store:
        account = find_account(store)
        store.db.table("locks").insert(
            {
                "account_id": account.id,
                "pid": 4242,
                "host": "another-machine",
                "command": "etsysync sync",
                "started_at": "2026-01-01T00:00:00Z",
            }
        )
    locked = cli("confirm", txn, "--yes")
    assert locked.exit_code == ExitCode.LOCKED
    assert "another-machine" in locked.stderr
    assert "etsysync unlock" in locked.stderr
    refused = cli("unlock", account.shop_name)  # no terminal, no --yes: nothing removed
    assert refused.exit_code == ExitCode.USAGE
    assert cli("confirm", txn, "--yes").exit_code == ExitCode.LOCKED
    assert cli("unlock", account.shop_name, "--yes").exit_code == 0
    assert cli("confirm", txn, "--yes").exit_code == 0


def test_sync_for_cron_writes_json_lines(cli, connected, catalog) -> None:
    refused = cli("sync", "--source", "file", str(catalog.path))
    assert refused.exit_code == ExitCode.REFUSED, "no terminal and no --auto-approve"
    assert "--auto-approve" in refused.stderr
    assert shop_listings(connected) == []

    result = cli("sync", "--source", "file", str(catalog.path), "--auto-approve", "--json")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["event"] == "plan" and lines[0]["format"] == "etsysync.sync/1"
    items = [line for line in lines if line["event"] == "item"]
    assert len(items) == VALID and all(i["ok"] for i in items)
    assert lines[-1]["event"] == "summary" and lines[-1]["status"] == "completed"
    assert len(shop_listings(connected)) == VALID

    again = cli("sync", "--source", "file", str(catalog.path), "--auto-approve", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout.splitlines()[-1])["requests"] == 0


def test_sync_refuses_more_creates_than_allowed(cli, connected, catalog) -> None:
    result = cli(
        "sync", "--source", "file", str(catalog.path), "--auto-approve", "--max-creates", "5"
    )
    assert result.exit_code == ExitCode.REFUSED
    assert "11 creates (--max-creates 5)" in result.stderr
    assert shop_listings(connected) == []
    # The plan stays staged for review.
    status = json.loads(cli("status", "--json").stdout)
    assert status["jobs"][0]["status"] == "pending"


def test_max_requests_pauses_the_run(cli, connected, catalog) -> None:
    txn = plan(cli, catalog)["transaction_id"]
    result = cli("confirm", txn, "--yes", "--max-requests", "10")
    assert result.exit_code == ExitCode.QUOTA
    assert "paused" in result.stderr
    resumed = cli("confirm", txn, "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert len(shop_listings(connected)) == VALID


def test_background_confirm_returns_at_once(cli, file_login, catalog, app_home) -> None:
    txn = plan(cli, catalog)["transaction_id"]
    result = cli("confirm", txn, "--background")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == txn
    log_file = app_home / "logs" / f"{txn}.log"
    assert str(log_file) in result.stderr
    deadline = time.monotonic() + 60
    while True:
        status = json.loads(cli("status", txn, "--json").stdout)["status"]
        if status in ("completed", "failed"):
            break
        assert time.monotonic() < deadline, f"background run stuck in {status}"
        time.sleep(0.2)
    assert status == "completed", log_file.read_text()
    assert len(shop_listings(file_login)) == VALID


def test_log_file_has_structured_lines_and_no_secrets(
    cli, connected, catalog, memory_keyring, tmp_path: Path
) -> None:
    log = tmp_path / "etsysync.log"
    staged = json.loads(
        cli("--log-file", str(log), "plan", "--source", "file", str(catalog.path), "--json").stdout
    )
    cli("--log-file", str(log), "confirm", staged["transaction_id"], "--yes")
    cli("--log-file", str(log), "confirm", "txn_nope", "--yes", env={"ETSYSYNC_LOG_FILE": str(log)})
    text = log.read_text()
    assert "job_planned" in text and "item_synced" in text and "job_completed" in text
    assert "command_failed" in text and "exit_code=5" in text
    (entry,) = memory_keyring.entries.values()
    secrets = json.loads(entry)
    for name in ("access_token", "refresh_token", "shared_secret"):
        assert secrets[name] not in text


def test_sync_resumes_a_stopped_run_before_planning_again(cli, connected, catalog) -> None:
    args = ("sync", "--source", "file", str(catalog.path), "--auto-approve")
    stopped = cli(*args, "--max-requests", "12")
    assert stopped.exit_code == ExitCode.QUOTA, stopped.stderr
    finished = cli(*args)
    assert finished.exit_code == 0, finished.stderr
    assert "Resuming txn_" in finished.stderr
    titles = [x["title"] for x in shop_listings(connected)]
    assert len(titles) == VALID == len(set(titles))
    jobs = json.loads(cli("status", "--json").stdout)["jobs"]
    assert {j["status"] for j in jobs} == {"completed"}
