"""The sync flows the commands call: plan, confirm, retry.

plan:    source → map (with the shop's defaults) → planner → one staged job (nothing sent to Etsy)
confirm: the staged job → runner → outcomes recorded one by one → job completed/failed/paused
retry:   a new plan for the failed products of a job, from the same source
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from etsysync_cli.accounts.session import Session
from etsysync_cli.config import Settings, load_settings
from etsysync_cli.domain import planner
from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.domain.mapping import InvalidListing, map_product
from etsysync_cli.domain.product import BadProduct, ProductResult
from etsysync_cli.domain.product import fingerprint as source_fingerprint
from etsysync_cli.domain.shop import fill_defaults
from etsysync_cli.domain.statuses import Action, LinkStatus
from etsysync_cli.errors import EtsysyncError, PlanRefusedError, UsageError
from etsysync_cli.flows import adopt
from etsysync_cli.flows.shop import shop_profiles
from etsysync_cli.push.items import RunEvent, RunSummary
from etsysync_cli.push.runner import run_items
from etsysync_cli.sources import medusa
from etsysync_cli.sources.files import iter_products, load_image
from etsysync_cli.store import jobs, links, locks
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event
from etsysync_cli.store.jobs import Job
from etsysync_cli.store.recorder import JobRecorder, push_items

PUBLISH_FEE_USD = Decimal("0.20")


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # "file" (the Medusa source comes later)
    location: str

    def describe(self) -> str:
        return f"{self.kind}:{self.location}"

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        kind, _, location = text.partition(":")
        return cls(kind, location)


def source_from(settings: Settings, kind: str | None, path: str | None) -> SourceSpec:
    kind = kind or settings.source.kind or ("file" if path or settings.source.path else None)
    if kind is None:
        raise UsageError(
            "no product source: pass --source file PATH",
            hint="or set it once: `etsysync config set source.kind file` and "
            "`etsysync config set source.path PATH`",
        )
    if kind == "medusa":
        if path:
            raise UsageError("the medusa source reads the store's Admin API; it takes no PATH")
        return SourceSpec("medusa", medusa.configured_url(settings))
    if kind != "file":
        raise UsageError(f"unknown source {kind!r}; the source can be: file, medusa")
    location = path or settings.source.path
    if not location:
        raise UsageError("the file source needs a catalog path: --source file PATH")
    resolved = Path(location).expanduser().absolute()
    if not resolved.is_file():
        raise UsageError(f"the catalog file {resolved} does not exist")
    return SourceSpec("file", str(resolved))


def read_source(spec: SourceSpec) -> Iterator[ProductResult]:
    if spec.kind == "medusa":
        return medusa.reader(load_settings().settings)(spec)
    return iter_products(spec.location)


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
    on_read: Callable[[int, int], None] | None = None
    # Seconds to wait for a push on the shop to finish (a plan never stages during one).
    lock_wait: float = 0
    warn: Callable[[str], None] | None = None


@dataclass
class PlanResult:
    job: Job
    notes: list[str]
    skipped: int  # not listable in the store (draft, gift card): not part of the plan
    estimated_requests: int
    publish_fees: Decimal


def plan(
    settings: Settings,
    store: Store,
    session: Session,
    spec: SourceSpec,
    options: PlanOptions,
    *,
    today: date | None = None,
    read: Callable[[SourceSpec], Iterator[ProductResult]] = read_source,
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
        return _plan(settings, store, session, spec, options, today=today, read=read)


def _plan(
    settings: Settings,
    store: Store,
    session: Session,
    spec: SourceSpec,
    options: PlanOptions,
    *,
    today: date | None,
    read: Callable[[SourceSpec], Iterator[ProductResult]],
) -> PlanResult:
    account = session.account
    profiles = shop_profiles(session, store)
    defaults, notes = fill_defaults(settings.listing, profiles)
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
    if spec.kind == "medusa" and read is read_source:  # the selection goes to Medusa's API
        selection = medusa.Selection.build(
            options.products, options.include_drafts, options.source_filters
        )
        read = medusa.reader(settings, selection, on_progress=options.on_read)
    with jobs.stage(
        store, account_id=account.id, source=spec.describe(), ttl=options.ttl, options=job_options
    ) as stager:
        taken = 0
        for result in read(spec):
            if options.limit is not None and taken >= options.limit:
                break
            if isinstance(result, BadProduct):
                key = result.ref
                if wanted and key not in wanted:
                    continue
                item = planner.PlannedItem(
                    key,
                    result.title or key,
                    Action.INVALID,
                    reasons=[f"{result.where}: {r}" for r in result.reasons],
                )
            else:
                key = result.key
                if wanted and key not in wanted and result.handle not in wanted:
                    continue
                listed = ("published", "draft") if options.include_drafts else ("published",)
                if result.status not in listed or result.is_giftcard:
                    skipped += 1
                    stager.seen.add(key)  # still in the store: not an orphan
                    continue
                mapped = map_product(result, currency=currency, defaults=defaults, today=today)
                item = planner.plan_product(
                    key, result.title, mapped, source_fingerprint(result), stager.link(key)
                )
            taken += 1
            estimate += _estimate_requests(item)
            activations += _activates(item)
            stager.add(item)
        full_scan = not wanted and options.limit is None and not options.source_filters
        if full_scan:
            gone = [x for x in links.linked(store, account.id) if x.product_id not in stager.seen]
            for link in gone:
                orphan = planner.orphan_item(link.snapshot())
                estimate += 1 if options.prune else 0
                stager.add(orphan)
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
    return PlanResult(job, notes, skipped, estimate, PUBLISH_FEE_USD * activations)


def _estimate_requests(item: planner.PlannedItem) -> int:
    if item.draft is None:
        return 0
    activate = 1 if item.draft.state == "active" and item.draft.images else 0
    if item.action == "create":
        return 2 + len(item.draft.images) + activate
    if item.action == "update":
        images = min(len(item.draft.images), 2) if "images" in item.changes else 0
        return (
            ("fields" in item.changes)
            + images
            + ("inventory" in item.changes)
            + ("state" in item.changes)
        )
    return 0


def _activates(item: planner.PlannedItem) -> int:
    if item.draft is None or item.draft.state != "active" or not item.draft.images:
        return 0
    return int(item.action == "create" or (item.action == "update" and "state" in item.changes))


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing"


# --- confirm -----------------------------------------------------------------------------------


@dataclass
class ConfirmResult:
    job: Job
    summary: RunSummary


def image_loader(http: httpx.Client) -> Callable[[ImageRef], bytes]:
    def load(ref: ImageRef) -> bytes:
        return load_image(ref, http=http)

    return load


def confirm(
    settings: Settings,
    store: Store,
    session: Session,
    transaction_id: str,
    *,
    on_event: Callable[[RunEvent], None] | None = None,
    stop: threading.Event | None = None,
    lock_wait: float = 0,
    warn: Callable[[str], None] | None = None,
) -> ConfirmResult:
    """Push a staged (or resume a stopped) job, holding the account's lock throughout."""
    with locks.hold(
        store, session.account, f"etsysync confirm {transaction_id}", wait=lock_wait, warn=warn
    ):
        return _run_job(settings, store, session, transaction_id, on_event, stop)


