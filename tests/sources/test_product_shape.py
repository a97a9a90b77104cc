"""The Medusa v2 product shape: tolerant parsing, stock, base prices, fingerprints."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.domain.product import (
    BadProduct,
    Product,
    Variant,
    base_prices,
    fingerprint,
    ordered_image_urls,
    parse_product,
    sellable_quantity,
    stock_is_known,
)

MEDUSA = Path(__file__).parents[1] / "fixtures" / "medusa"


def load(name: str) -> Any:
    return json.loads((MEDUSA / name).read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture(scope="module")
def catalog() -> dict[str, Product]:
    raws = load("products-page-1.json")["products"] + load("products-page-2.json")["products"]
    return {p.handle or "": p for p in (Product.model_validate(raw) for raw in raws)}


def variant_by_sku(product: Product, sku: str | None) -> Variant:
    return next(v for v in product.variants if v.sku == sku)


def test_every_recorded_product_parses(catalog: dict[str, Product]) -> None:
    assert len(catalog) == 12
    for name in ("product-single.json", "products-default-fields.json"):
        data = load(name)
        for raw in data.get("products", [data.get("product")]):
            assert isinstance(parse_product(raw, where="x"), Product)


@pytest.mark.parametrize(
    ("handle", "sku", "quantity"),
    [
        ("linen-tee", "LT-M-IND", 7),  # 8 stocked, 1 reserved
        ("linen-tee", "LT-M-RST", 3),  # 2 + 1 over two locations
        ("linen-tee", "LT-L-IND", 0),
        ("walnut-serving-board", "WSB-45", 6),  # 4 + 2
        ("beeswax-pillar-candle", "CND-L", 0),  # backorder allowed, still 0 to sell
        ("botanical-giclee-print", "PRT-FERN-A4", None),  # not managed: use the default
        ("mystery-craft-box", None, 0),  # managed, no stock level anywhere
    ],
)
def test_sellable_quantity_of_recorded_variants(
    catalog: dict[str, Product], handle: str, sku: str | None, quantity: int | None
) -> None:
    assert sellable_quantity(variant_by_sku(catalog[handle], sku)) == quantity


@pytest.mark.parametrize(
    ("data", "quantity"),
    [
        ({"inventory_quantity": 4}, 4),
        ({"inventory_quantity": -2}, 0),
        ({"manage_inventory": False, "inventory_quantity": 4}, None),
        ({}, None),  # a hand-written variant with no stock data: not managed
        (
            {
                "inventory_items": [
                    {
                        "required_quantity": 2,
                        "inventory": {"location_levels": [{"stocked_quantity": 9}]},
                    },
                    {
                        "required_quantity": 1,
                        "inventory": {
                            "location_levels": [{"stocked_quantity": 5, "reserved_quantity": 2}]
                        },
                    },
                ]
            },
            3,  # a kit: min(9 // 2, 5 - 2)
        ),
        ({"inventory_items": [{"required_quantity": 1, "inventory": None}]}, 0),
    ],
)
def test_sellable_quantity_rules(data: dict[str, Any], quantity: int | None) -> None:
    assert sellable_quantity(Variant.model_validate(data)) == quantity


def test_stock_without_inventory_fields_is_unknown_not_zero() -> None:
    raw = load("products-default-fields.json")["products"][0]
    product = Product.model_validate(raw)
    assert not any(stock_is_known(v) for v in product.variants)


def test_base_price_ignores_rules_and_tiers_and_compares_currency_case_insensitively(
    catalog: dict[str, Product],
) -> None:
    throw = variant_by_sku(catalog["merino-wool-throw"], "THR-OAT")
    assert base_prices(throw, "EUR") == [Decimal(149)]
    card = variant_by_sku(catalog["letterpress-greeting-card"], "CARD-LP-01")
    assert base_prices(card, "eur") == [Decimal("4.5")]
    assert base_prices(card, "Usd") == [Decimal(5)]
    vase = variant_by_sku(catalog["speckled-bud-vase"], "VASE-BUD")
    assert base_prices(vase, "EUR") == []


def test_hand_written_shapes_are_accepted() -> None:
    product = Product.model_validate(
        {
            "handle": "gift-card",
            "title": "Gift card",
            "images": ["a.jpg", {"url": "b.jpg"}],
            "tags": ["gift", {"value": "card"}],
            "options": [{"title": "Value", "values": [25, "50"]}],
            "variants": [
                {
                    "sku": 1,
                    "options": {"Value": 25},
                    "prices": [{"amount": "25", "currency_code": "EUR"}],
                },
                {
                    "sku": "G50",
                    "options": {"Value": "50"},
                    "prices": [{"amount": 50.1, "currency_code": "eur"}],
                },
            ],
            "metadata": None,
            "description": None,
            "status": None,
        }
    )
    assert product.tags == ["gift", "card"]
    assert product.options[0].values == ["25", "50"]
    assert [(o.title, o.value) for o in product.variants[0].options] == [("Value", "25")]
    assert product.variants[0].sku == "1"
    assert product.variants[1].prices[0].amount == Decimal("50.1")  # a float, read exactly
    assert product.status == "published"
    assert product.key == "gift-card"
    assert ordered_image_urls(product) == ["a.jpg", "b.jpg"]


def test_variant_options_named_only_by_option_id() -> None:
    raw = {
        "id": "prod_1",
        "title": "Tee",
        "options": [{"id": "opt_1", "title": "Size", "values": [{"value": "S"}]}],
        "variants": [{"options": [{"value": "S", "option_id": "opt_1"}]}],
    }
    product = parse_product(raw, where="x")
    assert isinstance(product, Product)
    assert product.variants[0].options[0].title == "Size"
    # an unknown option id: the value still names its option by being one of its values
    raw["variants"] = [{"options": [{"value": "S", "option_id": "opt_9"}]}]
    product = parse_product(raw, where="x")
    assert isinstance(product, Product)
    assert product.variants[0].options[0].title == "Size"
    # neither a value of an option nor one value per option: nothing to match it by
    raw["options"].append({"id": "opt_2", "title": "Colour", "values": ["Sand"]})
    raw["variants"] = [{"options": [{"value": "XL", "option_id": "opt_9"}]}]
    bad = parse_product(raw, where="line 4")
    assert isinstance(bad, BadProduct)
    assert bad.ref == "prod_1" and bad.where == "line 4"
    assert bad.reasons == ["variant #1: option value 'XL' does not say which option it belongs to"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([1, 2], "line 2 is not a JSON object"),
        ({"title": "x"}, "the product has neither an id nor a handle"),
        ({"handle": "h"}, "title: Field required"),
        (
            {
                "handle": "h",
                "title": "T",
                "variants": [{"prices": [{"amount": "NaN", "currency_code": "eur"}]}],
            },
            "variants[0].prices[0].amount: Input should be a finite number (got 'NaN')",
        ),
        (
            {
                "handle": "h",
                "title": "T",
                "variants": [{"prices": [{"amount": "1,5", "currency_code": "eur"}]}],
            },
            "variants[0].prices[0].amount: Input should be a valid decimal (got '1,5')",
        ),
    ],
)
def test_bad_products_say_what_is_wrong(raw: Any, reason: str) -> None:
    bad = parse_product(raw, where="line 2")
    assert isinstance(bad, BadProduct)
    assert bad.reasons == [reason]


def test_fingerprint_ignores_timestamps_and_order_but_not_prices(
    catalog: dict[str, Product],
) -> None:
    tee = catalog["linen-tee"]
    single = Product.model_validate(load("product-single.json")["product"])
    assert fingerprint(single) == fingerprint(tee)
    shuffled = tee.model_copy(
        update={"variants": list(reversed(tee.variants)), "updated_at": "2030-01-01T00:00:00Z"}
    )
    assert fingerprint(shuffled) == fingerprint(tee)
    raw = load("products-page-1.json")["products"][1]  # the walnut board
    board = Product.model_validate(raw)
    raw["variants"][0]["prices"][0]["amount"] = Decimal("120.00")  # same price, other spelling
    assert fingerprint(Product.model_validate(raw)) == fingerprint(board)
    raw["variants"][0]["prices"][0]["amount"] = Decimal(125)
    assert fingerprint(Product.model_validate(raw)) != fingerprint(board)
    raw["variants"][0]["prices"][0]["amount"] = Decimal(120)
    raw["variants"][0]["inventory_items"][0]["inventory"]["location_levels"][0][
        "available_quantity"
    ] = 3  # stock moved: the listing's quantity changes
    assert fingerprint(Product.model_validate(raw)) != fingerprint(board)
