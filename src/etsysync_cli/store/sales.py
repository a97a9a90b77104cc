"""Sales read from Etsy (migration 0004, issue 15): the `sales` and `sales_cursors` tables.

One row per Etsy transaction (one line of an order) of a linked listing, unique per account, so
reading the same receipts again changes nothing: a row is rewritten only when Etsy's facts about
it changed (paid, cancelled, quantity), and then `updated_at` moves. The cursor is the newest
receipt `updated_timestamp` read, on Etsy's clock; the next read starts a little before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.store.db import Store


@dataclass(frozen=True)
class Sale:
    """One transaction as Etsy reported it, with the store's product its listing is linked to."""

    transaction_id: int
    receipt_id: int
    listing_id: int
    product_id: str
    etsy_product_id: int | None
    sku: str | None
    quantity: int
    sold_at: str  # ISO 8601 UTC
    paid: bool
    cancelled: bool
    receipt_updated: int | None = None
    first_seen_at: str | None = None
    updated_at: str | None = None
    written_back_at: str | None = None
    write_back_error: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Sale:
        return cls(
            transaction_id=row["transaction_id"],
            receipt_id=row["receipt_id"],
            listing_id=row["listing_id"],
            product_id=row["product_id"],
            etsy_product_id=row["etsy_product_id"],
            sku=row["sku"],
            quantity=row["quantity"],
            sold_at=row["sold_at"],
            paid=bool(row["paid"]),
            cancelled=bool(row["cancelled"]),
            receipt_updated=row["receipt_updated"],
            first_seen_at=row["first_seen_at"],
            updated_at=row["updated_at"],
            written_back_at=row["written_back_at"],
            write_back_error=row["write_back_error"],
        )


@dataclass(frozen=True)
class Recorded:
    """What recording a read changed: rows added, rows whose facts changed, and of those the
    ones newly cancelled."""

    new: int = 0
    updated: int = 0
    cancelled: int = 0
    new_units: int = 0


@dataclass(frozen=True)
class SkuSales:
    """The sales of one SKU (one variant of one product) in a period."""

    product_id: str
    sku: str | None
    listing_id: int
    units_sold: int  # not cancelled
    units_cancelled: int
    transactions: int
    last_sold_at: str | None


def record(store: Store, account_id: int, sales: Iterable[Sale]) -> Recorded:
    """Add the sales not seen before and update those whose facts changed, in one transaction.

    A sale seen again with the same facts is left exactly as it is (no write at all), so that
    reading a window twice changes nothing. The linked product stays the one recorded first."""
    now = isoformat(utcnow())
    new = updated = cancelled = new_units = 0
    with store.atomic() as db:
        for sale in sales:
            row = db.execute(
                "SELECT paid, cancelled, quantity FROM sales "
                "WHERE account_id = ? AND transaction_id = ?",
                [account_id, sale.transaction_id],
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO sales (account_id, transaction_id, receipt_id, listing_id, "
                    "product_id, etsy_product_id, sku, quantity, sold_at, paid, cancelled, "
                    "receipt_updated, first_seen_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        account_id,
                        sale.transaction_id,
                        sale.receipt_id,
                        sale.listing_id,
                        sale.product_id,
                        sale.etsy_product_id,
                        sale.sku,
                        sale.quantity,
                        sale.sold_at,
                        int(sale.paid),
                        int(sale.cancelled),
                        sale.receipt_updated,
                        now,
                        now,
                    ],
                )
                new += 1
                new_units += sale.quantity
                continue
            paid, was_cancelled, quantity = bool(row[0]), bool(row[1]), row[2]
            if (paid, was_cancelled, quantity) == (sale.paid, sale.cancelled, sale.quantity):
                continue
            # Facts changed (a cancel, say): what the store holds of the sale must follow, so
            # its write-back is due again (a cancel undoes it; see flows/sales.write_back).
            db.execute(
                "UPDATE sales SET paid = ?, cancelled = ?, quantity = ?, receipt_updated = ?, "
                "updated_at = ?, written_back_at = NULL WHERE account_id = ? AND "
                "transaction_id = ?",
                [
                    int(sale.paid),
                    int(sale.cancelled),
                    sale.quantity,
                    sale.receipt_updated,
                    now,
                    account_id,
                    sale.transaction_id,
                ],
            )
            if sale.cancelled and not was_cancelled:
                cancelled += 1
            else:
                updated += 1
    return Recorded(new=new, updated=updated, cancelled=cancelled, new_units=new_units)


def cursor(store: Store, account_id: int) -> int | None:
    """The newest receipt change read for this account (Etsy's epoch seconds), if any."""
    row = store.db.execute(
        "SELECT last_modified FROM sales_cursors WHERE account_id = ?", [account_id]
    ).fetchone()
    return int(row[0]) if row else None


