"""`etsysync sales` as a seller meets it (issue 15, "Read sales"): sync two active products to
the sandbox, let a buyer buy through `purchase`, and read the sales through the real CLI.

Each sale of a linked listing is recorded once per Etsy transaction; reading again changes
nothing; a cancelled order is marked, not duplicated; a sale of a listing no product is linked
to is counted and skipped (etsy-api.md §10.17 for what Etsy's receipts carry).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from etsysync_cli import reports
from tests.foundation.test_reports import assert_document
from tests.sales.conftest import by_sku, db_rows, sales_json
from tests.sync.conftest import etsy_requests

RELOGIN = "run `etsysync auth login` again to allow reading sales"


def test_sales_are_recorded_once_and_reading_again_changes_nothing(cli, shop, app_home) -> None:
    first = shop.buy("MUG-1", 2)
    shop.buy("BOWL-1", 1)

    doc = sales_json(cli)

    assert_document(reports.SalesDocument, doc)
    assert doc["read"]["new"] == 2 and doc["read"]["skipped_unlinked"] == 0
    assert doc["read"]["requests"] == 2  # the first read: a ping for Etsy's clock, one page
    skus = by_sku(doc)
    assert (skus["MUG-1"]["units_sold"], skus["BOWL-1"]["units_sold"]) == (2, 1)
    assert skus["MUG-1"]["product_id"] == "p_mug"
    mug = next(t for t in doc["transactions"] if t["sku"] == "MUG-1")
    assert mug["transaction_id"] == first["transaction_id"]
    assert (mug["receipt_id"], mug["listing_id"]) == (first["receipt_id"], shop.ids["MUG-1"])
    assert (mug["quantity"], mug["paid"], mug["cancelled"]) == (2, True, False)
    rows = db_rows(app_home, "SELECT * FROM sales ORDER BY transaction_id")
    assert len(rows) == 2

    again = sales_json(cli)

    assert (again["read"]["new"], again["read"]["updated"], again["read"]["cancelled"]) == (
        0,
        0,
        0,
    )
    assert again["read"]["requests"] == 1  # the cursor's window: one page, no ping
    assert db_rows(app_home, "SELECT * FROM sales ORDER BY transaction_id") == rows
    assert by_sku(again) == skus
    events = db_rows(app_home, "SELECT data FROM events WHERE kind = 'sales_read'")
    assert [json.loads(e["data"])["units"] for e in events] == [3]  # one event, the first read


def test_a_cancelled_order_is_marked_cancelled_without_a_duplicate(cli, shop, app_home) -> None:
    sale = shop.buy("MUG-1", 2)
    sales_json(cli)
    (before,) = db_rows(app_home, "SELECT * FROM sales")

    shop.sandbox.cancel_receipt(sale["receipt_id"])
    doc = sales_json(cli)

    assert (doc["read"]["new"], doc["read"]["cancelled"]) == (0, 1)
    (after,) = db_rows(app_home, "SELECT * FROM sales")
    assert (after["transaction_id"], after["cancelled"]) == (sale["transaction_id"], 1)
    assert after["first_seen_at"] == before["first_seen_at"]
    assert after["updated_at"] >= before["updated_at"]
    mug = by_sku(doc)["MUG-1"]
    assert (mug["units_sold"], mug["units_cancelled"], mug["last_sold_at"]) == (0, 2, None)
    assert sales_json(cli)["read"]["cancelled"] == 0  # and only once


def test_a_sale_of_an_unlinked_listing_is_counted_and_skipped(cli, shop, app_home) -> None:
    other = shop.sandbox.create_listing_direct(state="active", images=1, quantity=3)
    shop.sandbox.purchase(other["listing_id"])
    shop.buy("BOWL-1")

    doc = sales_json(cli)

    assert (doc["read"]["new"], doc["read"]["skipped_unlinked"]) == (1, 1)
    rows = db_rows(app_home, "SELECT listing_id FROM sales")
    assert rows == [{"listing_id": shop.ids["BOWL-1"]}]


def test_more_than_100_receipts_cost_one_request_per_100(cli, shop, app_home) -> None:
    sales_json(cli)  # the first read (nothing sold yet) sets the cursor
    for _ in range(150):
        shop.buy("MUG-1")
    before = len(shop.sandbox.request_log())

    doc = sales_json(cli)

    assert doc["read"]["new"] == 150
    assert etsy_requests(shop.sandbox, before) == ["getShopReceipts"] * 2
    assert doc["read"]["requests"] == 2
    assert by_sku(doc)["MUG-1"]["units_sold"] == 150
    assert db_rows(app_home, "SELECT count(*) AS n FROM sales") == [{"n": 150}]
    assert sales_json(cli)["read"]["new"] == 0


def test_since_keeps_the_sales_from_that_day_on(cli, shop) -> None:
    shop.buy("MUG-1")
    assert len(sales_json(cli, "--since", "2000-01-01")["transactions"]) == 1
    later = sales_json(cli, "--since", "2999-01-01", "--no-read")
    assert (later["transactions"], later["skus"], later["read"]) == ([], [], None)
    bad = cli("sales", "--since", "yesterday")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_csv_is_one_row_per_sku(cli, shop) -> None:
    shop.buy("MUG-1", 3)
    shop.buy("BOWL-1", 1)
    shop.buy("MUG-1", 1)

    result = cli("sales", "--csv")

    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["sku"], r["product_id"], r["units_sold"], r["transactions"]) for r in rows] == [
        ("BOWL-1", "p_bowl", "1", "1"),
        ("MUG-1", "p_mug", "4", "2"),
    ]
    assert rows[0]["listing_id"] == str(shop.ids["BOWL-1"])
    assert "2 new" not in result.stdout and "3 new" in result.stderr  # the read line: stderr
    assert cli("sales", "--csv", "--json").exit_code == 2


def test_the_table_shows_units_per_sku(cli, shop) -> None:
    shop.buy("BOWL-1", 2)
    result = cli("sales")
    assert result.exit_code == 0, result.stderr
    assert "BOWL-1" in result.stdout and "p_bowl" in result.stdout
    assert "2 unit(s) sold, 0 cancelled" in result.stderr


def test_nothing_linked_means_no_request(cli, connected) -> None:
    before = len(connected.request_log())
    doc = sales_json(cli)
    assert doc["read"]["requests"] == 0 and doc["read"]["window_start"] is None
    assert etsy_requests(connected, before) == []


# --- the transactions_r scope ---------------------------------------------------------------------


def test_an_account_connected_without_the_scope_is_told_to_log_in_again(
    cli, shop, app_home
) -> None:
    # A login by an etsysync that did not ask for transactions_r (its recorded scopes).
    conn = sqlite3.connect(app_home / "etsysync.db")
    with conn:
        conn.execute("UPDATE accounts SET scopes = 'listings_r listings_w shops_r'")
    conn.close()
    shop.buy("MUG-1")
    before = len(shop.sandbox.request_log())

    result = cli("sales")

    assert result.exit_code == 4, result.stderr
    assert RELOGIN in " ".join(result.stderr.split())
    assert etsy_requests(shop.sandbox, before) == []  # refused before any request
    assert cli("sales", "--no-read").exit_code == 0  # what is recorded can still be shown


def test_a_token_without_the_scope_is_told_to_log_in_again(cli, shop) -> None:
    # etsy-api.md §10.5: a token without the scope gets {"error": "insufficient_scope"} (403
    # here; Etsy has also answered 401). The account's record says it has the scope.
    with shop.sandbox.state.lock:
        tokens = [*shop.sandbox.state.access_tokens.values()]
        tokens += [*shop.sandbox.state.refresh_tokens.values()]
        for record in tokens:
            record.scopes = [s for s in record.scopes if s != "transactions_r"]

    result = cli("sales")

    assert result.exit_code == 4, result.stderr
    words = " ".join(result.stderr.split())
    assert RELOGIN in words and "insufficient_scope" in words
