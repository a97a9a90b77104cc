"""Listings: createDraftListing, getListing(s), updateListing, deleteListing (etsy-api.md §5-6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sandbox_helpers import OAS, error, fields, listing_form

from etsysync_cli.sandbox import (
    OTHER_SHOP_ID,
    OTHER_USER_ID,
    PRODUCTION_PARTNER_ID,
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SELLER_USER_ID,
    SHIPPING_PROFILE_ID,
    sample_png,
)

LISTINGS = f"/shops/{SELLER_SHOP_ID}/listings"


def create(api, **overrides):
    return api.post(LISTINGS, data=listing_form(**overrides))


def add_image(api, listing_id, colour=(1, 2, 3)):
    response = api.post(
        f"{LISTINGS}/{listing_id}/images",
        files={"image": ("photo.png", sample_png(2, 2, colour), "image/png")},
    )
    assert response.status_code == 201, response.text
    return response.json()


# --- create -------------------------------------------------------------------------------------


def test_create_returns_a_draft_shop_listing(api):
    response = create(api)
    assert response.status_code == 201
    listing = response.json()
    assert set(listing) == fields("ShopListing")
    assert listing["state"] == "draft"
    assert listing["user_id"] == SELLER_USER_ID
    assert listing["shop_id"] == SELLER_SHOP_ID
    assert listing["quantity"] == 5
    assert listing["price"] == {"amount": 2450, "divisor": 100, "currency_code": "USD"}
    assert listing["tags"] == ["mug", "stoneware", "coffee cup"]
    assert listing["materials"] == ["stoneware", "glaze"]
    assert listing["listing_type"] == "physical"
    assert listing["taxonomy_id"] == 1073
    assert listing["who_made"] == "i_did"
    assert listing["is_supply"] is False
    assert listing["shipping_profile_id"] == SHIPPING_PROFILE_ID
    assert listing["return_policy_id"] == RETURN_POLICY_ID
    assert listing["has_variations"] is False
    assert listing["url"].startswith(f"https://www.etsy.com/listing/{listing['listing_id']}/")
    for stamp in ("created_timestamp", "updated_timestamp", "ending_timestamp"):
        assert isinstance(listing[stamp], int) and listing[stamp] > 946684800
    # The spec says active listings only; Etsy returns a draft's too (etsy-api.md §10.7, ELA).
    assert listing["readiness_state_id"] == READINESS_STATE_ID


def test_create_accepts_json_too(api):
    body = listing_form(quantity=2, price=12.5, taxonomy_id=1073, is_supply=False)
    body["tags"] = ["mug", "gift"]
    response = api.post(LISTINGS, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["tags"] == ["mug", "gift"]
    assert response.json()["price"]["amount"] == 1250


def test_create_ignores_a_requested_state(api):
    assert create(api, state="active").json()["state"] == "draft"


def test_create_makes_a_single_product_inventory(api):
    listing = create(api)
    inventory = api.get(f"/listings/{listing.json()['listing_id']}/inventory").json()
    product = inventory["products"][0]
    assert product["property_values"] == []
    assert product["offerings"][0]["quantity"] == 5
    assert product["offerings"][0]["readiness_state_id"] == READINESS_STATE_ID


@pytest.mark.parametrize("missing", OAS["createDraftListing"]["required"])
def test_each_required_field(api, missing):
    response = create(api, **{missing: None})
    assert response.status_code == 400
    assert error(response) == f"Missing Input Parameter: [{missing}]"


def test_missing_fields_are_listed_together(api):
    response = api.post(LISTINGS, data={"title": "x"})
    assert error(response) == (
        "Missing Input Parameter: [quantity, description, price, who_made, when_made, taxonomy_id]"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("who_made", "my_cat"),
        ("when_made", "2020_2025"),  # last year's name: never hard-code it
        ("when_made", "yesterday"),
        ("type", "service"),
        ("item_weight_unit", "stone"),
        ("item_dimensions_unit", "cubits"),
    ],
)
def test_enums(api, field, value):
    response = create(api, **{field: value, "item_weight": "1", "item_length": "1"})
    assert response.status_code == 400
    assert error(response).startswith(f"Invalid value ({value}) for enum(")


def test_enum_values_match_the_spec(api):
    year = datetime.now(UTC).year
    for who in OAS["createDraftListing"]["who_made"]:
        # someone_else needs a production partner (etsy-api.md §10.6, test_sandbox_partners.py)
        partner = str(PRODUCTION_PARTNER_ID) if who == "someone_else" else None
        assert create(api, who_made=who, production_partner_ids=partner).status_code == 201
    spec_values = [
        f"2020_{year}" if v.startswith("2020_") else v
        for v in OAS["createDraftListing"]["when_made"]
    ]
    for when in spec_values:
        assert create(api, when_made=when).status_code == 201, when
    for kind in OAS["createDraftListing"]["type"]:
        assert create(api, type=kind).status_code == 201


def test_when_made_first_decade_is_computed_from_the_year(api):
    year = datetime.now(UTC).year
    assert create(api, when_made=f"2020_{year}").status_code == 201
    assert create(api, when_made=f"2020_{year - 1}").status_code == 400


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Price $5 mug", "You cannot include any of the following characters: $"),
        ("Mug ^ best", "You cannot include any of the following characters: ^"),
        ("Mug `quoted`", "You cannot include any of the following characters: `"),
        ("100% cotton, 100% love", "You can only use the characters % : & + once each"),
        ("Tea & coffee & cocoa", "You can only use the characters % : & + once each"),
        ("x" * 141, "There was a problem with /title : must be at most 140 characters"),
        ("   ", "Missing Input Parameter: [title]"),
    ],
)
def test_title_rules(api, title, message):
    response = create(api, title=title)
    assert response.status_code == 400
    assert error(response).startswith(message)


def test_title_allows_punctuation_math_and_marks(api):
    title = "Mug\u2122 \u2013 12 oz (blue) + saucer \u00a9 2026, 50% off: \u201cHello\u201d\u00ae"
    assert create(api, title=title).json()["title"] == title
    assert create(api, title="x" * 140).status_code == 201


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (",".join(f"tag{i}" for i in range(14)), "There was a problem with /tags : cannot be more"),
        ("mug,a tag that is far too long", "There was a problem with /tags/1 : must be at most 20"),
        ("mug,coffee!", "Tag 'coffee!' contains characters that are not allowed: !"),
        ("mug,Mug", "You may not have duplicate tags"),
    ],
)
def test_tag_rules(api, tags, message):
    response = create(api, tags=tags)
    assert response.status_code == 400
    assert error(response).startswith(message)


def test_tags_allow_hyphen_apostrophe_and_marks(api):
    tags = ["mum's mug", "hand-made", "brand™", *[f"t{i}" for i in range(10)]]
    # Read back HTML-escaped, as Etsy sends them (etsy-api.md §10.1).
    assert create(api, tags=",".join(tags)).json()["tags"] == ["mum&#39;s mug", *tags[1:]]


def test_materials_and_styles(api):
    assert create(api, materials="clay,glaze!").status_code == 400
    assert "materials/1" in error(create(api, materials="clay,glaze!"))
    assert create(api, styles="Boho,Rustic,Modern").status_code == 400
    assert create(api, styles="Boho,Rustic").status_code == 201


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("0.19", "There was a problem with /price : must be above min price $0.20 USD"),
        ("50000.01", "There was a problem with /price : must be below max price $50,000.00 USD"),
        ("abc", "Expected float value for 'price' (got 'abc')."),
    ],
)
def test_price_bounds(api, price, message):
    response = create(api, price=price)
    assert response.status_code == 400
    assert error(response) == message


def test_price_edges(api):
    assert create(api, price="0.20").json()["price"]["amount"] == 20
    assert create(api, price="50000").json()["price"]["amount"] == 5000000


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("1000", "There was a problem with /quantity : cannot be greater than 999"),
        ("0", "There was a problem with /quantity : must be greater than or equal to 1"),
        ("two", "Expected int value for 'quantity' (got 'two')."),
    ],
)
def test_quantity_bounds(api, quantity, message):
    response = create(api, quantity=quantity)
    assert response.status_code == 400
    assert error(response) == message


def test_who_made_when_made_is_supply_go_together(api):
    response = create(api, is_supply=None)
    assert response.status_code == 400
    assert error(response) == ("Cannot update 'who_made' without 'is_supply' and vice versa")


def test_booleans_accept_true_false_1_0(api):
    assert create(api, is_supply="1").json()["is_supply"] is True
    assert create(api, is_supply="true", should_auto_renew="0").json()["should_auto_renew"] is False
    response = create(api, is_supply="yes")
    assert error(response) == "Expected boolean value for 'is_supply' (got 'yes')."


def test_physical_listing_needs_a_shipping_profile(api):
    response = create(api, shipping_profile_id=None)
    assert response.status_code == 400
    assert error(response) == "A shipping_profile_id is required for physical listings."
    assert create(api, shipping_profile_id=None, type="download").status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shipping_profile_id", "999"),
        ("return_policy_id", "999"),
        ("readiness_state_id", "999"),
        ("shop_section_id", "5"),
        ("production_partner_ids", "7"),
        ("taxonomy_id", "999999"),
    ],
)
def test_referenced_ids_must_exist_in_the_shop(api, field, value):
    response = create(api, **{field: value})
    assert response.status_code == 400
    assert error(response).startswith(f"There was a problem with /{field} :")


def test_another_shops_shipping_profile_is_refused(api, sandbox):
    other_profile = sandbox.state.seed.shipping_profiles[OTHER_SHOP_ID][0]["shipping_profile_id"]
    assert create(api, shipping_profile_id=str(other_profile)).status_code == 400


def test_item_measures_must_be_positive(api):
    response = create(api, item_weight="0", item_weight_unit="oz")
    assert error(response) == "There was a problem with /item_weight : must be greater than 0"
    good = create(api, item_weight="12.5", item_weight_unit="oz").json()
    assert good["item_weight"] == 12.5 and good["item_weight_unit"] == "oz"


def test_unknown_shop_and_non_json_body(api):
    assert api.post("/shops/999/listings", data=listing_form()).status_code == 404
    response = api.post(LISTINGS, content=b"<xml/>", headers={"content-type": "text/xml"})
    assert response.status_code == 400


# --- read ---------------------------------------------------------------------------------------


def test_get_listing_with_images(api):
    listing = create(api).json()
    add_image(api, listing["listing_id"])
    response = api.get(f"/listings/{listing['listing_id']}", params={"includes": "Images,Shop"})
    assert response.status_code == 200
    body = response.json()
    assert fields("ShopListing") <= set(body) <= fields("ShopListingWithAssociations")
    assert set(body["images"][0]) == fields("ListingImage")
    assert set(body["shop"]) == fields("Shop")


def test_get_listing_accepts_includes_inventory(api):
    """etsy-api.md §10.8: the spec's enum for getListing omits Inventory, but Etsy accepts it
    (its third-variation tutorial reads `GET /listings/{id}?includes=Inventory`)."""
    listing = create(api).json()
    response = api.get(f"/listings/{listing['listing_id']}", params={"includes": "Inventory"})
    assert response.status_code == 200
    inventory = response.json()["inventory"]
    assert set(inventory) == fields("ListingInventory")
    assert inventory["products"][0]["offerings"][0]["quantity"] == 5


def test_listings_by_ids_accepts_includes_inventory(api):
    """(U) getListingsByListingIds documents Images only; accepted like getListing's (§10.8)."""
    listing = create(api).json()
    params = {"listing_ids": str(listing["listing_id"]), "includes": "Images,Inventory"}
    response = api.get("/listings/batch", params=params)
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert set(item["inventory"]) == fields("ListingInventory")
    assert item["images"] == []


