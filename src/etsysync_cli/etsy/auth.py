"""Bearer authentication for Etsy as an `httpx.Auth` flow.

- Adds `Authorization: Bearer <access token>` to each request.
- Refreshes before sending when the access token expires within `margin` seconds (or within
  half its lifetime, for tokens that live less than twice the margin).
- On a 401, refreshes once and replays the request once; a second 401 is returned as is (the
  client turns it into EtsyAuthError: log in again).
- Thread-safe: one `threading.Lock` guards the tokens. When several workers get a 401 for the same
  stale token, the first refreshes; the others find that the token changed since they sent their
  request and replay with the new one. Exactly one refresh happens.
- The rotated refresh token is saved (`store.save`) before the new access token is used anywhere.
  If saving fails, the error propagates and the new token is not used.
- The refresher talks to the token endpoint through its own plain client (oauth.TokenRefresher),
  never through the client this auth is attached to, so there is no recursion.

Sync only: the lock blocks, so do not attach this to an `httpx.AsyncClient`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Protocol

import httpx

from etsysync_cli.clock import utcnow
from etsysync_cli.etsy.tokens import TokenSet

Refresher = Callable[[str], TokenSet]  # refresh token → new TokenSet (raises TokenRevokedError)


class TokenStore(Protocol):
    """Where an account's tokens are kept (the keyring-backed store implements this)."""

    def load(self) -> TokenSet: ...
    def save(self, tokens: TokenSet) -> None: ...


class BearerAuth(httpx.Auth):
    requires_request_body = True  # so a 401 can be replayed with the same body

    def __init__(
        self,
        store: TokenStore,
        refresher: Refresher,
        *,
        margin: float = 60.0,
        now: Callable[[], datetime] | None = None,
        on_refresh: Callable[[TokenSet], None] | None = None,
    ) -> None:
        self._store = store
        self._refresher = refresher
        self.margin = margin
        self._now = now or utcnow
        self._on_refresh = on_refresh
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self._lifetime: float | None = None  # seconds an access token lived when we last got one
        self.refreshes = 0  # how many refreshes this auth made (observable in tests and stats)

    def __repr__(self) -> str:
        return f"BearerAuth(margin={self.margin}, refreshes={self.refreshes})"

    def current(self) -> TokenSet:
        """The tokens in use now (loaded from the store on first use). No refresh."""
        with self._lock:
            return self._loaded_locked()

    def force_refresh(self) -> TokenSet:
        """Refresh now, whatever the expiry (e.g. `auth refresh`); saved before it is returned."""
        with self._lock:
            tokens = self._loaded_locked()
            fresh = self._refresher(tokens.refresh_value())
            return self._adopt_locked(fresh)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent = self._fresh_tokens()
        request.headers["Authorization"] = f"Bearer {sent.access_value()}"
        response = yield request
        if response.status_code != 401:
            return
        replacement = self._tokens_after_401(sent)
        request.headers["Authorization"] = f"Bearer {replacement.access_value()}"
        yield request

    def _fresh_tokens(self) -> TokenSet:
        with self._lock:
            tokens = self._loaded_locked()
            if tokens.expires_within(self._margin_locked(), now=self._now()):
                tokens = self._refresh_locked(tokens)
            return tokens

    def _margin_locked(self) -> float:
        # Tokens that live less than twice the margin (a sandbox with a short token lifetime)
        # are refreshed at half their life, not before every request.
        if self._lifetime is None:
            return self.margin
        return min(self.margin, self._lifetime / 2)

    def _tokens_after_401(self, sent: TokenSet) -> TokenSet:
        with self._lock:
            tokens = self._loaded_locked()
            if tokens.access_value() != sent.access_value():
                return tokens  # another worker refreshed while this request was in flight
            return self._refresh_locked(tokens)

    def _loaded_locked(self) -> TokenSet:
        if self._tokens is None:
            self._tokens = self._store.load()
        return self._tokens

    def _refresh_locked(self, stale: TokenSet) -> TokenSet:
        # Another process (say, `etsysync status` run meanwhile) may have rotated the tokens
        # already; then our refresh token is spent and the stored tokens are the good ones.
        stored = self._store.load()
        if stored.access_value() != stale.access_value() and not stored.expires_within(
            self._margin_locked(), now=self._now()
        ):
            self._tokens = stored
            return stored
        return self._adopt_locked(self._refresher(stale.refresh_value()))

    def _adopt_locked(self, fresh: TokenSet) -> TokenSet:
        self._store.save(fresh)  # first: losing the rotated refresh token means logging in again
        self._tokens = fresh
        self._lifetime = (fresh.expires_at - self._now()).total_seconds()
        self.refreshes += 1
        if self._on_refresh is not None:
            self._on_refresh(fresh)
        return fresh
