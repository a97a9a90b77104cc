"""plan → confirm → status through the real CLI against the local Etsy sandbox."""

from __future__ import annotations

import json
from typing import Any

from etsysync_cli.errors import ExitCode
from tests.sync.conftest import (
    EXPRESS_PROFILE_ID,
    add_shipping_profile,
    delete_shipping_profile,
    etsy_requests,
    shop_listings,
)

VALID = 11  # the sample catalog: 12 products, one invalid


def plan(cli: Any, catalog: Any, *args: str) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(catalog.path), "--json", *args)
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def confirm(cli: Any, txn: str, *args: str) -> Any:
    return cli("confirm", txn, "--yes", *args)


def synced_catalog(cli: Any, catalog: Any) -> dict[str, Any]:
    staged = plan(cli, catalog)
    result = confirm(cli, staged["transaction_id"])
    assert result.exit_code == 0, result.stderr
    return staged


def link(cli: Any, product_id: str) -> dict[str, Any]:
    result = cli("status", "--product", product_id, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_first_sync_creates_every_valid_product(cli, connected, catalog) -> None:
    staged = plan(cli, catalog)
    assert staged["counts"] == {"create": VALID, "invalid": 1}
    assert staged["to_push"] == VALID
    assert staged["transaction_id"].startswith("txn_")
    invalid = [i for i in staged["items"] if i["action"] == "invalid"]
    assert invalid[0]["product_id"] == "prod_demo_giftbox"
    assert any("140" in r for r in invalid[0]["reasons"])
    assert any("no price in USD" in r for r in invalid[0]["reasons"])
    assert shop_listings(connected) == [], "plan must not write to Etsy"

    # The links are pending while the plan waits for confirmation.
    assert link(cli, "prod_demo_mug")["sync_status"] == "pending"

    before = len(connected.request_log())
    result = confirm(cli, staged["transaction_id"], "--json")
    assert result.exit_code == 0, result.stderr
    job = json.loads(result.stdout)
    assert job["status"] == "completed"
    assert (job["synced_count"], job["failed_count"]) == (VALID, 0)
    assert job["requests"] == len(etsy_requests(connected, before))
    assert job["requests"] == staged["estimated_requests"]

    listings = shop_listings(connected)
    assert len(listings) == VALID
    tee = next(x for x in listings if x["title"] == "Hand-Dyed Linen T-Shirt")
    assert len(tee["images"]) == 3
    assert len(tee["inventory"]["products"]) == 6
    skus = sorted(p["sku"] for p in tee["inventory"]["products"])
    assert skus[0] == "TEE-L-IND"
    mug = link(cli, "prod_demo_mug")
    assert mug["sync_status"] == "synced"
    assert mug["etsy_listing_id"] in {x["listing_id"] for x in listings}
    assert mug["etsy_url"].endswith(f"/edit/{mug['etsy_listing_id']}")  # a draft: edit page
    # An invalid product is never sent and gets no link; status says why.
    giftbox = link(cli, "prod_demo_giftbox")
    assert (giftbox["sync_status"], giftbox["etsy_listing_id"]) == ("invalid", None)

    status = json.loads(cli("status", "--json").stdout)
    assert status["links"]["synced"] == VALID


REFRESH = ["getListingsByListingIds", "getListingsInventoryByListingIds"]  # per 100 links


def test_unchanged_catalog_costs_only_the_refresh(cli, connected, catalog) -> None:
    """Issue 14: a plan reads what Etsy holds for the linked listings first (2 requests for
    up to 100), and an unchanged catalog with nothing changed on Etsy stages nothing more."""
    synced_catalog(cli, catalog)
    before = len(connected.request_log())
    again = cli("plan", "--source", "file", str(catalog.path), "--detailed-exitcode")
    assert again.exit_code == 0, again.stderr
    assert "Nothing to push" in again.stdout
    staged = plan(cli, catalog)
    assert staged["counts"] == {"unchanged": VALID, "invalid": 1}
    assert staged["to_push"] == 0
    assert (staged["refreshed"], staged["refresh_requests"]) == (True, 2)
    assert all(i["etsy_changes"] == [] for i in staged["items"])
    result = confirm(cli, staged["transaction_id"])
    assert result.exit_code == 0, result.stderr
    assert etsy_requests(connected, before) == REFRESH * 2  # two plans, nothing else


def test_an_out_of_sync_product_that_etsy_already_matches_is_synced_again(
    cli, connected, catalog
) -> None:
    """Issue 14: a plan that reads the listing and finds it holding what the store wants marks
    the product synced again, sending nothing (no link stays out_of_sync for ever)."""
    synced_catalog(cli, catalog)
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0]["prices"][0].update(amount=0))
    broken = plan(cli, catalog)
    assert next(i for i in broken["items"] if i["product_id"] == "prod_demo_mug")["action"] == (
        "invalid"
    )
    # Its link is out_of_sync; status shows why it is not pushed (issue 16: never `synced`).
    assert link(cli, "prod_demo_mug")["sync_status"] == "invalid"
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0]["prices"][0].update(amount=28))
    before = len(connected.request_log())
    mended = plan(cli, catalog)
    mug = next(i for i in mended["items"] if i["product_id"] == "prod_demo_mug")
    assert (mug["action"], mug["etsy_changes"]) == ("unchanged", [])
    assert link(cli, "prod_demo_mug")["sync_status"] == "synced"
    assert etsy_requests(connected, before) == REFRESH