def test_get_listing_includes_follow_the_enum(api):
    listing = create(api).json()
    response = api.get(f"/listings/{listing['listing_id']}", params={"includes": "Everything"})
    assert response.status_code == 400
    assert error(response).startswith("Invalid value (Everything) for enum(")


def test_unknown_listing_is_404(api):
    response = api.get("/listings/123456")
    assert response.status_code == 404
    assert error(response) == "Could not find a listing with listing_id = 123456"


def test_drafts_are_visible_to_the_owner_only(api, sandbox):
    draft = sandbox.create_listing_direct()
    active = sandbox.create_listing_direct(state="active", images=1)
    anonymous = api.as_token(None)
    assert anonymous.get(f"/listings/{draft['listing_id']}").status_code == 404
    assert anonymous.get(f"/listings/{active['listing_id']}").status_code == 200
    assert api.get(f"/listings/{draft['listing_id']}").status_code == 200
    other = sandbox.issue_token(user_id=OTHER_USER_ID)["access_token"]
    assert api.as_token(other).get(f"/listings/{draft['listing_id']}").status_code == 404


def test_active_physical_listing_shows_its_readiness_state(api, sandbox):
    active = sandbox.create_listing_direct(state="active", images=1)
    body = api.get(f"/listings/{active['listing_id']}").json()
    assert body["readiness_state_id"] == READINESS_STATE_ID


