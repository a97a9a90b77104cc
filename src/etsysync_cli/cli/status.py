"""`etsysync status`: shops, link counts, jobs, a job's items, a product's link, the feed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from rich.console import Group
from rich.text import Text

from etsysync_cli.cli import common
from etsysync_cli.cli.views import (
    JOB_STYLES,
    SafeTable,
    add_column,
    note,
    out,
    print_json,
    print_json_streamed,
    safe,
    short_time,
)
from etsysync_cli.clock import isoformat
from etsysync_cli.errors import ExitCode
from etsysync_cli.flows import status
from etsysync_cli.flows.context import Workspace

if TYPE_CHECKING:
    from etsysync_cli.flows.watch import Snapshot
    from etsysync_cli.reports import JobDocument


def status_cmd(
    transaction_id: str | None = typer.Argument(
        None, metavar="TXN", help="Show this job and its items."
    ),
    product: str | None = typer.Option(None, "--product", help="Show this product's link."),
    failed: bool = typer.Option(False, "--failed", help="Only failed (and invalid) products."),
    show_feed: bool = typer.Option(False, "--feed", help="Show the event feed."),
    follow: bool = typer.Option(
        False,
        "--watch",
        help="Follow the job (TXN, else the shop's running one) to its end, live; exit as "
        "`confirm` would (0 all synced, 3 some failed). Exit 1 when no job is running.",
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show sync status: per-product link counts, recent jobs, errors.

    With TXN: that job and its items. With --product: one product's listing. --feed: events.
    --watch waits for a job not started yet, then follows it (a live view on a terminal, one
    line per event in a pipe; with --json, the job's document at the end).
    """
    with common.workspace() as ws:
        if follow:
            _watch(ws, transaction_id, account, failed=failed, as_json=as_json)
            return
        if transaction_id:
            if as_json:
                job, items = status.job_parts(ws.store, transaction_id, failed=failed)
                print_json_streamed(job, items=items)
            else:
                job = status.job_document(ws.store, transaction_id, failed=failed)
                out.print(_job_view(job), soft_wrap=False)  # the head wraps at words
            return
        if product:
            link = status.product_link(ws.store, account, product)
            if as_json:
                print_json(status.link_report(link))
            else:
                for key, value in link._asdict().items():
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
        home, keystring = ws.home, ws.settings.etsy.keystring  # for the app's daily quota
        if as_json:
            found, failures = status.overview_parts(
                ws.store, account, failed=failed, home=home, keystring=keystring
            )
            reports = {} if failures is None else {"failed": map(status.link_report, failures)}
            print_json_streamed(status.status_document(found), **reports)
            return
        overview = status.overview(ws.store, account, failed=failed, home=home, keystring=keystring)
    _show_overview(overview)


def _show_overview(data: status.Overview) -> None:
    shop = data.shop
    if shop is None:
        note("No Etsy shop is connected. Run `etsysync auth login`.")
    else:
        counts = ", ".join(f"{n} {s}" for s, n in data.links.items())
        out.print(
            f"Shop {shop.shop_name} ({shop.shop_id}): products {counts}",
            highlight=False,
            soft_wrap=False,  # wrapped at words, to the width
        )
    if data.app_quota is not None and data.app_quota.remaining_today is not None:
        quota = data.app_quota
        of = f" of {quota.limit_per_day:,}" if quota.limit_per_day else ""
        out.print(
            f"Etsy app quota: {quota.remaining_today:,}{of} requests left today "
            f"(as of {quota.seen_at}; shared by every shop on this app)",
            highlight=False,
            soft_wrap=False,
        )
    table = SafeTable(title="Recent jobs", title_justify="left", header_style="bold")
    # Ids, states, times and counts stay whole. At 80 columns they fill the page, so the
    # source (a path or URL, the one column that could wrap) is shown only on a wider one;
    # `status --json` always has it.
    wide = out.width >= 100
    columns = ("transaction", "status", "created", "to push", "synced", "failed")
    for column in (*columns, "source") if wide else columns:
        add_column(table, column, is_id=column != "source")
    for job in data.jobs:
        row = [
            job.transaction_id,
            Text(job.status.value, style=JOB_STYLES.get(job.status.value, "")),
            short_time(isoformat(job.created_at)),
            str(job.total_products),
            str(job.synced_count),
            str(job.failed_count),
        ]
        table.add_row(*row, *([job.source] if wide else []))
    if data.jobs:
        out.print(table)
    else:
        note("No jobs yet. Run `etsysync plan`.")
    for link in data.failed or []:
        if link.sync_status == "invalid":
            listing = link.etsy_listing_id
            kept = f" (listing {listing} left as it was)" if listing else ""
            why = "; ".join(link.reasons)
            out.print(f"invalid {link.product_id}{kept}: {why}", highlight=False)
        else:
            out.print(f"failed {link.product_id}: {link.sync_error}", highlight=False)
    invalid = data.links.get("invalid", 0)
    if invalid and data.failed is None:
        note(f"{invalid} product(s) are invalid and not sent: `etsysync status --failed` says why.")


