"""OAuth 2.0 + PKCE as Etsy runs it (etsy-api.md §1): consent page, codes, tokens, rotation."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sandbox_helpers import OAS, local_client
from tests.pacing import fast_config

from etsysync_cli.sandbox import (
    KNOWN_SCOPES,
    OTHER_USER_ID,
    SELLER_USER_ID,
    SandboxServer,
    s256,
)

REDIRECT = "http://localhost:3003/callback"
TOKEN = "/v3/public/oauth/token"


def authorize_params(sandbox: SandboxServer, verifier: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": sandbox.config.keystring,
        "redirect_uri": REDIRECT,
        "scope": "listings_r listings_w shops_r",
        "state": "state-123",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "<omit>"}


def query_of(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def approve(client: httpx.Client, sandbox: SandboxServer, verifier: str, **kw: str) -> str:
    """Play the browser: open the consent page, press Allow, return the code."""
    page = client.get("/oauth/connect", params=authorize_params(sandbox, verifier, **kw))
    assert page.status_code == 200
    assert "Allow" in page.text and "Deny" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert action and consent_id
    allowed = client.post(
        action.group(1), data={"consent_id": consent_id.group(1), "decision": "allow"}
    )
    assert allowed.status_code == 302
    assert allowed.headers["location"].startswith(REDIRECT + "?")
    query = query_of(allowed)
    assert query["state"] == kw.get("state", "state-123")
    return query["code"]


def exchange(
    client: httpx.Client, sandbox: SandboxServer, code: str, verifier: str, /, **kw: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": sandbox.config.keystring,
        "redirect_uri": REDIRECT,
        "code": code,
        "code_verifier": verifier,
    }
    form.update(kw)
    return client.post(TOKEN, data={k: v for k, v in form.items() if v != "<omit>"})


def refresh(client: httpx.Client, sandbox: SandboxServer, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "client_id": sandbox.config.keystring,
        "refresh_token": refresh_token,
    }
    return client.post(TOKEN, data=form)


def api_key(sandbox: SandboxServer) -> str:
    return f"{sandbox.config.keystring}:{sandbox.config.shared_secret}"


def me(client: httpx.Client, sandbox: SandboxServer, access_token: str) -> httpx.Response:
    headers = {"x-api-key": api_key(sandbox), "authorization": f"Bearer {access_token}"}
    return client.get("/v3/application/users/me", headers=headers)


@pytest.fixture
def verifier() -> str:
    return secrets.token_urlsafe(32)  # Etsy's recipe: 32 random bytes, base64url


def test_full_dance_consent_page_code_and_tokens(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    response = exchange(client, sandbox, code, verifier)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith(f"{SELLER_USER_ID}.")
    assert body["refresh_token"].startswith(f"{SELLER_USER_ID}.")
    assert response.headers["cache-control"] == "no-store"
    assert me(client, sandbox, body["access_token"]).json() == {
        "user_id": SELLER_USER_ID,
        "shop_id": sandbox.state.seed.users[SELLER_USER_ID]["shop_id"],
    }


def test_deny_redirects_with_access_denied(client, sandbox, verifier):
    page = client.get("/oauth/connect", params=authorize_params(sandbox, verifier))
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id
    denied = client.post(
        "/oauth/connect", data={"consent_id": consent_id.group(1)} | {"decision": "deny"}
    )
    assert denied.status_code == 302
    query = query_of(denied)
    assert query["error"] == "access_denied"
    assert query["state"] == "state-123"
    assert "code" not in query


def test_consent_cannot_be_submitted_twice(client, sandbox, verifier):
    page = client.get("/oauth/connect", params=authorize_params(sandbox, verifier))
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id
    form = {"consent_id": consent_id.group(1), "decision": "allow"}
    assert client.post("/oauth/connect", data=form).status_code == 302
    again = client.post("/oauth/connect", data=form)
    assert again.status_code == 400
    assert "location" not in again.headers


def test_auto_approve_redirects_at_once(verifier):
    with (
        SandboxServer(fast_config(auto_approve=True)) as sb,
        local_client(sb.base_url) as client,
    ):
        response = client.get("/oauth/connect", params=authorize_params(sb, verifier))
        assert response.status_code == 302
        query = query_of(response)
        assert query["state"] == "state-123"
        assert exchange(client, sb, query["code"], verifier).status_code == 200


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "http://localhost:3003/callback/"},  # trailing slash counts
        {"redirect_uri": "http://LOCALHOST:3003/callback"},  # so does case
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": "<omit>"},
        {"client_id": "someone-elses-app"},
    ],
)
def test_unregistered_redirect_or_client_gets_etsys_error_page(client, sandbox, verifier, override):
    response = client.get("/oauth/connect", params=authorize_params(sandbox, verifier, **override))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "The requested redirect URL is not permitted." in response.text


def test_several_registered_redirect_uris(verifier):
    other = "http://127.0.0.1:8765/callback"
    with (
        SandboxServer(fast_config(redirect_uris=[REDIRECT, other])) as sb,
        local_client(sb.base_url) as client,
    ):
        page = client.get(
            "/oauth/connect", params=authorize_params(sb, verifier, redirect_uri=other)
        )
        assert page.status_code == 200


@pytest.mark.parametrize(
    ("override", "error", "description"),
    [
        ({"state": "<omit>"}, "invalid_request", "state is required"),
        ({"code_challenge": "<omit>"}, "invalid_request", "code_challenge is required"),
        (
            {"code_challenge_method": "plain"},
            "invalid_request",
            "code_challenge_method must be S256",
        ),
        (
            {"code_challenge_method": "<omit>"},
            "invalid_request",
            "code_challenge_method must be S256",
        ),
        ({"code_challenge": "too-short"}, "invalid_request", "code_challenge must be"),
        ({"response_type": "token"}, "unsupported_response_type", "response_type must be code"),
        ({"response_type": "<omit>"}, "invalid_request", "response_type is required"),
        ({"scope": "<omit>"}, "invalid_scope", "scope is required"),
        ({"scope": "listings_r listings_everything"}, "invalid_scope", "listings_everything"),
    ],
)
def test_bad_authorize_request_redirects_with_error(
    client, sandbox, verifier, override, error, description
):
    response = client.get("/oauth/connect", params=authorize_params(sandbox, verifier, **override))
    assert response.status_code == 302
    query = query_of(response)
    assert query["error"] == error
    assert description in query["error_description"]
    assert "code" not in query
    if "state" not in override:
        assert query["state"] == "state-123"


def test_known_scopes_cover_the_oas_scopes():
    assert set(OAS["scopes"]) <= set(KNOWN_SCOPES)


def test_scope_list_is_space_separated(client, sandbox, verifier):
    code = approve(client, sandbox, verifier, scope="listings_r shops_r")
    tokens = exchange(client, sandbox, code, verifier).json()
    # listings_w was not granted: a write is refused for lack of scope.
    headers = {"x-api-key": api_key(sandbox), "authorization": f"Bearer {tokens['access_token']}"}
    shop_id = sandbox.state.seed.users[SELLER_USER_ID]["shop_id"]
    response = client.post(f"/v3/application/shops/{shop_id}/listings", headers=headers, data={})
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


# --- token endpoint -----------------------------------------------------------------------------


def test_json_body_is_refused(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    response = client.post(
        TOKEN,
        json={
            "grant_type": "authorization_code",
            "client_id": sandbox.config.keystring,
            "redirect_uri": REDIRECT,
            "code": code,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    # The code was not spent by the refused request.
    assert exchange(client, sandbox, code, verifier).status_code == 200


@pytest.mark.parametrize(
    "missing", ["grant_type", "client_id", "redirect_uri", "code", "code_verifier"]
)
def test_missing_field_is_invalid_request(client, sandbox, verifier, missing):
    code = approve(client, sandbox, verifier)
    response = exchange(client, sandbox, code, verifier, **{missing: "<omit>"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"{missing} is required",
    }


def test_wrong_pkce_verifier_is_invalid_grant(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    response = exchange(client, sandbox, code, secrets.token_urlsafe(32))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "code_verifier" in response.json()["error_description"]


def test_malformed_verifier_is_invalid_request(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    response = exchange(client, sandbox, code, "short")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_code_is_single_use(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    assert exchange(client, sandbox, code, verifier).status_code == 200
    again = exchange(client, sandbox, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_expires(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    with sandbox.state.lock:
        for record in sandbox.state.codes.values():
            record.expires_at = time.time() - 1
    response = exchange(client, sandbox, code, verifier)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "code has expired"}


def test_redirect_uri_must_match_the_authorization(client, verifier):
    other = "http://127.0.0.1:8765/callback"
    with (
        SandboxServer(fast_config(redirect_uris=[REDIRECT, other])) as sb,
        local_client(sb.base_url) as c,
    ):
        code = approve(c, sb, verifier)
        response = exchange(c, sb, code, verifier, redirect_uri=other)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


def test_unknown_code_and_client(client, sandbox, verifier):
    unknown = exchange(client, sandbox, "not-a-code", verifier)
    assert unknown.json()["error"] == "invalid_grant"
    code = approve(client, sandbox, verifier)
    other_client = exchange(client, sandbox, code, verifier, client_id="another-app")
    assert other_client.status_code == 400
    assert other_client.json()["error"] == "invalid_client"


def test_unsupported_grant_type(client, sandbox):
    response = client.post(TOKEN, data={"grant_type": "password", "client_id": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_and_the_old_refresh_token_is_revoked(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    first = exchange(client, sandbox, code, verifier).json()
    second_response = refresh(client, sandbox, first["refresh_token"])
    assert second_response.status_code == 200
    second = second_response.json()
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert me(client, sandbox, second["access_token"]).status_code == 200
    reused = refresh(client, sandbox, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {
        "error": "invalid_grant",
        "error_description": "refresh_token is revoked",
    }
    # The new one works, once.
    assert refresh(client, sandbox, second["refresh_token"]).status_code == 200
    counts = client.get("/_sandbox/tokens").json()
    assert counts["refresh_tokens_rotated"] == 2
    assert counts["access_tokens_issued"] == 3


def test_refresh_keeps_the_scopes(client, sandbox, verifier):
    code = approve(client, sandbox, verifier, scope="shops_r")
    first = exchange(client, sandbox, code, verifier).json()
    second = refresh(client, sandbox, first["refresh_token"]).json()
    record = next(t for t in sandbox.state.access_tokens.values() if t.expires_at and not t.revoked)
    assert record.scopes == ["shops_r"]
    assert me(client, sandbox, second["access_token"]).status_code == 200


def test_revoked_refresh_tokens_are_refused(client, sandbox):
    tokens = sandbox.issue_token()
    assert sandbox.revoke_refresh_tokens() == 1
    response = refresh(client, sandbox, tokens["refresh_token"])
    assert response.json()["error_description"] == "refresh_token is revoked"


def test_unknown_refresh_token(client, sandbox):
    response = refresh(client, sandbox, f"{SELLER_USER_ID}.nope")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_ttl_is_configurable(verifier):
    with (
        SandboxServer(fast_config(token_ttl=120, auto_approve=True)) as sb,
        local_client(sb.base_url) as client,
    ):
        response = client.get("/oauth/connect", params=authorize_params(sb, verifier))
        tokens = exchange(client, sb, query_of(response)["code"], verifier).json()
        assert tokens["expires_in"] == 120


def test_signed_in_user_decides_whose_tokens(client, sandbox, verifier):
    sandbox.state.signed_in_user_id = OTHER_USER_ID
    code = approve(client, sandbox, verifier)
    tokens: dict[str, Any] = exchange(client, sandbox, code, verifier).json()
    assert tokens["access_token"].startswith(f"{OTHER_USER_ID}.")


def test_token_endpoint_needs_no_api_key_and_answers_sporadic_500(client, sandbox, verifier):
    code = approve(client, sandbox, verifier)
    sandbox.set_fail_next(1, 500, endpoint="token")
    failed = exchange(client, sandbox, code, verifier)
    assert failed.status_code == 500
    assert failed.json() == {"error": "Server Error"}
    # Injected before the exchange: the code is still good.
    assert exchange(client, sandbox, code, verifier).status_code == 200
