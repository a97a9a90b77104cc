"""kill -9 of a `confirm` subprocess at many points, then `confirm` again: every product ends
synced exactly once (issue 7, "Done when", first point).

A `Trigger` holds one chosen request at the sandbox's door: the subprocess is killed while that
request waits, then the request is either carried out (Etsy did the work; the client never read
the answer: the create that "returned 500", etsy-api.md §8 gotcha 7) or dropped (the request
never reached Etsy). No timing is guessed: the kill always lands at the chosen request.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from etsysync_cli.sandbox.wire import Response, json_response
from tests.faults.conftest import (
    assert_synced_exactly_once,
    etsysync_process,
    job_row,
    plan,
)
from tests.sync.conftest import shop_listings

OPERATIONS = {
    "createDraftListing": ("POST", re.compile(r"/v3/application/shops/\d+/listings$")),
    "uploadListingImage": ("POST", re.compile(r"/v3/application/shops/\d+/listings/\d+/images$")),
    "updateListingInventory": ("PUT", re.compile(r"/v3/application/listings/\d+/inventory$")),
}
WAIT = 30.0  # seconds; generous bounds, never reached when things work


class Trigger:
    """Holds the `nth` request of `operation` until `release()`, then runs or drops it."""

    def __init__(self, sandbox: Any, operation: str, nth: int, carry_out: bool) -> None:
        self.app = sandbox.app
        self.method, self.pattern = OPERATIONS[operation]
        self.nth = nth
        self.carry_out = carry_out
        self.seen = 0
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._original: Callable[..., Response] = self.app.handle
        self.app.handle = self._handle

    def _handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        held = False
        if method == self.method and self.pattern.match(target.split("?")[0]):
            with self._lock:
                self.seen += 1
                held = self.seen == self.nth
        if not held:
            return self._original(method, target, headers, body)
        self.arrived.set()
        self.released.wait(WAIT)
        try:
            if self.carry_out:
                return self._original(method, target, headers, body)
            return json_response(503, {"error": "Service Unavailable"})  # never reached Etsy
        finally:
            self.done.set()

    def release(self) -> None:
        self.app.handle = self._original
        self.released.set()
        if self.arrived.is_set():
            assert self.done.wait(WAIT), "the held request did not finish"


@dataclass(frozen=True)
class Point:
    name: str
    operation: str | None  # None: kill once `after_items` items have an outcome
    nth: int = 1
    carry_out: bool = False
    after_items: int = 0
    concurrency: int = 1


POINTS = [
    # The second product's create reached Etsy; the answer never came back.
    Point("create-done", "createDraftListing", nth=2, carry_out=True),
    # Killed after recording the intent, before Etsy made anything.
    Point("create-lost", "createDraftListing", nth=2),
    # The listing exists and is recorded; no image yet.
    Point("before-images", "uploadListingImage", nth=1),
    # One image in, the second uploaded by Etsy but never recorded.
    Point("mid-images", "uploadListingImage", nth=2, carry_out=True),
    # Images in, the inventory not sent.
    Point("before-inventory", "updateListingInventory", nth=1),
    # Everything on Etsy, the outcome not recorded.
    Point("inventory-done", "updateListingInventory", nth=1, carry_out=True),
    # Between two products: killed as soon as the second outcome is recorded.
    Point("between-items", None, after_items=2),
    # Four workers: the third create lands while others are in flight.
    Point("create-done-4-workers", "createDraftListing", nth=3, carry_out=True, concurrency=4),
]


# Titles the runner must not be confused by when it looks for a listing an uncertain create
# made: alike titles (colours and sizes sold as separate products), and text Etsy sends back
# HTML-escaped (etsy-api.md §10.1).
TITLES = {
    "alike": lambda n: "Linen Tea Towel",
    "escaped": lambda n: f'Father\'s Day Mug & "Tea" Set No. {n}',
}
TITLE_POINTS = [p for p in POINTS if p.operation == "createDraftListing" or p.name == "mid-images"]


def retitle(catalog: Any, titles: Callable[[int], str]) -> None:
    for n, product in enumerate(catalog.products()):
        catalog.edit(product["id"], lambda p, n=n: p.update(title=titles(n)))


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None:
            _out, err = process.communicate()
            pytest.fail(f"confirm ended ({process.returncode}) before {what}: {err}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=WAIT)  # reaped: no zombie holding its pid
    assert process.returncode == -signal.SIGKILL


CASES = [(p, "as-is") for p in POINTS] + [(p, t) for t in TITLES for p in TITLE_POINTS]


@pytest.mark.parametrize(("point", "titles"), CASES, ids=[f"{p.name}-{t}" for p, t in CASES])
def test_kill_9_then_confirm_again_syncs_each_product_once(
    point: Point, titles: str, cli, file_login, small_catalog, db
) -> None:
    sandbox = file_login
    if titles in TITLES:
        retitle(small_catalog, TITLES[titles])
    staged = plan(cli, small_catalog)
    txn = staged["transaction_id"]
    assert staged["to_push"] == 4

    trigger = (
        Trigger(sandbox, point.operation, point.nth, point.carry_out) if point.operation else None
    )
    process = etsysync_process(
        "confirm",
        txn,
        "--yes",
        "--quiet",
        env={"ETSYSYNC_SYNC_CONCURRENCY": str(point.concurrency)},
    )
    try:
        if trigger is not None:
            wait_for(trigger.arrived.is_set, process, f"{point.operation} #{point.nth}")
        else:
            done = "SELECT count(*) AS n FROM plan_items WHERE outcome IS NOT NULL"

            def items_done() -> bool:
                return bool(db(done)[0]["n"] >= point.after_items)

            wait_for(items_done, process, f"{point.after_items} outcomes")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        if trigger is not None:
            trigger.release()

    left = job_row(db, txn)
    assert left["status"] == "processing", "the killed run must leave the job resumable"
    assert left["synced_count"] < 4

    result = cli("confirm", txn, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    job = json.loads(result.stdout)
    assert (job["status"], job["synced_count"], job["failed_count"]) == ("completed", 4, 0)
    assert_synced_exactly_once(sandbox, db, txn)
    created = [
        e
        for e in sandbox.request_log()
        if e["operation"] == "createDraftListing" and e["status"] == 201
    ]
    assert len(created) == 4, "a listing was created and then removed, or created twice"


def test_a_new_plan_after_a_killed_run_adopts_the_listing_it_created(
    cli, file_login, small_catalog, db
) -> None:
    """Killed just as the first create went out; instead of resuming, the seller plans again.
    The new plan's create looks for that listing first and adopts it."""
    sandbox = file_login
    old = plan(cli, small_catalog)["transaction_id"]
    trigger = Trigger(sandbox, "createDraftListing", 1, carry_out=True)
    process = etsysync_process(
        "confirm", old, "--yes", "--quiet", env={"ETSYSYNC_SYNC_CONCURRENCY": "1"}
    )
    try:
        wait_for(trigger.arrived.is_set, process, "the first create")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        trigger.release()
    assert len(shop_listings(sandbox)) == 1  # on Etsy, its id never recorded

    staged = plan(cli, small_catalog)
    assert staged["counts"] == {"create": 4}
    result = cli("confirm", staged["transaction_id"], "--yes", "--json")

    assert result.exit_code == 0, result.stderr
    assert_synced_exactly_once(sandbox, db, staged["transaction_id"])
