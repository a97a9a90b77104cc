"""`etsysync source medusa` and `source check`: connecting a store and checking it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from etsysync_cli.accounts.credentials import open_store
from etsysync_cli.config import Settings, app_home, env_name, set_value
from etsysync_cli.errors import CredentialStoreError, SourceError
from etsysync_cli.sources.medusa.client import MedusaClient, MedusaRetryPolicy, normalize_url
from etsysync_cli.sources.medusa.keys import api_key, configured_url, save_key
from etsysync_cli.sources.medusa.products import Channel, MedusaSource, Selection, StoreInfo

LOOPBACK = ("localhost", "127.0.0.1", "::1")


# --- connecting and checking (the `etsysync source` commands) -------------------------------------


@dataclass
class Connected:
    url: str
    store: StoreInfo
    key_storage: str
    channel: Channel | None
    stored: bool


def connect(
    settings: Settings,
    url: str,
    *,
    home: Path | None = None,
    ask: Callable[[str], str] | None = None,
    sales_channel: str | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
    warn: Callable[[str], None] | None = None,
) -> Connected:
    """Check a store's key with one cheap call, keep the key, and make Medusa the source."""
    home = home or app_home()
    base = normalize_url(url)
    insecure = settings.auth.insecure_storage
    env_key = settings.medusa.api_key
    key: SecretStr | None = None
    if env_key is not None and env_key.get_secret_value().strip():
        key = SecretStr(env_key.get_secret_value().strip())
        from_env = True
    else:
        from_env = False
        open_store(None, home, insecure_allowed=insecure)  # no keyring and no opt-in: say so now
        if ask is not None:
            key = SecretStr(ask("Medusa secret API key (sk_…)").strip())
    if key is None or not key.get_secret_value():
        raise SourceError(
            "a Medusa secret API key is needed to connect the store",
            hint=f"create one in Medusa's admin (Settings → Secret API Keys) and set "
            f"{env_name('medusa.api_key')}, or run `etsysync source medusa {base}` on a terminal "
            "to be asked for it",
        )
    plain = base.startswith("http://") and urlsplit(base).hostname not in LOOPBACK
    if plain and warn is not None:
        warn(f"warning: {base} is plain http: the API key travels unencrypted")
    with MedusaSource(
        MedusaClient(base, key, transport=transport, retry=retry), sales_channel=sales_channel
    ) as source:
        source.check_key()
        info = source.store_info()
        channel = source.channel()
    stored = True
    try:
        storage = save_key(home, base, key, insecure_allowed=insecure).describe()
    except CredentialStoreError:
        if not from_env:
            raise
        stored, storage = False, env_name("medusa.api_key")
    set_value("medusa.url", base, home=home)
    set_value("source.kind", "medusa", home=home)
    if sales_channel:
        set_value("source.sales_channel", sales_channel, home=home)
    return Connected(base, info, storage, channel, stored)


@dataclass
class CheckReport:
    url: str
    key_storage: str
    store: StoreInfo
    channel: Channel | None
    locations: list[dict[str, str]] | None
    products: int
    selection: Selection
    shop_name: str | None
    shop_currency: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def currency_ok(self) -> bool | None:
        if self.shop_currency is None:
            return None
        return self.shop_currency.upper() in self.store.currencies

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": not self.problems,
            "version": "v2",
            "key_storage": self.key_storage,
            "store": {
                "id": self.store.id,
                "name": self.store.name,
                "currencies": self.store.currencies,
                "default_currency": self.store.default_currency,
            },
            "sales_channel": (
                {"id": self.channel.id, "name": self.channel.name} if self.channel else None
            ),
            "stock_locations": self.locations,
            "include_drafts": self.selection.include_drafts,
            "products": self.products,
            "shop": (
                {"name": self.shop_name, "currency_code": self.shop_currency}
                if self.shop_name
                else None
            ),
            "currency_ok": self.currency_ok,
            "problems": self.problems,
        }


def check(
    settings: Settings,
    *,
    home: Path | None = None,
    shop_name: str | None = None,
    shop_currency: str | None = None,
    selection: Selection | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> CheckReport:
    """Key, version, store, selection size and currency match: what `source check` reports."""
    home = home or app_home()
    base = configured_url(settings)
    key, storage = api_key(settings, home, base)
    selection = selection or Selection()
    with MedusaSource(
        MedusaClient(base, key, transport=transport, retry=retry),
        sales_channel=settings.source.sales_channel,
    ) as source:
        source.check_key()
        info = source.store_info()
        channel = source.channel()
        locations = source.channel_locations(channel) if channel else None
        products = source.count(selection)
    report = CheckReport(
        base, storage, info, channel, locations, products, selection, shop_name, shop_currency
    )
    if report.currency_ok is False:
        report.problems.append(
            f"the Etsy shop {shop_name} sells in {shop_currency}, which is not among the store's "
            f"currencies ({', '.join(info.currencies) or 'none'}): every product would be invalid "
            f"(no price in {shop_currency}). Add {shop_currency} to the store's currencies and "
            "price the products in it"
        )
    if channel is not None and not locations:
        report.problems.append(
            f"no stock location serves the sales channel {channel.name}: every product whose "
            "stock is managed would be listed as sold out"
        )
    return report