def test_listings_by_shop_filters_by_state_default_active(api, sandbox):
    drafts = [sandbox.create_listing_direct(title=f"Draft {i}") for i in range(3)]
    active = sandbox.create_listing_direct(state="active", images=1)
    response = api.get(LISTINGS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "results"}
    assert body["count"] == 1
    assert body["results"][0]["listing_id"] == active["listing_id"]
    found = api.get(LISTINGS, params={"state": "draft"}).json()
    assert found["count"] == 3
    assert {x["listing_id"] for x in found["results"]} == {d["listing_id"] for d in drafts}
    for item in found["results"]:
        assert fields("ShopListing") <= set(item) <= fields("ShopListingWithAssociations")


def test_listings_by_shop_paginates_and_counts_before_limit(api, sandbox):
    ids = [sandbox.create_listing_direct(title=f"Item {i}")["listing_id"] for i in range(5)]
    page1 = api.get(LISTINGS, params={"state": "draft", "limit": 2}).json()
    page3 = api.get(LISTINGS, params={"state": "draft", "limit": 2, "offset": 4}).json()
    assert page1["count"] == page3["count"] == 5
    assert len(page1["results"]) == 2 and len(page3["results"]) == 1
    newest_first = sorted(ids, reverse=True)
    assert [x["listing_id"] for x in page1["results"]] == newest_first[:2]
    assert [x["listing_id"] for x in page3["results"]] == newest_first[4:]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"state": "edit"}, "Invalid value (edit) for enum("),
        ({"limit": "101"}, "There was a problem with /limit : must be <= 100"),
        ({"limit": "0"}, "There was a problem with /limit : must be >= 1"),
        ({"offset": "-1"}, "There was a problem with /offset : must be >= 0"),
        ({"offset": "12001"}, "There was a problem with /offset : must be <= 12000"),
        ({"includes": "Everything"}, "Invalid value (Everything) for enum("),
    ],
)
def test_listings_by_shop_bad_params(api, params, message):
    response = api.get(LISTINGS, params=params)
    assert response.status_code == 400
    assert error(response).startswith(message)


