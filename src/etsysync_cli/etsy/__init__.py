"""Etsy Open API v3: the client, OAuth with PKCE, bearer auth, rate limiting and retries.

Nothing here imports the CLI; the runner and commands build one `EtsyClient` per run.
"""

from etsysync_cli.etsy.auth import BearerAuth, TokenStore
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.events import EtsyEvent, RequestStats
from etsysync_cli.etsy.oauth import TokenRefresher
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.retry import RetryPolicy
from etsysync_cli.etsy.tokens import TokenSet

__all__ = [
    "BearerAuth",
    "EtsyClient",
    "EtsyEvent",
    "RateLimiter",
    "RequestStats",
    "RetryPolicy",
    "TokenRefresher",
    "TokenSet",
    "TokenStore",
]
