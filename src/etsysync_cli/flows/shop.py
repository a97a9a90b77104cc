"""The shop's own ids (`etsysync shop`, and every plan's defaults) and the taxonomy search."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from etsysync_cli.accounts.session import Session, open_session
from etsysync_cli.clock import utcnow
from etsysync_cli.config import Settings
from etsysync_cli.domain.shop import PROFILE_SETTINGS, Choice, ShopProfiles
from etsysync_cli.errors import EtsyConnectionError, EtsyRateLimitError, EtsyServerError
from etsysync_cli.etsy import taxonomy
from etsysync_cli.etsy.models import TaxonomyNode
from etsysync_cli.etsy.shop import read_profiles
from etsysync_cli.reports import (
    ShopChoice,
    ShopDocument,
    ShopPartner,
    TaxonomyDocument,
    TaxonomyResult,
)
from etsysync_cli.store.accounts import cache, cached
from etsysync_cli.store.db import Store

PROFILES_CACHED_FOR = timedelta(days=1)
TAXONOMY_LIMIT = taxonomy.DEFAULT_LIMIT
CACHE_KEY = "shop"


def shop_profiles(session: Session, store: Store, *, refresh: bool = False) -> ShopProfiles:
    """The shop's profiles: the copy cached on the account if younger than a day, else read
    from Etsy (five requests) and cached."""
    account = session.account
    value, fetched = cached(store, account.id, CACHE_KEY)
    if value and fetched and not refresh and utcnow() - fetched < PROFILES_CACHED_FOR:
        try:
            return ShopProfiles.from_json(value)
        except KeyError:
            pass  # cached by an etsysync that did not read production partners: read again
    profiles = read_profiles(session.client, account.shop_id)
    cache(store, account.id, CACHE_KEY, profiles.as_json())
    return profiles


def taxonomy_lookup(
    settings: Settings,
    store: Store,
    home: Path,
    words: Iterable[str],
    *,
    account_name: str | None = None,
    refresh: bool = False,
    limit: int = taxonomy.DEFAULT_LIMIT,
) -> taxonomy.SearchResult:
    """Search the seller taxonomy; a session with the account is opened only to fetch it."""
    wanted = taxonomy.split_words(words)  # a usage error before any request

    def fetch() -> list[TaxonomyNode]:
        with open_session(settings, store, home, account_name) as session:
            return session.client.get_seller_taxonomy_nodes()

    entries = taxonomy.load_entries(home, settings.etsy.api_url, fetch, refresh=refresh)
    return taxonomy.search(entries, wanted, limit=limit)


def taxonomy_ids(settings: Settings, session: Session, store: Store) -> set[int] | None:
    """The ids of Etsy's seller taxonomy, for `plan` to check categories with: the local copy
    (`taxonomy search` keeps it in the app home, the store's folder), else read once (one
    request). None when Etsy cannot be reached for it now: the plan says categories were not
    checked rather than failing (confirm still meets Etsy's own check)."""
    home = store.path.parent  # Store.open(home) keeps its file in the app home

    def fetch() -> list[TaxonomyNode]:
        return session.client.get_seller_taxonomy_nodes()

    try:
        entries = taxonomy.load_entries(home, settings.etsy.api_url, fetch)
    except (EtsyConnectionError, EtsyServerError, EtsyRateLimitError):
        return None
    return {entry.id for entry in entries}


PARTNER_SETTING = "production_partner_ids"


def shop_document(
    settings: Settings, session: Session, store: Store, *, refresh: bool = False
) -> ShopDocument:
    """`etsysync shop`: the profiles and production partners, and the settings that name them."""
    profiles = shop_profiles(session, store, refresh=refresh)

    def choices(found: list[Choice]) -> list[ShopChoice]:
        return [ShopChoice(id=c.id, label=c.label) for c in found]

    return ShopDocument(
        shop_id=profiles.shop_id,
        shop_name=profiles.shop_name,
        currency_code=profiles.currency_code,
        shipping_profiles=choices(profiles.shipping_profiles),
        return_policies=choices(profiles.return_policies),
        readiness_states=choices(profiles.readiness_states),
        production_partners=[
            ShopPartner(id=p.id, name=p.name, location=p.location or None)
            for p in profiles.production_partners
        ],
        configured={
            f"listing.{name}": getattr(settings.listing, name) for name in PROFILE_SETTINGS
        },
        configured_partners=list(getattr(settings.listing, PARTNER_SETTING)),
    )


def taxonomy_document(result: taxonomy.SearchResult) -> TaxonomyDocument:
    return TaxonomyDocument(
        query=list(result.words),
        total=result.total,
        results=[TaxonomyResult(**entry.as_json()) for entry in result.matches],
    )
