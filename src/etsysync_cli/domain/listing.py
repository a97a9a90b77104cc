"""Shared types: the Etsy listing draft (the listing defaults from configuration are in
defaults.py, and importable from here too).

`ListingDraft` is what mapping produces and what the planner stores as the reviewed payload: it
holds the listing fields exactly as Etsy's createDraftListing and updateListing take them, the
wanted state, the ordered images and the full inventory (etsy-api.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# ListingDefaults was defined here first: its importers from here still work.
from etsysync_cli.domain.defaults import ListingDefaults as ListingDefaults
from etsysync_cli.domain.defaults import ListingState, ListingType, WeightUnit, WhoMade


# The draft's models build their validators on first use (defer_build): `status` and
# `--version` never use them, and building them at import was a good part of start-up.
class ImageRef(BaseModel):
    """One listing image: an http(s) URL, or a local file path (absolute once a source read it)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: str

    @property
    def is_remote(self) -> bool:
        return self.source.lower().startswith(("http://", "https://"))


class PropertyValue(BaseModel):
    """One variation value of an inventory product (Etsy's custom properties 513 and 514, or
    a property of the listing's taxonomy)."""

    model_config = ConfigDict(defer_build=True)

    property_id: int = Field(gt=0)
    property_name: str | None = None
    scale_id: int | None = None
    value_ids: list[int] = Field(default_factory=list)  # empty: a new custom value
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


class Offering(BaseModel):
    model_config = ConfigDict(defer_build=True)

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


class InventoryProduct(BaseModel):
    model_config = ConfigDict(defer_build=True)

    sku: str = ""  # "" rather than null: what Etsy returns for "no SKU", and valid either way
    property_values: list[PropertyValue] = Field(default_factory=list)
    offerings: list[Offering]

    @property
    def is_filler(self) -> bool:
        """A variation combination Etsy filled in itself: every offering disabled and priced 0
        (etsy-api.md §10.3). Nobody sells at 0 (Etsy's minimum is USD 0.20), so such a
        product is not the seller's and never counts as a difference."""
        return bool(self.property_values) and all(
            not o.is_enabled and o.price == 0 for o in self.offerings
        )

    def to_payload(self) -> dict[str, Any]:
        # property_values always present, even empty: Etsy answers "Property values can't be
        # empty" otherwise.
        return {
            "sku": self.sku,
            "property_values": [value.to_payload() for value in self.property_values],
            "offerings": [offering.to_payload() for offering in self.offerings],
        }


class ListingInventory(BaseModel):
    """A listing's inventory: what mapping wants, what Etsy holds (etsy/inventory.py reads
    Etsy's answer into this), and what updateListingInventory takes. Etsy replaces it wholesale,
    so it always lists every product. Prices are exact Decimals end to end."""

    model_config = ConfigDict(defer_build=True)

    products: list[InventoryProduct]
    price_on_property: list[int] = Field(default_factory=list)
    quantity_on_property: list[int] = Field(default_factory=list)
    sku_on_property: list[int] = Field(default_factory=list)
    readiness_state_on_property: list[int] = Field(default_factory=list)

    @property
    def variation_count(self) -> int:
        """How many variations (properties) the products have: 0 to 3."""
        return max((len(p.property_values) for p in self.products), default=0)

    def without_filler(self) -> ListingInventory:
        """The inventory without the disabled 0-priced products Etsy added (§10.3)."""
        kept = [p for p in self.products if not p.is_filler]
        if len(kept) == len(self.products):
            return self
        return self.model_copy(update={"products": kept})

    @property
    def has_stock(self) -> bool:
        """Whether any product can be bought. Etsy refuses an inventory where nothing has a
        quantity ("One offering must have quantity greater than 0", open-api#395), so such an
        inventory is never sent: the listing stays a draft (or is deactivated) until stock
        returns."""
        return any(o.is_enabled and o.quantity > 0 for p in self.products for o in p.offerings)

    @property
    def skus(self) -> frozenset[str]:
        """The products' SKUs, trimmed, without empty ones."""
        skus = (p.sku.strip() for p in self.products)
        return frozenset(s for s in skus if s)

    def to_payload(self) -> dict[str, Any]:
        """The body of updateListingInventory as plain data; prices stay Decimals (the client
        writes them as exact JSON numbers)."""
        return {
            "products": [product.to_payload() for product in self.products],
            "price_on_property": list(self.price_on_property),
            "quantity_on_property": list(self.quantity_on_property),
            "sku_on_property": list(self.sku_on_property),
            "readiness_state_on_property": list(self.readiness_state_on_property),
        }


class ListingDraft(BaseModel):
    """A product as an Etsy listing: valid against every rule that can be checked offline."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    currency_code: str  # the shop's currency, upper case; prices below are in it
    title: str
    description: str
    price: Decimal  # the lowest offering price: createDraftListing requires one
    quantity: int  # sum of enabled offerings, at least 1 (createDraftListing requires > 0)
    who_made: WhoMade
    when_made: str
    is_supply: bool
    taxonomy_id: int
    type: ListingType
    shipping_profile_id: int | None = None
    return_policy_id: int | None = None
    readiness_state_id: int | None = None
    tags: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    item_weight: Decimal | None = None
    item_weight_unit: WeightUnit | None = None
    production_partner_ids: list[int] = Field(default_factory=list)  # the shop's partner ids
    state: ListingState = "draft"  # wanted state; a new listing is always created as a draft
    images: list[ImageRef] = Field(default_factory=list)
    inventory: ListingInventory

    def create_fields(self) -> dict[str, Any]:
        """Fields for createDraftListing (unset optional ids left out; lists for the client to
        encode as one comma-separated value; numbers exact, as Decimals)."""
        fields = self._common_fields()
        fields["price"] = self.price
        fields["quantity"] = self.quantity
        if self.readiness_state_id is not None:
            fields["readiness_state_id"] = self.readiness_state_id
        return fields

    def update_fields(self) -> dict[str, Any]:
        """Fields for updateListing: no price, quantity, SKU or readiness state (those change
        through the inventory, etsy-api.md §5) and no state (the runner decides on publishing)."""
        return self._common_fields()

    def _common_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            # who_made, when_made and is_supply always travel together (etsy-api.md §8.4)
            "who_made": self.who_made,
            "when_made": self.when_made,
            "is_supply": self.is_supply,
            "taxonomy_id": self.taxonomy_id,
            "type": self.type,
            "tags": list(self.tags),
            "materials": list(self.materials),
        }
        for name in ("shipping_profile_id", "return_policy_id"):
            value = getattr(self, name)
            if value is not None:
                fields[name] = value
        if self.item_weight is not None and self.item_weight_unit is not None:
            fields["item_weight"] = self.item_weight
            fields["item_weight_unit"] = self.item_weight_unit
        if self.production_partner_ids:
            # Sent only when set: without a partner configured etsysync leaves alone the
            # partners a seller chose on Etsy (an update without the field keeps them,
            # open-api#285).
            fields["production_partner_ids"] = list(self.production_partner_ids)
        return fields


@dataclass(frozen=True)
class DraftFacts:
    """What a plan reads of a draft besides its JSON: its title, its SKUs (for the warning of a
    SKU two products share), its state and how many images (for the request estimate and the
    publish fees). A product a worker process prepared is staged from its JSON and these alone
    (flows/prepare_pool.py)."""

    title: str
    skus: frozenset[str]
    state: str
    images: int

    @classmethod
    def of(cls, draft: ListingDraft) -> DraftFacts:
        return cls(draft.title, draft.inventory.skus, draft.state, len(draft.images))
