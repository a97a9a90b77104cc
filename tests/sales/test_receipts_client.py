"""`EtsyClient.iter_shop_receipts` against the in-process sandbox: every receipt once, one
request per page, and a receipt changed while the pages are read is not the cause of another
being skipped (etsy-api.md §10.17: getShopReceipts pages receipts with `min_last_modified`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.sandbox import SELLER_SHOP_ID, SandboxServer
from tests.pacing import fast_config
from tests.sandbox.sandbox_helpers import seller_client

SCOPES = ("listings_r", "listings_w", "shops_r", "transactions_r")


@pytest.fixture
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(fast_config()) as server:
        yield server


@pytest.fixture
def client(sb: SandboxServer) -> Iterator[EtsyClient]:
    with seller_client(sb, scopes=SCOPES) as c:
        yield c


def buy(sb: SandboxServer, listing_id: int, n: int, *, tick: bool = False) -> list[int]:
    """`n` purchases of one unit; with `tick`, Etsy's clock moves a second after each, so that
    every receipt has its own `updated_timestamp`."""
    ids = []
    for _ in range(n):
        ids.append(sb.purchase(listing_id)["receipt_id"])
        if tick:
            sb.state.config.clock_offset += 1
    return ids


def receipt_requests(sb: SandboxServer) -> int:
    return sum(1 for e in sb.request_log() if e.get("operation") == "getShopReceipts")


def test_receipts_of_one_second_are_paged_without_loss_or_repeat(sb, client) -> None:
    listing = sb.create_listing_direct(state="active", images=1, quantity=100)
    bought = buy(sb, listing["listing_id"], 30)  # all within a second or two: ties

    got = [r.receipt_id for r in client.iter_shop_receipts(SELLER_SHOP_ID, page_size=7)]

    assert sorted(got) == sorted(bought)
    assert len(got) == len(set(got))
    assert receipt_requests(sb) == 5  # ceil(30 / 7): one request per page, none more


def test_transactions_come_embedded_with_the_fields_sales_need(sb, client) -> None:
    listing = sb.create_listing_direct(state="active", images=1, quantity=5)
    sb.purchase(listing["listing_id"], quantity=2)

    (receipt,) = client.iter_shop_receipts(SELLER_SHOP_ID)

    assert (receipt.status, receipt.is_paid, receipt.is_canceled) == ("paid", True, False)
    (line,) = receipt.transactions
    assert (line.listing_id, line.sku, line.quantity) == (listing["listing_id"], None, 2)
    assert line.product_id is not None and line.created_timestamp is not None


def test_min_last_modified_starts_the_window(sb, client) -> None:
    listing = sb.create_listing_direct(state="active", images=1, quantity=20)
    early = buy(sb, listing["listing_id"], 3, tick=True)
    start = int(sb.state.now())
    late = buy(sb, listing["listing_id"], 4, tick=True)

    got = [r.receipt_id for r in client.iter_shop_receipts(SELLER_SHOP_ID, min_last_modified=start)]

    assert sorted(got) == sorted(late) and not set(got) & set(early)


def test_a_receipt_cancelled_mid_read_is_read_again_and_none_is_skipped(sb, client) -> None:
    listing = sb.create_listing_direct(state="active", images=1, quantity=20)
    bought = buy(sb, listing["listing_id"], 10, tick=True)

    pages = client.iter_shop_receipts(SELLER_SHOP_ID, page_size=4)
    seen = [next(pages).receipt_id for _ in range(4)]  # the first page
    sb.cancel_receipt(seen[1])  # it moves behind the rest (its updated_timestamp is newest)
    seen += [r.receipt_id for r in pages]

    assert set(seen) == set(bought)  # with plain offsets the receipt after it would be lost
    assert seen.count(seen[1]) == 2 and seen[-1] == seen[1]
