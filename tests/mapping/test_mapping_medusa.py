"""The real Medusa catalogue (tests/fixtures/medusa) through the mapper: what a seller would see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.mapping import InvalidListing, MappedListing, map_product
from etsysync_cli.domain.product import Product

TODAY_2026 = date(2026, 11, 28)  # the recordings' date: 2020_2026 is Etsy's newest decade
TODAY_2025 = date(2025, 6, 1)  # when `2020_2025` (the walnut board's metadata) was current


def draft_of(product: Product, defaults: ListingDefaults, today: date = TODAY_2026) -> ListingDraft:
    result = map_product(product, currency="eur", defaults=defaults, today=today)
    assert isinstance(result, MappedListing), result
    return result.draft


def reasons_of(product: Product, defaults: ListingDefaults, today: date = TODAY_2026) -> list[str]:
    result = map_product(product, currency="EUR", defaults=defaults, today=today)
    assert isinstance(result, InvalidListing), result
    return result.reasons


def test_linen_tee_becomes_six_inventory_products_on_two_custom_properties(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    draft = draft_of(catalog["linen-tee"], defaults)
    rows = [
        (
            p.sku,
            [(v.property_id, v.property_name, v.values) for v in p.property_values],
            p.offerings[0].price,
            p.offerings[0].quantity,
            p.offerings[0].is_enabled,
        )
        for p in draft.inventory.products
    ]
    # sorted by the store's option order (S, M, L; Indigo, Rust), not by the API's variant order
    assert rows == [
        ("LT-S-IND", [(513, "Size", ["S"]), (514, "Color", ["Indigo"])], Decimal("38.00"), 5, True),
        ("LT-S-RST", [(513, "Size", ["S"]), (514, "Color", ["Rust"])], Decimal("40.00"), 3, True),
        ("LT-M-IND", [(513, "Size", ["M"]), (514, "Color", ["Indigo"])], Decimal("38.00"), 7, True),
        ("LT-M-RST", [(513, "Size", ["M"]), (514, "Color", ["Rust"])], Decimal("40.00"), 3, True),
        (
            "LT-L-IND",
            [(513, "Size", ["L"]), (514, "Color", ["Indigo"])],
            Decimal("42.00"),
            0,
            False,
        ),
        ("LT-L-RST", [(513, "Size", ["L"]), (514, "Color", ["Rust"])], Decimal("44.00"), 6, True),
    ]
    inventory = draft.inventory
    assert inventory.price_on_property == [513, 514]
    assert inventory.quantity_on_property == [513, 514]
    assert inventory.sku_on_property == [513, 514]
    assert inventory.readiness_state_on_property == []
    assert all(p.offerings[0].readiness_state_id == 22 for p in inventory.products)
    assert draft.price == Decimal("38.00")  # the lowest offering: Etsy wants one on create
    assert draft.quantity == 24
    assert draft.taxonomy_id == 559  # metadata etsy_taxonomy_id beats the configured 1633
    assert draft.who_made == "i_did" and draft.when_made == "made_to_order"
    assert draft.tags == ["handmade", "linen", "hand dyed", "t-shirt"]
    assert draft.materials == ["Linen"]
    assert (draft.item_weight, draft.item_weight_unit) == (Decimal(180), "g")
    assert [i.source.rsplit("/", 1)[1] for i in draft.images] == [
        "linen-tee-indigo-front.jpg",  # the thumbnail, not repeated
        "linen-tee-indigo-back.jpg",
        "linen-tee-rust-front.jpg",
        "linen-tee-detail.jpg",
    ]


def test_walnut_board_is_listed_at_120_euros_not_1_20(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    draft = draft_of(catalog["walnut-serving-board"], defaults, today=TODAY_2025)
    (product,) = draft.inventory.products
    assert product.property_values == []  # "Default option": no variations
    assert product.sku == "WSB-45"
    assert (product.offerings[0].price, product.offerings[0].quantity) == (Decimal("120.00"), 6)
    assert draft.price == Decimal("120.00")
    assert draft.inventory.price_on_property == []
    assert draft.inventory.to_payload()["products"][0]["offerings"][0]["price"] == Decimal("120.00")


def test_a_stale_when_made_is_reported_with_the_current_choices(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    (reason,) = reasons_of(catalog["walnut-serving-board"], defaults, today=TODAY_2026)
    assert reason.startswith("when_made '2020_2025' is no longer an Etsy value; use one of: ")
    assert "made_to_order, 2020_2026, 2010_2019" in reason


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        (
            "initial-necklace",
            ["title is 160 characters; Etsy allows at most 140"],
        ),
        ("speckled-bud-vase", ["has no price in EUR (it has prices in GBP)"]),
    ],
)
def test_products_etsy_would_refuse_are_invalid_with_every_reason(
    catalog: dict[str, Product], defaults: ListingDefaults, handle: str, expected: list[str]
) -> None:
    reasons = reasons_of(catalog[handle], defaults)
    assert len(reasons) == len(expected)
    for reason, start in zip(reasons, expected, strict=True):
        assert reason.startswith(start)


def test_the_candle_with_15_tags_is_listed_with_13_and_says_which_were_left_out(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    """etsy-api.md §6: 13 tags of at most 20 characters. A store keeps more; by default
    (`listing.extra_tags = "drop"`) the listing goes up with the first 13 Etsy takes."""
    candle = catalog["beeswax-pillar-candle"]
    assert len(candle.tags) == 15
    result = map_product(candle, currency="EUR", defaults=defaults, today=TODAY_2026)
    assert isinstance(result, MappedListing), result
    kept = [t for t in candle.tags if t != "hand poured beeswax candle"][:13]
    assert result.draft.tags == kept
    assert result.warnings == [
        "tags over 20 characters left out (Etsy's limit): 'hand poured beeswax candle'",
        "Etsy takes at most 13 tags; left out: 'Mother's Day'",
    ]


def test_with_extra_tags_invalid_the_candle_waits_for_the_seller(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    strict = defaults.model_copy(update={"extra_tags": "invalid"})
    reasons = reasons_of(catalog["beeswax-pillar-candle"], strict)
    assert reasons == [
        "has 15 tags; Etsy allows at most 13 (fix the tags, or set metadata etsy_tags, or set "
        'listing.extra_tags = "drop")',
        "tag 'hand poured beeswax candle' is 26 characters; Etsy allows at most 20 (fix the "
        'tags, or set metadata etsy_tags, or set listing.extra_tags = "drop")',
    ]


def test_unmanaged_stock_uses_the_default_quantity(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    draft = draft_of(
        catalog["botanical-giclee-print"], defaults.model_copy(update={"default_quantity": 5})
    )
    assert [(p.sku, p.offerings[0].quantity) for p in draft.inventory.products] == [
        ("PRT-FERN-A4", 5),
        ("PRT-FERN-A3", 5),
    ]
    assert draft.inventory.quantity_on_property == []  # the same everywhere
    assert draft.inventory.price_on_property == [513]
    assert draft.title == "Botanical Giclée Art Print"


def test_mystery_box_without_description_images_sku_or_stock(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    result = map_product(
        catalog["mystery-craft-box"], currency="EUR", defaults=defaults, today=TODAY_2026
    )
    assert isinstance(result, MappedListing)
    draft = result.draft
    assert draft.description == "Mystery Craft Box"  # Etsy requires a description
    assert draft.images == []
    (product,) = draft.inventory.products
    assert product.sku == ""
    offering = product.offerings[0]
    assert (offering.quantity, offering.is_enabled) == (0, False)
    assert draft.quantity == 1  # createDraftListing refuses 0; the inventory carries the truth
    assert draft.state == "draft"
    assert any("out of stock" in w for w in result.warnings)
    assert any("no images" in w for w in result.warnings)
    assert any("no description" in w for w in result.warnings)


def test_an_out_of_stock_product_is_kept_a_draft_even_when_active_is_wanted(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    wanted_active = defaults.model_copy(update={"state": "active", "return_policy_id": 5})
    # the mystery box has no images, which an active listing needs: give it one
    box = catalog["mystery-craft-box"].model_copy(update={"thumbnail": "https://x.test/box.jpg"})
    draft = draft_of(box, wanted_active)
    assert draft.state == "draft"


def test_merino_throw_uses_the_base_price_not_the_region_price(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    draft = draft_of(catalog["merino-wool-throw"], defaults)
    assert {p.offerings[0].price for p in draft.inventory.products} == {Decimal("149.00")}
    assert draft.inventory.price_on_property == []
    assert [p.sku for p in draft.inventory.products] == ["THR-OAT", "THR-CHA"]


def test_greeting_card_uses_the_single_piece_price_not_the_tier(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    draft = draft_of(catalog["letterpress-greeting-card"], defaults)
    assert draft.price == Decimal("4.50")
    assert draft.inventory.products[0].offerings[0].quantity == 120


def test_usd_shop_picks_usd_prices(catalog: dict[str, Product], defaults: ListingDefaults) -> None:
    result = map_product(catalog["linen-tee"], currency="usd", defaults=defaults, today=TODAY_2026)
    assert isinstance(result, MappedListing)
    assert result.draft.currency_code == "USD"
    assert result.draft.price == Decimal("41.99")


def test_missing_settings_name_the_setting_to_fix(catalog: dict[str, Product]) -> None:
    reasons = reasons_of(catalog["speckled-bud-vase"], ListingDefaults())
    assert any("listing.taxonomy_id" in r and "etsy_taxonomy_id" in r for r in reasons)
    assert any("listing.shipping_profile_id" in r for r in reasons)
    assert any("listing.readiness_state_id" in r for r in reasons)
    assert "has no price in EUR (it has prices in GBP)" in reasons  # and every other reason


def test_every_published_fixture_maps_to_a_result(
    catalog: dict[str, Product], defaults: ListingDefaults
) -> None:
    outcomes = {
        handle: type(map_product(p, currency="EUR", defaults=defaults, today=TODAY_2026)).__name__
        for handle, p in catalog.items()
    }
    assert outcomes == {
        "linen-tee": "MappedListing",
        "walnut-serving-board": "InvalidListing",
        "initial-necklace": "InvalidListing",
        "speckled-bud-vase": "InvalidListing",
        "beeswax-pillar-candle": "MappedListing",  # 15 tags: listed with 13 (extra_tags)
        "glazed-stoneware-teapot": "MappedListing",
        "botanical-giclee-print": "MappedListing",
        "mystery-craft-box": "MappedListing",
        "macrame-wall-hanging": "MappedListing",
        "merino-wool-throw": "MappedListing",
        "letterpress-greeting-card": "MappedListing",
        "studio-gift-card": "MappedListing",
    }
