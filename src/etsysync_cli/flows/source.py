"""`etsysync source`: connect a Medusa v2 store as the product source, and check it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from etsysync_cli.config import Settings
from etsysync_cli.reports import SourceCheckDocument
from etsysync_cli.sources import medusa
from etsysync_cli.store.accounts import active_account
from etsysync_cli.store.db import Store


def connect_medusa(
    settings: Settings,
    home: Path,
    url: str,
    *,
    ask: Callable[[str], str] | None,
    sales_channel: str | None,
    warn: Callable[[str], None],
) -> medusa.Connected:
    """Check the store's key, keep it, and make Medusa the configured source."""
    return medusa.connect(settings, url, home=home, ask=ask, sales_channel=sales_channel, warn=warn)


def check(
    settings: Settings, store: Store, home: Path, *, include_drafts: bool
) -> SourceCheckDocument:
    """The key, the version, currencies, and what a plan would read (against the active
    Etsy shop's currency, when one is connected)."""
    account = active_account(store)
    report = medusa.check(
        settings,
        home=home,
        shop_name=account.shop_name if account else None,
        shop_currency=account.currency_code if account else None,
        selection=medusa.Selection(include_drafts=include_drafts),
    )
    return SourceCheckDocument.model_validate(report.as_json())
