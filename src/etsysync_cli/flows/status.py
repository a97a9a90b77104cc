"""What `status` reports: link counts, jobs, one job's items, one product's link, the feed."""

from __future__ import annotations

from typing import Any

from etsysync_cli.domain.statuses import LinkStatus
from etsysync_cli.errors import NotFoundError
from etsysync_cli.store import links
from etsysync_cli.store.accounts import Account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import feed as read_feed


def link_counts(store: Store, account_id: int) -> dict[str, int]:
    return links.counts(store, account_id)


def link_json(link: links.Link) -> dict[str, Any]:
    return {
        "product_id": link.product_id,
        "sync_status": str(link.sync_status),
        "etsy_listing_id": link.etsy_listing_id,
        "etsy_url": link.etsy_url,
        "listing_state": link.listing_state,
        "images": len(link.images),
        "last_synced_at": link.last_synced_at,
        "sync_error": link.sync_error,
    }


def product_link(store: Store, account: Account, product_id: str) -> dict[str, Any]:
    link = links.get(store, account.id, product_id)
    if link is None:
        raise NotFoundError(
            f"product {product_id} has no link with shop {account.shop_name}",
            hint="it has not been planned yet: run `etsysync plan`",
        )
    return link_json(link)


def failed_links(store: Store, account_id: int, limit: int = 100) -> list[dict[str, Any]]:
    return [link_json(x) for x in links.with_status(store, account_id, LinkStatus.FAILED, limit)]


def feed(store: Store, account_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
    return read_feed(store, account_id, limit)
