"""The local database in trouble (issue 7, "Done when"): a corrupt or foreign SQLite file, a
read-only app home, a full disk or a failing write give a clear error (the file, what to do,
exit 1, no traceback) and never a half-written job.

CI runs as root, where permission bits do not stop writes, so a read-only home is simulated by
opening the database the way SQLite opens a file it may not write (`mode=ro`), and a failing
write by SQLite's own "database or disk is full" (a page cap) or by that error raised at one
chosen statement (sqlite-utils' tracer sees every statement the store writes with before it
runs).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from sqlite_utils import Database

import etsysync_cli.store.db
from etsysync_cli.errors import ExitCode
from tests.faults.conftest import assert_synced_exactly_once, job_row, plan
from tests.sync.conftest import Catalog

FULL = "database or disk is full"


def db_file(app_home: Path) -> Path:
    return app_home / "etsysync.db"


def assert_clear_error(result: Any, path: Path, *words: str) -> None:
    assert result.exit_code == ExitCode.FAILURE, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr.lower(), result.stderr
    assert result.stdout == ""


# --- a database etsysync cannot use ------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 400)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _header_only(path: Path) -> None:
    data = bytearray(path.read_bytes()[:4096])
    data[100:] = b"\xff" * (len(data) - 100)  # the schema page scribbled over
    path.write_bytes(bytes(data))


def _foreign(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()


DAMAGE = {
    "garbage": (_garbage, ("move it aside",)),
    "truncated": (_truncated, ("move it aside",)),
    "header-only": (_header_only, ("move it aside",)),
    "foreign": (_foreign, ("not an etsysync database",)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_foreign_database_is_refused_clearly(
    damage: str, cli, small_catalog: Catalog, app_home: Path
) -> None:
    assert cli("status").exit_code == 0  # a real database, then damaged
    path = db_file(app_home)
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    hurt, words = DAMAGE[damage]
    hurt(path)
    before = path.read_bytes()

    for args in (("status",), ("plan", "--source", "file", str(small_catalog.path))):
        assert_clear_error(cli(*args), path, *words)
    assert path.read_bytes() == before, "etsysync wrote into a file it refused"


def test_an_app_home_that_cannot_be_created(cli, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ETSYSYNC_HOME", str(blocker / "home"))
    result = cli("status")
    assert_clear_error(result, blocker / "home" / "etsysync.db", "cannot create")


# --- writes that fail --------------------------------------------------------------------------


@pytest.fixture
def synced(cli, connected, small_catalog: Catalog, db) -> Iterator[dict[str, Any]]:
    """The small catalog synced, then edited so that the next plan stages 4 updates."""
    staged = plan(cli, small_catalog)
    assert cli("confirm", staged["transaction_id"], "--yes").exit_code == 0
    for product in small_catalog.products():
        small_catalog.edit(product["id"], lambda p: p.update(description="A new description."))
    yield staged


def links(db: Callable[..., list[sqlite3.Row]]) -> list[dict[str, Any]]:
    return [dict(r) for r in db("SELECT * FROM product_links ORDER BY product_id")]


def jobs(db: Callable[..., list[sqlite3.Row]]) -> list[dict[str, Any]]:
    return [dict(r) for r in db("SELECT transaction_id, status FROM sync_jobs ORDER BY id")]


class Faults:
    """Installs a fault in every database connection the store opens from now on; `undo()`
    takes them away (and only them)."""

    def __init__(self, app_home: Path) -> None:
        self.monkeypatch = pytest.MonkeyPatch()
        self.path = str(db_file(app_home))

    def undo(self) -> None:
        self.monkeypatch.undo()

    def read_only(self) -> None:
        real = sqlite3.connect

        def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            if str(database) == self.path:
                return real(f"file:{database}?mode=ro", *args, uri=True, **kwargs)
            return real(database, *args, **kwargs)

        self.monkeypatch.setattr(etsysync_cli.store.db.sqlite3, "connect", connect)

    def page_cap(self) -> None:
        """SQLite's own SQLITE_FULL: the file may not grow by a single page."""

        def database(conn: sqlite3.Connection, **kwargs: Any) -> Database:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            return Database(conn, **kwargs)

        # The store builds its sqlite-utils Database when it first writes (store/db.py).
        self.monkeypatch.setattr(sqlite_utils, "Database", database)

    def fail_statement(self, pattern: str, nth: int) -> list[str]:
        """SQLITE_FULL raised at the `nth` statement matching `pattern` (and after it). A
        statement run for many rows at once (executemany) counts once per row, and the rows
        before the nth are written first, as SQLite would before the disk filled up."""
        seen: list[str] = []
        real = sqlite3.connect

        class Filling(sqlite3.Connection):
            def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
                if re.search(pattern, sql):
                    seen.append(sql)
                    if len(seen) >= nth:
                        raise sqlite3.OperationalError(FULL)
                return super().execute(sql, *args)

            def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
                if not re.search(pattern, sql):
                    return super().executemany(sql, rows)
                rows = list(rows)
                room = max(nth - 1 - len(seen), 0)
                seen.extend(sql for _ in rows)
                if len(seen) < nth:
                    return super().executemany(sql, rows)
                super().executemany(sql, rows[:room])
                raise sqlite3.OperationalError(FULL)

        def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            if str(database) == self.path:
                return real(database, *args, factory=Filling, **kwargs)
            return real(database, *args, **kwargs)

        self.monkeypatch.setattr(etsysync_cli.store.db.sqlite3, "connect", connect)
        return seen