def save_cursor(store: Store, account_id: int, last_modified: int) -> None:
    """Move the cursor forward (never back: a read that saw less does not undo one that saw
    more)."""
    with store.atomic() as db:
        db.execute(
            "INSERT INTO sales_cursors (account_id, last_modified, read_at) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET "
            "last_modified = max(last_modified, excluded.last_modified), "
            "read_at = excluded.read_at",
            [account_id, last_modified, isoformat(utcnow())],
        )


def first_sync_at(store: Store, account_id: int) -> datetime | None:
    """When etsysync first put something on this shop: the earliest sync of a linked listing or
    the earliest start of a job; for links that never synced (adopted), when they were made.
    None when nothing of the shop is linked: there is then no sale etsysync would record."""
    if not _has_links(store, account_id):
        return None
    row = store.db.execute(
        "SELECT min(t) FROM ("
        " SELECT min(last_synced_at) AS t FROM product_links"
        "  WHERE account_id = ? AND etsy_listing_id IS NOT NULL"
        " UNION ALL SELECT min(started_at) FROM sync_jobs WHERE account_id = ?"
        ") WHERE t IS NOT NULL",
        [account_id, account_id],
    ).fetchone()
    found = row[0] if row else None
    if found is None:
        row = store.db.execute(
            "SELECT min(updated_at) FROM product_links "
            "WHERE account_id = ? AND etsy_listing_id IS NOT NULL",
            [account_id],
        ).fetchone()
        found = row[0] if row else None
    return parse_time(found)


def _has_links(store: Store, account_id: int) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM product_links WHERE account_id = ? AND etsy_listing_id IS NOT NULL LIMIT 1",
        [account_id],
    ).fetchone()
    return row is not None


def sales(store: Store, account_id: int, since: str | None = None) -> list[Sale]:
    """The recorded sales sold at or after `since` (ISO), oldest first."""
    where, args = _period(account_id, since)
    return [
        Sale.from_row(row)
        for row in store.db.query(
            f"SELECT * FROM sales WHERE {where} ORDER BY sold_at, transaction_id", args
        )
    ]


def by_sku(store: Store, account_id: int, since: str | None = None) -> list[SkuSales]:
    """Units sold and cancelled per product and SKU, by product and SKU."""
    where, args = _period(account_id, since)
    rows = store.db.query(
        "SELECT product_id, sku, max(listing_id) AS listing_id, "
        "sum(CASE WHEN cancelled THEN 0 ELSE quantity END) AS units_sold, "
        "sum(CASE WHEN cancelled THEN quantity ELSE 0 END) AS units_cancelled, "
        "count(*) AS transactions, "
        "max(CASE WHEN cancelled THEN NULL ELSE sold_at END) AS last_sold_at "
        f"FROM sales WHERE {where} GROUP BY product_id, sku "
        "ORDER BY product_id, coalesce(sku, '')",
        args,
    )
    return [
        SkuSales(
            product_id=row["product_id"],
            sku=row["sku"],
            listing_id=row["listing_id"],
            units_sold=row["units_sold"],
            units_cancelled=row["units_cancelled"],
            transactions=row["transactions"],
            last_sold_at=row["last_sold_at"],
        )
        for row in rows
    ]


def _period(account_id: int, since: str | None) -> tuple[str, list[Any]]:
    if since is None:
        return "account_id = ?", [account_id]
    return "account_id = ? AND sold_at >= ?", [account_id, since]


# --- the write-back into the store ---------------------------------------------------------------


def due_write_backs(store: Store, account_id: int, limit: int = 500) -> list[Sale]:
    """Sales the store does not hold yet (or whose cancel it has not undone), oldest first."""
    return [
        Sale.from_row(row)
        for row in store.db.query(
            "SELECT * FROM sales WHERE account_id = ? AND written_back_at IS NULL "
            "ORDER BY sold_at, transaction_id LIMIT ?",
            [account_id, limit],
        )
    ]


def mark_intent(store: Store, account_id: int, transaction_ids: Iterable[int]) -> None:
    """Recorded (and committed) before the store is written: a run killed after the write and
    before `mark_written` is known to have tried, and the store is checked before writing."""
    now = isoformat(utcnow())
    with store.atomic() as db:
        for transaction_id in transaction_ids:
            db.execute(
                "UPDATE sales SET write_back_intent_at = ? WHERE account_id = ? AND "
                "transaction_id = ?",
                [now, account_id, transaction_id],
            )


def mark_written(store: Store, account_id: int, outcomes: Iterable[tuple[int, str | None]]) -> None:
    """Each (transaction id, error): None means the store now holds the sale as it is."""
    now = isoformat(utcnow())
    with store.atomic() as db:
        for transaction_id, error in outcomes:
            db.execute(
                "UPDATE sales SET written_back_at = ?, write_back_error = ? "
                "WHERE account_id = ? AND transaction_id = ?",
                [None if error else now, error, account_id, transaction_id],
            )


def write_back_failures(store: Store, account_id: int) -> int:
    row = store.db.execute(
        "SELECT count(*) FROM sales WHERE account_id = ? AND written_back_at IS NULL "
        "AND write_back_error IS NOT NULL",
        [account_id],
    ).fetchone()
    return int(row[0])
