"""The offline Etsy rules one by one (etsy-api.md §6), as the seller reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from etsysync_cli.domain import rules


def test_when_made_follows_the_calendar() -> None:
    assert rules.when_made_choices(date(2026, 1, 1))[:3] == (
        "made_to_order",
        "2020_2026",
        "2010_2019",
    )
    assert "2020_2031" in rules.when_made_choices(date(2031, 5, 1))
    assert rules.when_made_reasons("2020_2025", date(2025, 12, 31)) == []
    (reason,) = rules.when_made_reasons("2020_2025", date(2026, 1, 1))
    assert reason.startswith("when_made '2020_2025' is no longer an Etsy value; use one of: ")
    (reason,) = rules.when_made_reasons("last year", date(2026, 1, 1))
    assert reason.startswith("when_made 'last year' is not an Etsy value")


@pytest.mark.parametrize(
    ("title", "reasons"),
    [
        ("Hand-Dyed Linen T-Shirt", []),
        ("Botanical Giclée Art Print \u2013 A4 & A3 + Frame: 100% ©", []),
        ("", ["title is empty"]),
        ("x" * 141, ["title is 141 characters; Etsy allows at most 140"]),
        ("Tab\there", ["title contains characters Etsy does not accept: U+0009"]),
        ("a+b+c", ["title uses '+' 2 times; Etsy allows it at most once"]),
    ],
)
def test_title(title: str, reasons: list[str]) -> None:
    assert rules.title_reasons(title) == reasons


@pytest.mark.parametrize(
    ("tags", "reasons"),
    [
        (["mother's day", "t-shirt", "Ökö™"], []),
        (
            ["x"] * 14,
            ["has 14 tags; Etsy allows at most 13"]
            + ["tag 'x' appears more than once; Etsy refuses duplicate tags"] * 13,
        ),
        (["Mug", "mug"], ["tag 'mug' appears more than once; Etsy refuses duplicate tags"]),
        (
            ["tea/coffee"],
            [
                "tag 'tea/coffee' contains '/'; Etsy allows only letters, digits, spaces, - and ' "
                "in tags"
            ],
        ),
        (["a" * 21], [f"tag '{'a' * 21}' is 21 characters; Etsy allows at most 20"]),
        ([" "], ["a tag is empty"]),
    ],
)
def test_tags(tags: list[str], reasons: list[str]) -> None:
    assert rules.tag_reasons(tags) == reasons


def test_materials_prices_quantities_and_counts() -> None:
    assert rules.material_reasons(["Merino wool", "925 silver"]) == []
    assert rules.material_reasons(["oak & ash"])[0].startswith("material 'oak & ash' contains '&'")
    assert rules.price_reasons(Decimal("0.20"), "usd") == []
    assert rules.price_reasons(Decimal("50000"), "usd") == []
    assert rules.price_reasons(Decimal("0.19"), "usd") == [
        "price is 0.19 USD; Etsy's minimum is 0.20 (USD 0.20 or equivalent)"
    ]
    assert rules.offering_quantity_reasons(0) == []
    assert rules.offering_quantity_reasons(1000) == [
        "quantity 1000 is outside Etsy's range of 0 to 999"
    ]
    assert rules.listing_quantity_reasons(0) != [] and rules.listing_quantity_reasons(999) == []
    assert rules.image_count_reasons(20) == [] and rules.image_count_reasons(21) != []
    assert rules.alt_text_reasons("a" * 500) == [] and rules.alt_text_reasons("a" * 501) != []
    assert rules.who_made_reasons("someone_else") == []
    assert rules.id_reasons("taxonomy_id", 0) != [] and rules.id_reasons("taxonomy_id", 2**63) != []


def test_variations() -> None:
    assert rules.variation_reasons([("Size", ["S", "M"]), ("Color", ["Red"])]) == []
    three = [("A", ["1"]), ("B", ["1"]), ("C", ["1"])]
    assert rules.variation_reasons(three) == []  # the third must be predefined: mapping checks
    four = [*three, ("D", ["1"])]
    assert rules.variation_reasons(four) == [
        "has 4 options (A, B, C, D); Etsy allows at most 3 variations"
    ]
    assert rules.variation_reasons([("Size", [str(i) for i in range(71)])]) == [
        "option 'Size' has 71 values; Etsy allows at most 70"
    ]
    assert rules.variation_reasons([("Size", ["S"]), ("size", ["M"])]) == [
        "two options are named 'size'"
    ]
    assert rules.variation_reasons([("Length (cm)", ["10"])]) == [
        "option 'Length (cm)': 'Length (cm)' contains a parenthesis, which Etsy does not accept in "
        "variations"
    ]