@pytest.fixture
def faults(app_home: Path) -> Iterator[Faults]:
    installed = Faults(app_home)
    yield installed
    installed.undo()


FAULTS = {
    "read-only home": (lambda f: f.read_only(), "read-only"),
    "disk full (page cap)": (lambda f: f.page_cap(), "full"),
    "disk full at the 2nd staged item": (
        lambda f: f.fail_statement(r"INSERT INTO \"?plan_items\b", 2),
        "full",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_plan_that_cannot_write_stages_nothing(
    fault: str, cli, synced, small_catalog: Catalog, db, faults: Faults, app_home: Path
) -> None:
    links_before, jobs_before = links(db), jobs(db)
    install, word = FAULTS[fault]
    install(faults)

    result = cli("plan", "--source", "file", str(small_catalog.path))

    assert_clear_error(result, db_file(app_home), word)
    faults.undo()
    assert jobs(db) == jobs_before, "a job was staged, or half-staged"
    assert links(db) == links_before, "links were changed by a plan that failed"
    assert db("SELECT count(*) AS n FROM plan_items")[0]["n"] == 4
    status = json.loads(cli("status", "--json").stdout)
    assert (status["links"]["synced"], status["links"]["pending"]) == (4, 0)


def test_confirm_whose_outcome_cannot_be_recorded_stops_cleanly_and_resumes(
    cli, connected, small_catalog: Catalog, db, faults: Faults, app_home: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ETSYSYNC_SYNC_CONCURRENCY", "1")
    staged = plan(cli, small_catalog)
    txn = staged["transaction_id"]
    # The 2nd outcome's transaction fails at its last statement (the job's counter).
    faults.fail_statement(r"UPDATE sync_jobs SET synced_count", 2)

    result = cli("confirm", txn, "--yes")

    assert_clear_error(result, db_file(app_home), "full")
    faults.undo()
    job = job_row(db, txn)
    items = db(
        "SELECT product_id, outcome FROM plan_items WHERE job_id = ? ORDER BY id", (job["id"],)
    )
    done = [i["product_id"] for i in items if i["outcome"] == "synced"]
    assert len(done) == job["synced_count"] == 1, "an outcome was half-recorded"
    synced_links = db("SELECT product_id FROM product_links WHERE sync_status = 'synced'")
    assert [r["product_id"] for r in synced_links] == done
    assert job["status"] in ("processing", "paused")  # resumable

    again = cli("confirm", txn, "--yes")
    assert again.exit_code == 0, again.stderr
    assert_synced_exactly_once(connected, db, txn)
