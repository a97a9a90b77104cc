"""The SQLite state: migrations from blank, refusal of newer and foreign databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from etsysync_cli.errors import SchemaTooNewError, StoreError
from etsysync_cli.store.db import Store
from etsysync_cli.store.migrations import known_names

EXPECTED_COLUMNS = {
    "accounts": {
        "id",
        "shop_id",
        "shop_name",
        "user_id",
        "currency_code",
        "scopes",
        "keystring",
        "token_expires_at",
        "token_storage",
        "api_config",
        "api_url",
        "is_active",
        "created_at",
        "updated_at",
    },
    "etsy_views": {
        "account_id",
        "product_id",
        "listing_id",
        "etsy_state",
        "differs",
        "kept",
        "read_at",
    },
    "sales": {
        "id",
        "account_id",
        "transaction_id",
        "receipt_id",
        "listing_id",
        "product_id",
        "etsy_product_id",
        "sku",
        "quantity",
        "sold_at",
        "paid",
        "cancelled",
        "receipt_updated",
        "first_seen_at",
        "updated_at",
        "write_back_intent_at",
        "written_back_at",
        "write_back_error",
    },
    "sales_cursors": {"account_id", "last_modified", "read_at"},
    "sync_jobs": {
        "id",
        "transaction_id",
        "account_id",
        "source",
        "status",
        "total_products",
        "synced_count",
        "failed_count",
        "error_log",
        "options",
        "created_at",
        "expires_at",
        "confirmed_at",
        "started_at",
        "completed_at",
        "superseded_by",
    },
    "plan_items": {
        "id",
        "job_id",
        "product_id",
        "action",
        "title",
        "payload",
        "changes",
        "reasons",
        "fingerprint",
        "source_fingerprint",
        "previous_link",
        "outcome",
        "error",
        "listing_id",
        "create_intent_at",
        "updated_at",
        "link_revision",
    },
    "product_links": {
        "account_id",
        "product_id",
        "etsy_listing_id",
        "etsy_url",
        "sync_status",
        "last_synced_at",
        "sync_error",
        "metadata",
        "source_fingerprint",
        "payload_fingerprint",
        "synced_payload",
        "updated_at",
        "revision",
    },
    "events": {
        "id",
        "created_at",
        "kind",
        "account_id",
        "job_id",
        "product_id",
        "message",
        "data",
        "delivered_at",
    },
    "locks": {"account_id", "pid", "host", "command", "started_at"},
}

SECRET_LIKE = ("token", "secret", "password", "api_key")


def test_blank_database_is_migrated(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        tables = set(store.db.table_names()) - {"_sqlite_migrations"}
        assert tables == set(EXPECTED_COLUMNS)
        for table, columns in EXPECTED_COLUMNS.items():
            assert set(store.db[table].columns_dict) == columns, table
        assert store.schema_version() == known_names()
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_no_column_can_hold_a_token() -> None:
    for table, columns in EXPECTED_COLUMNS.items():
        for column in columns:
            if column in {"token_expires_at", "token_storage"}:
                continue  # when and where, never the value
            assert not any(word in column for word in SECRET_LIKE), f"{table}.{column}"


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    with Store(path) as store:
        rows = store.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert rows == len(known_names())


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store(path) as store:
        store.db["_sqlite_migrations"].insert(
            {"migration_set": "etsysync", "name": "9999_from_the_future", "applied_at": "x"}
        )
    with pytest.raises(SchemaTooNewError, match="newer etsysync"):
        Store(path)


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an etsysync database"):
        Store(path)


def test_a_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot be used"):
        Store(path)


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store, pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "INSERT INTO locks (account_id, pid, host, command, started_at) "
            "VALUES (42, 1, 'h', 'c', 'now')"
        )


def test_migration_0002_gives_each_listing_one_product(tmp_path: Path) -> None:
    """Older versions could link two products to one listing. Upgrading keeps the listing with
    the product that synced last, and unlinks the other (failed, with the reason)."""
    from sqlite_utils import Database

    from etsysync_cli.store.migrations import migration_set

    path = tmp_path / "state.db"
    old = Database(path)
    migration_set().apply(old, stop_before="0002_link_revisions_and_one_product_per_listing")
    old.execute(
        "INSERT INTO accounts (id, shop_id, shop_name, user_id, created_at, updated_at) "
        "VALUES (1, 10, 'Shop', 20, 'x', 'x')"
    )
    for product, synced_at in (("blue", "2026-01-01T00:00:00Z"), ("rust", "2026-02-01T00:00:00Z")):
        old.execute(
            "INSERT INTO product_links (account_id, product_id, etsy_listing_id, sync_status, "
            "last_synced_at, updated_at) VALUES (1, ?, 100, 'synced', ?, ?)",
            [product, synced_at, synced_at],
        )
    old.conn.commit()
    old.close()
    with Store(path) as store:
        rows = {r["product_id"]: r for r in store.db.query("SELECT * FROM product_links")}
        assert rows["rust"]["etsy_listing_id"] == 100
        assert rows["blue"]["etsy_listing_id"] is None
        assert rows["blue"]["sync_status"] == "failed"
        assert "also linked to product rust" in rows["blue"]["sync_error"]
        (event,) = store.db.query("SELECT * FROM events WHERE kind = 'link_repaired'")
        assert event["product_id"] == "blue"


def test_migration_0005_rebuilds_jobs_and_keeps_their_items_and_events(tmp_path: Path) -> None:
    """0005 rebuilds sync_jobs (a wider CHECK for `superseded`): the rows, their plan items and
    the feed's links to them all survive, and the foreign keys still cascade afterwards."""
    from sqlite_utils import Database

    from etsysync_cli.store.migrations import migration_set

    path = tmp_path / "state.db"
    old = Database(path)
    migration_set().apply(old, stop_before="0005_superseded_jobs")
    old.execute(
        "INSERT INTO accounts (id, shop_id, shop_name, user_id, created_at, updated_at) "
        "VALUES (1, 10, 'Shop', 20, 'x', 'x')"
    )
    old.execute(
        "INSERT INTO sync_jobs (id, transaction_id, account_id, source, status, synced_count, "
        "created_at, expires_at) VALUES (7, 'txn_old', 1, 'file:x', 'completed', 3, 'c', 'e')"
    )
    old.execute("INSERT INTO plan_items (job_id, product_id, action) VALUES (7, 'p1', 'create')")
    old.execute(
        "INSERT INTO events (created_at, kind, job_id, message) VALUES ('x', 'job_done', 7, 'm')"
    )
    old.conn.commit()
    old.close()
    with Store(path) as store:
        (job,) = store.db.query("SELECT * FROM sync_jobs")
        kept = (job["transaction_id"], job["status"], job["synced_count"])
        assert kept == ("txn_old", "completed", 3)
        assert job["superseded_by"] is None
        assert [r["job_id"] for r in store.db.query("SELECT job_id FROM plan_items")] == [7]
        assert [r["job_id"] for r in store.db.query("SELECT job_id FROM events")] == [7]
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        store.db.execute("UPDATE sync_jobs SET status = 'superseded' WHERE id = 7")
        with store.db.conn:
            store.db.execute("DELETE FROM sync_jobs WHERE id = 7")
        assert store.db.execute("SELECT count(*) FROM plan_items").fetchone()[0] == 0
        indexes = {i.name for i in store.db["sync_jobs"].indexes}
        assert {"sync_jobs_account", "sync_jobs_one_pending_plan"} <= indexes