def test_listings_by_shop_includes_inventory_and_images(api, sandbox):
    sandbox.create_listing_direct(images=2)
    body = api.get(LISTINGS, params={"state": "draft", "includes": "Images,Inventory"}).json()
    item = body["results"][0]
    assert len(item["images"]) == 2
    assert set(item["inventory"]) == fields("ListingInventory")


def test_listings_by_listing_ids(api, sandbox):
    a = sandbox.create_listing_direct(state="active", images=1)
    b = sandbox.create_listing_direct()
    response = api.get(
        "/listings/batch", params={"listing_ids": f"{a['listing_id']},{b['listing_id']},7"}
    )
    assert response.status_code == 200
    assert [x["listing_id"] for x in response.json()["results"]] == [
        a["listing_id"],
        b["listing_id"],
    ]
    too_many = ",".join(str(i) for i in range(1, 102))
    assert api.get("/listings/batch", params={"listing_ids": too_many}).status_code == 400
    assert error(api.get("/listings/batch")) == "Missing Input Parameter: [listing_ids]"


def test_inventories_by_listing_ids(api, sandbox):
    a = sandbox.create_listing_direct()
    response = api.get("/listings/batch/inventory", params={"listing_ids": str(a["listing_id"])})
    assert response.status_code == 200
    assert set(response.json()["results"][0]["inventory"]) == fields("ListingInventory")
    missing = api.get("/listings/batch/inventory", params={"listing_ids": f"{a['listing_id']},7"})
    assert missing.status_code == 404


# --- update -------------------------------------------------------------------------------------


