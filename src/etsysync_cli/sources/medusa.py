"""The Medusa v2 source: a live store read through its Admin API, and the Etsy link written back.

Everything here follows the recorded behaviour of a real Medusa 2.x server (tests/fixtures/medusa):

- **Auth**: a secret API key as HTTP Basic auth, the key as user name and an empty password. The key
  lives in the keyring entry `medusa-api-key` (or, opted in, the 0600 credentials file) together
  with the URL it belongs to, and is never sent to any other URL. `ETSYSYNC_MEDUSA_API_KEY`
  overrides it for cron.
- **Version**: v2 has `GET /admin/stores`; v1 has a singular `/admin/store` and keeps prices in
  minor units, so it is refused rather than listed at 100 times (or 1/100 of) its prices.
- **Reading**: `GET /admin/products` with `limit`/`offset`, `order=id`, the `fields` list that adds
  stock (inventory items' location levels) to the defaults, `status[]=published` (plus `draft` with
  include_drafts), the sales channel as `sales_channel_id[]` and optional `id[]`, `collection_id[]`,
  `type_id[]`, `tag_id[]` filters. Page by page, never the whole catalogue in memory; the scan stops
  at `offset + len(products) >= count`. A product deleted during the scan shifts later offsets, so
  when `count` shrinks the scan steps back and skips ids it has already read. Nothing filters on
  `updated_at` (a price or stock edit does not move it): every plan reads the whole selection.
- **Stock**: the variant's location levels are cut to the stock locations of the chosen sales
  channel before the product model sums them (`sources/product.py`).
- **Retries**: timeouts, dropped connections, 429 and 5xx are retried with backoff (a bounded
  tenacity policy); a refused connection, DNS or TLS failure is reported at once, naming the URL.
- **Write-back** (`medusa.write_back`): after a run, each synced product's metadata gains
  `etsy_listing_id`, `etsy_url`, `etsy_sync_status` and `etsy_last_synced_at`. Medusa's
  `POST /admin/products/{id}` stores the `metadata` object it is given (the product module assigns
  the column; it does not merge), so the current metadata is read first and sent back whole with
  our four keys on top: no key the seller set is ever dropped. Those four keys are removed from the
  product before it is fingerprinted, so writing them back never makes a product look edited.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from etsysync_cli.accounts.credentials import SecretStore, open_store
from etsysync_cli.config import Settings, app_home, env_name, set_value
from etsysync_cli.domain.product import ProductResult, parse_product
from etsysync_cli.errors import AuthError, CredentialStoreError, EtsysyncError, SourceError

T = TypeVar("T")

KEY_ENTRY = "medusa-api-key"  # the secret store entry: {"url": ..., "api_key": ...}
PAGE_SIZE = 50  # Medusa's default; the server enforces no maximum
FIELDS = (
    "*variants",
    "*variants.prices",
    "+variants.prices.price_rules.attribute",
    "+variants.prices.price_rules.value",
    "*variants.options",
    "*images",
    "*options",
    "*options.values",
    "*tags",
    "*sales_channels",
    "+variants.inventory_items.required_quantity",
    "+variants.inventory_items.inventory.location_levels.location_id",
    "+variants.inventory_items.inventory.location_levels.stocked_quantity",
    "+variants.inventory_items.inventory.location_levels.reserved_quantity",
    "+variants.inventory_items.inventory.location_levels.available_quantity",
)
WRITE_BACK_KEYS = ("etsy_listing_id", "etsy_url", "etsy_sync_status", "etsy_last_synced_at")
LOOPBACK = ("localhost", "127.0.0.1", "::1")
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
        """The JSON object Medusa answered. Statuses in `allow` come back as {"_status": code}."""
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
            return {"_status": status}
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


# --- the secret API key ---------------------------------------------------------------------------


def _stores(home: Path) -> Iterator[SecretStore]:
    """The stores that may hold the key: the keyring (when one works), then the opt-in file."""
    with contextlib.suppress(CredentialStoreError):
        yield open_store("keyring", home, insecure_allowed=False)
    yield open_store("file", home, insecure_allowed=True)


def stored_key(home: Path) -> tuple[dict[str, str], SecretStore] | None:
    for secrets in _stores(home):
        entry = secrets.get(KEY_ENTRY)
        if entry and entry.get("api_key"):
            return entry, secrets
    return None


def save_key(home: Path, url: str, key: SecretStr, *, insecure_allowed: bool) -> SecretStore:
    """Keep the key (with its URL) in the keyring, or the opt-in file; drop a copy elsewhere."""
    chosen = open_store(None, home, insecure_allowed=insecure_allowed)
    chosen.put(KEY_ENTRY, {"url": url, "api_key": key.get_secret_value()})
    for other in _stores(home):
        if other.kind != chosen.kind:
            with contextlib.suppress(CredentialStoreError):
                other.delete(KEY_ENTRY)
    return chosen


def configured_url(settings: Settings) -> str:
    if not settings.medusa.url:
        raise SourceError(
            "no Medusa store is connected",
            hint=f"{connect_hint(None)} (or set {env_name('medusa.url')})",
        )
    return normalize_url(settings.medusa.url)


def api_key(settings: Settings, home: Path, url: str) -> tuple[SecretStr, str]:
    """The key for `url` and where it came from. A key is only ever sent to its own URL."""
    env_key = settings.medusa.api_key
    if env_key is not None and env_key.get_secret_value().strip():
        configured = normalize_url(settings.medusa.url) if settings.medusa.url else url
        if configured != url:
            raise SourceError(
                f"{env_name('medusa.api_key')} is for {configured}, not {url}",
                hint=f"set {env_name('medusa.url')} to the store the key belongs to",
            )
        return SecretStr(env_key.get_secret_value().strip()), env_name("medusa.api_key")
    found = stored_key(home)
    if found is None:
        raise MedusaAuthError("no Medusa API key is stored", hint=connect_hint(url))
    entry, secrets = found
    if entry.get("url") != url:
        raise MedusaAuthError(
            f"the stored Medusa API key is for {entry.get('url')}, not {url}",
            hint=connect_hint(url),
        )
    return SecretStr(entry["api_key"]), secrets.describe()


# --- the store, channels, locations ---------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    id: str
    name: str
    currencies: list[str]  # upper case, the default first
    default_currency: str | None


@dataclass(frozen=True)
class Channel:
    id: str
    name: str


@dataclass(frozen=True)
class Selection:
    """Which products a plan reads. Filters are ids, or names resolved by `MedusaSource`."""

    include_drafts: bool = False
    product_ids: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        products: Iterable[str] = (),
        include_drafts: bool = False,
        filters: Mapping[str, Iterable[str]] | None = None,
    ) -> Selection:
        """From plan options. `--product` takes ids or handles: only when every value is a
        Medusa product id (`prod_…`) is it sent as the `id[]` filter; the planner filters the
        rest. `filters` keys: collection, type, tag."""
        wanted = tuple(products)
        filters = filters or {}
        unknown = set(filters) - {"collection", "type", "tag"}
        if unknown:
            raise ValueError(f"unknown Medusa filters: {', '.join(sorted(unknown))}")
        return cls(
            include_drafts=include_drafts,
            product_ids=wanted if wanted and all(p.startswith("prod_") for p in wanted) else (),
            collections=tuple(filters.get("collection", ())),
            types=tuple(filters.get("type", ())),
            tags=tuple(filters.get("tag", ())),
        )

    @property
    def narrowed(self) -> bool:
        """True when the selection is a part of the store (products outside are not orphans)."""
        return bool(self.product_ids or self.collections or self.types or self.tags)


ProgressCallback = Callable[[int, int], None]  # (products read so far, total)


class MedusaSource:
    """One connection to a Medusa v2 store, as configured."""

    def __init__(self, client: MedusaClient, *, sales_channel: str | None = None) -> None:
        self.client = client
        self.url = client.url
        self.sales_channel = sales_channel.strip() if sales_channel else None
        self._channel: Channel | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        home: Path | None = None,
        url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: MedusaRetryPolicy | None = None,
    ) -> MedusaSource:
        base = normalize_url(url) if url else configured_url(settings)
        key, _where = api_key(settings, home or app_home(), base)
        client = MedusaClient(base, key, transport=transport, retry=retry)
        return cls(client, sales_channel=settings.source.sales_channel)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> MedusaSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_key(self) -> None:
        """One cheap call that needs a valid key (and a v2 backend)."""
        self._stores(fields="id")

    def store_info(self) -> StoreInfo:
        stores = self._stores()
        store = stores[0] if stores and isinstance(stores[0], dict) else {}
        codes, default = [], None
        for entry in store.get("supported_currencies") or []:
            if isinstance(entry, dict) and entry.get("currency_code"):
                code = str(entry["currency_code"]).upper()
                codes.append(code)
                if entry.get("is_default") and default is None:
                    default = code
        ordered = sorted(codes, key=lambda code: code != default)  # the default first
        return StoreInfo(str(store.get("id", "")), str(store.get("name") or "?"), ordered, default)

    def _stores(self, fields: str | None = None) -> list[Any]:
        params = [("fields", fields)] if fields else []
        answer = self.client.request("GET", "/admin/stores", params, allow=(404,))
        if answer.get("_status") == 404:
            self._refuse_other_versions()
        stores = answer.get("stores")
        if not isinstance(stores, list):
            raise MedusaVersionError(
                f"{self.url} answered GET /admin/stores without a stores list: not Medusa v2"
            )
        return stores

    def _refuse_other_versions(self) -> None:
        probe = self.client.request("GET", "/admin/store", allow=(401, 403, 404))
        if probe.get("_status") != 404:
            raise MedusaVersionError(
                f"{self.url} is a Medusa v1 backend (it has /admin/store, not /admin/stores). "
                "etsysync reads Medusa v2 only: v1 keeps prices in minor units (1200 means "
                "12.00), so its products would be listed at 100 times their price, or at 1/100 "
                "of it if read the other way",
                hint="upgrade the store to Medusa v2, or export its products to a catalog file "
                "(`etsysync plan --source file PATH`)",
            )
        raise MedusaVersionError(
            f"{self.url} has no Medusa Admin API (GET /admin/stores answered 404)",
            hint="give the backend's base URL (e.g. https://api.example.com), not the admin "
            "dashboard's /app address",
        )

    def channel(self) -> Channel | None:
        """The configured sales channel (`source.sales_channel`, a name or an id), resolved."""
        if not self.sales_channel:
            return None
        if self._channel is None:
            self._channel = self.resolve_channel(self.sales_channel)
        return self._channel

    def resolve_channel(self, wanted: str) -> Channel:
        answer = self.client.get(
            "/admin/sales-channels", [("fields", "id,name"), ("limit", 1000), ("order", "id")]
        )
        channels = [
            Channel(str(c["id"]), str(c.get("name") or c["id"]))
            for c in answer.get("sales_channels") or []
            if isinstance(c, dict) and c.get("id")
        ]
        matchers: list[Callable[[Channel], bool]] = [
            lambda c: c.id == wanted,
            lambda c: c.name == wanted,
            lambda c: c.name.casefold() == wanted.casefold(),
        ]
        for match in matchers:
            found = [c for c in channels if match(c)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise SourceError(
                    f"{len(found)} Medusa sales channels are named {wanted!r}",
                    hint="set source.sales_channel to the channel's id (sc_…)",
                )
        known = ", ".join(c.name for c in channels) or "none"
        raise SourceError(
            f"the Medusa store has no sales channel {wanted!r} (it has: {known})",
            hint="`etsysync config set source.sales_channel NAME` with one of those",
        )

    def channel_locations(self, channel: Channel) -> list[dict[str, str]]:
        """The stock locations serving `channel` (id and name): the stock a plan counts."""
        answer = self.client.get(
            "/admin/stock-locations", [("fields", "id,name,*sales_channels"), ("limit", 1000)]
        )
        found = []
        for location in answer.get("stock_locations") or []:
            if not isinstance(location, dict):
                continue
            channels = location.get("sales_channels") or []
            if any(isinstance(c, dict) and c.get("id") == channel.id for c in channels):
                found.append({"id": str(location["id"]), "name": str(location.get("name", ""))})
        return found

    # --- the selection -------------------------------------------------------------------------

    def filters(self, selection: Selection) -> list[tuple[str, object]]:
        params: list[tuple[str, object]] = [("status[]", "published")]
        if selection.include_drafts:
            params.append(("status[]", "draft"))
        channel = self.channel()
        if channel is not None:
            params.append(("sales_channel_id[]", channel.id))
        params += [("id[]", product_id) for product_id in selection.product_ids]
        for name, wanted, route, key, prefix, kind in (
            (
                "collection_id[]",
                selection.collections,
                "/admin/collections",
                "collections",
                "pcol_",
                "collection",
            ),
            (
                "type_id[]",
                selection.types,
                "/admin/product-types",
                "product_types",
                "ptyp_",
                "product type",
            ),
            ("tag_id[]", selection.tags, "/admin/product-tags", "product_tags", "ptag_", "tag"),
        ):
            params += [(name, self._resolve(route, key, prefix, kind, value)) for value in wanted]
        return params

    def _resolve(self, route: str, key: str, prefix: str, kind: str, wanted: str) -> str:
        if wanted.startswith(prefix):
            return wanted
        answer = self.client.get(route, [("limit", 1000)])
        for entry in answer.get(key) or []:
            if not isinstance(entry, dict):
                continue
            names = [entry.get("title"), entry.get("handle"), entry.get("value")]
            if any(isinstance(n, str) and n.casefold() == wanted.casefold() for n in names):
                return str(entry["id"])
        raise SourceError(f"the Medusa store has no {kind} {wanted!r}")

    def count(self, selection: Selection) -> int:
        answer = self.client.get(
            "/admin/products", [("limit", 0), ("fields", "id"), *self.filters(selection)]
        )
        return _count(answer, "GET /admin/products")

    def products(
        self,
        selection: Selection,
        *,
        page_size: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[ProductResult]:
        """Every product of the selection, page by page (the version is checked first)."""
        page_size = page_size or PAGE_SIZE
        self.check_key()
        filters = self.filters(selection)
        channel = self.channel()
        locations = (
            {loc["id"] for loc in self.channel_locations(channel)} if channel is not None else None
        )
        fields = ",".join(FIELDS)
        offset, last_count, read = 0, None, 0
        seen: set[str] = set()
        while True:
            page = self.client.get(
                "/admin/products",
                [
                    ("limit", page_size),
                    ("offset", offset),
                    ("order", "id"),
                    ("fields", fields),
                    *filters,
                ],
            )
            count = _count(page, "GET /admin/products")
            products = page.get("products")
            if not isinstance(products, list):
                raise SourceError(
                    f"{self.url} answered GET /admin/products without a products list"
                )
            if last_count is not None and count < last_count and offset > 0:
                # Products were deleted while reading: later ones moved to lower offsets. Step
                # back over the gap and read again; ids already read are skipped.
                offset = max(offset - (last_count - count), 0)
                last_count = count
                continue
            last_count = count
            for index, raw in enumerate(products):
                product_id = raw.get("id") if isinstance(raw, dict) else None
                if isinstance(product_id, str):
                    if product_id in seen:
                        continue
                    seen.add(product_id)
                read += 1
                where = f"Medusa product {product_id or f'#{offset + index + 1}'}"
                yield parse_product(
                    prepare(raw, base_url=self.url, locations=locations), where=where
                )
            if on_progress is not None:
                on_progress(read, max(count, read))
            if not products or offset + len(products) >= count:
                return
            offset += len(products)


def _count(answer: dict[str, Any], label: str) -> int:
    count = answer.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise SourceError(f"Medusa answered {label} without a product count")
    return count


def prepare(raw: object, *, base_url: str, locations: set[str] | None) -> object:
    """A Medusa product made ready for the product model: image URLs absolute (a local file
    provider may give paths relative to the backend), stock cut to the channel's locations,
    our own write-back keys out of the metadata, and a draft kept a draft on Etsy."""
    if not isinstance(raw, dict):
        return raw
    product = dict(raw)
    if isinstance(product.get("thumbnail"), str) and product["thumbnail"]:
        product["thumbnail"] = _absolute(product["thumbnail"], base_url)
    if isinstance(product.get("images"), list):
        product["images"] = [
            {**image, "url": _absolute(image["url"], base_url)}
            if isinstance(image, dict) and isinstance(image.get("url"), str)
            else image
            for image in product["images"]
        ]
    metadata = product.get("metadata")
    if isinstance(metadata, dict):
        # null and {} alike: a product whose only keys are ours is as it was before
        metadata = {k: v for k, v in metadata.items() if k not in WRITE_BACK_KEYS} or None
        product["metadata"] = metadata
    if product.get("status") == "draft":
        # Read only with include_drafts: an unpublished product never goes active on Etsy.
        product["metadata"] = {**(metadata or {}), "etsy_state": "draft"}
    if locations is not None and isinstance(product.get("variants"), list):
        product["variants"] = [_cut_levels(v, locations) for v in product["variants"]]
    return product


def _absolute(url: str, base_url: str) -> str:
    if urlsplit(url).scheme:
        return url
    return urljoin(base_url + "/", url)


def _cut_levels(variant: object, locations: set[str]) -> object:
    if not isinstance(variant, dict) or not isinstance(variant.get("inventory_items"), list):
        return variant
    items = []
    for item in variant["inventory_items"]:
        inventory = item.get("inventory") if isinstance(item, dict) else None
        if isinstance(inventory, dict) and isinstance(inventory.get("location_levels"), list):
            levels = [
                level
                for level in inventory["location_levels"]
                if isinstance(level, dict) and level.get("location_id") in locations
            ]
            item = {**item, "inventory": {**inventory, "location_levels": levels}}
        items.append(item)
    return {**variant, "inventory_items": items}


# --- the source as the planner reads it -----------------------------------------------------------


class _Located(Protocol):
    @property
    def location(self) -> str: ...


def reader(
    settings: Settings,
    selection: Selection | None = None,
    *,
    home: Path | None = None,
    on_progress: ProgressCallback | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> Callable[[_Located], Iterator[ProductResult]]:
    """`read` for `sync.plan`: the products of the spec's Medusa URL, streamed."""

    def read(spec: _Located) -> Iterator[ProductResult]:
        with MedusaSource.open(
            settings, home=home, url=spec.location, transport=transport, retry=retry
        ) as source:
            yield from source.products(selection or Selection(), on_progress=on_progress)

    return read


