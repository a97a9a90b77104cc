"""Sales: a buyer's purchase and a seller's cancellation (under `/_sandbox/`, not Etsy's API),
and `getShopReceipts`, which reads them back as Etsy's ShopReceipt objects.

What a sale does follows etsy-api.md §10.17: it lowers the bought offering's quantity; a listing
whose quantity reaches 0 becomes `sold_out`; a multi-quantity listing that still has stock
renews after the sale ($0.20, etsy.com/legal/fees). Each purchase is one paid receipt with one
transaction (ShopReceipt / ShopReceiptTransaction in etsy-oas.json).
"""

from __future__ import annotations

from typing import Any

from etsysync_cli.sandbox.access import limit_offset, listing_or_404, owned_shop, query_int
from etsysync_cli.sandbox.listings import LISTING_LIFETIME, PUBLISH_FEE
from etsysync_cli.sandbox.render import etsy_escape, listing_quantity, live_offerings
from etsysync_cli.sandbox.rules import check_enum, to_bool
from etsysync_cli.sandbox.seed import BUYER_NAME, BUYER_USER_ID, money
from etsysync_cli.sandbox.state import (
    Listing,
    Offering,
    Product,
    Receipt,
    SandboxState,
    Transaction,
)
from etsysync_cli.sandbox.wire import (
    Request,
    Response,
    bad_request,
    conflict,
    json_response,
    not_found,
)

PAID = "paid"
CANCELED = "canceled"  # the OAS enum of ShopReceipt.status spells it so, lower case
SORT_ON = ("created", "updated", "receipt_id")
SORT_ORDER = ("asc", "ascending", "desc", "descending", "up", "down")
ASCENDING = ("asc", "ascending", "up")
MIN_TIMESTAMP = 946684800  # the OAS minimum of every timestamp filter (2000-01-01)
_FLAGS = ("was_paid", "was_shipped", "was_canceled", "was_delivered")
_FILTERS = ("min_created", "max_created", "min_last_modified", "max_last_modified")
# (U) The sandbox's buyer ships to one made-up address; Etsy hides real ones in some regions.
_ADDRESS = {
    "first_line": "1 Sandbox Lane",
    "second_line": None,
    "city": "Portland",
    "state": "OR",
    "zip": "97201",
    "country_iso": "US",
}
_FORMATTED_ADDRESS = f"{BUYER_NAME}\n1 Sandbox Lane\nPORTLAND, OR 97201\nUnited States"


# --- a buyer buys -------------------------------------------------------------------------------


def purchase(state: SandboxState, body: Any) -> dict[str, int]:
    """Buy as a buyer would: `{"listing_id", "sku" (or "product_id"), "quantity"}`.

    Everything is checked before anything changes, so a refused purchase (400, 404, 409)
    leaves the shop as it was. Returns `{"receipt_id", "transaction_id"}`.
    """
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    listing_id = _positive_int(body, "listing_id")
    if listing_id is None:
        raise bad_request("'listing_id' is required.")
    quantity = _positive_int(body, "quantity") or 1
    product_id = _positive_int(body, "product_id")
    sku = body.get("sku")
    if sku is not None and not isinstance(sku, str):
        raise bad_request(f"Expected string value for 'sku' (got {sku!r}).")
    listing = listing_or_404(state, listing_id)
    if listing.state != "active":
        # Only an active listing is on sale: drafts, inactive, sold-out and expired ones have
        # no buy button on etsy.com.
        raise conflict(f"Listing {listing_id} cannot be bought: it is {listing.state}, not active.")
    product, offering = _offering(listing, sku, product_id)
    if not offering.is_enabled:
        raise conflict(f"{_label(listing, product)} is not for sale: its offering is disabled.")
    if quantity > offering.quantity:
        raise conflict(
            f"Not enough quantity: {_label(listing, product)} has {offering.quantity} left, "
            f"{quantity} asked for."
        )

    now = int(state.now())
    offering.quantity -= quantity
    # (U) Etsy's listing updated_timestamp after a sale is not on record; the quantity the
    # listing shows changed, so the sandbox counts it as a change of the listing.
    listing.updated_timestamp = now
    if listing_quantity(listing) == 0:
        listing.state = "sold_out"  # etsy-api.md §10.17
        listing.state_timestamp = now
    else:
        # etsy-api.md §10.17: a multi-quantity listing renews after a sale, for the listing fee.
        # (U) Whether a sale of several units renews once or once per unit: once here.
        state.bump("sale_renewals")
        state.bump("publish_fees", PUBLISH_FEE)
        listing.ending_timestamp = now + LISTING_LIFETIME
    receipt = Receipt(
        receipt_id=state.next_id("receipt"),
        shop_id=listing.shop_id,
        seller_user_id=listing.user_id,
        buyer_user_id=BUYER_USER_ID,
        currency_code=str(state.seed.shops[listing.shop_id]["currency_code"]),
        status=PAID,  # the sandbox's buyer pays at checkout, as with Etsy Payments
        is_paid=True,
        is_shipped=False,
        created_timestamp=now,
        updated_timestamp=now,
    )
    transaction = Transaction(
        transaction_id=state.next_id("transaction"),
        listing_id=listing.listing_id,
        product_id=product.product_id,
        sku=product.sku,
        quantity=quantity,
        price=offering.price,
        title=listing.title,
        description=listing.description,
        is_digital=listing.listing_type != "physical",
        listing_image_id=listing.image_ids[0] if listing.image_ids else None,
        shipping_profile_id=listing.shipping_profile_id,
        readiness_state_id=offering.readiness_state_id or listing.readiness_state_id,
        property_values=[v.copy() for v in product.property_values],
        created_timestamp=now,
    )
    receipt.transactions.append(transaction)
    state.receipts[receipt.receipt_id] = receipt
    state.bump("purchases")
    state.save()
    return {"receipt_id": receipt.receipt_id, "transaction_id": transaction.transaction_id}


