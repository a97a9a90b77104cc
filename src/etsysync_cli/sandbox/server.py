"""`SandboxServer`: start the sandbox in-process (tests) or in the foreground (`serve`)."""

from __future__ import annotations

import errno
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from types import FrameType, TracebackType
from typing import Any

from etsysync_cli.errors import ConfigError
from etsysync_cli.sandbox import listings, oauth, receipts, seller, seller_edits, signin
from etsysync_cli.sandbox.config import ETSY_RPD, ETSY_RPS, SandboxConfig
from etsysync_cli.sandbox.http import App, SandboxHTTPServer
from etsysync_cli.sandbox.images import sample_png
from etsysync_cli.sandbox.inspection import listing_snapshot
from etsysync_cli.sandbox.ratelimit import RateLimiter
from etsysync_cli.sandbox.render import render_listing
from etsysync_cli.sandbox.rules import Fields
from etsysync_cli.sandbox.seed import SELLER_SHOP_ID, SELLER_USER_ID
from etsysync_cli.sandbox.state import ImageRecord, SandboxState

DEFAULT_SCOPES = ("listings_r", "listings_w", "shops_r")
_COLOURS = [(200, 90, 40), (40, 120, 200), (60, 170, 80), (220, 200, 60), (120, 60, 160)]


class SandboxServer:
    """The local Etsy: `with SandboxServer(SandboxConfig(port=0)) as sb: ...`.

    Binds 127.0.0.1 only. `stop()` closes every connection and joins every thread.
    """

    def __init__(self, config: SandboxConfig | None = None, *, shops: int | None = None) -> None:
        """`shops`, if given, sets `config.shops`: how many sellers the sandbox hosts."""
        self.config = config or SandboxConfig()
        if shops is not None:
            self.config.shops = shops
            self.config.validate()
        self.state = SandboxState(self.config)
        self.limiter = RateLimiter(self.config.rps, self.config.rpd)
        self.app = App(self.config, self.state, self.limiter)
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        self._httpd = _bind(self.config.port, self.app)
        self.app.stopping.clear()
        self.app.base_url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
            name="sandbox-server",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        self.app.stopping.set()  # cuts latency sleeps short
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("The sandbox is not running; call start() first.")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What the client uses as Etsy's `https://api.etsy.com/v3`."""
        return self.base_url + "/v3"

    @property
    def oauth_url(self) -> str:
        """What the client uses as `https://www.etsy.com` (consent at /oauth/connect)."""
        return self.base_url

    def env_lines(self) -> list[str]:
        return [
            f"ETSYSYNC_ETSY_API_URL={self.api_url}",
            f"ETSYSYNC_ETSY_OAUTH_URL={self.oauth_url}",
            f"ETSYSYNC_ETSY_KEYSTRING={self.config.keystring}",
            f"ETSYSYNC_ETSY_SHARED_SECRET={self.config.shared_secret}",
        ]

    def banner(self) -> list[str]:
        rps, rpd = self.config.rps, self.config.rpd
        whose = "Etsy's default" if (rps, rpd) == (ETSY_RPS, ETSY_RPD) else "set by --rps/--rpd"
        return [
            f"Etsy sandbox running at {self.base_url}",
            f"  API:          {self.api_url}/application",
            f"  Consent page: {self.oauth_url}/oauth/connect",
            f"  Token URL:    {self.api_url}/public/oauth/token",
            f"  Inspect:      {self.base_url}/_sandbox/state",
            f"  Redirect URIs: {', '.join(self.config.redirect_uris)}",
            *self._shop_lines(),
            f"  Rate limits:  {rps:,}/s, {rpd:,}/day ({whose})"
            + (", shared by every shop (one app)" if self.config.shops > 1 else ""),
            "Point etsysync at it (paste into another shell):",
            *(f"export {line}" for line in self.env_lines()),
            "Press Ctrl-C to stop.",
        ]

    def _shop_lines(self) -> list[str]:
        currency = self.config.shop_currency
        lines = [
            f"  Shop:         {s.shop_name} (shop_id {s.shop_id}, user_id {s.user_id}, {currency})"
            for s in self.state.seed.sellers
        ]
        if len(lines) > 1:
            lines.append(
                "  Signed in:    the first shop; choose another on the consent page, or with "
                'POST /_sandbox/signin {"user_id": N}'
            )
        return lines

    # --- inspection and test helpers ------------------------------------------------------------

    def shops(self) -> list[dict[str, Any]]:
        """The hosted sellers' shops, as `GET /_sandbox/shops` lists them."""
        with self.state.lock:
            return signin.shops(self.state)

    def sign_in(self, user_id: int) -> dict[str, Any]:
        """Sign a hosted seller in, as `POST /_sandbox/signin` does: the consent page offers
        them first and `auto_approve` approves as them. ApiError (404) for another user."""
        with self.state.lock:
            return signin.sign_in(self.state, {"user_id": user_id})

    def request_log(self) -> list[dict[str, Any]]:
        """Copies of the log entries: method, path, status, duration_ms, operation, time."""
        with self.state.lock:
            return [dict(e) for e in self.state.request_log]

    def clear_request_log(self) -> None:
        with self.state.lock:
            self.state.request_log.clear()

    def set_fail_next(
        self,
        n: int = 1,
        status: int = 503,
        *,
        after: bool = False,
        endpoint: str = "application",
        operation: str | None = None,
    ) -> None:
        """Fail the next `n` requests to `/v3/application` (or the token `endpoint`); with
        `operation`, only the next `n` of that operation (e.g. "createDraftListing").

        Failures happen before the operation (no state change) unless `after=True`, which
        runs the operation and still answers the error, as Etsy's createDraftListing has.
        """
        if endpoint not in ("application", "token"):
            raise ValueError("endpoint must be 'application' or 'token'")
        self.app.fail_next(n, status, after, endpoint, operation)

    def reset_quota(self, rpd: int | None = None) -> None:
        """Start a new quota day: the requests counted so far no longer count. `rpd`, if given,
        becomes the daily limit (from then on; a limit set here needs no earlier requests)."""
        if rpd is not None:
            self.config.rpd = rpd
        self.limiter.reset_day(rpd)

    def disown_api_key(self, disowned: bool = True) -> None:
        """Stop (or start again) honouring the app's API key, as Etsy did to keys after a
        limit change (open-api#498): every /v3 call then gets 400 "Invalid API key"."""
        self.app.key_disowned = disowned

    def set_remaining_today(self, remaining: int) -> None:
        """Leave at most `remaining` requests of today's quota, as if the others had been made
        just now; the daily limit itself does not change (Etsy's 10,000 stays 10,000).

        For a quota that runs out without spending thousands of requests first. The requests
        marked as made leave the sliding window 24 h from now, like real ones."""
        usage = self.limiter.usage()
        if not 0 <= remaining <= usage["limit_per_day"]:
            raise ValueError(f"remaining must be between 0 and {usage['limit_per_day']}")
        self.limiter.use_today(max(usage["limit_per_day"] - usage["used_today"] - remaining, 0))

    def revoke_refresh_tokens(self) -> int:
        """Revoke every refresh token (as a password change does). Returns how many."""
        with self.state.lock:
            live = [t for t in self.state.refresh_tokens.values() if not t.revoked]
            for record in live:
                record.revoked = True
            self.state.bump("refresh_tokens_revoked", len(live))
            self.state.save()
            return len(live)

    def revoke_access_tokens(self) -> int:
        with self.state.lock:
            live = [t for t in self.state.access_tokens.values() if not t.revoked]
            for record in live:
                record.revoked = True
            self.state.bump("access_tokens_revoked", len(live))
            self.state.save()
            return len(live)

    def expire_access_tokens(self) -> int:
        """Make every access token expired now (the next call gets 401 invalid_token)."""
        with self.state.lock:
            now = time.time()
            live = [t for t in self.state.access_tokens.values() if t.expires_at > now]
            for record in live:
                record.expires_at = now - 1
            self.state.save()
            return len(live)

    def issue_token(
        self, user_id: int = SELLER_USER_ID, scopes: Iterable[str] = DEFAULT_SCOPES
    ) -> dict[str, Any]:
        """Tokens without the consent dance, as the token endpoint would return them."""
        with self.state.lock:
            return oauth.issue_tokens(self.state, user_id, self.config.keystring, list(scopes))

    def add_variation(self, listing_id: int, property_id: int, values: Sequence[str]) -> None:
        """Give a listing one more variation "as a seller on etsy.com would" (etsy-api.md
        §10.14): each product becomes one per value. A third variation must be a property of
        the listing's taxonomy, with predefined values (names, e.g. ["S", "M"]); ValueError
        otherwise."""
        with self.state.lock:
            seller.add_variation(self.state, self.state.listings[listing_id], property_id, values)
            self.state.save()

    def fill_variation_grids(self, enabled: bool = True, *, listing_id: int | None = None) -> int:
        """Etsy's filler offerings (etsy-api.md §10.3): with `enabled`, every inventory write
        gets a disabled, 0-priced product for each combination of variation values it left
        out; `listing_id` also fills that listing's grid now. Returns how many were added."""
        with self.state.lock:
            self.state.fill_variation_grids = enabled
            added = 0
            if listing_id is not None:
                added = seller.fill_grid(self.state, self.state.listings[listing_id])
                self.state.save()
            return added

    def purchase(
        self, listing_id: int, quantity: int = 1, sku: str | None = None
    ) -> dict[str, int]:
        """A buyer buys, as `POST /_sandbox/purchase` does: `{"receipt_id", "transaction_id"}`.
        A refusal raises ApiError (its `status` is the route's 400, 404 or 409)."""
        body: dict[str, Any] = {"listing_id": listing_id, "quantity": quantity}
        if sku is not None:
            body["sku"] = sku
        with self.state.lock:
            return receipts.purchase(self.state, body)

    def cancel_receipt(self, receipt_id: int) -> dict[str, Any]:
        """The seller cancels an order on etsy.com; returns the ShopReceipt as it is now."""
        with self.state.lock:
            return receipts.cancel(self.state, receipt_id)

    def seller_edit(self, listing_id: int, **fields: Any) -> dict[str, Any] | None:
        """The seller edits a listing on etsy.com: `title`, `description`, `tags`, `materials`,
        `state` ("active"/"inactive"), `price`/`quantity` of the product `sku`, or
        `delete=True`. Validated as the API would; SellerEditRefused (a ValueError) when Etsy
        would refuse, and then nothing changes. Returns the listing as the inspection API
        shows it (None once deleted)."""
        with self.state.lock:
            seller_edits.edit(self.state, listing_id, fields, self.app.base_url)
            listing = self.state.listings.get(listing_id)
            return listing_snapshot(self.state, listing, self.app.base_url) if listing else None

    def create_listing_direct(
        self, *, state: str = "draft", images: int = 0, shop_id: int = SELLER_SHOP_ID, **fields: Any
    ) -> dict[str, Any]:
        """Seed a listing without HTTP (validated like createDraftListing).

        `state` may be any read state (draft, active, inactive, sold_out, expired); `images`
        attaches that many generated PNGs. Returns the listing with its images.
        """
        # A hosted shop's own profiles; the stranger's shop gets none.
        owner = next((s for s in self.state.seed.sellers if s.shop_id == shop_id), None)
        data: dict[str, Any] = {
            "quantity": 1,
            "title": "Sandbox listing",
            "description": "A listing seeded by a test.",
            "price": "10.00",
            "who_made": "i_did",
            "when_made": "made_to_order",
            "is_supply": False,
            "taxonomy_id": 1073,
            "shipping_profile_id": owner.shipping_profile_id if owner else None,
            "return_policy_id": owner.return_policy_id if owner else None,
            "readiness_state_id": owner.readiness_state_id if owner else None,
        }
        data.update(fields)
        with self.state.lock:
            shop = self.state.seed.shops[shop_id]
            listing = listings.create_from_fields(self.state, shop, Fields(data, True))
            for i in range(images):
                png = sample_png(3, 2, (*_COLOURS[i % len(_COLOURS)][:2], i % 256))
                image = ImageRecord(
                    listing_image_id=self.state.next_id("image"),
                    listing_id=listing.listing_id,
                    sha256=self.state.blobs.put(png),
                    size=len(png),
                    content_type="image/png",
                    full_width=3,
                    full_height=2,
                    alt_text="",
                    is_watermarked=False,
                    created_timestamp=int(self.state.now()),
                    rank=i + 1,
                )
                self.state.images[image.listing_image_id] = image
                listing.image_ids.append(image.listing_image_id)
            if state != "draft":
                listing.state = state
                listing.state_timestamp = int(self.state.now())
            self.state.save()
            return render_listing(
                self.state, listing, base_url=self.app.base_url, includes=frozenset({"Images"})
            )