# --- connecting and checking (the `etsysync source` commands) -------------------------------------


@dataclass
class Connected:
    url: str
    store: StoreInfo
    key_storage: str
    channel: Channel | None
    stored: bool


def connect(
    settings: Settings,
    url: str,
    *,
    home: Path | None = None,
    ask: Callable[[str], str] | None = None,
    sales_channel: str | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
    warn: Callable[[str], None] | None = None,
) -> Connected:
    """Check a store's key with one cheap call, keep the key, and make Medusa the source."""
    home = home or app_home()
    base = normalize_url(url)
    insecure = settings.auth.insecure_storage
    env_key = settings.medusa.api_key
    key: SecretStr | None = None
    if env_key is not None and env_key.get_secret_value().strip():
        key = SecretStr(env_key.get_secret_value().strip())
        from_env = True
    else:
        from_env = False
        open_store(None, home, insecure_allowed=insecure)  # no keyring and no opt-in: say so now
        if ask is not None:
            key = SecretStr(ask("Medusa secret API key (sk_…)").strip())
    if key is None or not key.get_secret_value():
        raise SourceError(
            "a Medusa secret API key is needed to connect the store",
            hint=f"create one in Medusa's admin (Settings → Secret API Keys) and set "
            f"{env_name('medusa.api_key')}, or run `etsysync source medusa {base}` on a terminal "
            "to be asked for it",
        )
    plain = base.startswith("http://") and urlsplit(base).hostname not in LOOPBACK
    if plain and warn is not None:
        warn(f"warning: {base} is plain http: the API key travels unencrypted")
    with MedusaSource(
        MedusaClient(base, key, transport=transport, retry=retry), sales_channel=sales_channel
    ) as source:
        source.check_key()
        info = source.store_info()
        channel = source.channel()
    stored = True
    try:
        storage = save_key(home, base, key, insecure_allowed=insecure).describe()
    except CredentialStoreError:
        if not from_env:
            raise
        stored, storage = False, env_name("medusa.api_key")
    set_value("medusa.url", base, home=home)
    set_value("source.kind", "medusa", home=home)
    if sales_channel:
        set_value("source.sales_channel", sales_channel, home=home)
    return Connected(base, info, storage, channel, stored)


