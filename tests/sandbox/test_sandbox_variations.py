"""Three variations, Etsy's filler offerings and the all-zero inventory, as etsy-api.md §10
records them (not as our client writes them)."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import error

from etsysync_cli.sandbox import READINESS_STATE_ID

T_SHIRTS = 482  # sandbox taxonomy: Size (100, scale 301) and the colours (200, 52047899002)


def offering(price: float = 20, quantity: int = 2, enabled: bool = True) -> dict[str, Any]:
    return {
        "price": price,
        "quantity": quantity,
        "is_enabled": enabled,
        "readiness_state_id": READINESS_STATE_ID,
    }


def custom(pid: int, name: str, value: str) -> dict[str, Any]:
    return {"property_id": pid, "property_name": name, "value_ids": [], "values": [value]}


def size(value: str, value_id: int | None = None) -> dict[str, Any]:
    ids = [value_id] if value_id is not None else []
    return {"property_id": 100, "scale_id": 301, "value_ids": ids, "values": [value]}


def two_variations() -> dict[str, Any]:
    return {
        "products": [
            {
                "sku": f"TEE-{dye}-{look}".upper(),
                "property_values": [custom(513, "Dye", dye), custom(514, "Look", look)],
                "offerings": [offering()],
            }
            for dye in ("Rust", "Indigo")
            for look in ("Plain", "Striped")
        ],
        "sku_on_property": [513, 514],
    }


def three_variations(sizes: tuple[str, ...] = ("S", "M")) -> dict[str, Any]:
    body = two_variations()
    products = []
    for product in body["products"]:
        for name in sizes:
            products.append(
                {**product, "property_values": [*product["property_values"], size(name)]}
            )
    body["products"] = products
    body["sku_on_property"] = []
    for product in products:
        product["sku"] = ""
    return body


@pytest.fixture
def tee(sandbox: Any) -> dict[str, Any]:
    return sandbox.create_listing_direct(taxonomy_id=T_SHIRTS)


def put(api: Any, listing: dict[str, Any], body: dict[str, Any], **params: str) -> Any:
    return api.put(f"/listings/{listing['listing_id']}/inventory", json=body, params=params)


def held(api: Any, listing: dict[str, Any]) -> list[dict[str, Any]]:
    return api.get(f"/listings/{listing['listing_id']}/inventory").json()["products"]


def test_three_variations_are_accepted_and_kept_with_the_parameter(api, tee) -> None:
    """Third-variation tutorial: with max_variations_supported=3 a third variation is written;
    reads then carry three property values per product (etsy-api.md §10.14, §8 gotcha 11)."""
    body = three_variations()
    refused = put(api, tee, body)
    assert refused.status_code == 400
    assert "max_variations_supported=3" in error(refused)
    response = put(api, tee, body, max_variations_supported="3")
    assert response.status_code == 200, response.text
    products = held(api, tee)
    assert len(products) == 8
    third = [p["property_values"][2] for p in products]
    assert {v["property_id"] for v in third} == {100}
    assert {v["values"][0] for v in third} == {"S", "M"}
    assert {v["value_ids"][0] for v in third} == {1797, 1798}  # the predefined value ids
    assert all(v["scale_name"] == "Letter" for v in third)


def test_a_listing_with_three_variations_refuses_writes_without_the_parameter(
    api, sandbox, tee
) -> None:
    """etsy-api.md §10.14 (third-variation tutorial, "Parameter Conditionals"): a listing that
    HAS three variations cannot be written without max_variations_supported=3, whatever the
    payload — even one with fewer variations."""
    assert put(api, tee, two_variations()).status_code == 200
    sandbox.add_variation(tee["listing_id"], 100, ["S", "M", "L"])  # the seller, on etsy.com
    assert len(held(api, tee)) == 12
    for body in (two_variations(), three_variations()):
        response = put(api, tee, body)
        assert response.status_code == 400
        assert "listing has original variations" in error(response).lower()
        assert "max_variations_supported=3" in error(response)
    assert len(held(api, tee)) == 12  # nothing changed
    assert put(api, tee, two_variations(), max_variations_supported="3").status_code == 200
    assert len(held(api, tee)) == 4  # a full replacement: the seller's third is gone
    assert put(api, tee, two_variations()).status_code == 200  # two again: no parameter needed


def test_the_third_variation_takes_predefined_values_only(api, tee) -> None:
    """Third-variation tutorial: the third variation "can only use the property's predefined
    values" and "cannot be a custom variation or have custom values" (etsy-api.md §10.14)."""
    body = three_variations()
    body["products"][0]["property_values"][2] = size("Huge")
    response = put(api, tee, body, max_variations_supported="3")
    assert response.status_code == 400
    assert "'Huge' is not a valid value for Size" in error(response)
    by_id = three_variations()
    for product in by_id["products"]:
        value = product["property_values"][2]
        value["value_ids"] = [{"S": 1797, "M": 1798}[value["values"][0]]]
    assert put(api, tee, by_id, max_variations_supported="3").status_code == 200
    as_custom = three_variations()
    for product in as_custom["products"]:
        dye, look, third = product["property_values"]
        product["property_values"] = [third, look, dye]  # 513 in third place
    response = put(api, tee, as_custom, max_variations_supported="3")
    assert response.status_code == 400
    assert "not 513 or 514" in error(response)


