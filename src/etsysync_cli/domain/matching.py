"""Matching a shop's existing listings to the source's products, and comparing them. Pure.

Used by `adopt` (linking listings that already exist), by `plan` (warning when a create would
duplicate one) and, for the title rule, by the runner's reconcile after a failed create.

**Matching** (`match`, pure), in this order:

1. SKU. A product and a listing are joined when they share a SKU (the draft's inventory SKUs
   against the listing's inventory SKUs, trimmed, case counts). Each group so joined that holds
   exactly one product and one listing is a match. A larger group — a product whose SKUs are on
   two listings, a listing holding SKUs of two products — is a conflict: reported, not linked,
   and its members are not matched by title either.
2. Title, among what is left: equal whitespace-normalised titles (case counts), when exactly one
   product and one listing have that title and they do not contradict each other (both have
   SKUs and share none). Duplicates on either side, or differing SKUs, are conflicts.

**Comparing** (`differences`): what a listing read already shows, without downloading images.
Listing fields as `updateListing` takes them — title, description (line endings and surrounding
whitespace ignored), tags and materials (order ignored), who_made, when_made, is_supply,
taxonomy_id, type, shipping_profile_id, return_policy_id, item_weight and its unit,
production_partner_ids (order ignored) (only those the draft sets) — plus `inventory` (per
product: SKU, variation values, price, quantity, enabled; the processing profile is not
compared) and `state` (a wanted draft matches a draft or inactive listing, a wanted active
listing only an active one). Images are not compared: Etsy gives no content hash.

A listing's SKUs are the trimmed, non-empty SKUs of its inventory. Titles are compared after
trimming and collapsing runs of whitespace; case and punctuation count (`normalise_title`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from etsysync_cli.domain.listing import InventoryProduct, ListingDraft, ListingInventory

MatchedBy = Literal["sku", "title"]
WANTED_DRAFT_STATES = ("draft", "inactive")
# updateListing fields compared as they are (description, type, tags, materials: see below)
COMPARED_FIELDS = (
    "title",
    "who_made",
    "when_made",
    "is_supply",
    "taxonomy_id",
    "shipping_profile_id",
    "return_policy_id",
    "item_weight",
    "item_weight_unit",
)


def normalise_title(title: str) -> str:
    """The title as listings are matched by it: trimmed, runs of whitespace made one space."""
    return " ".join(title.split())


def normalise_sku(sku: str | None) -> str:
    return (sku or "").strip()


@dataclass(frozen=True)
class ShopListing:
    """One listing of the shop as Etsy holds it: what matching and comparing need
    (etsy/listings.py reads them)."""

    listing_id: int
    title: str
    state: str
    url: str
    fields: Mapping[str, Any]  # updateListing's fields as Etsy holds them (`type`, not
    # `listing_type`)
    image_ids: tuple[int, ...] = ()
    inventory: ListingInventory | None = None

    @property
    def skus(self) -> frozenset[str]:
        return self.inventory.skus if self.inventory is not None else frozenset()


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


# --- matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A source product that may be linked to an existing listing."""

    product_id: str
    draft: ListingDraft
    source_fingerprint: str | None = None

    @property
    def title(self) -> str:
        return self.draft.title

    @property
    def skus(self) -> frozenset[str]:
        return draft_skus(self.draft)


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    listing: ShopListing
    matched_by: MatchedBy
    differences: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def product_id(self) -> str:
        return self.candidate.product_id

    @property
    def status(self) -> Literal["synced", "out_of_sync"]:
        return "out_of_sync" if self.differences else "synced"

    @property
    def shared_skus(self) -> list[str]:
        return sorted(self.candidate.skus & self.listing.skus)


@dataclass(frozen=True)
class Conflict:
    """Products and listings that could belong together but not unambiguously: not linked."""

    kind: MatchedBy
    reason: str
    product_ids: tuple[str, ...]
    listing_ids: tuple[int, ...]


