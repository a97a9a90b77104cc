"""`status --watch` (issue 16, point 7): it follows a push started with `confirm --background`
from the moment it is confirmed (not started yet) to its end, as a live block that fits an
80x24 terminal, or as plain lines in a pipe, and exits as `confirm` would; with no job running
it says so (exit 1)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.store import locks
from etsysync_cli.store.accounts import find_account
from etsysync_cli.store.db import Store
from tests.conftest import connect_shop
from tests.sync.conftest import catalog  # noqa: F401  (fixture)
from tests.sync.test_sync_e2e import plan, synced_catalog

ETSYSYNC = [sys.executable, "-m", "etsysync_cli"]
# How Rich Live puts the cursor back over the block it drew, before drawing the next one.
REDRAW = re.compile(r"\r?\x1b\[2K((?:\x1b\[1A\x1b\[2K)*)")
SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LATENCY_MS = 600  # each Etsy request: the push of ten updates takes a few seconds


@pytest.fixture
def file_login(cli, sandbox) -> Any:
    """Connected with tokens in the file store, so that the background run can use them."""
    result = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    return sandbox


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    return {**env, "TERM": "xterm-256color"}


def _staged_update_with_one_failure(
    cli: Any,
    catalog: Any,  # noqa: F811
    sandbox: Any,
    price: int,
) -> tuple[str, int]:
    """A staged plan updating every listing, one of which is then deleted on Etsy (so that
    product fails at confirm), on a slow Etsy."""
    for product in catalog.products():
        catalog.edit(product["id"], lambda p: p["variants"][0]["prices"][0].update(amount=price))
    staged = plan(cli, catalog)
    vase = json.loads(cli("status", "--product", "prod_demo_vase", "--json").stdout)
    sandbox.seller_edit(vase["etsy_listing_id"], delete=True)
    sandbox.config.latency_ms = LATENCY_MS
    return str(staged["transaction_id"]), int(staged["counts"]["update"])


def _background(cli: Any, txn: str) -> None:
    # --wait: the run waits for the shop's lock when a test holds it, and starts when it lets go
    launched = cli("confirm", txn, "--background", "--wait", "60")
    assert launched.exit_code == 0, launched.stderr


class _Terminal:
    """A command in an 80x24 pseudo-terminal; what it wrote, read as it comes."""

    def __init__(self, args: list[str], rows: int = 24, columns: int = 80) -> None:
        self.primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.proc = subprocess.Popen(
            [*ETSYSYNC, *args],
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            env=_env(),
            # Its own session, with the pty as its controlling terminal: a Ctrl-C typed there
            # reaches it as SIGINT, as in a real terminal.
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(secondary)
        self.screen = ""

    def read_until(self, text: str | None, timeout: float = 60) -> None:
        """Read until `text` has been written (None: until the command closes the terminal)."""
        deadline = time.monotonic() + timeout
        while text is None or text not in SGR.sub("", self.screen):
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never came: {self.screen[-2000:]!r}"
            ready, _, _ = select.select([self.primary], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(self.primary, 65536)
            except OSError:  # the other end closed
                data = b""
            if not data:
                assert text is None, f"{text!r} never came: {self.screen[-2000:]!r}"
                return
            self.screen += data.decode(errors="replace")

    def finish(self) -> int:
        self.read_until(None)
        code = self.proc.wait(timeout=60)
        os.close(self.primary)
        return code


def _frames(screen: str) -> list[str]:
    """The blocks Live drew, one per refresh, as plain text."""
    drawn = screen.split("\x1b[?25h")[0]  # the cursor is shown again when the view ends
    return [SGR.sub("", part) for part in REDRAW.split(drawn)[::2]]


def test_watch_follows_a_background_push_in_an_80x24_terminal(
    cli,
    file_login,
    app_home,
    catalog,  # noqa: F811
) -> None:
    synced_catalog(cli, catalog)
    txn, n = _staged_update_with_one_failure(cli, catalog, file_login, price=31)
    with Store.open(app_home) as store, locks.hold(store, find_account(store, None), "a test"):
        _background(cli, txn)
        watching = _Terminal(["status", txn, "--watch"])
        # Confirmed, not started (the run waits for the shop): the watch waits with it.
        watching.read_until("waiting for the background run to start")
    code = watching.finish()
    screen = watching.screen

    assert code == ExitCode.PARTIAL, screen  # as `confirm` would: some failed
    # Redrawn in place: the cursor goes back up over the block, never over more than a screen.
    ups = [m.group(1).count("\x1b[1A") for m in REDRAW.finditer(screen)]
    assert len(ups) >= 3 and max(ups) < 24, ups
    frames = _frames(screen)
    assert all(len(frame.rstrip("\n").splitlines()) < 24 for frame in frames)
    assert all(len(line) <= 80 for frame in frames for line in frame.splitlines())
    mid = [f for f in frames if "processing" in f and "ETA" in f and "products/min" in f]
    assert mid, frames[-3:]
    last = SGR.sub("", screen)
    assert f"Job {txn} on SandboxCraftShop: failed" in last
    assert f"{n}/{n} done: {n - 1} synced, 1 failed, 0 left" in last
    assert re.search(r"failed +prod_demo_vase", last)  # the failed product, among the events
    assert f"1 of {n} products failed" in last  # the error line, as confirm's
    assert "Traceback" not in last


def test_watch_in_a_pipe_picks_the_running_job_and_prints_lines(
    cli,
    file_login,
    app_home,
    catalog,  # noqa: F811
) -> None:
    nothing = cli("status", "--watch")
    assert nothing.exit_code == ExitCode.FAILURE  # as `gh run watch` with no run in progress
    assert "no job is running on shop SandboxCraftShop" in nothing.stderr
    assert nothing.stdout == ""

    staged = plan(cli, catalog)
    txn, n = staged["transaction_id"], staged["counts"]["create"]
    file_login.config.latency_ms = 100  # creates make more requests than updates
    with Store.open(app_home) as store, locks.hold(store, find_account(store, None), "a test"):
        _background(cli, txn)  # confirmed; its run waits for the test to let go of the shop
        watching = subprocess.Popen(
            [*ETSYSYNC, "status", "--watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert watching.stdout is not None
        # Each line is written as it happens (flushed), not when the pipe's buffer fills.
        first = watching.stdout.readline()
    out, err = watching.communicate(timeout=120)

    assert watching.returncode == 0, err  # all synced
    assert first == f"{txn} on SandboxCraftShop: confirmed\n"  # the job it picked, as it was
    assert "\x1b[" not in out  # plain text, nothing redrawn
    lines = [first.rstrip("\n"), *out.splitlines()]
    assert f"{txn} on SandboxCraftShop: processing" in lines
    synced = [line for line in lines if " synced prod_demo_" in line]
    assert len(synced) == n, out  # one line per product, each once
    assert any(" job_started " in line for line in lines)
    assert lines[-2] == f"{txn} on SandboxCraftShop: completed"
    assert lines[-1].startswith(f"{txn}: {n}/{n} done: {n} synced, 0 failed, 0 left; ")
    assert "products/min" in lines[-1]

    # Nothing runs now: said so, with the last job and how it ended.
    nothing = cli("status", "--watch")
    assert nothing.exit_code == ExitCode.FAILURE
    assert f"the last job, {txn}, is completed" in nothing.stderr
    # A job that ended is not waited for: its end, with its exit code, at once.
    again = cli("status", txn, "--watch", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["status"] == "completed"


def _job_row(app_home: Any, status: str, **row: Any) -> str:
    """A job in the given state, written straight into a store with one connected shop."""

    with Store.open(app_home) as store:
        account = connect_shop(store)
        txn = f"txn_{status}"
        with store.atomic() as db:
            job_id = (
                db.table("sync_jobs")
                .insert(
                    {
                        "transaction_id": txn,
                        "account_id": account.id,
                        "source": "file:x",
                        "status": status,
                        "total_products": 4,
                        "synced_count": 1,
                        "created_at": "2026-12-01T03:00:00Z",
                        "expires_at": "2099-01-01T00:00:00Z",
                        "confirmed_at": "2026-12-01T03:00:00Z",
                        "started_at": "2026-12-01T03:00:01Z",
                        **row,
                    }
                )
                .last_pk
            )
            if status == "paused":
                db.table("events").insert(
                    {
                        "created_at": "2026-12-01T03:00:09Z",
                        "kind": "job_paused",
                        "account_id": account.id,
                        "job_id": job_id,
                        "message": f"plan {txn} paused: 1 synced, 0 failed (stopped: quota)",
                        "data": json.dumps({"exit_code": int(ExitCode.QUOTA)}),
                    }
                )
    return txn


def test_watch_ends_a_run_that_cannot_go_on_with_confirms_exit_code(cli, app_home) -> None:
    # Paused by Etsy's daily quota: exit 75, as that run's confirm had.
    paused = cli("status", _job_row(app_home, "paused"), "--watch")
    assert paused.exit_code == ExitCode.QUOTA, paused.stderr
    assert "stopped: quota" in paused.stderr and "confirm txn_paused" in paused.stderr
    assert "txn_paused on ClayShop: paused" in paused.stdout
    # `processing`, and no process holds the shop: its run died; watching never ends otherwise.
    died = cli("status", _job_row(app_home, "processing"), "--watch")
    assert died.exit_code == ExitCode.FAILURE, died.stderr
    assert "its run stopped before the end" in died.stderr
    assert "`etsysync confirm txn_processing` to resume" in died.stderr


def test_ctrl_c_stops_watching_a_plan_that_waits_for_confirm(app_home) -> None:
    txn = _job_row(app_home, "pending", started_at=None, confirmed_at=None)
    watching = _Terminal(["status", txn, "--watch"])
    watching.read_until(f"waiting for `etsysync confirm {txn}` to start it")
    os.write(watching.primary, b"\x03")  # Ctrl-C, as the terminal sends it
    assert watching.finish() == ExitCode.INTERRUPTED
    assert f"Stopped watching {txn}" in SGR.sub("", watching.screen)
    assert "Traceback" not in watching.screen


def test_an_event_line_puts_the_ids_before_the_title() -> None:
    # The live view cuts each event line to the terminal's width: the cut takes the title,
    # never the listing id (seen at 80 columns: "synced prod_demo_mug (…): listing 4100…").
    from etsysync_cli.flows.watch import _item_event
    from etsysync_cli.store.watching import FinishedItem

    title = "Speckled Stoneware Mug, a very long title that fills the line " * 2
    done = FinishedItem(1, "prod_mug", title, "synced", None, 4100000041, "2026-12-02T03:46:01Z")
    assert _item_event(done).text.startswith("prod_mug → listing 4100000041 (Speckled")
    failed = FinishedItem(
        2, "prod_vase", title, "failed", "Etsy said no", None, "2026-12-02T03:46:02Z"
    )
    assert _item_event(failed).text.startswith("prod_vase: Etsy said no (Speckled")
