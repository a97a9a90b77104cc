"""Etsy sales written back to a REAL Medusa 2.x, read back through its Admin API.

Needs the server of `shared/medusa/medusa-up.sh` (its seeded catalogue: the "Etsy" channel with
Berlin Warehouse and Leipzig Studio Shop): `eval "$(bash shared/medusa/medusa-up.sh)"` exports
MEDUSA_URL and MEDUSA_API_KEY; without them every test here is skipped, saying so. Each test
uses fresh random Etsy transaction ids and deletes the reservations it made, so the catalogue is
left as it was found (other runs may share the server).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import etsysync_cli
from etsysync_cli.config import Settings, load_settings
from etsysync_cli.sources.medusa import MedusaAuthError
from etsysync_cli.sources.medusa.sales import SaleToWrite, SaleWritten, write_sales

pytestmark = pytest.mark.medusa_live

URL = os.environ.get("MEDUSA_URL", "")
KEY = os.environ.get("MEDUSA_API_KEY", "")
if not (URL and KEY):
    pytestmark = [
        pytest.mark.medusa_live,
        pytest.mark.skip(
            reason="no live Medusa: MEDUSA_URL and MEDUSA_API_KEY are not set "
            '(eval "$(bash shared/medusa/medusa-up.sh)" brings one up)'
        ),
    ]


class Admin:
    """Reads (and cleans up) through the Admin API, without etsysync's code."""

    def __init__(self) -> None:
        self.http = httpx.Client(base_url=URL, auth=(KEY, ""), timeout=30)
        self.transactions: set[str] = set()

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def product(self, handle: str) -> str:
        [product] = self.get("/admin/products", handle=handle, fields="id")["products"]
        return str(product["id"])

    def item(self, sku: str) -> str:
        [item] = self.get("/admin/inventory-items", sku=sku, fields="id")["inventory_items"]
        return str(item["id"])

    def location(self, name: str) -> str:
        found = self.get("/admin/stock-locations", fields="id,name", limit=100)
        return next(str(x["id"]) for x in found["stock_locations"] if x["name"] == name)

    def available(self, sku: str) -> dict[str, int]:
        """Available units of the SKU per location, as the admin shows them."""
        levels = self.get(
            f"/admin/inventory-items/{self.item(sku)}/location-levels",
            fields="location_id,stocked_quantity,reserved_quantity,available_quantity",
        )["inventory_levels"]
        return {lv["location_id"]: int(lv["available_quantity"]) for lv in levels}

    def ours(self, sku: str) -> list[dict[str, Any]]:
        rows = self.get(
            "/admin/reservations",
            inventory_item_id=self.item(sku),
            fields="id,quantity,location_id,description,metadata",
            limit=1000,
        )["reservations"]
        return [r for r in rows if (r.get("metadata") or {}).get("etsy_transaction_id")]

    def clean(self, skus: list[str]) -> None:
        for sku in skus:
            for r in self.ours(sku):
                if r["metadata"]["etsy_transaction_id"] in self.transactions:
                    self.http.delete(f"/admin/reservations/{r['id']}")


SKUS = ["CND-S", "LT-S-RST", "WSB-45"]  # the managed ones the tests reserve


@pytest.fixture
def admin() -> Iterator[Admin]:
    admin = Admin()
    try:
        admin.get("/admin/stores", fields="id")
    except httpx.HTTPError as exc:
        admin.http.close()
        pytest.fail(f"MEDUSA_URL is set but {URL} does not answer: {exc}")
    try:
        yield admin
    finally:
        try:
            admin.clean(SKUS)
        finally:
            admin.http.close()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ETSYSYNC_MEDUSA_URL", URL)
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", KEY)
    monkeypatch.setenv("ETSYSYNC_SOURCE_SALES_CHANNEL", "Etsy")
    return load_settings().settings


def new_sale(
    admin: Admin, handle: str, sku: str | None, quantity: int = 1, *, tid: int | None = None
) -> SaleToWrite:
    tid = tid or random.randrange(10**11, 10**12)  # never one a previous run used
    admin.transactions.add(str(tid))
    return SaleToWrite(tid, tid + 1, admin.product(handle), sku, quantity, cancelled=False)


def cancelled(sale: SaleToWrite) -> SaleToWrite:
    return SaleToWrite(
        sale.transaction_id, sale.receipt_id, sale.product_id, sale.sku, sale.quantity, True
    )


def write(settings: Settings, *sales: SaleToWrite, **kw: Any) -> list[SaleWritten]:
    return write_sales(settings, URL, sales, **kw)


def test_a_sale_lowers_available_stock_by_its_quantity(admin: Admin, settings: Settings) -> None:
    berlin = admin.location("Berlin Warehouse")
    before = admin.available("CND-S")[berlin]
    sale = new_sale(admin, "beeswax-pillar-candle", "CND-S", quantity=2)

    [result] = write(settings, sale)

    assert (result.outcome, result.location_id) == ("written", berlin), result.why
    assert admin.available("CND-S")[berlin] == before - 2
    [reservation] = [
        r
        for r in admin.ours("CND-S")
        if r["metadata"]["etsy_transaction_id"] == str(sale.transaction_id)
    ]
    assert reservation["quantity"] == 2
    assert f"transaction {sale.transaction_id}" in reservation["description"]


