"""Etsy's payloads as models: money exactly, inventory GET → PUT, tokens that never show."""

from __future__ import annotations

import json
import pickle
import traceback
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from etsy_fakes import image_json, inventory_json, listing_json, money
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from etsysync_cli.domain.listing import (
    InventoryProduct,
    ListingInventory,
    Offering,
    PropertyValue,
)
from etsysync_cli.etsy.inventory import EtsyInventory, decimal_text, dumps_exact, inventory_body
from etsysync_cli.etsy.models import (
    Listing,
    Money,
    Page,
    TaxonomyNode,
    TokenSet,
)

# --- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "divisor", "expected"),
    [
        (1250, 100, "12.50"),
        (1999, 100, "19.99"),
        (5, 1, "5"),
        (1, 1000, "0.001"),
        (120000, 100, "1200.00"),
        (-250, 100, "-2.50"),
        (0, 100, "0.00"),
    ],
)
def test_money_value_is_an_exact_decimal(amount: int, divisor: int, expected: str) -> None:
    value = Money(amount=amount, divisor=divisor, currency_code="USD").value
    assert isinstance(value, Decimal)
    assert str(value) == expected
    assert value == Decimal(expected)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=0, max_value=6))
def test_money_value_round_trips_to_minor_units(amount: int, exponent: int) -> None:
    value = Money(amount=amount, divisor=10**exponent, currency_code="EUR").value
    assert value * (10**exponent) == amount
    assert Decimal(decimal_text(value)) == value


def test_money_rejects_a_zero_divisor() -> None:
    with pytest.raises(ValidationError):
        Money(amount=1, divisor=0, currency_code="USD")


# --- listings, pages, taxonomy ----------------------------------------------------------------


def test_listing_parses_etsys_shop_listing() -> None:
    listing = Listing.model_validate(listing_json(images=[image_json(901), image_json(902)]))
    assert listing.listing_id == 111
    assert listing.price is not None and listing.price.value == Decimal("12.50")
    assert listing.tags == ["mug", "red"]
    assert listing.listing_type == "physical"
    assert listing.item_weight == Decimal("0.5")
    assert listing.images is not None
    assert [image.listing_image_id for image in listing.images] == [901, 902]
    assert listing.images[0].url_570xN.endswith("570xN.jpg")  # type: ignore[union-attr]


def test_listing_tolerates_nulls_unknown_fields_and_new_when_made_values() -> None:
    listing = Listing.model_validate(
        listing_json(tags=None, materials=None, when_made="2020_2027", brand_new_field={"x": 1})
    )
    assert listing.tags == [] and listing.materials == []
    assert listing.when_made == "2020_2027"
    assert listing.images is None


def test_page_of_listings() -> None:
    page = Page[Listing].model_validate({"count": 2, "results": [listing_json(1), listing_json(2)]})
    assert page.count == 2
    assert [listing.listing_id for listing in page.results] == [1, 2]


def test_taxonomy_tree_is_recursive() -> None:
    node = TaxonomyNode.model_validate(
        {
            "id": 1,
            "level": 0,
            "name": "Home",
            "parent_id": None,
            "children": [
                {"id": 2, "level": 1, "name": "Mugs", "parent_id": 1, "children": []},
                {"id": 3, "level": 1, "name": "Cups", "parent_id": 1, "children": None},
            ],
            "full_path_taxonomy_ids": [1],
        }
    )
    assert [n.id for n in node.walk()] == [1, 2, 3]
    assert node.children[0].parent_id == 1


# --- inventory --------------------------------------------------------------------------------


def test_inventory_get_becomes_a_put_body() -> None:
    update = EtsyInventory.model_validate(inventory_json()).to_listing_inventory()
    payload = update.to_payload()
    # The deleted product is gone, and no read-only field is left anywhere.
    assert [p["sku"] for p in payload["products"]] == ["MUG-RED", "MUG-BLUE"]
    text = inventory_body(update)
    for read_only in ("product_id", "offering_id", "is_deleted", "scale_name", "value_pairs"):
        assert read_only not in text
    assert payload["products"][0] == {
        "sku": "MUG-RED",
        "property_values": [
            {"property_id": 513, "property_name": "Colour", "value_ids": [1], "values": ["Red"]}
        ],
        "offerings": [
            {
                "price": Decimal("12.50"),
                "quantity": 3,
                "is_enabled": True,
                "readiness_state_id": 1234,
            }
        ],
    }
    assert payload["price_on_property"] == [513]
    assert payload["readiness_state_on_property"] == []


