"""A listing's inventory: what getListingInventory returns and what updateListingInventory takes.

Etsy's inventory PUT is a full replacement (etsy-api.md §5): every product must be sent, and a
listing without variations is one product whose `property_values` is `[]` (the key must be there).
The read side carries ids, deletion flags and Money; the write side does not.
`Inventory.to_update()` turns one into the other, and `InventoryUpdate.to_json()` writes prices
as exact JSON numbers (`Decimal("12.50")` becomes `12.50`, never `12.5000000001`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from etsysync_cli.etsy.base import EtsyModel, ListOrNull, Money

# --- read side (getListingInventory) -----------------------------------------------------------


class PropertyValue(EtsyModel):
    property_id: int
    property_name: str | None = None
    scale_id: int | None = None
    scale_name: str | None = None
    value_ids: ListOrNull[int] = Field(default_factory=list)
    values: ListOrNull[str] = Field(default_factory=list)


class Offering(EtsyModel):
    offering_id: int | None = None
    price: Money
    quantity: int = 0
    is_enabled: bool = True
    is_deleted: bool = False
    readiness_state_id: int | None = None


class InventoryProduct(EtsyModel):
    product_id: int | None = None
    sku: str | None = None
    is_deleted: bool = False
    offerings: ListOrNull[Offering] = Field(default_factory=list)
    property_values: ListOrNull[PropertyValue] = Field(default_factory=list)


class Inventory(EtsyModel):
    products: ListOrNull[InventoryProduct] = Field(default_factory=list)
    price_on_property: ListOrNull[int] = Field(default_factory=list)
    quantity_on_property: ListOrNull[int] = Field(default_factory=list)
    sku_on_property: ListOrNull[int] = Field(default_factory=list)
    readiness_state_on_property: ListOrNull[int] = Field(default_factory=list)

    def to_update(self) -> InventoryUpdate:
        """The PUT body that keeps this inventory as it is.

        Drops what the PUT does not take (`product_id`, `offering_id`, `is_deleted`, `scale_name`,
        `value_pairs`), turns Money into a Decimal, and leaves out products and offerings marked
        deleted (they appear only with `show_deleted=true`; sending them back would revive them).
        """
        products = [
            ProductUpdate(
                sku=product.sku,
                property_values=[
                    PropertyValueUpdate(
                        property_id=pv.property_id,
                        property_name=pv.property_name,
                        scale_id=pv.scale_id,
                        value_ids=list(pv.value_ids),
                        values=list(pv.values),
                    )
                    for pv in product.property_values
                ],
                offerings=[
                    OfferingUpdate(
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
        ]
        return InventoryUpdate(
            products=products,
            price_on_property=list(self.price_on_property),
            quantity_on_property=list(self.quantity_on_property),
            sku_on_property=list(self.sku_on_property),
            readiness_state_on_property=list(self.readiness_state_on_property),
        )


# --- write side (updateListingInventory) -------------------------------------------------------


class _WriteModel(EtsyModel):
    # A misspelt field in a write is a bug: refuse it rather than silently drop it.
    model_config = ConfigDict(extra="forbid", frozen=True)


class PropertyValueUpdate(_WriteModel):
    property_id: int = Field(gt=0)
    property_name: str | None = None
    scale_id: int | None = None
    value_ids: list[int] = Field(default_factory=list)  # [] for new custom values
    values: list[str]

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"property_id": self.property_id}
        if self.property_name is not None:
            out["property_name"] = self.property_name
        if self.scale_id is not None:
            out["scale_id"] = self.scale_id
        out["value_ids"] = list(self.value_ids)
        out["values"] = list(self.values)
        return out


class OfferingUpdate(_WriteModel):
    price: Decimal  # in the shop's currency, major units (12.50), never minor units
    quantity: int = Field(ge=0)
    is_enabled: bool = True
    readiness_state_id: int | None = None  # the processing profile; required key, null allowed

    def to_payload(self) -> dict[str, Any]:
        return {
            "price": self.price,
            "quantity": self.quantity,
            "is_enabled": self.is_enabled,
            "readiness_state_id": self.readiness_state_id,
        }


class ProductUpdate(_WriteModel):
    sku: str | None = None
    property_values: list[PropertyValueUpdate] = Field(default_factory=list)
    offerings: list[OfferingUpdate]

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sku is not None:
            out["sku"] = self.sku
        # Always present, even empty: Etsy answers "Property values can't be empty" otherwise.
        out["property_values"] = [pv.to_payload() for pv in self.property_values]
        out["offerings"] = [offering.to_payload() for offering in self.offerings]
        return out


class InventoryUpdate(_WriteModel):
    """The body of updateListingInventory: the complete product set (a full replacement)."""

    products: list[ProductUpdate]
    price_on_property: list[int] = Field(default_factory=list)
    quantity_on_property: list[int] = Field(default_factory=list)
    sku_on_property: list[int] = Field(default_factory=list)
    readiness_state_on_property: list[int] = Field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        """The body as Python data; prices stay Decimals (use `to_json()` to send it)."""
        return {
            "products": [product.to_payload() for product in self.products],
            "price_on_property": list(self.price_on_property),
            "quantity_on_property": list(self.quantity_on_property),
            "sku_on_property": list(self.sku_on_property),
            "readiness_state_on_property": list(self.readiness_state_on_property),
        }

    def to_json(self) -> str:
        """The JSON body, with each Decimal written as the exact number it holds."""
        return dumps_exact(self.to_payload())


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
