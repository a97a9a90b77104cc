"""A plan whose catalog worker processes prepare (flows/prepare_pool.py) leaves none of them
running however it ends: killed outright, or stopped with Ctrl-C, in which case nothing is
staged either."""

from __future__ import annotations

import contextlib
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


def test_workers_paused_over_and_over_plan_every_product(
    file_login, app_home, tmp_path, db
) -> None:
    """Ctrl-Z then `fg` pauses the plan and its workers part-way through what they write to
    each other: what each side reads must still be whole (here, 20 pauses a second)."""
    path = tmp_path / "long.jsonl"
    count = 3000
    with path.open("w", encoding="utf-8") as file:
        for n in range(count):
            text = f"Bowl {n}, thrown & glazed by hand — “crème” finish. " * 30
            product = simple_product(f"prod_{n}", f'Bowl "{n}" & co', f"B-{n}", description=text)
            file.write(json.dumps(product) + "\n")
    process = etsysync_process(
        "plan", "--source", "file", str(path), "--json", env={"ETSYSYNC_SOURCE_WORKERS": "2"}
    )
    pauses = 0
    try:
        wait_until(lambda: len(catalog_workers(app_home)) == 2, "the plan's two workers")
        while workers := catalog_workers(app_home):  # then the plan writes its document
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                    time.sleep(0.01)
                    os.kill(pid, signal.SIGCONT)
                    pauses += 1
            time.sleep(0.03)
        out, err = process.communicate(timeout=WAIT)
    finally:
        for pid in catalog_workers(app_home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert pauses > 10
    assert process.returncode == 0, err
    items = json.loads(out)["items"]
    assert [item["product_id"] for item in items] == [f"prod_{n}" for n in range(count)]
    assert {item["action"] for item in items} == {"create"}
    assert items[-1]["title"] == f'Bowl "{count - 1}" & co'
