"""A local HTTP server that behaves like Etsy's Open API v3 for everything etsysync uses.

Etsy has no sandbox, so tests, the demo and benchmarks run against this one. It is built from
Etsy's reference (etsy-api.md and Etsy's OpenAPI document), not from what a client sends.
Where the reference marks a behaviour unverified, the choice made is noted with "(U)".

    from etsysync_cli.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(port=0, auto_approve=True), shops=2) as sb:
        sb.api_url        # the client's Etsy API base (…/v3)
        sb.shops()        # the hosted sellers: [{"shop_id", "shop_name", "user_id"}]
        sb.sign_in(sb.shops()[1]["user_id"])  # who approves the next consent
        sb.request_log()  # method, path, status, duration_ms of every Etsy request
"""

from etsysync_cli.sandbox.config import DEFAULT_REDIRECT_URI, SandboxConfig
from etsysync_cli.sandbox.images import sample_png
from etsysync_cli.sandbox.oauth import KNOWN_SCOPES, s256
from etsysync_cli.sandbox.seed import (
    OTHER_SHOP_ID,
    OTHER_USER_ID,
    PRODUCTION_PARTNER_ID,
    PRODUCTION_PARTNER_LOCATION,
    PRODUCTION_PARTNER_NAME,
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SELLER_SHOP_NAME,
    SELLER_USER_ID,
    SHIPPING_PROFILE_ID,
    Seller,
    hosted_sellers,
)
from etsysync_cli.sandbox.server import SandboxServer, serve
from etsysync_cli.sandbox.state import SandboxState

__all__ = [
    "DEFAULT_REDIRECT_URI",
    "KNOWN_SCOPES",
    "OTHER_SHOP_ID",
    "OTHER_USER_ID",
    "PRODUCTION_PARTNER_ID",
    "PRODUCTION_PARTNER_LOCATION",
    "PRODUCTION_PARTNER_NAME",
    "READINESS_STATE_ID",
    "RETURN_POLICY_ID",
    "SELLER_SHOP_ID",
    "SELLER_SHOP_NAME",
    "SELLER_USER_ID",
    "SHIPPING_PROFILE_ID",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "Seller",
    "hosted_sellers",
    "s256",
    "sample_png",
    "serve",
]
