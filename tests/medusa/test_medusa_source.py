"""The Medusa client and product stream against the recorded responses (respx, no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import InvalidListing, MappedListing, map_product
from etsysync_cli.domain.product import (
    BadProduct,
    Product,
    base_prices,
    fingerprint,
    ordered_image_urls,
    sellable_quantity,
)
from etsysync_cli.errors import AuthError, ExitCode, SourceError
from etsysync_cli.sources.medusa import (
    FIELDS,
    MedusaAuthError,
    MedusaClient,
    MedusaRetryPolicy,
    MedusaSource,
    MedusaVersionError,
    Selection,
)
from etsysync_cli.sources.medusa.write_back import (
    _write_link as write_link,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "medusa"
BASE = "https://medusa.test"
KEY = SecretStr("sk_respx_4d1f0c2b9a8e7d6c5b4a3f2e1d0c9b8a")
ETSY_CHANNEL = "sc_01M8G23AM6M6YSFJ4J5DP9EZK1"
BERLIN = "sloc_01M8G23B9YFGSE0S0523CC7K7T"
DEFAULTS = ListingDefaults(taxonomy_id=1, shipping_profile_id=1, readiness_state_id=1)


def recorded(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        content=(FIXTURES / name).read_bytes(),
        headers={"content-type": "application/json; charset=utf-8"},
    )


def data(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def as_json(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def html_404(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, text=f"<pre>Cannot GET {request.url.path}</pre>")


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/admin/stores").mock(return_value=recorded("store.json"))
        yield router


def source(
    sales_channel: str | None = None, retry: MedusaRetryPolicy | None = None
) -> MedusaSource:
    client = MedusaClient(BASE, KEY, retry=retry or MedusaRetryPolicy.no_wait())
    return MedusaSource(client, sales_channel=sales_channel)


def recorded_pages(request: httpx.Request) -> httpx.Response:
    offset = request.url.params.get("offset")
    return recorded({"0": "products-page-1.json", "7": "products-page-2.json"}[offset or "0"])


def read_all(mock: respx.MockRouter, **kw: Any) -> dict[str, Any]:
    mock.get("/admin/products").mock(side_effect=recorded_pages)
    products = list(source(**kw).products(Selection(), page_size=7))
    return {p.handle if isinstance(p, Product) else p.ref: p for p in products}


def product_calls(mock: respx.MockRouter) -> list[httpx.Request]:
    return [c.request for c in mock.calls if c.request.url.path == "/admin/products"]


# --- pagination and the request -------------------------------------------------------------------


def test_reads_every_page_then_stops_at_the_count(mock: respx.MockRouter) -> None:
    progress: list[tuple[int, int]] = []
    mock.get("/admin/products").mock(side_effect=recorded_pages)
    products = list(
        source().products(Selection(), page_size=7, on_progress=lambda *a: progress.append(a))
    )
    assert len(products) == 12
    assert [p.handle for p in products if isinstance(p, Product)][:2] == [
        "linen-tee",
        "walnut-serving-board",
    ]
    calls = product_calls(mock)
    assert [c.url.params["offset"] for c in calls] == ["0", "7"]  # no third request past count
    assert progress == [(7, 12), (12, 12)]
    params = calls[0].url.params
    assert params["limit"] == "7"
    assert params["order"] == "id"
    assert params.get_list("status[]") == ["published"]
    assert params["fields"] == ",".join(FIELDS)
    raw = calls[0].url.query.decode()
    assert "%2Bvariants.inventory_items.required_quantity" in raw  # `+` travels as %2B
    assert "+variants" not in raw
    assert "updated_at" not in raw  # change detection never trusts timestamps


def test_basic_auth_with_the_key_as_user_name_and_no_password(mock: respx.MockRouter) -> None:
    read_all(mock)
    header = product_calls(mock)[0].headers["authorization"]
    assert header == httpx.BasicAuth(KEY.get_secret_value(), "")._auth_header


def test_drafts_are_asked_for_only_with_include_drafts(mock: respx.MockRouter) -> None:
    mock.get("/admin/products").mock(return_value=as_json({"products": [], "count": 0}))
    list(source().products(Selection()))
    list(source().products(Selection(include_drafts=True)))
    first, second = product_calls(mock)
    assert first.url.params.get_list("status[]") == ["published"]
    assert second.url.params.get_list("status[]") == ["published", "draft"]


def test_product_ids_become_an_id_filter_only_when_they_are_ids() -> None:
    assert Selection.build(["prod_01A", "prod_01B"]).product_ids == ("prod_01A", "prod_01B")
    assert Selection.build(["prod_01A", "linen-tee"]).product_ids == ()
    narrowed = Selection.build([], filters={"tag": ["handmade"]})
    assert narrowed.tags == ("handmade",) and narrowed.narrowed
    with pytest.raises(ValueError):
        Selection.build([], filters={"category": ["x"]})


def test_names_of_tags_types_and_collections_resolve_to_ids(mock: respx.MockRouter) -> None:
    tags = [{"id": "ptag_01HANDMADE", "value": "handmade"}]
    mock.get("/admin/product-tags").mock(return_value=as_json({"product_tags": tags}))
    mock.get("/admin/products").mock(return_value=as_json({"products": [], "count": 0}))
    selection = Selection(tags=("Handmade",), collections=("pcol_01ALREADYANID",))
    list(source().products(selection))
    params = product_calls(mock)[0].url.params
    assert params.get_list("tag_id[]") == ["ptag_01HANDMADE"]
    assert params.get_list("collection_id[]") == ["pcol_01ALREADYANID"]
    with pytest.raises(SourceError, match="no tag 'glitter'"):
        list(source().products(Selection(tags=("glitter",))))


def test_a_product_deleted_during_the_scan_is_not_skipped(mock: respx.MockRouter) -> None:
    catalogue = data("products-page-1.json")["products"] + data("products-page-2.json")["products"]
    served: list[int] = []

    def live(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        if served:  # the seller deletes the 3rd product after the first page was read
            catalogue[:] = [p for p in catalogue if p["handle"] != "initial-necklace"]
        served.append(offset)
        page = catalogue[offset : offset + limit]
        return as_json({"products": page, "count": len(catalogue), "offset": offset})

    mock.get("/admin/products").mock(side_effect=live)
    handles = [p.handle for p in source().products(Selection(), page_size=4)]
    assert "initial-necklace" in handles  # read before it was deleted
    assert sorted(handles) == sorted(
        {p["handle"] for p in data("products-page-1.json")["products"]}
        | {p["handle"] for p in data("products-page-2.json")["products"]}
    )
    assert len(handles) == len(set(handles)) == 12
    assert served[:3] == [0, 4, 3]  # the count shrank: step back one, skip what was read


# --- what the recorded fields carry ---------------------------------------------------------------


def test_prices_are_base_prices_in_major_units(mock: respx.MockRouter) -> None:
    products = read_all(mock)
    board = products["walnut-serving-board"].variants[0]
    assert base_prices(board, "eur") == [Decimal("120")]
    assert base_prices(board, "USD") == [Decimal("135")]
    throw = products["merino-wool-throw"].variants[0]
    assert base_prices(throw, "eur") == [Decimal("149")]  # not the 139 region price
    card = products["letterpress-greeting-card"].variants[0]
    assert base_prices(card, "eur") == [Decimal("4.5")]  # not the 3.75 tier from 10 pieces
    tee = next(v for v in products["linen-tee"].variants if v.sku == "LT-S-IND")
    assert base_prices(tee, "usd") == [Decimal("41.99")]  # exact, never a float


def test_the_120_board_is_listed_at_120_not_1_20(mock: respx.MockRouter) -> None:
    board = read_all(mock)["walnut-serving-board"]
    mapped = map_product(board, currency="EUR", defaults=DEFAULTS, today=date(2025, 6, 1))
    assert isinstance(mapped, MappedListing), mapped
    (offering,) = mapped.draft.inventory.products[0].offerings
    assert offering.price == Decimal("120.00")
    assert offering.quantity == 6


def test_stock_is_stocked_minus_reserved_over_the_locations(mock: respx.MockRouter) -> None:
    products = read_all(mock)
    by_sku = {v.sku: v for p in products.values() if isinstance(p, Product) for v in p.variants}
    assert sellable_quantity(by_sku["WSB-45"]) == 6  # 4 in Berlin + 2 in Leipzig
    assert sellable_quantity(by_sku["LT-M-IND"]) == 7  # 8 stocked, 1 reserved
    assert sellable_quantity(by_sku["LT-L-IND"]) == 0
    assert sellable_quantity(by_sku["PRT-FERN-A4"]) is None  # not managed: the default quantity
    box = products["mystery-craft-box"].variants[0]
    assert sellable_quantity(box) == 0  # managed, no stock level anywhere


def test_a_channel_counts_only_the_stock_of_its_locations(mock: respx.MockRouter) -> None:
    locations = data("stock-locations.json")
    for location in locations["stock_locations"]:
        if location["id"] != BERLIN:  # Leipzig no longer serves the Etsy channel
            location["sales_channels"] = location["sales_channels"][:1]
    mock.get("/admin/sales-channels").mock(return_value=recorded("sales-channels.json"))
    mock.get("/admin/stock-locations").mock(return_value=as_json(locations))
    board = read_all(mock, sales_channel="etsy")["walnut-serving-board"]
    assert sellable_quantity(board.variants[0]) == 4
    assert product_calls(mock)[0].url.params.get_list("sales_channel_id[]") == [ETSY_CHANNEL]


def test_an_unknown_sales_channel_names_the_known_ones(mock: respx.MockRouter) -> None:
    mock.get("/admin/sales-channels").mock(return_value=recorded("sales-channels.json"))
    with pytest.raises(
        SourceError, match=r"no sales channel 'Amazon'.*Default Sales Channel, Etsy"
    ):
        list(source(sales_channel="Amazon").products(Selection()))


def test_no_price_in_the_shop_currency_makes_the_product_invalid(mock: respx.MockRouter) -> None:
    vase = read_all(mock)["speckled-bud-vase"]
    mapped = map_product(vase, currency="USD", defaults=DEFAULTS, today=date(2026, 11, 28))
    assert isinstance(mapped, InvalidListing)
    assert any("no price in USD" in reason for reason in mapped.reasons)


def test_relative_image_urls_are_taken_from_the_backend(mock: respx.MockRouter) -> None:
    page = data("products-page-1.json")
    tee = page["products"][0]
    tee["thumbnail"] = "/static/tee-front.jpg"
    tee["images"][1]["url"] = "static/tee-back.jpg"
    mock.get("/admin/products").mock(return_value=as_json({**page, "count": 7}))
    product = next(iter(source().products(Selection())))
    assert isinstance(product, Product)
    urls = ordered_image_urls(product)
    assert urls[0] == f"{BASE}/static/tee-front.jpg"  # the thumbnail first
    assert f"{BASE}/static/tee-back.jpg" in urls


def test_the_written_back_link_is_not_a_change(mock: respx.MockRouter) -> None:
    page = data("products-page-1.json")
    before = read_all(mock)["linen-tee"]
    page["products"][0]["metadata"].update(
        etsy_listing_id="1234567890",
        etsy_url="https://www.etsy.com/listing/1234567890",
        etsy_sync_status="synced",
        etsy_last_synced_at="2026-11-28T03:00:00Z",
    )
    mock.get("/admin/products").mock(return_value=as_json({**page, "count": 7}))
    after = next(iter(source().products(Selection())))
    assert isinstance(after, Product)
    assert fingerprint(after) == fingerprint(before)


def test_a_malformed_product_is_a_bad_product_the_others_carry_on(mock: respx.MockRouter) -> None:
    page = data("products-page-1.json")
    page["products"][1]["variants"][0]["prices"][0]["amount"] = "a lot"
    mock.get("/admin/products").mock(return_value=as_json({**page, "count": 7}))
    results = list(source().products(Selection()))
    bad = [r for r in results if isinstance(r, BadProduct)]
    assert len(results) == 7 and len(bad) == 1
    assert bad[0].ref == "prod_01M8G23GS3HBDM51BJHMXG8H50"
    assert bad[0].title == "Walnut Serving Board"
    assert any("amount" in reason for reason in bad[0].reasons)


def test_default_fields_would_lack_stock_so_they_are_never_used(mock: respx.MockRouter) -> None:
    # products-default-fields.json is what Medusa answers without `fields`: no inventory_items.
    default = data("products-default-fields.json")["products"][1]["variants"][0]
    assert "inventory_items" not in default
    read_all(mock)
    assert all("fields" in c.url.params for c in product_calls(mock))


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_is_an_auth_error_naming_the_fix(
    mock: respx.MockRouter, status: int
) -> None:
    mock.get("/admin/stores").mock(return_value=recorded("error-401-invalid-key.json", status))
    with pytest.raises(MedusaAuthError) as caught:
        source().check_key()
    error = caught.value
    assert isinstance(error, AuthError) and error.exit_code == ExitCode.AUTH_NEEDED == 4
    assert error.message.startswith("the Medusa API key was rejected")
    assert f"HTTP {status}" in error.message
    assert error.hint is not None and f"run `etsysync source medusa {BASE}`" in error.hint
    assert KEY.get_secret_value() not in error.message + error.hint
    assert len(mock.calls) == 1  # never retried


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("[Errno 111] Connection refused", "the connection was refused"),
        ("[Errno -2] Name or service not known", "could not be resolved (DNS)"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "TLS (https)"),
    ],
)
def test_an_unreachable_backend_is_one_plain_message(
    mock: respx.MockRouter, problem: str, expected: str
) -> None:
    mock.get("/admin/stores").mock(side_effect=httpx.ConnectError(problem))
    with pytest.raises(SourceError) as caught:
        source().check_key()
    assert caught.value.message.startswith(f"cannot reach the Medusa backend at {BASE}: ")
    assert expected in caught.value.message
    assert caught.value.exit_code == ExitCode.FAILURE
    assert len(mock.calls) == 1


def test_5xx_and_timeouts_are_retried(mock: respx.MockRouter) -> None:
    mock.get("/admin/stores").mock(
        side_effect=[
            recorded("error-500-invalid-order.json", 500),
            httpx.ReadTimeout("slow"),
            httpx.Response(502, text="Bad Gateway"),
            recorded("store.json"),
        ]
    )
    assert source().store_info().name == "Fern & Kiln Studio"
    assert len(mock.calls) == 4


def test_a_429_waits_as_long_as_retry_after_says(mock: respx.MockRouter) -> None:
    waits: list[float] = []
    policy = MedusaRetryPolicy(sleep=waits.append)
    mock.get("/admin/stores").mock(
        side_effect=[httpx.Response(429, headers={"retry-after": "2"}), recorded("store.json")]
    )
    source(retry=policy).check_key()
    assert waits == [2.0]


def test_a_server_that_keeps_failing_is_a_clear_failure(mock: respx.MockRouter) -> None:
    mock.get("/admin/stores").mock(return_value=recorded("error-500-invalid-order.json", 500))
    with pytest.raises(SourceError) as caught:
        source(retry=MedusaRetryPolicy.no_wait(max_attempts=3)).check_key()
    assert caught.value.message == (
        f"the Medusa backend at {BASE} failed GET /admin/stores: HTTP 500 "
        "An unknown error occurred. (gave up after 3 attempts)"
    )
    assert len(mock.calls) == 3


def test_a_client_error_is_reported_with_medusas_message(mock: respx.MockRouter) -> None:
    mock.get("/admin/products").mock(return_value=recorded("error-400-status-not-array.json", 400))
    with pytest.raises(SourceError, match="HTTP 400 Invalid request: Expected type: 'array'"):
        list(source().products(Selection()))
    assert len(product_calls(mock)) == 1


def test_a_medusa_v1_backend_is_refused_because_of_minor_units(mock: respx.MockRouter) -> None:
    mock.get("/admin/stores").mock(side_effect=html_404)
    mock.get("/admin/store").mock(return_value=httpx.Response(401, text="Unauthorized"))
    with pytest.raises(MedusaVersionError) as caught:
        list(source().products(Selection()))
    message = caught.value.message
    assert "Medusa v1" in message and "minor units" in message
    assert "100 times" in message and "1/100" in message
    assert not product_calls(mock)  # refused before reading a single product


def test_a_url_without_medusa_behind_it(mock: respx.MockRouter) -> None:
    mock.get("/admin/stores").mock(side_effect=html_404)
    mock.get("/admin/store").mock(side_effect=html_404)
    with pytest.raises(MedusaVersionError, match="has no Medusa Admin API"):
        source().check_key()
    mock.get("/admin/stores").mock(return_value=httpx.Response(200, text="<html>shop</html>"))
    with pytest.raises(SourceError, match="not JSON"):
        source().check_key()
    mock.get("/admin/stores").mock(
        return_value=httpx.Response(301, headers={"location": "https://api.medusa.test/"})
    )
    with pytest.raises(SourceError, match=r"redirect to https://api\.medusa\.test/"):
        source().check_key()


def test_a_page_without_products_is_a_source_error(mock: respx.MockRouter) -> None:
    mock.get("/admin/products").mock(return_value=as_json({"count": 3}))
    with pytest.raises(SourceError, match="without a products list"):
        list(source().products(Selection()))


# --- writing the link back ------------------------------------------------------------------------


def test_write_back_sends_the_whole_metadata_with_the_link_on_top(mock: respx.MockRouter) -> None:
    path = "/admin/products/prod_01M8G23GS3HBDM51BJHMXG8H50"
    seller = {"who_made": "i_did", "etsy_taxonomy_id": 1061, "etsy_url": "stale"}
    mock.get(path).mock(return_value=as_json({"product": {"id": "x", "metadata": seller}}))
    posted = mock.post(path).mock(return_value=as_json({"product": {"id": "x"}}))
    link = {
        "etsy_listing_id": "4242",
        "etsy_url": "https://www.etsy.com/listing/4242",
        "etsy_sync_status": "synced",
        "etsy_last_synced_at": "2026-11-28T03:00:00Z",
    }
    assert write_link(source().client, "prod_01M8G23GS3HBDM51BJHMXG8H50", link) is True
    body = json.loads(posted.calls.last.request.content)
    assert body == {"metadata": {"who_made": "i_did", "etsy_taxonomy_id": 1061, **link}}
    # Already there: nothing is sent.
    mock.get(path).mock(
        return_value=as_json({"product": {"id": "x", "metadata": body["metadata"]}})
    )
    assert write_link(source().client, "prod_01M8G23GS3HBDM51BJHMXG8H50", link) is False
    assert posted.call_count == 1
