"""Etsy OAuth 2.0 with PKCE: the consent URL, the callback, and the token endpoint.

The token endpoint (`{api_url}/public/oauth/token`) takes form-encoded bodies only (JSON is
rejected, etsy-api.md §8 gotcha 2) and answers errors OAuth-style, `{"error", "error_description"}`.
Every refresh returns a new refresh token; the caller must store it before using the new access
token (auth.py does).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from etsysync_cli.clock import utcnow
from etsysync_cli.errors import AuthError, ConsentError, EtsyError, TokenRevokedError
from etsysync_cli.etsy.defaults import DEFAULT_TIMEOUT, USER_AGENT, connect_url, token_url
from etsysync_cli.etsy.responses import (
    LOGIN_HINT,
    connection_error,
    error_from_response,
    etsy_text,
    oauth_error_code,
)
from etsysync_cli.etsy.retry import RetryPolicy
from etsysync_cli.etsy.tokens import TokenSet

REVOKED_MESSAGE = "Etsy refused the refresh token (it expired, was revoked, or was already used)"


def make_verifier() -> str:
    """A PKCE code verifier: 32 random bytes, base64url without padding (43 characters)."""
    return _b64url(secrets.token_bytes(32))


def challenge(verifier: str) -> str:
    """The S256 code challenge of `verifier`."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def make_state() -> str:
    """An unguessable, single-use `state` value."""
    return secrets.token_urlsafe(32)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def authorize_url(
    oauth_url: str,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str] | str,
    state: str,
    challenge: str,
) -> str:
    """The consent page URL. Scopes are space-separated and encoded as `%20`, never `+`."""
    scope = scopes if isinstance(scopes, str) else " ".join(scopes)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
        quote_via=quote,
        safe="",
    )
    return f"{connect_url(oauth_url)}?{query}"


def parse_callback(url: str, expected_state: str) -> str:
    """The authorization code from the redirect Etsy sent the browser to (or its query string).

    Raises ConsentError when Etsy reports an error, the state does not match, or there is no code.
    """
    query = urlsplit(url).query if "?" in url or "://" in url else url.lstrip("?")
    params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
    error = params.get("error")
    if error:
        description = params.get("error_description") or error
        raise ConsentError(
            f"Etsy did not grant access: {description}", hint="run `etsysync auth login` again"
        )
    if not secrets.compare_digest(params.get("state", ""), expected_state):
        raise ConsentError(
            "the redirect's state does not match this login (a stale or forged redirect)",
            hint="run `etsysync auth login` again and use the newest link",
        )
    code = params.get("code")
    if not code:
        raise ConsentError(
            "the redirect has no authorization code", hint="run `etsysync auth login` again"
        )
    return code


def exchange_code(
    http: httpx.Client,
    api_url: str,
    client_id: str,
    redirect_uri: str,
    code: str,
    verifier: str,
    *,
    api_key: str | None = None,
    now: Callable[[], datetime] | None = None,
) -> TokenSet:
    """Trade an authorization code (and its PKCE verifier) for tokens."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code": code,
        "code_verifier": verifier,
    }
    return _token_request(http, api_url, form, api_key=api_key, now=now)


def refresh(
    http: httpx.Client,
    api_url: str,
    client_id: str,
    refresh_token: str,
    *,
    api_key: str | None = None,
    now: Callable[[], datetime] | None = None,
) -> TokenSet:
    """Trade a refresh token for a new token set (with a new refresh token). One attempt."""
    form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token}
    return _token_request(http, api_url, form, api_key=api_key, now=now)


def _token_request(
    http: httpx.Client,
    api_url: str,
    form: dict[str, str],
    *,
    api_key: str | None,
    now: Callable[[], datetime] | None,
) -> TokenSet:
    headers = {"Accept": "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    try:
        response = http.post(token_url(api_url), data=form, headers=headers)
    except httpx.TransportError as exc:
        raise connection_error(exc) from exc
    if not response.is_success:
        raise _token_error(response, form["grant_type"])
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _unreadable(response, "not a JSON object")
    try:
        return TokenSet.from_token_response(data, now=(now or utcnow)())
    except ValueError as exc:  # the message names the field, never a token
        raise _unreadable(response, str(exc)) from None


def _unreadable(response: httpx.Response, reason: str) -> EtsyError:
    return EtsyError(
        f"Etsy's token endpoint sent a reply etsysync could not read ({reason})",
        status=response.status_code,
    )


def _token_error(response: httpx.Response, grant_type: str) -> EtsyError | AuthError:
    status = response.status_code
    if status not in (400, 401, 403):
        return error_from_response(response)  # 429 and 5xx: retryable kinds
    code = oauth_error_code(response)
    text = etsy_text(response)
    if code == "invalid_grant" and grant_type == "refresh_token":
        return TokenRevokedError(f"{REVOKED_MESSAGE}: {text}", hint=LOGIN_HINT)
    if code == "invalid_grant":
        return ConsentError(
            f"Etsy refused the authorization code: {text}",
            hint="run `etsysync auth login` again (a code works once, for a few minutes)",
        )
    return AuthError(
        f"Etsy's token endpoint refused the request ({status}): {text}", hint=LOGIN_HINT
    )


class TokenRefresher:
    """The `refresher` for BearerAuth: its own plain httpx client, not the authed one.

    Retries connection failures and 5xx (the token endpoint has answered sporadic 500s that
    succeed on retry). A retry after the server already rotated the token ends in
    TokenRevokedError, which is the honest outcome: the old refresh token is spent.
    """

    def __init__(
        self,
        api_url: str,
        client_id: str,
        *,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.api_url = api_url
        self.client_id = client_id
        self._api_key = api_key
        self._retry = retry if retry is not None else RetryPolicy(max_attempts=4)
        self._now = now
        self._http = httpx.Client(
            transport=transport, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )

    def __call__(self, refresh_token: str) -> TokenSet:
        return self._retry.call(
            lambda: refresh(
                self._http,
                self.api_url,
                self.client_id,
                refresh_token,
                api_key=self._api_key,
                now=self._now,
            )
        )

    def __repr__(self) -> str:
        return f"TokenRefresher(api_url={self.api_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TokenRefresher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
