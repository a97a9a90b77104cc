"""`plan` and `retry`: read the source, map and validate, diff against the links, stage a job.

source → map (with the shop's defaults) → planner → one staged job, in one transaction;
nothing is sent to Etsy (but the shop's profiles, read at most once a day, and, when something
is to be created, the shop's listings, to warn of duplicates).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic_core

from etsysync_cli.accounts.session import Session
from etsysync_cli.clock import isoformat, isoformat_or_none
from etsysync_cli.config import Settings
from etsysync_cli.domain import planner
from etsysync_cli.domain.listing import DraftFacts
from etsysync_cli.domain.mapping import PreparedListing
from etsysync_cli.domain.product import ProductResult
from etsysync_cli.domain.shop import fill_defaults
from etsysync_cli.domain.statuses import Action
from etsysync_cli.errors import PlanRefusedError
from etsysync_cli.etsy.taxonomy import variation_lookup
from etsysync_cli.flows import adopt, prepare, prepare_pool
from etsysync_cli.flows.prepare import image_problems as image_problems
from etsysync_cli.flows.prepare import shop_problems as shop_problems
from etsysync_cli.flows.refresh import EtsyFlags as EtsyFlags
from etsysync_cli.flows.refresh import EtsyReader
from etsysync_cli.flows.shop import shop_profiles, taxonomy_ids
from etsysync_cli.push.loading import ImagePolicy
from etsysync_cli.reports import PlanDocument, PlanItem
from etsysync_cli.sources import SourceSpec as SourceSpec
from etsysync_cli.sources import read_source
from etsysync_cli.sources import source_from as source_from
from etsysync_cli.store import jobs, links, locks
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event
from etsysync_cli.store.jobs import Job

PUBLISH_FEE_USD = Decimal("0.20")
READ_PROGRESS_EVERY = 500  # products between two updates of the reading bar (file sources)
ETSY_RATE = 10  # requests per second: Etsy's default, for the time estimate


@dataclass
class PlanOptions:
    products: list[str] = field(default_factory=list)
    limit: int | None = None
    prune: bool = False
    ttl: timedelta = timedelta(minutes=60)
    # The Medusa source: drafts too (listed as Etsy drafts), collection/type/tag filters (a part
    # of the store: no orphans), and progress of the read as (products read, total).
    include_drafts: bool = False
    source_filters: dict[str, list[str]] = field(default_factory=dict)
    # Products read so far, and how many there are (None: not known, as in a file).
    on_read: Callable[[int, int | None], None] | None = None
    # Seconds to wait for a push on the shop to finish (a plan never stages during one).
    lock_wait: float = 0
    # --prune on a source that looks incomplete deactivates only if this says how many.
    confirm_deactivations: int | None = None
    warn: Callable[[str], None] | None = None
    etsy: EtsyFlags = field(default_factory=lambda: EtsyFlags())


@dataclass
class PlanResult:
    job: Job
    notes: list[str]
    skipped: int  # not listable in the store (draft, gift card): not part of the plan
    estimated_requests: int
    publish_fees: Decimal
    deactivations: int = 0  # listings the push takes down (--prune)
    prune_withheld: str | None = None  # why --prune deactivates nothing (a doubtful source)
    refreshed: bool = False  # Etsy was read for every linked listing
    refresh_requests: int = 0
    etsy_changed: int = 0  # products whose listing changed (or went) on Etsy
    etsy_differs: int = 0  # products whose listing Etsy holds differently, kept so


def plan(
    settings: Settings,
    store: Store,
    session: Session,
    spec: SourceSpec,
    options: PlanOptions,
    *,
    today: date | None = None,
    read: Callable[[SourceSpec], Iterator[ProductResult]] | None = None,
) -> PlanResult:
    """Stage a plan of the source against the shop's links (nothing is sent to Etsy).

    A plan never stages while a push of the shop is under way: it takes the shop's lock
    (LockedError, exit 6, naming the holder; `lock_wait` seconds to wait for it). A plan made
    against links in flight could create again what the push is creating, and closing it
    could undo what the push records. A run that stopped part-way and that nobody runs any
    more (paused, or its process died) is replaced: closed, so that it can never be resumed
    beside the new plan, which carries its unpushed products (`jobs.supersede_unfinished`).
    """
    account = session.account
    with locks.hold(store, account, "etsysync plan", wait=options.lock_wait, warn=options.warn):
        for closed in jobs.supersede_unfinished(store, account.id):
            if options.warn:
                options.warn(
                    f"Plan {closed.transaction_id} had stopped part-way ({closed.status}); "
                    "the new plan replaces it."
                )
        pooled = read is None and spec.kind == "file"
        catalog = Path(spec.location) if pooled else None
        with prepare_pool.started(catalog, settings.source.workers) as workers:
            return _plan(
                settings, store, session, spec, options, today=today, read=read, workers=workers
            )


def _plan(
    settings: Settings,
    store: Store,
    session: Session,
    spec: SourceSpec,
    options: PlanOptions,
    *,
    today: date | None,
    read: Callable[[SourceSpec], Iterator[ProductResult]] | None,
    workers: prepare_pool.Workers | None,
) -> PlanResult:
    account = session.account
    profiles = shop_profiles(session, store)
    defaults, notes = fill_defaults(settings.listing, profiles)
    categories = taxonomy_ids(settings, session, store)
    if categories is None:
        notes.append(
            "Etsy's category list could not be read: taxonomy ids were not checked (Etsy "
            "refuses an unknown one at confirm)"
        )
    currency = profiles.currency_code or account.currency_code or "USD"
    wanted = set(options.products)
    skipped = 0
    estimate = 0
    activations = 0
    job_options: dict[str, Any] = {
        "prune": options.prune,
        "products": options.products,
        "limit": options.limit,
        "include_drafts": options.include_drafts,
        "source_filters": options.source_filters,
    }
    etsy = EtsyReader(settings, store, session, options.etsy)
    # The confirm-time safety net (a listing deleted between plan and confirm) follows it too.
    job_options["recreate_deleted"] = etsy.policy.recreate_deleted
    # The push reads a listing's stock again when this is old (sync.recheck_stock_after).
    job_options["etsy_read_at"] = isoformat_or_none(etsy.read_at)
    images = image_policy(settings, spec.describe())
    # Read only for products with three options (their third must be a predefined property).
    properties = variation_lookup(session.client.get_taxonomy_properties)
    with jobs.stage(
        store, account_id=account.id, source=spec.describe(), ttl=options.ttl, options=job_options
    ) as stager:
        taken = unreadable = 0
        sku_owners: dict[str, str] = {}  # a SKU on two products: said, not refused
        context = prepare.Context(
            currency=currency,
            defaults=defaults,
            today=today or date.today(),
            profiles=profiles,
            categories=categories,
            images=images,
            wanted=frozenset(wanted),
            include_drafts=options.include_drafts,
        )
        if workers is not None:
            entries = workers.prepared(context, properties)
        else:
            entries = prepare.prepared(
                (read or _reader(settings, spec, options))(spec), context, properties
            )
        for read_so_far, entry in enumerate(entries, 1):
            if options.limit is not None and taken >= options.limit:
                break
            if options.on_read and spec.kind == "file" and read_so_far % READ_PROGRESS_EVERY == 0:
                options.on_read(read_so_far, None)  # Medusa's reader says it with its total
            key = entry.key
            if entry.bad is not None:
                unreadable += key == entry.bad.where  # not even an id could be read
                if entry.unwanted:
                    continue
                item = planner.PlannedItem(
                    key,
                    entry.title,
                    Action.INVALID,
                    reasons=[f"{entry.bad.where}: {r}" for r in entry.bad.reasons],
                )
            else:
                if entry.unwanted:
                    continue
                if entry.skipped:
                    skipped += 1
                    stager.seen.add(key)  # still in the store: not an orphan
                    continue
                mapped = entry.mapped
                assert mapped is not None
                snapshot = stager.link(key)
                if snapshot is None and isinstance(mapped, PreparedListing):
                    item = planner.new_listing(key, mapped, entry.source_fingerprint)
                else:
                    if isinstance(mapped, PreparedListing):
                        mapped = mapped.listing()  # linked: the planner compares the drafts
                    item = planner.plan_product(
                        key,
                        entry.title,
                        mapped,
                        entry.source_fingerprint,
                        snapshot,
                        etsy.side(snapshot),
                    )
            if (facts := item.facts) is not None:
                _note_shared_skus(item, facts, sku_owners)
            taken += 1
            estimate += _estimate_requests(item, facts)
            activations += _activates(item, facts)
            stager.add(item)
            etsy.note(item)
        full_scan = not wanted and options.limit is None and not options.source_filters
        withheld = None
        deactivations = 0
        if full_scan:
            # Ids first, each gone link read once below: 100,000 whole links held at once
            # were most of a re-plan's memory.
            linked = links.linked_ids(store, account.id)
            gone = [product_id for product_id in linked if product_id not in stager.seen]
            if options.prune and gone:
                withheld = prune_doubt(
                    len(gone), len(linked), taken, unreadable, options.confirm_deactivations
                )
            if withheld:
                stager.prune = False  # staged as orphans, not pushed
                job_options["prune"] = False
                notes.append(withheld)
            deactivations = len(gone) if stager.prune else 0
            for product_id in gone:
                snapshot = stager.link(product_id)
                assert snapshot is not None  # linked, in this transaction
                orphan = planner.orphan_item(snapshot)
                estimate += 1 if stager.prune else 0
                stager.add(orphan)
        # Kept with the job (written as staging ends) so that `confirm`'s question can restate
        # what the review said: requests and fees.
        job_options["estimated_requests"] = estimate
        job_options["publish_fees_usd"] = str(PUBLISH_FEE_USD * activations)
        job_id = stager.job_id
    # Reads the shop's listings only when something is to be created.
    notes.extend(adopt.duplicate_warnings(store, session, job_id))
    job = jobs.job_by_id(store, job_id)
    add_event(
        store,
        "job_planned",
        f"plan {job.transaction_id} staged: {_counts_text(job.counts)}",
        account_id=account.id,
        job_id=job.id,
        data={"counts": job.counts},
    )
    if etsy.found:
        add_event(
            store,
            "etsy_changes_found",
            f"plan {job.transaction_id}: {etsy.found_text()}",
            account_id=account.id,
            job_id=job.id,
            data={"products": etsy.found},
        )
    if not options.etsy.refresh:
        notes.append(
            "Etsy was not read (--no-refresh): edits made on Etsy since the last plan are not "
            "seen, and a push may overwrite them"
        )
    return PlanResult(
        job,
        notes,
        skipped,
        estimate,
        PUBLISH_FEE_USD * activations,
        deactivations,
        withheld,
        refreshed=options.etsy.refresh,
        refresh_requests=etsy.requests,
        etsy_changed=len(etsy.found),
        etsy_differs=etsy.differing,
    )


def prune_doubt(
    gone: int, linked: int, read: int, unreadable: int, confirmed: int | None
) -> str | None:
    """Why `--prune` must not take `gone` listings down on this reading of the source, unless
    the seller names that number (`--confirm-deactivations N`); None when it may.

    A source that had lines etsysync could not read (an export cut short, a corrupt line), or
    that holds fewer than half the products linked to listings, is more likely broken than
    emptied: pruning on it would take live listings down by the dozen."""
    if confirmed == gone:
        return None
    reasons = []
    if unreadable:
        reasons.append(f"{unreadable} line(s) of the source could not be read")
    if read * 2 < linked:
        reasons.append(f"it holds {read} products while {linked} are linked to listings")
    if not reasons:
        return None
    return (
        f"--prune would deactivate {gone} listing(s), but the source looks incomplete "
        f"({'; '.join(reasons)}): nothing is deactivated. If those products really left the "
        f"store, plan again with --prune --confirm-deactivations {gone}"
    )


def _note_shared_skus(item: planner.PlannedItem, facts: DraftFacts, owners: dict[str, str]) -> None:
    for sku in sorted(facts.skus):
        owner = owners.setdefault(sku, item.product_id)
        if owner != item.product_id:
            item.warnings.append(
                f"SKU {sku} is also the SKU of product {owner}: Etsy takes it, but stock and "
                "`etsysync adopt` go by SKU"
            )


def _estimate_requests(item: planner.PlannedItem, facts: DraftFacts | None) -> int:
    if facts is None:
        return 0
    activate = 1 if facts.state == "active" and facts.images else 0
    if item.action == "create":
        return 2 + facts.images + activate
    if item.action == "update":
        images = min(facts.images, 2) if "images" in item.changes else 0
        return (
            ("fields" in item.changes)
            + images
            + ("inventory" in item.changes)
            + ("state" in item.changes)
        )
    return 0


def _activates(item: planner.PlannedItem, facts: DraftFacts | None) -> int:
    if facts is None or facts.state != "active" or not facts.images:
        return 0
    return int(item.action == "create" or (item.action == "update" and "state" in item.changes))


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing"


def image_policy(settings: Settings, source: str) -> ImagePolicy:
    """Where the images of products from `source` (a SourceSpec's text) may come from: a file
    catalog's own folder and the `images.local_roots` folders, http(s) URLs off this machine's
    own networks unless `images.allow_private_urls` (push/loading.py)."""
    spec = SourceSpec.parse(source)
    roots = [Path(spec.location).resolve().parent] if spec.kind == "file" else []
    extra = settings.images.local_roots or ""
    roots += [Path(part).expanduser().resolve() for part in extra.split(os.pathsep) if part]
    return ImagePolicy(
        roots=tuple(roots),
        allow_private_urls=settings.images.allow_private_urls,
        download_seconds=settings.images.download_seconds,
    )


def _reader(
    settings: Settings, spec: SourceSpec, options: PlanOptions
) -> Callable[[SourceSpec], Iterator[ProductResult]]:
    if spec.kind == "medusa":  # the selection goes to Medusa's API
        from etsysync_cli.sources import medusa

        selection = medusa.Selection.build(
            options.products, options.include_drafts, options.source_filters
        )
        return medusa.reader(settings, selection, on_progress=options.on_read)
    return lambda spec: read_source(settings, spec)


def retry(
    settings: Settings,
    store: Store,
    session: Session,
    transaction_id: str,
    *,
    ttl: timedelta,
    warn: Callable[[str], None] | None = None,
) -> PlanResult:
    """A new plan for the products that failed in job `transaction_id`, from its source."""
    spec, failed = retry_spec(store, transaction_id, session.account.id)
    options = PlanOptions(products=failed, ttl=ttl, warn=warn)
    return plan(settings, store, session, spec, options)


def retry_spec(store: Store, transaction_id: str, account_id: int) -> tuple[SourceSpec, list[str]]:
    """The source and the products to re-plan for `retry TXN`."""
    job = jobs.find_job(store, transaction_id)
    if job.account_id != account_id:
        raise PlanRefusedError(f"plan {transaction_id} is for another shop")
    failed = jobs.failed_products(store, job.id)
    if not failed:
        raise PlanRefusedError(
            f"plan {transaction_id} has no failed products to retry",
            hint=f"`etsysync status {transaction_id}` shows it",
        )
    return SourceSpec.parse(job.source), failed


# --- the plan as reported ----------------------------------------------------------------------


def item_report(row: dict[str, Any], *, prune: bool = False) -> PlanItem:
    """One plan item as `plan --json` and `status TXN --json` report it; in a plan made with
    `--prune` (`prune`), an orphan is reported as the deactivation it is."""
    detail = json.loads(row["changes"] or "{}")
    action = row["action"]
    if action == Action.ORPHANED and prune:
        action = "deactivate"
    return PlanItem(
        product_id=row["product_id"],
        action=action,
        title=row["title"],
        listing_id=row["listing_id"],
        changes=detail.get("changes", []),
        changed_fields=detail.get("fields", []),
        warnings=detail.get("warnings", []),
        reasons=json.loads(row["reasons"] or "[]"),
        outcome=row["outcome"],
        error=row["error"],
        etsy_state=detail.get("etsy_state"),
        etsy_changes=detail.get("etsy_changes", []),
        sold_on_etsy=detail.get("sold_on_etsy", 0),
        diff=detail.get("diff", []),
        **(_draft_summary(row["payload"]) if row["payload"] else {}),
    )


def _draft_summary(payload: str) -> dict[str, Any]:
    """The report's columns of a staged draft, read from its JSON as it was staged (the
    ListingDraft model's whole dump: every field is there, prices as decimal strings). Reading
    the plain JSON, not validating the draft, halves the cost of an item of `plan --json`."""
    draft = pydantic_core.from_json(payload)
    offered = [o["price"] for p in draft["inventory"]["products"] for o in p["offerings"]]
    prices = [Decimal(price) for price in offered or [draft["price"]]]
    return {
        "currency_code": draft["currency_code"],
        "price_min": str(min(prices)),
        "price_max": str(max(prices)),
        "quantity": draft["quantity"],
        "images": len(draft["images"]),
        "variants": len(draft["inventory"]["products"]),
        "state": draft["state"],
    }


def items(
    store: Store,
    job: Job,
    *,
    failed_only: bool = False,
    skip_unchanged: bool = False,
    limit: int | None = None,
) -> Iterator[PlanItem]:
    for row in jobs.job_items(
        store, job.id, failed_only=failed_only, skip_unchanged=skip_unchanged, limit=limit
    ):
        yield item_report(row, prune=bool(job.options.get("prune")))


def plan_document(store: Store, result: PlanResult) -> PlanDocument:
    document = plan_head(result)
    document.items = list(items(store, result.job))
    return document


def plan_head(result: PlanResult) -> PlanDocument:
    """`plan_document` without its items, for a view that writes them as `items()` reads them."""
    job = result.job
    return PlanDocument(
        transaction_id=job.transaction_id,
        status=str(job.status),
        expires_at=isoformat(job.expires_at),
        counts=job.counts,
        to_push=job.total_products,
        deactivations=result.deactivations,
        prune_withheld=result.prune_withheld,
        skipped=result.skipped,
        estimated_requests=result.estimated_requests,
        estimated_seconds=estimated_seconds(result),
        publish_fees_usd=str(result.publish_fees),
        notes=result.notes,
        refreshed=result.refreshed,
        refresh_requests=result.refresh_requests,
        items=[],
    )


def estimated_seconds(result: PlanResult) -> float:
    return round(result.estimated_requests / ETSY_RATE, 1)
