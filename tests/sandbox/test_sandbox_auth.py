"""x-api-key and bearer checks on /v3/application (etsy-api.md §2, §4)."""

from __future__ import annotations

import pytest
from sandbox_helpers import error, listing_form

from etsysync_cli.sandbox import OTHER_SHOP_ID, OTHER_USER_ID, SELLER_SHOP_ID


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "Missing x-api-key header."),
        ("sandbox-keystring", "Shared secret is required in x-api-key header."),
        (
            "sandbox-keystring:",
            "Invalid API key: should be in the format 'keystring:shared_secret'.",
        ),
        (
            ":sandbox-shared-secret",
            "Invalid API key: should be in the format 'keystring:shared_secret'.",
        ),
        ("a:b:c", "Invalid API key: should be in the format 'keystring:shared_secret'."),
        ("sandbox-keystring:wrong-secret", "Invalid shared secret for this API key."),
    ],
)
def test_bad_api_key_is_403(client, key, message):
    headers = {"x-api-key": key} if key is not None else {}
    response = client.get("/v3/application/openapi-ping", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": message}


def test_an_api_key_etsy_does_not_know_is_400_invalid_api_key(client):
    """etsy-api.md §10.4 (open-api#498): a well-formed key Etsy does not honour comes back as
    400 `{"error": "Invalid API key"}`, not 403."""
    headers = {"x-api-key": "other-app:sandbox-shared-secret"}
    response = client.get("/v3/application/openapi-ping", headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid API key"}


def test_ping_with_a_good_key(api):
    response = api.as_token(None).get("/openapi-ping")
    assert response.status_code == 200
    assert set(response.json()) == {"application_id"}
    assert isinstance(response.json()["application_id"], int)


def test_api_key_is_checked_before_the_route(client):
    response = client.get("/v3/application/no-such-thing")
    assert response.status_code == 403


def test_unknown_route_and_wrong_method_are_404(api):
    assert api.get("/no-such-thing").status_code == 404
    assert error(api.get("/no-such-thing")) == "Resource not found"
    assert api.post("/users/me").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/shops/{SELLER_SHOP_ID}/listings/1",
        f"/shops/{SELLER_SHOP_ID}/listings/1/images",
    ],
)
def test_get_on_a_write_only_path_is_404_resource_not_found(api, path):
    """etsy-api.md §10.9 (ELA): GET on the PATCH-only listing path and the POST-only image
    path answers 404 "Resource not found", not 405."""
    response = api.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Resource not found"}


def test_scoped_endpoint_without_bearer_is_401_naming_the_scope(api):
    """etsy-api.md §10.5 (ELA): Etsy's 401 text names the scope the endpoint needs."""
    response = api.as_token(None).get("/users/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": "Access token is required for this request (requires scope: shops_r)."
    }


def test_expired_access_token_is_401_access_token_is_expired(api, sandbox):
    assert api.get("/users/me").status_code == 200
    assert sandbox.expire_access_tokens() == 1
    response = api.get("/users/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "access token is expired",
    }


@pytest.mark.parametrize(
    "bearer",
    ["84729351.not-a-real-token", "garbage", "12345.abc"],
)
def test_invalid_bearer_is_401(api, bearer):
    response = api.as_token(bearer).get("/users/me")
    assert response.status_code == 401
    assert error(response) == "invalid_token"


def test_token_must_carry_its_own_user_prefix(api, token):
    _, _, opaque = token["access_token"].partition(".")
    response = api.as_token(f"{OTHER_USER_ID}.{opaque}").get("/users/me")
    assert response.status_code == 401


def test_revoked_access_token_is_401(api, sandbox):
    sandbox.revoke_access_tokens()
    response = api.get("/users/me")
    assert response.status_code == 401
    assert response.json()["error_description"] == "access token is revoked"


def test_authorization_must_be_bearer(api, token):
    response = api.as_token(None).get(
        "/users/me", headers={"authorization": f"Basic {token['access_token']}"}
    )
    assert response.status_code == 401


def test_public_endpoint_works_without_bearer(api):
    response = api.as_token(None).get(f"/shops/{SELLER_SHOP_ID}")
    assert response.status_code == 200


def test_public_endpoint_still_checks_a_bearer_that_is_sent(api, sandbox):
    sandbox.expire_access_tokens()
    response = api.get(f"/shops/{SELLER_SHOP_ID}")
    assert response.status_code == 401
    assert response.json()["error_description"] == "access token is expired"


@pytest.mark.parametrize(
    ("scopes", "method", "path_template"),
    [
        (("listings_r", "shops_r"), "POST", "/shops/{shop}/listings"),
        (("listings_w",), "GET", "/users/me"),
        (("listings_w",), "GET", "/shops/{shop}/listings"),
        (("listings_r", "listings_w"), "DELETE", "/listings/123"),
        (("listings_w",), "GET", "/shops/{shop}/shipping-profiles"),
    ],
)
def test_missing_scope_is_403_insufficient_scope(api, sandbox, scopes, method, path_template):
    narrow = sandbox.issue_token(scopes=scopes)["access_token"]
    path = path_template.format(shop=SELLER_SHOP_ID)
    response = api.as_token(narrow).request(method, path, data=listing_form())
    assert response.status_code == 403
    assert response.json() == {
        "error": "insufficient_scope",
        "error_description": "Insufficient scope",
    }


def test_another_users_token_cannot_write_to_the_shop(api, sandbox):
    other = sandbox.issue_token(
        user_id=OTHER_USER_ID, scopes=("listings_w", "listings_r", "shops_r")
    )
    response = api.as_token(other["access_token"]).post(
        f"/shops/{SELLER_SHOP_ID}/listings", data=listing_form()
    )
    assert response.status_code == 403
    assert error(response) == f"User does not own Shop {SELLER_SHOP_ID}"
    assert sandbox.state.listings == {}


def test_another_users_token_cannot_read_private_shop_data(api, sandbox):
    other = sandbox.issue_token(user_id=OTHER_USER_ID)["access_token"]
    for path in ("/shipping-profiles", "/readiness-state-definitions", "/listings"):
        response = api.as_token(other).get(f"/shops/{SELLER_SHOP_ID}{path}")
        assert response.status_code == 403, path
    # ...but its own shop is fine.
    own = api.as_token(other).get(f"/shops/{OTHER_SHOP_ID}/shipping-profiles")
    assert own.status_code == 200


def test_another_users_token_cannot_touch_a_listing(api, sandbox):
    listing = sandbox.create_listing_direct()
    other = sandbox.issue_token(
        user_id=OTHER_USER_ID, scopes=("listings_r", "listings_w", "listings_d")
    )["access_token"]
    path = f"/listings/{listing['listing_id']}"
    assert api.as_token(other).get(path + "/inventory").status_code == 403
    assert api.as_token(other).put(path + "/inventory", json={"products": []}).status_code == 403
    assert api.as_token(other).delete(path).status_code == 403
    assert listing["listing_id"] in sandbox.state.listings
