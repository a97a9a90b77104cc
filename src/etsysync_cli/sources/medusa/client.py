"""The Medusa Admin API over HTTP: the secret key as Basic auth, bounded retries, plain errors."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from etsysync_cli.errors import AuthError, SourceError

T = TypeVar("T")

MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is not waited for


class MedusaAuthError(AuthError, SourceError):
    """Medusa refused the secret API key (401/403), or no key is stored. Exit code 4."""


class MedusaVersionError(SourceError):
    """The backend is not a Medusa v2 Admin API (a Medusa v1 store, or something else)."""


def connect_hint(url: str | None) -> str:
    return f"run `etsysync source medusa {url or 'URL'}`"


def normalize_url(url: str) -> str:
    """The backend's base URL: http(s), a host, no trailing slash, no query."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(
            f"{url!r} is not a Medusa backend URL",
            hint="give the full address, e.g. https://api.example.com or http://localhost:9000",
        )
    if parts.query or parts.fragment:
        raise SourceError(f"the Medusa backend URL {text} must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


# --- retries --------------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure worth another try; carries the error to raise when the tries run out."""

    def __init__(self, error: SourceError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class MedusaRetryPolicy:
    """Bounded retries with exponential backoff and full jitter; `Retry-After` honoured (≤ 60 s)."""

    def __init__(
        self,
        *,
        max_attempts: int = 5,
        initial_wait: float = 0.5,
        max_wait: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._backoff = wait_random_exponential(multiplier=initial_wait, max=max_wait)

    @classmethod
    def no_wait(cls, *, max_attempts: int = 5) -> MedusaRetryPolicy:
        """The same decisions without sleeping (tests)."""
        return cls(max_attempts=max_attempts, sleep=lambda _seconds: None)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, MAX_RETRY_AFTER)
        return float(self._backoff(state))

    def call(self, attempt: Callable[[], T]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            retry=retry_if_exception_type(_Transient),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Transient as exc:
            tries = "1 attempt" if self.max_attempts == 1 else f"{self.max_attempts} attempts"
            raise SourceError(
                f"{exc.error.message} (gave up after {tries})", hint=exc.error.hint
            ) from None


def default_retry() -> MedusaRetryPolicy:
    return MedusaRetryPolicy()


# --- the HTTP client ------------------------------------------------------------------------------


def _query(params: Iterable[tuple[str, object]]) -> str:
    # `+` must travel as %2B; `*`, `,` and `[]` stay readable, as in Medusa's own docs.
    return "&".join(
        f"{quote(str(key), safe='[]$')}={quote(str(value), safe='*,.:')}" for key, value in params
    )


def _loads(content: bytes) -> Any:
    return json.loads(content, parse_float=Decimal)  # 41.99 stays exact


def _medusa_message(response: httpx.Response) -> str | None:
    try:
        body = _loads(response.content)
    except ValueError:
        return None
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else None


def _connect_problem(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        return f"the TLS (https) connection failed: {text}"
    if "refused" in lowered:
        return "the connection was refused (is the backend running, on that port?)"
    if any(
        word in lowered
        for word in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")
    ):
        return f"the host name could not be resolved (DNS): {text}"
    return text


class MedusaClient:
    """A small client for Medusa's Admin API: Basic auth, JSON with decimals, retries, one error
    tree. Takes an injectable transport (tests) and retry policy."""

    def __init__(
        self,
        url: str,
        api_key: SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: MedusaRetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = normalize_url(url)
        self.retry = retry or default_retry()
        self.timeout = timeout
        self._http = httpx.Client(
            auth=httpx.BasicAuth(api_key.get_secret_value(), ""),
            headers={"accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MedusaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: Iterable[tuple[str, object]] = ()) -> dict[str, Any]:
        return self.request("GET", path, params)

    def post(
        self, path: str, body: Mapping[str, Any], params: Iterable[tuple[str, object]] = ()
    ) -> dict[str, Any]:
        return self.request("POST", path, params, body=body)

    def request(
        self,
        method: str,
        path: str,
        params: Iterable[tuple[str, object]] = (),
        *,
        body: Mapping[str, Any] | None = None,
        allow: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        """The JSON object Medusa answered. Statuses in `allow` come back as {"_status": code,
        "_message": Medusa's message or None}."""
        query = _query(params)
        target = self.url + path + (f"?{query}" if query else "")
        content = json.dumps(body, default=str).encode() if body is not None else None
        headers = {"content-type": "application/json"} if content is not None else None
        label = f"{method} {path}"

        def attempt() -> dict[str, Any]:
            try:
                response = self._http.request(method, target, content=content, headers=headers)
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                raise SourceError(
                    f"cannot reach the Medusa backend at {self.url}: {_connect_problem(exc)}",
                    hint="check the URL (`etsysync config show`) and that the backend is up",
                ) from None
            except httpx.TimeoutException:
                raise _Transient(
                    SourceError(
                        f"the Medusa backend at {self.url} did not answer {label} within "
                        f"{self.timeout:g} s"
                    )
                ) from None
            except httpx.TransportError as exc:  # dropped connection, protocol error
                raise _Transient(
                    SourceError(f"the connection to {self.url} failed during {label}: {exc}")
                ) from None
            return self._answer(response, label, allow)

        return self.retry.call(attempt)

    def _answer(
        self, response: httpx.Response, label: str, allow: tuple[int, ...]
    ) -> dict[str, Any]:
        status = response.status_code
        if status in allow:
            return {"_status": status, "_message": _medusa_message(response)}
        if status in (401, 403):
            said = _medusa_message(response) or "Unauthorized"
            raise MedusaAuthError(
                f"the Medusa API key was rejected by {self.url} (HTTP {status}: {said})",
                hint=f"{connect_hint(self.url)} with a valid secret API key "
                "(Medusa admin → Settings → Secret API Keys)",
            )
        if status == 429 or status >= 500:
            said = _medusa_message(response) or response.reason_phrase or "no message"
            raise _Transient(
                SourceError(
                    f"the Medusa backend at {self.url} failed {label}: HTTP {status} {said}"
                ),
                retry_after=_retry_after(response),
            )
        if 300 <= status < 400:
            raise SourceError(
                f"{self.url} answered {label} with a redirect to "
                f"{response.headers.get('location', '?')}",
                hint="use the address it redirects to as the Medusa URL",
            )
        if status == 404 and _medusa_message(response) is None:
            raise MedusaVersionError(
                f"{self.url} has no Medusa v2 Admin API route {label} (HTTP 404)",
                hint="give the backend's base URL (e.g. https://api.example.com), not the admin "
                "dashboard's /app address",
            )
        if status >= 400:
            said = _medusa_message(response) or response.reason_phrase
            raise SourceError(f"Medusa refused {label}: HTTP {status} {said}")
        try:
            data = _loads(response.content)
        except ValueError:
            raise SourceError(
                f"{self.url} answered {label} with something that is not JSON",
                hint="is this the Medusa backend URL?",
            ) from None
        if not isinstance(data, dict):
            raise SourceError(f"{self.url} answered {label} with JSON that is not an object")
        return data


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
