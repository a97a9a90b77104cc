"""The local state: one SQLite file in the app home.

Opening the store applies pending migrations, turns on WAL, foreign keys and a busy timeout, and
refuses a file that is not an etsysync database or that a newer etsysync has written.
Every multi-row write is one transaction (`with store.atomic():`; nested blocks are savepoints).
The tables have their own modules beside this one (accounts, jobs, links, events, locks): this
package is the only place in etsysync that speaks SQL.

Reads go through the plain sqlite3 connection (`store.conn`, `store.query`); writes mostly
through sqlite-utils (`store.db`, `store.atomic()`), which is imported only when first used:
it costs more to import than all of `etsysync status` does (issue 17).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etsysync_cli.config import private_file, private_folder
from etsysync_cli.errors import SchemaTooNewError, StoreError
from etsysync_cli.store import migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_SECONDS = 10.0
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


# SQLite's result codes (and, for errors raised without one, its messages) for failures of the
# file or the disk rather than of etsysync's SQL.
_FAILURES = {
    "full": ("SQLITE_FULL", "database or disk is full"),
    "readonly": ("SQLITE_READONLY", "readonly database"),
    "io": ("SQLITE_IOERR", "disk i/o error", "SQLITE_CANTOPEN", "unable to open database"),
    "damaged": ("SQLITE_CORRUPT", "malformed", "SQLITE_NOTADB", "not a database"),
    "locked": ("SQLITE_BUSY", "database is locked"),
}


def _sqlite_failure(exc: sqlite3.Error) -> str | None:
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc).lower()
    for kind, signs in _FAILURES.items():
        for sign in signs:
            if name.startswith(sign) if sign.isupper() else sign in text:
                return kind
    return None


class Store:
    """The SQLite state. Safe to share between threads.

    Each thread gets its own connection: one sqlite3 connection used by several threads at
    once mixes up their transactions. Writes in this process are also serialised by a lock,
    so they never wait on each other through SQLite's busy timeout.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        try:
            private_folder(path.parent)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder of {path}: {exc.strerror}",
                hint="point ETSYSYNC_HOME at a folder this user can write",
            ) from None
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            with contextlib.suppress(OSError):  # a read-only copy, another owner: leave it
                private_file(path.with_name(name))

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @property
    def db(self) -> Database:
        """This thread's connection through sqlite-utils (imported now, if not yet)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            from sqlite_utils import Database

            # recursive_triggers is already on (`_connect`), as sqlite-utils would set it.
            db = Database(self.conn, recursive_triggers=False, execute_plugins=False)
            self._local.db = db
        return db

    def query(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT as dicts (sqlite-utils' `query`, without sqlite-utils): run
        now, read as iterated."""
        cursor = self.conn.execute(sql, params)
        if cursor.description is None:
            raise ValueError("query() is for SQL that returns rows: use conn.execute()")
        names = [column[0] for column in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
            )
            conn.execute("PRAGMA recursive_triggers = ON")  # sqlite-utils' default
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            raise self.unusable(exc) from None
        with self._lock:
            self._connections.append(conn)
        return conn

    @classmethod
    def open(cls, home: Path) -> Store:
        from etsysync_cli.config import DATABASE_FILE

        return cls(home / DATABASE_FILE)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prepare(self) -> None:
        try:
            applied = self._check_is_ours()
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.conn.execute("PRAGMA journal_mode = wal")
            if set(migrations.known_names()) - set(applied):
                migrations.migration_set().apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise self.unusable(exc) from None

    def unusable(self, exc: OSError | sqlite3.Error) -> StoreError:
        """The StoreError for a database that cannot be opened or read: why, and what to do."""
        failure = self.failure(exc) if isinstance(exc, sqlite3.Error) else None
        return failure or StoreError(
            f"{self.path} cannot be used: {exc}",
            hint="if it is damaged, move it aside; etsysync will start a new one",
        )

    def failure(self, exc: sqlite3.Error) -> StoreError | None:
        """A StoreError for a failure of the file or the disk (full, read-only, damaged,
        locked), else None: an error in etsysync's own SQL stays loud."""
        kind = _sqlite_failure(exc)
        folder = self.path.parent
        if kind == "full":
            return StoreError(
                f"{self.path} cannot be written: the disk is full ({exc})",
                hint=f"free some space on the disk holding {folder}, then run the command "
                "again; nothing was half-written",
            )
        if kind == "readonly":
            return StoreError(
                f"{self.path} cannot be written: the file or its folder is read-only ({exc})",
                hint=f"make {folder} and the files in it writable for this user, or point "
                "ETSYSYNC_HOME at a folder that is",
            )
        if kind == "io":
            return StoreError(
                f"{self.path} cannot be read or written: {exc}",
                hint=f"check that {folder} is writable and its disk has space and no errors, "
                "then run the command again",
            )
        if kind == "damaged":
            return StoreError(
                f"{self.path} cannot be used: it is damaged ({exc})",
                hint="move it aside (etsysync will start a new one), or restore a backup",
            )
        if kind == "locked":
            return StoreError(
                f"{self.path} stayed locked by another process for {BUSY_TIMEOUT_SECONDS:g} "
                "seconds",
                hint="wait for the other etsysync command to finish, then run this one again",
            )
        return None

    def _check_is_ours(self) -> list[str]:
        """The migrations applied, once the file is known to be an etsysync database that
        this version can use."""
        tables = [row[0] for row in self.conn.execute(_TABLES)]
        applied = migrations.applied_names(self.conn) if migrations.TABLE in tables else []
        if tables and not applied:
            raise StoreError(
                f"{self.path} is an SQLite file but not an etsysync database",
                hint="point ETSYSYNC_HOME at another folder, or move the file aside",
            )
        unknown = set(applied) - set(migrations.known_names())
        if unknown:
            raise SchemaTooNewError(
                f"{self.path} was written by a newer etsysync (schema {max(unknown)}); "
                "this version cannot use it",
                hint="upgrade etsysync (pip install -U etsysync)",
            )
        return applied

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction (a savepoint when nested). A failure of the file or the disk (full,
        read-only, ...) rolls it back and becomes a StoreError that says what to do.

        The outermost block starts with BEGIN IMMEDIATE: it takes the write lock at once,
        waiting up to the busy timeout for another process's transaction. A deferred BEGIN
        would read first and fail at once (SQLITE_BUSY, no wait) when another process
        committed before its first write, which happens whenever two etsysync processes
        write at the same time (a plan waiting for a push).
        """
        try:
            with self._lock:
                db = self.db
                if db.conn.in_transaction:
                    with db.atomic():  # a savepoint inside the caller's transaction
                        yield db
                    return
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.rollback()
                    raise
                try:
                    db.execute("COMMIT")
                except BaseException:
                    db.rollback()
                    raise
        except sqlite3.Error as exc:
            failure = self.failure(exc)
            if failure is None:
                raise
            raise failure from exc

    def schema_version(self) -> list[str]:
        return migrations.applied_names(self.conn)
