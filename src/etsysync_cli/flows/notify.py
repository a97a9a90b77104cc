"""Webhook delivery of feed events (`notify.webhook_url`).

`deliver_pending` POSTs each undelivered event, oldest first, as one JSON object:

    {"id": 17,                       # the event's id: unique, increasing; use it to de-duplicate
     "event": "job_completed",       # the event kind (see SENT_KINDS)
     "created_at": "2026-03-01T12:00:00Z",
     "message": "plan … completed: 3 synced, 0 failed",
     "transaction_id": "…" | null,   # the sync job's, when the event belongs to one
     "product_id": "…" | null,
     "shop_id": 123 | null,          # the Etsy shop, when the event belongs to an account
     "data": {...}}                  # kind-specific details (e.g. counts), possibly {}

with a 5 s timeout and `User-Agent: etsysync/<version>`. A 2xx answer marks the event delivered
(`events.delivered_at`). Anything else (connection error, timeout, non-2xx) stops the round: the
event and those after it stay pending and go out, in order, the next time. Delivery is at least
once (a webhook that accepted an event but whose answer was lost gets it again), so receivers
de-duplicate on `id`.

Only job-level events are sent (SENT_KINDS). Other events (logins, logouts, …) are filtered out
in the query and left with `delivered_at` NULL: that column means "the webhook accepted it",
and those were never offered to it.

A webhook problem never fails a sync: nothing here raises for it. Problems are reported through
`log` as one plain line naming the webhook by scheme://host only, since its path, query, user
info or fragment may carry a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from etsysync_cli import __version__
from etsysync_cli.reports import WebhookEvent
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import mark_delivered, undelivered

TIMEOUT_SECONDS = 5.0
SENT_KINDS = (
    "job_planned",
    "etsy_changes_found",  # a plan found listings edited or deleted on Etsy (issue 14)
    "job_started",
    "job_completed",
    "job_failed",
    "job_paused",
    "listing_recreated",
    "job_expired",
    "job_cancelled",
    "job_superseded",  # a staged plan replaced by a newer one (issue 16)
    "listings_adopted",
    "write_back_failed",
    "sales_written_back",
    "sales_read",  # new or cancelled sales read from Etsy (issue 15)
)

Log = Callable[[str], None]


def deliver_pending(
    store: Store,
    url: str | None,
    *,
    http: httpx.Client | None = None,
    limit: int = 100,
    log: Log | None = None,
) -> int:
    """POST up to `limit` pending events to `url`, in order. Returns how many were delivered."""
    if not url:
        return 0
    events = pending_events(store, limit)
    if not events:
        return 0
    if http is not None:
        return _deliver(store, url, http, events, log)
    with httpx.Client(timeout=TIMEOUT_SECONDS) as own:
        return _deliver(store, url, own, events, log)


def pending_events(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The payloads of the undelivered events of SENT_KINDS, oldest first (reports.WebhookEvent)."""
    return [
        WebhookEvent(
            id=row["id"],
            event=row["kind"],
            created_at=row["created_at"],
            message=row["message"],
            product_id=row["product_id"],
            data=row["data"] if isinstance(row["data"], dict) else {},
            transaction_id=row["transaction_id"],
            shop_id=row["shop_id"],
        ).to_json()
        for row in undelivered(store, SENT_KINDS, limit)
    ]


def _deliver(
    store: Store, url: str, http: httpx.Client, events: list[dict[str, Any]], log: Log | None
) -> int:
    headers = {"User-Agent": f"etsysync/{__version__}"}
    delivered = 0
    for event in events:
        problem = _post(http, url, event, headers)
        if problem is not None:
            if log is not None:
                log(
                    f"webhook {safe_url(url)}: event {event['id']} ({event['event']}) not "
                    f"delivered: {problem.rstrip('.')}; it will be sent again next time"
                )
            break
        mark_delivered(store, event["id"])
        delivered += 1
    return delivered


def _post(
    http: httpx.Client, url: str, event: dict[str, Any], headers: dict[str, str]
) -> str | None:
    """None when the webhook accepted the event, else why not (without secrets)."""
    try:
        response = http.post(url, json=event, headers=headers, timeout=TIMEOUT_SECONDS)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return _scrub(f"{type(exc).__name__}: {exc}", url)
    if response.is_success:
        return None
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def safe_url(url: str) -> str:
    """scheme://host[:port] only: webhook URLs (Slack, Discord) carry their token in the path
    or the query, so neither is ever printed."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "(invalid URL)"
    if not parsed.scheme or not parsed.host:
        return "(invalid URL)"
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def _scrub(text: str, url: str) -> str:
    """Remove from an error message anything of the URL beyond scheme://host."""
    text = text.replace(url, safe_url(url))
    secrets: list[str] = []
    try:
        parsed = httpx.URL(url)
        secrets += [
            parsed.path if parsed.path != "/" else "",
            parsed.query.decode("ascii", "replace"),
            parsed.userinfo.decode(),
            parsed.fragment,
        ]
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeDecodeError):
        pass
    if "?" in url:
        secrets.append(url.split("?", 1)[1])
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "…")
    return text
