"""Production partners offline: the setting and metadata, the payloads, the fingerprint, and the
plan-time check against the shop's partners (domain/shop.py).

The rule checked is Etsy's (etsy-api.md §10.6; ELA's measured control cases; open-api#118):
`who_made = someone_else` on a finished product made to order or recently needs a partner;
vintage resale and supplies do not.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from etsysync_cli.config import load_settings, set_value
from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    draft_fingerprint,
    map_product,
)
from etsysync_cli.domain.matching import ShopListing, differences
from etsysync_cli.domain.product import Product
from etsysync_cli.domain.shop import Partner, ShopProfiles, partner_reasons

TODAY = date(2026, 11, 28)
DEFAULTS = ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)
RIVERSIDE = Partner(3810274, "Riverside Print Co.", "Portland, Oregon, United States")


def product(**metadata: Any) -> Product:
    return Product.model_validate(
        {
            "handle": "poster",
            "title": "Mountain Poster",
            "description": "A poster.",
            "metadata": metadata or None,
            "variants": [{"sku": "P", "prices": [{"amount": "30", "currency_code": "usd"}]}],
        }
    )


def draft(defaults: ListingDefaults = DEFAULTS, **metadata: Any) -> ListingDraft:
    mapped = map_product(product(**metadata), currency="USD", defaults=defaults, today=TODAY)
    assert isinstance(mapped, MappedListing), mapped
    return mapped.draft


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"etsy_production_partner_ids": "3810274"}, [3810274]),
        ({"etsy_production_partner_ids": "3810274, 55"}, [3810274, 55]),
        ({"etsy_production_partner_ids": "3810274|55"}, [3810274, 55]),
        ({"etsy_production_partner_ids": [3810274, "55", 3810274]}, [3810274, 55]),
        ({"etsy_production_partner_ids": 3810274}, [3810274]),
        ({}, [9]),  # the setting applies when the product names none
    ],
)
def test_metadata_wins_over_the_setting(metadata: dict[str, Any], expected: list[int]) -> None:
    defaults = DEFAULTS.model_copy(update={"production_partner_ids": [9]})
    assert draft(defaults, **metadata).production_partner_ids == expected


@pytest.mark.parametrize("raw", ["abc", [1.5], "-3", True])
def test_bad_metadata_is_a_reason(raw: Any) -> None:
    mapped = map_product(
        product(etsy_production_partner_ids=raw), currency="USD", defaults=DEFAULTS, today=TODAY
    )
    assert isinstance(mapped, InvalidListing)
    assert any("etsy_production_partner_ids" in r for r in mapped.reasons)


def test_the_setting_reads_comma_separated_ids(tmp_path, monkeypatch) -> None:
    assert ListingDefaults(production_partner_ids="3810274,55").production_partner_ids == [
        3810274,
        55,
    ]
    with pytest.raises(ValidationError):
        ListingDefaults(production_partner_ids="x")
    # config set writes a TOML array that reads back; the environment takes the same text
    assert set_value("listing.production_partner_ids", "3810274,55", home=tmp_path) == [3810274, 55]
    assert load_settings(home=tmp_path, environ={}).settings.listing.production_partner_ids == [
        3810274,
        55,
    ]
    env = {"ETSYSYNC_LISTING_PRODUCTION_PARTNER_IDS": "7"}
    assert load_settings(home=tmp_path, environ=env).settings.listing.production_partner_ids == [7]


def test_partners_are_sent_on_create_and_update_only_when_set() -> None:
    with_partner = draft(etsy_production_partner_ids="3810274")
    assert with_partner.create_fields()["production_partner_ids"] == [3810274]
    assert with_partner.update_fields()["production_partner_ids"] == [3810274]
    # Without one, the field is left out: the partners a seller set on Etsy stay (open-api#285).
    assert "production_partner_ids" not in draft().update_fields()


def test_fingerprint_changes_with_partners_and_not_without_them() -> None:
    plain = draft()
    assert draft_fingerprint(plain) == draft_fingerprint(plain.model_copy())
    # A draft stored before the field existed parses to the same fingerprint.
    old_payload = plain.model_dump_json(exclude={"production_partner_ids"})
    assert draft_fingerprint(ListingDraft.model_validate_json(old_payload)) == draft_fingerprint(
        plain
    )
    assert draft_fingerprint(draft(etsy_production_partner_ids="3810274")) != draft_fingerprint(
        plain
    )


def test_partners_are_a_difference_when_the_draft_names_them() -> None:
    wanted = draft(etsy_production_partner_ids="3810274")
    fields = {**wanted.update_fields(), "production_partner_ids": []}
    listing = ShopListing(1, wanted.title, "draft", "", fields, inventory=wanted.inventory)
    assert "production_partner_ids" in differences(wanted, listing)
    same = ShopListing(
        1,
        wanted.title,
        "draft",
        "",
        {**fields, "production_partner_ids": [3810274]},
        inventory=wanted.inventory,
    )
    assert "production_partner_ids" not in differences(wanted, same)
    # A draft without partners does not compare them.
    plain = draft()
    assert "production_partner_ids" not in differences(plain, listing)


def reasons(partners: list[Partner], *, from_metadata: bool = False, **metadata: Any) -> list[str]:
    return partner_reasons(draft(**metadata), partners, from_metadata=from_metadata, today=TODAY)


@pytest.mark.parametrize(
    ("declared", "refused"),
    [
        ({"etsy_who_made": "someone_else"}, True),  # made_to_order, not a supply
        ({"etsy_who_made": "someone_else", "etsy_when_made": "2020_2026"}, True),
        ({"etsy_who_made": "someone_else", "etsy_when_made": "2007_2009"}, True),
        ({"etsy_who_made": "someone_else", "etsy_when_made": "before_2007"}, False),  # vintage
        ({"etsy_who_made": "someone_else", "etsy_is_supply": True}, False),  # a supply
        ({"etsy_who_made": "collective"}, False),
        ({"etsy_who_made": "i_did"}, False),
    ],
)
def test_which_products_need_a_partner(declared: dict[str, Any], refused: bool) -> None:
    assert bool(reasons([RIVERSIDE], **declared)) is refused


def test_the_reason_names_the_setting_and_the_shops_partners() -> None:
    (reason,) = reasons([RIVERSIDE], etsy_who_made="someone_else")
    assert "listing.production_partner_ids" in reason
    assert "metadata etsy_production_partner_ids" in reason
    assert "3810274 (Riverside Print Co., Portland, Oregon, United States)" in reason


def test_a_shop_without_partners_is_told_where_to_add_one() -> None:
    (reason,) = reasons([], etsy_who_made="someone_else")
    assert "the shop has no production partners" in reason
    assert "Shop Manager → Settings → Production partners" in reason


def test_an_id_the_shop_does_not_have_is_named_with_its_source() -> None:
    (reason,) = reasons(
        [RIVERSIDE], from_metadata=True, etsy_who_made="i_did", etsy_production_partner_ids="77"
    )
    assert reason.startswith("production partner 77 (metadata etsy_production_partner_ids)")
    assert "3810274 (Riverside Print Co." in reason
    assert reasons([RIVERSIDE], etsy_production_partner_ids="3810274") == []


def test_cached_profiles_round_trip_and_old_copies_are_refused() -> None:
    profiles = ShopProfiles(1, "Shop", "USD", [], [], [], [RIVERSIDE])
    assert ShopProfiles.from_json(profiles.as_json()) == profiles
    old = profiles.as_json()
    del old["production_partners"]
    with pytest.raises(KeyError):
        ShopProfiles.from_json(old)
