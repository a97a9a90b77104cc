"""One odd record never hides the page (etsy-api.md §10.2, open-api#276): old listings and
profiles carry numbers where the spec says strings (`listing_type: 0`, `profile_type: 0`)."""

from __future__ import annotations

import json
from typing import Any

from tests.adopt.test_adopt_cli import adopt_json


def test_an_old_listing_with_a_numeric_listing_type_is_still_matched(
    cli, connected, seller, catalog
) -> None:
    mug = seller.copy_of("prod_demo_mug")
    tee = seller.copy_of("prod_demo_tee", state="active")
    with connected.state.lock:
        connected.state.listings[tee].listing_type = 0  # an old record, as Etsy sends it

    found = adopt_json(cli, catalog)

    matches = {m["product_id"]: m["listing_id"] for m in found["matches"]}
    assert matches["prod_demo_mug"] == mug
    assert matches["prod_demo_tee"] == tee


def test_a_shipping_profile_with_a_numeric_profile_type_is_still_listed(cli, connected) -> None:
    with connected.state.lock:
        for profiles in connected.state.seed.shipping_profiles.values():
            for profile in profiles:
                profile["profile_type"] = 0

    shown = cli("shop", "--json")

    assert shown.exit_code == 0, shown.stderr
    document: dict[str, Any] = json.loads(shown.stdout)
    assert document["shipping_profiles"], document
