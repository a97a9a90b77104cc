"""Sandbox records → Etsy's response objects, with the OAS field names (ShopListing etc.)."""

from __future__ import annotations

import html
import re
from typing import Any

from etsysync_cli.sandbox.seed import money
from etsysync_cli.sandbox.state import (
    ImageRecord,
    Inventory,
    Listing,
    Product,
    SandboxState,
)

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def currency(state: SandboxState, listing: Listing) -> str:
    return str(state.seed.shops[listing.shop_id]["currency_code"])


def live_offerings(inventory: Inventory) -> list[tuple[Product, Any]]:
    return [
        (p, o)
        for p in inventory.products
        if not p.is_deleted
        for o in p.offerings
        if not o.is_deleted
    ]


def listing_quantity(listing: Listing) -> int:
    """Etsy: the listing quantity is the sum of the available offerings' quantities."""
    return sum(o.quantity for _, o in live_offerings(listing.inventory) if o.is_enabled)


def listing_price(listing: Listing) -> int:
    """Etsy: the listing price is the lowest offering price."""
    offerings = live_offerings(listing.inventory)
    enabled = [o.price for _, o in offerings if o.is_enabled] or [o.price for _, o in offerings]
    return min(enabled) if enabled else 0


def has_variations(listing: Listing) -> bool:
    return any(p.property_values for p in listing.inventory.products if not p.is_deleted)