def test_inventory_json_writes_decimals_exactly() -> None:
    update = ListingInventory(
        products=[
            InventoryProduct(
                sku="MUG-RED",
                property_values=[PropertyValue(property_id=513, values=["Red"])],
                offerings=[Offering(price=Decimal("12.50"), quantity=3, readiness_state_id=1234)],
            ),
            InventoryProduct(
                sku="MUG-BLUE",
                property_values=[PropertyValue(property_id=513, values=["Blau ü"])],
                offerings=[Offering(price=Decimal("0.1"), quantity=0, is_enabled=False)],
            ),
        ],
        price_on_property=[513],
    )
    assert inventory_body(update) == (
        '{"products":['
        '{"sku":"MUG-RED","property_values":[{"property_id":513,"value_ids":[],"values":["Red"]}],'
        '"offerings":[{"price":12.50,"quantity":3,"is_enabled":true,"readiness_state_id":1234}]},'
        '{"sku":"MUG-BLUE",'
        '"property_values":[{"property_id":513,"value_ids":[],"values":["Blau ü"]}],'
        '"offerings":[{"price":0.1,"quantity":0,"is_enabled":false,"readiness_state_id":null}]}],'
        '"price_on_property":[513],"quantity_on_property":[],"sku_on_property":[],'
        '"readiness_state_on_property":[]}'
    )
    parsed = json.loads(inventory_body(update), parse_float=Decimal)
    assert parsed["products"][0]["offerings"][0]["price"] == Decimal("12.50")


def test_a_product_without_variations_still_sends_property_values() -> None:
    update = ListingInventory(
        products=[InventoryProduct(offerings=[Offering(price=Decimal("5"), quantity=1)])]
    )
    assert '"property_values":[]' in inventory_body(update)
    assert '"sku":""' in inventory_body(update)  # no SKU: an empty one, as Etsy returns it


def test_inventory_prices_are_decimals_end_to_end() -> None:
    read = EtsyInventory.model_validate(inventory_json()).to_listing_inventory()
    prices = [o.price for p in read.products for o in p.offerings]
    assert prices == [Decimal("12.50"), Decimal("19.99")]
    assert all(isinstance(price, Decimal) for price in prices)
    with pytest.raises(TypeError):
        dumps_exact({"price": 12.5})


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("12.50"), "12.50"), (Decimal("1E+2"), "100"), (Decimal("-0.05"), "-0.05")],
)
def test_decimal_text(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text


def test_dumps_exact_refuses_floats_and_nan() -> None:
    with pytest.raises(TypeError):
        dumps_exact({"price": 12.5})
    with pytest.raises(ValueError):
        dumps_exact({"price": Decimal("NaN")})
    assert dumps_exact({"a": [True, None, 'x"y']}) == '{"a":[true,null,"x\\"y"]}'


# --- tokens -----------------------------------------------------------------------------------

ACCESS = "12345678.ACCESS-very-secret-value"
REFRESH = "12345678.REFRESH-very-secret-value"


def tokens() -> TokenSet:
    return TokenSet.create(ACCESS, REFRESH, datetime(2026, 1, 1, 12, tzinfo=UTC))


def test_tokens_never_show_in_repr_str_dump_or_pickle_free_views() -> None:
    t = tokens()
    views = [repr(t), str(t), f"{t}", str(t.model_dump()), t.model_dump_json(), repr([t])]
    for view in views:
        assert "very-secret" not in view
    assert "user_id=12345678" in repr(t)
    assert pickle.loads(pickle.dumps(t)) == t  # still a value object


def test_tokens_hidden_from_validation_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        TokenSet.model_validate(
            {"access_token": ACCESS, "refresh_token": REFRESH, "expires_at": "garbage"}
        )
    text = str(caught.value) + "".join(traceback.format_exception(caught.value))
    assert "very-secret" not in text


def test_tokens_from_token_endpoint_reply() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    t = TokenSet.from_token_response(
        {
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_in": 3600,
            "token_type": "Bearer",
        },
        now=now,
    )
    assert t.expires_at == now + timedelta(hours=1)
    assert t.access_value() == ACCESS and t.refresh_value() == REFRESH
    assert t.user_id == 12345678
    assert t.expires_within(60, now=now + timedelta(minutes=59, seconds=1))
    assert not t.expires_within(60, now=now + timedelta(minutes=58))


def test_token_reply_errors_do_not_quote_tokens() -> None:
    with pytest.raises(ValueError) as caught:
        TokenSet.from_token_response(
            {"access_token": ACCESS, "refresh_token": REFRESH}, now=datetime.now(UTC)
        )
    assert "very-secret" not in str(caught.value)


def test_tokens_storage_round_trip() -> None:
    t = tokens()
    stored = t.to_storage()
    assert stored["refresh_token"] == REFRESH
    assert TokenSet.from_storage(stored) == t
    with pytest.raises(ValueError) as caught:
        TokenSet.from_storage({"access_token": ACCESS})
    assert "very-secret" not in str(caught.value)


def test_naive_expiry_is_taken_as_utc() -> None:
    t = TokenSet.create(ACCESS, REFRESH, datetime(2026, 1, 1, 12))
    assert t.expires_at.tzinfo is UTC


def test_money_helper_matches_model() -> None:
    assert Money.model_validate(money(1999)).value == Decimal("19.99")