@dataclass
class CheckReport:
    url: str
    key_storage: str
    store: StoreInfo
    channel: Channel | None
    locations: list[dict[str, str]] | None
    products: int
    selection: Selection
    shop_name: str | None
    shop_currency: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def currency_ok(self) -> bool | None:
        if self.shop_currency is None:
            return None
        return self.shop_currency.upper() in self.store.currencies

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": not self.problems,
            "version": "v2",
            "key_storage": self.key_storage,
            "store": {
                "id": self.store.id,
                "name": self.store.name,
                "currencies": self.store.currencies,
                "default_currency": self.store.default_currency,
            },
            "sales_channel": (
                {"id": self.channel.id, "name": self.channel.name} if self.channel else None
            ),
            "stock_locations": self.locations,
            "include_drafts": self.selection.include_drafts,
            "products": self.products,
            "shop": (
                {"name": self.shop_name, "currency_code": self.shop_currency}
                if self.shop_name
                else None
            ),
            "currency_ok": self.currency_ok,
            "problems": self.problems,
        }


def check(
    settings: Settings,
    *,
    home: Path | None = None,
    shop_name: str | None = None,
    shop_currency: str | None = None,
    selection: Selection | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> CheckReport:
    """Key, version, store, selection size and currency match: what `source check` reports."""
    home = home or app_home()
    base = configured_url(settings)
    key, storage = api_key(settings, home, base)
    selection = selection or Selection()
    with MedusaSource(
        MedusaClient(base, key, transport=transport, retry=retry),
        sales_channel=settings.source.sales_channel,
    ) as source:
        source.check_key()
        info = source.store_info()
        channel = source.channel()
        locations = source.channel_locations(channel) if channel else None
        products = source.count(selection)
    report = CheckReport(
        base, storage, info, channel, locations, products, selection, shop_name, shop_currency
    )
    if report.currency_ok is False:
        report.problems.append(
            f"the Etsy shop {shop_name} sells in {shop_currency}, which is not among the store's "
            f"currencies ({', '.join(info.currencies) or 'none'}): every product would be invalid "
            f"(no price in {shop_currency}). Add {shop_currency} to the store's currencies and "
            "price the products in it"
        )
    if channel is not None and not locations:
        report.problems.append(
            f"no stock location serves the sales channel {channel.name}: every product whose "
            "stock is managed would be listed as sold out"
        )
    return report


# --- writing the Etsy link back -------------------------------------------------------------------


@dataclass(frozen=True)
class EtsyLink:
    """What is written into a Medusa product's metadata about its Etsy listing."""

    product_id: str
    etsy_listing_id: int
    etsy_url: str | None
    etsy_sync_status: str
    etsy_last_synced_at: str | None

    def values(self) -> dict[str, Any]:
        return {
            "etsy_listing_id": str(self.etsy_listing_id),
            "etsy_url": self.etsy_url,
            "etsy_sync_status": self.etsy_sync_status,
            "etsy_last_synced_at": self.etsy_last_synced_at,
        }


# (kind, message, product_id, data): a feed event, recorded by the caller.
Report = Callable[[str, str, str | None, dict[str, Any]], None]


def write_back(
    settings: Settings,
    url: str,
    etsy_links: Iterable[EtsyLink],
    report: Report,
    *,
    home: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> None:
    """Put each product's Etsy link into its Medusa metadata (`medusa.write_back`). Failures
    are reported as events; nothing here raises an expected error (the Etsy sync is done and
    stays done)."""
    written, failed = 0, 0

    def failure(message: str, product_id: str | None = None) -> None:
        report("write_back_failed", message, product_id, {})

    try:
        source = MedusaSource.open(settings, home=home, url=url, transport=transport, retry=retry)
    except EtsysyncError as exc:
        failure(f"could not write the Etsy links back to Medusa: {exc.message}")
        return
    with source:
        for link in etsy_links:
            try:
                if _write_link(source.client, link.product_id, link.values()):
                    written += 1
            except MedusaAuthError as exc:
                failure(f"could not write the Etsy links back to Medusa: {exc.message}")
                return
            except EtsysyncError as exc:
                failed += 1
                failure(
                    f"could not write the Etsy link into Medusa product {link.product_id}: "
                    f"{exc.message}",
                    link.product_id,
                )
    if written or failed:
        report(
            "write_back_done",
            f"Etsy links written into {written} Medusa product(s)"
            + (f", {failed} failed" if failed else ""),
            None,
            {"written": written, "failed": failed},
        )


def _write_link(client: MedusaClient, product_id: str, values: dict[str, Any]) -> bool:
    """Merge `values` into the product's metadata, keeping every other key. False: no change."""
    path = f"/admin/products/{quote(product_id, safe='')}"
    answer = client.get(path, [("fields", "id,metadata")])
    product = answer.get("product")
    current = product.get("metadata") if isinstance(product, dict) else None
    metadata = dict(current) if isinstance(current, dict) else {}
    if all(metadata.get(key) == value for key, value in values.items()):
        return False
    client.post(path, {"metadata": {**metadata, **values}}, [("fields", "id")])
    return True
