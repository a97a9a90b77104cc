"""Connected Etsy accounts: their secrets, and an authenticated client for each.

An account is a row in the `accounts` table (no secrets) plus one entry in a secret store (the
keyring, or the opt-in file) holding its tokens and the app's shared secret. `open_session`
puts the two together into an `EtsyClient` whose Bearer auth refreshes by itself and saves each
rotated refresh token before the new access token is used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from etsysync_cli.accounts.credentials import SecretStore, open_store
from etsysync_cli.config import Settings, env_name, etsy_name, is_real_etsy
from etsysync_cli.errors import AuthError, ConfigError, NotConnectedError
from etsysync_cli.etsy.auth import BearerAuth
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.oauth import TokenRefresher
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.retry import RetryPolicy
from etsysync_cli.etsy.tokens import TokenSet
from etsysync_cli.store.accounts import (
    Account,
    find_account,
    get_account,
    mark_logged_out,
    set_token_expiry,
)
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event
from etsysync_cli.store.pacing import SqliteLedger

LOGIN_HINT = "run `etsysync auth login`"


def entry_name(shop_id: int) -> str:
    return f"etsy-shop-{shop_id}"


@dataclass(frozen=True)
class AppKeys:
    """The Etsy app's keystring (public client id) and shared secret."""

    keystring: str
    shared_secret: SecretStr = field(repr=False)


def app_keys(settings: Settings, ask: Any = None) -> AppKeys:
    """From settings (environment), else `ask(prompt, hidden)` on a terminal, else an error."""
    keystring = settings.etsy.keystring
    secret = settings.etsy.shared_secret
    if not keystring and ask is not None:
        keystring = ask("Etsy app keystring", False).strip()
    if secret is None and ask is not None:
        secret = SecretStr(ask("Etsy app shared secret", True).strip())
    if not keystring or secret is None or not secret.get_secret_value():
        raise ConfigError(
            "the Etsy app's keystring and shared secret are needed to connect a shop",
            hint=f"set {env_name('etsy.keystring')} and {env_name('etsy.shared_secret')} "
            "(from your app's page at etsy.com/developers/your-apps), or run "
            "`etsysync auth login` on a terminal to be asked for them",
        )
    return AppKeys(keystring, secret)


class AccountTokens:
    """The `TokenStore` of one account: its entry in the secret store, and its expiry in SQLite."""

    def __init__(self, secrets: SecretStore, store: Store, account: Account) -> None:
        self.secrets = secrets
        self.store = store
        self.account = account
        self.name = entry_name(account.shop_id)

    def entry(self) -> dict[str, str]:
        entry = self.secrets.get(self.name)
        if not entry:
            raise NotConnectedError(
                f"the tokens of shop {self.account.shop_name} are not in the "
                f"{self.secrets.describe()}",
                hint=LOGIN_HINT,
            )
        return entry

    def load(self) -> TokenSet:
        try:
            return TokenSet.from_storage(self.entry())
        except ValueError as exc:
            raise NotConnectedError(
                f"the stored tokens of shop {self.account.shop_name} cannot be used: {exc}",
                hint=LOGIN_HINT,
            ) from None

    def save(self, tokens: TokenSet) -> None:
        # The secret store first: a crash after this leaves a usable, newer token there.
        entry = {**self.entry(), **tokens.to_storage()}
        self.secrets.put(self.name, entry)
        set_token_expiry(self.store, self.account.id, tokens.expires_at)

    def shared_secret(self) -> str | None:
        return self.entry().get("shared_secret")


@dataclass
class Session:
    """An authenticated conversation with Etsy as one account."""

    account: Account
    client: EtsyClient
    auth: BearerAuth
    tokens: AccountTokens
    refresher: TokenRefresher

    def close(self) -> None:
        self.client.close()
        self.refresher.close()
        self.client.limiter.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refresh_now(self) -> TokenSet:
        """Refresh the tokens now (saving the rotated refresh token before returning)."""
        current = self.tokens.load()
        fresh = self.refresher(current.refresh_value())
        self.tokens.save(fresh)
        return fresh


