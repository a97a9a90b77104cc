"""Reading the shop's sales from Etsy and recording each exactly once (issue 15).

`read_sales` asks getShopReceipts for the receipts changed since the last read and records
every transaction of a linked listing (store/sales.py). The window:

- the first read starts at the shop's first sync (store/sales.first_sync_at), not at the
  beginning of time: sales before etsysync listed anything are none of its business;
- later reads start at the newest receipt change the last read saw, less `OVERLAP`, on Etsy's
  clock (its `Date` header, `EtsyClient.etsy_time`): a receipt Etsy stamped a little before our
  read but made visible after it is still read. Reading a receipt twice changes nothing, so the
  overlap costs at most a few receipts read again, never a sale counted twice.

One request per 100 receipts changed in the window; none when nothing is linked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from etsysync_cli.accounts.session import Session
from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.config import Settings
from etsysync_cli.errors import EtsyAuthError, ScopeMissingError, UsageError
from etsysync_cli.etsy.client import MAX_PAGE
from etsysync_cli.etsy.models import Receipt
from etsysync_cli.flows.context import Workspace
from etsysync_cli.reports import SaleReport, SalesDocument, SalesReadReport, SkuSalesReport
from etsysync_cli.store import sales as sales_store
from etsysync_cli.store.accounts import Account, find_account
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event, insert_event
from etsysync_cli.store.links import owner_of

SCOPE = "transactions_r"
OVERLAP = timedelta(minutes=10)
EARLIEST = 946684800  # getShopReceipts refuses earlier timestamps (its OAS minimum)
RELOGIN = "run `etsysync auth login` again to allow reading sales"


@dataclass(frozen=True)
class SalesRead:
    new: int = 0
    updated: int = 0
    cancelled: int = 0
    skipped_unlinked: int = 0
    unreadable: int = 0
    requests: int = 0
    window_start: int | None = None  # Etsy epoch seconds

    def report(self) -> SalesReadReport:
        start = self.window_start
        return SalesReadReport(
            new=self.new,
            updated=self.updated,
            cancelled=self.cancelled,
            skipped_unlinked=self.skipped_unlinked,
            unreadable=self.unreadable,
            requests=self.requests,
            window_start=isoformat(datetime.fromtimestamp(start, UTC)) if start else None,
        )


def require_scope(account: Account) -> None:
    """Refuse before any request when the account's login did not ask for `transactions_r`."""
    if SCOPE not in account.scopes:
        raise ScopeMissingError(
            f"shop {account.shop_name} was connected without permission to read its sales "
            f"({SCOPE}): {RELOGIN}"
        )


def read_sales(
    settings: Settings, store: Store, session: Session, *, page_size: int = MAX_PAGE
) -> SalesRead:
    """Read the receipts changed since the last read and record their linked transactions."""
    del settings  # no setting shapes the read yet; kept for the flows' common signature
    account, client = session.account, session.client
    require_scope(account)
    before = client.stats.requests
    if not client.clock_read and sales_store.cursor(store, account.id) is None:
        if sales_store.first_sync_at(store, account.id) is None:
            return SalesRead()
        # The first window is our clock's first sync put on Etsy's clock, so Etsy's clock must
        # be known first: one ping (an hour's skew would otherwise lose the first hour's sales).
        client.ping()
    start = window_start(store, account.id, client.etsy_time)
    if start is None:
        return SalesRead()
    unreadable_before = client.stats.unreadable
    started = utcnow()
    try:
        receipts = list(
            client.iter_shop_receipts(account.shop_id, min_last_modified=start, page_size=page_size)
        )
    except EtsyAuthError as exc:
        if exc.status in (401, 403) and "scope" in (exc.etsy_message or "").lower():
            # Etsy's 403 (or 401) insufficient_scope: the token lacks it though the account's
            # record says otherwise (etsy-api.md §10.5).
            raise ScopeMissingError(
                f"Etsy refused to show the sales of shop {account.shop_name} "
                f"({exc.status} {exc.etsy_message}): {RELOGIN}"
            ) from None
        raise
    found, skipped = _linked_sales(store, account.id, receipts)
    newest = max((r.updated_timestamp or 0 for r in receipts), default=0)
    # Nothing older than the moment the read began can still appear (but for the overlap), so
    # the cursor moves there even when no receipt changed: the next window stays short.
    cursor = max(newest, int(client.etsy_time(started).timestamp()))
    with store.atomic() as db:
        counts = sales_store.record(store, account.id, found)
        sales_store.save_cursor(store, account.id, cursor)
        if counts.new or counts.cancelled:
            insert_event(
                db,
                "sales_read",
                _event_message(account.shop_name, counts),
                account_id=account.id,
                data={
                    "new": counts.new,
                    "units": counts.new_units,
                    "cancelled": counts.cancelled,
                    "updated": counts.updated,
                },
            )
    return SalesRead(
        new=counts.new,
        updated=counts.updated,
        cancelled=counts.cancelled,
        skipped_unlinked=skipped,
        unreadable=client.stats.unreadable - unreadable_before,
        requests=client.stats.requests - before,
        window_start=start,
    )


