"""Listing inventory: GET shape, PUT as a full replacement, and Etsy's consistency rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sandbox_helpers import error, fields

from etsysync_cli.sandbox import READINESS_STATE_ID


@pytest.fixture
def listing(sandbox):
    return sandbox.create_listing_direct(quantity=4, price="10.00")


def offering(price: float = 12.5, quantity: int = 3, **extra: Any) -> dict[str, Any]:
    data = {"price": price, "quantity": quantity, "is_enabled": True}
    data["readiness_state_id"] = READINESS_STATE_ID
    data.update(extra)
    return data


def variant(colour: str, size: str | None = None, price=12.5, quantity=3, sku=None):
    values = [{"property_id": 513, "property_name": "Colour", "value_ids": [], "values": [colour]}]
    if size:
        values.append(
            {"property_id": 514, "property_name": "Size", "value_ids": [], "values": [size]}
        )
    return {
        "sku": sku if sku is not None else f"MUG-{colour}-{size or ''}".upper(),
        "property_values": values,
        "offerings": [offering(price, quantity)],
    }


def two_colours(**top: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "products": [variant("Red", price=12.5, quantity=3), variant("Blue", price=14, quantity=2)],
        "price_on_property": [513],
        "quantity_on_property": [513],
        "sku_on_property": [513],
    }
    body.update(top)
    return body


def put(api, listing, body, **params):
    return api.put(f"/listings/{listing['listing_id']}/inventory", json=body, params=params)


def test_get_inventory_shape(api, listing):
    response = api.get(f"/listings/{listing['listing_id']}/inventory")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == fields("ListingInventoryWithAssociations")
    assert body["listing"] is None  # the key is there, null unless asked for
    product = body["products"][0]
    assert set(product) == fields("ListingInventoryProduct")
    assert set(product["offerings"][0]) == fields("ListingInventoryProductOffering")
    assert product["offerings"][0]["price"] == {
        "amount": 1000,
        "divisor": 100,
        "currency_code": "USD",
    }
    assert product["property_values"] == []


def test_get_inventory_with_listing(api, listing):
    body = api.get(
        f"/listings/{listing['listing_id']}/inventory", params={"includes": "Listing"}
    ).json()
    assert set(body["listing"]) == fields("ShopListing")
    bad = api.get(f"/listings/{listing['listing_id']}/inventory", params={"includes": "Images"})
    assert bad.status_code == 400


def test_put_single_product(api, listing):
    body = {"products": [{"sku": "MUG-1", "property_values": [], "offerings": [offering(9.99, 7)]}]}
    response = put(api, listing, body)
    assert response.status_code == 200
    result = response.json()
    assert set(result) == fields("ListingInventory")
    assert result["products"][0]["sku"] == "MUG-1"
    again = api.get(f"/listings/{listing['listing_id']}").json()
    assert again["quantity"] == 7
    assert again["price"]["amount"] == 999


def test_put_variations_updates_the_listing(api, listing):
    response = put(api, listing, two_colours())
    assert response.status_code == 200, response.text
    products = response.json()["products"]
    assert [p["sku"] for p in products] == ["MUG-RED-", "MUG-BLUE-"]
    value = products[0]["property_values"][0]
    assert set(value) == fields("ListingPropertyValue")
    assert value["property_name"] == "Colour"
    assert value["values"] == ["Red"]
    assert len(value["value_ids"]) == 1  # Etsy assigns ids to new custom values
    body = api.get(f"/listings/{listing['listing_id']}").json()
    assert body["has_variations"] is True
    assert body["quantity"] == 5  # sum of offerings
    assert body["price"]["amount"] == 1250  # lowest offering


def test_put_is_a_full_replacement(api, listing):
    put(api, listing, two_colours())
    only_red = two_colours(products=[variant("Red")])
    response = put(api, listing, only_red)
    assert response.status_code == 200
    assert len(response.json()["products"]) == 1
    shown = api.get(
        f"/listings/{listing['listing_id']}/inventory", params={"show_deleted": "true"}
    ).json()
    deleted = [p for p in shown["products"] if p["is_deleted"]]
    assert [p["property_values"][0]["values"] for p in deleted] == [["Red"], ["Blue"]]


def test_get_then_put_round_trip_after_dropping_read_fields(api, listing):
    put(api, listing, two_colours())
    got = api.get(f"/listings/{listing['listing_id']}/inventory").json()
    body = copy.deepcopy(got)
    del body["listing"]
    for product in body["products"]:
        del product["product_id"], product["is_deleted"]
        for o in product["offerings"]:
            del o["offering_id"], o["is_deleted"]
            o["price"] = o["price"]["amount"] / o["price"]["divisor"]
        for v in product["property_values"]:
            del v["scale_name"]
    assert put(api, listing, body).status_code == 200


def test_two_custom_variations(api, listing):
    body = {
        "products": [
            variant(c, s, price=p, quantity=1)
            for c in ("Red", "Blue")
            for s, p in (("Small", 10), ("Large", 12))
        ],
        "price_on_property": [514],
        "quantity_on_property": [],
        "sku_on_property": [513, 514],
    }
    assert put(api, listing, body).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.pop("products"), "Missing Input Parameter: [products]"),
        (lambda b: b.update(products=[]), "There was a problem with /products : cannot be less"),
        (lambda b: b["products"][0].pop("property_values"), "Property values can't be empty"),
        (
            lambda b: b["products"][0]["offerings"][0].pop("price"),
            "Expected float value for 'price' (got NULL).",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].pop("quantity"),
            "Expected int value for 'quantity' (got NULL).",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].pop("is_enabled"),
            "Expected boolean value for 'is_enabled' (got NULL).",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].pop("readiness_state_id"),
            "There was a problem with /products/0/offerings/0/readiness_state_id : is required",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].update(readiness_state_id=5),
            "There was a problem with /products/0/offerings/0/readiness_state_id : processing",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].update(price=0.1),
            "There was a problem with /products/0/offerings/0/price : must be above min price",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].update(price=50001),
            "There was a problem with /products/0/offerings/0/price : must be below max price",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].update(quantity=1000),
            "There was a problem with /products/0/offerings/0/quantity : cannot be greater than",
        ),
        (
            lambda b: b["products"][0]["offerings"][0].update(quantity=-1),
            "There was a problem with /products/0/offerings/0/quantity : must be greater than",
        ),
        (
            lambda b: b["products"][0].update(offerings=[]),
            "There was a problem with /products/0/offerings",
        ),
        (
            lambda b: b["products"][0]["property_values"][0].pop("value_ids"),
            "There was a problem with /products/0/property_values/0/value_ids : is required",
        ),
        (
            lambda b: b["products"][0]["property_values"][0].update(values=["Red (dark)"]),
            "There was a problem with /products/0/property_values/0/values : parenthesis",
        ),
        (
            lambda b: b["products"][0].update(sku="X" * 33),
            "There was a problem with /products/0/sku",
        ),
        (lambda b: b["products"][1].update(property_values=[]), "Property values can't be empty"),
        (
            lambda b: b["products"][1]["property_values"][0].update(values=["Red"]),
            "Products must have unique property values",
        ),
        (
            lambda b: b.update(price_on_property=[]),
            "Products have different prices, but price_on_property",
        ),
        (
            lambda b: b.update(quantity_on_property=[]),
            "Products have different quantitys, but quantity_on_property",
        ),
        (
            lambda b: b.update(sku_on_property=[]),
            "Products have different skus, but sku_on_property",
        ),
        (
            lambda b: b.update(price_on_property=[200]),
            "price_on_property: property 200 is not a property of the products",
        ),
    ],
)
def test_put_rules(api, listing, mutate, message):
    body = two_colours()
    mutate(body)
    response = put(api, listing, body)
    assert response.status_code == 400
    assert error(response).startswith(message), error(response)
    # Nothing changed.
    assert api.get(f"/listings/{listing['listing_id']}").json()["quantity"] == 4


def test_on_property_order_must_match_the_products(api, listing):
    body = {
        "products": [variant("Red", "Small"), variant("Blue", "Small")],
        "price_on_property": [514, 513],
        "sku_on_property": [513, 514],
    }
    response = put(api, listing, body)
    assert (
        error(response)
        == "price_on_property: property IDs must be in the same order as in products"
    )


def test_nothing_to_sell_is_refused(api, listing):
    body = two_colours(quantity_on_property=[513])
    for product in body["products"]:
        product["offerings"][0]["quantity"] = 0
    response = put(api, listing, body)
    assert response.status_code == 400
    assert error(response) == "One offering must have quantity greater than 0"


def test_a_disabled_variant_does_not_count(api, listing):
    body = two_colours()
    body["products"][1]["offerings"][0]["is_enabled"] = False
    assert put(api, listing, body).status_code == 200
    assert api.get(f"/listings/{listing['listing_id']}").json()["quantity"] == 3


def test_third_variation_needs_max_variations_3_and_a_taxonomy_property(api, sandbox):
    listing = sandbox.create_listing_direct(taxonomy_id=482)  # T-shirts: Size, colours
    products = []
    for colour in ("Red", "Blue"):
        for pattern in ("Plain", "Striped"):
            values = [
                {"property_id": 513, "value_ids": [], "values": [colour], "property_name": "Dye"},
                {"property_id": 514, "value_ids": [], "values": [pattern], "property_name": "Look"},
                {"property_id": 100, "value_ids": [], "values": ["M"], "scale_id": 301},
            ]
            products.append({"sku": "", "property_values": values, "offerings": [offering()]})
    body = {"products": products}
    response = put(api, listing, body)
    assert response.status_code == 400
    assert "max_variations_supported=3" in error(response)
    assert put(api, listing, body, max_variations_supported="3").status_code == 200
    custom_third = copy.deepcopy(body)
    for product in custom_third["products"]:
        extra = {"property_id": 513, "value_ids": [], "values": ["x"], "property_name": "X"}
        product["property_values"] = [*product["property_values"][1:], extra]
        product["property_values"][0], product["property_values"][1] = (
            product["property_values"][1],
            product["property_values"][0],
        )
    bad = put(api, listing, custom_third, max_variations_supported="3")
    assert bad.status_code == 400


def test_taxonomy_property_values(api, sandbox):
    listing = sandbox.create_listing_direct(taxonomy_id=482)
    sizes = [("S", 1797), ("M", 1798)]
    body = {
        "products": [
            {
                "sku": "",
                "property_values": [
                    {"property_id": 100, "value_ids": [vid], "values": [name], "scale_id": 301}
                ],
                "offerings": [offering()],
            }
            for name, vid in sizes
        ]
    }
    response = put(api, listing, body)
    assert response.status_code == 200, response.text
    value = response.json()["products"][0]["property_values"][0]
    assert value["property_name"] == "Size"
    assert value["scale_name"] == "Letter"
    assert value["value_ids"] == [1797]
    body["products"][0]["property_values"][0].update(value_ids=[], values=["Gigantic"])
    assert error(put(api, listing, body)) == (
        "There was a problem with /products/0/property_values/0/values : "
        "'Gigantic' is not a valid value for Size"
    )


def test_property_not_in_the_listings_taxonomy(api, listing):
    body = {
        "products": [
            {
                "sku": "",
                "property_values": [{"property_id": 100, "value_ids": [], "values": ["M"]}],
                "offerings": [offering()],
            }
        ]
    }
    response = put(api, listing, body)  # Size is a clothing property; the listing is a mug
    assert response.status_code == 400
    assert "is not a variation property of taxonomy 1073" in error(response)


def test_at_most_70_values_per_property(api, listing):
    body = {
        "products": [variant(f"Colour {i}", quantity=1) for i in range(71)],
        "sku_on_property": [513],
    }
    response = put(api, listing, body)
    assert response.status_code == 400
    assert "at most 70" in error(response)
    body["products"] = body["products"][:70]
    assert put(api, listing, body).status_code == 200


def test_inventory_put_must_be_json(api, listing):
    response = api.put(f"/listings/{listing['listing_id']}/inventory", data={"products": "[]"})
    assert response.status_code == 400
    assert error(response) == "updateListingInventory expects an application/json body."


def test_inventory_of_unknown_listing_is_404(api):
    assert api.get("/listings/4242/inventory").status_code == 404
    assert put(api, {"listing_id": 4242}, two_colours()).status_code == 404


def test_digital_conversion_with_several_products_is_409(api, listing):
    put(api, listing, two_colours())
    response = api.patch(
        f"/shops/{listing['shop_id']}/listings/{listing['listing_id']}", data={"type": "download"}
    )
    assert response.status_code == 409


def test_listing_total_is_at_most_999(api, listing):
    body = two_colours()
    body["products"][0]["offerings"][0]["quantity"] = 600
    body["products"][1]["offerings"][0]["quantity"] = 400
    response = put(api, listing, body)
    assert response.status_code == 400
    assert error(response) == "There was a problem with /quantity : cannot be greater than 999"
    body["products"][1]["offerings"][0]["quantity"] = 399
    assert put(api, listing, body).status_code == 200