def test_no_refresh_keeps_an_unchanged_catalog_at_zero_requests(cli, connected, catalog) -> None:
    synced_catalog(cli, catalog)
    before = len(connected.request_log())
    staged = plan(cli, catalog, "--no-refresh")
    assert staged["counts"] == {"unchanged": VALID, "invalid": 1}
    assert (staged["refreshed"], staged["refresh_requests"]) == (False, 0)
    assert any("Etsy was not read" in note for note in staged["notes"])
    assert all(i["etsy_state"] is None for i in staged["items"])
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    assert etsy_requests(connected, before) == []


def test_price_change_is_one_inventory_request(cli, connected, catalog) -> None:
    synced_catalog(cli, catalog)
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0]["prices"][0].update(amount=31))
    result = cli("plan", "--source", "file", str(catalog.path), "--detailed-exitcode")
    assert result.exit_code == 2
    staged = plan(cli, catalog)
    assert staged["counts"]["update"] == 1
    (item,) = [i for i in staged["items"] if i["action"] == "update"]
    assert item["changes"] == ["inventory"]
    before = len(connected.request_log())
    pushed = confirm(cli, staged["transaction_id"])
    assert pushed.exit_code == 0
    assert etsy_requests(connected, before) == ["updateListingInventory"]
    assert pushed.stderr.splitlines()[0].endswith(
        " 1 synced, 0 failed, 1 not sent: invalid, 1 Etsy request."
    )
    mug = next(x for x in shop_listings(connected) if x["title"] == "Speckled Stoneware Mug")
    assert mug["price"]["amount"] == 3100


def test_image_replaced_costs_at_most_two_requests(cli, connected, catalog, tmp_path) -> None:
    from etsysync_cli.sandbox import sample_png

    synced_catalog(cli, catalog)
    new_image = catalog.path.parent / "images" / "mug-new.png"
    new_image.write_bytes(sample_png(48, 48, (10, 200, 10)))
    catalog.edit("prod_demo_mug", lambda p: p["images"].__setitem__(0, "images/mug-new.png"))
    staged = plan(cli, catalog)
    (item,) = [i for i in staged["items"] if i["action"] == "update"]
    assert item["changes"] == ["images"]
    before = len(connected.request_log())
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    assert len(etsy_requests(connected, before)) <= 2
    mug = next(x for x in shop_listings(connected) if x["title"] == "Speckled Stoneware Mug")
    assert len(mug["images"]) == 3


