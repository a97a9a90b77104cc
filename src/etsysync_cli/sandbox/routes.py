"""The Etsy operations the sandbox serves: method, path, operation id, handler and scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from etsysync_cli.sandbox import images, inventory, listings, receipts, shops
from etsysync_cli.sandbox.state import SandboxState
from etsysync_cli.sandbox.wire import Request, Response

Handler = Callable[[SandboxState, Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Handler
    scope: str | None  # None: only x-api-key; a bearer, if sent, must still be valid


def _route(
    method: str, template: str, operation: str, handler: Handler, scope: str | None
) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"{regex}$"), operation, handler, scope)


# Scopes as the spec's `security` lists them (etsy-api.md §5). /listings/batch comes before
# /listings/{listing_id} so "batch" is not read as an id.
API_ROUTES = (
    _route("GET", "/openapi-ping", "ping", shops.ping, None),
    _route("GET", "/users/me", "getMe", shops.get_me, "shops_r"),
    _route("GET", "/users/{user_id}/shops", "getShopByOwnerUserId", shops.get_shop_by_owner, None),
    _route("GET", "/shops/{shop_id}", "getShop", shops.get_shop, None),
    _route(
        "GET",
        "/shops/{shop_id}/shipping-profiles",
        "getShopShippingProfiles",
        shops.get_shipping_profiles,
        "shops_r",
    ),
    _route(
        "GET",
        "/shops/{shop_id}/policies/return",
        "getShopReturnPolicies",
        shops.get_return_policies,
        None,
    ),
    _route(
        "GET",
        "/shops/{shop_id}/readiness-state-definitions",
        "getShopReadinessStateDefinitions",
        shops.get_readiness_states,
        "shops_r",
    ),
    _route(
        "GET",
        "/shops/{shop_id}/production-partners",
        "getShopProductionPartners",
        shops.get_production_partners,
        "shops_r",
    ),
    _route(
        "GET", "/seller-taxonomy/nodes", "getSellerTaxonomyNodes", shops.get_taxonomy_nodes, None
    ),
    _route(
        "GET",
        "/seller-taxonomy/nodes/{taxonomy_id}/properties",
        "getPropertiesByTaxonomyId",
        shops.get_taxonomy_properties,
        None,
    ),
    _route(
        "POST",
        "/shops/{shop_id}/listings",
        "createDraftListing",
        listings.create_draft_listing,
        "listings_w",
    ),
    _route(
        "GET",
        "/shops/{shop_id}/listings",
        "getListingsByShop",
        listings.get_listings_by_shop,
        "listings_r",
    ),
    _route(
        "PATCH",
        "/shops/{shop_id}/listings/{listing_id}",
        "updateListing",
        listings.update_listing,
        "listings_w",
    ),
    _route("GET", "/listings/batch", "getListingsByListingIds", listings.get_listings_by_ids, None),
    _route(
        "GET",
        "/listings/batch/inventory",
        "getListingsInventoryByListingIds",
        listings.get_inventories_by_ids,
        "listings_r",
    ),
    _route("GET", "/listings/{listing_id}", "getListing", listings.get_listing, None),
    _route(
        "DELETE", "/listings/{listing_id}", "deleteListing", listings.delete_listing, "listings_d"
    ),
    _route(
        "GET", "/listings/{listing_id}/images", "getListingImages", images.get_listing_images, None
    ),
    _route(
        "GET",
        "/listings/{listing_id}/images/{listing_image_id}",
        "getListingImage",
        images.get_listing_image,
        None,
    ),
    _route(
        "POST",
        "/shops/{shop_id}/listings/{listing_id}/images",
        "uploadListingImage",
        images.upload_listing_image,
        "listings_w",
    ),
    _route(
        "DELETE",
        "/shops/{shop_id}/listings/{listing_id}/images/{listing_image_id}",
        "deleteListingImage",
        images.delete_listing_image,
        "listings_w",
    ),
    _route(
        "GET",
        "/listings/{listing_id}/inventory",
        "getListingInventory",
        inventory.get_listing_inventory,
        "listings_r",
    ),
    _route(
        "PUT",
        "/listings/{listing_id}/inventory",
        "updateListingInventory",
        inventory.update_listing_inventory,
        "listings_w",
    ),
    _route(
        "GET",
        "/shops/{shop_id}/receipts",
        "getShopReceipts",
        receipts.get_shop_receipts,
        "transactions_r",
    ),
)