def cancel(state: SandboxState, receipt_id: int) -> dict[str, Any]:
    """The seller cancels an order on etsy.com: the receipt becomes `canceled`.

    (U) Whether Etsy puts a cancelled order's units back on the listing is not on record
    (etsy-api.md §10.17). The sandbox does not restock: Etsy's help page on cancelling a sale
    says "Canceling a sold-out item doesn't put the item back in your shop, but you can quickly
    renew it" (help.etsy.com, article 115015587347), and a seller who wants the units back sets
    the quantity again. `is_paid` stays as it was: the buyer's refund does not undo the payment
    (U), and the receipt's `refunds` stay empty (U).
    """
    receipt = state.receipts.get(receipt_id)
    if receipt is None:
        raise not_found(f"Could not find a receipt with receipt_id = {receipt_id}")
    if receipt.status == CANCELED:
        raise conflict(f"Receipt {receipt_id} is already canceled.")
    receipt.status = CANCELED
    receipt.updated_timestamp = int(state.now())
    state.bump("receipts_canceled")
    state.save()
    return render_receipt(state, receipt)


def _positive_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"Expected int value for '{name}' (got {value!r}).")
    if value < 1:
        raise bad_request(f"'{name}' must be at least 1 (got {value}).")
    return value


def _offering(
    listing: Listing, sku: str | None, product_id: int | None
) -> tuple[Product, Offering]:
    """The offering the buyer picked: by product id, by SKU, or the only one for sale."""
    live = live_offerings(listing.inventory)
    lid = listing.listing_id
    if product_id is not None:
        found = [(p, o) for p, o in live if p.product_id == product_id]
        if not found:
            raise not_found(f"Listing {lid} has no product with product_id = {product_id}.")
    elif sku is not None:
        found = [(p, o) for p, o in live if p.sku == sku]
        if not found:
            raise not_found(f"Listing {lid} has no offering with SKU '{sku}'.")
        enabled = [(p, o) for p, o in found if o.is_enabled]
        if len(enabled) > 1:
            # One SKU for every variation (sku_on_property empty): the SKU picks nothing.
            raise bad_request(
                f"SKU '{sku}' names {len(enabled)} offerings of listing {lid}; "
                "give the product_id of the one to buy."
            )
        found = enabled or found
    else:
        found = [(p, o) for p, o in live if o.is_enabled]
        if len(found) > 1:
            raise bad_request(
                f"Listing {lid} has {len(found)} offerings for sale: give the sku of the one "
                "to buy."
            )
        found = found or live
        if not found:
            raise conflict(f"Listing {lid} has nothing for sale.")
    product, offering = found[0]
    return product, offering


def _label(listing: Listing, product: Product) -> str:
    return f"listing {listing.listing_id}" + (f" SKU '{product.sku}'" if product.sku else "")


# --- getShopReceipts ----------------------------------------------------------------------------


def get_shop_receipts(state: SandboxState, req: Request) -> Response:
    """The shop's receipts, newest first unless asked otherwise, each with its transactions
    embedded (etsy-api.md §10.17); `count` is the total before `limit` (§2)."""
    shop = owned_shop(state, req)
    limit, offset = limit_offset(req)
    bounds = {name: _timestamp(req, name) for name in _FILTERS}
    flags = {name: _flag(req, name) for name in _FLAGS}
    sort_on = check_enum(req.arg("sort_on") or "created", SORT_ON)
    ascending = check_enum(req.arg("sort_order") or "desc", SORT_ORDER) in ASCENDING

    def wanted(r: Receipt) -> bool:
        if not _within(r.created_timestamp, bounds["min_created"], bounds["max_created"]):
            return False
        if not _within(
            r.updated_timestamp, bounds["min_last_modified"], bounds["max_last_modified"]
        ):
            return False
        facts = {
            "was_paid": r.is_paid,
            "was_shipped": r.is_shipped,
            "was_canceled": r.status == CANCELED,
            "was_delivered": False,  # the sandbox never delivers
        }
        return all(flag is None or facts[name] == flag for name, flag in flags.items())

    def key(r: Receipt) -> tuple[int, int]:
        if sort_on == "updated":
            return (r.updated_timestamp, r.receipt_id)
        if sort_on == "receipt_id":
            return (r.receipt_id, r.receipt_id)
        return (r.created_timestamp, r.receipt_id)

    found = sorted(
        (r for r in state.receipts.values() if r.shop_id == shop["shop_id"] and wanted(r)),
        key=key,
        reverse=not ascending,
    )
    results = [render_receipt(state, r) for r in found[offset : offset + limit]]
    return json_response(200, {"count": len(found), "results": results})


