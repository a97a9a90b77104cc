"""A listing's inventory as Etsy answers getListingInventory (and the inventories embedded
in getListingsInventoryByListingIds), and exact JSON for the updateListingInventory PUT.

The read models carry what Etsy sends (ids, deletion flags, Money); `to_listing_inventory()`
turns one into the inventory model the rest of etsysync uses (domain/listing.py: Decimals,
deleted products and offerings left out). The PUT takes that same `ListingInventory`: a full
replacement (etsy-api.md §5), every product sent, `property_values` always present.
`dumps_exact` writes prices as exact JSON numbers (`Decimal("12.50")` becomes `12.50`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import Field

from etsysync_cli.domain.listing import InventoryProduct, ListingInventory, Offering, PropertyValue
from etsysync_cli.etsy.base import EtsyModel, ListOrNull, Money


class EtsyPropertyValue(EtsyModel):
    property_id: int
    property_name: str | None = None
    scale_id: int | None = None
    scale_name: str | None = None
    value_ids: ListOrNull[int] = Field(default_factory=list)
    values: ListOrNull[str] = Field(default_factory=list)


class EtsyOffering(EtsyModel):
    offering_id: int | None = None
    price: Money
    quantity: int = 0
    is_enabled: bool = True
    is_deleted: bool = False
    readiness_state_id: int | None = None


class EtsyInventoryProduct(EtsyModel):
    product_id: int | None = None
    sku: str | None = None
    is_deleted: bool = False
    offerings: ListOrNull[EtsyOffering] = Field(default_factory=list)
    property_values: ListOrNull[EtsyPropertyValue] = Field(default_factory=list)


class EtsyInventory(EtsyModel):
    products: ListOrNull[EtsyInventoryProduct] = Field(default_factory=list)
    price_on_property: ListOrNull[int] = Field(default_factory=list)
    quantity_on_property: ListOrNull[int] = Field(default_factory=list)
    sku_on_property: ListOrNull[int] = Field(default_factory=list)
    readiness_state_on_property: ListOrNull[int] = Field(default_factory=list)

    def to_listing_inventory(self) -> ListingInventory:
        """The inventory as it stands: Money as exact Decimals; products and offerings marked
        deleted left out (they appear only with `show_deleted=true`, and sending them back
        would revive them); ids Etsy assigns (product, offering) dropped; the disabled
        0-priced products Etsy may fill a variation grid with (etsy-api.md §10.3) left out:
        they are not the seller's, and a full replacement need not repeat them."""
        inventory = ListingInventory(
            products=[
                InventoryProduct(
                    sku=product.sku or "",
                    property_values=[
                        PropertyValue(
                            property_id=value.property_id,
                            property_name=value.property_name,
                            scale_id=value.scale_id,
                            value_ids=list(value.value_ids),
                            values=list(value.values),
                        )
                        for value in product.property_values
                    ],
                    offerings=[
                        Offering(
                            price=offering.price.value,
                            quantity=offering.quantity,
                            is_enabled=offering.is_enabled,
                            readiness_state_id=offering.readiness_state_id,
                        )
                        for offering in product.offerings
                        if not offering.is_deleted
                    ],
                )
                for product in self.products
                if not product.is_deleted
            ],
            price_on_property=list(self.price_on_property),
            quantity_on_property=list(self.quantity_on_property),
            sku_on_property=list(self.sku_on_property),
            readiness_state_on_property=list(self.readiness_state_on_property),
        )
        return inventory.without_filler()

    @property
    def variation_count(self) -> int:
        """How many variations the listing has (0 to 3), filler products included."""
        live = [p for p in self.products if not p.is_deleted]
        return max((len(p.property_values) for p in live), default=0)


def inventory_body(inventory: ListingInventory) -> str:
    """The updateListingInventory body, with each price written as the exact number it holds."""
    return dumps_exact(inventory.to_payload())


def decimal_text(value: Decimal) -> str:
    """A finite Decimal as a JSON number, digit for digit: Decimal('12.50') → '12.50'."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a number Etsy can take")
    return format(value, "f")


def dumps_exact(value: Any) -> str:
    """`json.dumps` for plain data, except that Decimals become exact JSON numbers.

    Floats are refused: a price must never go through binary floating point.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        raise TypeError("refusing to write a float into an Etsy body; use Decimal")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}:{dumps_exact(v)}" for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(dumps_exact(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