def _job_view(data: JobDocument) -> Group:
    from etsysync_cli.cli import review  # the plan's views: not on the path of the overview

    head = Text.assemble(
        (f"Job {data.transaction_id} ", "bold"),
        (data.status, JOB_STYLES.get(data.status, "")),
        f"  {data.synced_count} synced, {data.failed_count} failed of "
        f"{data.total_products} to push"
        + (f", {data.invalid_count} not sent: invalid" if data.invalid_count else "")
        + f"; created {data.created_at}",
        f"; replaced by {data.superseded_by}" if data.superseded_by else "",
    )
    # The outcome, then the error or what the plan did, in one column that wraps at words: at
    # 80 columns six narrow columns folded words in two ("characte rs"). The title is shown
    # only on a page wide enough for it (the product id names the product; --json has both).
    wide = out.width >= 120
    table = SafeTable(header_style="bold")
    for column in ("action", "product", *(("title",) if wide else ()), "listing", "outcome"):
        add_column(table, column, is_id=column in ("action", "product", "listing"))
    for item in data.items[: review.ROWS_SHOWN * 4]:
        outcome = Text(item.outcome or "")
        detail = Text(safe(item.error)) if item.error else review.what(item)
        if detail:
            outcome.append("\n" if outcome else "")
            outcome.append_text(detail)
        table.add_row(
            Text(item.action, style=review.BADGES.get(item.action, "")),
            item.product_id,
            *((item.title or "",) if wide else ()),
            str(item.listing_id or ""),
            outcome,
        )
    return Group(head, table)


def _watch(
    ws: Workspace, transaction_id: str | None, account: str | None, *, failed: bool, as_json: bool
) -> None:
    """Follow the job to its end, render each poll, then exit as its `confirm` would."""
    # The live views and the watch loop: not on the path of a plain `status`.
    from etsysync_cli.cli.progress import WatchLines, WatchView
    from etsysync_cli.flows import watch

    job = watch.job_to_watch(ws.store, transaction_id, account)
    last = None
    try:
        with contextlib.ExitStack() as stack:
            render: Callable[[Snapshot], None] = _silent  # --json: the document at the end
            if not as_json:
                render = (
                    stack.enter_context(WatchView(out)).update
                    if out.is_terminal
                    else WatchLines(out).update
                )
            for last in watch.follow(ws.store, job):
                render(last)
    except KeyboardInterrupt:
        note(
            f"Stopped watching {job.transaction_id}; a run goes on without it "
            f"(`etsysync status {job.transaction_id} --watch` follows it again)."
        )
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if as_json:
        print_json(status.job_document(ws.store, job.transaction_id, failed=failed))
    assert last is not None
    error = watch.outcome_error(ws.store, last)
    if error is not None:
        raise error


def _silent(snapshot: Snapshot) -> None:
    return None
