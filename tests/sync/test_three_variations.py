"""Three variations through the real CLI against the sandbox (etsy-api.md §10.14): a product with
three options is listed with three, and a listing a seller gave a third variation on etsy.com
still takes our inventory."""

from __future__ import annotations

from typing import Any

from tests.sync.conftest import etsy_requests, shop_listings
from tests.sync.test_sync_e2e import confirm, plan, synced_catalog

TEE = "prod_demo_tee"  # Size and Color, six variants, taxonomy 482 (T-shirts) in the sandbox


def tee_listing(sandbox: Any) -> dict[str, Any]:
    return next(x for x in shop_listings(sandbox) if x["title"] == "Hand-Dyed Linen T-Shirt")


def add_cut_option(product: dict[str, Any]) -> None:
    """Cut (Relaxed/Boxy) and Color first, Size third: Size is one of the T-shirt category's
    predefined properties, and S/M/L are among its values."""
    product["options"] = [
        {"title": "Cut", "values": ["Relaxed", "Boxy"]},
        {"title": "Color", "values": ["Indigo", "Rust"]},
        {"title": "Size", "values": ["S", "M", "L"]},
    ]
    variants = []
    for cut in ("Relaxed", "Boxy"):
        for old in product["variants"]:
            new = {**old, "options": {**old["options"], "Cut": cut}}
            new["sku"] = f"{old['sku']}-{cut[:3].upper()}"
            variants.append(new)
    product["variants"] = variants


def test_a_product_with_three_options_is_listed_with_three_variations(
    cli, connected, catalog
) -> None:
    catalog.edit(TEE, add_cut_option)
    staged = plan(cli, catalog)
    (item,) = [i for i in staged["items"] if i["product_id"] == TEE]
    assert item["action"] == "create", item
    assert any("predefined property 'Size'" in w for w in item["warnings"])
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    products = tee_listing(connected)["inventory"]["products"]
    assert len(products) == 12
    assert [v["property_id"] for v in products[0]["property_values"]] == [513, 514, 100]
    assert {p["property_values"][2]["values"][0] for p in products} == {"S", "M", "L"}
    assert all(p["property_values"][2]["value_ids"] for p in products)  # predefined values


def test_a_third_option_etsy_cannot_take_is_invalid_in_the_review(cli, connected, catalog) -> None:
    def finish(product: dict[str, Any]) -> None:
        add_cut_option(product)
        product["options"][2] = {"title": "Finish", "values": ["S", "M", "L"]}
        for variant in product["variants"]:
            variant["options"]["Finish"] = {"S": "Matte", "M": "Satin", "L": "Gloss"}[
                variant["options"].pop("Size")
            ]
        product["options"][2]["values"] = ["Matte", "Satin", "Gloss"]

    catalog.edit(TEE, finish)
    staged = plan(cli, catalog)
    (item,) = [i for i in staged["items"] if i["product_id"] == TEE]
    assert item["action"] == "invalid"
    (reason,) = item["reasons"]
    assert "option 'Finish' (Matte, Satin, Gloss) cannot be a third variation" in reason
    assert "predefined properties with its predefined values" in reason
    review = cli("plan", "--source", "file", str(catalog.path), env={"COLUMNS": "400"})
    assert "cannot be a third variation" in " ".join(review.stdout.split())


def test_a_listing_given_a_third_variation_on_etsy_still_takes_our_inventory(
    cli, connected, catalog
) -> None:
    """etsy-api.md §10.14: a listing that has three variations refuses a write without
    max_variations_supported=3; the push reads what it has and sends the parameter."""
    synced_catalog(cli, catalog)
    tee = tee_listing(connected)
    # The seller adds Secondary color (a predefined property of T-shirts) on etsy.com.
    connected.add_variation(tee["listing_id"], 52047899002, ["Black", "White"])
    assert len(tee_listing(connected)["inventory"]["products"]) == 12
    catalog.edit(TEE, lambda p: p["variants"][0]["prices"][0].update(amount=36))
    staged = plan(cli, catalog)
    (item,) = [i for i in staged["items"] if i["action"] == "update"]
    assert item["changes"] == ["inventory"]
    # The plan read the listing first (issue 14): the variation added on Etsy is reported,
    # and the store, which changed its inventory too, wins.
    (change,) = item["etsy_changes"]
    assert (change["field"], change["resolution"]) == ("variants", "conflict_store_wins")
    before = len(connected.request_log())
    result = confirm(cli, staged["transaction_id"])
    assert result.exit_code == 0, result.stderr
    assert etsy_requests(connected, before) == [
        "updateListingInventory",  # refused: the listing has three variations
        "getListingInventory",
        "updateListingInventory",  # with max_variations_supported=3
    ]
    products = tee_listing(connected)["inventory"]["products"]
    assert len(products) == 6  # the store's inventory, as a full replacement
    assert min(o["price"]["amount"] for p in products for o in p["offerings"]) == 3600
