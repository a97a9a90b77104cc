"""Sales in the sandbox: a buyer's `POST /_sandbox/purchase`, a seller's cancel, and
getShopReceipts reading them back (issue 15's "Sandbox" contract; etsy-api.md §10.17)."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import ALL_SCOPES, error, fields
from tests.pacing import fast_config

from etsysync_cli.sandbox import (
    OTHER_SHOP_ID,
    OTHER_USER_ID,
    READINESS_STATE_ID,
    SELLER_SHOP_ID,
    SELLER_USER_ID,
    SandboxServer,
)
from etsysync_cli.sandbox.wire import ApiError

RECEIPTS = f"/shops/{SELLER_SHOP_ID}/receipts"
SALES_SCOPES = (*ALL_SCOPES, "transactions_r")


@pytest.fixture
def sales_api(api, sandbox):
    """The seller's client, with a token that may read sales."""
    return api.as_token(sandbox.issue_token(scopes=SALES_SCOPES)["access_token"])


@pytest.fixture
def listing(sandbox) -> dict[str, Any]:
    return sandbox.create_listing_direct(state="active", images=1, quantity=5, price="12.50")


def colours(api, listing_id: int, red: int = 3, blue: int = 2) -> None:
    """Give a listing two colours with their own SKU, price and quantity."""

    def product(colour: str, price: float, quantity: int) -> dict[str, Any]:
        value = {"property_id": 513, "property_name": "Colour", "value_ids": [], "values": [colour]}
        offering = {"price": price, "quantity": quantity, "is_enabled": True}
        offering["readiness_state_id"] = READINESS_STATE_ID
        return {"sku": f"MUG-{colour.upper()}", "property_values": [value], "offerings": [offering]}

    body = {
        "products": [product("Red", 12.5, red), product("Blue", 14.0, blue)],
        "price_on_property": [513],
        "quantity_on_property": [513],
        "sku_on_property": [513],
    }
    response = api.put(f"/listings/{listing_id}/inventory", json=body)
    assert response.status_code == 200, response.text


def buy(client, **body: Any):
    return client.post("/_sandbox/purchase", json=body)


def offerings(client, listing_id: int) -> dict[str, int]:
    """SKU -> quantity, as the inspection API shows the listing."""
    found = client.get("/_sandbox/listings").json()["results"]
    snapshot = next(x for x in found if x["listing_id"] == listing_id)
    return {
        p["sku"]: p["offerings"][0]["quantity"]
        for p in snapshot["inventory"]["products"]
        if not p["is_deleted"]
    }


def receipts(api, **params: Any) -> dict[str, Any]:
    response = api.get(RECEIPTS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- POST /_sandbox/purchase --------------------------------------------------------------------


def test_a_purchase_lowers_the_quantity_and_answers_the_receipt(client, api, listing) -> None:
    response = buy(client, listing_id=listing["listing_id"], quantity=2)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"receipt_id", "transaction_id"}
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert read["quantity"] == 3
    assert read["state"] == "active"


def test_a_purchase_of_one_variant_lowers_only_that_offering(
    client, api, sales_api, sandbox, listing
) -> None:
    colours(api, listing["listing_id"], red=3, blue=2)
    response = buy(client, listing_id=listing["listing_id"], sku="MUG-BLUE", quantity=1)
    assert response.status_code == 201, response.text
    assert offerings(client, listing["listing_id"]) == {"MUG-RED": 3, "MUG-BLUE": 1}
    (receipt,) = receipts(sales_api)["results"]
    (transaction,) = receipt["transactions"]
    assert transaction["transaction_id"] == response.json()["transaction_id"]
    assert transaction["sku"] == "MUG-BLUE"
    assert transaction["quantity"] == 1
    assert transaction["price"] == {"amount": 1400, "divisor": 100, "currency_code": "USD"}
    inventory = api.get(f"/listings/{listing['listing_id']}/inventory").json()
    blue = next(p for p in inventory["products"] if p["sku"] == "MUG-BLUE")
    assert transaction["product_id"] == blue["product_id"]
    assert transaction["variations"] == [
        {
            "property_id": 513,
            "value_id": blue["property_values"][0]["value_ids"][0],
            "formatted_name": "Colour",
            "formatted_value": "Blue",
            "question_id": None,
        }
    ]


def test_a_listing_sells_out_when_its_last_unit_is_bought(client, api, sandbox, listing) -> None:
    """etsy-api.md §10.17: a listing whose quantity reaches 0 becomes sold_out."""
    assert buy(client, listing_id=listing["listing_id"], quantity=5).status_code == 201
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert (read["state"], read["quantity"]) == ("sold_out", 0)
    sold_out = api.get(f"/shops/{SELLER_SHOP_ID}/listings", params={"state": "sold_out"}).json()
    assert [x["listing_id"] for x in sold_out["results"]] == [listing["listing_id"]]
    again = buy(client, listing_id=listing["listing_id"], quantity=1)
    assert again.status_code == 409
    assert "sold_out" in error(again)


