"""Where Etsy lives and how long to wait for it. Configuration (config.py) may override the URLs."""

from __future__ import annotations

import httpx

from etsysync_cli import __version__

# transactions_r: reading the shop's sales (getShopReceipts), so stock sold on Etsy comes back.
DEFAULT_SCOPES = ("listings_r", "listings_w", "shops_r", "transactions_r")
USER_AGENT = f"etsysync/{__version__}"

# Connecting should be quick; reading may wait for Etsy to process an image or an inventory.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=30.0)


def api_base(api_url: str) -> str:
    """`https://api.etsy.com/v3` (with or without a trailing slash) → `.../v3/application`."""
    return api_url.rstrip("/") + "/application"


def token_url(api_url: str) -> str:
    return api_url.rstrip("/") + "/public/oauth/token"


def connect_url(oauth_url: str) -> str:
    return oauth_url.rstrip("/") + "/oauth/connect"