def test_the_schema_accepts_exactly_the_statuses_of_the_enums(tmp_path: Path) -> None:
    """The enums of domain/statuses.py and the database's CHECK constraints agree."""
    from etsysync_cli.domain.statuses import Action, JobStatus, LinkStatus, Outcome

    with Store(tmp_path / "state.db") as store:
        db = store.db
        db.execute(
            "INSERT INTO accounts (id, shop_id, shop_name, user_id, created_at, updated_at) "
            "VALUES (1, 10, 'Shop', 20, 'x', 'x')"
        )
        for n, status in enumerate(JobStatus):
            db.execute(
                "INSERT INTO sync_jobs (transaction_id, account_id, source, status, created_at, "
                "expires_at) VALUES (?, 1, 'file:x', ?, 'x', 'x')",
                [f"txn_{n}", "cancelled" if status == JobStatus.PENDING else str(status)],
            )
        for n, action in enumerate(Action):
            db.execute(
                "INSERT INTO plan_items (job_id, product_id, action) VALUES (1, ?, ?)",
                [f"p{n}", str(action)],
            )
        for outcome in Outcome:
            db.execute("UPDATE plan_items SET outcome = ? WHERE product_id = 'p0'", [str(outcome)])
        for n, link_status in enumerate(LinkStatus):
            db.execute(
                "INSERT INTO product_links (account_id, product_id, sync_status, updated_at) "
                "VALUES (1, ?, ?, 'x')",
                [f"p{n}", str(link_status)],
            )
        for sql, value in (
            ("UPDATE sync_jobs SET status = ? WHERE id = 1", "running"),
            ("UPDATE plan_items SET action = ? WHERE id = 1", "delete"),
            ("UPDATE plan_items SET outcome = ? WHERE id = 1", "skipped_twice"),
            ("UPDATE product_links SET sync_status = ? WHERE product_id = 'p0'", "adopted"),
        ):
            with pytest.raises(sqlite3.IntegrityError):
                db.execute(sql, [value])
