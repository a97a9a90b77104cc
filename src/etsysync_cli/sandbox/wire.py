"""Requests, responses and errors as the sandbox's handlers see them (no sockets here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


class ApiError(Exception):
    """An answer other than success. The body is Etsy's `{"error": ...}` shape.

    `description` adds `error_description`, the OAuth-style shape Etsy uses on the token
    endpoint and for bearer problems.
    """

    def __init__(
        self,
        status: int,
        error: str,
        *,
        description: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return body

    def response(self) -> Response:
        return json_response(self.status, self.body(), self.headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


@dataclass
class Caller:
    """Who is calling: the owner of a valid bearer token and the scopes it carries."""

    user_id: int
    scopes: frozenset[str]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)  # from the route pattern
    caller: Caller | None = None

    def arg(self, name: str) -> str | None:
        """A query parameter. Etsy's PHP front end keeps the last of repeated keys."""
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise bad_request("The request body is not valid JSON.") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    # Compact separators and ASCII escapes, as Etsy's PHP json_encode produces.
    body = json.dumps(data, separators=(",", ":")).encode("ascii")
    all_headers = {"content-type": "application/json"}
    all_headers.update(headers or {})
    return Response(status, body, all_headers)


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode("utf-8"), {"content-type": "text/html; charset=utf-8"})


def redirect(location: str) -> Response:
    return Response(302, b"", {"location": location, "cache-control": "no-store"})
