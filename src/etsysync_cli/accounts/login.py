"""`auth login`: Etsy's OAuth 2.0 authorization code flow with PKCE, through a loopback redirect.

1. Make a PKCE verifier and a random state; build the consent URL for
   `http://localhost:PORT/callback` (Etsy matches the registered URI exactly).
2. Check the consent URL once ourselves: an unknown keystring or an unregistered redirect URI
   gets an error page from Etsy and would otherwise only show up as a timeout.
3. Open the browser and wait for the callback, or (`--no-browser`) print the URL and read the
   redirect address the user pastes.
4. Exchange the code, read users/me and the shop, store the tokens and the shared secret in the
   secret store first, then the account (no secrets) in SQLite, and make it active.

I/O with the person goes through `LoginIO`, so this module knows nothing of the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from etsysync_cli.accounts.credentials import open_store
from etsysync_cli.accounts.loopback import CallbackServer, redirect_uri
from etsysync_cli.accounts.session import AppKeys, entry_name
from etsysync_cli.config import Settings
from etsysync_cli.errors import AuthError, ConsentError, EtsyAuthError, EtsysyncError
from etsysync_cli.etsy import oauth
from etsysync_cli.etsy.auth import BearerAuth
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.defaults import DEFAULT_SCOPES, DEFAULT_TIMEOUT, USER_AGENT
from etsysync_cli.etsy.responses import connection_error
from etsysync_cli.etsy.retry import RetryPolicy
from etsysync_cli.etsy.tokens import TokenSet
from etsysync_cli.store.accounts import Account, save_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event


class LoginIO(Protocol):
    def say(self, text: str) -> None: ...
    def open_browser(self, url: str) -> bool: ...
    def read_pasted(self, prompt: str) -> str: ...


@dataclass(frozen=True)
class LoginOptions:
    port: int
    timeout: float
    extra_scopes: Sequence[str] = ()
    no_browser: bool = False
    insecure_storage: bool = False

    @property
    def scopes(self) -> list[str]:
        scopes = list(DEFAULT_SCOPES)
        for scope in self.extra_scopes:
            for word in scope.replace(",", " ").split():
                if word not in scopes:
                    scopes.append(word)
        return scopes


class _HeldTokens:
    """A TokenStore in memory, for the few calls made before the account exists."""

    def __init__(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    def load(self) -> TokenSet:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens


def login(
    settings: Settings,
    store: Store,
    home: Path,
    keys: AppKeys,
    options: LoginOptions,
    io: LoginIO,
) -> Account:
    # Fail before the browser dance if there is nowhere to keep the tokens.
    secrets = open_store(None, home, insecure_allowed=options.insecure_storage)
    verifier, state = oauth.make_verifier(), oauth.make_state()
    redirect = redirect_uri(options.port)
    url = oauth.authorize_url(
        settings.etsy.oauth_url,
        keys.keystring,
        redirect,
        options.scopes,
        state,
        oauth.challenge(verifier),
    )
    with httpx.Client(timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT}) as http:
        _check_consent_url(http, url, redirect)
        answer = _ask_for_consent(url, options, io)
        code = oauth.parse_callback(answer, state)
        # A code is single use: a retry after Etsy spent it ends in ConsentError (log in
        # again), one after a 503 that came before Etsy read it succeeds.
        tokens = RetryPolicy(max_attempts=4).call(
            lambda: oauth.exchange_code(
                http, settings.etsy.api_url, keys.keystring, redirect, code, verifier
            )
        )

    held = _HeldTokens(tokens)
    secret = keys.shared_secret.get_secret_value()
    with (
        oauth.TokenRefresher(settings.etsy.api_url, keys.keystring) as refresher,
        EtsyClient(
            settings.etsy.api_url, keys.keystring, secret, auth=BearerAuth(held, refresher)
        ) as client,
    ):
        try:
            me = client.get_me()
            if me.shop_id is None:
                raise AuthError(
                    "this Etsy account has no shop; open one on Etsy, then log in again",
                    hint="run `etsysync auth login` after opening the shop",
                )
            shop = client.get_shop(me.shop_id)
        except EtsyAuthError as exc:
            raise AuthError(
                f"Etsy refused the app's keystring or shared secret: {exc.etsy_message or exc}",
                hint="check ETSYSYNC_ETSY_KEYSTRING and ETSYSYNC_ETSY_SHARED_SECRET against "
                "your app's page at etsy.com/developers/your-apps, then run `etsysync auth login`",
            ) from None

    secrets.put(entry_name(shop.shop_id), {**held.tokens.to_storage(), "shared_secret": secret})
    account = save_account(
        store,
        shop_id=shop.shop_id,
        shop_name=shop.shop_name,
        user_id=me.user_id,
        currency_code=shop.currency_code,
        scopes=options.scopes,
        keystring=keys.keystring,
        token_expires_at=held.tokens.expires_at,
        token_storage=secrets.kind,
        api_url=settings.etsy.api_url,
    )
    add_event(
        store,
        "account_connected",
        f"connected shop {shop.shop_name} ({shop.shop_id})",
        account_id=account.id,
    )
    return account


def _ask_for_consent(url: str, options: LoginOptions, io: LoginIO) -> str:
    if options.no_browser:
        io.say(f"Open this address in a browser and allow access:\n\n  {url}\n")
        io.say(
            "The browser then goes to a localhost address that may not load. "
            "Copy that whole address from the address bar and paste it here."
        )
        pasted = io.read_pasted("Redirect address").strip()
        if not pasted:
            raise ConsentError(
                "no redirect address was pasted",
                hint="run `etsysync auth login --no-browser` again",
            )
        return pasted
    with CallbackServer(options.port) as server:
        opened = io.open_browser(url)
        prefix = (
            "Your browser should open Etsy's consent page. If it did not, open"
            if opened
            else "Open"
        )
        io.say(f"{prefix} this address:\n\n  {url}\n")
        io.say(f"Waiting up to {options.timeout:g} s for Etsy to send you back …")
        return server.wait(options.timeout)


_ERROR_TEXT = re.compile(r"<(?:h1|h2|p)[^>]*>([^<]{3,300})</", re.IGNORECASE)


def _check_consent_url(http: httpx.Client, url: str, redirect: str) -> None:
    """Etsy answers an unknown keystring or unregistered redirect URI with its own error page.

    Asking once ourselves turns that page into a clear error now, instead of a browser page
    the terminal never hears about and a timeout later. Any 2xx/3xx answer is fine: the page
    a signed-out visitor sees is Etsy's business.
    """
    try:
        response = http.get(url, follow_redirects=False)
    except httpx.TransportError as exc:
        raise connection_error(exc) from exc
    if response.status_code < 400:
        return
    page = response.text
    match = _ERROR_TEXT.search(page)
    said = match.group(1).strip() if match else f"HTTP {response.status_code}"
    if "redirect" in page.lower():
        # Etsy shows this same page for a keystring it does not know (no app, so no registered
        # callback): the hint names both causes.
        raise ConsentError(
            f"Etsy refused the redirect address {redirect} or the app's keystring: {said}",
            hint="check ETSYSYNC_ETSY_KEYSTRING (and ETSYSYNC_ETSY_SHARED_SECRET) against your "
            f"app's page at etsy.com/developers/your-apps, and register {redirect} as its "
            "callback URL (exactly, port included) or pass --port with a port you registered",
        )
    raise ConsentError(
        f"Etsy refused the login request: {said}",
        hint="check ETSYSYNC_ETSY_KEYSTRING, then run `etsysync auth login` again",
    )


__all__ = ["EtsysyncError", "LoginIO", "LoginOptions", "login"]
