"""Lookups and ownership checks shared by the handlers: 404 for what is missing, 403 for
what belongs to someone else."""

from __future__ import annotations

from typing import Any

from etsysync_cli.sandbox.rules import check_enum
from etsysync_cli.sandbox.state import Listing, SandboxState
from etsysync_cli.sandbox.wire import Request, bad_request, forbidden, not_found

MAX_OFFSET = 12000


def path_int(req: Request, name: str) -> int:
    raw = req.params[name]
    if not raw.isdigit():
        raise bad_request(f"Expected int value for '{name}' (got '{raw}').")
    value = int(raw)
    if value < 1:
        raise bad_request(f"There was a problem with /{name} : must be greater than or equal to 1")
    return value


def query_int(req: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().lstrip("-").isdigit():
        raise bad_request(f"Expected int value for '{name}' (got '{raw}').")
    value = int(raw)
    if value < minimum:
        raise bad_request(f"There was a problem with /{name} : must be >= {minimum}")
    if value > maximum:
        raise bad_request(f"There was a problem with /{name} : must be <= {maximum}")
    return value


def limit_offset(req: Request) -> tuple[int, int]:
    return query_int(req, "limit", 25, 1, 100), query_int(req, "offset", 0, 0, MAX_OFFSET)


def includes(req: Request, allowed: tuple[str, ...]) -> frozenset[str]:
    """`includes` is one comma-separated value; each item must be in the operation's enum."""
    raw = req.arg("includes")
    if not raw:
        return frozenset()
    items = [i.strip() for i in raw.split(",") if i.strip()]
    return frozenset(check_enum(i, allowed) for i in items)


def shop_or_404(state: SandboxState, shop_id: int) -> dict[str, Any]:
    shop = state.seed.shops.get(shop_id)
    if shop is None:
        raise not_found(f"Could not find a shop with shop_id = {shop_id}")
    return shop


def require_shop_owner(req: Request, shop: dict[str, Any]) -> None:
    """Private shop data and every write need the bearer of the shop's owner. etsy-api.md §4
    gives only the status (403, "not the owner"); the text is Etsy's as users quote it for
    getListingsByShop and uploadListingImage (open-api#588, #438)."""
    if req.caller is None or req.caller.user_id != shop["user_id"]:
        raise forbidden(f"User does not own Shop {shop['shop_id']}")


def owned_shop(state: SandboxState, req: Request) -> dict[str, Any]:
    shop = shop_or_404(state, path_int(req, "shop_id"))
    require_shop_owner(req, shop)
    return shop


def listing_or_404(state: SandboxState, listing_id: int) -> Listing:
    listing = state.listings.get(listing_id)
    if listing is None:
        raise not_found(f"Could not find a listing with listing_id = {listing_id}")
    return listing


def visible(req: Request, listing: Listing) -> bool:
    """(U) Public reads show active listings only; the owner's bearer sees every state."""
    owner = req.caller is not None and req.caller.user_id == listing.user_id
    return owner or listing.state == "active"


def visible_listing(state: SandboxState, req: Request, listing_id: int) -> Listing:
    listing = listing_or_404(state, listing_id)
    if not visible(req, listing):
        raise not_found(f"Could not find a listing with listing_id = {listing_id}")
    return listing


def owned_listing(state: SandboxState, req: Request, listing_id: int) -> Listing:
    """A listing addressed without a shop id: 404 if unknown, 403 if another user's."""
    listing = listing_or_404(state, listing_id)
    if req.caller is None or req.caller.user_id != listing.user_id:
        raise forbidden(f"The authenticated user does not own listing {listing_id}.")
    return listing


def shop_listing(state: SandboxState, req: Request) -> tuple[dict[str, Any], Listing]:
    """`/shops/{shop_id}/listings/{listing_id}...`: the shop must be the caller's and hold it."""
    shop = owned_shop(state, req)
    listing_id = path_int(req, "listing_id")
    listing = listing_or_404(state, listing_id)
    if listing.shop_id != shop["shop_id"]:
        raise not_found(f"Could not find a listing with listing_id = {listing_id} in this shop")
    return shop, listing
