"""OAuth 2.0 with PKCE as Etsy runs it: consent page, token endpoint, bearer checks.

Authorize at `GET /oauth/connect` (etsy.com in real life), exchange and refresh at
`POST /v3/public/oauth/token`. Codes are single use and live five minutes; refresh tokens
rotate on every use and the previous one is revoked (etsy-api.md §1 says treat it as spent).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from urllib.parse import urlencode

from etsysync_cli.sandbox import signin
from etsysync_cli.sandbox.state import (
    AccessToken,
    AuthCode,
    Consent,
    RefreshToken,
    SandboxState,
    digest,
)
from etsysync_cli.sandbox.wire import (
    ApiError,
    Caller,
    Request,
    Response,
    html_response,
    json_response,
    redirect,
)

KNOWN_SCOPES = (
    "address_r",
    "address_w",
    "billing_r",
    "cart_r",
    "cart_w",
    "email_r",
    "favorites_r",
    "favorites_w",
    "feedback_r",
    "listings_d",
    "listings_r",
    "listings_w",
    "profile_r",
    "profile_w",
    "recommend_r",
    "recommend_w",
    "shops_r",
    "shops_w",
    "transactions_r",
    "transactions_w",
)
CODE_TTL = 300
CONSENT_TTL = 600
REFRESH_TTL = 90 * 86400  # Etsy: refresh tokens live 90 days
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url, no padding, of a SHA-256 digest
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
NOT_PERMITTED = "The requested redirect URL is not permitted."


def s256(verifier: str) -> str:
    raw = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _with_query(uri: str, **params: str) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _error_page(status: int, message: str) -> Response:
    body = (
        "<!doctype html><html><head><title>Etsy</title></head><body>"
        f"<h1>An error occurred</h1><p>{html.escape(message)}</p></body></html>"
    )
    return html_response(status, body)


# --- authorize ----------------------------------------------------------------------------------


def connect(state: SandboxState, req: Request) -> Response:
    """GET /oauth/connect: validate the request, then show consent (or approve at once)."""
    config = state.config
    client_id = req.arg("client_id")
    redirect_uri = req.arg("redirect_uri")
    # Before anything else: an unknown app or unregistered redirect never gets a redirect.
    if client_id != config.keystring or redirect_uri not in config.redirect_uris:
        return _error_page(400, NOT_PERMITTED)
    assert redirect_uri is not None
    oauth_state = req.arg("state") or ""

    def refuse(error: str, description: str) -> Response:
        return redirect(
            _with_query(redirect_uri, error=error, error_description=description, state=oauth_state)
        )

    response_type = req.arg("response_type")
    if not response_type:
        return refuse("invalid_request", "response_type is required")
    if response_type != "code":
        return refuse("unsupported_response_type", "response_type must be code")
    scopes = (req.arg("scope") or "").split()
    if not scopes:
        return refuse("invalid_scope", "scope is required")
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown:
        return refuse("invalid_scope", f"unknown scope: {' '.join(unknown)}")
    if not oauth_state:
        return refuse("invalid_request", "state is required")
    challenge = req.arg("code_challenge") or ""
    if not challenge:
        return refuse("invalid_request", "code_challenge is required")
    if req.arg("code_challenge_method") != "S256":
        return refuse("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(challenge):
        return refuse("invalid_request", "code_challenge must be a base64url SHA-256 digest")
    now = time.time()
    for stale in [k for k, c in state.consents.items() if c.expires_at <= now]:
        del state.consents[stale]  # abandoned consent pages
    consent = Consent(client_id, redirect_uri, scopes, oauth_state, challenge, now + CONSENT_TTL)
    if config.auto_approve:
        return _approve(state, consent, state.signed_in_user_id)
    consent_id = secrets.token_urlsafe(24)
    state.consents[consent_id] = consent
    return html_response(200, _consent_page(state, consent_id, consent))


def _consent_page(state: SandboxState, consent_id: str, consent: Consent) -> str:
    """Etsy's consent page, with a choice of seller: Etsy shows the one signed in, the sandbox
    lets the person pick any hosted seller (as signing in as another would), signed-in first."""
    user = state.seed.users[state.signed_in_user_id]
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in consent.scopes)
    options = "".join(
        f'<option value="{s.user_id}"{" selected" if s.user_id == user["user_id"] else ""}>'
        f"{html.escape(s.shop_name)} ({html.escape(s.login_name)}, shop {s.shop_id})</option>"
        for s in state.seed.sellers
    )
    return (
        "<!doctype html><html><head><title>Allow access? | Etsy sandbox</title></head><body>"
        "<h1>Allow access to your Etsy shop?</h1>"
        f"<p>Signed in as {html.escape(str(user['login_name']))}. The application asks for:</p>"
        f"<ul>{scopes}</ul>"
        '<form method="post" action="/oauth/connect">'
        f'<input type="hidden" name="consent_id" value="{html.escape(consent_id)}">'
        f'<p><label for="user_id">Shop</label> <select id="user_id" name="user_id">{options}'
        "</select></p>"
        '<button type="submit" name="decision" value="allow">Allow Access</button> '
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form></body></html>"
    )


def decide(state: SandboxState, req: Request) -> Response:
    """POST /oauth/connect: the consent page's Allow / Deny, for the seller picked (the one
    signed in when the form names none)."""
    form = req.form()
    consent = state.consents.pop(form.get("consent_id", ""), None)
    if consent is None or consent.expires_at <= time.time():
        return _error_page(400, "This authorization request has expired. Please start again.")
    user_id = state.signed_in_user_id
    if form.get("user_id"):
        try:
            user_id = signin.hosted_seller(state, form["user_id"]).user_id
        except ApiError as exc:
            return _error_page(400, exc.error)
    if form.get("decision") != "allow":
        state.bump("consents_denied")
        return redirect(
            _with_query(
                consent.redirect_uri,
                error="access_denied",
                error_description="The user denied the request",
                state=consent.state,
            )
        )
    return _approve(state, consent, user_id)


def _approve(state: SandboxState, consent: Consent, user_id: int) -> Response:
    # Forget codes long past their expiry; recent ones stay to answer "already used/expired".
    cutoff = time.time() - 3600
    for old in [k for k, c in state.codes.items() if c.expires_at < cutoff]:
        del state.codes[old]
    code = secrets.token_urlsafe(32)
    state.codes[digest(code)] = AuthCode(
        user_id=user_id,
        client_id=consent.client_id,
        redirect_uri=consent.redirect_uri,
        code_challenge=consent.code_challenge,
        scopes=consent.scopes,
        expires_at=time.time() + CODE_TTL,
    )
    state.bump("codes_issued")
    state.save()
    return redirect(_with_query(consent.redirect_uri, code=code, state=consent.state))


# --- token endpoint -----------------------------------------------------------------------------


def _grant_error(error: str, description: str) -> ApiError:
    return ApiError(400, error, description=description)


def token(state: SandboxState, req: Request) -> Response:
    """POST /v3/public/oauth/token. Form bodies only: Etsy rejects JSON (etsy-api.md §1).

    (U) Whether Etsy wants x-api-key here: the docs do not ask for it and a shipped client
    omits it, so the sandbox does not require it.
    """
    if req.content_type != "application/x-www-form-urlencoded":
        raise _grant_error(
            "invalid_request", "the request body must be application/x-www-form-urlencoded"
        )
    form = req.form()
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise _grant_error("invalid_request", "grant_type is required")
    names: tuple[str, ...]
    if grant_type == "authorization_code":
        names = ("client_id", "redirect_uri", "code", "code_verifier")
    elif grant_type == "refresh_token":
        names = ("client_id", "refresh_token")
    else:
        raise _grant_error("unsupported_grant_type", f"grant_type {grant_type} is not supported")
    for name in names:
        if not form.get(name):
            raise _grant_error("invalid_request", f"{name} is required")
    if form["client_id"] != state.config.keystring:
        # (U) Etsy has answered an unknown app with "Invalid API key" (open-api#561).
        raise _grant_error("invalid_client", "Invalid API key")
    body = _exchange(state, form) if grant_type == "authorization_code" else _refresh(state, form)
    return json_response(200, body, {"cache-control": "no-store", "pragma": "no-cache"})


def _exchange(state: SandboxState, form: dict[str, str]) -> dict[str, object]:
    verifier = form["code_verifier"]
    if not _VERIFIER.fullmatch(verifier):
        raise _grant_error(
            "invalid_request", "code_verifier must be 43-128 characters of [A-Za-z0-9._~-]"
        )
    code = state.codes.get(digest(form["code"]))
    if code is None:
        raise _grant_error("invalid_grant", "code is invalid")
    if code.used:
        raise _grant_error("invalid_grant", "code has already been used")
    if code.expires_at <= time.time():
        raise _grant_error("invalid_grant", "code has expired")
    if code.client_id != form["client_id"]:
        raise _grant_error("invalid_grant", "code was issued to another client")
    if code.redirect_uri != form["redirect_uri"]:
        raise _grant_error("invalid_grant", "redirect_uri does not match the authorization")
    if not secrets.compare_digest(s256(verifier), code.code_challenge):
        raise _grant_error("invalid_grant", "code_verifier does not match the code_challenge")
    # Single use. (U) RFC 6749 suggests revoking tokens when a used code comes back; the
    # sandbox only refuses the second exchange.
    code.used = True
    state.bump("codes_redeemed")
    return issue_tokens(state, code.user_id, code.client_id, code.scopes)


def _refresh(state: SandboxState, form: dict[str, str]) -> dict[str, object]:
    record = state.refresh_tokens.get(digest(form["refresh_token"]))
    if record is None:
        raise _grant_error("invalid_grant", "refresh_token is invalid")
    if record.revoked:
        # Etsy's text, also after a password change (open-api#519).
        raise _grant_error("invalid_grant", "refresh_token is revoked")
    if record.expires_at <= time.time():
        raise _grant_error("invalid_grant", "refresh_token is expired")
    if record.client_id != form["client_id"]:
        raise _grant_error("invalid_grant", "refresh_token was issued to another client")
    # Rotation: the previous refresh token stops working. Access tokens already issued stay
    # valid until they expire ((U) at Etsy). Scopes never change on refresh.
    record.revoked = True
    state.bump("refresh_tokens_rotated")
    return issue_tokens(state, record.user_id, record.client_id, record.scopes)


def issue_tokens(
    state: SandboxState, user_id: int, client_id: str, scopes: list[str]
) -> dict[str, object]:
    """Etsy's token reply: both tokens are `<user_id>.<opaque>`; no `scope` field."""
    now = time.time()
    access = f"{user_id}.{secrets.token_urlsafe(48)}"
    refresh = f"{user_id}.{secrets.token_urlsafe(48)}"
    ttl = state.config.token_ttl
    state.access_tokens[digest(access)] = AccessToken(user_id, client_id, list(scopes), now + ttl)
    state.refresh_tokens[digest(refresh)] = RefreshToken(
        user_id, client_id, list(scopes), now + REFRESH_TTL
    )
    state.bump("access_tokens_issued")
    state.bump("refresh_tokens_issued")
    state.save()
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": refresh,
    }


