"""Mapping decisions on hand-made products: prices, overrides, variations, limits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    MappedProduct,
    apply_pricing,
    draft_fingerprint,
    map_product,
)
from etsysync_cli.domain.product import Product

TODAY = date(2026, 11, 28)
DEFAULTS = ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)


def product(**fields: Any) -> Product:
    raw: dict[str, Any] = {
        "handle": "mug",
        "title": "Stoneware Mug",
        "description": "A mug.",
        "variants": [{"sku": "MUG", "prices": [{"amount": "12.5", "currency_code": "eur"}]}],
    }
    raw.update(fields)
    return Product.model_validate(raw)


def variant(sku: str, options: dict[str, str], amount: str = "10", qty: int | None = 3) -> Any:
    return {
        "sku": sku,
        "options": options,
        "prices": [{"amount": amount, "currency_code": "eur"}],
        "inventory_quantity": qty,
    }


def run(p: Product, defaults: ListingDefaults = DEFAULTS, currency: str = "EUR") -> MappedProduct:
    return map_product(p, currency=currency, defaults=defaults, today=TODAY)


def ok(p: Product, defaults: ListingDefaults = DEFAULTS) -> ListingDraft:
    result = run(p, defaults)
    assert isinstance(result, MappedListing), result
    return result.draft


def bad(p: Product, defaults: ListingDefaults = DEFAULTS) -> list[str]:
    result = run(p, defaults)
    assert isinstance(result, InvalidListing), result
    return result.reasons


# --- prices --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "markup", "rounding", "expected"),
    [
        ("38", "0", "none", "38.00"),
        ("4.5", "0", "none", "4.50"),
        ("10", "15", "none", "11.50"),
        ("9.99", "12.5", "none", "11.24"),  # 11.23875 → half up to the cent
        ("41.20", "0", "whole", "42.00"),
        ("41.00", "0", "whole", "41.00"),
        ("41.20", "0", "x.99", "41.99"),
        ("41.99", "0", "x.99", "41.99"),
        ("42.00", "0", "x.99", "42.99"),
        ("41.96", "0", "x.95", "42.95"),
        ("0.30", "0", "x.95", "0.95"),
        ("0", "10", "x.99", "0.00"),  # a zero price stays zero, and is reported
        ("100", "-50", "none", "50.00"),
    ],
)
def test_markup_and_rounding(amount: str, markup: str, rounding: str, expected: str) -> None:
    defaults = DEFAULTS.model_copy(
        update={"price_markup_percent": Decimal(markup), "price_rounding": rounding}
    )
    assert apply_pricing(Decimal(amount), defaults, "EUR") == Decimal(expected)
    assert str(apply_pricing(Decimal(amount), defaults, "EUR")) == expected


def test_zero_decimal_currencies_price_in_whole_units() -> None:
    defaults = DEFAULTS.model_copy(update={"price_rounding": "x.99"})
    assert apply_pricing(Decimal("1234.4"), defaults, "JPY") == Decimal(1234)
    assert apply_pricing(Decimal("1234.6"), defaults, "jpy") == Decimal(1235)


def test_prices_outside_etsys_bounds_are_invalid() -> None:
    cheap = product(variants=[variant("A", {}, amount="0.10")])
    assert bad(cheap) == ["price is 0.10 EUR; Etsy's minimum is 0.20 (USD 0.20 or equivalent)"]
    dear = product(variants=[variant("A", {}, amount="50000.01")])
    assert bad(dear) == ["price is 50,000.01 EUR; Etsy's maximum is 50,000 (USD)"]
    two = [variant("A", {"Size": "S"}, amount="0.19"), variant("B", {"Size": "M"})]
    assert bad(product(variants=two)) == [
        "price of variant A (S) is 0.19 EUR; Etsy's minimum is 0.20 (USD 0.20 or equivalent)"
    ]


def test_several_base_prices_in_the_currency_are_not_guessed() -> None:
    two = {
        "sku": "A",
        "prices": [
            {"amount": 10, "currency_code": "eur"},
            {"amount": 12, "currency_code": "EUR"},
        ],
    }
    (reason,) = bad(product(variants=[two]))
    assert "several base prices in EUR (10, 12)" in reason


def test_one_variant_without_a_price_names_it() -> None:
    priced = variant("A", {"Size": "S"})
    unpriced = {**variant("B", {"Size": "M"}), "prices": [{"amount": 5, "currency_code": "usd"}]}
    assert bad(product(variants=[priced, unpriced])) == ["variant B (M) has no price in EUR"]


# --- overrides -----------------------------------------------------------------------------------


def test_metadata_overrides_the_defaults() -> None:
    metadata = {
        "etsy_taxonomy_id": "77",
        "etsy_who_made": "collective",
        "who_made": "someone_else",  # etsy_who_made wins
        "when_made": "2010_2019",
        "etsy_is_supply": "yes",
        "etsy_shipping_profile_id": 5,
        "etsy_return_policy_id": 6.0,
        "etsy_readiness_state_id": "7",
        "etsy_title": "Short Etsy Title",
        "etsy_tags": "mug, stoneware",
        "etsy_materials": ["clay", "glaze"],
    }
    draft = ok(product(metadata=metadata, title="x" * 200))
    assert (draft.taxonomy_id, draft.who_made, draft.when_made) == (77, "collective", "2010_2019")
    assert draft.is_supply is True
    ids = (draft.shipping_profile_id, draft.return_policy_id, draft.readiness_state_id)
    assert ids == (5, 6, 7)
    assert draft.inventory.products[0].offerings[0].readiness_state_id == 7
    assert draft.title == "Short Etsy Title"
    assert draft.tags == ["mug", "stoneware"]
    assert draft.materials == ["clay", "glaze"]


def test_bad_override_values_are_reasons() -> None:
    metadata = {
        "etsy_taxonomy_id": "abc",
        "etsy_who_made": "robots",
        "etsy_is_supply": "maybe",
        "etsy_state": "published",
        "etsy_tags": 42,
    }
    reasons = bad(product(metadata=metadata))
    assert "metadata etsy_taxonomy_id 'abc' is not a whole number" in reasons
    assert (
        "who_made 'robots' is not an Etsy value; use one of: i_did, someone_else, collective"
        in reasons
    )
    assert "metadata etsy_is_supply 'maybe' is not true or false" in reasons
    assert "state 'published' is not one of draft, active" in reasons
    assert any(r.startswith("metadata etsy_tags") for r in reasons)


def test_a_future_decade_value_is_not_an_etsy_value_either() -> None:
    (reason,) = bad(product(metadata={"when_made": "2020_2027"}))
    assert reason.startswith("when_made '2020_2027' is no longer an Etsy value")


def test_download_listings_need_no_shipping_or_processing_profile() -> None:
    draft = ok(product(weight=300), ListingDefaults(taxonomy_id=1, type="download"))
    assert draft.shipping_profile_id is None and draft.readiness_state_id is None
    assert draft.item_weight is None
    assert draft.inventory.products[0].offerings[0].readiness_state_id is None


def test_publishing_needs_an_image_and_a_physical_listing() -> None:
    active = DEFAULTS.model_copy(update={"state": "active"})
    assert any("at least one" in r for r in bad(product(), active))
    with_image = product(images=["https://img.test/a.jpg"])
    result = run(with_image, active)
    assert isinstance(result, MappedListing) and result.draft.state == "active"
    assert any("no return policy" in w for w in result.warnings)
    digital = active.model_copy(update={"type": "download"})
    assert any("digital file" in r for r in bad(with_image, digital))


# --- texts ---------------------------------------------------------------------------------------


def test_texts_are_normalised_not_rewritten() -> None:
    draft = ok(
        product(
            title="  Cafe\u0301   Mug\n",  # decomposed é and stray whitespace
            tags=["  coffee   mug ", "Coffee Mug", "mother\u2019s day", ""],
            material="Stoneware, glaze; gold / Stoneware",
        )
    )
    assert draft.title == "Café Mug"
    assert draft.tags == ["coffee mug", "mother's day"]
    assert draft.materials == ["Stoneware", "glaze", "gold"]


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Mug $5", "title contains characters Etsy does not accept: '$'"),
        ("Mug ^ `x`", "title contains characters Etsy does not accept: '^', '`'"),
        ("Mug 🎁", "title contains characters Etsy does not accept: '🎁'"),
        ("Salt & Pepper & Co", "title uses '&' 2 times; Etsy allows it at most once"),
        ("50% off: 10% more", "title uses '%' 2 times; Etsy allows it at most once"),
    ],
)
def test_title_rules(title: str, reason: str) -> None:
    reasons = bad(product(title=title))
    assert reasons == [reason + " (fix it in the store, or set metadata etsy_title)"]


def test_tag_and_material_characters() -> None:
    """etsy-api.md §6: letters, digits, spaces, - and ' in tags; letters, digits and spaces in
    materials. What Etsy refuses becomes a space, with a warning (tests/mapping/
    test_catalog_mending.py); with `extra_tags = "invalid"` a tag is the seller's to fix."""
    strict = DEFAULTS.model_copy(update={"extra_tags": "invalid"})
    reasons = bad(product(tags=["mugs & cups"], material="food-safe glaze"), strict)
    (reason,) = reasons
    assert reason.startswith("tag 'mugs & cups' contains '&'; Etsy allows only letters")
    draft = ok(product(tags=["mugs & cups"], material="food-safe glaze"))
    assert (draft.tags, draft.materials) == (["mugs cups"], ["food safe glaze"])


