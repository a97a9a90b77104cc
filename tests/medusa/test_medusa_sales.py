"""Etsy sales written back to Medusa as reservations: the requests, offline (respx).

The bodies below have the shapes a real Medusa 2.21.2 answered (checked against the server that
`shared/medusa/medusa-up.sh` brings up; the live suite is tests/medusa_live). The channel and
locations are the recorded ones (tests/fixtures/medusa): "Etsy" has Berlin and Leipzig.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from etsysync_cli.config import Settings
from etsysync_cli.errors import AuthError
from etsysync_cli.sources.medusa import MedusaAuthError, MedusaRetryPolicy
from etsysync_cli.sources.medusa.sales import (
    RESERVATION_FIELDS,
    VARIANT_FIELDS,
    SaleToWrite,
    SaleWritten,
    StockLocationError,
    write_sales,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "medusa"
BASE = "https://medusa.test"
KEY = "sk_respx_4d1f0c2b9a8e7d6c5b4a3f2e1d0c9b8a"
BERLIN = "sloc_01M8G23B9YFGSE0S0523CC7K7T"
LEIPZIG = "sloc_01M8G23BE615QVW8QYGMW782SS"
TEE = "prod_01TEE"
PRINT = "prod_01PRINT"
KIT = "prod_01KIT"


def variant(sku: str, items: list[tuple[str, int, list[str]]], managed: bool = True) -> Any:
    return {
        "id": f"variant_{sku}",
        "sku": sku,
        "title": sku,
        "manage_inventory": managed,
        "inventory_items": [
            {
                "inventory_item_id": item,
                "required_quantity": required,
                "variant_id": f"variant_{sku}",
                "inventory": {"id": item, "location_levels": [{"location_id": x} for x in at]},
            }
            for item, required, at in items
        ],
    }


PRODUCTS = {
    TEE: [
        variant("LT-S-RST", [("iitem_S", 1, [BERLIN])]),
        variant("LT-M-RST", [("iitem_M", 1, [BERLIN, LEIPZIG])]),
    ],
    PRINT: [variant("PRT-A4", [], managed=False)],
    KIT: [variant("KIT-1", [("iitem_candle", 2, [BERLIN]), ("iitem_box", 1, [BERLIN])])],
}


class FakeReservations:
    """Medusa's reservation routes over respx: list by item (paged), create, delete."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.rows: list[dict[str, Any]] = []
        self.page_size_seen: list[str] = []
        self.refuse: dict[str, httpx.Response] = {}  # inventory item id -> the answer to a create
        router.get("/admin/reservations").mock(side_effect=self._list)
        self.create = router.post("/admin/reservations").mock(side_effect=self._create)
        self.delete = router.delete(url__regex=r"/admin/reservations/.+").mock(
            side_effect=self._delete
        )

    def _list(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        rows = [r for r in self.rows if r["inventory_item_id"] == params["inventory_item_id"]]
        offset, limit = int(params["offset"]), int(params["limit"])
        page = rows[offset : offset + limit]
        return httpx.Response(
            200, json={"reservations": page, "count": len(rows), "offset": offset, "limit": limit}
        )

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["inventory_item_id"] in self.refuse:
            return self.refuse[body["inventory_item_id"]]
        row = {"id": f"resitem_{len(self.rows) + 1:04d}", **body}
        self.rows.append(row)
        return httpx.Response(200, json={"reservation": row})

    def _delete(self, request: httpx.Request) -> httpx.Response:
        rid = request.url.path.rsplit("/", 1)[1]
        self.rows = [r for r in self.rows if r["id"] != rid]
        return httpx.Response(200, json={"id": rid, "object": "reservation", "deleted": True})

    def mark(self, item: str, transaction_id: int, quantity: int = 1) -> None:
        """A reservation written by an earlier run that was killed before recording it."""
        self.rows.append(
            {
                "id": f"resitem_{len(self.rows) + 1:04d}",
                "inventory_item_id": item,
                "location_id": BERLIN,
                "quantity": quantity,
                "description": f"Etsy order 1, transaction {transaction_id}",
                "metadata": {"etsy_transaction_id": str(transaction_id)},
            }
        )


def product_answer(request: httpx.Request) -> httpx.Response:
    product_id = request.url.path.rsplit("/", 1)[1]
    if product_id not in PRODUCTS:
        return httpx.Response(404, json={"type": "not_found", "message": "Product not found"})
    return httpx.Response(
        200, json={"product": {"id": product_id, "variants": PRODUCTS[product_id]}}
    )


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/admin/sales-channels").mock(
            return_value=httpx.Response(
                200, content=(FIXTURES / "sales-channels.json").read_bytes()
            )
        )
        router.get("/admin/stock-locations").mock(
            return_value=httpx.Response(
                200, content=(FIXTURES / "stock-locations.json").read_bytes()
            )
        )
        router.get(url__regex=r"/admin/products/[^/]+$").mock(side_effect=product_answer)
        yield router


