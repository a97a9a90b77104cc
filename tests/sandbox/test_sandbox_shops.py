"""Users, shops, shop profiles, seller taxonomy: Etsy's response shapes and 404s."""

from __future__ import annotations

from sandbox_helpers import error, fields

from etsysync_cli.sandbox import (
    OTHER_SHOP_ID,
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SELLER_SHOP_NAME,
    SELLER_USER_ID,
    SHIPPING_PROFILE_ID,
)


def test_get_me(api):
    response = api.get("/users/me")
    assert response.status_code == 200
    assert response.json() == {"user_id": SELLER_USER_ID, "shop_id": SELLER_SHOP_ID}
    assert set(response.json()) == fields("Self")


def test_get_shop_has_every_shop_field(api):
    response = api.get(f"/shops/{SELLER_SHOP_ID}")
    assert response.status_code == 200
    shop = response.json()
    assert set(shop) == fields("Shop")
    assert shop["shop_id"] == SELLER_SHOP_ID
    assert shop["user_id"] == SELLER_USER_ID
    assert shop["shop_name"] == SELLER_SHOP_NAME
    assert shop["currency_code"] == "USD"
    assert shop["listing_active_count"] == 0


def test_shop_counts_active_listings(api, sandbox):
    sandbox.create_listing_direct(state="active", images=1)
    sandbox.create_listing_direct()
    assert api.get(f"/shops/{SELLER_SHOP_ID}").json()["listing_active_count"] == 1


def test_unknown_shop_is_404(api):
    response = api.get("/shops/999")
    assert response.status_code == 404
    assert error(response) == "Could not find a shop with shop_id = 999"


def test_non_numeric_id_is_400(api):
    response = api.get("/shops/abc")
    assert response.status_code == 400
    assert error(response) == "Expected int value for 'shop_id' (got 'abc')."


def test_shop_by_owner_user_id_is_one_shop_not_a_list(api):
    response = api.get(f"/users/{SELLER_USER_ID}/shops")
    assert response.status_code == 200
    assert set(response.json()) == fields("Shop")
    assert response.json()["shop_id"] == SELLER_SHOP_ID


def test_user_without_shop_is_404_with_etsys_text(api):
    response = api.get("/users/12345/shops")
    assert response.status_code == 404
    assert error(response) == "Could not find a shop for user with user_id = 12345"


def test_shipping_profiles(api):
    response = api.get(f"/shops/{SELLER_SHOP_ID}/shipping-profiles")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "results"}
    assert body["count"] == 1
    profile = body["results"][0]
    assert set(profile) == fields("ShopShippingProfile")
    assert profile["shipping_profile_id"] == SHIPPING_PROFILE_ID
    assert profile["profile_type"] in ("manual", "calculated")
    destination = profile["shipping_profile_destinations"][0]
    assert set(destination) == fields("ShopShippingProfileDestination")
    assert set(destination["primary_cost"]) == fields("Money")


def test_shipping_profiles_of_unknown_shop_is_404(api):
    assert api.get("/shops/999/shipping-profiles").status_code == 404


def test_return_policies_are_public(api):
    response = api.as_token(None).get(f"/shops/{SELLER_SHOP_ID}/policies/return")
    assert response.status_code == 200
    policy = response.json()["results"][0]
    assert set(policy) == fields("ShopReturnPolicy")
    assert policy["return_policy_id"] == RETURN_POLICY_ID
    assert policy["return_deadline"] in (7, 14, 21, 30, 45, 60, 90)


def test_readiness_state_definitions(api):
    response = api.get(f"/shops/{SELLER_SHOP_ID}/readiness-state-definitions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    profile = body["results"][0]
    assert set(profile) == fields("ShopProcessingProfile")
    assert profile["readiness_state_id"] == READINESS_STATE_ID
    assert profile["readiness_state"] in ("ready_to_ship", "made_to_order")
    page = api.get(f"/shops/{SELLER_SHOP_ID}/readiness-state-definitions", params={"offset": 1})
    assert page.json() == {"count": 1, "results": []}


def test_readiness_limit_bounds(api):
    path = f"/shops/{SELLER_SHOP_ID}/readiness-state-definitions"
    assert api.get(path, params={"limit": 101}).status_code == 400
    assert api.get(path, params={"limit": 0}).status_code == 400
    assert api.get(path, params={"offset": -1}).status_code == 400


def test_other_shops_profiles_are_its_own(api, sandbox):
    other = sandbox.issue_token(user_id=sandbox.state.seed.shops[OTHER_SHOP_ID]["user_id"])
    response = api.as_token(other["access_token"]).get(f"/shops/{OTHER_SHOP_ID}/shipping-profiles")
    assert response.json()["results"][0]["shipping_profile_id"] != SHIPPING_PROFILE_ID


def walk(nodes):
    for node in nodes:
        yield node
        yield from walk(node["children"])


def test_seller_taxonomy_tree(api):
    response = api.as_token(None).get("/seller-taxonomy/nodes")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "results"}
    nodes = list(walk(body["results"]))
    assert len(nodes) >= 12
    for node in nodes:
        assert set(node) == fields("SellerTaxonomyNode")
        assert node["full_path_taxonomy_ids"][-1] == node["id"]
        assert node["level"] == len(node["full_path_taxonomy_ids"]) - 1
        for child in node["children"]:
            assert child["parent_id"] == node["id"]
    mugs = next(n for n in nodes if n["name"] == "Mugs")
    names = {n["id"]: n["name"] for n in nodes}
    assert [names[i] for i in mugs["full_path_taxonomy_ids"]] == [
        "Home & Living",
        "Kitchen & Dining",
        "Drink & Barware",
        "Drinkware",
        "Mugs",
    ]
    assert {"T-shirts", "Necklaces", "Prints", "Vases", "Candles"} <= set(names.values())


def test_taxonomy_properties(api):
    response = api.as_token(None).get("/seller-taxonomy/nodes/482/properties")
    assert response.status_code == 200
    props = response.json()["results"]
    for prop in props:
        assert set(prop) == fields("TaxonomyNodeProperty")
        for value in prop["possible_values"]:
            assert set(value) == fields("TaxonomyPropertyValue")
        for scale in prop["scales"]:
            assert set(scale) == fields("TaxonomyPropertyScale")
    by_name = {p["name"]: p for p in props}
    assert {"Primary color", "Size"} <= set(by_name)
    assert by_name["Size"]["supports_variations"] is True
    assert by_name["Size"]["scales"][0]["display_name"] == "Letter"


def test_unknown_taxonomy_node_is_404(api):
    response = api.get("/seller-taxonomy/nodes/424242/properties")
    assert response.status_code == 404
    assert "424242" in error(response)


def test_ping(api):
    body = api.get("/openapi-ping").json()
    assert set(body) == fields("Pong")
