"""What Etsy sends back, as pydantic models with Etsy's own field names (etsy-oas.json).

Etsy's response schemas mark no field as required (etsy-api.md §9.7), so only the ids a model is
useless without are required here; everything else has a default, and unknown fields are ignored so
that a field Etsy adds tomorrow does not break a sync. Values Etsy may rename (`when_made` changes
every year) are plain strings, not enums. Money is converted exactly (`Money.value` is a Decimal).

`Money` lives in `base.py`, the inventory as Etsy sends it in `inventory.py`, `TokenSet` in
`tokens.py`; all are re-exported here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import Field

from etsysync_cli.etsy.base import EtsyModel, EtsyText, ListOrNull, Money
from etsysync_cli.etsy.inventory import (
    EtsyInventory,
    EtsyInventoryProduct,
    EtsyOffering,
    EtsyPropertyValue,
)
from etsysync_cli.etsy.tokens import TokenSet

T = TypeVar("T")


class Page(EtsyModel, Generic[T]):
    """Etsy's list envelope: `count` is the total before `limit`, `results` this page."""

    count: int = 0
    results: ListOrNull[T] = Field(default_factory=list)


class Pong(EtsyModel):
    application_id: int


class Me(EtsyModel):
    """getMe: the connected user and their shop (None for a user without a shop)."""

    user_id: int
    shop_id: int | None = None


class Shop(EtsyModel):
    shop_id: int
    user_id: int | None = None
    shop_name: str = ""
    currency_code: str = ""
    url: str = ""
    is_vacation: bool = False
    listing_active_count: int = 0
    digital_listing_count: int = 0
    login_name: str | None = None
    title: str | None = None
    shipping_from_country_iso: str | None = None
    shop_location_country_iso: str | None = None
    created_timestamp: int | None = None
    updated_timestamp: int | None = None


class ShippingProfile(EtsyModel):
    shipping_profile_id: int
    title: str | None = None
    user_id: int | None = None
    origin_country_iso: str | None = None
    origin_postal_code: str | None = None
    profile_type: str = "manual"
    is_deleted: bool = False
    # Destinations and upgrades are kept as Etsy sent them; etsysync only checks there are some.
    shipping_profile_destinations: ListOrNull[dict[str, Any]] = Field(default_factory=list)
    shipping_profile_upgrades: ListOrNull[dict[str, Any]] = Field(default_factory=list)


class ReturnPolicy(EtsyModel):
    return_policy_id: int
    shop_id: int | None = None
    accepts_returns: bool = False
    accepts_exchanges: bool = False
    return_deadline: int | None = None


class ReadinessStateDefinition(EtsyModel):
    """A processing profile (getShopReadinessStateDefinitions)."""

    readiness_state_id: int
    shop_id: int | None = None
    readiness_state: str = ""  # ready_to_ship | made_to_order
    min_processing_days: int | None = None
    max_processing_days: int | None = None
    processing_days_display_label: str = ""


class ProductionPartner(EtsyModel):
    """A ShopProductionPartner (getShopProductionPartners, and a listing's
    `production_partners`). Names are read like listing text, unescaped (etsy-api.md §10.1)."""

    production_partner_id: int
    partner_name: EtsyText = ""
    location: EtsyText = ""


class TaxonomyNode(EtsyModel):
    """A seller taxonomy node; `children` nests the tree."""

    id: int
    level: int = 0
    name: str = ""
    parent_id: int | None = None
    children: ListOrNull[TaxonomyNode] = Field(default_factory=list)
    full_path_taxonomy_ids: ListOrNull[int] = Field(default_factory=list)

    def walk(self) -> list[TaxonomyNode]:
        """This node and every descendant, depth first."""
        out: list[TaxonomyNode] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


class TaxonomyPropertyScale(EtsyModel):
    scale_id: int
    display_name: str = ""
    description: str = ""


class TaxonomyPropertyValue(EtsyModel):
    value_id: int | None = None
    name: str = ""
    scale_id: int | None = None
    equal_to: ListOrNull[int] = Field(default_factory=list)


class TaxonomyProperty(EtsyModel):
    property_id: int
    name: str = ""
    display_name: str = ""
    scales: ListOrNull[TaxonomyPropertyScale] = Field(default_factory=list)
    is_required: bool = False
    supports_attributes: bool = False
    supports_variations: bool = False
    is_multivalued: bool = False
    max_values_allowed: int | None = None
    possible_values: ListOrNull[TaxonomyPropertyValue] = Field(default_factory=list)
    selected_values: ListOrNull[TaxonomyPropertyValue] = Field(default_factory=list)