@pytest.fixture
def reservations(mock: respx.MockRouter) -> FakeReservations:
    return FakeReservations(mock)


def settings(location: str | None = None, channel: str | None = "Etsy") -> Settings:
    return Settings.model_validate(
        {
            "medusa": {"url": BASE, "api_key": KEY, "stock_location_id": location},
            "source": {"sales_channel": channel},
        }
    )


def sale(tid: int, product: str = TEE, sku: str | None = "LT-S-RST", **kw: Any) -> SaleToWrite:
    values: dict[str, Any] = {"quantity": 1, "cancelled": False, **kw}
    return SaleToWrite(tid, 500 + tid, product, sku, values["quantity"], values["cancelled"])


def write(*sales: SaleToWrite, location: str | None = None, **kw: Any) -> list[SaleWritten]:
    return write_sales(
        kw.pop("settings", None) or settings(location),
        BASE,
        sales,
        retry=MedusaRetryPolicy.no_wait(max_attempts=2),
        **kw,
    )


def outcomes(results: list[SaleWritten]) -> list[str]:
    return [r.outcome for r in results]


# --- one sale, one reservation --------------------------------------------------------------------


def test_a_sale_becomes_one_reservation_carrying_its_transaction_id(
    mock: respx.MockRouter, reservations: FakeReservations
) -> None:
    [result] = write(sale(7001, quantity=2))

    assert result.outcome == "written"
    assert result.location_id == BERLIN
    assert "reserved 2 units of LT-S-RST at Berlin Warehouse" in result.why
    product_call = next(c.request for c in mock.calls if "/admin/products/" in c.request.url.path)
    assert product_call.url.params["fields"] == VARIANT_FIELDS
    lookup = next(
        c.request
        for c in mock.calls
        if c.request.method == "GET" and c.request.url.path == "/admin/reservations"
    )
    assert dict(lookup.url.params) == {
        "inventory_item_id": "iitem_S",
        "fields": RESERVATION_FIELDS,
        "order": "id",
        "limit": "100",
        "offset": "0",
    }
    create = reservations.create.calls.last.request
    assert create.url.params["fields"] == RESERVATION_FIELDS
    assert create.headers["authorization"].startswith("Basic ")
    assert json.loads(create.content) == {
        "inventory_item_id": "iitem_S",
        "location_id": BERLIN,
        "quantity": 2,
        "description": "Etsy order 7501, transaction 7001: 2 x LT-S-RST",
        "metadata": {
            "etsy_transaction_id": "7001",
            "etsy_receipt_id": "7501",
            "created_by": "etsysync",
        },
    }
    assert result.reservation_ids == (reservations.rows[0]["id"],)


def test_no_sales_make_no_request(mock: respx.MockRouter) -> None:
    assert write() == []
    assert not mock.calls


def test_the_same_sale_twice_in_a_batch_is_reserved_once(reservations: FakeReservations) -> None:
    assert outcomes(write(sale(7002), sale(7002))) == ["written", "already_there"]
    assert reservations.create.call_count == 1


# --- exactly once under faults --------------------------------------------------------------------