def _run_job(
    settings: Settings,
    store: Store,
    session: Session,
    transaction_id: str,
    on_event: Callable[[RunEvent], None] | None,
    stop: threading.Event | None,
) -> ConfirmResult:
    # Checked under the lock: two runs cannot both find the job confirmable.
    job = jobs.check_confirmable(store, transaction_id, session.account.id)
    job = jobs.start_run(store, job)
    add_event(
        store,
        "job_started",
        f"pushing plan {job.transaction_id} ({job.total_products - job.synced_count} to go)",
        account_id=job.account_id,
        job_id=job.id,
    )
    recorder = JobRecorder(store, job)
    with httpx.Client(timeout=60, follow_redirects=True) as http:
        summary = run_items(
            session.client,
            session.account.shop_id,
            push_items(store, job),
            recorder,
            load_image=image_loader(http),
            concurrency=settings.sync.concurrency,
            on_event=on_event,
            stop=stop,
        )
    job = jobs.finish_run(store, job.id, stopped_early=summary.stopped_early)
    kind = {"completed": "job_completed", "failed": "job_failed"}.get(job.status, "job_paused")
    message = f"plan {job.transaction_id} {job.status}: {job.synced_count} synced, " + (
        f"{job.failed_count} failed"
    )
    if summary.stop_reason:
        message += f" (stopped: {summary.stop_reason})"
    add_event(store, kind, message, account_id=job.account_id, job_id=job.id)
    _write_back(settings, store, job)
    return ConfirmResult(job, summary)


def retry_spec(store: Store, transaction_id: str, account_id: int) -> tuple[SourceSpec, list[str]]:
    """The source and the products to re-plan for `retry TXN`."""
    job = jobs.find_job(store, transaction_id)
    if job.account_id != account_id:
        raise PlanRefusedError(f"plan {transaction_id} is for another shop")
    failed = [
        row["product_id"] for row in jobs.job_items(store, job.id) if row["outcome"] == "failed"
    ]
    if not failed:
        raise PlanRefusedError(
            f"plan {transaction_id} has no failed products to retry",
            hint=f"`etsysync status {transaction_id}` shows it",
        )
    return SourceSpec.parse(job.source), failed


__all__ = ["EtsysyncError", "InvalidListing", "PlanOptions", "PlanResult", "confirm", "plan"]


def _write_back(settings: Settings, store: Store, job: Job) -> None:
    """With `medusa.write_back` on, after a run from a Medusa source: the synced products'
    Etsy links go into their Medusa metadata. Failures are feed events, never errors."""
    kind, _, url = job.source.partition(":")
    if kind != "medusa" or not settings.medusa.write_back:
        return
    etsy_links = []
    for product_id in jobs.synced_pushes(store, job.id):
        link = links.get(store, job.account_id, product_id)
        if link is None or link.sync_status != LinkStatus.SYNCED or not link.etsy_listing_id:
            continue
        etsy_links.append(
            medusa.EtsyLink(
                product_id,
                link.etsy_listing_id,
                link.etsy_url,
                str(link.sync_status),
                link.last_synced_at,
            )
        )
    if not etsy_links:
        return

    def report(kind: str, message: str, product_id: str | None, data: dict[str, Any]) -> None:
        add_event(
            store,
            kind,
            message,
            account_id=job.account_id,
            job_id=job.id,
            product_id=product_id,
            data=data,
        )

    medusa.write_back(settings, url, etsy_links, report)
