"""Helpers for the sandbox tests: Etsy's OAS field names and an httpx wrapper that calls the
sandbox the way etsysync's Etsy client will (x-api-key plus a bearer token)."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import httpx

from etsysync_cli.sandbox import (
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SELLER_SHOP_ID,
    SHIPPING_PROFILE_ID,
)

OAS = json.loads((Path(__file__).parent / "etsy_oas_fields.json").read_text())
ALL_SCOPES = ("listings_r", "listings_w", "listings_d", "shops_r")


def local_client(base_url: str) -> httpx.Client:
    """A client for the loopback sandbox. Plain HTTP, so no TLS context (loading the CA bundle
    costs ~80 ms per client, which adds up over hundreds of tests)."""
    return httpx.Client(base_url=base_url, verify=False, follow_redirects=False)


class StaticBearer(httpx.Auth):
    """A fixed bearer token: tests of the client that need no refresh."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def seller_client(
    sb: Any, scopes: Iterable[str] | None = None, transport: httpx.BaseTransport | None = None
) -> Any:
    """etsysync's own EtsyClient on the sandbox `sb`, as its seller (a token issued without the
    consent dance; the sandbox's default scopes unless `scopes`), unpaced and with retries that
    do not wait: for tests of what the client sends and reads. Use it in a `with`."""
    from etsysync_cli.etsy.client import EtsyClient
    from etsysync_cli.etsy.ratelimit import RateLimiter
    from etsysync_cli.etsy.retry import RetryPolicy

    token = sb.issue_token(**({} if scopes is None else {"scopes": scopes}))["access_token"]
    return EtsyClient(
        sb.api_url,
        sb.config.keystring,
        sb.config.shared_secret,
        auth=StaticBearer(token),
        transport=transport,
        limiter=RateLimiter(per_second=10_000),
        retry=RetryPolicy.no_wait(),
    )


def fields(schema: str) -> set[str]:
    """The property names of one of Etsy's OAS schemas."""
    return set(OAS["schemas"][schema])


class Api:
    """Calls `/v3/application/...` with Etsy's headers."""

    def __init__(self, client: httpx.Client, key: str, access_token: str | None) -> None:
        self.client = client
        self.key = key
        self.access_token = access_token

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"x-api-key": self.key}
        if self.access_token:
            headers["authorization"] = f"Bearer {self.access_token}"
        headers.update(kwargs.pop("headers", {}))
        return self.client.request(method, "/v3/application" + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def as_token(self, access_token: str | None) -> Api:
        return Api(self.client, self.key, access_token)


def listing_form(**overrides: Any) -> dict[str, Any]:
    """A valid createDraftListing form for the seeded shop."""
    form: dict[str, Any] = {
        "quantity": "5",
        "title": "Hand-thrown stoneware mug, 12 oz",
        "description": "A sturdy mug, glazed by hand.",
        "price": "24.50",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": "false",
        "taxonomy_id": "1073",
        "shipping_profile_id": str(SHIPPING_PROFILE_ID),
        "return_policy_id": str(RETURN_POLICY_ID),
        "readiness_state_id": str(READINESS_STATE_ID),
        "tags": "mug,stoneware,coffee cup",
        "materials": "stoneware,glaze",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def create_listing(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post(f"/shops/{SELLER_SHOP_ID}/listings", data=listing_form(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def error(response: httpx.Response) -> str:
    body = response.json()
    assert isinstance(body, dict) and "error" in body, body
    return str(body["error"])
