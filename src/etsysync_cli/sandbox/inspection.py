"""The read-only inspection API under `/_sandbox/`, for tests, the demo and benchmarks.

Not part of Etsy: no auth, no rate limit, not in the request log (reading the log must not
change it). Never shows a token or a secret, only counts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from etsysync_cli.sandbox.access import query_int
from etsysync_cli.sandbox.ratelimit import RateLimiter
from etsysync_cli.sandbox.render import render_listing, render_shop
from etsysync_cli.sandbox.state import Listing, SandboxState
from etsysync_cli.sandbox.wire import Request, Response, json_response


def requests(state: SandboxState, req: Request) -> Response:
    """The request log; `?since=N` skips the first N entries (poll for new ones)."""
    since = query_int(req, "since", 0, 0, 2**62)
    entries = [dict(e) for e in state.request_log[since:]]
    return json_response(
        200, {"count": len(entries), "total": len(state.request_log), "results": entries}
    )


def listings_snapshot(state: SandboxState, base_url: str) -> list[dict[str, Any]]:
    """Every listing in every state, with images (and their SHA-256) and inventory."""
    return [
        listing_snapshot(state, listing, base_url)
        for listing in sorted(state.listings.values(), key=lambda x: x.listing_id)
    ]


def listing_snapshot(state: SandboxState, listing: Listing, base_url: str) -> dict[str, Any]:
    item = render_listing(
        state,
        listing,
        base_url=base_url,
        includes=frozenset({"Images", "Inventory"}),
        escaped=False,  # the truth, for tests: not what the API shows
    )
    for image in item["images"]:
        record = state.images[image["listing_image_id"]]
        image["sha256"] = record.sha256
        image["size"] = record.size
        image["content_type"] = record.content_type
    item["detached_image_ids"] = list(listing.detached_image_ids)
    return item


def listings(state: SandboxState, req: Request) -> Response:
    results = listings_snapshot(state, req.base_url)
    return json_response(200, {"count": len(results), "results": results})


def tokens(state: SandboxState, req: Request) -> Response:
    return json_response(200, state.token_counts())


def summary(state: SandboxState, limiter: RateLimiter, req: Request) -> Response:
    config = state.config
    by_state = Counter(x.state for x in state.listings.values())
    operations = Counter(str(e.get("operation")) for e in state.request_log)
    body = {
        "base_url": req.base_url,
        "shop": render_shop(state, int(state.seed.users[state.signed_in_user_id]["shop_id"])),
        "config": {
            "latency_ms": config.latency_ms,
            "rps": config.rps,
            "rpd": config.rpd,
            "fail_rate": config.fail_rate,
            "token_ttl": config.token_ttl,
            "redirect_uris": config.redirect_uris,
            "auto_approve": config.auto_approve,
            "state_file": str(config.state_file) if config.state_file else None,
            "shop_currency": config.shop_currency,
            "shops": config.shops,
        },
        "listings": {"total": len(state.listings), **dict(by_state)},
        "images": len(state.images),
        "stats": dict(state.stats),
        "tokens": state.token_counts(),
        "rate_limit": limiter.usage(),
        "requests": {"total": len(state.request_log), "by_operation": dict(operations)},
        "server_errors": len(state.server_errors),
    }
    return json_response(200, body)
