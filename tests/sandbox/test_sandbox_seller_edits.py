"""`SandboxServer.seller_edit`: a seller changing a listing on etsy.com behind etsysync's back
(issue 14), validated like the seller's own updateListing / updateListingInventory /
deleteListing."""

from __future__ import annotations

from typing import Any

import pytest

from etsysync_cli.sandbox import READINESS_STATE_ID
from etsysync_cli.sandbox.seller_edits import SellerEditRefused


@pytest.fixture
def listing(sandbox) -> dict[str, Any]:
    return sandbox.create_listing_direct(
        state="active", images=1, quantity=5, price="12.50", tags=["mug"]
    )


def two_sizes(api, listing_id: int) -> None:
    def product(size: str, quantity: int) -> dict[str, Any]:
        value = {"property_id": 514, "property_name": "Size", "value_ids": [], "values": [size]}
        offering = {"price": 12.5, "quantity": quantity, "is_enabled": True}
        offering["readiness_state_id"] = READINESS_STATE_ID
        return {"sku": f"TEE-{size}", "property_values": [value], "offerings": [offering]}

    body = {
        "products": [product("S", 2), product("M", 4)],
        "quantity_on_property": [514],
        "sku_on_property": [514],
    }
    assert api.put(f"/listings/{listing_id}/inventory", json=body).status_code == 200


def test_a_title_edited_on_etsy_is_what_the_api_reads(api, sandbox, listing) -> None:
    sandbox.config.clock_offset = 30
    edited = sandbox.seller_edit(listing["listing_id"], title="Mug, now with a better title")
    assert edited is not None and edited["title"] == "Mug, now with a better title"
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert read["title"] == "Mug, now with a better title"
    assert read["updated_timestamp"] >= listing["updated_timestamp"] + 30


def test_description_and_tags(api, sandbox, listing) -> None:
    sandbox.seller_edit(listing["listing_id"], description="New words.", tags=["cup", "gift"])
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert (read["description"], read["tags"]) == ("New words.", ["cup", "gift"])


def test_price_and_quantity_of_a_listing_without_variations(api, sandbox, listing) -> None:
    sandbox.seller_edit(listing["listing_id"], price="15.00", quantity=2)
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert read["price"]["amount"] == 1500
    assert read["quantity"] == 2


def test_quantity_of_one_sku(api, sandbox, listing) -> None:
    two_sizes(api, listing["listing_id"])
    sandbox.seller_edit(listing["listing_id"], sku="TEE-M", quantity=1)
    inventory = api.get(f"/listings/{listing['listing_id']}/inventory").json()
    quantities = {p["sku"]: p["offerings"][0]["quantity"] for p in inventory["products"]}
    assert quantities == {"TEE-S": 2, "TEE-M": 1}
    with pytest.raises(TypeError, match="give the sku"):
        sandbox.seller_edit(listing["listing_id"], quantity=3)
    with pytest.raises(KeyError):
        sandbox.seller_edit(listing["listing_id"], sku="TEE-XL", quantity=3)


def test_deactivate_and_reactivate(api, sandbox, listing) -> None:
    sandbox.seller_edit(listing["listing_id"], state="inactive")
    assert api.get(f"/listings/{listing['listing_id']}").json()["state"] == "inactive"
    sandbox.seller_edit(listing["listing_id"], state="active")
    assert api.get(f"/listings/{listing['listing_id']}").json()["state"] == "active"


def test_delete(api, sandbox, listing) -> None:
    assert sandbox.seller_edit(listing["listing_id"], delete=True) is None
    assert api.get(f"/listings/{listing['listing_id']}").status_code == 404


def test_a_refused_edit_changes_nothing(api, sandbox, listing) -> None:
    """Same rules as the API: a `$` in a title is refused (etsy-api.md §6), and a refused
    edit leaves the listing as it was, the fields that were valid included."""
    with pytest.raises(SellerEditRefused) as refused:
        sandbox.seller_edit(listing["listing_id"], title="Only $5", quantity=2)
    assert refused.value.status == 400
    with pytest.raises(SellerEditRefused, match="cannot be greater than 999"):
        sandbox.seller_edit(listing["listing_id"], title="A fine new title", quantity=1000)
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert (read["title"], read["quantity"]) == (listing["title"], 5)


def test_an_unknown_field_is_a_type_error(sandbox, listing) -> None:
    with pytest.raises(TypeError, match="colour"):
        sandbox.seller_edit(listing["listing_id"], colour="red")
