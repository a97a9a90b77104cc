"""Three options become three variations: two custom (513, 514) and a third that is one of the
category's predefined properties with its predefined values (third-variation tutorial,
etsy-api.md §10.14). Table-driven over the pure mapper; the sandbox runs are in
tests/sync/test_three_variations.py."""

from __future__ import annotations

from typing import Any

import pytest
from tests.mapping.test_mapping_rules import DEFAULTS, TODAY, product, variant

from etsysync_cli.domain.mapping import InvalidListing, MappedListing, check_draft, map_product
from etsysync_cli.domain.variations import PredefinedValue, VariationProperty, match_third

LETTER = 301
SIZE = VariationProperty(
    100,
    "Size",
    "Size",
    tuple(PredefinedValue(1795 + i, n, LETTER) for i, n in enumerate(("XS", "S", "M", "L"))),
)
COLOURS = tuple(PredefinedValue(1213 + i, n) for i, n in enumerate(("Black", "Blue", "Red")))
PRIMARY = VariationProperty(200, "Primary color", "Primary color", COLOURS)
SECONDARY = VariationProperty(52047899002, "Secondary color", "Secondary color", COLOURS)
PROPERTIES = [PRIMARY, SECONDARY, SIZE]


class Lookup:
    def __init__(self, properties: list[VariationProperty]) -> None:
        self.properties = properties
        self.asked: list[int] = []

    def __call__(self, taxonomy_id: int) -> list[VariationProperty]:
        self.asked.append(taxonomy_id)
        return self.properties


def tee(third: str = "Size", values: tuple[str, ...] = ("s", "M")) -> Any:
    variants = [
        variant(f"TEE-{dye}-{look}-{v}".upper(), {"Dye": dye, "Look": look, third: v})
        for dye in ("Rust", "Indigo")
        for look in ("Plain", "Striped")
        for v in values
    ]
    return product(
        variants=variants,
        options=[
            {"title": "Dye", "values": ["Rust", "Indigo"]},
            {"title": "Look", "values": ["Plain", "Striped"]},
            {"title": third, "values": list(values)},
        ],
    )


def run(p: Any, lookup: Any) -> Any:
    return map_product(
        p, currency="EUR", defaults=DEFAULTS, today=TODAY, variation_properties=lookup
    )


def test_three_options_become_two_custom_and_one_predefined_variation() -> None:
    lookup = Lookup(PROPERTIES)
    result = run(tee(), lookup)
    assert isinstance(result, MappedListing), result
    inventory = result.draft.inventory
    assert len(inventory.products) == 8
    first = inventory.products[0].property_values
    assert [v.property_id for v in first] == [513, 514, 100]
    assert [v.property_name for v in first] == ["Dye", "Look", "Size"]
    sizes = {
        (p.property_values[2].values[0], p.property_values[2].value_ids[0])
        for p in inventory.products
    }
    assert sizes == {("S", 1796), ("M", 1797)}  # Etsy's own names and ids ("s" → "S")
    assert first[2].scale_id == LETTER
    assert inventory.variation_count == 3
    assert inventory.sku_on_property == [513, 514, 100]
    assert lookup.asked == [DEFAULTS.taxonomy_id]
    assert "predefined property 'Size'" in " ".join(result.warnings)
    assert check_draft(result.draft, today=TODAY) == []


def test_two_options_never_read_the_taxonomy() -> None:
    lookup = Lookup(PROPERTIES)
    variants = [variant(f"M-{c}", {"Colour": c}) for c in ("Red", "Blue")]
    assert isinstance(run(product(variants=variants), lookup), MappedListing)
    assert lookup.asked == []


def test_a_third_option_with_custom_values_is_invalid_and_says_why() -> None:
    result = run(tee(third="Finish", values=("Matte", "Gloss")), Lookup(PROPERTIES))
    assert isinstance(result, InvalidListing)
    (reason,) = result.reasons
    assert reason.startswith("option 'Finish' (Matte, Gloss) cannot be a third variation")
    assert "a third only as one of the category's predefined properties" in reason
    assert "Primary color, Secondary color, Size" in reason
    assert "Use at most two options" in reason


def test_a_category_without_variation_properties() -> None:
    result = run(tee(), Lookup([]))
    assert isinstance(result, InvalidListing)
    assert result.reasons[0].endswith(
        f"category {DEFAULTS.taxonomy_id} has none that can be a variation"
    )


def test_without_a_lookup_three_options_are_invalid() -> None:
    result = run(tee(), None)
    assert isinstance(result, InvalidListing)
    assert "those were not read" in result.reasons[0]


@pytest.mark.parametrize(
    ("option", "values", "expected"),
    [
        ("Colour", ["red", "Blue"], 200),  # shared values: the first in Etsy's order
        ("Secondary colour", ["Red"], 52047899002),  # named like the option: that one
        ("Size", ["S", "XS"], 100),
        ("Size", ["S", "Huge"], None),
        ("Whatever", ["M"], 100),  # the values decide; the name only breaks ties
    ],
)
def test_matching_a_third_option(option: str, values: list[str], expected: int | None) -> None:
    found = match_third(option, values, PROPERTIES)
    assert (found.prop.property_id if found else None) == expected
