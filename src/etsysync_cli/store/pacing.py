"""The pacing ledger every process of one app home shares: `pacing.sqlite`, one row per app.

Its own small file, not the store's: each request of every running push takes a few short
transactions here, and they should never wait behind a plan staging thousands of rows in the
store (or make it wait). WAL lets readers (`status`) through while a push writes; every change
is one `BEGIN IMMEDIATE` transaction (read the row, change it, write it back), so two processes
can never hand out the same start time. Rows are keyed by `domain.pacing.app_key`, a hash of
the keystring: the keystring itself is not kept here.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

from etsysync_cli.config import private_file, private_folder
from etsysync_cli.domain.pacing import PacingState, app_key
from etsysync_cli.errors import StoreError

PACING_FILE = "pacing.sqlite"
BUSY_TIMEOUT_MS = 10_000
COLUMNS = [f.name for f in fields(PacingState)]
INTEGERS = ("limit_per_day", "remaining_today")
LISTS = ("recent_starts",)  # kept as JSON text
T = TypeVar("T")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS app_pacing (
    app TEXT PRIMARY KEY,
    {", ".join(f"{name} {'TEXT' if name in LISTS else 'REAL'}" for name in COLUMNS)}
)
"""


class SqliteLedger:
    """The shared `PacingState` of one app (one keystring) in the app home's pacing file."""

    def __init__(self, home: Path, keystring: str) -> None:
        self.path = private_folder(home) / PACING_FILE
        self.app = app_key(keystring)
        self._lock = threading.Lock()  # one connection, used by every thread of this process
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # No fsync: the state matters for seconds and a commit must never stall on the disk
            # (a start recorded long before it happens would let a later one come too close).
            self._db.execute("PRAGMA synchronous = OFF")
            shape = [row[1] for row in self._db.execute("PRAGMA table_info(app_pacing)")]
            if shape and shape != ["app", *COLUMNS]:
                # Pacing state lives for seconds (and Etsy's headers rebuild the day's part):
                # a file another version shaped is started afresh rather than migrated.
                self._db.execute("DROP TABLE app_pacing")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open the pacing file {self.path}: {exc}",
                hint="check that the app home is writable (ETSYSYNC_HOME)",
            ) from exc
        private_file(self.path)

    def update(self, change: Callable[[PacingState], T]) -> T:
        with self._lock:
            try:
                if self._db.in_transaction:
                    # An update that Ctrl-C stopped between its BEGIN and its end (before the
                    # rollback below could run) left the transaction open: nothing of it counts.
                    self._db.execute("ROLLBACK")
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    state = self._load()
                    result = change(state)
                    self._db.execute(
                        f"INSERT OR REPLACE INTO app_pacing (app, {', '.join(COLUMNS)}) "
                        f"VALUES (?, {', '.join('?' * len(COLUMNS))})",
                        (self.app, *(_to_db(getattr(state, name)) for name in COLUMNS)),
                    )
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot update the pacing file {self.path}: {exc}") from exc
            return result

    def read(self) -> PacingState:
        with self._lock:
            try:
                return self._load()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read the pacing file {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _load(self) -> PacingState:
        row = self._db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM app_pacing WHERE app = ?", (self.app,)
        ).fetchone()
        return PacingState() if row is None else _from_row(row)


def read_pacing(home: Path, keystring: str) -> PacingState | None:
    """What the pacing file holds for this app, or None when no process has paced it yet.
    Reads only: it creates no file (`status` calls it)."""
    path = home / PACING_FILE
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM app_pacing WHERE app = ?", (app_key(keystring),)
            ).fetchone()
    except sqlite3.Error:
        return None  # a status line is not worth failing `status` for
    return None if row is None else _from_row(row)


def _to_db(value: object) -> object:
    if isinstance(value, list):
        return json.dumps(value)
    # SQLite has no infinities to round-trip reliably; "never set" is NULL.
    return None if isinstance(value, float) and math.isinf(value) else value


def _from_row(row: tuple[object, ...]) -> PacingState:
    state = PacingState()
    for name, value in zip(COLUMNS, row, strict=True):
        if value is None:
            continue
        if name in LISTS:
            value = [float(x) for x in json.loads(str(value))]
        elif name in INTEGERS:
            value = int(value)  # type: ignore[call-overload]
        setattr(state, name, value)
    return state
