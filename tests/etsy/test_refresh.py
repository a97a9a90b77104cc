"""Refreshing linked listings from Etsy in batches (issue 14), against the in-process sandbox.

The batch endpoints and their rules are etsy-api.md §10.8: getListingsByListingIds (≤ 100 ids,
fields, state, `includes=Images`, unknown ids left out) and getListingsInventoryByListingIds
(≤ 100 inventories; one unknown id fails the whole batch with 404). Request counts are taken
from the sandbox's request log, i.e. what Etsy saw, not only from the client's own counter.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from tests.pacing import fast_config
from tests.sandbox.sandbox_helpers import seller_client

from etsysync_cli.domain.matching import ShopListing
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.refresh import refresh_listings
from etsysync_cli.sandbox import SELLER_SHOP_ID, SandboxServer
from etsysync_cli.sandbox.wire import Request, Response

STATES = ("active", "draft", "inactive", "sold_out", "expired")
BATCH = "getListingsByListingIds"
INVENTORY_BATCH = "getListingsInventoryByListingIds"


@pytest.fixture
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(fast_config()) as server:
        yield server


@pytest.fixture
def client(sb: SandboxServer) -> Iterator[EtsyClient]:
    """The shop owner's client: their bearer sees listings in every state."""
    with seller_client(sb, scopes=("listings_r", "listings_w", "listings_d", "shops_r")) as c:
        yield c


def seed(sb: SandboxServer, n: int) -> dict[int, dict[str, Any]]:
    """`n` listings in every read state, with 0-3 images, their own price, quantity and SKU;
    what each should read back as, by listing id."""
    expected: dict[int, dict[str, Any]] = {}
    for i in range(n):
        state = STATES[i % len(STATES)]
        listing = sb.create_listing_direct(
            state=state,
            images=i % 4 if state != "active" else 1 + i % 3,  # active needs an image
            title=f"Father's Day mug {i}",  # Etsy sends it escaped (§10.1): read it unescaped
            description=f"Mug number {i}.",
            tags=["mug", f"gift{i}"],
            price=f"{10 + i}.50",
            quantity=1 + i % 7,
        )
        listing_id = listing["listing_id"]
        with sb.state.lock:
            sb.state.listings[listing_id].inventory.products[0].sku = f"MUG-{i}"
        expected[listing_id] = {
            "state": state,
            "title": f"Father's Day mug {i}",
            "description": f"Mug number {i}.",
            "tags": ["mug", f"gift{i}"],
            "image_ids": tuple(image["listing_image_id"] for image in listing["images"]),
            "sku": f"MUG-{i}",
            "price": Decimal(f"{10 + i}.50"),
            "quantity": 1 + i % 7,
        }
    return expected


def assert_read(read: ShopListing, want: dict[str, Any]) -> None:
    assert read.state == want["state"]
    assert read.title == want["title"]
    assert read.fields["description"] == want["description"]
    assert read.fields["tags"] == want["tags"]
    assert read.image_ids == want["image_ids"]
    assert read.inventory is not None
    [product] = read.inventory.products
    [offering] = product.offerings
    assert (product.sku, offering.price, offering.quantity) == (
        want["sku"],
        want["price"],
        want["quantity"],
    )


def operations(sb: SandboxServer) -> Counter[str]:
    return Counter(str(entry["operation"]) for entry in sb.request_log())


def test_150_listings_in_every_state_with_one_deleted_cost_five_requests(
    sb: SandboxServer, client: EtsyClient
) -> None:
    """2 batches of each kind for 150 ids plus 1 getListing to confirm the deleted one (the
    issue's budget: 2 x ceil(n / 100) + 1 per listing confirmed gone)."""
    expected = seed(sb, 150)
    ids = list(expected)
    # A seller reorders one listing's images on Etsy: the read must show Etsy's order.
    reordered = next(i for i in ids if len(expected[i]["image_ids"]) == 3)
    new_order = tuple(reversed(expected[reordered]["image_ids"]))
    client.update_listing(SELLER_SHOP_ID, reordered, {"image_ids": list(new_order)})
    expected[reordered]["image_ids"] = new_order
    deleted = ids[120]  # in the second batch
    client.delete_listing(deleted)
    sb.clear_request_log()

    refresh = refresh_listings(client, ids)

    assert operations(sb) == {BATCH: 2, INVENTORY_BATCH: 2, "getListing": 1}
    assert refresh.requests == 5 == len(sb.request_log())
    assert refresh.gone == {deleted}
    assert set(refresh.listings) == set(ids) - {deleted}
    for listing_id, read in refresh.listings.items():
        assert_read(read, expected[listing_id])
    # The batch reads carry the listing's partners (ShopListingWithAssociations): none here.
    assert refresh.listings[ids[0]].fields["production_partner_ids"] == []