def etsy_escape(text: str) -> str:
    """Text as Etsy returns it: HTML-escaped, with `&#39;` for an apostrophe (etsy-api.md §10.1:
    `Father&#39;s Day`, `&quot;`, `&amp;`)."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "listing"


def render_listing(
    state: SandboxState,
    listing: Listing,
    *,
    base_url: str,
    show_readiness: bool = True,
    includes: frozenset[str] = frozenset(),
    escaped: bool | None = None,
    partners: bool = False,
) -> dict[str, Any]:
    """A ShopListing (plus the requested associations of ShopListingWithAssociations).

    `readiness_state_id` is returned for a physical listing in any state, drafts included
    (the spec says active only; Etsy returns it for drafts, etsy-api.md §10.7, ELA), on a
    shop-scoped or single-listing request; null on the batch reads, as the spec has it (U).
    Title, description and tags are HTML-escaped, as Etsy sends them (`escaped`, default: the
    sandbox's `escape_text`).
    `partners`: the reads that answer ShopListingWithAssociations carry `production_partners`,
    the listing's partners as ShopProductionPartner objects, without any `includes` (ELA saw it
    on getListing and getListingsByShop; createDraftListing and updateListing answer a plain
    ShopListing, which has no such field).
    """
    code = currency(state, listing)
    text = etsy_escape if (state.config.escape_text if escaped is None else escaped) else str
    readiness = listing.readiness_state_id
    if not (show_readiness and listing.listing_type == "physical"):
        readiness = None
    data: dict[str, Any] = {
        "listing_id": listing.listing_id,
        "user_id": listing.user_id,
        "shop_id": listing.shop_id,
        "title": text(listing.title),
        "description": text(listing.description),
        "rich_description": None,
        "state": listing.state,
        "creation_timestamp": listing.created_timestamp,
        "created_timestamp": listing.created_timestamp,
        "ending_timestamp": listing.ending_timestamp,
        "original_creation_timestamp": listing.created_timestamp,
        "last_modified_timestamp": listing.updated_timestamp,
        "updated_timestamp": listing.updated_timestamp,
        "state_timestamp": listing.state_timestamp,
        "quantity": listing_quantity(listing),
        "shop_section_id": listing.shop_section_id,
        "featured_rank": listing.featured_rank,
        "url": f"https://www.etsy.com/listing/{listing.listing_id}/{_slug(listing.title)}",
        "num_favorers": 0,
        "non_taxable": not listing.is_taxable,
        "is_taxable": listing.is_taxable,
        "is_customizable": listing.is_customizable,
        "is_personalizable": False,
        "listing_type": listing.listing_type,
        "tags": [text(tag) for tag in listing.tags],
        "materials": list(listing.materials),
        "shipping_profile_id": listing.shipping_profile_id,
        "return_policy_id": listing.return_policy_id,
        "processing_min": listing.processing_min,
        "processing_max": listing.processing_max,
        "who_made": listing.who_made,
        "when_made": listing.when_made,
        "is_supply": listing.is_supply,
        "item_weight": listing.item_weight,
        "item_weight_unit": listing.item_weight_unit,
        "item_length": listing.item_length,
        "item_width": listing.item_width,
        "item_height": listing.item_height,
        "item_dimensions_unit": listing.item_dimensions_unit,
        "is_private": listing.state != "active",
        "style": list(listing.styles),
        "file_data": None,
        "has_variations": has_variations(listing),
        "should_auto_renew": listing.should_auto_renew,
        "language": "en-US",
        "price": money(listing_price(listing), code),
        "converted_price": None,
        "taxonomy_id": listing.taxonomy_id,
        "readiness_state_id": readiness,
        "suggested_title": None,
    }
    if partners:
        data["production_partners"] = [
            found
            for partner_id in listing.production_partner_ids
            if (found := state.seed.production_partner(listing.shop_id, partner_id)) is not None
        ]
    if "Images" in includes:
        data["images"] = [
            render_image(state.images[i], state.images[i].rank or n, base_url)
            for n, i in enumerate(listing.image_ids, start=1)
        ]
    if "Inventory" in includes:
        data["inventory"] = render_inventory(state, listing)
    if "Shop" in includes:
        data["shop"] = render_shop(state, listing.shop_id)
    if "User" in includes:
        data["user"] = {
            "user_id": listing.user_id,
            "primary_email": None,
            "first_name": None,
            "last_name": None,
            "image_url_75x75": None,
        }
    if "Shipping" in includes:
        data["shipping_profile"] = (
            state.seed.shipping_profile(listing.shop_id, listing.shipping_profile_id)
            if listing.shipping_profile_id
            else None
        )
    if "Translations" in includes:
        data["translations"] = None
    if "Videos" in includes:
        data["videos"] = []
    if "Personalization" in includes:
        data["personalization"] = None
    if "BuyerPrice" in includes:
        data["buyer_price"] = None
    return data


def image_url(image: ImageRecord, size: str, base_url: str) -> str:
    ext = _EXTENSIONS.get(image.content_type, "jpg")
    return f"{base_url}/_sandbox/images/{image.listing_image_id}/il_{size}.{ext}"


def render_image(image: ImageRecord, rank: int, base_url: str) -> dict[str, Any]:
    """A ListingImage. Colours stay null: Etsy fills them after asynchronous processing."""
    return {
        "listing_id": image.listing_id,
        "listing_image_id": image.listing_image_id,
        "hex_code": None,
        "red": None,
        "green": None,
        "blue": None,
        "hue": None,
        "saturation": None,
        "brightness": None,
        "is_black_and_white": None,
        "creation_tsz": image.created_timestamp,
        "created_timestamp": image.created_timestamp,
        "rank": rank,
        "url_75x75": image_url(image, "75x75", base_url),
        "url_170x135": image_url(image, "170x135", base_url),
        "url_570xN": image_url(image, "570xN", base_url),
        "url_fullxfull": image_url(image, "fullxfull", base_url),
        "full_height": image.full_height,
        "full_width": image.full_width,
        "alt_text": image.alt_text,
    }


def _render_product(product: Product, code: str) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "sku": product.sku,
        "is_deleted": product.is_deleted,
        "offerings": [
            {
                "offering_id": o.offering_id,
                "quantity": o.quantity,
                "is_enabled": o.is_enabled,
                "is_deleted": o.is_deleted,
                "price": money(o.price, code),
                "readiness_state_id": o.readiness_state_id,
            }
            for o in product.offerings
        ],
        "property_values": [
            {
                "property_id": v.property_id,
                "property_name": v.property_name,
                "scale_id": v.scale_id,
                "scale_name": v.scale_name,
                "value_ids": list(v.value_ids),
                "values": list(v.values),
            }
            for v in product.property_values
        ],
    }


def render_inventory(
    state: SandboxState, listing: Listing, *, show_deleted: bool = False
) -> dict[str, Any]:
    """A ListingInventory (getListingInventory adds its `listing` association itself)."""
    code = currency(state, listing)
    inv = listing.inventory
    products = list(inv.products) + (list(inv.deleted_products) if show_deleted else [])
    return {
        "products": [_render_product(p, code) for p in products],
        "price_on_property": list(inv.price_on_property),
        "quantity_on_property": list(inv.quantity_on_property),
        "sku_on_property": list(inv.sku_on_property),
        "readiness_state_on_property": list(inv.readiness_state_on_property),
    }


def render_shop(state: SandboxState, shop_id: int) -> dict[str, Any]:
    shop = dict(state.seed.shops[shop_id])
    mine = [x for x in state.listings.values() if x.shop_id == shop_id and x.state == "active"]
    shop["listing_active_count"] = len(mine)
    shop["digital_listing_count"] = sum(1 for x in mine if x.listing_type != "physical")
    return shop