class ListingImage(EtsyModel):
    listing_image_id: int
    listing_id: int | None = None
    rank: int | None = None
    url_75x75: str | None = None
    url_170x135: str | None = None
    url_570xN: str | None = None  # Etsy's spelling
    url_fullxfull: str | None = None
    full_width: int | None = None
    full_height: int | None = None
    alt_text: str | None = None
    hex_code: str | None = None
    created_timestamp: int | None = None


class Listing(EtsyModel):
    """A ShopListing (with associations when `includes` asked for them)."""

    listing_id: int
    user_id: int | None = None
    shop_id: int | None = None
    title: EtsyText = ""
    description: EtsyText = ""
    state: str = ""  # active | inactive | sold_out | draft | expired (| edit)
    quantity: int = 0
    price: Money | None = None  # the lowest offering's price
    url: str = ""
    tags: ListOrNull[EtsyText] = Field(default_factory=list)
    materials: ListOrNull[str] = Field(default_factory=list)
    style: ListOrNull[str] = Field(default_factory=list)
    taxonomy_id: int | None = None
    who_made: str | None = None
    when_made: str | None = None
    is_supply: bool | None = None
    listing_type: str | None = None  # `type` when writing
    shipping_profile_id: int | None = None
    return_policy_id: int | None = None
    readiness_state_id: int | None = None
    shop_section_id: int | None = None
    has_variations: bool = False
    should_auto_renew: bool = False
    is_taxable: bool | None = None
    is_customizable: bool | None = None
    item_weight: Decimal | None = None
    item_weight_unit: str | None = None
    item_length: Decimal | None = None
    item_width: Decimal | None = None
    item_height: Decimal | None = None
    item_dimensions_unit: str | None = None
    featured_rank: int | None = None
    created_timestamp: int | None = None
    updated_timestamp: int | None = None
    ending_timestamp: int | None = None
    skus: list[str] | None = None
    # Associations (present only when requested through `includes`).
    images: list[ListingImage] | None = None
    shop: Shop | None = None
    inventory: EtsyInventory | None = None
    # ShopListingWithAssociations reads (getListing, getListingsByShop, the batches) carry the
    # listing's partners without `includes`; createDraftListing/updateListing do not (None).
    production_partners: list[ProductionPartner] | None = None


# Receipt statuses that mean the order's units were not sold after all. (U) Whether a fully
# refunded order counts as cancelled is not on record; its goods may still have shipped, so it
# is not counted as one.
CANCELED_STATUSES = frozenset({"canceled", "cancelled"})


class Transaction(EtsyModel):
    """A ShopReceiptTransaction: one line of an order (one product of one listing).

    `listing_id` may be null for a listing since deleted (the OAS allows it); such a line
    cannot be linked to a product and is skipped like any other unlinked sale."""

    transaction_id: int
    receipt_id: int | None = None
    listing_id: int | None = None
    product_id: int | None = None  # Etsy's inventory product, not the store's product
    sku: str | None = None
    quantity: int = 0
    title: EtsyText = ""
    created_timestamp: int | None = None
    paid_timestamp: int | None = None
    price: Money | None = None


class Receipt(EtsyModel):
    """A ShopReceipt (getShopReceipts) with its transactions embedded (etsy-api.md §10.17).

    `transactions` is required: a receipt whose lines cannot be read is left out of its page
    and counted as unreadable, rather than read as an order with nothing in it."""

    receipt_id: int
    status: str = ""  # paid | completed | open | payment processing | canceled | … refunded
    is_paid: bool = False
    is_shipped: bool = False
    created_timestamp: int | None = None
    updated_timestamp: int | None = None
    transactions: list[Transaction]

    @property
    def is_canceled(self) -> bool:
        """Etsy spells the status `canceled` (the OAS enum)."""
        return self.status.lower() in CANCELED_STATUSES


__all__ = [
    "EtsyInventory",
    "EtsyInventoryProduct",
    "EtsyModel",
    "EtsyOffering",
    "EtsyPropertyValue",
    "Listing",
    "ListingImage",
    "Me",
    "Money",
    "Page",
    "Pong",
    "ProductionPartner",
    "ReadinessStateDefinition",
    "Receipt",
    "ReturnPolicy",
    "ShippingProfile",
    "Shop",
    "TaxonomyNode",
    "TaxonomyProperty",
    "TaxonomyPropertyScale",
    "TaxonomyPropertyValue",
    "TokenSet",
    "Transaction",
]