@dataclass
class Matching:
    matches: list[Match] = field(default_factory=list)
    unmatched_products: list[Candidate] = field(default_factory=list)
    unmatched_listings: list[ShopListing] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def draft_skus(draft: ListingDraft) -> frozenset[str]:
    skus = (normalise_sku(p.sku) for p in draft.inventory.products)
    return frozenset(s for s in skus if s)


def match(candidates: Sequence[Candidate], listings: Sequence[ShopListing]) -> Matching:
    """Products to listings by SKU, then by title; ambiguity is reported, never guessed."""
    result = Matching()
    taken_products: set[str] = set()
    taken_listings: set[int] = set()

    # 1. SKU: connected groups of products and listings sharing SKUs.
    groups = _sku_groups(candidates, listings)
    for products, group_listings in groups:
        taken_products.update(c.product_id for c in products)
        taken_listings.update(x.listing_id for x in group_listings)
        if len(products) == 1 and len(group_listings) == 1:
            result.matches.append(Match(products[0], group_listings[0], "sku"))
        else:
            result.conflicts.append(_sku_conflict(products, group_listings))

    # 2. Title, among the rest.
    rest_listings = [x for x in listings if x.listing_id not in taken_listings]
    listings_by_title = by_title(rest_listings)
    products_by_title: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.product_id not in taken_products:
            key = normalise_title(candidate.title)
            products_by_title.setdefault(key, []).append(candidate)
    for title, products in products_by_title.items():
        same = listings_by_title.get(title, [])
        if not same:
            result.unmatched_products.extend(products)
            continue
        taken_listings.update(x.listing_id for x in same)
        ids = tuple(x.listing_id for x in same)
        pids = tuple(c.product_id for c in products)
        if len(products) == 1 and len(same) == 1:
            product, listing = products[0], same[0]
            if product.skus and listing.skus and not product.skus & listing.skus:
                result.conflicts.append(
                    Conflict(
                        "title",
                        f"'{title}': product {product.product_id} and listing "
                        f"{listing.listing_id} have the same title but different SKUs "
                        f"({_list(product.skus)} / {_list(listing.skus)})",
                        pids,
                        ids,
                    )
                )
            else:
                result.matches.append(Match(product, listing, "title"))
        else:
            result.conflicts.append(
                Conflict(
                    "title",
                    f"'{title}': {plural(len(products), 'product')} and "
                    f"{plural(len(same), 'listing')} ({', '.join(map(str, ids))}) have this "
                    "title",
                    pids,
                    ids,
                )
            )
    result.unmatched_listings = [x for x in listings if x.listing_id not in taken_listings]
    result.matches.sort(key=lambda m: m.product_id)
    result.unmatched_products.sort(key=lambda c: c.product_id)
    return result


