"""Adopting listings already on Etsy: link them to the source's products instead of creating
duplicates (`etsysync adopt`), and warn in `plan` when a create would duplicate one.

**Who takes part.** Products that are published in the store, map to a valid listing and have
no listing linked yet; listings (every state, see shoplistings.py) that no product of the
account is linked to. Products already linked are left alone and reported.

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
taxonomy_id, type, shipping_profile_id, return_policy_id, item_weight and its unit (only those
the draft sets) — plus `inventory` (per product: SKU, variation values, price, quantity,
enabled; the processing profile is not compared) and `state` (a wanted draft matches a draft or
inactive listing, a wanted active listing only an active one). Images are not compared: Etsy
gives no content hash.

**Recording** (`record`): one transaction. Each match becomes a link with the listing's id, URL
and state, its images (content unknown), status `synced` when nothing compared differs, else
`out_of_sync`, and no `synced_payload`: the next plan sends each adopted listing one full
update (fields, images, inventory, state), the only way to be sure it holds exactly the
reviewed payload. Plans not yet confirmed are cancelled (their links were staged before these);
a run in progress or paused refuses the adoption (LockedError). A `listings_adopted` event goes
to the feed. Nothing is ever written to Etsy here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from etsysync_cli.accounts.session import Session
from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.config import Settings
from etsysync_cli.domain.listing import ListingDraft, ListingInventory
from etsysync_cli.domain.mapping import InvalidListing, map_product
from etsysync_cli.domain.product import BadProduct, ProductResult
from etsysync_cli.domain.product import fingerprint as source_fingerprint
from etsysync_cli.domain.shop import fill_defaults
from etsysync_cli.domain.statuses import JobStatus, LinkStatus
from etsysync_cli.errors import AuthError, EtsyError
from etsysync_cli.etsy.listings import (
    ShopListing,
    by_sku,
    by_title,
    normalise_sku,
    normalise_title,
    read_shop_listings,
)
from etsysync_cli.etsy.models import Inventory
from etsysync_cli.flows.shop import shop_profiles
from etsysync_cli.store import jobs, links
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import insert_event

MatchedBy = Literal["sku", "title"]
DUPLICATE_NOTES = 10  # plan notes about duplicates shown; the rest are counted
WANTED_DRAFT_STATES = ("draft", "inactive")


# --- matching (pure) -----------------------------------------------------------------------------


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

    def as_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "title": self.candidate.title,
            "listing_id": self.listing.listing_id,
            "listing_title": self.listing.title,
            "listing_state": self.listing.state,
            "listing_url": self.listing.url,
            "matched_by": self.matched_by,
            "skus": self.shared_skus,
            "status": self.status,
            "differences": list(self.differences),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Conflict:
    """Products and listings that could belong together but not unambiguously: not linked."""

    kind: MatchedBy
    reason: str
    product_ids: tuple[str, ...]
    listing_ids: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "product_ids": list(self.product_ids),
            "listing_ids": list(self.listing_ids),
        }


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
                    f"'{title}': {_count(len(products), 'product')} and "
                    f"{_count(len(same), 'listing')} ({', '.join(map(str, ids))}) have this "
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
            f"{_count(len(on), 'listing')} {', '.join(map(str, on))}"
        )
    return Conflict("sku", "; ".join(parts), pids, ids)


def _list(skus: Iterable[str]) -> str:
    return ", ".join(sorted(skus)) or "no SKU"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- comparing (pure) ----------------------------------------------------------------------------


def differences(draft: ListingDraft, shop: ShopListing) -> list[str]:
    """Names of what the listing holds differently from the draft (see the module doc)."""
    listing = shop.listing
    etsy: dict[str, Any] = {
        "title": listing.title,
        "description": _text(listing.description),
        "who_made": listing.who_made,
        "when_made": listing.when_made,
        "is_supply": listing.is_supply,
        "taxonomy_id": listing.taxonomy_id,
        "type": listing.listing_type or "physical",
        "tags": sorted(listing.tags),
        "materials": sorted(listing.materials),
        "shipping_profile_id": listing.shipping_profile_id,
        "return_policy_id": listing.return_policy_id,
        "item_weight": listing.item_weight,
        "item_weight_unit": listing.item_weight_unit,
    }
    wanted: dict[str, Any] = {
        **draft.update_fields(),
        "description": _text(draft.description),
        "tags": sorted(draft.tags),
        "materials": sorted(draft.materials),
        "item_weight": draft.item_weight,
    }
    found = [name for name in etsy if name in wanted and wanted[name] != etsy[name]]
    if _inventory_key(draft.inventory) != _etsy_inventory_key(shop.inventory):
        found.append("inventory")
    if _state_differs(draft, listing.state):
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


def _inventory_key(inventory: ListingInventory) -> InventoryKey:
    return Counter(
        (
            normalise_sku(product.sku),
            tuple(sorted((v.property_id, tuple(v.values)) for v in product.property_values)),
            tuple((Decimal(o.price), o.quantity, o.is_enabled) for o in product.offerings),
        )
        for product in inventory.products
    )


def _etsy_inventory_key(inventory: Inventory | None) -> InventoryKey:
    if inventory is None:
        return Counter()
    return Counter(
        (
            normalise_sku(product.sku),
            tuple(sorted((v.property_id, tuple(v.values)) for v in product.property_values)),
            tuple(
                (o.price.value, o.quantity, o.is_enabled)
                for o in product.offerings
                if not o.is_deleted
            ),
        )
        for product in inventory.products
        if not product.is_deleted
    )


# --- the adopt flow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    product_id: str
    title: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "title": self.title, "reason": self.reason}


@dataclass(frozen=True)
class AlreadyLinked:
    product_id: str
    title: str
    listing_id: int
    sync_status: str

    def as_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "title": self.title,
            "listing_id": self.listing_id,
            "sync_status": self.sync_status,
        }


@dataclass
class AdoptPreview:
    """What `adopt` found; nothing recorded yet."""

    account_id: int
    shop_name: str
    source: str
    matching: Matching
    already_linked: list[AlreadyLinked]
    skipped: list[Skipped]
    notes: list[str]
    listings_read: int  # listings looked at (linked ones excluded)
    pending_plans: list[str]  # plans not yet confirmed: cancelled when links are recorded
    requests: int = 0  # Etsy requests made

    @property
    def counts(self) -> dict[str, int]:
        matches = self.matching.matches
        return {
            "matches": len(matches),
            "synced": sum(m.status == "synced" for m in matches),
            "out_of_sync": sum(m.status == "out_of_sync" for m in matches),
            "already_linked": len(self.already_linked),
            "unmatched_products": len(self.matching.unmatched_products),
            "unmatched_listings": len(self.matching.unmatched_listings),
            "conflicts": len(self.matching.conflicts),
            "skipped": len(self.skipped),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "shop_name": self.shop_name,
            "source": self.source,
            "listings_read": self.listings_read,
            "requests": self.requests,
            "counts": self.counts,
            "matches": [m.as_json() for m in self.matching.matches],
            "already_linked": [x.as_json() for x in self.already_linked],
            "unmatched_products": [
                {"product_id": c.product_id, "title": c.title, "skus": sorted(c.skus)}
                for c in self.matching.unmatched_products
            ],
            "unmatched_listings": [
                {
                    "listing_id": x.listing_id,
                    "title": x.title,
                    "state": x.state,
                    "skus": sorted(x.skus),
                    "url": x.url,
                }
                for x in self.matching.unmatched_listings
            ],
            "conflicts": [c.as_json() for c in self.matching.conflicts],
            "skipped": [s.as_json() for s in self.skipped],
            "pending_plans": self.pending_plans,
            "notes": self.notes,
        }


def preview(
    settings: Settings,
    store: Store,
    session: Session,
    products: Iterable[ProductResult],
    *,
    source: str,
    today: date | None = None,
) -> AdoptPreview:
    """Read the source (as `plan` does) and the shop's listings, and match them. No writes."""
    account = session.account
    refuse_while_running(store, account.id)
    requests_before = session.client.stats.requests
    profiles = shop_profiles(session, store)
    defaults, notes = fill_defaults(settings.listing, profiles)
    currency = profiles.currency_code or account.currency_code or "USD"
    known = {link.product_id: link for link in links.all_links(store, account.id)}
    candidates: list[Candidate] = []
    already: list[AlreadyLinked] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for result in products:
        if isinstance(result, BadProduct):
            reason = "invalid: " + "; ".join(result.reasons)
            skipped.append(Skipped(result.ref, result.title or result.ref, reason))
            continue
        key = result.key
        if key in seen:
            reason = f"another product in the source has the same id {key}"
            skipped.append(Skipped(key, result.title, reason))
            continue
        seen.add(key)
        link = known.get(key)
        if link is not None and link.etsy_listing_id is not None:
            already.append(
                AlreadyLinked(key, result.title, link.etsy_listing_id, str(link.sync_status))
            )
            continue
        if result.status != "published" or result.is_giftcard:
            skipped.append(Skipped(key, result.title, "not published in the store"))
            continue
        mapped = map_product(result, currency=currency, defaults=defaults, today=today)
        if isinstance(mapped, InvalidListing):
            skipped.append(Skipped(key, result.title, "invalid: " + "; ".join(mapped.reasons)))
            continue
        candidates.append(Candidate(key, mapped.draft, source_fingerprint(result)))
    linked_ids = {x.etsy_listing_id for x in known.values() if x.etsy_listing_id is not None}
    shop = read_shop_listings(session.client, account.shop_id, skip=linked_ids)
    notes.extend(shop.warnings)
    matching = match(candidates, shop.listings)
    matching.matches = [
        Match(
            m.candidate,
            m.listing,
            m.matched_by,
            tuple(differences(m.candidate.draft, m.listing)),
            tuple(state_warnings(m.candidate.draft, m.listing)),
        )
        for m in matching.matches
    ]
    pending = _jobs(store, account.id, ("pending",))
    if pending and matching.matches:
        notes.append(
            f"plan {', '.join(pending)} is not confirmed yet: recording the links cancels it; "
            "run `etsysync plan` again afterwards"
        )
    return AdoptPreview(
        account_id=account.id,
        shop_name=account.shop_name,
        source=source,
        matching=matching,
        already_linked=already,
        skipped=skipped,
        notes=notes,
        listings_read=len(shop.listings),
        pending_plans=pending,
        requests=session.client.stats.requests - requests_before,
    )