def test_writing_the_same_sale_again_changes_nothing(admin: Admin, settings: Settings) -> None:
    berlin = admin.location("Berlin Warehouse")
    before = admin.available("LT-S-RST")[berlin]
    sale = new_sale(admin, "linen-tee", "LT-S-RST")

    assert write(settings, sale)[0].outcome == "written"
    again = write(settings, sale)[0]

    assert again.outcome == "already_there", again.why
    assert admin.available("LT-S-RST")[berlin] == before - 1
    assert len([r for r in admin.ours("LT-S-RST") if r["id"] in again.reservation_ids]) == 1


def test_a_run_killed_after_writing_is_found_by_the_next_process(
    admin: Admin, settings: Settings, tmp_path: Path
) -> None:
    """The Medusa write happens, then the process is killed before anything records it; a
    fresh process with no state finds the reservation and does not reserve the units again."""
    berlin = admin.location("Berlin Warehouse")
    before = admin.available("CND-S")[berlin]
    sale = new_sale(admin, "beeswax-pillar-candle", "CND-S", quantity=3)
    script = tmp_path / "killed_after_write.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os, signal
            from etsysync_cli.config import load_settings
            from etsysync_cli.sources.medusa.sales import SaleToWrite, write_sales
            write_sales(load_settings().settings, {URL!r}, [SaleToWrite(*{sale_args(sale)!r})])
            os.kill(os.getpid(), signal.SIGKILL)  # killed before the caller could record it
            """
        )
    )
    src = str(Path(etsysync_cli.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    killed = subprocess.run([sys.executable, str(script)], env=env, timeout=120, check=False)
    assert killed.returncode == -9
    assert admin.available("CND-S")[berlin] == before - 3

    [result] = write(settings, sale)

    assert result.outcome == "already_there", result.why
    assert admin.available("CND-S")[berlin] == before - 3


def sale_args(sale: SaleToWrite) -> tuple[object, ...]:
    return (sale.transaction_id, sale.receipt_id, sale.product_id, sale.sku, sale.quantity, False)


def test_a_cancelled_order_returns_its_units(admin: Admin, settings: Settings) -> None:
    berlin = admin.location("Berlin Warehouse")
    before = admin.available("CND-S")[berlin]
    sale = new_sale(admin, "beeswax-pillar-candle", "CND-S", quantity=2)
    assert write(settings, sale)[0].outcome == "written"
    assert admin.available("CND-S")[berlin] == before - 2

    undone = write(settings, cancelled(sale))[0]
    assert undone.outcome == "undone", undone.why
    assert admin.available("CND-S")[berlin] == before
    twice = write(settings, cancelled(sale))[0]
    assert (twice.outcome, twice.reservation_ids) == ("undone", ())
    assert admin.available("CND-S")[berlin] == before


def test_a_variant_without_managed_inventory_is_not_tracked(
    admin: Admin, settings: Settings
) -> None:
    results = write(
        settings,
        new_sale(admin, "botanical-giclee-print", "PRT-FERN-A4"),
        new_sale(admin, "linen-tee", "LT-S-RST"),
    )
    assert [r.outcome for r in results] == ["not_tracked", "written"]


def test_stock_at_two_locations_needs_the_setting(
    admin: Admin, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    leipzig, berlin = admin.location("Leipzig Studio Shop"), admin.location("Berlin Warehouse")
    before = admin.available("WSB-45")
    sale = new_sale(admin, "walnut-serving-board", "WSB-45")

    [unset] = write(settings, sale)
    assert unset.outcome == "failed"
    assert "Berlin Warehouse" in unset.why and "Leipzig Studio Shop" in unset.why
    assert admin.available("WSB-45") == before

    monkeypatch.setenv("ETSYSYNC_MEDUSA_STOCK_LOCATION_ID", "Leipzig Studio Shop")
    [chosen] = write(load_settings().settings, sale)
    assert (chosen.outcome, chosen.location_id) == ("written", leipzig), chosen.why
    after = admin.available("WSB-45")
    assert (after[leipzig], after[berlin]) == (before[leipzig] - 1, before[berlin])


def test_more_than_is_available_fails_that_sale_and_changes_nothing(
    admin: Admin, settings: Settings
) -> None:
    berlin = admin.location("Berlin Warehouse")
    before = admin.available("LT-S-RST")[berlin]
    [result] = write(settings, new_sale(admin, "linen-tee", "LT-S-RST", quantity=before + 1))
    assert result.outcome == "failed"
    assert "Not enough stock available" in result.why
    assert admin.available("LT-S-RST")[berlin] == before


def test_an_unknown_key_raises_the_medusa_auth_error(
    admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETSYSYNC_MEDUSA_URL", URL)
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", "sk_" + "0" * 64)
    with pytest.raises(MedusaAuthError):
        write(load_settings().settings, new_sale(admin, "linen-tee", "LT-S-RST"))
