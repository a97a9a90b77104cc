"""One writer per account: `confirm`, `sync` and `retry` hold the account's lock while they run.

The lock is a row in the `locks` table (holder pid, host, command, start time). Taking it is a
single INSERT on the primary key, so two processes racing for it cannot both win. A lock whose
holder process is gone (same host, pid no longer running) is taken over, with a warning; a lock
held on another host is never taken over automatically (`etsysync unlock` is for that).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.errors import LockedError, NotFoundError
from etsysync_cli.store.accounts import Account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    started_at: str

    def describe(self) -> str:
        return f"`{self.command}` (pid {self.pid} on {self.host}, since {self.started_at})"

    def is_gone(self) -> bool:
        """True only when we can tell: same host, and no process with that pid."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # it exists, under another user
        return False


def holder(store: Store, account_id: int) -> Holder | None:
    row = store.db.table("locks").get(account_id) if _exists(store, account_id) else None
    if row is None:
        return None
    return Holder(row["pid"], row["host"], row["command"], row["started_at"])


def _exists(store: Store, account_id: int) -> bool:
    query = "SELECT 1 FROM locks WHERE account_id = ?"
    return store.db.execute(query, [account_id]).fetchone() is not None


def _try_take(store: Store, account_id: int, command: str) -> Holder | None:
    """Take the lock; return None on success, else the current holder."""
    me: dict[str, Any] = {
        "account_id": account_id,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "started_at": isoformat(utcnow()),
    }
    try:
        with store.atomic() as db:
            db.table("locks").insert(me)
        return None
    except sqlite3.IntegrityError:
        current = holder(store, account_id)
        return current or Holder(0, "?", "?", "?")  # released in between: caller retries


def _take_over(store: Store, account_id: int, dead: Holder, command: str) -> bool:
    with store.atomic() as db:
        cursor = db.execute(
            "UPDATE locks SET pid = ?, host = ?, command = ?, started_at = ? "
            "WHERE account_id = ? AND pid = ? AND host = ?",
            [
                os.getpid(),
                socket.gethostname(),
                command,
                isoformat(utcnow()),
                account_id,
                dead.pid,
                dead.host,
            ],
        )
        return cursor.rowcount == 1


@contextmanager
def hold(
    store: Store,
    account: Account,
    command: str,
    *,
    wait: float = 0,
    warn: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the account's lock for the block; LockedError if another run holds it."""
    mine = holder(store, account.id)
    if mine is not None and mine.pid == os.getpid() and mine.host == socket.gethostname():
        yield  # this process already holds it (`sync` holds it across plan and confirm)
        return
    deadline = clock() + wait
    while True:
        current = _try_take(store, account.id, command)
        if current is None:
            break
        if current.pid and current.is_gone():
            if _take_over(store, account.id, current, command):
                if warn:
                    warn(
                        f"took over the lock of shop {account.shop_name} from "
                        f"{current.describe()}, which is no longer running"
                    )
                break
            continue
        if clock() >= deadline:
            raise LockedError(
                f"shop {account.shop_name} is busy: {current.describe()} is pushing to it",
                hint="wait for it to finish, or pass --wait SECONDS; if that run is certainly "
                f"dead on another machine: `etsysync unlock {account.shop_name}`",
            )
        sleep(POLL_SECONDS)
    try:
        yield
    finally:
        release(store, account.id)


def release(store: Store, account_id: int) -> None:
    with store.atomic() as db:
        db.execute(
            "DELETE FROM locks WHERE account_id = ? AND pid = ? AND host = ?",
            [account_id, os.getpid(), socket.gethostname()],
        )


def force_unlock(store: Store, account: Account) -> Holder:
    """Remove the account's lock whoever holds it (`etsysync unlock`)."""
    current = holder(store, account.id)
    if current is None:
        raise NotFoundError(f"shop {account.shop_name} is not locked")
    with store.atomic() as db:
        db.execute("DELETE FROM locks WHERE account_id = ?", [account.id])
    add_event(
        store,
        "lock_removed",
        f"lock of shop {account.shop_name} removed by hand (was {current.describe()})",
        account_id=account.id,
    )
    return current
