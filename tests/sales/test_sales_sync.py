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


def plan_json(cli: Any, path: Path) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def bowl_quantity(staged: dict[str, Any]) -> int | None:
    """The bowl's quantity this plan pushes (None: it does not send one)."""
    (item,) = [i for i in staged["items"] if i["product_id"] == "p_bowl"]
    sent = [d["new"] for d in item["diff"] if d["field"] == "quantity"]
    return int(sent[0]) if sent else None


def test_planning_again_before_confirm_still_holds_the_sold_units_back(
    cli, shop, app_home, tmp_path
) -> None:
    """A seller plans, looks, plans again, then confirms: the second plan replaces the first,
    whose links were still staged when the second read Etsy. It must read and count the same:
    never the store's number over units sold on Etsy."""
    path = catalog_path(app_home, tmp_path)
    shop.buy("BOWL-1", 3)  # 20 → 17 on Etsy
    products = json.loads(path.read_text())["products"]
    products[1]["variants"][0]["inventory_quantity"] = 21  # one more in the file
    path.write_text(json.dumps({"products": products}))

    first, second, third = (plan_json(cli, path) for _ in range(3))

    assert [bowl_quantity(p) for p in (first, second, third)] == [18, 18, 18]  # 17 + 1, not 21
    assert second["refresh_requests"] == first["refresh_requests"] > 0
    done = cli("confirm", third["transaction_id"], "--yes")
    assert done.exit_code == 0, done.stderr
    assert quantity_of(shop.sandbox, "BOWL-1") == 18
    # Pushed: the file's 21 is now the number the next gain is counted from.
    again = plan_json(cli, path)
    assert bowl_quantity(again) is None and again["to_push"] == 0
    products[1]["variants"][0]["inventory_quantity"] = 23  # two more
    path.write_text(json.dumps({"products": products}))
    assert bowl_quantity(plan_json(cli, path)) == 20


def test_an_edit_made_on_etsy_is_kept_by_a_plan_that_replaces_another(
    cli, shop, app_home, tmp_path
) -> None:
    path = catalog_path(app_home, tmp_path)
    shop.sandbox.seller_edit(shop.ids["MUG-1"], title="Stoneware Mug, Father's Day")
    products = json.loads(path.read_text())["products"]
    products[0]["description"] = "Thicker glaze."
    path.write_text(json.dumps({"products": products}))

    plan_json(cli, path)
    staged = plan_json(cli, path)

    (mug,) = [i for i in staged["items"] if i["product_id"] == "p_mug"]
    assert mug["etsy_state"] == "active"
    assert mug["changed_fields"] == ["description"]
    done = cli("confirm", staged["transaction_id"], "--yes")
    assert done.exit_code == 0, done.stderr
    (listing,) = [x for x in shop_listings(shop.sandbox) if x["listing_id"] == shop.ids["MUG-1"]]
    assert listing["title"] == "Stoneware Mug, Father's Day"
    assert listing["description"] == "Thicker glaze."


def test_stock_that_the_store_took_the_sale_off_is_in_step_and_a_restock_goes_up(
    cli, shop, app_home, tmp_path
) -> None:
    """What a Medusa store does after the write-back, with a file: 3 sold on Etsy (20 → 17),
    the store says 17 too. Etsy and the store agree: the product is synced (not out of sync
    for ever), and a later restock of 2 in the store is pushed whole (19), not held back."""
    path = catalog_path(app_home, tmp_path)
    shop.buy("BOWL-1", 3)
    products = json.loads(path.read_text())["products"]
    products[1]["variants"][0]["inventory_quantity"] = 17
    path.write_text(json.dumps({"products": products}))

    staged = plan_json(cli, path)

    (bowl,) = [i for i in staged["items"] if i["product_id"] == "p_bowl"]
    assert (bowl["action"], bowl["sold_on_etsy"]) == ("unchanged", 3)
    link = json.loads(cli("status", "--product", "p_bowl", "--json").stdout)
    assert (link["sync_status"], link["etsy_differs"]) == ("synced", [])
    review = cli("plan", "--source", "file", str(path))
    assert "changed on Etsy and left so" not in " ".join(review.stdout.split())
    products[1]["variants"][0]["inventory_quantity"] = 19
    path.write_text(json.dumps({"products": products}))
    staged = plan_json(cli, path)
    assert bowl_quantity(staged) == 19
    done = cli("confirm", staged["transaction_id"], "--yes")
    assert done.exit_code == 0, done.stderr
    assert quantity_of(shop.sandbox, "BOWL-1") == 19


def test_units_sold_between_the_plan_and_a_late_confirm_are_not_put_back(
    cli, shop, app_home, tmp_path, monkeypatch
) -> None:
    """The plan reads Etsy, the seller confirms later: what sold on Etsy in between comes off
    the quantity written (sync.recheck_stock_after, 0 here: always read again)."""
    path = catalog_path(app_home, tmp_path)
    products = json.loads(path.read_text())["products"]
    products[1]["variants"][0]["inventory_quantity"] = 24  # restocked by 4: 20 → 24
    path.write_text(json.dumps({"products": products}))
    staged = plan_json(cli, path)
    assert bowl_quantity(staged) == 24
    shop.buy("BOWL-1", 3)  # after the plan: 20 → 17 on Etsy

    monkeypatch.setenv("ETSYSYNC_SYNC_RECHECK_STOCK_AFTER", "0")
    done = cli("confirm", staged["transaction_id"], "--yes")

    assert done.exit_code == 0, done.stderr
    assert quantity_of(shop.sandbox, "BOWL-1") == 21  # 17 + the 4 restocked, not 24
    # The next plan sees those 3 as sold since the push, and keeps holding them back.
    again = plan_json(cli, path)
    (bowl,) = [i for i in again["items"] if i["product_id"] == "p_bowl"]
    assert bowl["sold_on_etsy"] == 3 and bowl_quantity(again) is None


def test_a_confirm_right_after_the_plan_reads_nothing_again(cli, shop, app_home, tmp_path):
    path = catalog_path(app_home, tmp_path)
    products = json.loads(path.read_text())["products"]
    products[1]["variants"][0]["inventory_quantity"] = 24
    path.write_text(json.dumps({"products": products}))
    staged = plan_json(cli, path)
    before = len(shop.sandbox.request_log())

    done = cli("confirm", staged["transaction_id"], "--yes")

    assert done.exit_code == 0, done.stderr
    operations = [r["operation"] for r in shop.sandbox.request_log()[before:]]
    assert operations == ["updateListingInventory"]
