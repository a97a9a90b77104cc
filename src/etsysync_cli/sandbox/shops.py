"""Users, shops, shop profiles, seller taxonomy and ping."""

from __future__ import annotations

import zlib

from etsysync_cli.sandbox import taxonomy
from etsysync_cli.sandbox.access import limit_offset, owned_shop, path_int, shop_or_404
from etsysync_cli.sandbox.render import render_shop
from etsysync_cli.sandbox.state import SandboxState
from etsysync_cli.sandbox.wire import Request, Response, json_response, not_found


def get_me(state: SandboxState, req: Request) -> Response:
    assert req.caller is not None  # the route requires a bearer
    user = state.seed.users[req.caller.user_id]
    return json_response(200, {"user_id": user["user_id"], "shop_id": user["shop_id"]})


def get_shop(state: SandboxState, req: Request) -> Response:
    shop = shop_or_404(state, path_int(req, "shop_id"))
    return json_response(200, render_shop(state, int(shop["shop_id"])))


def get_shop_by_owner(state: SandboxState, req: Request) -> Response:
    user_id = path_int(req, "user_id")
    shop = state.seed.shop_of_user(user_id)
    if shop is None:
        # Etsy's own text (open-api#526).
        raise not_found(f"Could not find a shop for user with user_id = {user_id}")
    return json_response(200, render_shop(state, int(shop["shop_id"])))


def get_shipping_profiles(state: SandboxState, req: Request) -> Response:
    shop = owned_shop(state, req)
    results = state.seed.shipping_profiles.get(int(shop["shop_id"]), [])
    return json_response(200, {"count": len(results), "results": results})


def get_return_policies(state: SandboxState, req: Request) -> Response:
    shop = shop_or_404(state, path_int(req, "shop_id"))
    results = state.seed.return_policies.get(int(shop["shop_id"]), [])
    return json_response(200, {"count": len(results), "results": results})


def get_readiness_states(state: SandboxState, req: Request) -> Response:
    shop = owned_shop(state, req)
    limit, offset = limit_offset(req)
    found = state.seed.processing_profiles.get(int(shop["shop_id"]), [])
    return json_response(200, {"count": len(found), "results": found[offset : offset + limit]})


def get_production_partners(state: SandboxState, req: Request) -> Response:
    """getShopProductionPartners (shops_r): a ShopProductionPartners envelope, no paging in the
    spec. The API cannot create partners; a seller adds them on etsy.com (etsy-api.md §10.6)."""
    shop = owned_shop(state, req)
    results = state.seed.production_partners.get(int(shop["shop_id"]), [])
    return json_response(200, {"count": len(results), "results": results})


def get_taxonomy_nodes(state: SandboxState, req: Request) -> Response:
    results = taxonomy.nodes_tree()
    return json_response(200, {"count": len(results), "results": results})


def get_taxonomy_properties(state: SandboxState, req: Request) -> Response:
    taxonomy_id = path_int(req, "taxonomy_id")
    if not taxonomy.exists(taxonomy_id):
        raise not_found(f"Could not find a taxonomy node with taxonomy_id = {taxonomy_id}")
    results = [taxonomy.render_property(p) for p in taxonomy.properties_for(taxonomy_id)]
    return json_response(200, {"count": len(results), "results": results})


def application_id(keystring: str) -> int:
    """A stable numeric id for the app, derived from its keystring."""
    return zlib.crc32(keystring.encode("utf-8")) % 900_000_000 + 100_000_000


def ping(state: SandboxState, req: Request) -> Response:
    return json_response(200, {"application_id": application_id(state.config.keystring)})
