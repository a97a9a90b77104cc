"""Production partners end to end: plan and confirm through the real CLI against the sandbox.

Etsy refuses `who_made = someone_else` on a finished product without a production partner
("There was a problem with /marketplace : Oh dear, you cannot sell this item on Etsy.",
etsy-api.md §10.6: ELA, open-api#365, #539); the sandbox does the same, so these tests show the
client names a partner when it has one and stops such a product at plan time when it has none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from etsysync_cli.sandbox import PRODUCTION_PARTNER_ID, PRODUCTION_PARTNER_NAME, SELLER_SHOP_ID


def _product(product_id: str, title: str, **metadata: Any) -> dict[str, Any]:
    return {
        "id": product_id,
        "title": title,
        "description": f"{title}, printed for us by our partner.",
        "tags": ["poster"],
        "metadata": {"etsy_taxonomy_id": 1073, "etsy_who_made": "someone_else", **metadata},
        "variants": [
            {
                "sku": product_id.upper(),
                "prices": [{"amount": 30, "currency_code": "usd"}],
                "inventory_quantity": 4,
                "manage_inventory": True,
            }
        ],
        "status": "published",
    }


def _catalog(tmp_path: Path, *products: dict[str, Any]) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"products": list(products)}))
    return path


def _plan(cli: Any, catalog: Path) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(catalog), "--json")
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def _partners_on_etsy(sandbox: Any) -> dict[str, list[int]]:
    with sandbox.state.lock:
        return {
            x.title: list(x.production_partner_ids)
            for x in sandbox.state.listings.values()
            if x.shop_id == SELLER_SHOP_ID
        }


def test_partner_from_the_setting_and_from_metadata_reach_etsy(cli, connected, tmp_path):
    set_it = cli("config", "set", "listing.production_partner_ids", str(PRODUCTION_PARTNER_ID))
    assert set_it.exit_code == 0, set_it.stderr
    catalog = _catalog(
        tmp_path,
        _product("poster_setting", "Mountain Poster"),
        # metadata as a CSV column or Medusa would carry it: one text of ids
        _product(
            "poster_meta", "River Poster", etsy_production_partner_ids=str(PRODUCTION_PARTNER_ID)
        ),
    )
    staged = _plan(cli, catalog)
    assert staged["counts"] == {"create": 2}, staged["items"]
    result = cli("confirm", staged["transaction_id"], "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["synced_count"] == 2
    assert _partners_on_etsy(connected) == {
        "Mountain Poster": [PRODUCTION_PARTNER_ID],
        "River Poster": [PRODUCTION_PARTNER_ID],
    }
    # Read back and compared like the other fields: nothing left to push.
    again = _plan(cli, catalog)
    assert again["counts"] == {"unchanged": 2}


def test_metadata_wins_over_the_setting(cli, connected, tmp_path):
    # The setting names an id the shop does not have; the product's own (good) id wins.
    assert cli("config", "set", "listing.production_partner_ids", "77").exit_code == 0
    catalog = _catalog(
        tmp_path,
        _product(
            "poster_meta", "River Poster", etsy_production_partner_ids=[PRODUCTION_PARTNER_ID]
        ),
        _product("poster_setting", "Mountain Poster"),
    )
    staged = _plan(cli, catalog)
    items = {i["product_id"]: i for i in staged["items"]}
    assert items["poster_meta"]["action"] == "create"
    assert items["poster_setting"]["action"] == "invalid"
    (reason,) = items["poster_setting"]["reasons"]
    assert "production partner 77 (listing.production_partner_ids)" in reason
    assert f"{PRODUCTION_PARTNER_ID} ({PRODUCTION_PARTNER_NAME}" in reason


def test_someone_else_without_a_partner_is_invalid_with_the_reason(cli, connected, tmp_path):
    catalog = _catalog(tmp_path, _product("poster", "Mountain Poster"))
    staged = _plan(cli, catalog)
    assert staged["counts"] == {"invalid": 1}
    (reason,) = staged["items"][0]["reasons"]
    assert "listing.production_partner_ids" in reason
    assert "etsy_production_partner_ids" in reason
    assert f"{PRODUCTION_PARTNER_ID} ({PRODUCTION_PARTNER_NAME}" in reason

    review = cli("plan", "--source", "file", str(catalog))
    shown = " ".join((review.stdout + review.stderr).split())
    assert "listing.production_partner_ids" in shown
    assert str(PRODUCTION_PARTNER_ID) in shown
    assert _partners_on_etsy(connected) == {}, "plan never writes to Etsy"


def test_a_shop_without_partners_is_told_where_to_add_one(cli, connected, tmp_path):
    connected.state.seed.production_partners[SELLER_SHOP_ID].clear()
    assert cli("shop", "--refresh").exit_code == 0  # the plan reads the cached profiles
    staged = _plan(cli, _catalog(tmp_path, _product("poster", "Mountain Poster")))
    (reason,) = staged["items"][0]["reasons"]
    assert "the shop has no production partners" in reason
    assert "Shop Manager → Settings → Production partners" in reason


def test_vintage_and_supplies_need_no_partner(cli, connected, tmp_path):
    # ELA's control cases: vintage resale and supplies are sold without a partner.
    catalog = _catalog(
        tmp_path,
        _product("vintage", "Old Poster", etsy_when_made="before_2007"),
        _product("supply", "Poster Paper", etsy_is_supply=True),
    )
    staged = _plan(cli, catalog)
    assert staged["counts"] == {"create": 2}
    result = cli("confirm", staged["transaction_id"], "--yes")
    assert result.exit_code == 0, result.stderr
