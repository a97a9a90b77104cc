"""Reading what Etsy holds now for listings etsysync has linked (the refresh before a plan).

`refresh_listings(client, ids)` reads each listing's fields, state, images (in Etsy's order)
and inventory, in batches, and says which listings are gone. Per 100 ids (etsy-api.md §10.8):

1. getListingsByListingIds with `includes=Images`: fields, state and images. Etsy leaves
   unknown ids out of the answer instead of failing the call.
2. getListingsInventoryByListingIds for the ids that call returned, and only those: one
   unknown id would fail the whole inventory batch with 404. If one vanishes between the two
   calls the batch still 404s; it is then split until the gone one is found
   (`inventory_batch`), and that listing is confirmed as below.
3. Each listing the batches did not return is confirmed with one getListing (with
   `includes=Images,Inventory`, which Etsy accepts, §10.8): 404 means it is gone; an answer
   means the batch did not show it (a state it leaves out, say), and it is kept as read.

So n ids cost 2 x ceil(n / 100) requests, plus one per listing to confirm, plus the splits of
a batch that something left mid-read. Production partners and the processing profile are what
the reads carry: the batch reads may leave them out, and then they stay unknown (None), never
guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from etsysync_cli.domain.matching import ShopListing
from etsysync_cli.errors import EtsyNotFoundError
from etsysync_cli.etsy.client import MAX_BATCH, EtsyClient
from etsysync_cli.etsy.listings import inventory_batch, shop_listing
from etsysync_cli.etsy.models import Listing

CONFIRM_INCLUDES = ("Images", "Inventory")


@dataclass
class Refresh:
    """What Etsy holds now for the listings asked about."""

    listings: dict[int, ShopListing] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # confirmed deleted: getListing answered 404
    requests: int = 0  # Etsy requests this refresh spent (retries included)


def refresh_listings(client: EtsyClient, listing_ids: Iterable[int]) -> Refresh:
    """Every listing in `listing_ids` as Etsy holds it now, or in `gone`.

    `requests` is counted from the client's RequestStats, so it includes retries and token
    replays; it assumes no other thread uses the client meanwhile (plan reads alone).
    """
    ids = list(dict.fromkeys(listing_ids))
    before = client.stats.requests
    refresh = Refresh()
    unconfirmed: list[int] = []
    for start in range(0, len(ids), MAX_BATCH):
        batch = ids[start : start + MAX_BATCH]
        read = _read_batch(client, batch)
        for listing_id, listing in read.items():
            refresh.listings[listing_id] = listing
        unconfirmed += [i for i in batch if i not in read]
    for listing_id in unconfirmed:
        found = _confirm(client, listing_id)
        if found is None:
            refresh.gone.add(listing_id)
        else:
            refresh.listings[listing_id] = found
    refresh.requests = client.stats.requests - before
    return refresh


def _read_batch(client: EtsyClient, batch: list[int]) -> dict[int, ShopListing]:
    """The listings of one batch that both batch reads returned (the others need confirming)."""
    wanted = set(batch)
    listings: dict[int, Listing] = {}
    for listing in client.get_listings_by_ids(batch, includes=["Images"]):
        if listing.listing_id in wanted:  # anything else is not what was asked about
            listings.setdefault(listing.listing_id, listing)
    inventories = inventory_batch(client, list(listings))
    return {
        listing_id: shop_listing(listing, inventories[listing_id])
        for listing_id, listing in listings.items()
        if listing_id in inventories
    }


def _confirm(client: EtsyClient, listing_id: int) -> ShopListing | None:
    """One listing the batches did not return: None when Etsy says it does not exist."""
    try:
        listing = client.get_listing(listing_id, includes=CONFIRM_INCLUDES)
        inventory = listing.inventory
        if inventory is None:  # the include was not honoured: ask for the inventory itself
            inventory = client.get_listing_inventory(listing_id)
    except EtsyNotFoundError:
        return None
    return shop_listing(listing, inventory.to_listing_inventory())
