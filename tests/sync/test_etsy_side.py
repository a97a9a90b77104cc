"""Issue 14, "Done when", as a seller would meet it: a shop of 150 synced products is edited on
Etsy behind etsysync's back, and the next plans read Etsy first and never overwrite it unseen.

The edits go through the sandbox's `seller_edit`, which runs Etsy's own update, inventory and
delete operations as the shop's owner would on etsy.com.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import simple_product
from tests.sync.conftest import DEMO, etsy_requests, shop_listings

N = 150
REFRESH = ("getListingsByListingIds", "getListingsInventoryByListingIds")


class Shop:
    """The catalog file and what the sandbox holds, by SKU."""

    def __init__(self, folder: Path, sandbox: Any) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(DEMO / "images", folder / "images")
        self.path = folder / "catalog.json"
        self.sandbox = sandbox
        products = [simple_product(f"p{n:03}", f"Item {n:03}", f"SKU-{n:03}") for n in range(N)]
        live = products[7]  # published, so that the seller can take it down on Etsy
        live["images"] = ["images/mug-side.png"]
        live["metadata"] = {"etsy_taxonomy_id": 1073, "etsy_state": "active"}
        self.write(products)

    def write(self, products: list[dict[str, Any]]) -> None:
        self.path.write_text(json.dumps({"products": products}))

    def edit(self, n: int, **fields: Any) -> None:
        products = json.loads(self.path.read_text())["products"]
        products[n].update(fields)
        self.write(products)

    def listing(self, n: int) -> dict[str, Any] | None:
        sku = f"SKU-{n:03}"
        found = [
            x
            for x in shop_listings(self.sandbox)
            if any(p["sku"] == sku for p in x["inventory"]["products"])
        ]
        assert len(found) <= 1, f"{sku} is on {len(found)} listings"
        return found[0] if found else None

    def id(self, n: int) -> int:
        listing = self.listing(n)
        assert listing is not None
        return int(listing["listing_id"])


def plan(cli: Any, shop: Shop, *args: str) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(shop.path), "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def confirm(cli: Any, staged: dict[str, Any]) -> None:
    result = cli("confirm", staged["transaction_id"], "--yes")
    assert result.exit_code == 0, result.stderr


def item(staged: dict[str, Any], n: int) -> dict[str, Any]:
    return next(i for i in staged["items"] if i["product_id"] == f"p{n:03}")


def changes(staged: dict[str, Any], n: int) -> dict[str, dict[str, Any]]:
    return {c["field"]: c for c in item(staged, n)["etsy_changes"]}


@pytest.fixture
def shop(cli, connected, tmp_path: Path) -> Shop:
    shop = Shop(tmp_path / "catalog", connected)
    confirm(cli, plan(cli, shop))
    assert len(shop_listings(connected)) == N
    return shop


def test_edits_made_on_etsy_are_seen_kept_and_never_overwritten_unseen(cli, connected, shop):
    title = "Item 001 - Hand Thrown Stoneware, Father's Day Gift"
    connected.seller_edit(shop.id(1), title=title)
    connected.seller_edit(shop.id(2), sku="SKU-002", price="25.00")
    connected.seller_edit(shop.id(3), sku="SKU-003", quantity=1)  # 3 of 4 gone on Etsy
    deleted = shop.id(4)
    connected.seller_edit(deleted, delete=True)
    connected.seller_edit(shop.id(7), state="inactive")

    before = len(connected.request_log())
    staged = plan(cli, shop)

    # 150 links: 2 batches of fields, 2 of inventories, 1 getListing for the deleted one.
    spent = etsy_requests(connected, before)
    assert staged["refreshed"] is True and staged["refresh_requests"] == 5 == len(spent)
    assert sorted(set(spent)) == sorted({*REFRESH, "getListing"})
    assert changes(staged, 1) == {
        "title": {
            "field": "title",
            "synced": "Item 001",
            "etsy": title,
            "store": "Item 001",
            "resolution": "keep_etsy",
        }
    }
    assert changes(staged, 2)["variants[SKU-002].price"]["etsy"] == "25"
    assert changes(staged, 2)["variants[SKU-002].price"]["resolution"] == "keep_etsy"
    quantity = changes(staged, 3)["variants[SKU-003].quantity"]
    assert (quantity["synced"], quantity["etsy"], quantity["store"]) == (4, 1, 4)
    assert item(staged, 3)["sold_on_etsy"] == 3
    assert item(staged, 4)["etsy_state"] == "deleted"
    assert item(staged, 4)["action"] == "unchanged"  # not re-created
    assert item(staged, 7)["etsy_state"] == "inactive"
    assert changes(staged, 7)["state"]["resolution"] == "keep_etsy"
    assert staged["to_push"] == 0  # nothing the store changed: nothing to send
    assert item(staged, 9)["etsy_state"] == "draft" and item(staged, 9)["etsy_changes"] == []

    # The review says it in words. A kept edit is said once (the plan above); a new one is
    # said on the plan that first sees it; sales and a deletion on every plan.
    connected.seller_edit(shop.id(5), tags=["etsy", "only"])
    review = cli("plan", "--source", "file", str(shop.path))
    assert review.exit_code == 0, review.stderr
    words = " ".join(review.stdout.split())
    assert "tags edited on Etsy (kept): 'etsy, only'" in words
    assert "title edited on Etsy" not in words  # kept already: not said again
    assert "3 sold on Etsy" in words
    assert "deleted on Etsy (not re-created)" in words
    assert "inactive on Etsy (left so; --reactivate publishes it, $0.20)" in words
    assert "changed on Etsy and left so" in words

    # Status: the kept edits make those products out of sync, with what differs.
    link = json.loads(cli("status", "--product", "p001", "--json").stdout)
    assert (link["sync_status"], link["etsy_differs"]) == ("out_of_sync", ["title"])
    gone = json.loads(cli("status", "--product", "p004", "--json").stdout)
    assert gone["etsy_differs"] == ["deleted"]
    counts = json.loads(cli("status", "--json").stdout)["links"]
    assert counts["out_of_sync"] >= 4

    # --no-refresh reads nothing.
    before = len(connected.request_log())
    quiet = plan(cli, shop, "--no-refresh")
    assert quiet["refreshed"] is False and etsy_requests(connected, before) == []

    # Another field of the edited listing changes in the store: the push sends only it, and
    # the title edited on Etsy stays.
    shop.edit(1, description="Now with a thicker glaze.")
    staged = plan(cli, shop)
    one = item(staged, 1)
    assert (one["action"], one["changed_fields"]) == ("update", ["description"])
    confirm(cli, staged)
    listing = shop.listing(1)
    assert listing is not None
    assert listing["title"] == title
    assert listing["description"] == "Now with a thicker glaze."
    assert shop.listing(4) is None  # the deleted listing was not created again
    kept = shop.listing(3)
    assert kept is not None and kept["inventory"]["products"][0]["offerings"][0]["quantity"] == 1

    # Now the store changes the kept title: a conflict, the store wins, Etsy gets its title.
    shop.edit(1, title="Item 001, Large")
    staged = plan(cli, shop)
    conflict = changes(staged, 1)["title"]
    assert conflict == {
        "field": "title",
        "synced": "Item 001",
        "etsy": title,
        "store": "Item 001, Large",
        "resolution": "conflict_store_wins",
    }
    confirm(cli, staged)
    listing = shop.listing(1)
    assert listing is not None and listing["title"] == "Item 001, Large"

    # Nothing changed anywhere since: only the refresh is spent, nothing is staged. The
    # deleted listing is known: no request confirms it again.
    before = len(connected.request_log())
    staged = plan(cli, shop)
    assert staged["to_push"] == 0
    assert etsy_requests(connected, before) == [*REFRESH, *REFRESH] or sorted(
        etsy_requests(connected, before)
    ) == sorted(REFRESH * 2)


def test_overwrite_and_recreate_when_the_seller_asks(cli, connected, shop):
    connected.seller_edit(shop.id(1), title="Edited on Etsy")
    connected.seller_edit(shop.id(4), delete=True)
    connected.seller_edit(shop.id(7), state="inactive")

    staged = plan(cli, shop, "--overwrite-etsy-edits", "--recreate-deleted", "--reactivate")

    assert changes(staged, 1)["title"]["resolution"] == "store_wins"
    assert item(staged, 4)["action"] == "create"
    assert changes(staged, 7)["state"]["resolution"] == "store_wins"
    assert staged["publish_fees_usd"] != "0.00" or staged["estimated_requests"] > 0
    confirm(cli, staged)
    assert shop.listing(1)["title"] == "Item 001"  # type: ignore[index]
    assert shop.listing(4) is not None  # created again
    assert shop.listing(7)["state"] == "active"  # type: ignore[index]