def test_a_sale_reserved_by_a_killed_run_is_found_and_not_written_again(
    reservations: FakeReservations,
) -> None:
    """Killed between the Medusa write and recording it: the next run finds the mark."""
    reservations.mark("iitem_S", 7003)
    [result] = write(sale(7003))
    assert result.outcome == "already_there"
    assert result.reservation_ids == ("resitem_0001",)
    assert reservations.create.call_count == 0


def test_the_lookup_reads_every_page_of_the_items_reservations(
    mock: respx.MockRouter, reservations: FakeReservations
) -> None:
    for tid in range(1, 151):
        reservations.mark("iitem_S", tid)
    [result] = write(sale(150))
    assert result.outcome == "already_there"
    offsets = [
        c.request.url.params["offset"]
        for c in mock.calls
        if c.request.method == "GET" and c.request.url.path == "/admin/reservations"
    ]
    assert offsets == ["0", "100"]


def test_a_kit_reserves_each_part_times_its_required_quantity(
    reservations: FakeReservations,
) -> None:
    [result] = write(sale(7004, KIT, "KIT-1", quantity=3))
    assert result.outcome == "written"
    assert [(r["inventory_item_id"], r["quantity"]) for r in reservations.rows] == [
        ("iitem_candle", 6),
        ("iitem_box", 3),
    ]


def test_a_kit_half_written_by_a_killed_run_gets_only_its_missing_part(
    reservations: FakeReservations,
) -> None:
    reservations.mark("iitem_candle", 7005, quantity=2)
    [result] = write(sale(7005, KIT, "KIT-1"))
    assert result.outcome == "written"
    assert reservations.create.call_count == 1
    assert json.loads(reservations.create.calls.last.request.content)["inventory_item_id"] == (
        "iitem_box"
    )


# --- cancelled orders -----------------------------------------------------------------------------


def test_a_cancelled_sale_deletes_its_reservation(reservations: FakeReservations) -> None:
    reservations.mark("iitem_S", 7006)
    [result] = write(sale(7006, cancelled=True))
    assert result.outcome == "undone"
    assert "released 1 reserved unit" in result.why
    assert reservations.delete.calls.last.request.url.path == "/admin/reservations/resitem_0001"
    assert reservations.rows == []


def test_cancelling_what_was_never_reserved_changes_nothing(
    reservations: FakeReservations,
) -> None:
    [result] = write(sale(7007, cancelled=True))
    assert (result.outcome, result.reservation_ids) == ("undone", ())
    assert "holds nothing" in result.why
    assert reservations.delete.call_count == 0
    assert reservations.create.call_count == 0


# --- per-sale failures, and what fails every sale -------------------------------------------------


def test_a_variant_without_managed_inventory_is_not_tracked_and_the_batch_goes_on(
    reservations: FakeReservations,
) -> None:
    results = write(sale(7008, PRINT, "PRT-A4"), sale(7009))
    assert outcomes(results) == ["not_tracked", "written"]
    assert "does not manage the inventory of variant PRT-A4" in results[0].why


def test_several_locations_stocking_the_variant_and_none_chosen_names_them(
    reservations: FakeReservations,
) -> None:
    [result] = write(sale(7010, sku="LT-M-RST"))
    assert result.outcome == "failed"
    assert "Berlin Warehouse (sloc_01M8G23B9YFGSE0S0523CC7K7T)" in result.why
    assert "Leipzig Studio Shop (sloc_01M8G23BE615QVW8QYGMW782SS)" in result.why
    assert "etsysync config set medusa.stock_location_id" in result.why
    assert reservations.create.call_count == 0


@pytest.mark.parametrize("chosen", [LEIPZIG, "Leipzig Studio Shop"])
def test_the_setting_picks_the_location_by_id_or_name(
    reservations: FakeReservations, chosen: str
) -> None:
    [result] = write(sale(7011, sku="LT-M-RST"), location=chosen)
    assert (result.outcome, result.location_id) == ("written", LEIPZIG)