def _timestamp(req: Request, name: str) -> int | None:
    if not req.arg(name):
        return None
    return query_int(req, name, 0, MIN_TIMESTAMP, 2**62)


def _flag(req: Request, name: str) -> bool | None:
    raw = req.arg(name)
    return None if raw is None or raw == "" else to_bool(name, raw)


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


# --- rendering ----------------------------------------------------------------------------------


def render_receipt(state: SandboxState, receipt: Receipt) -> dict[str, Any]:
    """A ShopReceipt with the OAS field names, its money in the shop's currency.

    (U) The sandbox charges no shipping, tax or VAT and gives no discounts, so the totals are
    the transactions' price times quantity.
    """
    code = receipt.currency_code
    total = sum(t.price * t.quantity for t in receipt.transactions)
    return {
        "receipt_id": receipt.receipt_id,
        "receipt_type": 0,  # 0: bought on Etsy.com
        "seller_user_id": receipt.seller_user_id,
        "seller_email": None,
        "buyer_user_id": receipt.buyer_user_id,
        "buyer_email": None,  # null unless Etsy granted access (OAS)
        "name": BUYER_NAME,
        **_ADDRESS,
        "status": receipt.status,
        "formatted_address": _FORMATTED_ADDRESS,
        "payment_method": "cc",
        "payment_email": None,
        "message_from_seller": None,
        "message_from_buyer": None,
        "message_from_payment": None,
        "is_paid": receipt.is_paid,
        "is_shipped": receipt.is_shipped,
        "create_timestamp": receipt.created_timestamp,
        "created_timestamp": receipt.created_timestamp,
        "update_timestamp": receipt.updated_timestamp,
        "updated_timestamp": receipt.updated_timestamp,
        "is_gift": False,
        "gift_message": "",
        "gift_sender": "",
        "grandtotal": money(total, code),
        "subtotal": money(total, code),
        "total_price": money(total, code),
        "total_shipping_cost": money(0, code),
        "total_tax_cost": money(0, code),
        "total_vat_cost": money(0, code),
        "discount_amt": money(0, code),
        "gift_wrap_price": money(0, code),
        "shipments": [],
        "transactions": [_render_transaction(state, receipt, t) for t in receipt.transactions],
        "refunds": [],
    }


def _render_transaction(state: SandboxState, receipt: Receipt, t: Transaction) -> dict[str, Any]:
    # (U) Whether Etsy HTML-escapes a transaction's title and description as it does a
    # listing's (etsy-api.md §10.1) is not on record; the sandbox treats them alike.
    text = etsy_escape if state.config.escape_text else str
    profile = (
        state.seed.processing_profile(receipt.shop_id, t.readiness_state_id)
        if t.readiness_state_id is not None
        else None
    )
    min_days = int(profile["min_processing_days"]) if profile else None
    max_days = int(profile["max_processing_days"]) if profile else None
    return {
        "transaction_id": t.transaction_id,
        "title": text(t.title),
        "description": text(t.description),
        "seller_user_id": receipt.seller_user_id,
        "buyer_user_id": receipt.buyer_user_id,
        "create_timestamp": t.created_timestamp,
        "created_timestamp": t.created_timestamp,
        "paid_timestamp": receipt.created_timestamp if receipt.is_paid else None,
        "shipped_timestamp": None,
        "quantity": t.quantity,
        "listing_image_id": t.listing_image_id,
        "receipt_id": receipt.receipt_id,
        "is_digital": t.is_digital,
        "file_data": "",
        "listing_id": t.listing_id,
        "transaction_type": "listing",
        "product_id": t.product_id,
        "sku": t.sku or None,  # (U) null for a product without a SKU
        "price": money(t.price, receipt.currency_code),
        "shipping_cost": money(0, receipt.currency_code),
        "variations": [
            {
                "property_id": v.property_id,
                "value_id": v.value_ids[0] if v.value_ids else None,
                "formatted_name": v.property_name or "",
                "formatted_value": v.values[0] if v.values else "",
                "question_id": None,  # personalization only
            }
            for v in t.property_values
        ],
        "product_data": [
            {
                "property_id": v.property_id,
                "property_name": v.property_name,
                "scale_id": v.scale_id,
                "scale_name": v.scale_name,
                "value_ids": list(v.value_ids),
                "values": list(v.values),
            }
            for v in t.property_values
        ],
        "shipping_profile_id": t.shipping_profile_id,
        "min_processing_days": min_days,
        "max_processing_days": max_days,
        "shipping_method": None,
        "shipping_upgrade": None,
        "expected_ship_date": t.created_timestamp + max_days * 86400 if max_days else None,
        "buyer_coupon": 0,
        "shop_coupon": 0,
    }
