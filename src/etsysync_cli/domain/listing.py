"""Shared types: listing defaults from configuration, and the Etsy listing draft.

`ListingDefaults` is embedded in the configuration's `[listing]` section; its field descriptions are
the documentation of those settings. `ListingDraft` is what mapping produces and what the planner
stores as the reviewed payload: it holds the listing fields exactly as Etsy's createDraftListing
and updateListing take them, the wanted state, the ordered images and the full inventory
(etsy-api.md §5).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

WhoMade = Literal["i_did", "someone_else", "collective"]
ListingType = Literal["physical", "download", "both"]
ListingState = Literal["draft", "active"]
PriceRounding = Literal["none", "whole", "x.99", "x.95"]
WeightUnit = Literal["oz", "lb", "g", "kg"]
ExtraTags = Literal["drop", "invalid"]


class ListingDefaults(BaseModel):
    """Listing settings used for every product unless its metadata overrides them."""

    # Built when first validated, as the other sections of the settings (config.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    taxonomy_id: int | None = Field(
        None,
        ge=1,
        description="Etsy seller taxonomy (category) id. Required by Etsy; a product can set its "
        "own with metadata `etsy_taxonomy_id`.",
    )
    who_made: WhoMade = Field("i_did", description="Who made the products.")
    when_made: str = Field(
        "made_to_order",
        description="When the products were made: `made_to_order`, `2020_<this year>`, "
        "`2010_2019`, … Etsy renames the newest decade value every year; a stale one is reported.",
    )
    is_supply: bool = Field(False, description="True for craft supplies and tools.")
    shipping_profile_id: int | None = Field(
        None, ge=1, description="Etsy shipping profile id. Required for physical listings."
    )
    return_policy_id: int | None = Field(
        None,
        ge=1,
        description="Etsy return policy id. Etsy needs one before a physical listing can go "
        "active (except for shops based in the EU).",
    )
    readiness_state_id: int | None = Field(
        None,
        ge=1,
        description="Etsy processing profile id (readiness state). Required for physical listings.",
    )
    type: ListingType = Field("physical", description="`physical`, `download` or `both`.")
    state: ListingState = Field(
        "draft",
        description="`draft` keeps new listings unpublished (no fee); `active` publishes them "
        "($0.20 listing fee each).",
    )
    price_markup_percent: Decimal = Field(
        Decimal(0),
        gt=-100,
        le=1000,
        description="Added to every store price before rounding, in percent (e.g. 10 for +10%).",
    )
    price_rounding: PriceRounding = Field(
        "none",
        description="After the markup: `none` rounds to the cent (half up); `whole` rounds up to "
        "the next whole unit (41.20 → 42.00); `x.99` / `x.95` round up to the next price ending "
        "in .99 / .95 (41.20 → 41.99, 42.00 → 42.99). Only `none` can lower a price, by under "
        "half a cent.",
    )
    default_quantity: int = Field(
        1,
        ge=1,
        le=999,
        description="Quantity listed for variants whose stock is not managed by the store.",
    )
    production_partner_ids: list[int] = Field(
        default_factory=list,
        description="Etsy production partner ids (comma-separated) put on every listing; Etsy "
        "refuses `who_made = someone_else` without one. A product can set its own with metadata "
        "`etsy_production_partner_ids`; `etsysync shop` lists the shop's partners.",
    )
    weight_unit: WeightUnit | Literal["none"] = Field(
        "g",
        description="Unit of the products' `weight` numbers (Medusa stores a bare number; grams "
        "by convention): `g`, `kg`, `oz`, `lb`, or `none` to not send weights to Etsy.",
    )
    extra_tags: ExtraTags = Field(
        "drop",
        description="Tags Etsy would not take: `drop` lists the product with the first 13 tags "
        "Etsy accepts (characters it refuses become spaces; tags over 20 characters are left "
        "out) and a warning naming what was left out or changed; `invalid` keeps such a product "
        "from being listed until its tags are fixed.",
    )

    @field_validator("production_partner_ids", mode="before")
    @classmethod
    def _partner_id_list(cls, value: Any) -> Any:
        # From the environment or `config set` the ids arrive as one text: "123" or "123,456".
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator("production_partner_ids")
    @classmethod
    def _positive_ids(cls, value: list[int]) -> list[int]:
        if any(i < 1 for i in value):
            raise ValueError("production partner ids are positive whole numbers")
        return list(dict.fromkeys(value))


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