def window_start(
    store: Store, account_id: int, etsy_time: Callable[[datetime], datetime]
) -> int | None:
    """Where the next read starts (Etsy epoch seconds); None when nothing is linked.
    `etsy_time` turns a time of our clock into Etsy's (`EtsyClient.etsy_time`)."""
    last = sales_store.cursor(store, account_id)
    if last is not None:
        return max(EARLIEST, last - int(OVERLAP.total_seconds()))
    first = sales_store.first_sync_at(store, account_id)
    if first is None:
        return None
    return max(EARLIEST, int(etsy_time(first - OVERLAP).timestamp()))


def _linked_sales(
    store: Store, account_id: int, receipts: list[Receipt]
) -> tuple[list[sales_store.Sale], int]:
    """The transactions of linked listings, each once (the latest reading of its receipt
    wins: receipts come least recently changed first), and how many others were skipped."""
    latest: dict[int, sales_store.Sale] = {}
    skipped: set[int] = set()
    for receipt in receipts:
        for line in receipt.transactions:
            product = owner_of(store, account_id, line.listing_id) if line.listing_id else None
            if product is None or line.listing_id is None:
                skipped.add(line.transaction_id)
                continue
            sold = line.created_timestamp or receipt.created_timestamp or EARLIEST
            latest[line.transaction_id] = sales_store.Sale(
                transaction_id=line.transaction_id,
                receipt_id=receipt.receipt_id,
                listing_id=line.listing_id,
                product_id=product,
                etsy_product_id=line.product_id,
                sku=line.sku or None,
                quantity=line.quantity,
                sold_at=isoformat(datetime.fromtimestamp(sold, UTC)),
                paid=receipt.is_paid,
                cancelled=receipt.is_canceled,
                receipt_updated=receipt.updated_timestamp,
            )
    return list(latest.values()), len(skipped - set(latest))


def _event_message(shop: str, counts: sales_store.Recorded) -> str:
    parts = []
    if counts.new:
        parts.append(
            f"{counts.new} new sale{'s' if counts.new != 1 else ''} "
            f"({counts.new_units} unit{'s' if counts.new_units != 1 else ''})"
        )
    if counts.cancelled:
        parts.append(f"{counts.cancelled} cancelled")
    return f"shop {shop}: {', '.join(parts)} read from Etsy"


# --- the report -----------------------------------------------------------------------------------