def test_variant_added_is_one_inventory_put(cli, connected, catalog) -> None:
    synced_catalog(cli, catalog)

    def add_size(product: dict[str, Any]) -> None:
        product["options"][0]["values"].append("XL")
        product["variants"].append(
            {
                "sku": "TEE-XL-IND",
                "options": {"Size": "XL", "Color": "Indigo"},
                "prices": [{"amount": 44, "currency_code": "usd"}],
                "inventory_quantity": 2,
                "manage_inventory": True,
            }
        )

    catalog.edit("prod_demo_tee", add_size)
    staged = plan(cli, catalog)
    before = len(connected.request_log())
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    assert etsy_requests(connected, before) == ["updateListingInventory"]
    tee = next(x for x in shop_listings(connected) if x["title"] == "Hand-Dyed Linen T-Shirt")
    assert len(tee["inventory"]["products"]) == 7


def test_listing_deleted_on_etsy_is_not_recreated_unless_asked(cli, connected, catalog) -> None:
    """Issue 14: a seller who deleted a listing on Etsy does not get it back (with a fee when
    it goes active) unless they ask for it."""
    synced_catalog(cli, catalog)
    old_id = link(cli, "prod_demo_vase")["etsy_listing_id"]
    connected.seller_edit(old_id, delete=True)
    catalog.edit("prod_demo_vase", lambda p: p["variants"][0]["prices"][0].update(amount=23))
    staged = plan(cli, catalog)
    vase = next(i for i in staged["items"] if i["product_id"] == "prod_demo_vase")
    assert (vase["action"], vase["etsy_state"]) == ("unchanged", "deleted")
    assert staged["to_push"] == 0
    assert json.loads(cli("status", "--product", "prod_demo_vase", "--json").stdout)[
        "etsy_differs"
    ] == ["deleted"]

    staged = plan(cli, catalog, "--recreate-deleted")
    vase = next(i for i in staged["items"] if i["product_id"] == "prod_demo_vase")
    assert vase["action"] == "create"
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    new = link(cli, "prod_demo_vase")
    assert new["sync_status"] == "synced" and new["etsy_differs"] == []
    assert new["etsy_listing_id"] != old_id
    vases = [x for x in shop_listings(connected) if x["title"] == "Speckled Bud Vase"]
    assert len(vases) == 1


def test_listing_deleted_between_plan_and_confirm_follows_the_setting(
    cli, connected, catalog, monkeypatch
) -> None:
    """The confirm-time 404 stays the safety net and follows sync.recreate_deleted."""
    synced_catalog(cli, catalog)
    catalog.edit("prod_demo_vase", lambda p: p["variants"][0]["prices"][0].update(amount=23))
    staged = plan(cli, catalog)
    connected.seller_edit(link(cli, "prod_demo_vase")["etsy_listing_id"], delete=True)
    refused = confirm(cli, staged["transaction_id"])
    assert refused.exit_code == ExitCode.PARTIAL, refused.stderr
    vase = link(cli, "prod_demo_vase")
    assert "deleted on Etsy" in vase["sync_error"]
    assert not [x for x in shop_listings(connected) if x["title"] == "Speckled Bud Vase"]

    monkeypatch.setenv("ETSYSYNC_SYNC_RECREATE_DELETED", "true")
    catalog.edit("prod_demo_vase", lambda p: p["variants"][0]["prices"][0].update(amount=24))
    staged = plan(cli, catalog)
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    vases = [x for x in shop_listings(connected) if x["title"] == "Speckled Bud Vase"]
    assert len(vases) == 1