def test_no_ids_no_requests(sb: SandboxServer, client: EtsyClient) -> None:
    sb.clear_request_log()
    refresh = refresh_listings(client, [])
    assert (refresh.listings, refresh.gone, refresh.requests) == ({}, set(), 0)
    assert sb.request_log() == []


def test_repeated_ids_are_read_once(sb: SandboxServer, client: EtsyClient) -> None:
    expected = seed(sb, 3)
    sb.clear_request_log()
    refresh = refresh_listings(client, [*expected, *expected])
    assert operations(sb) == {BATCH: 1, INVENTORY_BATCH: 1}
    assert set(refresh.listings) == set(expected)


def test_a_listing_deleted_between_the_two_batch_calls(
    sb: SandboxServer, client: EtsyClient
) -> None:
    """The seller deletes a listing right after the first batch read: the inventory batch then
    fails with 404 for all 100 (etsy-api.md §10.8); the batch is split until the gone one is
    found, that one is confirmed with getListing, and every other listing is still read."""
    expected = seed(sb, 100)
    ids = list(expected)
    victim = ids[37]
    seen: list[str] = []

    def delete_after_first_batch(entry: dict[str, Any]) -> None:
        seen.append(str(entry["operation"]))
        if seen.count(BATCH) == 1 and entry["operation"] == BATCH:
            with sb.state.lock:
                del sb.state.listings[victim]

    sb.clear_request_log()
    sb.app.on_request = delete_after_first_batch
    refresh = refresh_listings(client, ids)

    assert refresh.gone == {victim}
    assert set(refresh.listings) == set(ids) - {victim}
    for listing_id, read in refresh.listings.items():
        assert_read(read, expected[listing_id])
    ops = operations(sb)
    assert ops[BATCH] == 1 and ops["getListing"] == 1
    # Halving 100 ids down to the one gone: 1 failed call, then 2 calls per level (7 levels).
    assert 1 < ops[INVENTORY_BATCH] <= 1 + 2 * 7
    assert refresh.requests == len(sb.request_log())


def test_a_listing_the_batch_leaves_out_but_getlisting_returns_is_kept(
    sb: SandboxServer, client: EtsyClient
) -> None:
    """Etsy's batch may leave out listings it does not show (draft visibility on the batch is
    not on record, etsy-api.md §5); getListing with `includes=Images,Inventory` (accepted by
    Etsy, §10.8) then reads it in the one request that confirms it."""
    expected = seed(sb, 5)
    ids = list(expected)
    hidden = next(i for i in ids if expected[i]["state"] == "draft")

    def leave_out(req: Request, response: Response) -> None:
        if req.path.endswith("/listings/batch"):
            data = json.loads(response.body)
            data["results"] = [x for x in data["results"] if x["listing_id"] != hidden]
            data["count"] = len(data["results"])
            response.body = json.dumps(data).encode()

    sb.clear_request_log()
    sb.app.on_exchange = leave_out
    refresh = refresh_listings(client, ids)

    assert operations(sb) == {BATCH: 1, INVENTORY_BATCH: 1, "getListing": 1}
    assert refresh.requests == 3
    assert refresh.gone == set()
    assert set(refresh.listings) == set(ids)
    for listing_id, read in refresh.listings.items():
        assert_read(read, expected[listing_id])


def test_an_unknown_id_never_fails_the_inventory_batch(
    sb: SandboxServer, client: EtsyClient
) -> None:
    """An id Etsy never had is left out by the first batch, so the inventory batch asks only
    for known ones and no 404 splits it (etsy-api.md §10.8)."""
    expected = seed(sb, 4)
    unknown = max(expected) + 1000
    sb.clear_request_log()
    refresh = refresh_listings(client, [*expected, unknown])
    assert [(e["operation"], e["status"]) for e in sb.request_log()] == [
        (BATCH, 200),
        (INVENTORY_BATCH, 200),
        ("getListing", 404),
    ]
    assert refresh.gone == {unknown}
    assert set(refresh.listings) == set(expected)
