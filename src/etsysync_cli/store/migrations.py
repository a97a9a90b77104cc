"""The local database schema, as append-only numbered migrations.

Never edit or reorder a migration that has shipped: add a new one. They run on open, each in a
transaction with its record in `_sqlite_migrations`. A database that has a migration this
version does not know was written by a newer etsysync and is refused (see db.py).

sqlite-utils' `Migrations` applies them, but is imported only when one is pending: opening an
up-to-date store (every command but the first after an upgrade) reads the record with plain
SQL (issue 17: sqlite-utils costs more to import than `etsysync status` does).

No table holds a token or a secret: those live in the keyring (design.md §5).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "etsysync"
TABLE = "_sqlite_migrations"  # sqlite-utils' record of the migrations applied


class _Migration(NamedTuple):
    name: str
    apply: Callable[[Database], None]
    transactional: bool


_MIGRATIONS: list[_Migration] = []


def migration(
    name: str, *, transactional: bool = True
) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register the next migration (sqlite-utils' `Migrations` decorator, kept for later)."""

    def register(function: Callable[[Database], None]) -> Callable[[Database], None]:
        _MIGRATIONS.append(_Migration(name, function, transactional))
        return function

    return register


@migration("0001_initial")
def m0001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            shop_id INTEGER NOT NULL UNIQUE,
            shop_name TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            currency_code TEXT,
            scopes TEXT NOT NULL DEFAULT '',
            keystring TEXT,                   -- the app's public client id, not a secret
            token_expires_at TEXT,            -- when the access token expires (ISO 8601 UTC)
            token_storage TEXT,               -- 'keyring' or 'file': where the tokens live
            api_config TEXT NOT NULL DEFAULT '{}',
            is_active INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE sync_jobs (
            id INTEGER PRIMARY KEY,
            transaction_id TEXT NOT NULL UNIQUE,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            source TEXT NOT NULL,             -- e.g. 'file:/path/catalog.jsonl' or 'medusa:https://…'
            status TEXT NOT NULL CHECK (status IN
                ('pending', 'confirmed', 'processing', 'paused', 'completed', 'failed',
                 'cancelled', 'expired')),
            total_products INTEGER NOT NULL DEFAULT 0,
            synced_count INTEGER NOT NULL DEFAULT 0,
            failed_count INTEGER NOT NULL DEFAULT 0,
            error_log TEXT NOT NULL DEFAULT '[]',
            options TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            confirmed_at TEXT,
            started_at TEXT,
            completed_at TEXT
        );
        CREATE INDEX sync_jobs_account ON sync_jobs(account_id, created_at);

        CREATE TABLE plan_items (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES sync_jobs(id) ON DELETE CASCADE,
            product_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN
                ('create', 'update', 'unchanged', 'invalid', 'orphaned')),
            title TEXT,
            payload TEXT,                     -- the exact reviewed draft (JSON)
            changes TEXT NOT NULL DEFAULT '[]',   -- for updates: what changed
            reasons TEXT NOT NULL DEFAULT '[]',   -- for invalid: every reason in plain words
            fingerprint TEXT,                 -- of the payload
            source_fingerprint TEXT,          -- of the product as read from the source
            previous_link TEXT,               -- the link before the plan, restored on cancel/expiry
            outcome TEXT CHECK (outcome IN ('synced', 'failed', 'skipped')),
            error TEXT,
            listing_id INTEGER,
            create_intent_at TEXT,            -- set just before createDraftListing (resume safety)
            updated_at TEXT,
            UNIQUE (job_id, product_id)
        );

        CREATE TABLE product_links (
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            product_id TEXT NOT NULL,
            etsy_listing_id INTEGER,
            etsy_url TEXT,
            sync_status TEXT NOT NULL CHECK (sync_status IN
                ('pending', 'synced', 'failed', 'out_of_sync')),
            last_synced_at TEXT,
            sync_error TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            source_fingerprint TEXT,          -- the product as last synced
            payload_fingerprint TEXT,         -- the draft as last pushed
            synced_payload TEXT,              -- the draft as last pushed, to diff the next plan
            updated_at TEXT NOT NULL,
            PRIMARY KEY (account_id, product_id)
        );
        CREATE INDEX product_links_status ON product_links(account_id, sync_status);
        CREATE INDEX product_links_listing ON product_links(etsy_listing_id);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            account_id INTEGER REFERENCES accounts(id),
            job_id INTEGER REFERENCES sync_jobs(id) ON DELETE SET NULL,
            product_id TEXT,
            message TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            delivered_at TEXT                 -- when the webhook accepted it
        );
        CREATE INDEX events_created ON events(created_at);

        CREATE TABLE locks (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            command TEXT NOT NULL,
            started_at TEXT NOT NULL
        );
        """,
    )


@migration("0002_link_revisions_and_one_product_per_listing")
def m0002_link_revisions(db: Database) -> None:
    """Links get a revision (a plan restores only a link still at the revision it wrote), and
    the database enforces one product per listing and one pending plan per shop.

    Older versions could link two products to one listing (a reconcile by title). Such a
    listing stays with the product that synced last; the others lose the link (failed, with
    the reason, and a feed event), so the next plan creates their own listing.
    """
    _run(
        db,
        """
        ALTER TABLE product_links ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE plan_items ADD COLUMN link_revision INTEGER
        """,
    )
    shared = db.execute(
        "SELECT account_id, etsy_listing_id FROM product_links "
        "WHERE etsy_listing_id IS NOT NULL GROUP BY account_id, etsy_listing_id "
        "HAVING count(*) > 1"
    ).fetchall()
    for account_id, listing_id in shared:
        rows = db.execute(
            "SELECT product_id FROM product_links WHERE account_id = ? AND etsy_listing_id = ? "
            "ORDER BY coalesce(last_synced_at, '') DESC, updated_at DESC, product_id",
            [account_id, listing_id],
        ).fetchall()
        keeper = rows[0][0]
        for (product_id,) in rows[1:]:
            why = (
                f"listing {listing_id} was also linked to product {keeper}; it stays with "
                "that product, and the next plan creates this product's own listing"
            )
            db.execute(
                "UPDATE product_links SET etsy_listing_id = NULL, etsy_url = NULL, "
                "sync_status = 'failed', sync_error = ?, metadata = '{}', "
                "revision = revision + 1 WHERE account_id = ? AND product_id = ?",
                [why, account_id, product_id],
            )
            db.execute(
                "INSERT INTO events (created_at, kind, account_id, product_id, message, data) "
                "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'link_repaired', ?, ?, ?, ?)",
                [
                    account_id,
                    product_id,
                    f"product {product_id}: {why}",
                    json.dumps({"listing_id": listing_id, "kept_by": keeper}),
                ],
            )
    # Older versions replaced a pending plan when staging a newer one, so there is at most one;
    # should there be more, the older ones are closed.
    db.execute(
        "UPDATE sync_jobs SET status = 'cancelled' WHERE status = 'pending' AND id NOT IN "
        "(SELECT max(id) FROM sync_jobs WHERE status = 'pending' GROUP BY account_id)"
    )
    _run(
        db,
        """
        CREATE UNIQUE INDEX product_links_one_product_per_listing
            ON product_links(account_id, etsy_listing_id) WHERE etsy_listing_id IS NOT NULL;
        CREATE UNIQUE INDEX sync_jobs_one_pending_plan
            ON sync_jobs(account_id) WHERE status = 'pending'
        """,
    )


@migration("0003_etsy_views")
def m0003_etsy_views(db: Database) -> None:
    """What the last refresh saw of each linked listing on Etsy (issue 14): its state
    ("deleted" when gone), the fields where it differs from the store, and the edits made on
    Etsy that were kept (remembered so that they are not reported again while nothing moves).
    Kept apart from product_links: a plan notes them whether or not it pushes the product, and
    a push or a closed plan never rolls them back."""
    _run(
        db,
        """
        CREATE TABLE etsy_views (
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            product_id TEXT NOT NULL,
            listing_id INTEGER,
            etsy_state TEXT,                   -- Etsy's state at the last read, or 'deleted'
            differs TEXT NOT NULL DEFAULT '[]', -- fields Etsy holds differently from the store
            kept TEXT NOT NULL DEFAULT '{}',    -- edits made on Etsy and kept: field -> values
            read_at TEXT NOT NULL,
            PRIMARY KEY (account_id, product_id)
        )
        """,
    )


@migration("0004_sales")
def m0004_sales(db: Database) -> None:
    """Sales read from Etsy (issue 15): one row per Etsy transaction of a linked listing, and
    per account the newest receipt change read so far (the next read starts there).

    The write_back_* columns are for the write-back of a sale into the store (Medusa): the
    intent is recorded before the write and the result after it, so that a run killed in
    between checks the store before writing again."""
    _run(
        db,
        """
        CREATE TABLE sales (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            transaction_id INTEGER NOT NULL,  -- Etsy's ShopReceiptTransaction id
            receipt_id INTEGER NOT NULL,
            listing_id INTEGER NOT NULL,
            product_id TEXT NOT NULL,         -- the store's product linked to the listing
            etsy_product_id INTEGER,          -- Etsy's inventory product (the variant bought)
            sku TEXT,
            quantity INTEGER NOT NULL,
            sold_at TEXT NOT NULL,            -- when the buyer bought it (ISO 8601 UTC)
            paid INTEGER NOT NULL DEFAULT 0,
            cancelled INTEGER NOT NULL DEFAULT 0,
            receipt_updated INTEGER,          -- the receipt's updated_timestamp when last read
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            write_back_intent_at TEXT,        -- set just before the store is written
            written_back_at TEXT,             -- the store holds this sale
            write_back_error TEXT,            -- why the last write-back failed (retried)
            UNIQUE (account_id, transaction_id)
        );
        CREATE INDEX sales_by_product ON sales(account_id, product_id, sold_at);

        CREATE TABLE sales_cursors (
            account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
            last_modified INTEGER NOT NULL,   -- newest receipt change read (Etsy's epoch)
            read_at TEXT NOT NULL
        )
        """,
    )


@migration("0005_superseded_jobs", transactional=False)
def m0005_superseded_jobs(db: Database) -> None:
    """A plan replaced by a newer one before it was confirmed is `superseded`, not `cancelled`,
    and names the plan that replaced it (issue 16). Its older rows stay `cancelled`: which of
    them were replaced was only ever written in the feed.

    SQLite cannot widen a CHECK constraint in place, so sync_jobs is rebuilt (SQLite's
    twelve-step procedure). Dropping the old table with foreign keys on would delete every plan
    item (ON DELETE CASCADE), and foreign keys cannot be turned off inside a transaction: so this
    migration opens its own, with them off, and checks them before it commits. Re-run after a
    crash between its commit and its record, it finds the column there and does nothing.
    """
    if "superseded_by" in db["sync_jobs"].columns_dict:
        return
    assert not db.conn.in_transaction
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            _run(
                db,
                """
                CREATE TABLE sync_jobs_0005 (
                    id INTEGER PRIMARY KEY,
                    transaction_id TEXT NOT NULL UNIQUE,
                    account_id INTEGER NOT NULL REFERENCES accounts(id),
                    source TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN
                        ('pending', 'confirmed', 'processing', 'paused', 'completed', 'failed',
                         'cancelled', 'expired', 'superseded')),
                    total_products INTEGER NOT NULL DEFAULT 0,
                    synced_count INTEGER NOT NULL DEFAULT 0,
                    failed_count INTEGER NOT NULL DEFAULT 0,
                    error_log TEXT NOT NULL DEFAULT '[]',
                    options TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    confirmed_at TEXT,
                    started_at TEXT,
                    completed_at TEXT,
                    superseded_by TEXT            -- the transaction id of the plan that replaced it
                );
                INSERT INTO sync_jobs_0005 (id, transaction_id, account_id, source, status,
                    total_products, synced_count, failed_count, error_log, options, created_at,
                    expires_at, confirmed_at, started_at, completed_at)
                SELECT id, transaction_id, account_id, source, status, total_products,
                    synced_count, failed_count, error_log, options, created_at, expires_at,
                    confirmed_at, started_at, completed_at FROM sync_jobs;
                DROP TABLE sync_jobs;
                ALTER TABLE sync_jobs_0005 RENAME TO sync_jobs;
                CREATE INDEX sync_jobs_account ON sync_jobs(account_id, created_at);
                CREATE UNIQUE INDEX sync_jobs_one_pending_plan
                    ON sync_jobs(account_id) WHERE status = 'pending'
                """,
            )
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration 0005 would break foreign keys: {broken[:5]}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


@migration("0006_account_api_url")
def m0006_account_api_url(db: Database) -> None:
    """Which Etsy an account was connected against (issue 16): the API base URL of its login,
    so tokens of a sandbox's shop are never sent to the real Etsy, nor the real shop's to a
    sandbox. NULL for accounts connected before: they are not checked."""
    db.execute("ALTER TABLE accounts ADD COLUMN api_url TEXT")


def _run(db: Database, script: str) -> None:
    # Not executescript(): it commits first, which would take the migration out of its
    # transaction. Statements here never contain a ";" except at their end.
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def known_names() -> list[str]:
    return [m.name for m in _MIGRATIONS]


def applied_names(conn: sqlite3.Connection) -> list[str]:
    """The migrations recorded as applied, in order (the record table must exist)."""
    rows = conn.execute(
        f"SELECT name FROM {TABLE} WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET]
    )
    return [row[0] for row in rows]


def migration_set() -> Migrations:
    """sqlite-utils' `Migrations` of every migration above, to apply the pending ones."""
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for m in _MIGRATIONS:
        migrations(name=m.name, transactional=m.transactional)(m.apply)
    return migrations
