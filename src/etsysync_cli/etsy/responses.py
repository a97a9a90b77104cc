"""Turning Etsy's error replies and transport failures into `etsysync_cli.errors` exceptions.

Etsy answers errors in three JSON shapes (etsy-api.md §4) and sometimes not in JSON at all:

- `{"error": "There was a problem with /price : must be above min price ..."}` (the usual one)
- `{"error": "invalid_token", "error_description": "access token is expired"}` (OAuth style)
- `[{"path": "/price", "type": "...", "message": "..."}]` (some 400s)

`etsy_text()` reduces any of them to one readable line, and `error_from_response()` picks the
exception by status. Etsy's own words always reach the message; header values, tokens and the
shared secret never do (the functions here read only the status, the body and `retry-after` /
`x-remaining-today`, whose values are numbers).
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

from etsysync_cli.errors import (
    EtsyAuthError,
    EtsyConflictError,
    EtsyConnectionError,
    EtsyError,
    EtsyNotFoundError,
    EtsyRateLimitError,
    EtsyServerError,
    EtsyValidationError,
    QuotaExhaustedError,
)

# A 429 asking us to wait longer than this is the daily quota, not the per-second limit.
QUOTA_RETRY_AFTER_THRESHOLD = 60.0
MAX_TEXT = 500
LOGIN_HINT = "run `etsysync auth login`"
API_KEY_HINT = (
    "check the Etsy app's keystring and shared secret (`etsysync auth login` asks for them)"
)
QUOTA_HINT = "Etsy's daily quota is a rolling 24-hour window; run the same command again later"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `retry-after` value: delta-seconds or an HTTP date. None if absent."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def header_int(headers: Mapping[str, str], *names: str) -> int | None:
    """The first of `names` present as an integer (case-insensitive for httpx.Headers)."""
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return int(raw.strip())
        except ValueError:
            try:
                return int(float(raw.strip()))
            except ValueError:
                continue
    return None


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    return text


def _from_json(data: Any) -> str | None:
    if isinstance(data, dict):
        error = data.get("error")
        description = data.get("error_description")
        if isinstance(error, str) and isinstance(description, str) and description:
            return f"{description} ({error})" if error and error != description else description
        if isinstance(error, str) and error:
            return error
        if isinstance(error, dict | list):
            return _from_json(error)
        message = data.get("message")
        if isinstance(message, str) and message:
            path = data.get("path")
            return f"{path}: {message}" if isinstance(path, str) and path else message
        return None
    if isinstance(data, list):
        parts = [part for item in data if (part := _from_json(item))]
        return "; ".join(parts) if parts else None
    if isinstance(data, str) and data:
        return data
    return None


def etsy_text(response: httpx.Response) -> str:
    """Etsy's own explanation, as one line, from any of its error shapes (or the raw body)."""
    try:
        body = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        body = ""
    text: str | None = None
    if body.strip():
        try:
            text = _from_json(json.loads(body))
        except ValueError:
            text = None
        if text is None:
            stripped = body.strip()
            looks_html = stripped.startswith("<")
            text = None if looks_html else stripped
    if not text:
        text = response.reason_phrase or f"HTTP {response.status_code}"
    return _clean(text)


def oauth_error_code(response: httpx.Response) -> str | None:
    """The RFC 6749 `error` code of a token-endpoint reply, if it has one."""
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return None


def is_daily_quota(
    status: int,
    headers: Mapping[str, str],
    text: str | None = None,
    *,
    threshold: float = QUOTA_RETRY_AFTER_THRESHOLD,
) -> bool:
    """Whether a 429 means the daily quota (stop) rather than the per-second limit (wait)."""
    if status != 429:
        return False
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is not None and retry_after > threshold:
        return True
    if header_int(headers, "x-remaining-today") == 0:
        return True
    return text is not None and ("daily" in text.lower() or "per day" in text.lower())


def describe_wait(seconds: float | None) -> str:
    if seconds is None:
        return "later"
    if seconds < 90:
        return f"in about {max(1, round(seconds))} seconds"
    if seconds < 90 * 60:
        return f"in about {round(seconds / 60)} minutes"
    return f"in about {round(seconds / 3600)} hours"