@pytest.mark.parametrize(
    ("on_property", "ok"),
    [([], True), ([100], True), ([513], True), ([513, 514, 100], True), ([513, 514], False)],
)
def test_on_property_holds_zero_one_or_all_of_three(api, tee, on_property, ok) -> None:
    """Third-variation tutorial: "The *_on_property fields can have zero, one, or all the
    variation properties" (etsy-api.md §10.14)."""
    body = three_variations()
    body["quantity_on_property"] = on_property
    response = put(api, tee, body, max_variations_supported="3")
    assert (response.status_code == 200) is ok, response.text
    if not ok:
        assert "zero, one or all" in error(response)


def test_a_seller_cannot_add_a_custom_or_made_up_third_variation(sandbox, tee, api) -> None:
    """The editor follows the same rule as the API (third-variation tutorial)."""
    assert put(api, tee, two_variations()).status_code == 200
    with pytest.raises(ValueError, match="custom"):
        sandbox.add_variation(tee["listing_id"], 513, ["x"])
    with pytest.raises(ValueError, match="predefined"):
        sandbox.add_variation(tee["listing_id"], 100, ["Huge"])
    with pytest.raises(ValueError, match="not a variation property"):
        sandbox.add_variation(tee["listing_id"], 507, ["Cotton"])  # Material: not a tee's


def test_etsy_fills_the_grid_with_disabled_zero_priced_offerings(api, sandbox, tee) -> None:
    """etsy-api.md §10.3 (ELA, a print-on-demand listing): Etsy may fill a variation grid with
    disabled, 0-priced offerings that nobody wrote."""
    body = two_variations()
    body["products"] = body["products"][:3]  # Indigo/Striped is not made
    sandbox.fill_variation_grids()
    assert put(api, tee, body).status_code == 200
    products = held(api, tee)
    assert len(products) == 4
    (filler,) = [p for p in products if not p["offerings"][0]["is_enabled"]]
    assert [v["values"][0] for v in filler["property_values"]] == ["Indigo", "Striped"]
    assert filler["offerings"][0]["price"]["amount"] == 0
    assert filler["offerings"][0]["quantity"] == 0
    listing = api.get(f"/listings/{tee['listing_id']}").json()
    assert listing["price"]["amount"] == 2000  # the lowest *enabled* price, not the filler
    assert listing["quantity"] == 6
    sandbox.fill_variation_grids(False)
    assert put(api, tee, body).status_code == 200
    assert len(held(api, tee)) == 3


def test_filling_one_listing_now(api, sandbox, tee) -> None:
    """etsy-api.md §10.3: the knob can also fill an existing listing's grid at once."""
    body = two_variations()
    body["products"] = body["products"][1:]
    assert put(api, tee, body).status_code == 200
    assert sandbox.fill_variation_grids(False, listing_id=tee["listing_id"]) == 1
    assert len(held(api, tee)) == 4


def test_an_all_zero_inventory_has_etsys_wording(api, tee) -> None:
    """etsy-api.md §10.15: "One offering must have quantity greater than 0" (open-api#395)."""
    body = two_variations()
    for product in body["products"]:
        product["offerings"][0]["quantity"] = 0
    response = put(api, tee, body)
    assert response.status_code == 400
    assert error(response) == "One offering must have quantity greater than 0"


def test_a_disabled_offering_with_quantity_satisfies_the_rule(api, tee) -> None:
    """open-api#395 (the workaround Etsy staff confirmed, cited in #473): a disabled offering
    with quantity 1 is how an out-of-stock listing is written; the rule is about quantity."""
    body = two_variations()
    for product in body["products"]:
        product["offerings"][0].update(quantity=0, is_enabled=False)
    body["products"][0]["offerings"][0]["quantity"] = 1
    body["quantity_on_property"] = [513, 514]
    assert put(api, tee, body).status_code == 200
    assert api.get(f"/listings/{tee['listing_id']}").json()["quantity"] == 0
