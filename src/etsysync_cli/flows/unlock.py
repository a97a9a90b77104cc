"""`etsysync unlock`: remove a shop's lock by hand, for a run that died on another machine."""

from __future__ import annotations

from etsysync_cli.store import locks
from etsysync_cli.store.accounts import Account, find_account
from etsysync_cli.store.db import Store


def holder(store: Store, shop: str) -> tuple[Account, locks.Holder | None]:
    account = find_account(store, shop)
    return account, locks.holder(store, account.id)


def unlock(store: Store, account: Account) -> locks.Holder:
    return locks.force_unlock(store, account)