def quota_hint(retry_after: float | None) -> str:
    if retry_after is None:
        return QUOTA_HINT
    return (
        f"Etsy's daily quota frees up {describe_wait(retry_after)}; run the same command again then"
    )


def error_from_response(
    response: httpx.Response, *, quota_threshold: float = QUOTA_RETRY_AFTER_THRESHOLD
) -> EtsyError:
    """The exception for an error response (status >= 400). The body must have been read."""
    status = response.status_code
    text = etsy_text(response)
    kw: dict[str, Any] = {"status": status, "etsy_message": text}
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if is_daily_quota(status, response.headers, text, threshold=quota_threshold):
            return QuotaExhaustedError(
                f"Etsy's daily request quota is spent (429): {text}",
                retry_after=retry_after,
                hint=quota_hint(retry_after),
                **kw,
            )
        return EtsyRateLimitError(
            f"Etsy's per-second rate limit was exceeded (429): {text}",
            retry_after=retry_after,
            **kw,
        )
    if status == 400 and _about_api_key(text):
        # Etsy answers a key it does not honour with 400 "Invalid API key" as well as 403
        # (etsy-api.md §10.4, open-api#498): the whole run's credentials, not this request.
        return EtsyAuthError(f"Etsy refused the API key (400): {text}", hint=API_KEY_HINT, **kw)
    if status == 400:
        return EtsyValidationError(f"Etsy refused the request (400): {text}", **kw)
    if status in (401, 403) and _about_scope(text):
        # A token without the scope: 403 or 401 `insufficient_scope` (etsy-api.md §10.5).
        return EtsyAuthError(
            f"The Etsy connection lacks a permission this needs ({status}): {text}",
            hint=f"{LOGIN_HINT} again and allow every permission it asks for",
            **kw,
        )
    if status == 401:
        return EtsyAuthError(f"Etsy refused the access token (401): {text}", hint=LOGIN_HINT, **kw)
    if status == 403:
        return EtsyAuthError(
            f"Etsy refused access (403): {text}",
            hint=API_KEY_HINT
            if _about_api_key(text)
            else f"is this your shop? if so, {LOGIN_HINT} again",
            **kw,
        )
    if status == 404:
        return EtsyNotFoundError(f"Etsy could not find it (404): {text}", **kw)
    if status == 409:
        return EtsyConflictError(f"Etsy reported a conflict (409): {text}", **kw)
    if status >= 500:
        return EtsyServerError(f"Etsy had a server problem ({status}): {text}", **kw)
    return EtsyError(f"Etsy answered with an error ({status}): {text}", **kw)


def _about_api_key(text: str) -> bool:
    lowered = text.lower()
    return "api key" in lowered or "x-api-key" in lowered or "shared secret" in lowered


def _about_scope(text: str) -> bool:
    # "insufficient_scope", and a missing bearer's "... (requires scope: shops_r)."
    return "insufficient_scope" in text.lower()


def connection_error(exc: httpx.TransportError) -> EtsyConnectionError:
    """An `EtsyConnectionError` naming the host; raise it `from exc` so retries can tell kinds."""
    try:
        host = exc.request.url.host or "Etsy"
    except RuntimeError:  # an exception without its request attached
        host = "Etsy"
    if isinstance(exc, httpx.ConnectTimeout):
        reason = "timed out while connecting"
    elif isinstance(exc, httpx.PoolTimeout):
        reason = "timed out waiting for a free connection"
    elif isinstance(exc, httpx.TimeoutException):
        reason = "timed out waiting for the response"
    elif isinstance(exc, httpx.ConnectError):
        reason = f"could not connect ({_clean(str(exc)) or type(exc).__name__})"
    else:
        reason = f"the connection failed ({_clean(str(exc)) or type(exc).__name__})"
    if host in ("127.0.0.1", "localhost", "::1"):  # a sandbox on this machine, not running
        port = exc.request.url.port
        return EtsyConnectionError(
            f"Could not reach the Etsy sandbox at {host}:{port}: {reason}",
            hint=f"start it again (`etsysync sandbox serve --port {port}` keeps its address), "
            "or, for the real Etsy, use a shell without the sandbox's export lines",
        )
    return EtsyConnectionError(
        f"Could not reach Etsy at {host}: {reason}",
        hint="check the network connection (and ETSYSYNC_ETSY_API_URL, if set), then try again",
    )