def test_update_changes_fields_and_returns_the_listing(api):
    listing = create(api).json()
    response = api.patch(
        f"{LISTINGS}/{listing['listing_id']}",
        data={
            "title": "New title",
            "tags": "new,tags",
            "materials": "",
            "should_auto_renew": "true",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == fields("ShopListing")
    assert body["title"] == "New title"
    assert body["tags"] == ["new", "tags"]
    assert body["materials"] == []
    assert body["should_auto_renew"] is True
    assert body["price"] == listing["price"]


def test_update_accepts_json(api):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", json={"description": "Better"})
    assert response.json()["description"] == "Better"


def test_update_sets_the_processing_profile(api):
    """etsy-api.md §10.7 (ELA): updateListing with readiness_state_id is accepted (200); the
    offerings take the listing's processing profile."""
    listing = create(api, readiness_state_id=None).json()
    path = f"{LISTINGS}/{listing['listing_id']}"
    response = api.patch(path, data={"readiness_state_id": str(READINESS_STATE_ID)})
    assert response.status_code == 200
    assert response.json()["readiness_state_id"] == READINESS_STATE_ID
    inventory = api.get(f"/listings/{listing['listing_id']}/inventory").json()
    assert inventory["products"][0]["offerings"][0]["readiness_state_id"] == READINESS_STATE_ID
    unknown = api.patch(path, data={"readiness_state_id": "999"})
    assert unknown.status_code == 400
    assert "readiness_state_id" in error(unknown)


@pytest.mark.parametrize("field", ["price", "quantity", "sku"])
def test_update_refuses_inventory_fields(api, field):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={field: "3"})
    assert response.status_code == 400
    assert error(response).startswith(f"'{field}' cannot be changed with updateListing")
    assert api.get(f"/listings/{listing['listing_id']}").json()["quantity"] == 5


def test_update_who_made_alone_is_refused(api):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"when_made": "1990s"})
    assert error(response) == (
        "Cannot update 'when_made' without 'who_made' and without 'is_supply' and vice versa"
    )
    ok = api.patch(
        f"{LISTINGS}/{listing['listing_id']}",
        data={"when_made": "1990s", "who_made": "someone_else", "is_supply": "false"},
    )
    assert ok.json()["when_made"] == "1990s"


def test_a_rejected_update_changes_nothing(api):
    listing = create(api).json()
    response = api.patch(
        f"{LISTINGS}/{listing['listing_id']}", data={"title": "Changed", "tags": "bad!tag"}
    )
    assert response.status_code == 400
    assert api.get(f"/listings/{listing['listing_id']}").json()["title"] == listing["title"]


@pytest.mark.parametrize("value", ["draft", "sold_out", "expired", "removed"])
def test_update_state_only_active_or_inactive(api, value):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": value})
    assert response.status_code == 400
    assert error(response) == f"Invalid value ({value}) for enum(active, inactive)"


def test_activation_needs_an_image(api, sandbox):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"})
    assert response.status_code == 400
    assert error(response) == "A listing must have at least one image to be activated."
    add_image(api, listing["listing_id"])
    active = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"}).json()
    assert active["state"] == "active"
    assert active["readiness_state_id"] == READINESS_STATE_ID
    assert sandbox.state.stats["listings_published"] == 1
    assert sandbox.state.stats["publish_fees"] == 20


def test_activation_needs_a_return_policy_for_physical(api):
    listing = create(api, return_policy_id=None).json()
    add_image(api, listing["listing_id"])
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"})
    assert error(response) == "There was a problem with /return/policy : cannot be null"


def test_activation_needs_a_processing_profile_for_physical(api):
    listing = create(api, readiness_state_id=None).json()
    add_image(api, listing["listing_id"])
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"})
    assert response.status_code == 400
    assert "readiness_state_id" in error(response)


def test_digital_listing_not_made_to_order_needs_a_file(api):
    listing = create(api, type="download", when_made="2010_2019").json()
    add_image(api, listing["listing_id"])
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"})
    assert response.status_code == 400
    made_to_order = create(api, type="download").json()
    add_image(api, made_to_order["listing_id"])
    ok = api.patch(f"{LISTINGS}/{made_to_order['listing_id']}", data={"state": "active"})
    assert ok.status_code == 200


def test_deactivate_and_reactivate_without_a_new_fee(api, sandbox):
    listing = sandbox.create_listing_direct(images=1)
    path = f"{LISTINGS}/{listing['listing_id']}"
    assert api.patch(path, data={"state": "active"}).json()["state"] == "active"
    assert api.patch(path, data={"state": "inactive"}).json()["state"] == "inactive"
    assert api.patch(path, data={"state": "active"}).json()["state"] == "active"
    assert sandbox.state.stats["publish_fees"] == 20


