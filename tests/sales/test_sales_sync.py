"""`etsysync sync` reads the sales first (issue 15): one cron line records what sold on Etsy,
and the plan that follows never pushes back a unit sold there (a file catalog cannot be
written, so its stock stays; the push holds the sold units back and says why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.sales.conftest import db_rows
from tests.sync.conftest import shop_listings


def sync(cli: Any, path: Path) -> Any:
    return cli("sync", "--source", "file", str(path), "--auto-approve", "--json")


def catalog_path(app_home: Path, tmp_path: Path) -> Path:
    return tmp_path / "catalog" / "catalog.json"


def quantity_of(sandbox: Any, sku: str) -> int:
    for listing in shop_listings(sandbox):
        for product in listing["inventory"]["products"]:
            if product["sku"] == sku:
                return int(product["offerings"][0]["quantity"])
    raise AssertionError(sku)


def test_sync_records_the_sales_and_never_pushes_them_back(cli, shop, app_home, tmp_path) -> None:
    path = catalog_path(app_home, tmp_path)
    shop.buy("BOWL-1", 3)  # 20 → 17 on Etsy
    products = json.loads(path.read_text())["products"]
    products[1]["variants"][0]["inventory_quantity"] = 25  # restocked by 5 in the file
    path.write_text(json.dumps({"products": products}))

    result = sync(cli, path)

    assert result.exit_code == 0, result.stderr
    assert "Recorded 1 new sale(s) from Etsy" in result.stderr
    (sale,) = db_rows(app_home, "SELECT sku, quantity, written_back_at FROM sales")
    assert (sale["sku"], sale["quantity"]) == ("BOWL-1", 3)
    assert sale["written_back_at"] is None  # a file catalog is never written
    # The file says 25 (20 + 5 restocked), 3 of the 20 sold on Etsy: 17 + 5 go up, not 25.
    assert quantity_of(shop.sandbox, "BOWL-1") == 22
    again = sync(cli, path)
    assert again.exit_code == 0, again.stderr
    assert "new sale" not in again.stderr  # recorded once
    assert quantity_of(shop.sandbox, "BOWL-1") == 22
    assert len(db_rows(app_home, "SELECT * FROM sales")) == 1
