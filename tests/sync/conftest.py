"""A connected sandbox shop and a private copy of the bundled sample catalog."""

from __future__ import annotations

import copy
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


EXPRESS_PROFILE_ID = 184562937411  # a second shipping profile some tests give the shop


def add_shipping_profile(sandbox: Any, profile_id: int = EXPRESS_PROFILE_ID) -> None:
    """The sandbox seller makes a second shipping profile, as a seller does on etsy.com."""
    from etsysync_cli.sandbox.seed import SELLER_SHOP_ID

    with sandbox.state.lock:
        profiles = sandbox.state.seed.shipping_profiles[SELLER_SHOP_ID]
        profile = copy.deepcopy(profiles[0])
        profile.update(shipping_profile_id=profile_id, title="Express shipping")
        for destination in profile["shipping_profile_destinations"]:
            destination["shipping_profile_id"] = profile_id
        profiles.append(profile)


def delete_shipping_profile(sandbox: Any, profile_id: int = EXPRESS_PROFILE_ID) -> None:
    """The seller deletes the profile on etsy.com (after etsysync read the shop's profiles)."""
    from etsysync_cli.sandbox.seed import SELLER_SHOP_ID

    with sandbox.state.lock:
        profiles = sandbox.state.seed.shipping_profiles[SELLER_SHOP_ID]
        profiles[:] = [p for p in profiles if p["shipping_profile_id"] != profile_id]
