"""Real catalogs go through: what the mapping mends (with a warning naming it) and what stays the
seller's to decide (issue 13, point 5). Etsy's rules are etsy-api.md §6."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from etsysync_cli.domain import rules
from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    MappedProduct,
    draft_fingerprint,
    map_product,
)
from etsysync_cli.domain.product import BadProduct, Product, parse_product
from etsysync_cli.sandbox import rules as sandbox_rules
from etsysync_cli.sandbox.wire import ApiError

TODAY = date(2026, 11, 28)
DEFAULTS = ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)
STRICT = DEFAULTS.model_copy(update={"extra_tags": "invalid"})
FIFTEEN = [f"tag {n}" for n in range(1, 16)]


def product(**fields: Any) -> Product:
    raw: dict[str, Any] = {
        "handle": "mug",
        "title": "Stoneware Mug",
        "description": "A mug.",
        "thumbnail": "https://img.test/mug.jpg",
        "variants": [{"sku": "MUG", "prices": [{"amount": "12.5", "currency_code": "eur"}]}],
    }
    raw.update(fields)
    return Product.model_validate(raw)


def run(p: Product, defaults: ListingDefaults = DEFAULTS) -> MappedProduct:
    return map_product(p, currency="EUR", defaults=defaults, today=TODAY)


def listed(p: Product, defaults: ListingDefaults = DEFAULTS) -> MappedListing:
    result = run(p, defaults)
    assert isinstance(result, MappedListing), result
    return result


def refused(p: Product, defaults: ListingDefaults = DEFAULTS) -> list[str]:
    result = run(p, defaults)
    assert isinstance(result, InvalidListing), result
    return result.reasons


# --- tags ----------------------------------------------------------------------------------------


def test_fifteen_tags_go_up_as_the_first_thirteen_and_the_warning_names_the_rest() -> None:
    result = listed(product(tags=FIFTEEN))
    assert result.draft.tags == FIFTEEN[:13]
    assert result.warnings == ["Etsy takes at most 13 tags; left out: 'tag 14', 'tag 15'"]


def test_with_extra_tags_invalid_fifteen_tags_keep_the_product_back() -> None:
    assert refused(product(tags=FIFTEEN), STRICT) == [
        "has 15 tags; Etsy allows at most 13 (fix the tags, or set metadata etsy_tags, or set "
        'listing.extra_tags = "drop")'
    ]
    # an etsy_tags override is the seller's own list: the hint does not send them to fix the store
    (reason,) = refused(product(metadata={"etsy_tags": FIFTEEN}), STRICT)
    assert reason == 'has 15 tags; Etsy allows at most 13 (set listing.extra_tags = "drop")'


@pytest.mark.parametrize(
    ("tags", "sent", "warnings"),
    [
        (
            ["tea/coffee", "mugs & cups"],
            ["tea coffee", "mugs cups"],
            [
                "tag 'tea/coffee' is sent as 'tea coffee' (Etsy takes only letters, digits, "
                "spaces, - and ' in tags)",
                "tag 'mugs & cups' is sent as 'mugs cups' (Etsy takes only letters, digits, "
                "spaces, - and ' in tags)",
            ],
        ),
        (["#!?", "ok"], ["ok"], ["tag '#!?' left out: Etsy takes none of its characters in a tag"]),
        (
            ["hand poured beeswax candle", "candle"],
            ["candle"],
            ["tags over 20 characters left out (Etsy's limit): 'hand poured beeswax candle'"],
        ),
        (
            ["Mug", "mug", "MUG!"],  # 'MUG!' is mended to 'MUG', which is then a duplicate
            ["Mug"],
            [
                "duplicate tag 'mug' left out",
                "tag 'MUG!' is sent as 'MUG' (Etsy takes only letters, digits, spaces, - and ' "
                "in tags)",
                "duplicate tag 'MUG' left out",
            ],
        ),
        (["mother\u2019s day", "  boho   chic "], ["mother's day", "boho chic"], []),
        (
            ["bo\u200bho"],  # a zero-width space, named by its code point
            ["boho"],
            [
                "tag 'bo<U+200B>ho' is sent as 'boho' (Etsy takes only letters, digits, spaces, "
                "- and ' in tags)"
            ],
        ),
    ],
)
def test_tags_etsy_refuses_are_mended_or_left_out_with_a_warning(
    tags: list[str], sent: list[str], warnings: list[str]
) -> None:
    result = listed(product(tags=tags))
    assert result.draft.tags == sent
    assert result.warnings == warnings


def test_tags_left_out_for_their_length_do_not_take_one_of_the_thirteen_places() -> None:
    tags = [*FIFTEEN[:13], "a tag far too long for etsy"]
    result = listed(product(tags=tags))
    assert result.draft.tags == FIFTEEN[:13]
    assert result.warnings == [
        "tags over 20 characters left out (Etsy's limit): 'a tag far too long for etsy'"
    ]


def test_what_is_sent_passes_the_sandboxs_reading_of_etsys_tag_rules() -> None:
    """etsy-api.md §6 (tags: letters, digits, spaces, -, ', ™ © ®; ≤13 of ≤20; no duplicates):
    the sandbox and the offline rules read it alike, and a mended list passes both."""
    messy = ["tea/coffee", "50% off", "Ökö™", "it's", "#gift", "x" * 21, *FIFTEEN]
    sent = listed(product(tags=messy)).draft.tags
    assert rules.tag_reasons(sent) == []
    assert sandbox_rules.check_tags(sent) == sent
    for tag in ("tea/coffee", "50%", "a" * 21):
        assert rules.tag_reasons([tag]) != []
        with pytest.raises(ApiError):
            sandbox_rules.check_tags([tag])


# --- materials -----------------------------------------------------------------------------------


def test_materials_are_mended_capped_and_the_warnings_say_how() -> None:
    many = ", ".join(f"fibre {n}" for n in range(1, 16))
    result = listed(product(material=f"food-safe glaze, 100% cotton, {'w' * 46}, {many}"))
    materials = result.draft.materials
    assert materials[:2] == ["food safe glaze", "100 cotton"]
    assert len(materials) == 13 and materials[-1] == "fibre 11"
    assert result.warnings == [
        "material 'food-safe glaze' is sent as 'food safe glaze' (Etsy takes only letters, "
        "digits and spaces in materials)",
        "material '100% cotton' is sent as '100 cotton' (Etsy takes only letters, digits and "
        "spaces in materials)",
        f"material '{'w' * 46}' left out: over 45 characters",
        "Etsy takes at most 13 materials; left out: 'fibre 12', 'fibre 13', 'fibre 14', 'fibre 15'",
    ]
    assert rules.material_reasons(materials) == []
    assert sandbox_rules.check_words("materials", materials, 13, 45) == materials


# --- titles: mended only where the buyer reads the same ------------------------------------------


def test_invisible_characters_and_extra_spaces_leave_a_title_with_a_warning() -> None:
    result = listed(product(title="  Stoneware\u200b   Mug\u00ad "))
    assert result.draft.title == "Stoneware Mug"
    assert result.warnings == [
        "title: invisible characters removed (U+00AD, U+200B)",
        "title: extra spaces removed",
    ]


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("x" * 141, "title is 141 characters; Etsy allows at most 140"),
        ("Mug $5", "title contains characters Etsy does not accept: '$'"),
        ("Mug & Cup & Saucer", "title uses '&' 2 times; Etsy allows it at most once"),
    ],
)
def test_what_would_change_the_words_of_a_title_stays_the_sellers_to_decide(
    title: str, reason: str
) -> None:
    assert refused(product(title=title)) == [
        reason + " (fix it in the store, or set metadata etsy_title)"
    ]


# --- variant options written as values only -------------------------------------------------------

OPTIONS = [
    {"title": "Size", "values": ["S", "M"]},
    {"title": "Colour", "values": ["Sand", "Moss"]},
]


def _variant(sku: str, *values: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "options": [{"value": v} for v in values],
        "prices": [{"amount": "20", "currency_code": "eur"}],
        "inventory_quantity": 2,
    }


def test_values_that_belong_to_one_option_each_are_matched_by_value() -> None:
    # written out of the options' order on purpose: the values, not their places, decide
    p = product(
        options=OPTIONS, variants=[_variant("S-SAND", "Sand", "S"), _variant("M-MOSS", "M", "moss")]
    )
    assert [(o.title, o.value) for o in p.variants[0].options] == [
        ("Colour", "Sand"),
        ("Size", "S"),
    ]
    assert [o.title for o in p.variants[1].options] == ["Size", "Colour"]  # 'moss': any case
    result = listed(p)
    assert result.warnings == []  # nothing was guessed
    rows = [
        (x.sku, [(v.property_name, v.values[0]) for v in x.property_values])
        for x in result.draft.inventory.products
    ]
    assert rows == [
        ("S-SAND", [("Size", "S"), ("Colour", "Sand")]),
        ("M-MOSS", [("Size", "M"), ("Colour", "moss")]),
    ]


def test_values_that_fit_several_options_are_read_in_the_options_order_with_a_warning() -> None:
    options = [
        {"title": "Width", "values": ["10", "20"]},
        {"title": "Height", "values": ["10", "20"]},
    ]
    variants = [_variant("W10-H20", "10", "20"), _variant("W20-H10", "20", "10")]
    result = listed(product(options=options, variants=variants))
    rows = [
        (x.sku, [(v.property_name, v.values[0]) for v in x.property_values])
        for x in result.draft.inventory.products
    ]
    assert rows == [
        ("W10-H20", [("Width", "10"), ("Height", "20")]),
        ("W20-H10", [("Width", "20"), ("Height", "10")]),
    ]
    assert result.warnings == [
        "option values of 2 variant(s) do not say their option and fit more than one, so they "
        "are read in the options' order (Width / Height): W10-H20 (10 / 20), W20-H10 (20 / 10)"
    ]


def test_a_value_no_option_lists_is_placed_by_position_when_the_counts_agree() -> None:
    p = product(
        options=OPTIONS, variants=[_variant("L-SAND", "L", "Sand"), _variant("S-MOSS", "S", "Moss")]
    )
    assert [o.title for o in p.variants[0].options] == ["Size", "Colour"]
    assert [o.matched_by for o in p.variants[0].options] == ["position", "position"]
    assert [o.matched_by for o in p.variants[1].options] == [None, None]


def test_one_named_value_and_one_bare_one() -> None:
    named = {"value": "Sand", "option": {"title": "Colour"}}
    p = product(
        options=OPTIONS, variants=[{**_variant("S-SAND", "S"), "options": [named, {"value": "S"}]}]
    )
    assert [(o.title, o.value) for o in p.variants[0].options] == [
        ("Colour", "Sand"),
        ("Size", "S"),
    ]


@pytest.mark.parametrize(
    ("options", "values", "value"),
    [
        # no options to match against at all
        ([], ["S"], "S"),
        # fits no option, and one value for two options: no place to read it from
        (OPTIONS, ["XL"], "XL"),
        # both values are Size values: matching by value would put two values on one option,
        # and there is one value too few for the places
        ([*OPTIONS, {"title": "Fit", "values": ["Slim"]}], ["S", "M"], "S"),
    ],
)
def test_values_that_cannot_be_matched_keep_the_current_reason(
    options: list[dict[str, Any]], values: list[str], value: str
) -> None:
    raw = {
        "handle": "tee",
        "title": "Tee",
        "options": options,
        "variants": [_variant("T", *values)],
    }
    bad = parse_product(raw, where="products[0]")
    assert isinstance(bad, BadProduct)
    assert bad.reasons == [
        f"variant T: option value '{value}' does not say which option it belongs to"
    ]


def test_a_named_value_in_another_options_place_is_not_guessed_around() -> None:
    # 'A' is taken by the named value; the bare ones fit both B and C, and by position the
    # named value would sit in B's place: nothing is certain, so the product is refused
    options = [{"title": t, "values": ["1"]} for t in ("A", "B", "C")]
    bare = {"value": "1"}
    variant = {**_variant("X"), "options": [bare, {"value": "1", "title": "A"}, bare]}
    raw = {"handle": "h", "title": "T", "options": options, "variants": [variant]}
    assert isinstance(parse_product(raw, where="x"), BadProduct)
    # the same values in the options' order are read by position
    variant["options"] = [{"value": "1", "title": "A"}, bare, bare]
    p = parse_product(raw, where="x")
    assert isinstance(p, Product)
    assert [o.title for o in p.variants[0].options] == ["A", "B", "C"]


# --- what is fingerprinted is what is sent --------------------------------------------------------


def test_tags_beyond_the_thirteen_do_not_change_the_fingerprint() -> None:
    """A product whose left-out tags change sends the same listing: the planner compares
    draft fingerprints, so it stays `unchanged` (tests/core/test_planner.py covers the link)."""
    first = listed(product(tags=FIFTEEN)).draft
    other = listed(product(tags=[*FIFTEEN[:13], "new 14", "new 15", "new 16"])).draft
    assert draft_fingerprint(first) == draft_fingerprint(other)
    assert draft_fingerprint(listed(product(tags=FIFTEEN)).draft) == draft_fingerprint(first)
    changed = listed(product(tags=["tag 0", *FIFTEEN])).draft  # a new tag among the thirteen
    assert draft_fingerprint(changed) != draft_fingerprint(first)