# --- bearer checks on /v3/application -----------------------------------------------------------


def _invalid_token(description: str) -> ApiError:
    return ApiError(
        401,
        "invalid_token",
        description=description,
        headers={
            "www-authenticate": f'Bearer error="invalid_token", error_description="{description}"'
        },
    )


def authenticate(state: SandboxState, req: Request, scope: str | None) -> Caller | None:
    """The caller behind the bearer token, or None on a public endpoint called without one.

    401 bodies take the OAuth shape Etsy has sent (`invalid_token` / "access token is
    expired"). A token without the operation's scope gets 403 `insufficient_scope` (RFC 6750
    and Etsy's own body; Etsy has also answered 401 for it, (U)). A bearer sent to a public
    endpoint is still checked: Etsy's gateway validates any token it is given (U).
    """
    header = req.headers.get("authorization", "").strip()
    if not header:
        if scope is not None:
            # Etsy's wording names the scope (etsy-api.md §10.5, ELA).
            raise ApiError(
                401, f"Access token is required for this request (requires scope: {scope})."
            )
        return None
    kind, _, value = header.partition(" ")
    value = value.strip()
    if kind.lower() != "bearer" or not value:
        raise _invalid_token("the Authorization header must be 'Bearer <access token>'")
    record = state.access_tokens.get(digest(value))
    if record is None or not value.startswith(f"{record.user_id}."):
        raise _invalid_token("access token is invalid")
    if record.revoked:
        raise _invalid_token("access token is revoked")
    if record.expires_at <= time.time():
        raise _invalid_token("access token is expired")
    if scope is not None and scope not in record.scopes:
        raise ApiError(403, "insufficient_scope", description="Insufficient scope")
    return Caller(record.user_id, frozenset(record.scopes))
