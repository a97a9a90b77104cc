"""The account lock (store/locks.py) against a real SQLite store, with real processes as the
other holders: a `sleep` child is a live pid on this host, a reaped child a dead one."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode, LockedError, NotFoundError
from etsysync_cli.store import locks
from etsysync_cli.store.accounts import Account, save_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import feed

HERE = socket.gethostname()


@pytest.fixture
def live_pid() -> Iterator[int]:
    child = subprocess.Popen(["sleep", "30"])
    yield child.pid
    child.kill()
    child.wait()


@pytest.fixture
def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def put_lock(store: Store, account: Account, pid: int, host: str = HERE) -> None:
    with store.atomic() as db:
        db.table("locks").insert(
            {
                "account_id": account.id,
                "pid": pid,
                "host": host,
                "command": "sync",
                "started_at": "2026-01-01T00:00:00Z",
            }
        )


def take(store: Store, account: Account, **options: Any) -> None:
    """Take the lock and let go at once, as a short run would."""
    with locks.hold(store, account, "sync", **options):
        pass


def holder_pid(store: Store, account: Account) -> int | None:
    current = locks.holder(store, account.id)
    return current.pid if current else None


def test_hold_takes_the_lock_for_the_block_and_releases_it(store: Store, account: Account) -> None:
    assert locks.holder(store, account.id) is None
    with locks.hold(store, account, "confirm"):
        current = locks.holder(store, account.id)
        assert current is not None
        assert (current.pid, current.host, current.command) == (os.getpid(), HERE, "confirm")
    assert locks.holder(store, account.id) is None


def test_the_lock_is_released_when_the_block_fails(store: Store, account: Account) -> None:
    with pytest.raises(RuntimeError), locks.hold(store, account, "sync"):
        raise RuntimeError("boom")
    assert locks.holder(store, account.id) is None


def test_hold_is_reentrant_in_the_same_process(store: Store, account: Account) -> None:
    with locks.hold(store, account, "sync"):
        with locks.hold(store, account, "confirm"):
            assert locks.holder(store, account.id).command == "sync"  # type: ignore[union-attr]
        assert holder_pid(store, account) == os.getpid()  # the inner block did not release it
    assert locks.holder(store, account.id) is None


def test_another_live_process_holds_it(store: Store, account: Account, live_pid: int) -> None:
    put_lock(store, account, live_pid)
    warnings: list[str] = []

    with (
        pytest.raises(LockedError) as caught,
        locks.hold(store, account, "sync", warn=warnings.append),
    ):
        pytest.fail("the block must not run")

    error = caught.value
    assert error.exit_code == ExitCode.LOCKED == 6
    assert f"shop ClayShop is busy: `sync` (pid {live_pid} on {HERE}," in str(error)
    assert error.hint is not None and "--wait" in error.hint
    assert "etsysync unlock ClayShop" in error.hint
    assert warnings == []
    assert holder_pid(store, account) == live_pid  # untouched


def test_the_lock_of_a_dead_process_is_taken_over_with_a_warning(
    store: Store, account: Account, dead_pid: int
) -> None:
    put_lock(store, account, dead_pid)
    warnings: list[str] = []

    with locks.hold(store, account, "confirm", warn=warnings.append):
        assert holder_pid(store, account) == os.getpid()

    assert warnings == [
        f"took over the lock of shop ClayShop from `sync` (pid {dead_pid} on {HERE}, "
        "since 2026-01-01T00:00:00Z), which is no longer running"
    ]
    assert locks.holder(store, account.id) is None


def test_a_lock_held_on_another_host_is_never_taken_over(
    store: Store, account: Account, dead_pid: int
) -> None:
    put_lock(store, account, dead_pid, host="elsewhere.example")

    with pytest.raises(LockedError, match=r"on elsewhere\.example"):
        take(store, account, warn=pytest.fail)

    current = locks.holder(store, account.id)
    assert current is not None and (current.pid, current.host) == (dead_pid, "elsewhere.example")


@pytest.mark.parametrize(
    ("pid", "host", "gone"),
    [
        ("dead", HERE, True),
        ("live", HERE, False),
        ("dead", "elsewhere.example", False),
        ("own", HERE, False),
    ],
)
def test_holder_is_gone_only_when_that_is_certain(
    pid: str, host: str, gone: bool, live_pid: int, dead_pid: int
) -> None:
    number = {"dead": dead_pid, "live": live_pid, "own": os.getpid()}[pid]
    assert locks.Holder(number, host, "sync", "t").is_gone() is gone


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_polls_until_the_deadline(store: Store, account: Account, live_pid: int) -> None:
    put_lock(store, account, live_pid)
    time = FakeTime()

    with pytest.raises(LockedError):
        take(store, account, wait=2, clock=time.clock, sleep=time.sleep)

    assert time.sleeps == [locks.POLL_SECONDS] * 4
    assert time.now == 102.0


def test_wait_takes_the_lock_once_the_holder_lets_go(
    store: Store, account: Account, live_pid: int
) -> None:
    put_lock(store, account, live_pid)
    time = FakeTime()

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        if len(time.sleeps) == 2:  # the other run finishes during the second wait
            with store.atomic() as db:
                db.execute("DELETE FROM locks WHERE account_id = ?", [account.id])

    with locks.hold(store, account, "sync", wait=60, clock=time.clock, sleep=sleep):
        assert holder_pid(store, account) == os.getpid()

    assert len(time.sleeps) == 2


def test_without_wait_it_never_sleeps(store: Store, account: Account, live_pid: int) -> None:
    put_lock(store, account, live_pid)
    time = FakeTime()
    with pytest.raises(LockedError):
        take(store, account, clock=time.clock, sleep=time.sleep)
    assert time.sleeps == []


def test_release_only_removes_our_own_lock(store: Store, account: Account, live_pid: int) -> None:
    put_lock(store, account, live_pid)
    locks.release(store, account.id)
    assert holder_pid(store, account) == live_pid


def test_force_unlock_removes_anyones_lock_and_says_so(
    store: Store, account: Account, live_pid: int
) -> None:
    put_lock(store, account, live_pid, host="elsewhere.example")

    removed = locks.force_unlock(store, account)

    assert (removed.pid, removed.host, removed.command) == (live_pid, "elsewhere.example", "sync")
    assert locks.holder(store, account.id) is None
    [event] = [e for e in feed(store, account.id) if e["kind"] == "lock_removed"]
    assert "removed by hand" in event["message"] and str(live_pid) in event["message"]
    with locks.hold(store, account, "sync"):  # free again
        pass


def test_force_unlock_of_a_free_account(store: Store, account: Account) -> None:
    with pytest.raises(NotFoundError, match="shop ClayShop is not locked"):
        locks.force_unlock(store, account)


def test_locks_are_per_account(store: Store, account: Account, live_pid: int) -> None:
    other = save_account(
        store,
        shop_id=3,
        shop_name="GlassShop",
        user_id=4,
        currency_code="USD",
        scopes=[],
        keystring="k",
        token_expires_at=None,
        token_storage="file",
        make_active=False,
    )
    put_lock(store, account, live_pid)
    with locks.hold(store, other, "sync"):
        assert holder_pid(store, other) == os.getpid()
    assert holder_pid(store, account) == live_pid
