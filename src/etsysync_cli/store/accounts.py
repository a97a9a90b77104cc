"""Connected Etsy accounts (the `accounts` table): no secrets, those live in the keyring.

The table also keeps a small cache per account (`api_config`): the shop's profiles, read from
Etsy at most once a day (see etsy/shop.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.errors import NotConnectedError
from etsysync_cli.store.db import Store


# A named tuple, not a frozen dataclass: as immutable, and much cheaper to define, which every
# command that opens the store pays at start-up (issue 17).
class Account(NamedTuple):
    id: int
    shop_id: int
    shop_name: str
    user_id: int
    currency_code: str | None
    scopes: list[str]
    keystring: str | None
    token_expires_at: datetime | None
    token_storage: str | None
    is_active: bool
    api_url: str | None = None  # the Etsy API base it was connected against (None: not known)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Account:
        return cls(
            id=row["id"],
            shop_id=row["shop_id"],
            shop_name=row["shop_name"],
            user_id=row["user_id"],
            currency_code=row["currency_code"],
            scopes=row["scopes"].split(),
            keystring=row["keystring"],
            token_expires_at=parse_time(row["token_expires_at"]),
            token_storage=row["token_storage"],
            is_active=bool(row["is_active"]),
            api_url=row.get("api_url"),
        )

    @property
    def logged_in(self) -> bool:
        return self.token_storage is not None


def save_account(
    store: Store,
    *,
    shop_id: int,
    shop_name: str,
    user_id: int,
    currency_code: str | None,
    scopes: list[str],
    keystring: str | None,
    token_expires_at: datetime | None,
    token_storage: str,
    api_url: str | None = None,
    make_active: bool = True,
) -> Account:
    now = isoformat(utcnow())
    row = {
        "shop_id": shop_id,
        "shop_name": shop_name,
        "user_id": user_id,
        "currency_code": currency_code,
        "scopes": " ".join(scopes),
        "keystring": keystring,
        "token_expires_at": isoformat(token_expires_at) if token_expires_at else None,
        "token_storage": token_storage,
        "updated_at": now,
    }
    if api_url is not None:
        row["api_url"] = api_url
    with store.atomic() as db:
        existing = _row(store, "shop_id = ?", [shop_id])
        if existing:
            db.table("accounts").update(existing["id"], row)
            account_id = existing["id"]
        else:
            account_id = db.table("accounts").insert({**row, "created_at": now}).last_pk
        if make_active:
            db.execute("UPDATE accounts SET is_active = (id = ?)", [account_id])
    return get_account(store, account_id)


def _row(store: Store, where: str, args: list[Any]) -> dict[str, Any] | None:
    rows = list(store.query(f"SELECT * FROM accounts WHERE {where} LIMIT 1", args))
    return rows[0] if rows else None


def get_account(store: Store, account_id: int) -> Account:
    row = _row(store, "id = ?", [account_id])
    if row is None:
        raise NotConnectedError(f"no account with id {account_id}")
    return Account.from_row(row)


def list_accounts(store: Store) -> list[Account]:
    return [Account.from_row(r) for r in store.query("SELECT * FROM accounts ORDER BY id")]


def find_account(store: Store, name: str | None = None) -> Account:
    """The account named by shop name or shop id, else the active one."""
    if name is None:
        row = _row(store, "is_active = 1", [])
        if row is None:
            raise NotConnectedError("no Etsy shop is connected", hint="run `etsysync auth login`")
        return Account.from_row(row)
    row = _row(store, "shop_name = ? COLLATE NOCASE OR CAST(shop_id AS TEXT) = ?", [name, name])
    if row is None:
        known = ", ".join(a.shop_name for a in list_accounts(store)) or "none"
        raise NotConnectedError(
            f"no connected shop named {name!r} (connected: {known})",
            hint="run `etsysync auth status` to list them, or `etsysync auth login`",
        )
    return Account.from_row(row)


def active_account(store: Store) -> Account | None:
    row = _row(store, "is_active = 1", [])
    return Account.from_row(row) if row else None


def set_active(store: Store, account_id: int) -> None:
    with store.atomic() as db:
        db.execute("UPDATE accounts SET is_active = (id = ?)", [account_id])


def mark_logged_out(store: Store, account_id: int) -> None:
    """The account's tokens are gone: it is inactive and has nothing stored."""
    with store.atomic() as db:
        db.table("accounts").update(
            account_id,
            {
                "is_active": 0,
                "token_expires_at": None,
                "token_storage": None,
                "updated_at": isoformat(utcnow()),
            },
        )


def set_token_expiry(store: Store, account_id: int, expires_at: datetime) -> None:
    with store.atomic() as db:
        db.table("accounts").update(
            account_id,
            {"token_expires_at": isoformat(expires_at), "updated_at": isoformat(utcnow())},
        )


# --- the per-account cache of what was read from Etsy ------------------------------------------


def cached(store: Store, account_id: int, key: str) -> tuple[Any, datetime | None]:
    """A value cached on the account, and when it was stored (None, None if never)."""
    row = store.db.table("accounts").get(account_id)
    config = json.loads(row["api_config"] or "{}")
    return config.get(key), parse_time(config.get(f"{key}_fetched_at"))


def cache(store: Store, account_id: int, key: str, value: Any) -> None:
    with store.atomic() as db:
        row = db.table("accounts").get(account_id)
        config = json.loads(row["api_config"] or "{}")
        config[key] = value
        config[f"{key}_fetched_at"] = isoformat(utcnow())
        db.table("accounts").update(account_id, {"api_config": json.dumps(config)})
