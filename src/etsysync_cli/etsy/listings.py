"""Reading a shop's listings as etsysync looks through them for a product's: every state, with
their inventories (for `adopt` and for plan's duplicate warnings; matching is domain/matching.py).

- `read_shop_listings` pages through getListingsByShop (100 a page, with their images) for each
  state — active, draft, inactive, sold_out, expired — then reads the inventories of the
  listings it keeps with getListingsInventoryByListingIds, 100 ids a call. Etsy refuses offsets
  past 12000, so at most 12100 listings per state can be read; when a state holds more, the
  newest 12100 are used and a warning says so. One unknown id makes Etsy answer 404 for a whole
  inventory batch: a listing deleted between the two reads is found by splitting the batch, and
  dropped. A listing seen twice (its state changed between pages) is kept once.
- Each becomes a `ShopListing`: its updateListing fields, image ids and inventory (products
  and offerings marked deleted left out) as Etsy holds them.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from etsysync_cli.domain.listing import ListingInventory
from etsysync_cli.domain.matching import ShopListing
from etsysync_cli.errors import EtsyNotFoundError
from etsysync_cli.etsy.client import MAX_BATCH, MAX_PAGE, EtsyClient
from etsysync_cli.etsy.inventory import EtsyInventory
from etsysync_cli.etsy.models import Listing

ALL_STATES = ("active", "draft", "inactive", "sold_out", "expired")
MAX_OFFSET = 12000  # Etsy answers 400 to getListingsByShop with a larger offset
PUBLIC_URL = "https://www.etsy.com/listing/{listing_id}"  # Etsy redirects to the slugged URL
EDIT_URL = "https://www.etsy.com/your/shops/me/listing-editor/edit/{listing_id}"


def listing_page(listing_id: int, state: str, url: str | None = None) -> str:
    """The public page of an active listing (Etsy's own URL when known), else the seller's
    edit page: a listing that is not active has no public page."""
    if state == "active":
        return url or PUBLIC_URL.format(listing_id=listing_id)
    return EDIT_URL.format(listing_id=listing_id)


def listing_url(listing: Listing) -> str:
    return listing_page(listing.listing_id, listing.state, listing.url)


def shop_listing(listing: Listing, inventory: ListingInventory | None) -> ShopListing:
    """A listing (read with its images) as matching and comparing see it."""
    return ShopListing(
        listing_id=listing.listing_id,
        title=listing.title,
        state=listing.state,
        url=listing_url(listing),
        fields={
            "title": listing.title,
            "description": listing.description,
            "who_made": listing.who_made,
            "when_made": listing.when_made,
            "is_supply": listing.is_supply,
            "taxonomy_id": listing.taxonomy_id,
            "type": listing.listing_type,
            "tags": list(listing.tags),
            "materials": list(listing.materials),
            "shipping_profile_id": listing.shipping_profile_id,
            "return_policy_id": listing.return_policy_id,
            "item_weight": listing.item_weight,
            "item_weight_unit": listing.item_weight_unit,
            # None when the read did not carry them (a ShopListing, not WithAssociations)
            "production_partner_ids": (
                None
                if listing.production_partners is None
                else [p.production_partner_id for p in listing.production_partners]
            ),
        },
        image_ids=tuple(image.listing_image_id for image in listing.images or []),
        inventory=inventory,
    )


@dataclass
class ShopRead:
    listings: list[ShopListing] = field(default_factory=list)
    skipped: int = 0  # listings left out because the caller knows them already (linked)
    warnings: list[str] = field(default_factory=list)


def read_shop_listings(
    client: EtsyClient,
    shop_id: int,
    *,
    skip: Container[int] = frozenset(),
    states: Sequence[str] = ALL_STATES,
    page_size: int = MAX_PAGE,
) -> ShopRead:
    """Every listing of the shop in `states` except those in `skip`, with their inventories."""
    read = ShopRead()
    seen: set[int] = set()
    kept: list[Listing] = []
    cap = MAX_OFFSET + page_size  # the last page Etsy serves starts at offset MAX_OFFSET
    for state in states:
        listings = client.iter_listings_by_shop(
            shop_id, state, page_size=page_size, includes=["Images"]
        )
        for count, listing in enumerate(listings, start=1):
            if listing.listing_id not in seen:
                seen.add(listing.listing_id)
                if listing.listing_id in skip:
                    read.skipped += 1
                else:
                    kept.append(listing)
            if count >= cap:  # stop before asking for a page Etsy would refuse
                read.warnings.append(
                    f"the shop has more than {cap} {state} listings; Etsy lets only the newest "
                    f"{cap} be read, so older ones were not looked at"
                )
                break
    inventories = read_inventories(client, [x.listing_id for x in kept])
    read.listings = [
        shop_listing(listing, inventories[listing.listing_id])
        for listing in kept
        if listing.listing_id in inventories  # else deleted since it was listed
    ]
    return read


def read_inventories(client: EtsyClient, ids: Sequence[int]) -> dict[int, ListingInventory]:
    """The inventories of these listings, 100 a request; a listing that is gone is left out."""
    found: dict[int, ListingInventory] = {}
    for start in range(0, len(ids), MAX_BATCH):
        found |= inventory_batch(client, list(ids[start : start + MAX_BATCH]))
    return found


def inventory_batch(client: EtsyClient, ids: list[int]) -> dict[int, ListingInventory]:
    """The inventories of these (≤100) listings in one request; when one of them is gone (Etsy
    answers 404 for the whole batch) the batch is split in halves until the gone ones are
    found, and they are left out."""
    try:
        listings = client.get_listings_inventory_by_ids(ids)
    except EtsyNotFoundError:
        if len(ids) == 1:
            return {}
        middle = len(ids) // 2
        return inventory_batch(client, ids[:middle]) | inventory_batch(client, ids[middle:])
    return {x.listing_id: (x.inventory or EtsyInventory()).to_listing_inventory() for x in listings}
