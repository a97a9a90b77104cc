"""What `status` reports: the shops, link counts, jobs, one job and its items, one product's
link, and the feed. Reading only (but plans past their lifetime are expired first).

The overview and a product's link are plain data (`Overview`, `LinkState`): the table `status`
prints needs none of reports.py's models, which cost more to import than the rest of the
command (issue 17). `--json` turns them into their documents (`status_document`, `link_report`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from etsysync_cli.clock import isoformat, isoformat_or_none
from etsysync_cli.domain.statuses import LinkStatus
from etsysync_cli.errors import NotConnectedError, NotFoundError
from etsysync_cli.store import etsy_views, jobs, links
from etsysync_cli.store.accounts import Account, find_account, list_accounts
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import feed as read_feed
from etsysync_cli.store.invalid import InvalidProduct, invalid_product, invalid_products
from etsysync_cli.store.jobs import Job
from etsysync_cli.store.pacing import read_pacing

if TYPE_CHECKING:
    from etsysync_cli.reports import (
        FeedDocument,
        JobDocument,
        JobReport,
        LinkReport,
        PlanItem,
        StatusDocument,
    )

RECENT_JOBS = 10
INVALID = "invalid"  # a reported status, not a link's: the product was not sent (store/invalid.py)


# Named tuples, not dataclasses: a fraction of the cost to define at start-up (a dataclass
# generates and compiles its methods when defined).
class LinkState(NamedTuple):
    """One product as `status` reports it: the fields of `LinkReport`, in its order."""

    product_id: str
    sync_status: str
    etsy_listing_id: int | None
    etsy_url: str | None
    listing_state: str | None
    etsy_state: str | None
    etsy_differs: list[str]
    images: int
    last_synced_at: str | None
    sync_error: str | None
    reasons: list[str]


class Quota(NamedTuple):
    """What Etsy last said of the app's daily quota (`AppQuota` of reports.py)."""

    limit_per_day: int | None
    remaining_today: int | None
    seen_at: str


class Overview(NamedTuple):
    """The shops, the one in use (None: no shop connected), its products per status, its
    recent jobs, the app's quota, and (with --failed) its failed and invalid products."""

    accounts: list[Account]
    shop: Account | None
    links: dict[str, int]
    jobs: list[Job]
    app_quota: Quota | None = None
    failed: list[LinkState] | None = None


def job_report(job: Job) -> JobReport:
    from etsysync_cli.reports import ErrorLogEntry, JobReport

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


def link_state(
    link: links.Link,
    view: etsy_views.EtsyView | None = None,
    invalid: InvalidProduct | None = None,
) -> LinkState:
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
    return LinkState(
        product_id=link.product_id,
        sync_status=status,
        etsy_listing_id=link.etsy_listing_id,
        etsy_url=link.etsy_url,
        listing_state=link.listing_state,
        etsy_state=view.etsy_state if view else None,
        etsy_differs=(["deleted"] if view.deleted else view.differs) if view else [],
        images=len(link.images),
        last_synced_at=link.last_synced_at,
        sync_error=link.sync_error,
        reasons=invalid.reasons if invalid else [],
    )


def invalid_state(invalid: InvalidProduct) -> LinkState:
    """A product that was never sent (invalid at its first plans): no link, only reasons."""
    return LinkState(
        product_id=invalid.product_id,
        sync_status=INVALID,
        etsy_listing_id=None,
        etsy_url=None,
        listing_state=None,
        etsy_state=None,
        etsy_differs=[],
        images=0,
        last_synced_at=None,
        sync_error=None,
        reasons=invalid.reasons,
    )


def invalid_states(store: Store, account_id: int) -> list[LinkState]:
    """Every product the latest plans found invalid, with its link where it has one."""
    found = []
    for invalid in invalid_products(store, account_id):
        link = links.get(store, account_id, invalid.product_id)
        if link is None:
            found.append(invalid_state(invalid))
        else:
            view = etsy_views.get(store, account_id, invalid.product_id)
            found.append(link_state(link, view, invalid))
    return found


def link_report(state: LinkState) -> LinkReport:
    """The `--json` form of a product's state."""
    from etsysync_cli.reports import LinkReport

    return LinkReport(**state._asdict())


