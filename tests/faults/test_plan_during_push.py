"""`plan` while a `confirm` is pushing to the shop (issue 11).

Before, a plan made during a push snapshotted the links in flight; when that plan was then
replaced, cancelled or expired, the snapshots went back over the links the push had recorded,
the listing ids were lost, and the next sync created every product again (72 listings for 40
products). Now a plan never stages during a push: it exits 6 naming the holder, or with
`--wait` it waits for the push to end and plans against what it recorded. Whichever way that
plan ends, the nightly `sync` leaves exactly one listing per product.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SandboxConfig
from tests.faults.conftest import etsysync_process, simple_product
from tests.pacing import fast_config
from tests.sync.conftest import shop_listings

PRODUCTS = 40


@pytest.fixture
def sandbox_config(callback_port: int) -> SandboxConfig:
    # Slow enough that the push is still running when the plan comes.
    return fast_config(
        latency_ms=80,
        redirect_uris=[f"http://localhost:{callback_port}/callback"],
    )


def write_catalog(path: Path, price: int) -> None:
    products = [
        simple_product(
            f"prod_{n:02d}", f"Linen Tea Towel No. {n}", f"TOWEL-{n:02d}", price=price, quantity=5
        )
        for n in range(PRODUCTS)
    ]
    path.write_text(json.dumps({"products": products}))


def wait_for_first_create(sandbox: Any) -> None:
    deadline = time.monotonic() + 30
    while not any(e.get("operation") == "createDraftListing" for e in sandbox.request_log()):
        assert time.monotonic() < deadline, "the push never started"
        time.sleep(0.02)


def expire(app_home: Path, txn: str) -> None:
    import sqlite3

    conn = sqlite3.connect(app_home / "etsysync.db")
    with conn:
        conn.execute(
            "UPDATE sync_jobs SET expires_at = '2020-01-01T00:00:00Z' WHERE transaction_id = ?",
            [txn],
        )
    conn.close()


@pytest.mark.parametrize("second_plan_ends", ["replaced", "cancelled", "expired"])
def test_a_plan_during_a_push_leaves_one_listing_per_product(
    cli, file_login, db, app_home, tmp_path, second_plan_ends
) -> None:
    catalog = tmp_path / "catalog.json"
    write_catalog(catalog, price=20)
    first = json.loads(cli("plan", "--source", "file", str(catalog), "--json").stdout)
    assert first["counts"] == {"create": PRODUCTS}
    push = etsysync_process(
        "confirm", first["transaction_id"], "--yes", "--quiet", env={"ETSYSYNC_DEBUG": "1"}
    )
    wait_for_first_create(file_login)

    refused = cli("plan", "--source", "file", str(catalog), "--json")
    assert refused.exit_code == ExitCode.LOCKED, refused.stderr
    assert f"etsysync confirm {first['transaction_id']}" in refused.stderr  # the holder
    assert "pid" in refused.stderr

    write_catalog(catalog, price=25)  # the store moves on during the push
    waited = cli("--debug", "plan", "--source", "file", str(catalog), "--json", "--wait", "120")
    assert waited.exit_code == 0, waited.stderr
    _, err = push.communicate(timeout=60)
    assert push.returncode == 0, err
    second = json.loads(waited.stdout)
    # Planned against what the push recorded: every product has its listing, to update.
    assert second["counts"] == {"update": PRODUCTS}

    if second_plan_ends == "cancelled":
        assert cli("cancel", second["transaction_id"]).exit_code == 0
    elif second_plan_ends == "expired":
        expire(app_home, second["transaction_id"])
    nightly = cli("sync", "--source", "file", str(catalog), "--auto-approve", "--quiet")
    assert nightly.exit_code == 0, nightly.stderr

    listings = shop_listings(file_login)
    titles = [x["title"] for x in listings]
    assert len(listings) == PRODUCTS
    assert len(set(titles)) == PRODUCTS
    links = db("SELECT product_id, sync_status, etsy_listing_id FROM product_links")
    assert len(links) == PRODUCTS
    assert {x["sync_status"] for x in links} == {"synced"}
    assert {x["etsy_listing_id"] for x in links} == {int(x["listing_id"]) for x in listings}
    prices = {
        o["price"]["amount"] / o["price"]["divisor"]
        for x in listings
        for p in x["inventory"]["products"]
        for o in p["offerings"]
    }
    assert prices == {25}
