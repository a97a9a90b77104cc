"""Issue 15 end to end, as a seller meets it, with a REAL Medusa 2.x and the sandbox: a product
synced from Medusa to Etsy is bought on Etsy, and `etsysync sync` takes exactly those units off
Medusa's stock (a reservation carrying the Etsy transaction), once, however often it runs.

Needs the server of `shared/medusa/medusa-up.sh` (MEDUSA_URL, MEDUSA_API_KEY); skipped, saying
so, without it. The seeded "Walnut Serving Board" is borrowed: its images are pointed at a
loopback server for the test (the seed's are on an outside host, never fetched in tests) and
everything is put back afterwards, reservations included.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from etsysync_cli.sandbox import sample_png
from tests.medusa.test_medusa_sales_live import KEY, URL, Admin, pytestmark  # noqa: F401
from tests.sync.conftest import shop_listings

HANDLE = "walnut-serving-board"
SKU = "WSB-45"
PNG = sample_png(4, 3, (120, 80, 40))


class _Image(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(PNG)))
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def image_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Image)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/board.png"
    server.shutdown()
    server.server_close()


@pytest.fixture
def board(image_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Admin, str]]:
    admin = Admin()
    product = admin.get("/admin/products", handle=HANDLE, fields="id,metadata,thumbnail,images.url")
    [found] = product["products"]
    product_id = found["id"]
    before = {
        "metadata": found["metadata"],
        "thumbnail": found["thumbnail"],
        "images": [{"url": image["url"]} for image in found["images"]],
    }
    metadata = {**found["metadata"], "when_made": "made_to_order", "etsy_taxonomy_id": 1073}
    metadata["etsy_state"] = "active"  # bought on Etsy: only an active listing can be
    changed = admin.http.post(
        f"/admin/products/{product_id}",
        json={"metadata": metadata, "thumbnail": image_url, "images": [{"url": image_url}]},
    )
    assert changed.status_code == 200, changed.text
    monkeypatch.setenv("ETSYSYNC_MEDUSA_URL", URL)
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", KEY)
    monkeypatch.setenv("ETSYSYNC_SOURCE_SALES_CHANNEL", "Etsy")
    monkeypatch.setenv("ETSYSYNC_MEDUSA_STOCK_LOCATION_ID", "Berlin Warehouse")
    monkeypatch.setenv("ETSYSYNC_IMAGES_ALLOW_PRIVATE_URLS", "1")  # the loopback image
    try:
        yield admin, product_id
    finally:
        for reservation in admin.ours(SKU):
            if str((reservation.get("metadata") or {}).get("etsy_transaction_id", "")):
                admin.http.delete(f"/admin/reservations/{reservation['id']}")
        admin.http.post(f"/admin/products/{product_id}", json=before)
        admin.http.close()


def sync(cli: Any, product_id: str) -> Any:
    return cli("sync", "--source", "medusa", "--product", product_id, "--auto-approve")


def etsy_quantity(sandbox: Any) -> tuple[int, int]:
    for listing in shop_listings(sandbox):
        for product in listing["inventory"]["products"]:
            if product["sku"] == SKU:
                return int(listing["listing_id"]), int(product["offerings"][0]["quantity"])
    raise AssertionError(f"no listing holds {SKU}")


def test_units_bought_on_etsy_come_off_medusa_once(cli, connected, board) -> None:
    admin, product_id = board
    berlin = admin.location("Berlin Warehouse")
    first = sync(cli, product_id)
    assert first.exit_code == 0, first.stderr
    listing_id, listed = etsy_quantity(connected)
    available = admin.available(SKU)[berlin]

    sale = connected.purchase(listing_id, quantity=2)
    second = sync(cli, product_id)

    assert second.exit_code == 0, second.stderr
    assert "Recorded 1 new sale(s) from Etsy" in second.stderr
    assert "Took 1 sale(s) off the store's stock" in second.stderr
    assert admin.available(SKU)[berlin] == available - 2
    ours = [
        r
        for r in admin.ours(SKU)
        if str((r.get("metadata") or {}).get("etsy_transaction_id")) == str(sale["transaction_id"])
    ]
    assert [r["quantity"] for r in ours] == [2]
    # Etsy keeps its lower number: the store now says the same, nothing is pushed back.
    assert etsy_quantity(connected)[1] == listed - 2

    third = sync(cli, product_id)
    assert third.exit_code == 0, third.stderr
    assert "new sale" not in third.stderr
    assert admin.available(SKU)[berlin] == available - 2  # not twice
    assert etsy_quantity(connected)[1] == listed - 2
    feed = json.loads(cli("status", "--feed", "--json").stdout)["events"]
    assert [e["kind"] for e in feed].count("sales_written_back") == 1