def test_a_location_the_channel_does_not_have_fails_the_whole_batch(
    reservations: FakeReservations,
) -> None:
    with pytest.raises(StockLocationError) as caught:
        write(sale(7012), location="Hamburg")
    assert "'Hamburg', which is not a stock location of the sales channel Etsy" in str(caught.value)
    assert "Berlin Warehouse" in caught.value.message
    assert reservations.create.call_count == 0


def test_the_location_argument_wins_over_the_setting(reservations: FakeReservations) -> None:
    [result] = write(sale(7013, sku="LT-M-RST"), location=BERLIN, location_id=LEIPZIG)
    assert result.location_id == LEIPZIG


def test_medusa_refusing_a_reservation_fails_only_that_sale(
    reservations: FakeReservations,
) -> None:
    reservations.refuse["iitem_S"] = httpx.Response(
        400,
        json={
            "type": "not_allowed",
            "message": f"Not enough stock available for item iitem_S at location {BERLIN}",
        },
    )
    results = write(sale(7014), sale(7015, sku="LT-M-RST"), location=BERLIN)
    assert outcomes(results) == ["failed", "written"]
    assert "fewer than 1 available of inventory item iitem_S" in results[0].why
    assert "Medusa: Not enough stock available" in results[0].why


def test_a_location_without_stock_of_the_item_is_said_plainly(
    reservations: FakeReservations,
) -> None:
    reservations.refuse["iitem_S"] = httpx.Response(
        404,
        json={
            "type": "not_found",
            "message": f"Item iitem_S is not stocked at location {LEIPZIG}",
        },
    )
    [result] = write(sale(7016), location=LEIPZIG)
    assert result.outcome == "failed"
    assert "not stocked at Leipzig Studio Shop" in result.why


def test_a_server_error_after_the_retries_fails_that_sale_only(
    mock: respx.MockRouter, reservations: FakeReservations
) -> None:
    reservations.refuse["iitem_S"] = httpx.Response(500, json={"message": "An unknown error"})
    results = write(sale(7017), sale(7018, sku="LT-M-RST"), location=BERLIN)
    assert outcomes(results) == ["failed", "written"]
    assert "gave up after 2 attempts" in results[0].why


@pytest.mark.parametrize(
    ("product", "sku", "why"),
    [
        (TEE, "NOPE", "has no variant with SKU NOPE (it has: LT-M-RST, LT-S-RST)"),
        (TEE, None, "the sale has no SKU and Medusa product prod_01TEE has 2 variants"),
    ],
)
def test_a_variant_that_cannot_be_found_fails_that_sale(
    reservations: FakeReservations, product: str, sku: str | None, why: str
) -> None:
    results = write(sale(7019, product, sku), sale(7020))
    assert outcomes(results) == ["failed", "written"]
    assert why in results[0].why


def test_a_sale_of_a_product_deleted_from_medusa_has_no_stock_to_lower(
    reservations: FakeReservations,
) -> None:
    """Not a failure, which would be retried (and make `sync` exit 3) on every run for ever."""
    [result] = write(sale(7024, "prod_01GONE", "X"))
    assert result.outcome == "not_tracked" and result.done
    assert "prod_01GONE no longer exists; there is no stock to lower" in result.why


def test_cancelling_a_sale_of_a_deleted_product_is_done(reservations: FakeReservations) -> None:
    [result] = write(sale(7023, "prod_01GONE", "X", cancelled=True))
    assert result.outcome == "undone"
    assert "no longer exists; nothing to release" in result.why


def test_a_product_with_one_variant_needs_no_sku(reservations: FakeReservations) -> None:
    [result] = write(sale(7021, KIT, None))
    assert result.outcome == "written"


def test_a_refused_key_raises_the_medusa_auth_error(mock: respx.MockRouter) -> None:
    mock.get(url__regex=r"/admin/products/[^/]+$").mock(
        return_value=httpx.Response(401, json={"message": "Unauthorized"})
    )
    with pytest.raises(MedusaAuthError) as caught:
        write(sale(7022))
    assert isinstance(caught.value, AuthError)
    assert KEY not in caught.value.message