def test_validation_failure_fails_that_product_then_retry(
    cli, connected, catalog, monkeypatch
) -> None:
    """A product Etsy refuses at confirm fails alone; `retry` re-plans it. Here the shipping
    profile it names is deleted on Etsy between plan and confirm (plan checks the profiles it
    read; nothing offline can see a deletion made after)."""
    from etsysync_cli.sandbox.seed import SHIPPING_PROFILE_ID

    add_shipping_profile(connected)
    monkeypatch.setenv("ETSYSYNC_LISTING_SHIPPING_PROFILE_ID", str(SHIPPING_PROFILE_ID))
    express = {"etsy_shipping_profile_id": EXPRESS_PROFILE_ID}
    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].update(express))
    staged = plan(cli, catalog)
    delete_shipping_profile(connected)
    result = confirm(cli, staged["transaction_id"])
    assert result.exit_code == ExitCode.PARTIAL
    assert "1 of 11 products failed" in result.stderr
    assert f"etsysync retry {staged['transaction_id']}" in result.stderr
    bowl = link(cli, "prod_demo_bowl")
    assert bowl["sync_status"] == "failed"
    assert "shipping profile" in bowl["sync_error"].lower()
    job = json.loads(cli("status", staged["transaction_id"], "--json", "--failed").stdout)
    assert job["status"] == "failed"
    assert [i["product_id"] for i in job["items"] if i["outcome"] == "failed"] == ["prod_demo_bowl"]

    # Read again, the shop's profiles no longer have it: the retry's plan says so.
    assert cli("shop", "--refresh").exit_code == 0
    retried = json.loads(cli("retry", staged["transaction_id"], "--json").stdout)
    assert retried["counts"] == {"invalid": 1}
    assert retried["items"][0]["reasons"] == [
        f"shipping profile {EXPRESS_PROFILE_ID} (metadata etsy_shipping_profile_id) is not one "
        f"of the shop's: {SHIPPING_PROFILE_ID} (Standard shipping)"
    ]

    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].pop("etsy_shipping_profile_id"))
    retried = cli("retry", staged["transaction_id"], "--json")
    assert retried.exit_code == 0, retried.stderr
    again = json.loads(retried.stdout)
    assert again["counts"] == {"create": 1}
    assert confirm(cli, again["transaction_id"]).exit_code == 0
    assert link(cli, "prod_demo_bowl")["sync_status"] == "synced"
    assert len(shop_listings(connected)) == VALID


def test_cancel_restores_the_links(cli, connected, catalog) -> None:
    staged = plan(cli, catalog)
    result = cli("cancel", staged["transaction_id"])
    assert result.exit_code == 0, result.stderr
    assert cli("status", "--product", "prod_demo_mug").exit_code == ExitCode.FAILURE
    refused = confirm(cli, staged["transaction_id"])
    assert refused.exit_code == ExitCode.REFUSED
    assert "cancelled" in refused.stderr

    synced_catalog(cli, catalog)
    catalog.edit("prod_demo_mug", lambda p: p.update(description="A new description."))
    staged = plan(cli, catalog)
    assert link(cli, "prod_demo_mug")["sync_status"] == "pending"
    assert cli("cancel", staged["transaction_id"]).exit_code == 0
    # Back as it was, except that the store has moved on: out_of_sync.
    assert link(cli, "prod_demo_mug")["sync_status"] == "out_of_sync"
    assert link(cli, "prod_demo_vase")["sync_status"] == "synced"


def test_expired_plan_is_refused_and_restored(cli, connected, catalog, app_home) -> None:
    from etsysync_cli.store.db import Store

    staged = plan(cli, catalog)
    with Store.open(app_home) as store:
        store.db.execute(
            "UPDATE sync_jobs SET expires_at = '2020-01-01T00:00:00Z' WHERE transaction_id = ?",
            [staged["transaction_id"]],
        )
        store.db.conn.commit()
    result = confirm(cli, staged["transaction_id"])
    assert result.exit_code == ExitCode.REFUSED
    assert "expired" in result.stderr
    assert "etsysync plan" in result.stderr
    assert shop_listings(connected) == []
    status = json.loads(cli("status", "--json").stdout)
    assert status["links"]["pending"] == 0