def test_a_listing_with_variants_sells_out_only_when_all_are_gone(
    client, api, sandbox, listing
) -> None:
    colours(api, listing["listing_id"], red=1, blue=1)
    assert buy(client, listing_id=listing["listing_id"], sku="MUG-RED").status_code == 201
    assert api.get(f"/listings/{listing['listing_id']}").json()["state"] == "active"
    gone = buy(client, listing_id=listing["listing_id"], sku="MUG-RED")
    assert gone.status_code == 409  # that variant has none left
    assert buy(client, listing_id=listing["listing_id"], sku="MUG-BLUE").status_code == 201
    assert api.get(f"/listings/{listing['listing_id']}").json()["state"] == "sold_out"


def test_buying_more_than_there_is_is_a_409_and_changes_nothing(
    client, api, sales_api, sandbox, listing
) -> None:
    response = buy(client, listing_id=listing["listing_id"], quantity=6)
    assert response.status_code == 409
    assert "Not enough quantity" in error(response)
    assert "5 left" in error(response)
    assert api.get(f"/listings/{listing['listing_id']}").json()["quantity"] == 5
    assert receipts(sales_api)["count"] == 0
    assert sandbox.state.stats["purchases"] == 0


def test_only_an_active_listing_can_be_bought(client, sandbox) -> None:
    for state in ("draft", "inactive", "expired"):
        listing = sandbox.create_listing_direct(state=state, images=1, quantity=3)
        response = buy(client, listing_id=listing["listing_id"])
        assert response.status_code == 409, state
        assert f"it is {state}, not active" in error(response)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 400, "'listing_id' is required"),
        ({"listing_id": "1"}, 400, "Expected int value for 'listing_id'"),
        ({"listing_id": True}, 400, "Expected int value for 'listing_id'"),
        ({"listing_id": 4100000001, "quantity": 0}, 400, "'quantity' must be at least 1"),
        ({"listing_id": 4100000001, "quantity": 1.5}, 400, "Expected int value for 'quantity'"),
        ({"listing_id": 4100000001, "sku": 7}, 400, "Expected string value for 'sku'"),
        ({"listing_id": 999}, 404, "Could not find a listing with listing_id = 999"),
        ({"listing_id": 4100000001, "sku": "NOPE"}, 404, "no offering with SKU 'NOPE'"),
    ],
)
def test_a_bad_purchase_is_refused(client, listing, body, status, words) -> None:
    assert listing["listing_id"] == 4100000001  # the first id the sandbox gives
    response = buy(client, **body)
    assert response.status_code == status, response.text
    assert words in error(response)


def test_a_body_that_is_not_json_is_a_400(client) -> None:
    response = client.post("/_sandbox/purchase", content=b"listing_id=1")
    assert response.status_code == 400
    assert "not valid JSON" in error(response)


def test_the_sku_is_required_when_several_offerings_are_for_sale(client, api, listing) -> None:
    colours(api, listing["listing_id"])
    response = buy(client, listing_id=listing["listing_id"])
    assert response.status_code == 400
    assert "give the sku" in error(response)


def test_purchases_are_not_etsy_requests(client, sandbox, listing) -> None:
    """Like the inspection routes: no key, no quota, not in the request log; POST only on
    the two action routes."""
    sandbox.clear_request_log()
    used = sandbox.limiter.usage()["used_today"]
    assert buy(client, listing_id=listing["listing_id"]).status_code == 201
    assert sandbox.request_log() == []
    assert sandbox.limiter.usage()["used_today"] == used
    assert client.get("/_sandbox/purchase").status_code == 404
    assert client.post("/_sandbox/listings", json={}).status_code == 404
    assert client.put("/_sandbox/purchase", json={}).status_code == 404


def test_a_sale_that_leaves_stock_renews_the_listing_for_the_fee(client, sandbox, listing) -> None:
    """etsy-api.md §10.17: a multi-quantity listing auto-renews after a sale ($0.20); one that
    sells out does not renew (nothing is left to list)."""
    fees = sandbox.state.stats["publish_fees"]
    assert buy(client, listing_id=listing["listing_id"], quantity=2).status_code == 201
    assert sandbox.state.stats["publish_fees"] == fees + 20
    assert sandbox.state.stats["sale_renewals"] == 1
    assert buy(client, listing_id=listing["listing_id"], quantity=3).status_code == 201
    assert sandbox.state.stats["publish_fees"] == fees + 20  # sold out: no renewal


