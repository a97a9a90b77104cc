"""`etsysync status`: shops, link counts, jobs, a job's items, a product's link, the feed."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from etsysync_cli.cli import common, review
from etsysync_cli.cli.views import err, note, out, print_json
from etsysync_cli.errors import NotConnectedError
from etsysync_cli.flows import status
from etsysync_cli.store import jobs
from etsysync_cli.store.accounts import Account, find_account, list_accounts
from etsysync_cli.store.db import Store

JOB_STYLES = {
    "completed": "green",
    "failed": "red",
    "processing": "yellow",
    "paused": "yellow",
    "pending": "cyan",
}


def status_cmd(
    transaction_id: str | None = typer.Argument(
        None, metavar="TXN", help="Show this job and its items."
    ),
    product: str | None = typer.Option(None, "--product", help="Show this product's link."),
    failed: bool = typer.Option(False, "--failed", help="Only failed (and invalid) products."),
    show_feed: bool = typer.Option(False, "--feed", help="Show the event feed."),
    watch: bool = typer.Option(False, "--watch", help="Refresh every second while a job runs."),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show sync status: per-product link counts, recent jobs, errors.

    With TXN: that job and its items. With --product: one product's listing. --feed: events.
    """
    with common.open_store() as store:
        jobs.expire_stale(store)
        if transaction_id:
            if watch and not as_json:
                _watch(store, transaction_id, failed)
                return
            data = _job_data(store, transaction_id, failed)
            if as_json:
                print_json(data)
            else:
                out.print(_job_view(data))
            return
        shop = _account(store, account)
        if product:
            if shop is None:
                raise NotConnectedError(
                    "no Etsy shop is connected", hint="run `etsysync auth login`"
                )
            link = status.product_link(store, shop, product)
            if as_json:
                print_json(link)
            else:
                for key, value in link.items():
                    out.print(f"{key:16} {'' if value is None else value}", highlight=False)
            return
        if show_feed:
            events = status.feed(store, shop.id if shop else None)
            if as_json:
                print_json({"events": events})
            else:
                for e in reversed(events):
                    out.print(f"{e['created_at']}  {e['kind']:18} {e['message']}", highlight=False)
            return
        _overview(store, shop, failed, as_json)


def _account(store: Store, name: str | None) -> Account | None:
    try:
        return find_account(store, name)
    except NotConnectedError:
        if name:
            raise
        return None


def _overview(store: Store, shop: Account | None, failed: bool, as_json: bool) -> None:
    data: dict[str, Any] = {
        "accounts": [
            {"shop_id": a.shop_id, "shop_name": a.shop_name, "is_active": a.is_active}
            for a in list_accounts(store)
        ],
        "active_shop": shop.shop_name if shop else None,
        "links": status.link_counts(store, shop.id) if shop else {},
        "jobs": [job.as_json() for job in jobs.recent_jobs(store, shop.id if shop else None)],
    }
    if failed and shop:
        data["failed"] = status.failed_links(store, shop.id)
    if as_json:
        print_json(data)
        return
    if shop is None:
        note("No Etsy shop is connected. Run `etsysync auth login`.")
    else:
        counts = ", ".join(f"{n} {s}" for s, n in data["links"].items())
        out.print(f"Shop {shop.shop_name} ({shop.shop_id}): products {counts}", highlight=False)
    table = Table(title="Recent jobs", title_justify="left", header_style="bold")
    for column in ("transaction", "status", "created", "to push", "synced", "failed", "source"):
        table.add_column(column)
    for job in data["jobs"]:
        table.add_row(
            job["transaction_id"],
            Text(job["status"], style=JOB_STYLES.get(job["status"], "")),
            job["created_at"],
            str(job["total_products"]),
            str(job["synced_count"]),
            str(job["failed_count"]),
            job["source"],
        )
    out.print(table if data["jobs"] else "No jobs yet. Run `etsysync plan`.")
    for link in data.get("failed", []):
        out.print(f"failed {link['product_id']}: {link['sync_error']}", highlight=False)


def _job_data(store: Store, transaction_id: str, failed: bool) -> dict[str, Any]:
    job = jobs.find_job(store, transaction_id)
    items = [review.item_json(row) for row in jobs.job_items(store, job.id, failed_only=failed)]
    return {**job.as_json(), "items": items}


def _job_view(data: dict[str, Any]) -> Group:
    head = Text.assemble(
        (f"Job {data['transaction_id']} ", "bold"),
        (data["status"], JOB_STYLES.get(data["status"], "")),
        f"  {data['synced_count']} synced, {data['failed_count']} failed of "
        f"{data['total_products']} to push; created {data['created_at']}",
    )
    table = Table(header_style="bold")
    for column in ("action", "product", "title", "outcome", "listing", "error / reasons"):
        table.add_column(column, overflow="fold")
    for item in data["items"][: review.ROWS_SHOWN * 4]:
        table.add_row(
            Text(item["action"], style=review.BADGES.get(item["action"], "")),
            item["product_id"],
            item["title"] or "",
            item["outcome"] or "",
            str(item["listing_id"] or ""),
            item["error"] or "; ".join(item["reasons"]),
        )
    return Group(head, table)


def _watch(store: Store, transaction_id: str, failed: bool) -> None:
    with Live(console=err if not out.is_terminal else out, refresh_per_second=2) as live:
        while True:
            data = _job_data(store, transaction_id, failed)
            live.update(_job_view(data))
            if data["status"] not in ("processing", "confirmed"):
                break
            time.sleep(1)


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
