"""Every draft the mapper emits is accepted by the sandbox (which follows etsy-api.md).

Arbitrary products → map_product → createDraftListing + updateListingInventory on the local
Etsy sandbox. A draft that the mapper calls valid and the sandbox refuses is a mapping bug (or
a sandbox bug): either way the two readings of Etsy's rules disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from tests.mapping.test_mapping_properties import plausible_products
from tests.pacing import fast_config
from tests.sandbox.sandbox_helpers import seller_client

from etsysync_cli import sandbox as sb_module
from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import MappedListing, map_product
from etsysync_cli.domain.product import BadProduct, parse_product
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.sandbox import SandboxServer


@pytest.fixture(scope="module")
def etsy() -> Iterator[tuple[EtsyClient, int]]:
    with SandboxServer(fast_config()) as server, seller_client(server) as client:
        yield client, sb_module.SELLER_SHOP_ID


TAXONOMY_IDS = (1073, 482, 1018)

shop_defaults = st.builds(
    ListingDefaults,
    taxonomy_id=st.sampled_from(TAXONOMY_IDS),
    shipping_profile_id=st.just(sb_module.SHIPPING_PROFILE_ID),
    readiness_state_id=st.just(sb_module.READINESS_STATE_ID),
    return_policy_id=st.sampled_from([None, sb_module.RETURN_POLICY_ID]),
    # Physical only: the sandbox has no digital-file endpoints, and refuses (409) several
    # inventory products on a digital listing (etsy-api.md §5).
    type=st.just("physical"),
    price_markup_percent=st.decimals(min_value=0, max_value=50, places=1),
    price_rounding=st.sampled_from(["none", "whole", "x.99", "x.95"]),
    default_quantity=st.sampled_from([1, 5, 999]),
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(raw=plausible_products(), defaults=shop_defaults, currency=st.sampled_from(["EUR", "USD"]))
def test_the_sandbox_accepts_every_draft_the_mapper_emits(
    etsy: tuple[EtsyClient, int], raw: dict[str, Any], defaults: ListingDefaults, currency: str
) -> None:
    client, shop_id = etsy
    product = parse_product(raw, where="item 1")
    if isinstance(product, BadProduct):
        return
    mapped = map_product(product, currency=currency, defaults=defaults, today=date.today())
    if not isinstance(mapped, MappedListing):
        return
    draft = mapped.draft
    # Metadata overrides can name any taxonomy or profile id, or a digital type; the shop
    # knows only its own ids and the sandbox has no digital files: only those drafts apply.
    assume(draft.taxonomy_id in TAXONOMY_IDS and draft.type == "physical")
    assume(draft.shipping_profile_id == sb_module.SHIPPING_PROFILE_ID)
    assume(draft.readiness_state_id == sb_module.READINESS_STATE_ID)
    assume(draft.return_policy_id in (None, sb_module.RETURN_POLICY_ID))
    event("sent to the sandbox")
    listing = client.create_draft_listing(shop_id, draft.create_fields())
    if draft.inventory.has_stock:  # the runner never sends an inventory with nothing to sell
        client.update_listing_inventory(listing.listing_id, draft.inventory)
    else:
        assert draft.state == "draft"
    client.update_listing(shop_id, listing.listing_id, draft.update_fields())
