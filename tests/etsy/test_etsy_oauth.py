"""OAuth with PKCE: the consent URL, the callback, and the token endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from etsy_fakes import API_URL, token_reply

from etsysync_cli.errors import (
    AuthError,
    ConsentError,
    EtsyConnectionError,
    EtsyError,
    EtsyServerError,
    TokenRevokedError,
)
from etsysync_cli.etsy import oauth
from etsysync_cli.etsy.retry import RetryPolicy

TOKEN_URL = API_URL + "/public/oauth/token"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OLD_REFRESH = "12345678.old-refresh-s3cret"


def test_verifier_is_43_urlsafe_chars_and_random() -> None:
    verifiers = {oauth.make_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for verifier in verifiers:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", verifier)


def test_challenge_matches_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_state_is_unguessable() -> None:
    assert len(oauth.make_state()) >= 32
    assert oauth.make_state() != oauth.make_state()


def test_authorize_url() -> None:
    url = oauth.authorize_url(
        "https://www.etsy.com/",
        "keystr1ng",
        "http://localhost:3003/callback",
        ["listings_r", "listings_w", "shops_r"],
        "st4te",
        "ch4llenge",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.etsy.com", "/oauth/connect")
    assert "scope=listings_r%20listings_w%20shops_r" in parts.query
    assert "+" not in parts.query
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A3003%2Fcallback" in parts.query
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "keystr1ng",
        "redirect_uri": "http://localhost:3003/callback",
        "scope": "listings_r listings_w shops_r",
        "state": "st4te",
        "code_challenge": "ch4llenge",
        "code_challenge_method": "S256",
    }


def test_parse_callback() -> None:
    url = "http://localhost:3003/callback?code=c0de&state=st4te"
    assert oauth.parse_callback(url, "st4te") == "c0de"
    assert oauth.parse_callback("?code=c0de&state=st4te", "st4te") == "c0de"
    with pytest.raises(ConsentError, match="does not match"):
        oauth.parse_callback(url, "other")
    with pytest.raises(ConsentError, match="The user denied"):
        oauth.parse_callback(
            "http://localhost:3003/callback?state=st4te&error=access_denied"
            "&error_description=The+user+denied+the+request",
            "st4te",
        )
    with pytest.raises(ConsentError, match="no authorization code"):
        oauth.parse_callback("http://localhost:3003/callback?state=st4te", "st4te")


@pytest.fixture
def token_endpoint() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as mock:
        yield mock


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_exchange_code_posts_a_form(token_endpoint: respx.MockRouter) -> None:
    route = token_endpoint.post(TOKEN_URL).respond(200, json=token_reply("1.acc", "1.ref"))
    with httpx.Client() as http:
        tokens = oauth.exchange_code(
            http,
            API_URL,
            "keystr1ng",
            "http://localhost:3003/callback",
            "c0de",
            "v3rifier",
            now=lambda: NOW,
        )
    assert form_of(route.calls.last.request) == {
        "grant_type": "authorization_code",
        "client_id": "keystr1ng",
        "redirect_uri": "http://localhost:3003/callback",
        "code": "c0de",
        "code_verifier": "v3rifier",
    }
    assert "x-api-key" not in route.calls.last.request.headers
    assert tokens.access_value() == "1.acc" and tokens.refresh_value() == "1.ref"
    assert tokens.expires_at == NOW + timedelta(hours=1)


def test_refresh_posts_a_form_with_the_api_key(token_endpoint: respx.MockRouter) -> None:
    route = token_endpoint.post(TOKEN_URL).respond(200, json=token_reply("1.acc2", "1.ref2"))
    with httpx.Client() as http:
        tokens = oauth.refresh(
            http, API_URL, "keystr1ng", OLD_REFRESH, api_key="k:s", now=lambda: NOW
        )
    request = route.calls.last.request
    assert form_of(request) == {
        "grant_type": "refresh_token",
        "client_id": "keystr1ng",
        "refresh_token": OLD_REFRESH,
    }
    assert request.headers["x-api-key"] == "k:s"
    assert tokens.refresh_value() == "1.ref2"


def test_revoked_refresh_token(token_endpoint: respx.MockRouter) -> None:
    token_endpoint.post(TOKEN_URL).respond(
        400, json={"error": "invalid_grant", "error_description": "refresh_token is revoked"}
    )
    with httpx.Client() as http, pytest.raises(TokenRevokedError) as caught:
        oauth.refresh(http, API_URL, "keystr1ng", OLD_REFRESH)
    error = caught.value
    assert str(error).startswith(
        "Etsy refused the refresh token (it expired, was revoked, or was already used)"
    )
    assert "refresh_token is revoked" in str(error)
    assert error.hint == "run `etsysync auth login`"
    assert "s3cret" not in str(error)


def test_bad_code_is_a_consent_error(token_endpoint: respx.MockRouter) -> None:
    token_endpoint.post(TOKEN_URL).respond(
        400, json={"error": "invalid_grant", "error_description": "code is expired"}
    )
    with httpx.Client() as http, pytest.raises(ConsentError, match="code is expired"):
        oauth.exchange_code(http, API_URL, "k", "http://localhost/cb", "c", "v")


def test_other_token_errors_carry_etsys_description(token_endpoint: respx.MockRouter) -> None:
    token_endpoint.post(TOKEN_URL).respond(
        400, json={"error": "invalid_request", "error_description": "code_verifier is required"}
    )
    with httpx.Client() as http, pytest.raises(AuthError) as caught:
        oauth.exchange_code(http, API_URL, "k", "http://localhost/cb", "c", "")
    assert type(caught.value) is AuthError
    assert "code_verifier is required" in str(caught.value)


def test_unreadable_token_reply(token_endpoint: respx.MockRouter) -> None:
    token_endpoint.post(TOKEN_URL).respond(200, json={"access_token": "1.secret-acc"})
    with httpx.Client() as http, pytest.raises(EtsyError) as caught:
        oauth.refresh(http, API_URL, "k", OLD_REFRESH)
    assert "could not read" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_token_endpoint_connection_error(token_endpoint: respx.MockRouter) -> None:
    token_endpoint.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("refused"))
    with httpx.Client() as http, pytest.raises(EtsyConnectionError, match=r"etsy\.test"):
        oauth.refresh(http, API_URL, "k", OLD_REFRESH)


def test_refresher_retries_server_errors(token_endpoint: respx.MockRouter) -> None:
    route = token_endpoint.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(500, json={"error": "Server Error"}),
            httpx.Response(200, json=token_reply("1.acc2", "1.ref2")),
        ]
    )
    with oauth.TokenRefresher(API_URL, "keystr1ng", retry=RetryPolicy.no_wait()) as refresher:
        tokens = refresher(OLD_REFRESH)
        assert "s3cret" not in repr(refresher)
    assert route.call_count == 2
    assert tokens.access_value() == "1.acc2"
    assert route.calls.last.request.headers["user-agent"].startswith("etsysync/")


def test_refresher_does_not_retry_a_revoked_token(token_endpoint: respx.MockRouter) -> None:
    route = token_endpoint.post(TOKEN_URL).respond(
        400, json={"error": "invalid_grant", "error_description": "refresh_token is revoked"}
    )
    with (
        oauth.TokenRefresher(API_URL, "k", retry=RetryPolicy.no_wait()) as refresher,
        pytest.raises(TokenRevokedError),
    ):
        refresher(OLD_REFRESH)
    assert route.call_count == 1


def test_refresher_gives_up_on_persistent_500(token_endpoint: respx.MockRouter) -> None:
    route = token_endpoint.post(TOKEN_URL).respond(500, json={"error": "Server Error"})
    with (
        oauth.TokenRefresher(API_URL, "k", retry=RetryPolicy.no_wait(max_attempts=3)) as refresher,
        pytest.raises(EtsyServerError, match="Server Error"),
    ):
        refresher(OLD_REFRESH)
    assert route.call_count == 3