@dataclass
class AdoptResult:
    linked: list[Match] = field(default_factory=list)
    left_alone: list[tuple[Match, str]] = field(default_factory=list)  # linked meanwhile
    cancelled_plans: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "linked": len(self.linked),
            "left_alone": [
                {"product_id": m.product_id, "listing_id": m.listing.listing_id, "reason": why}
                for m, why in self.left_alone
            ],
            "cancelled_plans": self.cancelled_plans,
        }


def record(store: Store, found: AdoptPreview) -> AdoptResult:
    """Link every match of the preview, in one transaction (see the module doc)."""
    result = AdoptResult()
    account_id = found.account_id
    with store.atomic() as db:
        refuse_while_running(store, account_id)
        jobs.expire_stale(store)
        for transaction_id in _jobs(store, account_id, (JobStatus.PENDING,)):
            jobs.cancel(store, transaction_id)
            result.cancelled_plans.append(transaction_id)
        for m in found.matching.matches:
            link = links.get(store, account_id, m.product_id)
            if link is not None and link.etsy_listing_id is not None:
                why = f"already linked to listing {link.etsy_listing_id}"
                result.left_alone.append((m, why))
                continue
            owner = links.owner_of(store, account_id, m.listing.listing_id)
            if owner is not None:
                result.left_alone.append((m, f"listing already linked to product {owner}"))
                continue
            links.adopt(store, account_id, m.product_id, _adoption(m))
            result.linked.append(m)
        if result.linked:
            by = Counter(m.matched_by for m in result.linked)
            status = Counter(m.status for m in result.linked)
            insert_event(
                db,
                "listings_adopted",
                f"{_count(len(result.linked), 'listing')} on Etsy linked to products "
                f"({by['sku']} by SKU, {by['title']} by title; {status['synced']} synced, "
                f"{status['out_of_sync']} out of sync)",
                account_id=account_id,
                data={
                    "linked": len(result.linked),
                    "by_sku": by["sku"],
                    "by_title": by["title"],
                    "synced": status["synced"],
                    "out_of_sync": status["out_of_sync"],
                    "source": found.source,
                },
            )
    return result


