"""The local state: one SQLite file in the app home, through sqlite-utils.

Opening the store applies pending migrations, turns on WAL, foreign keys and a busy timeout, and
refuses a file that is not an etsysync database or that a newer etsysync has written.
Every multi-row write is one transaction (`with store.atomic():`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from etsysync_cli import logs
from etsysync_cli.errors import NotConnectedError, SchemaTooNewError, StoreError
from etsysync_cli.store.migrations import known_names, migrations

BUSY_TIMEOUT_SECONDS = 10.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Account:
    id: int
    shop_id: int
    shop_name: str
    user_id: int
    currency_code: str | None
    scopes: list[str]
    keystring: str | None
    token_expires_at: datetime | None
    token_storage: str | None
    is_active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Account:
        return cls(
            id=row["id"],
            shop_id=row["shop_id"],
            shop_name=row["shop_name"],
            user_id=row["user_id"],
            currency_code=row["currency_code"],
            scopes=row["scopes"].split(),
            keystring=row["keystring"],
            token_expires_at=parse_time(row["token_expires_at"]),
            token_storage=row["token_storage"],
            is_active=bool(row["is_active"]),
        )


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
        self._connections: list[Database] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
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

    @property
    def db(self) -> Database:
        """This thread's connection."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    def _connect(self) -> Database:
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
            )
            db = Database(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            raise self.unusable(exc) from None
        with self._lock:
            self._connections.append(db)
        return db

    @classmethod
    def open(cls, home: Path) -> Store:
        from etsysync_cli.config import DATABASE_FILE

        return cls(home / DATABASE_FILE)

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _prepare(self) -> None:
        try:
            self._check_is_ours()
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.enable_wal()
            migrations.apply(self.db)
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

    def _check_is_ours(self) -> None:
        tables = set(self.db.table_names())
        applied = {m.name for m in migrations.applied(self.db)}
        if tables and not applied:
            raise StoreError(
                f"{self.path} is an SQLite file but not an etsysync database",
                hint="point ETSYSYNC_HOME at another folder, or move the file aside",
            )
        unknown = applied - set(known_names())
        if unknown:
            raise SchemaTooNewError(
                f"{self.path} was written by a newer etsysync (schema {max(unknown)}); "
                "this version cannot use it",
                hint="upgrade etsysync (pip install -U etsysync)",
            )

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction. A failure of the file or the disk (full, read-only, ...) rolls it
        back and becomes a StoreError that says what to do."""
        try:
            with self._lock, self.db.atomic():
                yield self.db
        except sqlite3.Error as exc:
            failure = self.failure(exc)
            if failure is None:
                raise
            raise failure from exc

    def schema_version(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    # --- accounts ------------------------------------------------------------------------------

    def save_account(
        self,
        *,
        shop_id: int,
        shop_name: str,
        user_id: int,
        currency_code: str | None,
        scopes: list[str],
        keystring: str | None,
        token_expires_at: datetime | None,
        token_storage: str,
        make_active: bool = True,
    ) -> Account:
        now = isoformat(utcnow())
        row = {
            "shop_id": shop_id,
            "shop_name": shop_name,
            "user_id": user_id,
            "currency_code": currency_code,
            "scopes": " ".join(scopes),
            "keystring": keystring,
            "token_expires_at": isoformat(token_expires_at) if token_expires_at else None,
            "token_storage": token_storage,
            "updated_at": now,
        }
        with self.atomic() as db:
            existing = self._account_row("shop_id = ?", [shop_id])
            if existing:
                db.table("accounts").update(existing["id"], row)
                account_id = existing["id"]
            else:
                account_id = db.table("accounts").insert({**row, "created_at": now}).last_pk
            if make_active:
                db.execute("UPDATE accounts SET is_active = (id = ?)", [account_id])
        return self.account(account_id)

    def _account_row(self, where: str, args: list[Any]) -> dict[str, Any] | None:
        rows = list(self.db.table("accounts").rows_where(where, args, limit=1))
        return rows[0] if rows else None

    def account(self, account_id: int) -> Account:
        row = self._account_row("id = ?", [account_id])
        if row is None:
            raise NotConnectedError(f"no account with id {account_id}")
        return Account.from_row(row)

    def accounts(self) -> list[Account]:
        return [Account.from_row(r) for r in self.db.table("accounts").rows_where(order_by="id")]

    def find_account(self, name: str | None = None) -> Account:
        """The account named by shop name or shop id, else the active one."""
        if name is None:
            row = self._account_row("is_active = 1", [])
            if row is None:
                raise NotConnectedError(
                    "no Etsy shop is connected", hint="run `etsysync auth login`"
                )
            return Account.from_row(row)
        row = self._account_row(
            "shop_name = ? COLLATE NOCASE OR CAST(shop_id AS TEXT) = ?", [name, name]
        )
        if row is None:
            known = ", ".join(a.shop_name for a in self.accounts()) or "none"
            raise NotConnectedError(
                f"no connected shop named {name!r} (connected: {known})",
                hint="run `etsysync auth status` to list them, or `etsysync auth login`",
            )
        return Account.from_row(row)

    def set_active(self, account_id: int) -> None:
        with self.atomic() as db:
            db.execute("UPDATE accounts SET is_active = (id = ?)", [account_id])

    def logged_out(self, account_id: int) -> None:
        """The account's tokens are gone: it is inactive and has nothing stored."""
        with self.atomic() as db:
            db.table("accounts").update(
                account_id,
                {
                    "is_active": 0,
                    "token_expires_at": None,
                    "token_storage": None,
                    "updated_at": isoformat(utcnow()),
                },
            )

    def set_token_expiry(self, account_id: int, expires_at: datetime) -> None:
        with self.atomic() as db:
            db.table("accounts").update(
                account_id,
                {"token_expires_at": isoformat(expires_at), "updated_at": isoformat(utcnow())},
            )

    # --- events --------------------------------------------------------------------------------

    def add_event(
        self,
        kind: str,
        message: str,
        *,
        account_id: int | None = None,
        job_id: int | None = None,
        product_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        with self.atomic() as db:
            return insert_event(
                db,
                kind,
                message,
                account_id=account_id,
                job_id=job_id,
                product_id=product_id,
                data=data,
            )


def insert_event(
    db: Database,
    kind: str,
    message: str,
    *,
    account_id: int | None = None,
    job_id: int | None = None,
    product_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Add one feed event (inside the caller's transaction) and log it."""
    pk = (
        db.table("events")
        .insert(
            {
                "created_at": isoformat(utcnow()),
                "kind": kind,
                "account_id": account_id,
                "job_id": job_id,
                "product_id": product_id,
                "message": message,
                "data": json.dumps(data or {}, sort_keys=True, default=str),
            }
        )
        .last_pk
    )
    logs.event(kind, message=message, job_id=job_id, product_id=product_id)
    assert pk is not None
    return int(pk)
