"""A seller whose shop already holds listings, made through the sandbox's own API."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from etsysync_cli.domain.listing import (
    InventoryProduct,
    ListingDefaults,
    ListingDraft,
    ListingInventory,
    Offering,
)
from etsysync_cli.domain.mapping import MappedListing, map_product
from etsysync_cli.domain.product import Product
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.forms import FormValue
from etsysync_cli.sandbox import (
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SHIPPING_PROFILE_ID,
    sample_png,
)
from etsysync_cli.sources.files import iter_products
from tests.sync.conftest import Catalog, catalog

# What `plan` fills in from the sandbox shop's only profiles.
DEFAULTS = ListingDefaults(
    shipping_profile_id=SHIPPING_PROFILE_ID,
    return_policy_id=RETURN_POLICY_ID,
    readiness_state_id=READINESS_STATE_ID,
)


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class Seller:
    """Makes listings the way a seller (or another tool) would: through Etsy's API."""

    def __init__(self, sandbox: Any, catalog: Catalog) -> None:
        token = sandbox.issue_token()["access_token"]
        self.sandbox = sandbox
        self.catalog = catalog
        self.client = EtsyClient(
            sandbox.api_url,
            sandbox.config.keystring,
            sandbox.config.shared_secret,
            auth=_Bearer(token),
        )

    def draft_of(self, product_id: str) -> ListingDraft:
        product = next(
            p
            for p in iter_products(str(self.catalog.path))
            if isinstance(p, Product) and p.key == product_id
        )
        mapped = map_product(product, currency="USD", defaults=DEFAULTS, today=date.today())
        assert isinstance(mapped, MappedListing), mapped
        return mapped.draft

    def listing(
        self,
        title: str,
        *,
        sku: str | None = None,
        price: str = "10.00",
        quantity: int = 1,
        description: str = "Made by hand.",
        state: str = "draft",
        taxonomy_id: int = 1073,
    ) -> int:
        """A simple listing (one product; a SKU when given)."""
        fields: dict[str, FormValue] = {
            "title": title,
            "description": description,
            "price": Decimal(price),
            "quantity": quantity,
            "who_made": "i_did",
            "when_made": "made_to_order",
            "is_supply": False,
            "taxonomy_id": taxonomy_id,
            "shipping_profile_id": SHIPPING_PROFILE_ID,
            "return_policy_id": RETURN_POLICY_ID,
            "readiness_state_id": READINESS_STATE_ID,
        }
        listing_id = self.client.create_draft_listing(SELLER_SHOP_ID, fields).listing_id
        if sku is not None:
            offering = Offering(
                price=Decimal(price),
                quantity=quantity,
                is_enabled=True,
                readiness_state_id=READINESS_STATE_ID,
            )
            body = ListingInventory(products=[InventoryProduct(sku=sku, offerings=[offering])])
            self.client.update_listing_inventory(listing_id, body)
        self._set_state(listing_id, state)
        return listing_id

    def copy_of(self, product_id: str, *, state: str = "draft", **changes: Any) -> int:
        """The listing etsysync would make for the product (with `changes` to its fields)."""
        draft = self.draft_of(product_id).model_copy(update=changes)
        fields: dict[str, FormValue] = {}
        for name, value in draft.create_fields().items():
            fields[name] = Decimal(repr(value)) if isinstance(value, float) else value
        listing_id = self.client.create_draft_listing(SELLER_SHOP_ID, fields).listing_id
        self.client.update_listing_inventory(listing_id, draft.inventory)
        self._set_state(listing_id, state)
        return listing_id

    def _set_state(self, listing_id: int, state: str) -> None:
        if state == "draft":
            return
        png = sample_png(4, 4, (listing_id % 256, 80, 80))
        self.client.upload_listing_image(SELLER_SHOP_ID, listing_id, png, "photo.png")
        self.client.update_listing(SELLER_SHOP_ID, listing_id, {"state": "active"})
        if state == "inactive":
            self.client.update_listing(SELLER_SHOP_ID, listing_id, {"state": "inactive"})
        elif state != "active":
            with self.sandbox.state.lock:  # sold_out / expired: no API sets them
                self.sandbox.state.listings[listing_id].state = state


__all__ = ["Catalog", "Seller", "catalog"]


@pytest.fixture
def seller(connected: Any, catalog: Catalog) -> Iterator[Seller]:
    s = Seller(connected, catalog)
    yield s
    s.client.close()
