"""Reading a Medusa v2 store: the store, its channels and locations, its products page by page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from etsysync_cli.config import Settings, app_home
from etsysync_cli.domain.product import ProductResult, parse_product
from etsysync_cli.errors import SourceError
from etsysync_cli.sources.medusa.client import (
    MedusaClient,
    MedusaRetryPolicy,
    MedusaVersionError,
    normalize_url,
)
from etsysync_cli.sources.medusa.keys import api_key, configured_url

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
