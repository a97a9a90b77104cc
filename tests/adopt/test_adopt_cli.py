"""`etsysync adopt` through the real CLI, against a sandbox shop that already holds listings."""

from __future__ import annotations

import json
from typing import Any

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SELLER_SHOP_ID, sample_png
from etsysync_cli.store.db import Store
from tests.sync.conftest import etsy_requests, shop_listings
from tests.sync.test_sync_e2e import VALID, confirm, link, plan

WRITES = ("create", "update", "upload", "delete")
REFRESH = ["getListingsByListingIds", "getListingsInventoryByListingIds"]  # plan reads Etsy


def adopt(cli: Any, catalog: Any, *args: str) -> Any:
    return cli("adopt", "--source", "file", str(catalog.path), *args)


def adopt_json(cli: Any, catalog: Any, *args: str) -> dict[str, Any]:
    result = adopt(cli, catalog, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def by_title(connected: Any) -> dict[str, list[dict[str, Any]]]:
    titles: dict[str, list[dict[str, Any]]] = {}
    for listing in shop_listings(connected):
        titles.setdefault(listing["title"], []).append(listing)
    return titles


def test_adopting_part_of_the_catalog_then_syncing_leaves_one_listing_per_product(
    cli, connected, seller, catalog
) -> None:
    # The shop already sells part of the catalog: some listings carry the SKUs, some only the
    # title; one has nothing to do with the catalog.
    mug = seller.copy_of("prod_demo_mug")  # exactly what etsysync would list
    tee = seller.copy_of("prod_demo_tee", title="Linen tee, hand dyed", state="active")
    vase = seller.listing("Bud vase", sku="VAS-BUD", price="19.00", quantity=2, state="inactive")
    board = seller.listing("Walnut   Serving Board", price="99.00", state="active")  # no SKU
    bowl = seller.listing("Stoneware Noodle Bowl", state="sold_out")  # no SKU
    scarf = seller.listing("Hand-knitted Scarf", sku="SCF-01", price="45.00", state="active")
    scarf_before = next(x for x in shop_listings(connected) if x["listing_id"] == scarf)

    before = len(connected.request_log())
    found = adopt_json(cli, catalog, "--yes")
    assert all(op.startswith("get") for op in etsy_requests(connected, before)), "adopt wrote"
    assert found["recorded"] is True and found["linked"] == 5
    matches = {m["product_id"]: m for m in found["matches"]}
    assert {pid: (m["listing_id"], m["matched_by"]) for pid, m in matches.items()} == {
        "prod_demo_mug": (mug, "sku"),
        "prod_demo_tee": (tee, "sku"),
        "prod_demo_vase": (vase, "sku"),
        "prod_demo_board": (board, "title"),
        "prod_demo_bowl": (bowl, "title"),
    }
    assert matches["prod_demo_mug"]["status"] == "synced"
    assert matches["prod_demo_mug"]["differences"] == []
    # Live on Etsy while listing.state is the default draft: stays live, so no difference.
    assert matches["prod_demo_tee"]["differences"] == ["title"]
    assert not any("deactivate" in w for w in matches["prod_demo_tee"]["warnings"])
    assert {"title", "inventory"} <= set(matches["prod_demo_vase"]["differences"])
    assert matches["prod_demo_vase"]["skus"] == ["VAS-BUD"]
    assert matches["prod_demo_board"]["status"] == "out_of_sync"
    assert [x["listing_id"] for x in found["unmatched_listings"]] == [scarf]
    assert {p["product_id"] for p in found["unmatched_products"]} == {
        "prod_demo_print",
        "prod_demo_candle",
        "prod_demo_necklace",
        "prod_demo_towel",
        "prod_demo_throw",
        "prod_demo_planter",
    }
    assert [s["product_id"] for s in found["skipped"]] == ["prod_demo_giftbox"]
    assert found["conflicts"] == [] and found["already_linked"] == []

    assert link(cli, "prod_demo_mug")["sync_status"] == "synced"
    vase_link = link(cli, "prod_demo_vase")
    assert (vase_link["sync_status"], vase_link["etsy_listing_id"]) == ("out_of_sync", vase)
    assert vase_link["listing_state"] == "inactive"
    feed = json.loads(cli("status", "--feed", "--json").stdout)["events"]
    assert any(e["kind"] == "listings_adopted" for e in feed)

    # The next plan creates only the rest and updates every adopted listing in full.
    staged = plan(cli, catalog)
    assert staged["counts"] == {"create": 6, "update": 5, "invalid": 1}
    updates = {i["product_id"]: i for i in staged["items"] if i["action"] == "update"}
    assert {pid: i["listing_id"] for pid, i in updates.items()} == {
        pid: m["listing_id"] for pid, m in matches.items()
    }
    # Etsy was read: each adopted listing is sent only what it holds differently (issue 16),
    # with the values. The mug adopt found already matching has no changed field; its images
    # (Etsy gives no content to compare) are replaced only because their number differs.
    mug_item = updates["prod_demo_mug"]
    assert mug_item["changes"] == ["images"] and mug_item["changed_fields"] == []
    (images,) = mug_item["diff"]
    assert (images["field"], images["old"], images["new"], images["added"]) == ("images", 0, 3, 3)
    assert updates["prod_demo_tee"]["changed_fields"] == ["title"]
    (title,) = [c for c in updates["prod_demo_tee"]["diff"] if c["field"] == "title"]
    assert (title["old"], title["new"]) == ("Linen tee, hand dyed", "Hand-Dyed Linen T-Shirt")
    # listing.state = draft (the default) is about new listings: it never unpublishes a
    # live one, so no update carries a state change.
    assert not any("state" in i["changes"] for i in updates.values())
    assert not [n for n in staged["notes"] if "would duplicate" in n]
    result = confirm(cli, staged["transaction_id"], "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["synced_count"] == VALID

    # Exactly one listing per valid product, on the listings the seller already had.
    titles = by_title(connected)
    products = [p for p in catalog.products() if p["id"] != "prod_demo_giftbox"]
    for product in products:
        assert len(titles[product["title"]]) == 1, product["title"]
    assert len(shop_listings(connected)) == VALID + 1
    for pid, m in matches.items():
        assert link(cli, pid)["etsy_listing_id"] == m["listing_id"]
    tee_listing = titles["Hand-Dyed Linen T-Shirt"][0]
    assert tee_listing["listing_id"] == tee
    assert tee_listing["state"] == "active", "an adopted live listing was unpublished"
    assert titles["Walnut Serving Board"][0]["state"] == "active"
    assert len(tee_listing["inventory"]["products"]) == 6
    assert len(tee_listing["images"]) == 3  # the seller's photo replaced, not kept beside
    # The unrelated listing was never touched.
    scarf_after = next(x for x in shop_listings(connected) if x["listing_id"] == scarf)
    assert scarf_after == scarf_before

    # From now on an unchanged catalog costs only the reading of Etsy (2 requests per 100
    # linked listings, issue 14), and nothing without it.
    before = len(connected.request_log())
    again = plan(cli, catalog)
    assert again["counts"] == {"unchanged": VALID, "invalid": 1}
    assert etsy_requests(connected, before) == REFRESH
    assert all(i["etsy_changes"] == [] for i in again["items"])
    before = len(connected.request_log())
    assert plan(cli, catalog, "--no-refresh")["counts"] == again["counts"]
    assert etsy_requests(connected, before) == []


def test_ambiguous_titles_and_shared_skus_are_reported_not_linked(
    cli, connected, seller, catalog
) -> None:
    planters = [seller.listing("Hanging Planter"), seller.listing("Hanging  Planter")]
    candles = [seller.listing("Candle", sku="CND-S"), seller.listing("Candle 2", sku="CND-S")]
    towel = seller.listing("Linen Tea Towel", sku="TOWEL-OLD")  # same title, other SKU
    found = adopt_json(cli, catalog, "--yes")
    assert found["matches"] == [] and found["linked"] == 0
    conflicts = {(c["kind"], tuple(c["product_ids"])): c for c in found["conflicts"]}
    assert set(conflicts) == {
        ("title", ("prod_demo_planter",)),
        ("sku", ("prod_demo_candle",)),
        ("title", ("prod_demo_towel",)),
    }
    assert sorted(conflicts["title", ("prod_demo_planter",)]["listing_ids"]) == planters
    assert sorted(conflicts["sku", ("prod_demo_candle",)]["listing_ids"]) == candles
    assert conflicts["title", ("prod_demo_towel",)]["listing_ids"] == [towel]
    assert "different SKUs" in conflicts["title", ("prod_demo_towel",)]["reason"]
    for product_id in ("prod_demo_planter", "prod_demo_candle", "prod_demo_towel"):
        assert cli("status", "--product", product_id).exit_code == ExitCode.FAILURE

    text = adopt(cli, catalog)
    assert text.exit_code == 0, text.stderr
    assert "Conflicts" in text.stdout and "Nothing to link." in text.stderr

    # plan names the listings each create would duplicate.
    staged = plan(cli, catalog)
    notes = [n for n in staged["notes"] if "would duplicate" in n]
    assert len(notes) == 3
    assert any("'Hanging Planter'" in n and "(same title)" in n for n in notes)
    assert any("'Beeswax Pillar Candle'" in n and "same SKU CND-S" in n for n in notes)
    assert any("'Linen Tea Towel'" in n and "(same title)" in n for n in notes)


def test_without_yes_and_not_on_a_terminal_nothing_is_recorded(
    cli, connected, seller, catalog, app_home
) -> None:
    seller.copy_of("prod_demo_mug")
    before = len(connected.request_log())
    result = adopt(cli, catalog)
    assert result.exit_code == 0, result.stderr
    assert "Listings to link" in result.stdout
    assert "Nothing recorded" in result.stderr and "--yes" in result.stderr
    assert all(op.startswith("get") for op in etsy_requests(connected, before))
    assert cli("status", "--product", "prod_demo_mug").exit_code == ExitCode.FAILURE
    with Store.open(app_home) as store:
        kinds = [r["kind"] for r in store.db.query("SELECT kind FROM events")]
    assert "listings_adopted" not in kinds

    found = adopt_json(cli, catalog)
    assert found["recorded"] is False and found["linked"] == 0
    assert [m["product_id"] for m in found["matches"]] == ["prod_demo_mug"]
    assert cli("status", "--product", "prod_demo_mug").exit_code == ExitCode.FAILURE


def test_json_shape(cli, connected, seller, catalog) -> None:
    seller.copy_of("prod_demo_mug")
    seller.listing("Something else", sku="ELSE-1")
    seller.listing("Hanging Planter")
    seller.listing("Hanging Planter")
    found = adopt_json(cli, catalog)
    assert set(found) == {
        "shop_name",
        "source",
        "listings_read",
        "requests",
        "counts",
        "matches",
        "already_linked",
        "unmatched_products",
        "unmatched_listings",
        "conflicts",
        "skipped",
        "pending_plans",
        "notes",
        "recorded",
        "linked",
        "left_alone",
        "cancelled_plans",
    }
    assert set(found["counts"]) == {
        "matches",
        "synced",
        "out_of_sync",
        "already_linked",
        "unmatched_products",
        "unmatched_listings",
        "conflicts",
        "skipped",
    }
    assert set(found["matches"][0]) == {
        "product_id",
        "title",
        "listing_id",
        "listing_title",
        "listing_state",
        "listing_url",
        "matched_by",
        "skus",
        "status",
        "differences",
        "warnings",
    }
    assert set(found["unmatched_products"][0]) == {"product_id", "title", "skus"}
    assert set(found["unmatched_listings"][0]) == {"listing_id", "title", "state", "skus", "url"}
    assert set(found["conflicts"][0]) == {"kind", "reason", "product_ids", "listing_ids"}
    assert set(found["skipped"][0]) == {"product_id", "title", "reason"}
    assert found["listings_read"] == 4
    assert found["source"].startswith("file:")
    assert found["matches"][0]["listing_url"].endswith(f"/edit/{found['matches'][0]['listing_id']}")


def test_plan_warns_of_duplicates_and_adopt_replaces_the_pending_plan(
    cli, connected, seller, catalog
) -> None:
    vase = seller.listing("Bud vase", sku="VAS-BUD", price="22.00", quantity=6)
    towel = seller.listing("Linen  Tea Towel")
    text = cli("plan", "--source", "file", str(catalog.path))
    assert text.exit_code == 0, text.stderr
    assert (
        f"create 'Speckled Bud Vase' (prod_demo_vase) would duplicate listing {vase} "
        "(same SKU VAS-BUD); run `etsysync adopt` to link it instead"
    ) in text.stdout.replace("\n", " ")
    staged = plan(cli, catalog)
    notes = [n for n in staged["notes"] if "would duplicate" in n]
    assert len(notes) == 2 and f"listing {towel} (same title)" in notes[1]

    found = adopt_json(cli, catalog, "--yes")
    assert found["linked"] == 2
    assert found["cancelled_plans"] == [staged["transaction_id"]]
    refused = confirm(cli, staged["transaction_id"])
    assert refused.exit_code == ExitCode.REFUSED

    again = plan(cli, catalog)
    assert again["counts"] == {"create": VALID - 2, "update": 2, "invalid": 1}
    assert not [n for n in again["notes"] if "would duplicate" in n]
    pushed = confirm(cli, again["transaction_id"])
    assert pushed.exit_code == 0, pushed.stderr
    assert len(shop_listings(connected)) == VALID


def test_a_plan_with_nothing_to_create_reads_no_listings(cli, connected, seller, catalog) -> None:
    staged = plan(cli, catalog)
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    seller.listing("Speckled Stoneware Mug", sku="MUG-SPK")  # would be a duplicate
    before = len(connected.request_log())
    again = plan(cli, catalog)
    assert again["counts"] == {"unchanged": VALID, "invalid": 1}
    assert etsy_requests(connected, before) == REFRESH  # the linked ones; not the shop's
    assert not [n for n in again["notes"] if "would duplicate" in n]

    # A linked product is left alone; the listing that copies it is reported, not linked.
    found = adopt_json(cli, catalog, "--yes")
    mug = link(cli, "prod_demo_mug")
    assert {"product_id": "prod_demo_mug", "listing_id": mug["etsy_listing_id"]}.items() <= next(
        x for x in found["already_linked"] if x["product_id"] == "prod_demo_mug"
    ).items()
    assert found["matches"] == [] and len(found["already_linked"]) == VALID
    assert [x["title"] for x in found["unmatched_listings"]] == ["Speckled Stoneware Mug"]


def test_a_run_in_progress_refuses_adoption(cli, connected, seller, catalog, app_home) -> None:
    staged = plan(cli, catalog)
    with Store.open(app_home) as store, store.atomic() as db:
        db.execute(
            "UPDATE sync_jobs SET status = 'paused' WHERE transaction_id = ?",
            [staged["transaction_id"]],
        )
    seller.copy_of("prod_demo_mug")
    result = adopt(cli, catalog, "--yes")
    assert result.exit_code == ExitCode.LOCKED
    assert staged["transaction_id"] in result.stderr
    assert f"etsysync confirm {staged['transaction_id']}" in result.stderr


def test_on_a_terminal_adopt_asks_first(cli, connected, seller, catalog, monkeypatch) -> None:
    from etsysync_cli.cli import common

    monkeypatch.setattr(common, "interactive", lambda: True)
    seller.copy_of("prod_demo_mug")
    declined = cli("adopt", "--source", "file", str(catalog.path), input="n\n")
    assert declined.exit_code == 0, declined.stderr
    assert "Link 1 listing(s)" in declined.stdout + declined.stderr
    assert "Nothing recorded." in declined.stderr
    assert cli("status", "--product", "prod_demo_mug").exit_code == ExitCode.FAILURE

    accepted = cli("adopt", "--source", "file", str(catalog.path), input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "Linked 1 listing(s)" in accepted.stderr
    assert link(cli, "prod_demo_mug")["sync_status"] == "synced"


def test_the_plan_after_adopt_shows_no_change_on_listings_already_matching(
    cli, connected, seller, catalog
) -> None:
    # Issue 16: adopt said "already matching", then the next plan listed 13 changed fields.
    board = seller.copy_of("prod_demo_board", state="active")  # with one image
    for n in range(len(seller.draft_of("prod_demo_board").images) - 1):  # as many as the store's
        png = sample_png(4, 4, (n, 90, 90))
        seller.client.upload_listing_image(SELLER_SHOP_ID, board, png, f"photo{n}.png")
    found = adopt_json(cli, catalog, "--yes")
    assert [m["status"] for m in found["matches"]] == ["synced"]
    staged = plan(cli, catalog, "--product", "prod_demo_board")
    (item,) = staged["items"]
    assert item["action"] == "unchanged", item
    assert item["changed_fields"] == [] and item["diff"] == []
    assert staged["to_push"] == 0
    # Recorded as pushed: the plan after that one compares with it, without reading more.
    again = plan(cli, catalog, "--product", "prod_demo_board", "--no-refresh")
    assert [i["action"] for i in again["items"]] == ["unchanged"]