def link_counts(store: Store, account_id: int) -> dict[str, int]:
    """Products per status: a synced one that Etsy holds differently counted out of sync, and
    one the latest plan found invalid counted as invalid only (linked or not)."""
    counts = links.counts(store, account_id)
    for view in etsy_views.out_of_sync(store, account_id):
        link = links.get(store, account_id, view.product_id)
        if link is not None and link_state(link, view).sync_status != link.sync_status.value:
            counts[LinkStatus.SYNCED.value] -= 1
            counts[LinkStatus.OUT_OF_SYNC.value] += 1
    counts[INVALID] = 0
    for invalid in invalid_products(store, account_id):
        link = links.get(store, account_id, invalid.product_id)
        if link is not None:
            seen = etsy_views.get(store, account_id, invalid.product_id)
            counts[link_state(link, seen).sync_status] -= 1
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


def app_quota(home: Path, keystring: str | None) -> Quota | None:
    """The app's daily quota as the pacing file last heard it from Etsy (no request made)."""
    state = read_pacing(home, keystring) if keystring else None
    if state is None or state.seen_at is None:
        return None
    return Quota(
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
) -> Overview:
    found, failures = overview_parts(store, account, failed=failed, home=home, keystring=keystring)
    if failures is not None:
        return found._replace(failed=list(failures))
    return found


def overview_parts(
    store: Store,
    account: str | None,
    *,
    failed: bool = False,
    home: Path | None = None,
    keystring: str | None = None,
) -> tuple[Overview, Iterator[LinkState] | None]:
    """The overview without its failed links, and (with `failed`, for a shop) those links as
    they are read: a view can write them one by one. `home` and `keystring` (the settings'
    default app) add the app's daily quota."""
    jobs.expire_stale(store)
    shop = shop_or_none(store, account)
    found = Overview(
        accounts=list_accounts(store),
        shop=shop,
        links=link_counts(store, shop.id) if shop else {},
        jobs=jobs.recent_jobs(store, shop.id if shop else None, RECENT_JOBS),
        app_quota=(
            app_quota(home, shop.keystring or keystring)
            if home is not None and shop is not None
            else None
        ),
    )
    if not (failed and shop):
        return found, None
    invalid = invalid_states(store, shop.id)
    shown = {x.product_id for x in invalid}
    failures = links.with_status(store, shop.id, LinkStatus.FAILED)
    return found, itertools.chain(
        (link_state(x) for x in failures if x.product_id not in shown), invalid
    )


def status_document(found: Overview) -> StatusDocument:
    """The overview as `status --json` writes it (`failed` apart, when streamed)."""
    from etsysync_cli.reports import AccountSummary, AppQuota, StatusDocument

    quota = found.app_quota
    return StatusDocument(
        accounts=[
            AccountSummary(shop_id=a.shop_id, shop_name=a.shop_name, is_active=a.is_active)
            for a in found.accounts
        ],
        active_shop=found.shop.shop_name if found.shop else None,
        links=found.links,
        jobs=[job_report(job) for job in found.jobs],
        failed=None if found.failed is None else [link_report(x) for x in found.failed],
        app_quota=None if quota is None else AppQuota(**quota._asdict()),
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
    from etsysync_cli.reports import JobDocument

    jobs.expire_stale(store)
    job = jobs.find_job(store, transaction_id)
    return JobDocument(**job_report(job).model_dump(), items=[]), items(
        store, job, failed_only=failed
    )


def product_link(store: Store, account: str | None, product_id: str) -> LinkState:
    shop = find_account(store, account)
    link = links.get(store, shop.id, product_id)
    invalid = invalid_product(store, shop.id, product_id)
    if link is None and invalid is not None:
        return invalid_state(invalid)
    if link is None:
        raise NotFoundError(
            f"product {product_id} has no link with shop {shop.shop_name}",
            hint="it has not been planned yet: run `etsysync plan`",
        )
    return link_state(link, etsy_views.get(store, shop.id, product_id), invalid)


def feed(store: Store, account: str | None, limit: int = 50) -> FeedDocument:
    from etsysync_cli.reports import FeedDocument, FeedEvent

    shop = shop_or_none(store, account)
    return FeedDocument(
        events=[FeedEvent(**row) for row in read_feed(store, shop.id if shop else None, limit)]
    )
