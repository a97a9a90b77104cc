"""A shop's listings as etsysync looks through them for a product's: every state, with SKUs.

Shared by `adopt` (linking listings that already exist), `plan` (warning when a create would
duplicate one) and the runner's reconcile after a failed create (the title rule).

- `read_shop_listings` pages through getListingsByShop (100 a page, with their images) for each
  state — active, draft, inactive, sold_out, expired — then reads the inventories of the
  listings it keeps with getListingsInventoryByListingIds, 100 ids a call. Etsy refuses offsets
  past 12000, so at most 12100 listings per state can be read; when a state holds more, the
  newest 12100 are used and a warning says so. One unknown id makes Etsy answer 404 for a whole
  inventory batch: a listing deleted between the two reads is found by splitting the batch, and
  dropped. A listing seen twice (its state changed between pages) is kept once.
- A listing's SKUs are the trimmed, non-empty SKUs of its inventory products not marked deleted.
- Titles are compared after trimming and collapsing runs of whitespace; case and punctuation
  count (`normalise_title`).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field

from etsysync_cli.errors import EtsyNotFoundError
from etsysync_cli.etsy.client import MAX_BATCH, MAX_PAGE, EtsyClient
from etsysync_cli.etsy.models import Inventory, Listing

ALL_STATES = ("active", "draft", "inactive", "sold_out", "expired")
MAX_OFFSET = 12000  # Etsy answers 400 to getListingsByShop with a larger offset
PUBLIC_URL = "https://www.etsy.com/listing/{listing_id}"  # Etsy redirects to the slugged URL
EDIT_URL = "https://www.etsy.com/your/shops/me/listing-editor/edit/{listing_id}"


def normalise_title(title: str) -> str:
    """The title as listings are matched by it: trimmed, runs of whitespace made one space."""
    return " ".join(title.split())


def normalise_sku(sku: str | None) -> str:
    return (sku or "").strip()


def inventory_skus(inventory: Inventory | None) -> frozenset[str]:
    if inventory is None:
        return frozenset()
    skus = (normalise_sku(p.sku) for p in inventory.products if not p.is_deleted)
    return frozenset(s for s in skus if s)


def listing_page(listing_id: int, state: str, url: str | None = None) -> str:
    """The public page of an active listing (Etsy's own URL when known), else the seller's
    edit page: a listing that is not active has no public page."""
    if state == "active":
        return url or PUBLIC_URL.format(listing_id=listing_id)
    return EDIT_URL.format(listing_id=listing_id)


def listing_url(listing: Listing) -> str:
    return listing_page(listing.listing_id, listing.state, listing.url)


@dataclass(frozen=True)
class ShopListing:
    """One listing of the shop, with its images (ids) and, when read, its inventory."""

    listing: Listing
    inventory: Inventory | None = None

    @property
    def listing_id(self) -> int:
        return self.listing.listing_id

    @property
    def title(self) -> str:
        return self.listing.title

    @property
    def state(self) -> str:
        return self.listing.state

    @property
    def skus(self) -> frozenset[str]:
        return inventory_skus(self.inventory)

    @property
    def url(self) -> str:
        return listing_url(self.listing)

    @property
    def image_ids(self) -> list[int]:
        return [image.listing_image_id for image in self.listing.images or []]


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
        ShopListing(listing, inventories[listing.listing_id])
        for listing in kept
        if listing.listing_id in inventories  # else deleted since it was listed
    ]
    return read


def read_inventories(client: EtsyClient, ids: Sequence[int]) -> dict[int, Inventory]:
    """The inventories of these listings, 100 a request; a listing that is gone is left out."""
    found: dict[int, Inventory] = {}
    for start in range(0, len(ids), MAX_BATCH):
        found |= _inventory_batch(client, list(ids[start : start + MAX_BATCH]))
    return found


def _inventory_batch(client: EtsyClient, ids: list[int]) -> dict[int, Inventory]:
    try:
        listings = client.get_listings_inventory_by_ids(ids)
    except EtsyNotFoundError:
        if len(ids) == 1:
            return {}
        middle = len(ids) // 2
        return _inventory_batch(client, ids[:middle]) | _inventory_batch(client, ids[middle:])
    return {x.listing_id: x.inventory or Inventory() for x in listings}


def by_title(listings: Iterable[ShopListing]) -> dict[str, list[ShopListing]]:
    index: dict[str, list[ShopListing]] = {}
    for listing in listings:
        index.setdefault(normalise_title(listing.title), []).append(listing)
    return index


def by_sku(listings: Iterable[ShopListing]) -> dict[str, list[ShopListing]]:
    index: dict[str, list[ShopListing]] = {}
    for listing in listings:
        for sku in sorted(listing.skus):
            index.setdefault(sku, []).append(listing)
    return index
