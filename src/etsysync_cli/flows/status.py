"""What `status` reports: the shops, link counts, jobs, one job and its items, one product's
link, and the feed. Reading only (but plans past their lifetime are expired first)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from etsysync_cli.clock import isoformat, isoformat_or_none
from etsysync_cli.domain.statuses import LinkStatus
from etsysync_cli.errors import NotConnectedError, NotFoundError
from etsysync_cli.reports import (
    AccountSummary,
    AppQuota,
    ErrorLogEntry,
    FeedDocument,
    FeedEvent,
    JobDocument,
    JobReport,
    LinkReport,
    PlanItem,
    StatusDocument,
)
from etsysync_cli.store import etsy_views, jobs, links
from etsysync_cli.store.accounts import Account, find_account, list_accounts
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import feed as read_feed
from etsysync_cli.store.invalid import InvalidProduct, invalid_product, invalid_products
from etsysync_cli.store.jobs import Job
from etsysync_cli.store.pacing import read_pacing

RECENT_JOBS = 10
INVALID = "invalid"  # a reported status, not a link's: the product was not sent (store/invalid.py)


def job_report(job: Job) -> JobReport:
    return JobReport(
        transaction_id=job.transaction_id,
        status=job.status.value,
        source=job.source,
        total_products=job.total_products,
        synced_count=job.synced_count,
        failed_count=job.failed_count,
        invalid_count=job.counts.get("invalid", 0),
        counts=job.counts,
        error_log=[ErrorLogEntry(**entry) for entry in job.error_log],
        created_at=isoformat(job.created_at),
        expires_at=isoformat(job.expires_at),
        confirmed_at=isoformat_or_none(job.confirmed_at),
        started_at=isoformat_or_none(job.started_at),
        completed_at=isoformat_or_none(job.completed_at),
        superseded_by=job.superseded_by,
    )


def link_report(
    link: links.Link,
    view: etsy_views.EtsyView | None = None,
    invalid: InvalidProduct | None = None,
) -> LinkReport:
    """One link as `status --product` reports it. A synced listing that Etsy holds differently
    (edits kept from Etsy, deleted there: the last refresh's view) is out of sync; a product
    the latest plan found invalid is `invalid`, whatever its listing holds (never `synced`:
    the store's product is not on Etsy)."""
    if view is not None and view.listing_id != link.etsy_listing_id:
        view = None  # what was seen of an older listing
    status = link.sync_status.value
    if view is not None and view.out_of_sync and link.sync_status == LinkStatus.SYNCED:
        status = LinkStatus.OUT_OF_SYNC.value
    if invalid is not None:
        status = INVALID
    return LinkReport(
        product_id=link.product_id,
        sync_status=status,
        etsy_state=view.etsy_state if view else None,
        etsy_differs=(["deleted"] if view.deleted else view.differs) if view else [],
        etsy_listing_id=link.etsy_listing_id,
        etsy_url=link.etsy_url,
        listing_state=link.listing_state,
        images=len(link.images),
        last_synced_at=link.last_synced_at,
        sync_error=link.sync_error,
        reasons=invalid.reasons if invalid else [],
    )


def invalid_report(invalid: InvalidProduct) -> LinkReport:
    """A product that was never sent (invalid at its first plans): no link, only reasons."""
    return LinkReport(
        product_id=invalid.product_id,
        sync_status=INVALID,
        etsy_listing_id=None,
        etsy_url=None,
        listing_state=None,
        images=0,
        last_synced_at=None,
        sync_error=None,
        reasons=invalid.reasons,
    )


def invalid_reports(store: Store, account_id: int) -> list[LinkReport]:
    """Every product the latest plans found invalid, with its link where it has one."""
    found = []
    for invalid in invalid_products(store, account_id):
        link = links.get(store, account_id, invalid.product_id)
        if link is None:
            found.append(invalid_report(invalid))
        else:
            view = etsy_views.get(store, account_id, invalid.product_id)
            found.append(link_report(link, view, invalid))
    return found


def link_counts(store: Store, account_id: int) -> dict[str, int]:
    """Products per status: a synced one that Etsy holds differently counted out of sync, and
    one the latest plan found invalid counted as invalid only (linked or not)."""
    counts = links.counts(store, account_id)
    for view in etsy_views.out_of_sync(store, account_id):
        link = links.get(store, account_id, view.product_id)
        if link is not None and link_report(link, view).sync_status != link.sync_status.value:
            counts[LinkStatus.SYNCED.value] -= 1
            counts[LinkStatus.OUT_OF_SYNC.value] += 1
    counts[INVALID] = 0
    for invalid in invalid_products(store, account_id):
        link = links.get(store, account_id, invalid.product_id)
        if link is not None:
            seen = etsy_views.get(store, account_id, invalid.product_id)
            counts[link_report(link, seen).sync_status] -= 1
        counts[INVALID] += 1
    return counts


def shop_or_none(store: Store, name: str | None) -> Account | None:
    """The named shop, else the active one, else None (status works with no shop)."""
    try:
        return find_account(store, name)
    except NotConnectedError:
        if name:
            raise
        return None


def app_quota(home: Path, keystring: str | None) -> AppQuota | None:
    """The app's daily quota as the pacing file last heard it from Etsy (no request made)."""
    state = read_pacing(home, keystring) if keystring else None
    if state is None or state.seen_at is None:
        return None
    return AppQuota(
        limit_per_day=state.limit_per_day,
        remaining_today=state.remaining_today,
        seen_at=isoformat(datetime.fromtimestamp(state.seen_at, UTC)),
    )


def overview(
    store: Store,
    account: str | None,
    *,
    failed: bool = False,
    home: Path | None = None,
    keystring: str | None = None,
) -> StatusDocument:
    document, failures = overview_parts(
        store, account, failed=failed, home=home, keystring=keystring
    )
    if failures is not None:
        document.failed = list(failures)
    return document


def overview_parts(
    store: Store,
    account: str | None,
    *,
    failed: bool = False,
    home: Path | None = None,
    keystring: str | None = None,
) -> tuple[StatusDocument, Iterator[LinkReport] | None]:
    """The overview without its failed links, and (with `failed`, for a shop) those links as
    they are read: a view can write them one by one. `home` and `keystring` (the settings'
    default app) add the app's daily quota."""
    jobs.expire_stale(store)
    shop = shop_or_none(store, account)
    doc = StatusDocument(
        accounts=[
            AccountSummary(shop_id=a.shop_id, shop_name=a.shop_name, is_active=a.is_active)
            for a in list_accounts(store)
        ],
        active_shop=shop.shop_name if shop else None,
        links=link_counts(store, shop.id) if shop else {},
        jobs=[
            job_report(job)
            for job in jobs.recent_jobs(store, shop.id if shop else None, RECENT_JOBS)
        ],
    )
    if home is not None and shop is not None:
        doc.app_quota = app_quota(home, shop.keystring or keystring)
    if not (failed and shop):
        return doc, None
    invalid = invalid_reports(store, shop.id)
    shown = {x.product_id for x in invalid}
    failures = links.with_status(store, shop.id, LinkStatus.FAILED)
    return doc, itertools.chain(
        (link_report(x) for x in failures if x.product_id not in shown), invalid
    )


def job_document(store: Store, transaction_id: str, *, failed: bool = False) -> JobDocument:
    document, items = job_parts(store, transaction_id, failed=failed)
    document.items = list(items)
    return document


def job_parts(
    store: Store, transaction_id: str, *, failed: bool = False
) -> tuple[JobDocument, Iterator[PlanItem]]:
    """The job without its items, and its items as they are read (see `overview_parts`)."""
    from etsysync_cli.flows.plan import items  # the planner's imports: not for the overview

    jobs.expire_stale(store)
    job = jobs.find_job(store, transaction_id)
    return JobDocument(**job_report(job).model_dump(), items=[]), items(
        store, job, failed_only=failed
    )


def product_link(store: Store, account: str | None, product_id: str) -> LinkReport:
    shop = find_account(store, account)
    link = links.get(store, shop.id, product_id)
    invalid = invalid_product(store, shop.id, product_id)
    if link is None and invalid is not None:
        return invalid_report(invalid)
    if link is None:
        raise NotFoundError(
            f"product {product_id} has no link with shop {shop.shop_name}",
            hint="it has not been planned yet: run `etsysync plan`",
        )
    return link_report(link, etsy_views.get(store, shop.id, product_id), invalid)


def feed(store: Store, account: str | None, limit: int = 50) -> FeedDocument:
    shop = shop_or_none(store, account)
    return FeedDocument(
        events=[FeedEvent(**row) for row in read_feed(store, shop.id if shop else None, limit)]
    )