def test_in_process_purchase_and_cancel(sandbox, listing) -> None:
    bought = sandbox.purchase(listing["listing_id"], quantity=2)
    assert set(bought) == {"receipt_id", "transaction_id"}
    with pytest.raises(ApiError) as refused:
        sandbox.purchase(listing["listing_id"], quantity=4)
    assert refused.value.status == 409
    receipt = sandbox.cancel_receipt(bought["receipt_id"])
    assert receipt["status"] == "canceled"


# --- cancel -------------------------------------------------------------------------------------


def test_a_cancelled_receipt_keeps_its_units_sold(client, api, sales_api, sandbox, listing) -> None:
    """etsy-api.md §10.17 leaves restocking open; the sandbox does not restock (U), as
    Etsy's help says a cancelled sold-out item does not come back to the shop."""
    bought = buy(client, listing_id=listing["listing_id"], quantity=2).json()
    sandbox.config.clock_offset = 60  # the seller cancels a minute later
    response = client.post(f"/_sandbox/receipts/{bought['receipt_id']}/cancel")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["status"] == "canceled"
    assert receipt["is_paid"] is True  # paid, then refunded: the payment stays on record
    assert receipt["updated_timestamp"] >= receipt["created_timestamp"] + 60
    assert receipt["update_timestamp"] == receipt["updated_timestamp"]
    assert api.get(f"/listings/{listing['listing_id']}").json()["quantity"] == 3
    assert receipts(sales_api)["results"][0]["status"] == "canceled"


def test_cancelling_twice_or_an_unknown_receipt_is_refused(client, listing) -> None:
    bought = buy(client, listing_id=listing["listing_id"]).json()
    path = f"/_sandbox/receipts/{bought['receipt_id']}/cancel"
    assert client.post(path).status_code == 200
    twice = client.post(path)
    assert twice.status_code == 409
    assert "already canceled" in error(twice)
    unknown = client.post("/_sandbox/receipts/12345/cancel")
    assert unknown.status_code == 404
    assert "receipt_id = 12345" in error(unknown)


# --- getShopReceipts ----------------------------------------------------------------------------


def test_receipts_have_the_oas_fields(client, api, sales_api, listing) -> None:
    colours(api, listing["listing_id"])
    buy(client, listing_id=listing["listing_id"], sku="MUG-RED", quantity=2)
    body = receipts(sales_api)
    assert set(body) == fields("ShopReceipts")
    (receipt,) = body["results"]
    assert set(receipt) == fields("ShopReceipt")
    (transaction,) = receipt["transactions"]
    assert set(transaction) == fields("ShopReceiptTransaction")
    assert set(transaction["variations"][0]) == fields("TransactionVariations")
    assert set(transaction["product_data"][0]) == fields("ListingPropertyValue")
    for name in ("grandtotal", "subtotal", "total_price", "total_shipping_cost"):
        assert set(receipt[name]) == fields("Money")
    assert receipt["total_price"]["amount"] == 2500  # 2 x 12.50
    assert receipt["grandtotal"] == receipt["total_price"]
    assert (receipt["status"], receipt["is_paid"], receipt["is_shipped"]) == ("paid", True, False)
    assert receipt["seller_user_id"] == SELLER_USER_ID
    assert receipt["buyer_user_id"] not in (SELLER_USER_ID, OTHER_USER_ID)
    assert transaction["receipt_id"] == receipt["receipt_id"]
    assert transaction["listing_id"] == listing["listing_id"]
    assert transaction["listing_image_id"] == listing["images"][0]["listing_image_id"]


def test_a_transaction_keeps_the_listing_as_it_was_sold(client, sales_api, sandbox) -> None:
    listing = sandbox.create_listing_direct(
        state="active", images=1, quantity=3, title="Father's Day mug"
    )
    buy(client, listing_id=listing["listing_id"])
    sandbox.seller_edit(listing["listing_id"], title="Another title")
    (transaction,) = receipts(sales_api)["results"][0]["transactions"]
    assert transaction["title"] == "Father&#39;s Day mug"  # escaped like listings (§10.1)


def test_receipts_page_newest_first(client, sales_api, sandbox, listing) -> None:
    ids = []
    for n in range(5):
        sandbox.config.clock_offset = n * 10
        ids.append(buy(client, listing_id=listing["listing_id"]).json()["receipt_id"])
    first = receipts(sales_api, limit=2)
    assert first["count"] == 5
    assert [r["receipt_id"] for r in first["results"]] == [ids[4], ids[3]]
    rest = receipts(sales_api, limit=2, offset=4)
    assert [r["receipt_id"] for r in rest["results"]] == [ids[0]]
    ascending = receipts(sales_api, sort_order="asc")
    assert [r["receipt_id"] for r in ascending["results"]] == ids
    assert [r["receipt_id"] for r in receipts(sales_api, sort_order="up")["results"]] == ids
    by_id = receipts(sales_api, sort_on="receipt_id", sort_order="descending")
    assert [r["receipt_id"] for r in by_id["results"]] == ids[::-1]


