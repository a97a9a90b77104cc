"""Who is signed in to the sandbox's etsy.com: the hosted sellers, and choosing one of them.

Not part of Etsy's API (like inspection.py): `GET /_sandbox/shops` lists the sellers of
`--shops N`, and `POST /_sandbox/signin {"user_id": N}` signs one in. The seller signed in is
who approves with `--auto-approve`, and whom the consent page offers first; a token always
belongs to the seller who consented.
"""

from __future__ import annotations

from typing import Any

from etsysync_cli.sandbox.seed import Seller
from etsysync_cli.sandbox.state import SandboxState
from etsysync_cli.sandbox.wire import bad_request, not_found


def shops(state: SandboxState) -> list[dict[str, Any]]:
    """The hosted sellers' shops, in order: `[{"shop_id", "shop_name", "user_id"}]`."""
    return [
        {"shop_id": s.shop_id, "shop_name": s.shop_name, "user_id": s.user_id}
        for s in state.seed.sellers
    ]


def hosted_seller(state: SandboxState, raw: object) -> Seller:
    """The hosted seller whose user id is `raw` (a number, or its digits from a form):
    400 if it is not a user id, 404 if no hosted seller has it."""
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise bad_request(f"user_id must be a whole number, got {raw!r}.")
    seller = state.seed.seller(raw)
    if seller is None:
        known = ", ".join(str(s.user_id) for s in state.seed.sellers)
        raise not_found(f"No seller with user_id = {raw} in this sandbox (sellers: {known}).")
    return seller


def sign_in(state: SandboxState, body: object) -> dict[str, Any]:
    """Sign a hosted seller in; answers the seller's shop as `/_sandbox/shops` lists it."""
    if not isinstance(body, dict) or "user_id" not in body:
        raise bad_request('The body must be a JSON object: {"user_id": <a seller\'s user_id>}.')
    seller = hosted_seller(state, body["user_id"])
    state.signed_in_user_id = seller.user_id
    return {"shop_id": seller.shop_id, "shop_name": seller.shop_name, "user_id": seller.user_id}