def _adoption(m: Match) -> links.Adoption:
    return links.Adoption(
        listing_id=m.listing.listing_id,
        listing_url=m.listing.url,
        status=LinkStatus(m.status),
        source_fingerprint=m.candidate.source_fingerprint,
        metadata={
            # The listing's images, content unknown: the next update replaces them.
            "images": [
                {"source": "", "sha256": "", "listing_image_id": image_id}
                for image_id in m.listing.image_ids
            ],
            "listing_state": m.listing.state,
            "adopted": {
                "at": isoformat(utcnow()),
                "matched_by": m.matched_by,
                "differences": list(m.differences),
            },
        },
    )


def refuse_while_running(store: Store, account_id: int) -> None:
    jobs.refuse_while_unfinished(store, account_id, "linking listings")


def _jobs(store: Store, account_id: int, statuses: Sequence[str]) -> list[str]:
    return [job.transaction_id for job in jobs.with_status(store, account_id, statuses)]


# --- plan: would a create duplicate a listing? ---------------------------------------------------


def duplicate_warnings(store: Store, session: Session, job_id: int) -> list[str]:
    """Plan notes for the job's creates whose SKU or title a listing not linked yet carries.

    Reads the shop's listings (Etsy requests) only when the job has creates, so a plan with
    nothing to create costs none. Etsy failing here only turns into a note.
    """
    if not jobs.has_creates(store, job_id):
        return []
    account = session.account
    linked = links.listing_ids(store, account.id)
    try:
        shop = read_shop_listings(session.client, account.shop_id, skip=linked)
    except (EtsyError, AuthError) as exc:
        return [
            f"could not look on Etsy for listings these creates would duplicate ({exc.message}); "
            "`etsysync adopt` checks"
        ]
    skus, titles = by_sku(shop.listings), by_title(shop.listings)
    notes: list[str] = []
    for product_id, payload in jobs.created_drafts(store, job_id):
        draft = ListingDraft.model_validate_json(payload)
        shared = sorted(
            {(x.listing_id, sku) for sku in draft_skus(draft) for x in skus.get(sku, [])}
        )
        if shared:
            listing_id = shared[0][0]
            same = sorted({sku for i, sku in shared if i == listing_id})
            what = f"same SKU {', '.join(same)}"
        else:
            same_title = titles.get(normalise_title(draft.title), [])
            if not same_title:
                continue
            listing_id, what = same_title[0].listing_id, "same title"
        notes.append(
            f"create '{draft.title}' ({product_id}) would duplicate listing {listing_id} "
            f"({what}); run `etsysync adopt` to link it instead"
        )
    if len(notes) > DUPLICATE_NOTES:
        more = len(notes) - DUPLICATE_NOTES
        notes = [
            *notes[:DUPLICATE_NOTES],
            f"… and {more} more creates would duplicate listings; `etsysync adopt` lists them",
        ]
    return [*shop.warnings, *notes] if notes else notes
