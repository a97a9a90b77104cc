"""Ctrl-C and SIGTERM during a push (issue 12, signals): the run stops starting products,
finishes and records those in flight, says what was done and how to resume, and exits 130 /
143. A second Ctrl-C stops at once, and the run still resumes with each product listed once."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SandboxConfig
from tests.faults.conftest import assert_synced_exactly_once, etsysync_process, job_row, plan
from tests.faults.test_kill_resume import WAIT
from tests.pacing import fast_config


@pytest.fixture
def sandbox_config(callback_port: int) -> SandboxConfig:
    # Slow enough to signal the push in the middle of it.
    return fast_config(
        latency_ms=80,
        redirect_uris=[f"http://localhost:{callback_port}/callback"],
    )


def outcomes(db: Any) -> int:
    return int(db("SELECT count(*) AS n FROM plan_items WHERE outcome IS NOT NULL")[0]["n"])


def signal_after_first_product(process: Any, db: Any, *signals: signal.Signals) -> None:
    deadline = time.monotonic() + WAIT
    while outcomes(db) < 1:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no product finished"
        time.sleep(0.01)
    for signum in signals:
        process.send_signal(signum)
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)],
    ids=["sigint", "sigterm"],
)
def test_a_signal_stops_the_push_cleanly_and_it_resumes(
    cli, file_login, small_catalog, db, signum, code
) -> None:
    txn = plan(cli, small_catalog)["transaction_id"]
    process = etsysync_process(
        "confirm", txn, "--yes", "--quiet", env={"ETSYSYNC_SYNC_CONCURRENCY": "1"}
    )
    signal_after_first_product(process, db, signum)
    _out, err = process.communicate(timeout=WAIT)
    assert process.returncode == code, err
    assert f"stopped by {signum.name}" in err
    assert f"etsysync confirm {txn}" in err
    assert "Traceback" not in err
    job = job_row(db, txn)
    assert job["status"] == "paused"
    assert 1 <= job["synced_count"] < 4

    resumed = cli("confirm", txn, "--yes", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["synced_count"] == 4
    assert_synced_exactly_once(file_login, db, txn)


def test_a_second_ctrl_c_stops_at_once_and_the_run_still_resumes(
    cli, file_login, small_catalog, db
) -> None:
    txn = plan(cli, small_catalog)["transaction_id"]
    process = etsysync_process(
        "confirm", txn, "--yes", "--quiet", env={"ETSYSYNC_SYNC_CONCURRENCY": "1"}
    )
    signal_after_first_product(process, db, signal.SIGINT, signal.SIGINT)
    _out, err = process.communicate(timeout=WAIT)
    assert process.returncode == ExitCode.INTERRUPTED, err
    assert "Stopped at once" in err
    assert job_row(db, txn)["status"] in ("processing", "paused")

    resumed = cli("confirm", txn, "--yes", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert_synced_exactly_once(file_login, db, txn)


def test_sync_stopped_by_sigterm_resumes_on_the_next_sync(
    cli, file_login, small_catalog, db
) -> None:
    process = etsysync_process(
        "sync",
        "--source",
        "file",
        str(small_catalog.path),
        "--auto-approve",
        "--quiet",
        env={"ETSYSYNC_SYNC_CONCURRENCY": "1"},
    )
    signal_after_first_product(process, db, signal.SIGTERM)
    _out, err = process.communicate(timeout=WAIT)
    assert process.returncode == ExitCode.TERMINATED, err
    assert "run `etsysync sync` again" in err
    again = cli("sync", "--source", "file", str(small_catalog.path), "--auto-approve", "--quiet")
    assert again.exit_code == 0, again.stderr
    assert "Resuming" in again.stderr
    (job,) = db("SELECT transaction_id FROM sync_jobs WHERE synced_count > 0 ORDER BY id LIMIT 1")
    assert_synced_exactly_once(file_login, db, job["transaction_id"])