def test_empty_description_falls_back_to_the_subtitle() -> None:
    result = run(product(description="  ", subtitle="Hand thrown"))
    assert isinstance(result, MappedListing)
    assert result.draft.description == "Hand thrown"
    assert "no description: the subtitle is used instead" in result.warnings


# --- images --------------------------------------------------------------------------------------


def test_images_are_capped_at_twenty_with_a_warning() -> None:
    images = [{"url": f"https://img.test/{i}.jpg", "rank": 30 - i} for i in range(25)]
    result = run(product(images=images, thumbnail="https://img.test/24.jpg"))
    assert isinstance(result, MappedListing)
    sources = [i.source for i in result.draft.images]
    assert len(sources) == 20
    assert sources[:3] == [f"https://img.test/{i}.jpg" for i in (24, 23, 22)]
    assert result.warnings == ["25 images: only the first 20 are listed (Etsy allows 20)"]


# --- variations and stock ------------------------------------------------------------------------


def test_four_options_are_more_than_etsy_allows() -> None:
    variants = [
        variant("A", {"Size": "S", "Color": "Red", "Finish": "Matte", "Fit": "Slim"}),
        variant("B", {"Size": "M", "Color": "Red", "Finish": "Gloss", "Fit": "Slim"}),
    ]
    (reason,) = bad(product(variants=variants))
    assert reason == "has 4 options (Color, Finish, Fit, Size); Etsy allows at most 3 variations"