def test_draft_cannot_be_deactivated(api, sandbox):
    listing = sandbox.create_listing_direct()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "inactive"})
    assert response.status_code == 400


def test_sold_out_listing_set_active_gets_quantity_one(api, sandbox):
    listing = sandbox.create_listing_direct(state="sold_out", images=1)
    sandbox.state.listings[listing["listing_id"]].inventory.products[0].offerings[0].quantity = 0
    body = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"state": "active"}).json()
    assert body["state"] == "active"
    assert body["quantity"] == 1


def test_image_ids_reorder_the_images(api):
    listing = create(api).json()
    first = add_image(api, listing["listing_id"], (1, 1, 1))
    second = add_image(api, listing["listing_id"], (2, 2, 2))
    path = f"{LISTINGS}/{listing['listing_id']}"
    ids = f"{second['listing_image_id']},{first['listing_image_id']}"
    assert api.patch(path, data={"image_ids": ids}).status_code == 200
    images = api.get(f"/listings/{listing['listing_id']}/images").json()["results"]
    assert [(i["listing_image_id"], i["rank"]) for i in images] == [
        (second["listing_image_id"], 1),
        (first["listing_image_id"], 2),
    ]
    unknown = api.patch(path, data={"image_ids": "12345"})
    assert unknown.status_code == 400


def test_update_in_another_shop_path_is_404_or_403(api, sandbox):
    listing = create(api).json()
    assert (
        api.patch(f"/shops/{OTHER_SHOP_ID}/listings/{listing['listing_id']}", data={}).status_code
        == 403
    )
    other = sandbox.create_listing_direct(shop_id=OTHER_SHOP_ID, type="download")
    response = api.patch(f"{LISTINGS}/{other['listing_id']}", data={"title": "Mine now"})
    assert response.status_code == 404


def test_physical_listing_cannot_lose_its_shipping_profile(api):
    listing = create(api).json()
    response = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"shipping_profile_id": ""})
    assert error(response) == "A shipping_profile_id is required for physical listings."


def test_units_can_be_cleared_on_update(api):
    listing = create(api, item_weight="2", item_weight_unit="lb").json()
    body = api.patch(f"{LISTINGS}/{listing['listing_id']}", data={"item_weight_unit": ""}).json()
    assert body["item_weight_unit"] is None


# --- delete -------------------------------------------------------------------------------------


def test_delete_listing(api, sandbox):
    listing = sandbox.create_listing_direct(state="active", images=2)
    response = api.delete(f"/listings/{listing['listing_id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/listings/{listing['listing_id']}").status_code == 404
    assert api.delete(f"/listings/{listing['listing_id']}").status_code == 404
    assert sandbox.state.images == {}


def test_the_escaping_can_be_turned_off(api, sandbox, monkeypatch):
    monkeypatch.setattr(sandbox.state.config, "escape_text", False)
    assert create(api, title="Father's Day Mug").json()["title"] == "Father's Day Mug"


def test_text_is_read_back_html_escaped_as_etsy_sends_it(api):
    """etsy-api.md §10.1: title, description and tags come back HTML-escaped
    (`Father&#39;s Day`, `&quot;`, `&amp;`), on every read."""
    body = create(
        api,
        title='Father\'s Day Mug & "Tea" Set',
        description="Holds <350 ml> & more",
        tags="dad's mug,tea cake",
    )
    assert body.status_code == 201, body.text
    body = body.json()
    assert body["title"] == "Father&#39;s Day Mug &amp; &quot;Tea&quot; Set"
    assert body["description"] == "Holds &lt;350 ml&gt; &amp; more"
    assert body["tags"] == ["dad&#39;s mug", "tea cake"]
    again = api.get(f"/listings/{body['listing_id']}").json()
    assert again["title"] == body["title"]


def test_etsys_clock_can_run_apart_from_this_machines(api, sandbox, monkeypatch):
    """SandboxConfig.clock_offset: the Date header and every timestamp follow Etsy's clock,
    for trying a client on a machine whose clock is off."""
    import time
    from email.utils import parsedate_to_datetime

    monkeypatch.setattr(sandbox.state.config, "clock_offset", -120)
    response = create(api)
    etsy_now = time.time() - 120
    assert abs(response.json()["created_timestamp"] - etsy_now) < 5
    assert abs(parsedate_to_datetime(response.headers["date"]).timestamp() - etsy_now) < 5