def test_receipts_default_to_25_a_page(client, sales_api, sandbox) -> None:
    listing = sandbox.create_listing_direct(state="active", images=1, quantity=40)
    for _ in range(27):
        buy(client, listing_id=listing["listing_id"])
    body = receipts(sales_api)
    assert (body["count"], len(body["results"])) == (27, 25)
    assert len(receipts(sales_api, limit=100)["results"]) == 27


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": 101}, "/limit : must be <= 100"),
        ({"limit": 0}, "/limit : must be >= 1"),
        ({"offset": -1}, "/offset : must be >= 0"),
        ({"min_created": 5}, "/min_created : must be >= 946684800"),
        ({"min_last_modified": "yesterday"}, "Expected int value for 'min_last_modified'"),
        ({"sort_on": "price"}, "Invalid value (price)"),
        ({"sort_order": "sideways"}, "Invalid value (sideways)"),
        ({"was_paid": "maybe"}, "was_paid"),
    ],
)
def test_bad_receipt_parameters_are_a_400(sales_api, params, words) -> None:
    response = sales_api.get(RECEIPTS, params=params)
    assert response.status_code == 400
    assert words in error(response)


def test_receipts_filter_by_creation_and_modification(client, sales_api, sandbox, listing) -> None:
    """min_last_modified sees a receipt cancelled after the last read, as a sales reader needs
    (etsy-api.md §10.17); min_created/max_created bound the creation time."""
    now = int(sandbox.state.now())
    old = buy(client, listing_id=listing["listing_id"]).json()["receipt_id"]
    sandbox.config.clock_offset = 100
    new = buy(client, listing_id=listing["listing_id"]).json()["receipt_id"]
    read_at = now + 100
    sandbox.config.clock_offset = 200
    assert client.post(f"/_sandbox/receipts/{old}/cancel").status_code == 200

    def ids(**params: Any) -> list[int]:
        return [r["receipt_id"] for r in receipts(sales_api, **params)["results"]]

    assert ids(min_created=read_at) == [new]
    assert ids(max_created=read_at - 1) == [old]
    assert ids(min_last_modified=read_at + 1) == [old]  # the cancel changed it
    assert ids(max_last_modified=read_at + 50) == [new]
    assert ids(sort_on="updated") == [old, new]
    assert ids(was_canceled="true") == [old]
    assert ids(was_canceled="false") == [new]
    assert ids(was_paid="true", sort_order="asc") == [old, new]
    assert ids(was_paid="false") == []
    assert ids(was_shipped="false", sort_order="asc") == [old, new]
    assert ids(was_shipped="true") == []


def test_receipts_need_transactions_r(api, sandbox) -> None:
    """The spec's security for getShopReceipts is transactions_r; a token without it gets
    insufficient_scope, a call without a bearer names the scope (etsy-api.md §10.5)."""
    without = api.get(RECEIPTS)  # the fixture's token has no transactions_r
    assert without.status_code == 403
    assert error(without) == "insufficient_scope"
    no_bearer = api.as_token(None).get(RECEIPTS)
    assert no_bearer.status_code == 401
    assert "requires scope: transactions_r" in error(no_bearer)


def test_receipts_are_the_shop_owners_only(api, sandbox, client, listing) -> None:
    buy(client, listing_id=listing["listing_id"])
    other = api.as_token(sandbox.issue_token(OTHER_USER_ID, SALES_SCOPES)["access_token"])
    refused = other.get(RECEIPTS)
    assert refused.status_code == 403
    assert error(refused) == f"User does not own Shop {SELLER_SHOP_ID}"
    # Their own shop has no sales: the seller's receipt is not in it.
    assert other.get(f"/shops/{OTHER_SHOP_ID}/receipts").json() == {"count": 0, "results": []}
    unknown = other.get("/shops/1234/receipts")
    assert unknown.status_code == 404


def test_receipts_survive_a_restart(tmp_path) -> None:
    config = fast_config(state_file=tmp_path / "state.json")
    with SandboxServer(config) as sandbox:
        listing = sandbox.create_listing_direct(state="active", images=1, quantity=3)
        bought = sandbox.purchase(listing["listing_id"], quantity=2)
        sandbox.cancel_receipt(bought["receipt_id"])
    with SandboxServer(fast_config(state_file=tmp_path / "state.json")) as again:
        receipt = again.state.receipts[bought["receipt_id"]]
        assert receipt.status == "canceled"
        assert receipt.transactions[0].quantity == 2
        later = again.purchase(listing["listing_id"])
        assert later["receipt_id"] > bought["receipt_id"]  # ids carry on, never reused