def test_more_than_seventy_values_in_one_option() -> None:
    variants = [variant(f"S{i}", {"Size": f"{i} cm"}) for i in range(71)]
    (reason,) = bad(product(variants=variants))
    assert reason == "option 'Size' has 71 values; Etsy allows at most 70"


def test_variants_that_cannot_be_told_apart() -> None:
    same = [variant("A", {"Size": "S"}), variant("B", {"Size": "S"})]
    assert bad(product(variants=same)) == ["variants A (S) and B (S) have the same options (S)"]
    no_options = [variant("A", {}), variant("B", {})]
    assert bad(product(variants=no_options)) == [
        "has 2 variants but no options that tell them apart"
    ]
    missing = [variant("A", {"Size": "S", "Color": "Red"}), variant("B", {"Size": "M"})]
    assert bad(product(variants=missing)) == ["variant B (M) has no value for option 'Color'"]


def test_parentheses_are_refused_in_variation_values() -> None:
    variants = [variant("A", {"Size": "Small (10 cm)"}), variant("B", {"Size": "Large"})]
    (reason,) = bad(product(variants=variants))
    assert "contains a parenthesis" in reason


def test_price_varying_on_one_of_two_properties() -> None:
    variants = [
        variant("S-R", {"Size": "S", "Color": "Red"}, amount="10", qty=1),
        variant("S-B", {"Size": "S", "Color": "Blue"}, amount="10", qty=2),
        variant("L-R", {"Size": "L", "Color": "Red"}, amount="15", qty=3),
        variant("L-B", {"Size": "L", "Color": "Blue"}, amount="15", qty=4),
    ]
    draft = ok(product(variants=variants, options=[{"title": "Size", "values": ["S", "L"]}]))
    assert draft.inventory.price_on_property == [513]  # Size is the first option
    assert draft.inventory.quantity_on_property == [513, 514]
    assert [p.sku for p in draft.inventory.products] == ["S-B", "S-R", "L-B", "L-R"]


def test_one_variant_with_an_option_is_a_listing_without_variations() -> None:
    draft = ok(product(variants=[variant("A", {"Size": "M"})]))
    assert draft.inventory.products[0].property_values == []
    assert draft.inventory.sku_on_property == []


def test_stock_above_999_is_capped_per_variant_and_per_listing() -> None:
    variants = [variant(f"V{i}", {"Size": str(i)}, qty=q) for i, q in enumerate((5000, 600, 10))]
    result = run(product(variants=variants))
    assert isinstance(result, MappedListing)
    quantities = [p.offerings[0].quantity for p in result.draft.inventory.products]
    assert quantities == [494, 494, 10]
    assert sum(quantities) <= 999 and result.draft.quantity == 998
    assert any("listed as 999" in w for w in result.warnings)
    assert any("at most 494" in w for w in result.warnings)


def test_managed_stock_without_any_stock_data_is_not_guessed() -> None:
    unknown = {
        "sku": "A",
        "manage_inventory": True,
        "prices": [{"amount": 3, "currency_code": "eur"}],
    }
    (reason,) = bad(product(variants=[unknown]))
    assert reason.startswith("stock is managed but the data carries no stock levels")


# --- the payload ---------------------------------------------------------------------------------


def test_draft_round_trips_as_json_with_the_same_fingerprint() -> None:
    draft = ok(product(variants=[variant("A", {"Size": "S"}), variant("B", {"Size": "M"})]))
    again = ListingDraft.model_validate_json(draft.model_dump_json())
    assert again == draft
    assert draft_fingerprint(again) == draft_fingerprint(draft)
    changed = draft.model_copy(update={"title": "Another Mug"})
    assert draft_fingerprint(changed) != draft_fingerprint(draft)


def test_create_and_update_fields() -> None:
    draft = ok(product(weight=350, tags=["mug"]))
    create = draft.create_fields()
    assert (create["price"], create["quantity"]) == (12.5, 1)  # unmanaged: default quantity
    assert create["readiness_state_id"] == 22
    assert {"who_made", "when_made", "is_supply"} <= create.keys()
    assert create["item_weight"] == 350.0 and create["item_weight_unit"] == "g"
    update = draft.update_fields()
    assert not {"price", "quantity", "readiness_state_id", "state", "sku"} & update.keys()
    assert "return_policy_id" not in update  # unset ids are left out
