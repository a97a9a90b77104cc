"""Shared pieces of the fault tests: a small catalog, a file-store login, end-state checks.

The fault tests drive the real CLI (in-process, or as a subprocess that is killed) against the
sandbox, then check the end state on both sides: the sandbox shop holds exactly one listing per
valid product with the reviewed images (by content, in order) and inventory, and the job's
counters match its items.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.domain.listing import ListingDraft
from tests.sync.conftest import Catalog, shop_listings

# Four products of the sample catalog: 1-2 images each, 1 to 6 variants.
SMALL = ("prod_demo_mug", "prod_demo_tee", "prod_demo_candle", "prod_demo_throw")


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """The whole sample catalog: 12 products, 11 valid."""
    return Catalog(tmp_path / "catalog")


@pytest.fixture
def small_catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(tmp_path / "catalog")
    for product in catalog.products():
        if product["id"] not in SMALL:
            catalog.remove(product["id"])
    return catalog


def simple_product(
    product_id: str,
    title: str,
    sku: str,
    *,
    price: int = 18,
    quantity: int = 4,
    **fields: Any,
) -> dict[str, Any]:
    """A one-variant catalog product in the sandbox's taxonomy; `fields` override or add."""
    return {
        "id": product_id,
        "handle": product_id.lower().replace("_", "-").replace("#", "-"),
        "title": title,
        "description": "Made by hand.",
        "status": "published",
        "metadata": {"etsy_taxonomy_id": 1073},
        "variants": [
            {
                "sku": sku,
                "prices": [{"amount": price, "currency_code": "usd"}],
                "inventory_quantity": quantity,
                "manage_inventory": True,
            }
        ],
        **fields,
    }


def login_to_file(cli: Callable[..., Any], app_home: Path) -> None:
    """`auth login --insecure-storage`: the tokens go to a file a subprocess can read too."""
    result = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    assert (app_home / "credentials.json").is_file(), "the tokens are not in the file store"


@pytest.fixture
def file_login(cli: Callable[..., Any], sandbox: Any, app_home: Path) -> Any:
    login_to_file(cli, app_home)
    return sandbox


def plan(cli: Callable[..., Any], catalog: Catalog) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(catalog.path), "--json")
    assert result.exit_code in (0, 2), result.stderr
    staged: dict[str, Any] = json.loads(result.stdout)
    return staged


def etsysync_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The real CLI in its own process (stdin closed: not a terminal, so no questions)."""
    return subprocess.Popen(
        [sys.executable, "-m", "etsysync_cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


# --- reading the local state without the product code ---------------------------------------------


@pytest.fixture
def db(app_home: Path) -> Iterator[Callable[[str, tuple[Any, ...]], list[sqlite3.Row]]]:
    """Run one read-only query on the app's database (a fresh connection each time)."""

    def query(sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = sqlite3.connect(f"file:{app_home / 'etsysync.db'}?mode=ro", uri=True, timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, args))
        finally:
            conn.close()

    yield query


def job_row(db: Callable[..., list[sqlite3.Row]], txn: str) -> sqlite3.Row:
    (row,) = db("SELECT * FROM sync_jobs WHERE transaction_id = ?", (txn,))
    return row


# --- the end state --------------------------------------------------------------------------------


def identity(skus: Any) -> str:
    """A product's identity on Etsy in these tests: its SKUs (titles may be alike)."""
    return ",".join(sorted(sku or "" for sku in skus))


def expected_listings(db: Callable[..., list[sqlite3.Row]], txn: str) -> dict[str, ListingDraft]:
    """The reviewed drafts of a job's create/update items, by their SKUs."""
    rows = db(
        "SELECT payload FROM plan_items JOIN sync_jobs ON sync_jobs.id = plan_items.job_id "
        "WHERE transaction_id = ? AND action IN ('create', 'update')",
        (txn,),
    )
    drafts = [ListingDraft.model_validate_json(r["payload"]) for r in rows]
    by_skus = {identity(p.sku for p in d.inventory.products): d for d in drafts}
    assert len(by_skus) == len(drafts), "the test catalog needs distinct SKUs per product"
    return by_skus


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_shop_holds_exactly(sandbox: Any, wanted: dict[str, ListingDraft]) -> set[int]:
    """One listing per wanted draft (no duplicate, no orphan draft), with the draft's title,
    images (by content, in order) and inventory. Returns the listing ids."""
    listings = shop_listings(sandbox)
    held = sorted(identity(p["sku"] for p in x["inventory"]["products"]) for x in listings)
    assert held == sorted(wanted), f"shop holds {held}, wanted one each of {sorted(wanted)}"
    for listing in listings:
        draft = wanted[identity(p["sku"] for p in listing["inventory"]["products"])]
        assert listing["title"] == draft.title
        shas = [image["sha256"] for image in listing["images"]]
        assert shas == [_sha(ref.source) for ref in draft.images], listing["title"]
        products = listing["inventory"]["products"]
        assert sorted(p["sku"] or "" for p in products) == sorted(
            p.sku or "" for p in draft.inventory.products
        ), listing["title"]
        offerings = [o for p in products for o in p["offerings"]]
        assert sum(o["quantity"] for o in offerings) == sum(
            o.quantity for p in draft.inventory.products for o in p.offerings
        ), listing["title"]
    return {int(x["listing_id"]) for x in listings}


def assert_links_synced(db: Callable[..., list[sqlite3.Row]], listing_ids: set[int]) -> None:
    """Every link is synced and points at one of the shop's listings, each listing once."""
    links = db("SELECT sync_status, etsy_listing_id FROM product_links")
    assert [link["sync_status"] for link in links] == ["synced"] * len(listing_ids)
    assert {link["etsy_listing_id"] for link in links} == listing_ids


def assert_synced_exactly_once(
    sandbox: Any, db: Callable[..., list[sqlite3.Row]], txn: str
) -> None:
    """The shop holds exactly the job's reviewed products (see assert_shop_holds_exactly);
    the job completed with exact counters; each item and link points at its listing."""
    wanted = expected_listings(db, txn)
    ids = assert_shop_holds_exactly(sandbox, wanted)
    job = job_row(db, txn)
    assert job["status"] == "completed", dict(job)
    assert (job["synced_count"], job["failed_count"]) == (len(wanted), 0)
    assert job["total_products"] == len(wanted)
    items = db(
        "SELECT product_id, outcome, listing_id FROM plan_items WHERE job_id = ? "
        "AND action IN ('create', 'update')",
        (job["id"],),
    )
    assert [i["outcome"] for i in items] == ["synced"] * len(wanted)
    assert {i["listing_id"] for i in items} == ids
    assert_links_synced(db, ids)
