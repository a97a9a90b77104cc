"""`etsysync adopt`: link listings already on Etsy to the source's products (adopt.py)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json_streamed, table
from etsysync_cli.domain.matching import plural
from etsysync_cli.flows import adopt, notify
from etsysync_cli.flows.plan import source_from
from etsysync_cli.reports import AdoptDocument

ROWS_SHOWN = 50
STATUS_STYLES = {"synced": "green", "out_of_sync": "yellow"}


def adopt_cmd(
    source: str | None = typer.Option(
        None, "--source", help="Where products come from: file or medusa."
    ),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Record the links without asking."),
) -> None:
    """Link listings already on Etsy to the source's products, instead of creating duplicates.

    Matches by SKU, then by exact title; shows the matches and what is unmatched on both sides,
    and records the links only when confirmed (--yes, or a question on a terminal). Nothing is
    written to Etsy; listings matching no product are never touched.
    """
    with common.workspace() as ws:
        spec = source_from(ws.settings, source, path)
        found = adopt.preview(ws.settings, ws.store, ws.session(account), spec)
        preview = adopt.document(found, None)
        if not as_json:
            _show(preview)
        result = None
        to_link = len(found.matching.matches)
        if not to_link:
            note("Nothing to link.")
        elif yes or (
            not as_json
            and common.interactive()
            and typer.confirm(f"Link {to_link} listing(s) to their products?", default=False)
        ):
            result = adopt.record(ws.store, found)
            notify.deliver_pending(ws.store, ws.settings.notify.webhook_url, log=note)
        elif common.interactive() and not as_json:
            note("Nothing recorded.")
        else:
            note(
                f"Nothing recorded: {to_link} listing(s) can be linked; run `etsysync adopt` "
                "again with --yes to record them."
            )
    if as_json:
        head, lists = adopt.document_parts(found, result)
        print_json_streamed(head, **lists)
    elif result is not None:
        for m, why in result.left_alone:
            note(f"  left alone {m.product_id}: {why}")
        for transaction_id in result.cancelled_plans:
            note(f"Plan {transaction_id} was cancelled: it was staged before these links.")
        note(
            f"Linked {len(result.linked)} listing(s). Run `etsysync plan` next: it updates the "
            "adopted listings and creates only the products with no listing."
        )


def _show(found: AdoptDocument) -> None:
    data = found.to_json()
    counts = data["counts"]
    if data["matches"]:
        matches = table(
            "product",
            "title",
            "listing",
            "state",
            "by",
            "status",
            "differences / warnings",
            title="Listings to link",
            ids=("product", "listing"),
        )
        for m in data["matches"][:ROWS_SHOWN]:
            matches.add_row(
                m["product_id"],
                m["title"],
                str(m["listing_id"]),
                m["listing_state"],
                m["matched_by"] + (f" {', '.join(m['skus'])}" if m["skus"] else ""),
                Text(m["status"], style=STATUS_STYLES.get(m["status"], "")),
                "; ".join([", ".join(m["differences"]), *m["warnings"]]).strip("; "),
            )
        _print(matches, len(data["matches"]))
    rows: list[tuple[Any, ...]]
    if data["already_linked"]:
        rows = [
            (x["product_id"], x["title"], str(x["listing_id"]), x["sync_status"])
            for x in data["already_linked"]
        ]
        _rows("Already linked (left alone)", ("product", "title", "listing", "status"), rows)
    if data["unmatched_products"]:
        rows = [
            (x["product_id"], x["title"], ", ".join(x["skus"])) for x in data["unmatched_products"]
        ]
        _rows(
            "Products with no listing on Etsy (plan creates them)",
            ("product", "title", "SKUs"),
            rows,
        )
    if data["unmatched_listings"]:
        rows = [
            (str(x["listing_id"]), x["state"], x["title"], ", ".join(x["skus"]))
            for x in data["unmatched_listings"]
        ]
        _rows(
            "Listings on Etsy matching no product (never touched)",
            ("listing", "state", "title", "SKUs"),
            rows,
        )
    if data["conflicts"]:
        rows = [(x["kind"], x["reason"]) for x in data["conflicts"]]
        _rows("Conflicts (not linked: decide by hand)", ("by", "why"), rows)
    for skipped in data["skipped"][:ROWS_SHOWN]:
        out.print(f"Skipped {skipped['product_id']}: {skipped['reason']}", highlight=False)
    if len(data["skipped"]) > ROWS_SHOWN:
        out.print(f"… and {len(data['skipped']) - ROWS_SHOWN} more skipped.", highlight=False)
    out.print(
        f"{counts['matches']} to link ({counts['synced']} already matching, "
        f"{counts['out_of_sync']} differing), {counts['already_linked']} already linked, "
        f"{counts['unmatched_products']} products without a listing, "
        f"{counts['unmatched_listings']} listings matching no product, "
        f"{counts['conflicts']} conflicts, {counts['skipped']} skipped; "
        f"{data['listings_read']} listings read in {plural(data['requests'], 'Etsy request')}.",
        highlight=False,
    )
    for line in data["notes"]:
        note(f"Note: {line}")


def _rows(title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    t = table(*columns, title=title, ids=("product", "listing"))
    for row in rows[:ROWS_SHOWN]:
        t.add_row(*row)
    _print(t, len(rows))


def _print(t: Table, total: int) -> None:
    out.print(t)
    if total > ROWS_SHOWN:
        out.print(
            f"(the first {ROWS_SHOWN} of {total}; `etsysync adopt --json` lists them all)",
            highlight=False,
        )
