"""`etsysync adopt`: link listings already on Etsy to the source's products instead of creating
duplicates, and, in `plan`, warn when a create would duplicate one. Matching and comparing are
pure (domain/matching.py); this module reads the source and the shop, and records.

**Who takes part.** Products that are published in the store, map to a valid listing and have
no listing linked yet; listings (every state, see etsy/listings.py) that no product of the
account is linked to. Products already linked are left alone and reported.

**Recording** (`record`): one transaction. Each match becomes a link with the listing's id, URL
and state, its images (content unknown), status `synced` when nothing compared differs, else
`out_of_sync`, and no `synced_payload`: the next plan sends each adopted listing one full
update (fields, images, inventory, state), the only way to be sure it holds exactly the
reviewed payload. Plans not yet confirmed are cancelled (their links were staged before these);
the shop's lock is held, and a run in progress or paused refuses the adoption (LockedError).
A `listings_adopted` event goes to the feed. Nothing is ever written to Etsy here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from etsysync_cli.accounts.session import Session
from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.config import Settings
from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.domain.mapping import InvalidListing, map_product
from etsysync_cli.domain.matching import (
    Candidate,
    Match,
    Matching,
    by_sku,
    by_title,
    differences,
    draft_skus,
    match,
    normalise_title,
    plural,
    state_warnings,
)
from etsysync_cli.domain.product import BadProduct
from etsysync_cli.domain.product import fingerprint as source_fingerprint
from etsysync_cli.domain.shop import fill_defaults
from etsysync_cli.domain.statuses import JobStatus, LinkStatus
from etsysync_cli.errors import AuthError, EtsyError
from etsysync_cli.etsy.listings import read_shop_listings
from etsysync_cli.etsy.taxonomy import variation_lookup
from etsysync_cli.flows.shop import shop_profiles
from etsysync_cli.reports import (
    AdoptAlreadyLinked,
    AdoptConflict,
    AdoptCounts,
    AdoptDocument,
    AdoptLeftAlone,
    AdoptMatch,
    AdoptSkipped,
    AdoptUnmatchedListing,
    AdoptUnmatchedProduct,
    Report,
)
from etsysync_cli.sources import SourceSpec, read_source
from etsysync_cli.store import jobs, links, locks
from etsysync_cli.store.accounts import get_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import insert_event

DUPLICATE_NOTES = 10  # plan notes about duplicates shown; the rest are counted


# --- the adopt flow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    product_id: str
    title: str
    reason: str


@dataclass(frozen=True)
class AlreadyLinked:
    product_id: str
    title: str
    listing_id: int
    sync_status: str


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


def preview(
    settings: Settings,
    store: Store,
    session: Session,
    spec: SourceSpec,
    *,
    today: date | None = None,
) -> AdoptPreview:
    """Read the source (as `plan` does) and the shop's listings, and match them. No writes."""
    source = spec.describe()
    products = read_source(settings, spec)
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
    properties = variation_lookup(session.client.get_taxonomy_properties)
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
        mapped = map_product(
            result,
            currency=currency,
            defaults=defaults,
            today=today,
            variation_properties=properties,
        )
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


def record(store: Store, found: AdoptPreview) -> AdoptResult:
    """Link every match of the preview, in one transaction (see the module doc)."""
    result = AdoptResult()
    account_id = found.account_id
    with (
        locks.hold(store, get_account(store, account_id), "etsysync adopt"),
        store.atomic() as db,
    ):
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
                f"{plural(len(result.linked), 'listing')} on Etsy linked to products "
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
    if not shop.listings:
        return []  # nothing unlinked to duplicate: the creates are not read back
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


# --- the report ----------------------------------------------------------------------------------


def document(found: AdoptPreview, result: AdoptResult | None) -> AdoptDocument:
    """`adopt --json`: the preview, and what was recorded (nothing when `result` is None)."""
    head, lists = document_parts(found, result)
    for name, items in lists.items():
        setattr(head, name, list(items))
    return head


def document_parts(
    found: AdoptPreview, result: AdoptResult | None
) -> tuple[AdoptDocument, dict[str, Iterator[Report]]]:
    """`document` with its long lists (one entry per listing or product) left empty, and
    those lists as iterators: a view can write them one entry at a time."""
    matching = found.matching
    matches = matching.matches
    done = result or AdoptResult()
    lists: dict[str, Iterator[Report]] = {
        "matches": (
            AdoptMatch(
                product_id=m.product_id,
                title=m.candidate.title,
                listing_id=m.listing.listing_id,
                listing_title=m.listing.title,
                listing_state=m.listing.state,
                listing_url=m.listing.url,
                matched_by=m.matched_by,
                skus=m.shared_skus,
                status=m.status,
                differences=list(m.differences),
                warnings=list(m.warnings),
            )
            for m in matches
        ),
        "already_linked": (AdoptAlreadyLinked(**asdict(x)) for x in found.already_linked),
        "unmatched_products": (
            AdoptUnmatchedProduct(product_id=c.product_id, title=c.title, skus=sorted(c.skus))
            for c in matching.unmatched_products
        ),
        "unmatched_listings": (
            AdoptUnmatchedListing(
                listing_id=x.listing_id,
                title=x.title,
                state=x.state,
                skus=sorted(x.skus),
                url=x.url,
            )
            for x in matching.unmatched_listings
        ),
        "skipped": (AdoptSkipped(**asdict(x)) for x in found.skipped),
    }
    head = AdoptDocument(
        shop_name=found.shop_name,
        source=found.source,
        listings_read=found.listings_read,
        requests=found.requests,
        counts=AdoptCounts(
            matches=len(matches),
            synced=sum(m.status == "synced" for m in matches),
            out_of_sync=sum(m.status == "out_of_sync" for m in matches),
            already_linked=len(found.already_linked),
            unmatched_products=len(matching.unmatched_products),
            unmatched_listings=len(matching.unmatched_listings),
            conflicts=len(matching.conflicts),
            skipped=len(found.skipped),
        ),
        matches=[],
        already_linked=[],
        unmatched_products=[],
        unmatched_listings=[],
        conflicts=[
            AdoptConflict(
                kind=c.kind,
                reason=c.reason,
                product_ids=list(c.product_ids),
                listing_ids=list(c.listing_ids),
            )
            for c in matching.conflicts
        ],
        skipped=[],
        pending_plans=found.pending_plans,
        notes=found.notes,
        recorded=result is not None,
        linked=len(done.linked),
        left_alone=[
            AdoptLeftAlone(product_id=m.product_id, listing_id=m.listing.listing_id, reason=why)
            for m, why in done.left_alone
        ],
        cancelled_plans=done.cancelled_plans,
    )
    return head, lists
