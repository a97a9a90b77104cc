"""A plan whose catalog worker processes prepare (flows/prepare_pool.py) leaves none of them
running however it ends: killed outright, or stopped with Ctrl-C, in which case nothing is
staged either."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.conftest import etsysync_process, simple_product
from tests.sync.test_plan_workers import catalog_workers

WAIT = 30.0  # seconds; generous bounds, never reached when things work


def big_catalog(folder: Path, products: int = 3000) -> Path:
    path = folder / "big.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for n in range(products):
            file.write(json.dumps(simple_product(f"prod_{n}", f"Bowl {n}", f"B-{n}")) + "\n")
    return path


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_stopped_plan_leaves_no_worker_behind(
    how: signal.Signals, file_login, app_home, tmp_path, db
) -> None:
    path = big_catalog(tmp_path)
    process = etsysync_process(
        "plan", "--source", "file", str(path), env={"ETSYSYNC_SOURCE_WORKERS": "2"}
    )
    try:
        wait_until(lambda: len(catalog_workers(app_home)) == 2, "the plan's two workers")
        os.kill(process.pid, how)
        _out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    wait_until(lambda: catalog_workers(app_home) == [], "the workers to end")
    if how == signal.SIGINT:
        assert process.returncode == 130, err
        assert "Traceback" not in err, err
        assert db("SELECT * FROM sync_jobs WHERE status = 'pending'") == []
