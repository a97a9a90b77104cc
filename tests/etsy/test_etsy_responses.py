"""Every error shape Etsy sends becomes the right exception, with Etsy's own words in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from etsysync_cli.errors import (
    AuthError,
    EtsyAuthError,
    EtsyConflictError,
    EtsyConnectionError,
    EtsyError,
    EtsyNotFoundError,
    EtsyRateLimitError,
    EtsyServerError,
    EtsyValidationError,
    ExitCode,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.responses import (
    connection_error,
    error_from_response,
    etsy_text,
    is_daily_quota,
    parse_retry_after,
)

SECRET_HEADERS = {"x-api-key": "keystr1ng:sh4red-s3cret", "Authorization": "Bearer 1.tok3n"}


def reply(
    status: int, body: Any = None, *, text: str | None = None, **headers: str
) -> httpx.Response:
    request = httpx.Request("GET", "https://etsy.test/v3/application/x", headers=SECRET_HEADERS)
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            reply(400, {"error": "There was a problem with /price : must be above min price"}),
            "There was a problem with /price : must be above min price",
        ),
        (
            reply(401, {"error": "invalid_token", "error_description": "access token is expired"}),
            "access token is expired (invalid_token)",
        ),
        (
            reply(
                400,
                [
                    {"path": "/quantity", "type": "x", "message": "cannot be greater than 999"},
                    {"path": "/title", "type": "y", "message": "is required"},
                ],
            ),
            "/quantity: cannot be greater than 999; /title: is required",
        ),
        (reply(502, text="upstream   went\naway"), "upstream went away"),
        (reply(503, text="<html><body>Service Unavailable</body></html>"), "Service Unavailable"),
        (reply(500, text=""), "Internal Server Error"),
        (reply(500, {"unexpected": True}), '{"unexpected":true}'),  # shown as sent
    ],
)
def test_etsy_text_reads_every_shape(response: httpx.Response, expected: str) -> None:
    assert etsy_text(response) == expected


def test_etsy_text_is_bounded() -> None:
    assert len(etsy_text(reply(400, {"error": "x" * 5000}))) <= 500


@pytest.mark.parametrize(
    ("status", "cls", "start"),
    [
        (400, EtsyValidationError, "Etsy refused the request (400): "),
        (401, EtsyAuthError, "Etsy refused the access token (401): "),
        (403, EtsyAuthError, "Etsy refused access (403): "),
        (404, EtsyNotFoundError, "Etsy could not find it (404): "),
        (409, EtsyConflictError, "Etsy reported a conflict (409): "),
        (422, EtsyError, "Etsy answered with an error (422): "),
        (500, EtsyServerError, "Etsy had a server problem (500): "),
        (503, EtsyServerError, "Etsy had a server problem (503): "),
    ],
)
def test_status_maps_to_exception(status: int, cls: type[EtsyError], start: str) -> None:
    error = error_from_response(reply(status, {"error": "Etsy says why"}))
    assert type(error) is cls
    assert str(error) == start + "Etsy says why"
    assert error.etsy_message == "Etsy says why"
    assert error.status == status


def test_auth_errors_say_how_to_fix_them() -> None:
    expired = error_from_response(reply(401, {"error": "invalid_token"}))
    assert isinstance(expired, AuthError) and expired.exit_code == ExitCode.AUTH_NEEDED
    assert expired.hint == "run `etsysync auth login`"
    bad_key = error_from_response(
        reply(403, {"error": "Shared secret is required in x-api-key header."})
    )
    assert bad_key.hint is not None and "shared secret" in bad_key.hint


def test_per_second_429_is_a_rate_limit_error_with_retry_after() -> None:
    error = error_from_response(
        reply(429, {"error": "Exceeded per second rate limit"}, **{"retry-after": "2"})
    )
    assert type(error) is EtsyRateLimitError
    assert error.retry_after == 2.0
    assert "Exceeded per second rate limit" in str(error)


@pytest.mark.parametrize(
    "response",
    [
        reply(429, {"error": "Exceeded daily rate limit"}, **{"retry-after": "5"}),
        reply(429, {"error": "Too many requests"}, **{"retry-after": "86400"}),
        reply(429, {"error": "Too many requests"}, **{"x-remaining-today": "0"}),
    ],
)
def test_daily_quota_429_is_quota_exhausted(response: httpx.Response) -> None:
    error = error_from_response(response)
    assert type(error) is QuotaExhaustedError
    assert error.exit_code == ExitCode.QUOTA
    assert error.hint is not None and "run the same command again" in error.hint


def test_quota_error_carries_retry_after() -> None:
    error = error_from_response(reply(429, {"error": "x"}, **{"retry-after": "86400"}))
    assert isinstance(error, QuotaExhaustedError)
    assert error.retry_after == 86400.0
    assert error.hint is not None and "24 hours" in error.hint


def test_quota_threshold_is_configurable() -> None:
    response = reply(429, {"error": "slow down"}, **{"retry-after": "30"})
    assert type(error_from_response(response)) is EtsyRateLimitError
    assert type(error_from_response(response, quota_threshold=10)) is QuotaExhaustedError
    assert is_daily_quota(429, response.headers, threshold=10)
    assert not is_daily_quota(500, response.headers, threshold=10)


def test_messages_never_carry_header_values() -> None:
    for status in (400, 401, 403, 404, 409, 429, 500):
        error = error_from_response(reply(status, {"error": "nope"}))
        for text in (str(error), error.hint or "", repr(error.args)):
            assert "sh4red-s3cret" not in text and "tok3n" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("1.5", 1.5),
        (" 10 ", 10.0),
        ("-3", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    value = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(value, now=now.timestamp()) == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "could not connect"),
        (httpx.ConnectTimeout("timed out"), "timed out while connecting"),
        (httpx.ReadTimeout("timed out"), "timed out waiting for the response"),
        (httpx.RemoteProtocolError("peer closed connection"), "the connection failed"),
    ],
)
def test_connection_errors_name_the_host(exc: httpx.TransportError, words: str) -> None:
    exc.request = httpx.Request(
        "GET", "https://api.etsy.com/v3/application/x", headers=SECRET_HEADERS
    )
    error = connection_error(exc)
    assert isinstance(error, EtsyConnectionError)
    assert str(error).startswith("Could not reach Etsy at api.etsy.com: ")
    assert words in str(error)
    assert "sh4red-s3cret" not in str(error)


def test_connection_error_without_a_request() -> None:
    assert "Could not reach Etsy at Etsy" in str(connection_error(httpx.ConnectError("x")))


def test_an_unreachable_sandbox_is_named_as_the_sandbox() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:41873/v3/application/users/me")
    error = connection_error(httpx.ConnectError("Connection refused", request=request))
    assert str(error).startswith("Could not reach the Etsy sandbox at 127.0.0.1:41873: ")
    assert error.hint and "etsysync sandbox serve --port 41873" in error.hint