def test_refusals_and_their_exit_codes(cli, connected, catalog) -> None:
    result = confirm(cli, "txn_doesnotexist")
    assert result.exit_code == ExitCode.REFUSED
    assert "no plan with transaction id txn_doesnotexist" in result.stderr

    staged = synced_catalog(cli, catalog)
    again = confirm(cli, staged["transaction_id"])
    assert again.exit_code == ExitCode.REFUSED
    assert "already ran" in again.stderr

    no_source = cli("plan")
    assert no_source.exit_code == ExitCode.USAGE
    assert "--source file PATH" in no_source.stderr


def test_plan_without_a_connected_shop(cli, catalog) -> None:
    result = cli("plan", "--source", "file", str(catalog.path))
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "etsysync auth login" in result.stderr


def test_a_newer_plan_replaces_one_not_confirmed(cli, connected, catalog) -> None:
    first = plan(cli, catalog)
    second = plan(cli, catalog)
    refused = confirm(cli, first["transaction_id"])
    assert refused.exit_code == ExitCode.REFUSED
    assert confirm(cli, second["transaction_id"]).exit_code == 0
    assert len(shop_listings(connected)) == VALID


def test_orphans_are_reported_and_pruned_only_on_request(cli, connected, catalog) -> None:
    synced_catalog(cli, catalog)
    catalog.remove("prod_demo_towel")
    staged = plan(cli, catalog)
    assert staged["counts"].get("orphaned") == 1
    assert staged["to_push"] == 0
    # With --prune the orphan is a deactivation: its own row, count and action (issue 16).
    pruned = plan(cli, catalog, "--prune")
    assert pruned["to_push"] == 1 and pruned["deactivations"] == 1
    assert pruned["counts"] == {"unchanged": VALID - 1, "invalid": 1, "deactivate": 1}
    (row,) = [i for i in pruned["items"] if i["action"] == "deactivate"]
    assert row["product_id"] == "prod_demo_towel" and row["listing_id"]
    table = cli("plan", "--source", "file", str(catalog.path), "--prune")
    assert "1 deactivate" in table.stdout and "deactivate " in table.stdout
    assert "is set inactive" in " ".join(table.stdout.split())
    # The listings were pushed as drafts (listing.state's default), and Etsy refuses to
    # deactivate a draft: a failure that says so, never "synced".
    txn = json.loads(cli("status", "--json").stdout)["jobs"][0]["transaction_id"]
    pushed = confirm(cli, txn, "--json")
    assert pushed.exit_code != 0
    run = json.loads(pushed.stdout)
    assert run["synced_count"] == 0 and run["failed_count"] == 1
    failed = json.loads(cli("status", txn, "--json").stdout)
    (towel_item,) = [i for i in failed["items"] if i["product_id"] == "prod_demo_towel"]
    assert towel_item["outcome"] == "failed" and towel_item["action"] == "deactivate"
    assert "refuses to deactivate a draft" in towel_item["error"]
    towel = next(x for x in shop_listings(connected) if x["title"] == "Linen Tea Towel")
    assert towel["state"] == "draft"  # never deleted
    assert len(shop_listings(connected)) == VALID


def test_human_review_table(cli, connected, catalog) -> None:
    result = cli("plan", "--source", "file", str(catalog.path))
    assert result.exit_code == 0, result.stderr
    assert "prod_demo_mug" in result.stdout
    assert "11 create, 1 invalid" in result.stdout
    assert "etsysync confirm txn_" in result.stdout
    assert "publish fees" in result.stdout


def test_a_product_with_no_stock_is_listed_as_a_draft(cli, connected, catalog) -> None:
    catalog.edit("prod_demo_vase", lambda p: p["variants"][0].update(inventory_quantity=0))
    staged = plan(cli, catalog, "--product", "prod_demo_vase")
    (item,) = staged["items"]
    assert item["action"] == "create"
    assert any("out of stock" in w for w in item["warnings"])
    before = len(connected.request_log())
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    assert "updateListingInventory" not in etsy_requests(connected, before)
    (vase,) = shop_listings(connected)
    assert vase["state"] == "draft"