def secret_store_for(account: Account, home: Path) -> SecretStore:
    return open_store(account.token_storage, home, insecure_allowed=False)


def open_session(
    settings: Settings,
    store: Store,
    home: Path,
    account_name: str | None = None,
    *,
    limiter: RateLimiter | None = None,
    max_requests: int | None = None,
    retry: RetryPolicy | None = None,
) -> Session:
    """The account's session. Its limiter paces over the app home's pacing file, which every
    process using the same keystring from this home shares (`store/pacing.py`), unless a
    `limiter` is handed in; `max_requests` caps this session's requests."""
    account = find_account(store, account_name)
    if account.token_storage is None:
        raise NotConnectedError(
            f"shop {account.shop_name} is logged out", hint=f"{LOGIN_HINT} to connect it again"
        )
    check_same_etsy(account, settings.etsy.api_url)
    tokens = AccountTokens(secret_store_for(account, home), store, account)
    keystring = account.keystring or settings.etsy.keystring
    secret = tokens.shared_secret() or (
        settings.etsy.shared_secret.get_secret_value() if settings.etsy.shared_secret else None
    )
    if not keystring or not secret:
        raise AuthError(
            f"the Etsy app keys of shop {account.shop_name} are missing", hint=LOGIN_HINT
        )
    if limiter is None:
        # Wall-clock time: the one clock that the processes sharing the ledger agree on.
        ledger = SqliteLedger(home, keystring)
        limiter = RateLimiter(max_requests=max_requests, ledger=ledger, clock=time.time)
    refresher = TokenRefresher(settings.etsy.api_url, keystring, retry=retry)
    auth = BearerAuth(tokens, refresher)
    client = EtsyClient(
        settings.etsy.api_url, keystring, secret, auth=auth, limiter=limiter, retry=retry
    )
    return Session(account, client, auth, tokens, refresher)


def check_same_etsy(account: Account, api_url: str) -> None:
    """Refuse to use a sandbox's shop against the real Etsy, or the real shop against a
    sandbox: its tokens would go to an Etsy that never issued them (and a real shop's to
    whatever the sandbox URL points at), and the answers would be about another shop.

    A sandbox on another port is the same kind of Etsy and is allowed: a sandbox restarted
    with its state file keeps its shop and tokens."""
    if account.api_url is None or is_real_etsy(account.api_url) == is_real_etsy(api_url):
        return
    if is_real_etsy(api_url):
        hint = (
            "to keep working with the sandbox, paste the export lines `etsysync sandbox serve` "
            "prints; for your real shop, use a home of its own (unset ETSYSYNC_HOME, or set it "
            "to another folder) and run `etsysync auth login` there"
        )
    else:
        hint = (
            f"for the real shop, unset {env_name('etsy.api_url')} and "
            f"{env_name('etsy.oauth_url')} (`etsysync config get etsy.api_url` says where the "
            "value comes from); for the sandbox, use the home `etsysync sandbox serve` prints "
            "(ETSYSYNC_HOME)"
        )
    raise ConfigError(
        f"shop {account.shop_name} was connected on {etsy_name(account.api_url)}, but "
        f"etsysync now talks to {etsy_name(api_url)}; nothing was sent",
        hint=hint,
    )


def logout(store: Store, home: Path, account_name: str | None) -> Account:
    """Forget the account's tokens and mark it inactive. Its product links stay."""
    account = find_account(store, account_name)
    if account.token_storage is not None:
        secret_store_for(account, home).delete(entry_name(account.shop_id))
    mark_logged_out(store, account.id)
    add_event(
        store, "account_logged_out", f"logged out of {account.shop_name}", account_id=account.id
    )
    return get_account(store, account.id)
