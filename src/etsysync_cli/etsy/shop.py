"""The connected shop's own ids (shipping profiles, return policies, processing profiles).

Read from Etsy once and cached on the account for a day, so `plan` can fill in
`listing.shipping_profile_id`, `return_policy_id` and `readiness_state_id` when the shop has
exactly one of each, and name the choices when it has several.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from etsysync_cli.accounts.session import Session
from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.errors import ConfigError
from etsysync_cli.store.db import Store, isoformat, parse_time, utcnow

CACHE_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class ShopProfiles:
    shop_id: int
    shop_name: str
    currency_code: str
    shipping_profiles: list[Choice]
    return_policies: list[Choice]
    readiness_states: list[Choice]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShopProfiles:
        def choices(key: str) -> list[Choice]:
            return [Choice(**c) for c in data[key]]

        return cls(
            data["shop_id"],
            data["shop_name"],
            data["currency_code"],
            choices("shipping_profiles"),
            choices("return_policies"),
            choices("readiness_states"),
        )


def shop_profiles(session: Session, store: Store, *, refresh: bool = False) -> ShopProfiles:
    account = store.account(session.account.id)
    row = store.db.table("accounts").get(account.id)
    config = json.loads(row["api_config"] or "{}")
    cached = config.get("shop")
    fetched = parse_time(config.get("shop_fetched_at"))
    if cached and fetched and not refresh and utcnow() - fetched < CACHE_FOR:
        return ShopProfiles.from_json(cached)
    client, shop_id = session.client, account.shop_id
    shop = client.get_shop(shop_id)
    profiles = ShopProfiles(
        shop_id=shop_id,
        shop_name=shop.shop_name,
        currency_code=shop.currency_code,
        shipping_profiles=[
            Choice(p.shipping_profile_id, p.title or "")
            for p in client.get_shipping_profiles(shop_id)
            if not p.is_deleted
        ],
        return_policies=[
            Choice(
                p.return_policy_id,
                f"returns {'accepted' if p.accepts_returns else 'not accepted'}"
                + (f", {p.return_deadline} days" if p.return_deadline else ""),
            )
            for p in client.get_return_policies(shop_id)
        ],
        readiness_states=[
            Choice(
                p.readiness_state_id,
                f"{p.readiness_state}, {p.min_processing_days}-{p.max_processing_days} days",
            )
            for p in client.get_readiness_state_definitions(shop_id)
        ],
    )
    config["shop"] = profiles.as_json()
    config["shop_fetched_at"] = isoformat(utcnow())
    with store.atomic() as db:
        db.table("accounts").update(account.id, {"api_config": json.dumps(config)})
    return profiles


SETTINGS = (
    ("shipping_profile_id", "shipping_profiles", "shipping profile", True),
    ("readiness_state_id", "readiness_states", "processing profile", True),
    ("return_policy_id", "return_policies", "return policy", False),
)


def fill_defaults(
    defaults: ListingDefaults, profiles: ShopProfiles
) -> tuple[ListingDefaults, list[str]]:
    """Defaults with the shop's only profile filled in where unset, and notes saying so.

    A setting left unset while the shop has several choices is an error naming them, when
    listings need it (physical ones need shipping and processing profiles).
    """
    notes: list[str] = []
    updates: dict[str, int] = {}
    for name, attribute, label, required in SETTINGS:
        choices: list[Choice] = getattr(profiles, attribute)
        current = getattr(defaults, name)
        listed = ", ".join(f"{c.id} ({c.label})" for c in choices)
        if current is not None:
            if choices and current not in {c.id for c in choices}:
                raise ConfigError(
                    f"listing.{name} is {current}, which is not one of the shop's "
                    f"{label}s: {listed}",
                    hint=f"run `etsysync config set listing.{name} ID` with one of them",
                )
            continue
        if len(choices) == 1:
            updates[name] = choices[0].id
            notes.append(f"using the shop's only {label}: {listed} (listing.{name})")
        elif len(choices) > 1 and required and defaults.type != "download":
            raise ConfigError(
                f"listing.{name} is not set and the shop has several {label}s: {listed}",
                hint=f"run `etsysync config set listing.{name} ID` with one of them "
                "(`etsysync shop` lists them)",
            )
        elif len(choices) > 1:
            notes.append(f"listing.{name} is not set; the shop has {listed}")
    return defaults.model_copy(update=updates), notes
