"""`etsysync status`: shops, link counts, jobs, a job's items, a product's link, the feed."""

from __future__ import annotations

import time

import typer
from rich.console import Group
from rich.live import Live
from rich.text import Text

from etsysync_cli.cli import common, review
from etsysync_cli.cli.views import SafeTable, add_column, err, note, out, print_json, safe
from etsysync_cli.flows import status
from etsysync_cli.flows.context import Workspace
from etsysync_cli.reports import JobDocument, StatusDocument

JOB_STYLES = {
    "completed": "green",
    "failed": "red",
    "processing": "yellow",
    "paused": "yellow",
    "pending": "cyan",
    "confirmed": "cyan",
}
RUNNING = ("processing", "confirmed")


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
    with common.workspace() as ws:
        if transaction_id:
            if watch and not as_json:
                _watch(ws, transaction_id, failed)
                return
            job = status.job_document(ws.store, transaction_id, failed=failed)
            if as_json:
                print_json(job)
            else:
                out.print(_job_view(job))
            return
        if product:
            link = status.product_link(ws.store, account, product)
            if as_json:
                print_json(link)
            else:
                for key, value in link.to_json().items():
                    shown = ", ".join(map(str, value)) if isinstance(value, list) else value
                    out.print(f"{key:16} {'' if shown is None else shown}", highlight=False)
            return
        if show_feed:
            feed = status.feed(ws.store, account)
            if as_json:
                print_json(feed)
            else:
                for e in reversed(feed.events):
                    out.print(f"{e.created_at}  {e.kind:18} {e.message}", highlight=False)
            return
        overview = status.overview(
            ws.store, account, failed=failed, home=ws.home, keystring=ws.settings.etsy.keystring
        )
    if as_json:
        print_json(overview)
    else:
        _show_overview(overview)


def _show_overview(data: StatusDocument) -> None:
    if data.active_shop is None:
        note("No Etsy shop is connected. Run `etsysync auth login`.")
    else:
        shop = next(a for a in data.accounts if a.shop_name == data.active_shop)
        counts = ", ".join(f"{n} {s}" for s, n in data.links.items())
        out.print(f"Shop {shop.shop_name} ({shop.shop_id}): products {counts}", highlight=False)
    if data.app_quota is not None and data.app_quota.remaining_today is not None:
        quota = data.app_quota
        of = f" of {quota.limit_per_day:,}" if quota.limit_per_day else ""
        out.print(
            f"Etsy app quota: {quota.remaining_today:,}{of} requests left today "
            f"(as of {quota.seen_at}; shared by every shop on this app)",
            highlight=False,
        )
    table = SafeTable(title="Recent jobs", title_justify="left", header_style="bold")
    for column in ("transaction", "status", "created", "to push", "synced", "failed", "source"):
        # Only the source (a path or URL) wraps: ids, states, times and counts stay whole.
        add_column(table, column, is_id=column != "source")
    for job in data.jobs:
        table.add_row(
            job.transaction_id,
            Text(job.status, style=JOB_STYLES.get(job.status, "")),
            job.created_at,
            str(job.total_products),
            str(job.synced_count),
            str(job.failed_count),
            job.source,
        )
    if data.jobs:
        out.print(table)
    else:
        note("No jobs yet. Run `etsysync plan`.")
    for link in data.failed or []:
        out.print(f"failed {link.product_id}: {link.sync_error}", highlight=False)


def _job_view(data: JobDocument) -> Group:
    head = Text.assemble(
        (f"Job {data.transaction_id} ", "bold"),
        (data.status, JOB_STYLES.get(data.status, "")),
        f"  {data.synced_count} synced, {data.failed_count} failed of "
        f"{data.total_products} to push; created {data.created_at}",
    )
    table = SafeTable(header_style="bold")
    for column in ("action", "product", "title", "outcome", "listing", "error / reasons"):
        add_column(table, column, is_id=column in ("product", "listing"))
    for item in data.items[: review.ROWS_SHOWN * 4]:
        table.add_row(
            Text(item.action, style=review.BADGES.get(item.action, "")),
            item.product_id,
            item.title or "",
            item.outcome or "",
            str(item.listing_id or ""),
            Text(safe(item.error)) if item.error else review.what(item),
        )
    return Group(head, table)


def _watch(ws: Workspace, transaction_id: str, failed: bool) -> None:
    with Live(console=err if not out.is_terminal else out, refresh_per_second=2) as live:
        while True:
            data = status.job_document(ws.store, transaction_id, failed=failed)
            live.update(_job_view(data))
            if data.status not in RUNNING:
                break
            time.sleep(1)


def register(app: typer.Typer) -> None:
    app.command("status")(status_cmd)
