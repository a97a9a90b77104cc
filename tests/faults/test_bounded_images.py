"""A catalog's images cannot wedge a shop, exhaust memory or publish private files (issue 12,
points 5 and 6). Local images must be regular files under the catalog's folder (or a folder
named in `images.local_roots`), of bounded size; downloads keep off this machine's own networks
unless allowed, and have an overall deadline. What can be checked before pushing is reported by
`plan`, as an invalid product, not at confirm."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import sample_png
from tests.faults.conftest import simple_product
from tests.sync.conftest import shop_listings

PNG = sample_png(3, 3, (10, 120, 200))


def catalog_with(folder: Path, thumbnail: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    product = simple_product(
        "prod_mug", "Speckled Mug", "MUG-1", price=28, quantity=3, thumbnail=thumbnail
    )
    path = folder / "catalog.json"
    path.write_text(json.dumps({"products": [product]}))
    return path


def planned_item(cli: Any, catalog: Path) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(catalog), "--json")
    assert result.exit_code == 0, result.stderr
    (item,) = json.loads(result.stdout)["items"]
    return item


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: os.mkfifo(folder / "pipe.png") or "pipe.png", "not a regular file"),
        (lambda folder: "/dev/zero", "outside the catalog's folder"),
        (lambda folder: "missing.png", "no such file"),
        (
            lambda folder: (folder / "big.png").write_bytes(PNG + b"\0" * 10_000_001) and "big.png",
            "larger than the 10 MB limit",
        ),
    ],
    ids=["fifo", "dev-zero", "missing", "oversized"],
)
def test_bad_local_images_are_invalid_at_plan_time(cli, connected, tmp_path, make, reason):
    folder = tmp_path / "shop"
    folder.mkdir()
    thumbnail = make(folder)
    item = planned_item(cli, catalog_with(folder, thumbnail))
    assert item["action"] == "invalid"
    assert any(reason in r for r in item["reasons"]), item["reasons"]


def test_the_dev_zero_device_is_refused_even_under_an_allowed_root(
    cli, connected, tmp_path, monkeypatch
):
    monkeypatch.setenv("ETSYSYNC_IMAGES_LOCAL_ROOTS", "/dev")
    item = planned_item(cli, catalog_with(tmp_path / "shop", "/dev/zero"))
    assert item["action"] == "invalid"
    assert any("not a regular file" in r for r in item["reasons"])


@pytest.mark.parametrize(
    "where",
    ["../private/secret.gif", "{outside}/secret.gif", "file://{outside}/secret.gif"],
    ids=["climbs-out", "absolute", "file-url"],
)
def test_a_catalog_cannot_publish_a_file_outside_its_folder(cli, connected, tmp_path, where):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.gif").write_bytes(b"GIF89a" + b"secret diary, not a photo")
    item = planned_item(cli, catalog_with(tmp_path / "shop", where.format(outside=outside)))
    assert item["action"] == "invalid"
    assert any("outside the catalog's folder" in r for r in item["reasons"]), item["reasons"]
    assert "images.local_roots" in " ".join(item["reasons"])


def test_a_folder_named_in_the_settings_is_allowed(cli, connected, tmp_path, monkeypatch):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "mug.png").write_bytes(PNG)
    monkeypatch.setenv("ETSYSYNC_IMAGES_LOCAL_ROOTS", str(photos))
    catalog = catalog_with(tmp_path / "shop", str(photos / "mug.png"))
    item = planned_item(cli, catalog)
    assert item["action"] == "create", item["reasons"]


# --- downloads ---------------------------------------------------------------------------------


class _Images(BaseHTTPRequestHandler):
    trickle = False

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        if not self.trickle:
            self.wfile.write(PNG)
            return
        for byte in PNG:  # one byte at a time: every read succeeds, the whole never ends
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.2)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_image_url_on_this_machine_is_refused_unless_allowed(
    cli, connected, tmp_path, image_server, monkeypatch
):
    url = f"http://127.0.0.1:{image_server.server_address[1]}/mug.png"
    catalog = catalog_with(tmp_path / "shop", url)
    item = planned_item(cli, catalog)
    assert item["action"] == "invalid"
    assert any("loopback, link-local or private address" in r for r in item["reasons"])
    assert any("images.allow_private_urls" in r for r in item["reasons"])

    monkeypatch.setenv("ETSYSYNC_IMAGES_ALLOW_PRIVATE_URLS", "1")
    result = cli("sync", "--source", "file", str(catalog), "--auto-approve", "--quiet")
    assert result.exit_code == 0, result.stderr
    (listing,) = shop_listings(connected)
    assert len(listing["images"]) == 1


def test_a_trickling_image_server_cannot_hold_the_push(
    cli, connected, tmp_path, image_server, monkeypatch
):
    _Images.trickle = True
    try:
        monkeypatch.setenv("ETSYSYNC_IMAGES_ALLOW_PRIVATE_URLS", "1")
        monkeypatch.setenv("ETSYSYNC_IMAGES_DOWNLOAD_SECONDS", "1")
        url = f"http://127.0.0.1:{image_server.server_address[1]}/mug.png"
        catalog = catalog_with(tmp_path / "shop", url)
        result = cli("sync", "--source", "file", str(catalog), "--auto-approve", "--json")
    finally:
        _Images.trickle = False
    assert result.exit_code == ExitCode.PARTIAL, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    (entry,) = summary["error_log"]
    assert "within 1 s (images.download_seconds)" in entry["error"]
    assert shop_listings(connected) == []  # nothing half-made: images load before any write
