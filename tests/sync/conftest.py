"""A connected sandbox shop and a private copy of the bundled sample catalog."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import etsysync_cli.demo
from etsysync_cli.sandbox.inspection import listings_snapshot

DEMO = Path(etsysync_cli.demo.__file__).parent


class Catalog:
    """The sample catalog in a temp folder, editable by tests."""

    def __init__(self, folder: Path) -> None:
        shutil.copytree(DEMO / "images", folder / "images")
        self.path = folder / "catalog.json"
        shutil.copy(DEMO / "catalog.json", self.path)

    def products(self) -> list[dict[str, Any]]:
        return json.loads(self.path.read_text())["products"]

    def edit(self, product_id: str, change: Callable[[dict[str, Any]], None]) -> None:
        products = self.products()
        for product in products:
            if product["id"] == product_id:
                change(product)
        self.path.write_text(json.dumps({"products": products}, indent=2))

    def remove(self, product_id: str) -> None:
        products = [p for p in self.products() if p["id"] != product_id]
        self.path.write_text(json.dumps({"products": products}, indent=2))


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog")


def shop_listings(sandbox: Any) -> list[dict[str, Any]]:
    with sandbox.state.lock:
        return listings_snapshot(sandbox.state, sandbox.base_url)


def etsy_requests(sandbox: Any, since: int) -> list[str]:
    """Operations the sandbox received (the /v3/application API only) since log index `since`."""
    return [
        str(e.get("operation"))
        for e in sandbox.request_log()[since:]
        if "/v3/application/" in e["path"]
    ]
