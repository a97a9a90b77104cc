"""A loopback Medusa v2 Admin API serving the recorded catalogue the way the real server does.

Built from tests/fixtures/medusa (responses recorded from Medusa 2.21.2):

- Auth: HTTP Basic with the secret key as user name and an empty password; anything else is the
  recorded 401 (a key sent as Bearer gets the recorded hint).
- `GET /admin/products`: `limit` (default 50, `abc` → the recorded 400), `offset`, `order`
  (`id`/`-id`; anything else → the recorded 500), `status[]`, `sales_channel_id[]`, `id[]`,
  `collection_id[]`, `type_id[]`, `tag_id[]` (plain `status=` → the recorded 400), `count`
  over the filters. Without `fields` the variants carry no `inventory_items` (Medusa's defaults).
- `GET /admin/products/{id}`, `POST /admin/products/{id}`: the update **replaces** the metadata
  object, as Medusa's product module does; every POST body is recorded in `posts`.
- `/admin/stores`, `/admin/sales-channels`, `/admin/stock-locations`, `/admin/collections`,
  `/admin/product-types`, `/admin/product-tags`; `/admin/store` is 404 (it is v1's route).
- `/static/…`: a small PNG per path. Recorded image URLs (images.example.com) are served from
  here: images absolute, thumbnails relative (`/static/…`), as a local file provider may give.
- `fail(path, status, times)` injects errors; `v1 = True` answers like a Medusa v1 backend.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import zlib
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from etsysync_cli.sandbox.images import sample_png

FIXTURES = Path(__file__).parent.parent / "fixtures" / "medusa"
RECORDED_IMAGES = "https://images.example.com/"
INVENTORY_FIELD = "+variants.inventory_items.required_quantity"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def recorded_products() -> list[dict[str, Any]]:
    return fixture("products-page-1.json")["products"] + fixture("products-page-2.json")["products"]


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    raise TypeError(type(value).__name__)


class FakeMedusa:
    """`with FakeMedusa() as medusa: medusa.url, medusa.key, medusa.products, medusa.posts`."""

    def __init__(self, key: str = "sk_test_7f3a9c1e5b2d48e6a0c4f8b1d3e5a7c9") -> None:
        self.key = key
        self.lock = threading.Lock()
        self.products: list[dict[str, Any]] = []
        self.store = fixture("store.json")
        self.sales_channels = fixture("sales-channels.json")["sales_channels"]
        self.stock_locations = fixture("stock-locations.json")["stock_locations"]
        self.requests: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.v1 = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.products = [self._localize(p) for p in recorded_products()]
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeMedusa:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- helpers for tests -----------------------------------------------------------------------

    def _localize(self, product: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(product, default=_json_default)
        text = text.replace(RECORDED_IMAGES, f"{self.url}/static/")
        product = json.loads(text, parse_float=Decimal)
        if isinstance(product.get("thumbnail"), str):
            product["thumbnail"] = product["thumbnail"].removeprefix(self.url)  # relative
        return product

    def product(self, handle: str) -> dict[str, Any]:
        return next(p for p in self.products if p["handle"] == handle)

    def fail(
        self, path: str, status: int, *, times: int = 1_000_000, offset: int | None = None
    ) -> None:
        """Answer `status` to the next `times` GET/POSTs of `path` (at that `offset`, if given)."""
        with self.lock:
            self.failures.append({"path": path, "status": status, "times": times, "offset": offset})

    def product_requests(self) -> list[dict[str, str]]:
        return [r["query"] for r in self.requests if r["path"] == "/admin/products"]

    # --- the HTTP side ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self.lock:
            self.requests.append(
                {"method": method, "path": path, "query": dict(pairs), "raw_query": parts.query}
            )
            status, payload, content_type = self._route(handler, method, path, pairs, body)
        if isinstance(payload, bytes):
            data = payload
        else:
            data = json.dumps(payload, default=_json_default).encode()
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        body: bytes,
    ) -> tuple[int, Any, str]:
        as_json = "application/json; charset=utf-8"
        if path.startswith("/static/"):
            seed = zlib.crc32(path.encode())
            rgb = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
            return 200, sample_png(4, 4, rgb), "image/png"
        query: dict[str, list[str]] = {}
        for key, value in pairs:
            query.setdefault(key, []).append(value)
        for failure in self.failures:
            offset_ok = failure["offset"] is None or query.get("offset") == [str(failure["offset"])]
            if failure["path"] == path and failure["times"] > 0 and offset_ok:
                failure["times"] -= 1
                if failure["status"] >= 500:
                    return failure["status"], fixture("error-500-invalid-order.json"), as_json
                return failure["status"], {"message": "Unauthorized"}, as_json
        if self.v1:
            if path == "/admin/store":
                return 401, b"Unauthorized", "text/plain; charset=utf-8"
            return 404, f"<pre>Cannot {method} {path}</pre>".encode(), "text/html"
        authorization = handler.headers.get("authorization", "")
        if authorization.lower().startswith("bearer sk_"):
            return 401, fixture("error-401-bearer-secret-key.json"), as_json
        if authorization != "Basic " + base64.b64encode(f"{self.key}:".encode()).decode():
            return 401, fixture("error-401-invalid-key.json"), as_json
        if method == "GET" and path == "/admin/products":
            return self._list(query)
        if path.startswith("/admin/products/") and path.count("/") == 3:
            return self._one(method, path.rsplit("/", 1)[1], query, body)
        if method == "GET" and path == "/admin/stores":
            stores = copy.deepcopy(self.store["stores"])
            if query.get("fields") == ["id"]:
                stores = [{"id": s["id"]} for s in stores]
            return 200, {**self.store, "stores": stores}, as_json
        listing = {
            "/admin/sales-channels": ("sales_channels", self.sales_channels),
            "/admin/stock-locations": ("stock_locations", self.stock_locations),
            "/admin/collections": ("collections", self._related("collection")),
            "/admin/product-types": ("product_types", self._related("type")),
            "/admin/product-tags": ("product_tags", self._tags()),
        }
        if method == "GET" and path in listing:
            key, rows = listing[path]
            return 200, {key: rows, "count": len(rows), "offset": 0, "limit": 50}, as_json
        return 404, f"<pre>Cannot {method} {path}</pre>".encode(), "text/html; charset=utf-8"

    def _related(self, name: str) -> list[dict[str, Any]]:
        found = {p[name]["id"]: p[name] for p in self.products if isinstance(p.get(name), dict)}
        return list(found.values())

    def _tags(self) -> list[dict[str, Any]]:
        return list({t["id"]: t for p in self.products for t in p.get("tags") or []}.values())

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any, str]:
        as_json = "application/json; charset=utf-8"
        if "status" in query:
            return 400, fixture("error-400-status-not-array.json"), as_json
        try:
            limit = int(query.get("limit", ["50"])[0])
            offset = int(query.get("offset", ["0"])[0])
        except ValueError:
            return 400, fixture("error-400-invalid-limit.json"), as_json
        order = query.get("order", ["id"])[0]
        if order.lstrip("-") != "id":
            return 500, fixture("error-500-invalid-order.json"), as_json
        rows = sorted(self.products, key=lambda p: p["id"], reverse=order.startswith("-"))
        checks = {
            "status[]": lambda p: [p["status"]],
            "sales_channel_id[]": lambda p: [c["id"] for c in p.get("sales_channels") or []],
            "id[]": lambda p: [p["id"]],
            "collection_id[]": lambda p: [p.get("collection_id")],
            "type_id[]": lambda p: [p.get("type_id")],
            "tag_id[]": lambda p: [t["id"] for t in p.get("tags") or []],
        }
        for name, values_of in checks.items():
            if name in query:
                wanted = set(query[name])
                rows = [p for p in rows if wanted & set(values_of(p))]
        page = copy.deepcopy(rows[offset : offset + limit])
        if INVENTORY_FIELD not in query.get("fields", [""])[0]:
            for product in page:
                for variant in product.get("variants") or []:
                    variant.pop("inventory_items", None)
        return (
            200,
            {"products": page, "count": len(rows), "offset": offset, "limit": limit},
            as_json,
        )

    def _one(
        self, method: str, product_id: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, Any, str]:
        as_json = "application/json; charset=utf-8"
        product = next((p for p in self.products if p["id"] == product_id), None)
        if product is None:
            return 404, fixture("error-404-product.json"), as_json
        if method == "POST":
            update = json.loads(body or b"{}", parse_float=Decimal)
            self.posts.append({"id": product_id, "body": update})
            if "metadata" in update:
                product["metadata"] = update["metadata"]  # replaced, not merged
        fields = query.get("fields", [""])[0]
        answer = copy.deepcopy(product)
        plain = [f for f in fields.split(",") if f and f[0] not in "+-*"]
        if plain:
            answer = {k: v for k, v in answer.items() if k in {*plain, "id"}}
        return 200, {"product": answer}, as_json
