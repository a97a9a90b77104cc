"""`etsysync auth`: connect shops, see them, switch, refresh, log out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from etsysync_cli.accounts import login as oauth_login
from etsysync_cli.accounts.login import LoginIO as LoginIO
from etsysync_cli.accounts.session import (
    AppKeys,
    app_keys,
    logout,
    open_session,
    secret_store_for,
)
from etsysync_cli.clock import isoformat_or_none
from etsysync_cli.config import Settings
from etsysync_cli.errors import EtsysyncError, NotConnectedError
from etsysync_cli.reports import AccountReport, AuthStatusDocument, TokenCheck
from etsysync_cli.store.accounts import (
    Account,
    find_account,
    get_account,
    list_accounts,
    set_active,
)
from etsysync_cli.store.db import Store

__all__ = ["AppKeys", "login", "logout", "other_shops", "refresh", "statuses", "use"]


def login(
    settings: Settings,
    store: Store,
    home: Path,
    io: oauth_login.LoginIO,
    *,
    ask: Callable[[str, bool], str] | None,
    extra_scopes: Sequence[str] = (),
    no_browser: bool = False,
) -> Account:
    """Connect a shop (accounts/login.py): the app's keys from the settings, else asked for on
    a terminal (`ask`), then the OAuth dance through `io`."""
    keys = app_keys(settings, ask=ask)
    options = oauth_login.LoginOptions(
        port=settings.auth.redirect_port,
        timeout=settings.auth.timeout,
        extra_scopes=extra_scopes,
        no_browser=no_browser,
        insecure_storage=settings.auth.insecure_storage,
    )
    return oauth_login.login(settings, store, home, keys, options, io)


def other_shops(store: Store, account: Account) -> list[Account]:
    """The connected shops besides `account` (those logged out included): after a login, so
    the seller knows the others are still there and how to pick one."""
    return [a for a in list_accounts(store) if a.id != account.id]


def statuses(settings: Settings, store: Store, home: Path, *, check: bool) -> AuthStatusDocument:
    """Every connected shop; with `check`, one users/me call each to see the tokens work."""
    reports = []
    for account in list_accounts(store):
        storage = None
        if account.logged_in:
            try:
                storage = secret_store_for(account, home).describe()
            except EtsysyncError as exc:
                storage = exc.message
        result = None
        if check and account.logged_in:
            try:
                with open_session(settings, store, home, str(account.shop_id)) as session:
                    session.client.get_me()
                result = TokenCheck(ok=True, error=None)
            except EtsysyncError as exc:
                result = TokenCheck(ok=False, error=exc.message)
            account = get_account(store, account.id)  # a check may have refreshed the tokens
        reports.append(_report(account, storage, result))
    return AuthStatusDocument(accounts=reports)


def usable(found: AuthStatusDocument) -> bool:
    """Whether there is a shop to work with: at least one with tokens, and (when they were
    checked) none whose tokens Etsy refused. Cron scripts test `auth status` for exactly this."""
    logged_in = [a for a in found.accounts if a.logged_in]
    refused = [a for a in logged_in if a.check is not None and not a.check.ok]
    return bool(logged_in) and not refused


def _report(account: Account, storage: str | None, check: TokenCheck | None) -> AccountReport:
    return AccountReport(
        shop_id=account.shop_id,
        shop_name=account.shop_name,
        user_id=account.user_id,
        currency_code=account.currency_code,
        scopes=account.scopes,
        is_active=account.is_active,
        logged_in=account.logged_in,
        token_expires_at=isoformat_or_none(account.token_expires_at),
        token_storage=account.token_storage,
        token_storage_detail=storage,
        check=check,
    )


def use(store: Store, shop: str) -> Account:
    """Make the shop the active account."""
    account = find_account(store, shop)
    if not account.logged_in:
        raise NotConnectedError(
            f"shop {account.shop_name} is logged out", hint="run `etsysync auth login`"
        )
    set_active(store, account.id)
    return account


def refresh(
    settings: Settings, store: Store, home: Path, account: str | None
) -> tuple[Account, datetime]:
    """Refresh the access token now (the refresh token rotates); the account and the new
    expiry."""
    with open_session(settings, store, home, account) as session:
        return session.account, session.refresh_now().expires_at