def _sku_groups(
    candidates: Sequence[Candidate], listings: Sequence[ShopListing]
) -> list[tuple[list[Candidate], list[ShopListing]]]:
    """Products and listings joined through shared SKUs (connected components)."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: str, b: str) -> None:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[find(a)] = find(b)

    listing_skus = by_sku(listings)
    for candidate in candidates:
        for sku in candidate.skus:
            for listing in listing_skus.get(sku, []):
                union(f"p:{candidate.product_id}", f"l:{listing.listing_id}")
    components: dict[str, tuple[list[Candidate], list[ShopListing]]] = {}
    for candidate in candidates:
        node = f"p:{candidate.product_id}"
        if node in parent:
            components.setdefault(find(node), ([], []))[0].append(candidate)
    for listing in listings:
        node = f"l:{listing.listing_id}"
        if node in parent:
            components.setdefault(find(node), ([], []))[1].append(listing)
    return list(components.values())


def _sku_conflict(products: list[Candidate], listings: list[ShopListing]) -> Conflict:
    ids = tuple(x.listing_id for x in listings)
    pids = tuple(c.product_id for c in products)
    parts = []
    for candidate in products:
        on = [x.listing_id for x in listings if x.skus & candidate.skus]
        shared = _list(candidate.skus & frozenset().union(*(x.skus for x in listings)))
        parts.append(
            f"product {candidate.product_id} ({shared}) is on "
            f"{plural(len(on), 'listing')} {', '.join(map(str, on))}"
        )
    return Conflict("sku", "; ".join(parts), pids, ids)


def _list(skus: Iterable[str]) -> str:
    return ", ".join(sorted(skus)) or "no SKU"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- comparing ----------------------------------------------------------------------------


def differences(draft: ListingDraft, shop: ShopListing) -> list[str]:
    """Names of what the listing holds differently from the draft (see the module doc)."""
    held = shop.fields
    etsy: dict[str, Any] = {
        **{name: held.get(name) for name in COMPARED_FIELDS},
        "description": _text(held.get("description") or ""),
        "type": held.get("type") or "physical",
        "tags": sorted(held.get("tags") or []),
        "materials": sorted(held.get("materials") or []),
        "production_partner_ids": sorted(held.get("production_partner_ids") or []),
    }
    wanted: dict[str, Any] = {
        **draft.update_fields(),
        "description": _text(draft.description),
        "tags": sorted(draft.tags),
        "materials": sorted(draft.materials),
        "item_weight": draft.item_weight,
    }
    if "production_partner_ids" in wanted:  # compared only when the draft names partners
        wanted["production_partner_ids"] = sorted(draft.production_partner_ids)
    found = [name for name in etsy if name in wanted and wanted[name] != etsy[name]]
    if inventory_key(draft.inventory) != inventory_key(shop.inventory):
        found.append("inventory")
    if _state_differs(draft, shop.state):
        found.append("state")
    return found


def state_warnings(draft: ListingDraft, shop: ShopListing) -> list[str]:
    """What the next confirm will do to the listing's state that a seller may not expect."""
    if not draft.inventory.has_stock and shop.state == "active":
        return [
            f"listing {shop.listing_id} is active on Etsy but the product has nothing in "
            "stock: the next confirm will deactivate it"
        ]
    if draft.state == "active" and shop.state in ("sold_out", "expired"):
        return [
            f"listing {shop.listing_id} is {shop.state}: the next confirm publishes it again "
            "($0.20 renewal fee)"
        ]
    return []


def _text(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _state_differs(draft: ListingDraft, state: str) -> bool:
    """Only the states a push would change count (the planner's rule: publish, or take down a
    listing with nothing in stock; `listing.state = draft` never unpublishes a live one)."""
    if draft.state == "active":
        return state != "active"
    if not draft.inventory.has_stock:
        return state not in WANTED_DRAFT_STATES
    return False


InventoryKey = Counter[tuple[str, tuple[tuple[int, tuple[str, ...]], ...], tuple[Any, ...]]]


def variation_key(product: InventoryProduct) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Which variant a product is: its variation values, in property order."""
    return tuple(sorted((v.property_id, tuple(v.values)) for v in product.property_values))


def inventory_key(inventory: ListingInventory | None) -> InventoryKey:
    """An inventory as compared: per product its SKU, variation values and offerings (price,
    quantity, enabled); the processing profile and the products' order do not count."""
    if inventory is None:
        return Counter()
    # Products Etsy filled in (disabled, priced 0: etsy-api.md §10.3) are not the seller's.
    return Counter(
        (
            normalise_sku(product.sku),
            variation_key(product),
            tuple((o.price, o.quantity, o.is_enabled) for o in product.offerings),
        )
        for product in inventory.products
        if not product.is_filler
    )


def json_value(value: Any) -> Any:
    """`value` as a JSON document shows it: a Decimal as its plain digits (`28.5`, not
    `28.50` or `Decimal('28.5')`), lists and tuples as lists of the same."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value