def parse_since(text: str | None) -> str | None:
    """`--since YYYY-MM-DD` → the ISO time of that day's start (UTC)."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since takes a date as YYYY-MM-DD, not {text!r}") from None
    return isoformat(datetime(day.year, day.month, day.day, tzinfo=UTC))


def sales_by_sku(store: Store, account_id: int, since: str | None) -> list[SkuSalesReport]:
    """Units sold and cancelled per SKU since `since` (ISO; None: every recorded sale)."""
    return [
        SkuSalesReport(
            product_id=s.product_id,
            sku=s.sku,
            listing_id=s.listing_id,
            units_sold=s.units_sold,
            units_cancelled=s.units_cancelled,
            transactions=s.transactions,
            last_sold_at=s.last_sold_at,
        )
        for s in sales_store.by_sku(store, account_id, since)
    ]


def sales_document(
    store: Store, account: Account, since: str | None, read: SalesRead | None
) -> SalesDocument:
    return SalesDocument(
        shop_id=account.shop_id,
        since=since,
        read=read.report() if read is not None else None,
        skus=sales_by_sku(store, account.id, since),
        transactions=[
            SaleReport(
                transaction_id=s.transaction_id,
                receipt_id=s.receipt_id,
                listing_id=s.listing_id,
                product_id=s.product_id,
                sku=s.sku,
                quantity=s.quantity,
                sold_at=s.sold_at,
                paid=s.paid,
                cancelled=s.cancelled,
                first_seen_at=s.first_seen_at or s.sold_at,
                written_back_at=s.written_back_at,
            )
            for s in sales_store.sales(store, account.id, since)
        ],
    )


def sales_report(
    ws: Workspace,
    account_name: str | None,
    since_text: str | None,
    *,
    read: bool = True,
    page_size: int = MAX_PAGE,
) -> SalesDocument:
    """`etsysync sales`: read what sold since the last read (unless `read` is off), then the
    recorded sales since `--since` per SKU, and each transaction."""
    since = parse_since(since_text)  # a usage error before any request
    result: SalesRead | None = None
    if read:
        session = ws.session(account_name)
        result = read_sales(ws.settings, ws.store, session, page_size=page_size)
        account = session.account
    else:
        account = find_account(ws.store, account_name)
    return sales_document(ws.store, account, since, result)


# --- the write-back into Medusa -----------------------------------------------------------------


@dataclass(frozen=True)
class WriteBack:
    written: int = 0  # sales now held by the store (written, or found already there)
    undone: int = 0  # cancelled sales taken back out
    not_tracked: int = 0  # variants whose stock the store does not track
    failed: int = 0  # retried on the next run
    errors: tuple[str, ...] = ()


def write_back(settings: Settings, store: Store, account: Account, source: str) -> WriteBack:
    """Each sale recorded from Etsy lowers the Medusa variant's stock once (a reservation
    carrying the Etsy transaction id, sources/medusa/sales.py); a cancelled one is taken back.

    The intent is committed before Medusa is written and the outcome after: a run killed in
    between finds the reservation in Medusa next time (never a second one), and a sale that
    failed is retried on the next run. A file catalog is never written: nothing to do."""
    kind, _, url = source.partition(":")
    due = sales_store.due_write_backs(store, account.id)
    if kind != "medusa" or not due:
        return WriteBack()
    from etsysync_cli.sources import medusa  # only a Medusa source needs it

    sales_store.mark_intent(store, account.id, [sale.transaction_id for sale in due])
    results = medusa.write_sales(
        settings,
        url,
        [
            medusa.SaleToWrite(
                transaction_id=sale.transaction_id,
                receipt_id=sale.receipt_id,
                product_id=sale.product_id,
                sku=sale.sku,
                quantity=sale.quantity,
                cancelled=sale.cancelled,
            )
            for sale in due
        ],
    )
    sales_store.mark_written(
        store,
        account.id,
        [(r.transaction_id, None if r.done else (r.why or "failed")) for r in results],
    )
    counts = {
        outcome: sum(1 for r in results if r.outcome == outcome)
        for outcome in ("written", "already_there", "undone", "not_tracked", "failed")
    }
    errors = tuple(f"transaction {r.transaction_id}: {r.why}" for r in results if not r.done)
    done = WriteBack(
        written=counts["written"] + counts["already_there"],
        undone=counts["undone"],
        not_tracked=counts["not_tracked"],
        failed=counts["failed"],
        errors=errors,
    )
    if done.written or done.undone:
        add_event(
            store,
            "sales_written_back",
            f"{done.written} sale(s) taken off the Medusa stock, {done.undone} cancel(s) put back",
            account_id=account.id,
        )
    if done.failed:
        add_event(
            store,
            "write_back_failed",
            f"{done.failed} sale(s) could not be written to Medusa (retried on the next run): "
            + "; ".join(errors[:3]),
            account_id=account.id,
        )
    return done
