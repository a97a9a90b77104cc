"""`etsysync sales`: read the shop's sales from Etsy, then show them per SKU.

`--json` prints the SalesDocument (reports.py, docs/json.md); `--csv` one row per SKU with the
columns of CSV_COLUMNS. Without `--no-read` it first reads the receipts changed since the last
read (getShopReceipts, one request per 100), recording each linked transaction once.
"""

from __future__ import annotations

import csv
import sys

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json, short_time, table
from etsysync_cli.errors import UsageError
from etsysync_cli.flows import sales as flows_sales
from etsysync_cli.reports import SalesDocument, SalesReadReport

CSV_COLUMNS = (
    "sku",
    "product_id",
    "listing_id",
    "units_sold",
    "units_cancelled",
    "transactions",
    "last_sold_at",
)


def sales_cmd(
    since: str | None = typer.Option(
        None, "--since", metavar="YYYY-MM-DD", help="Only sales from this day (UTC) on."
    ),
    no_read: bool = typer.Option(
        False, "--no-read", help="Show what is recorded without asking Etsy (no request)."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    as_csv: bool = typer.Option(False, "--csv", help="One CSV row per SKU on stdout."),
) -> None:
    """Read the shop's sales from Etsy and show units sold and cancelled per SKU."""
    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    with common.workspace() as ws:
        doc = flows_sales.sales_report(ws, account, since, read=not no_read)
    if as_json:
        print_json(doc)
        return
    if doc.read is not None:
        note(_read_line(doc.read))
    if as_csv:
        _write_csv(doc)
        return
    _show(doc)


def _read_line(read: SalesReadReport) -> str:
    if read.window_start is None:
        return "Nothing is linked to an Etsy listing yet: no sales to read."
    line = (
        f"Read from Etsy since {read.window_start}: {read.new} new, {read.cancelled} cancelled, "
        f"{read.updated} changed, {read.skipped_unlinked} skipped (listings not linked to a "
        f"product) ({read.requests} request{'s' if read.requests != 1 else ''})."
    )
    if read.unreadable:
        line += f" {read.unreadable} receipt(s) could not be read."
    return line


def _write_csv(doc: SalesDocument) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sku in doc.skus:
        row = sku.to_json()
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    sys.stdout.flush()


def _show(doc: SalesDocument) -> None:
    if not doc.skus:
        period = f" since {doc.since[:10]}" if doc.since else ""
        note(f"No sales recorded{period}.")
        return
    view = table("SKU", "product", "listing", "sold", "cancelled", "last sale (UTC)")
    for sku in doc.skus:
        view.add_row(
            sku.sku or "(no SKU)",
            sku.product_id,
            str(sku.listing_id),
            str(sku.units_sold),
            str(sku.units_cancelled),
            short_time(sku.last_sold_at) if sku.last_sold_at else "-",
        )
    out.print(view)
    sold = sum(s.units_sold for s in doc.skus)
    cancelled = sum(s.units_cancelled for s in doc.skus)
    note(f"{sold} unit(s) sold, {cancelled} cancelled, over {len(doc.skus)} SKU(s).")
