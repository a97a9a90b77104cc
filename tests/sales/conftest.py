"""The sales tests' shop: two active products synced to the sandbox, bought by its buyer."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import simple_product
from tests.sync.conftest import DEMO, shop_listings


class Shop:
    """A catalog of two active products, synced; their listings by SKU."""

    def __init__(self, folder: Path, cli: Any, sandbox: Any) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(DEMO / "images", folder / "images")
        path = folder / "catalog.json"
        products = [
            simple_product("p_mug", "Stoneware Mug", "MUG-1", quantity=300),
            simple_product("p_bowl", "Stoneware Bowl", "BOWL-1", quantity=20),
        ]
        for product in products:
            # Only an active listing can be bought (a draft has no buy button).
            product["images"] = ["images/mug-side.png"]
            product["metadata"] = {"etsy_taxonomy_id": 1073, "etsy_state": "active"}
        path.write_text(json.dumps({"products": products}))
        staged = cli("plan", "--source", "file", str(path), "--json")
        assert staged.exit_code == 0, staged.stderr
        txn = json.loads(staged.stdout)["transaction_id"]
        done = cli("confirm", txn, "--yes")
        assert done.exit_code == 0, done.stderr
        self.sandbox = sandbox
        self.ids = {
            p["sku"]: int(x["listing_id"])
            for x in shop_listings(sandbox)
            for p in x["inventory"]["products"]
        }
        assert set(self.ids) == {"MUG-1", "BOWL-1"}

    def buy(self, sku: str, quantity: int = 1) -> dict[str, int]:
        result: dict[str, int] = self.sandbox.purchase(self.ids[sku], quantity=quantity)
        return result


@pytest.fixture
def shop(cli, connected, tmp_path: Path) -> Shop:
    return Shop(tmp_path / "catalog", cli, connected)


def db_rows(app_home: Path, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{app_home / 'etsysync.db'}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def sales_json(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("sales", "--json", *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def by_sku(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["sku"]: s for s in doc["skus"]}
