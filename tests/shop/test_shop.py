"""`etsysync shop`: the connected shop and its profile ids, against the local Etsy sandbox."""

from __future__ import annotations

import json
from typing import Any

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import (
    PRODUCTION_PARTNER_ID,
    PRODUCTION_PARTNER_LOCATION,
    PRODUCTION_PARTNER_NAME,
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SELLER_SHOP_NAME,
    SHIPPING_PROFILE_ID,
)

PROFILE_OPERATIONS = {
    "getShop",
    "getShopShippingProfiles",
    "getShopReturnPolicies",
    "getShopReadinessStateDefinitions",
    "getShopProductionPartners",
}


def shop_json(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("shop", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def operations(sandbox: Any) -> list[str]:
    return [str(e["operation"]) for e in sandbox.request_log()]


def test_shop_shows_the_ids_to_configure(cli, connected) -> None:
    result = cli("shop")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert f"Shop {SELLER_SHOP_NAME} (shop {SELLER_SHOP_ID}, USD)" in out
    assert "Shipping profiles:" in out
    assert f"{SHIPPING_PROFILE_ID}  Standard shipping" in out
    assert "Return policies:" in out
    assert f"{RETURN_POLICY_ID}  returns accepted, 30 days" in out
    assert "Processing profiles:" in out
    assert f"{READINESS_STATE_ID}  ready_to_ship, 1-3 days" in out
    # The hint names the three settings, on stderr (chatter), not in the data.
    for key in ("shipping_profile_id", "return_policy_id", "readiness_state_id"):
        assert f"listing.{key}" in result.stderr
    assert "etsysync config set" in result.stderr
    assert "(configured)" not in out


def test_shop_json_fields(cli, connected) -> None:
    data = shop_json(cli)
    assert data == {
        "shop_id": SELLER_SHOP_ID,
        "shop_name": SELLER_SHOP_NAME,
        "currency_code": "USD",
        "shipping_profiles": [{"id": SHIPPING_PROFILE_ID, "label": "Standard shipping"}],
        "return_policies": [{"id": RETURN_POLICY_ID, "label": "returns accepted, 30 days"}],
        "readiness_states": [{"id": READINESS_STATE_ID, "label": "ready_to_ship, 1-3 days"}],
        "production_partners": [
            {
                "id": PRODUCTION_PARTNER_ID,
                "name": PRODUCTION_PARTNER_NAME,
                "location": PRODUCTION_PARTNER_LOCATION,
            }
        ],
        "configured": {
            "listing.shipping_profile_id": None,
            "listing.return_policy_id": None,
            "listing.readiness_state_id": None,
        },
        "configured_partners": [],
    }


def test_shop_lists_the_production_partners(cli, connected) -> None:
    out = cli("shop").stdout
    assert "Production partners" in out
    line = f"{PRODUCTION_PARTNER_ID}  {PRODUCTION_PARTNER_NAME}, {PRODUCTION_PARTNER_LOCATION}"
    assert line in out
    set_it = cli("config", "set", "listing.production_partner_ids", f"{PRODUCTION_PARTNER_ID},77")
    assert set_it.exit_code == 0, set_it.stderr
    assert shop_json(cli)["configured_partners"] == [PRODUCTION_PARTNER_ID, 77]
    out = cli("shop").stdout
    assert f"{line}  (configured)" in out
    assert "configured: 77, not among these" in out


def test_a_shop_without_partners_says_where_to_add_one(cli, connected) -> None:
    # The API cannot create partners (etsy-api.md §10.6): the seller adds them on etsy.com.
    connected.state.seed.production_partners[SELLER_SHOP_ID].clear()
    result = cli("shop", "--refresh")
    assert result.exit_code == 0, result.stderr
    assert "Shop Manager → Settings → Production partners" in result.stdout
    assert shop_json(cli)["production_partners"] == []


def test_profiles_cached_without_partners_are_read_again(cli, connected) -> None:
    from etsysync_cli.config import app_home
    from etsysync_cli.store.accounts import cache, cached, list_accounts
    from etsysync_cli.store.db import Store

    shop_json(cli)
    with Store.open(app_home()) as store:
        (account,) = list_accounts(store)
        account_id = account.id
        value, _ = cached(store, account_id, "shop")
        assert value is not None
        del value["production_partners"]  # as an etsysync before partners cached it
        cache(store, account_id, "shop", value)
    connected.clear_request_log()
    assert shop_json(cli)["production_partners"][0]["id"] == PRODUCTION_PARTNER_ID
    assert "getShopProductionPartners" in operations(connected)


def test_shop_marks_the_configured_ids(cli, connected) -> None:
    set_it = cli("config", "set", "listing.shipping_profile_id", str(SHIPPING_PROFILE_ID))
    assert set_it.exit_code == 0, set_it.stderr
    assert cli("config", "set", "listing.return_policy_id", "42").exit_code == 0

    data = shop_json(cli)
    assert data["configured"]["listing.shipping_profile_id"] == SHIPPING_PROFILE_ID
    assert data["configured"]["listing.return_policy_id"] == 42

    out = cli("shop").stdout
    assert f"{SHIPPING_PROFILE_ID}  Standard shipping  (configured)" in out
    assert "configured: 42, which is not one of these" in out


def test_shop_profiles_are_cached_for_a_day(cli, connected) -> None:
    shop_json(cli)  # fills the cache (if login has not already)
    connected.clear_request_log()

    assert shop_json(cli)["shop_id"] == SELLER_SHOP_ID
    assert operations(connected) == []

    refreshed = shop_json(cli, "--refresh")
    assert refreshed["shipping_profiles"][0]["id"] == SHIPPING_PROFILE_ID
    assert set(operations(connected)) >= PROFILE_OPERATIONS


def test_shop_takes_the_account_by_name_or_id(cli, connected) -> None:
    assert shop_json(cli, "--account", str(SELLER_SHOP_ID))["shop_name"] == SELLER_SHOP_NAME
    assert shop_json(cli, "--account", SELLER_SHOP_NAME.lower())["shop_id"] == SELLER_SHOP_ID

    result = cli("shop", "--account", "NoSuchShop")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "NoSuchShop" in result.stderr
    assert result.stdout == ""


def test_shop_needs_a_connected_account(cli) -> None:
    result = cli("shop")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "no Etsy shop is connected" in result.stderr
    assert "etsysync auth login" in result.stderr
    assert result.stdout == ""
