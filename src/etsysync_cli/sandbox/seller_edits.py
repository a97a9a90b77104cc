"""A seller editing a listing on etsy.com, behind etsysync's back (for tests of issue 14).

The edit goes through the same handlers as the seller's own updateListing,
updateListingInventory and deleteListing calls, in-process and as the listing's owner, so it
is validated the same way and bumps `updated_timestamp` the same way. It is not an API request:
it is not rate limited and not in the request log.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from etsysync_cli.sandbox import inventory, listings
from etsysync_cli.sandbox.oauth import KNOWN_SCOPES
from etsysync_cli.sandbox.render import render_inventory
from etsysync_cli.sandbox.state import Listing, SandboxState
from etsysync_cli.sandbox.wire import ApiError, Caller, Request, Response

LISTING_FIELDS = ("title", "description", "tags", "materials", "state")
INVENTORY_FIELDS = ("price", "quantity")
ALL_FIELDS = (*LISTING_FIELDS, *INVENTORY_FIELDS, "sku", "delete")
_VALUE_KEYS = ("property_id", "property_name", "scale_id", "value_ids", "values")


class SellerEditRefused(ValueError):
    """Etsy refused the edit, as it would refuse the same call through the API."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(f"{error.status} {error.error}")
        self.status = error.status
        self.error = error.error


def edit(state: SandboxState, listing_id: int, fields: dict[str, Any], base_url: str) -> None:
    """Apply `fields` to the listing: title, description, tags, materials, state (active or
    inactive) through updateListing; price and/or quantity of the product whose SKU is `sku`
    (may be left out when the listing has one product) through updateListingInventory;
    `delete=True` through deleteListing. Raises KeyError for an unknown listing, TypeError for
    an unknown field, SellerEditRefused when Etsy's rules refuse it."""
    unknown = sorted(set(fields) - set(ALL_FIELDS))
    if unknown:
        raise TypeError(f"seller_edit does not know {', '.join(unknown)}")
    listing = state.listings[listing_id]
    if fields.get("delete"):
        if len(fields) > 1:
            raise TypeError("delete=True goes alone")
        _run(listings.delete_listing, state, listing, "DELETE", b"", "", base_url)
        return
    before = copy.deepcopy(listing)
    try:
        _apply(state, listing, fields, base_url)
    except SellerEditRefused:
        state.listings[listing_id] = before  # all or nothing, like one save in the editor
        state.save()
        raise


def _apply(state: SandboxState, listing: Listing, fields: dict[str, Any], base_url: str) -> None:
    form = {name: fields[name] for name in LISTING_FIELDS if name in fields}
    if form:
        for name in ("tags", "materials"):
            if isinstance(form.get(name), list | tuple):
                form[name] = ",".join(form[name])  # one comma-separated value (etsy-api.md §2)
        body = urlencode(form).encode("utf-8")
        content_type = "application/x-www-form-urlencoded"
        _run(listings.update_listing, state, listing, "PATCH", body, content_type, base_url)
    changes = {name: fields[name] for name in INVENTORY_FIELDS if name in fields}
    if changes:
        put = _inventory_with(state, listing, fields.get("sku"), changes)
        body = json.dumps(put).encode("utf-8")
        handler = inventory.update_listing_inventory
        updated = state.listings[listing.listing_id]  # updateListing stores a new record
        _run(handler, state, updated, "PUT", body, "application/json", base_url)


def _inventory_with(
    state: SandboxState, listing: Listing, sku: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """The listing's inventory as an updateListingInventory body, with the changes made to
    every product carrying `sku` (a SKU shared by all variations changes them all)."""
    current = render_inventory(state, listing)
    products = [p for p in current["products"] if not p["is_deleted"]]
    if sku is None and len(products) > 1:
        raise TypeError(f"listing {listing.listing_id} has {len(products)} products: give the sku")
    targets = [p for p in products if sku is None or p["sku"] == sku]
    if not targets:
        raise KeyError(f"listing {listing.listing_id} has no product with SKU {sku!r}")
    put_products = []
    for product in products:
        offering = product["offerings"][0]
        price = offering["price"]
        new_offering: dict[str, Any] = {
            # A JSON number, as the spec's schema has it (two decimals survive a float).
            "price": float(Decimal(price["amount"]) / Decimal(price["divisor"])),
            "quantity": offering["quantity"],
            "is_enabled": offering["is_enabled"],
            "readiness_state_id": offering["readiness_state_id"],
        }
        if product in targets:
            if "price" in changes:
                price = changes["price"]  # validated by the handler, like an API call's
                new_offering["price"] = str(price) if isinstance(price, Decimal) else price
            if "quantity" in changes:
                new_offering["quantity"] = changes["quantity"]
        put_products.append(
            {
                "sku": product["sku"],
                "property_values": [
                    {k: v[k] for k in _VALUE_KEYS} for v in product["property_values"]
                ],
                "offerings": [new_offering],
            }
        )
    on_property = {k: v for k, v in current.items() if k.endswith("_on_property")}
    return {"products": put_products, **on_property}


def _run(
    handler: Callable[[SandboxState, Request], Response],
    state: SandboxState,
    listing: Listing,
    method: str,
    body: bytes,
    content_type: str,
    base_url: str,
) -> None:
    req = Request(
        method=method,
        path=f"/shops/{listing.shop_id}/listings/{listing.listing_id}",
        query={"max_variations_supported": ["3"]} if method == "PUT" else {},
        headers={"content-type": content_type} if content_type else {},
        body=body,
        base_url=base_url,
        params={"shop_id": str(listing.shop_id), "listing_id": str(listing.listing_id)},
        caller=Caller(listing.user_id, frozenset(KNOWN_SCOPES)),  # the seller, signed in
    )
    try:
        handler(state, req)
    except ApiError as exc:
        raise SellerEditRefused(exc) from None