def _bind(port: int, app: App) -> SandboxHTTPServer:
    """The listening server; a port that is taken (or not ours to use) is a one-line error,
    like any other bad setting, not a traceback from socketserver."""
    try:
        return SandboxHTTPServer(port, app)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"Port {port} on 127.0.0.1 is already in use.",
                hint="stop whatever holds it, or run `etsysync sandbox serve --port 0` to pick "
                "a free port (the address is printed)",
            ) from None
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"Port {port} on 127.0.0.1 needs privileges this user does not have.",
                hint="use a port above 1023, or `--port 0` to pick a free one",
            ) from None
        raise


def serve(
    config: SandboxConfig,
    out: Callable[[str], None] = print,
    *,
    log_requests: bool = True,
    ready: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C (or SIGTERM); then stop cleanly.

    Prints the URLs and the environment lines first, then one line per request.
    For callers running this on a thread: `ready` is set once the server listens, and setting
    `stop` ends it.
    """
    server = SandboxServer(config)
    if log_requests:
        server.app.on_request = lambda e: out(
            f"{e['method']} {e['path']} -> {e['status']} ({e['duration_ms']:.1f} ms)"
        )
    previous = _install_sigterm()
    stop = stop or threading.Event()
    try:
        server.start()
        for line in server.banner():
            out(line)
        if ready is not None:
            ready.set()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        out("Stopping the Etsy sandbox.")
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _install_sigterm() -> Any:
    """Make SIGTERM stop `serve` like Ctrl-C (only possible on the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, on_sigterm)
