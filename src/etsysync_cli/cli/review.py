"""The plan review: a table for people, the plan document for scripts (`plan`, `retry`,
`sync` and the demo show it)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from etsysync_cli.cli.views import SafeTable, out, print_json_streamed, safe
from etsysync_cli.flows import plan as plans
from etsysync_cli.flows.context import Workspace
from etsysync_cli.flows.plan import PlanResult
from etsysync_cli.reports import PlanItem

BADGES = {
    "create": "bold green",
    "update": "bold yellow",
    "unchanged": "dim",
    "invalid": "bold red",
    "orphaned": "magenta",
}
ROWS_SHOWN = 50


def _price(item: PlanItem) -> str:
    if item.price_min is None:
        return ""
    low, high = item.price_min, item.price_max
    text = low if low == high else f"{low} to {high}"
    return f"{text} {item.currency_code}"


def _changes(item: PlanItem) -> str:
    if item.action == "invalid":
        return "; ".join(item.reasons)
    if item.action == "orphaned":
        return "no longer in the source"
    parts = []
    for change in item.changes if item.action == "update" else []:
        if change == "fields":
            parts.append(", ".join(item.changed_fields))
        elif change == "inventory":
            parts.append("price/quantity/variants")
        else:
            parts.append(change)
    return "; ".join(parts)


def etsy_lines(item: PlanItem) -> list[str]:
    """What changed on Etsy since the last push, in words, with the values."""
    lines = []
    for change in item.etsy_changes:
        name = change.field
        if name.endswith(".quantity") and change.etsy < change.synced:
            sold = change.synced - change.etsy
            kept = "kept" if change.resolution == "keep_etsy" else f"pushing {change.store}"
            lines.append(f"{sold} sold on Etsy ({name}: {change.synced} → {change.etsy}, {kept})")
        elif name == "state":
            done = "published again" if change.resolution == "store_wins" else "left so"
            lines.append(f"{change.etsy} on Etsy ({done})")
        elif change.resolution == "keep_etsy":
            lines.append(f"{name} edited on Etsy (kept): {_value(change.etsy)}")
        elif change.resolution == "store_wins":
            lines.append(
                f"{name} edited on Etsy, overwritten: {_value(change.etsy)} → "
                f"{_value(change.store)}"
            )
        else:
            lines.append(
                f"{name} changed on both sides, the store wins: {_value(change.synced)} → "
                f"{_value(change.etsy)} (Etsy) → {_value(change.store)} (store)"
            )
    if item.etsy_state == "deleted":
        recreated = item.action == "create"
        lines.append(f"deleted on Etsy ({'created again' if recreated else 'not re-created'})")
    return lines


def _value(value: object, width: int = 40) -> str:
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= width else f"'{text[: width - 1]}…'"


def what(item: PlanItem) -> Text:
    """What the plan does with the item, what changed on Etsy, then what the mapping changed
    or left out (the warnings, e.g. tags beyond Etsy's 13): a seller must see those before
    confirming."""
    text = Text(safe(_changes(item)))
    if item.action in ("invalid", "orphaned"):
        return text
    for line in etsy_lines(item):
        text.append("\n" if text else "")
        text.append(safe(line), style="cyan")
    for warning in item.warnings:
        if warning.startswith(("deleted on Etsy", "deleted on Etsy:")):
            continue  # said above, with the values
        text.append("\n" if text else "")
        text.append(f"warning: {safe(warning)}", style="yellow")
    return text


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def review_table(ws: Workspace, result: PlanResult) -> Table:
    table = SafeTable(
        title=f"Plan {result.job.transaction_id}",
        title_justify="left",
        header_style="bold",
        show_footer=False,
    )
    columns = (
        "action",
        "product",
        "title",
        "price",
        "qty",
        "img",
        "var",
        "changes, reasons, warnings",
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in plans.items(ws.store, result.job, skip_unchanged=True, limit=ROWS_SHOWN):
        table.add_row(
            Text(item.action, style=BADGES.get(item.action, "")),
            item.product_id,
            item.title or "",
            _price(item),
            _cell(item.quantity),
            _cell(item.images),
            _cell(item.variants),
            what(item),
        )
    return table


def footer_lines(result: PlanResult) -> list[str]:
    job = result.job
    counts = job.counts
    listed = ", ".join(
        f"{counts.get(action, 0)} {action}"
        for action in ("create", "update", "unchanged", "invalid", "orphaned")
        if counts.get(action)
    )
    lines = [
        f"{listed or 'no products'}"
        + (f"; {result.skipped} not published in the store (skipped)" if result.skipped else ""),
        f"About {result.estimated_requests} Etsy requests, "
        f"~{result.estimated_requests / plans.ETSY_RATE:.0f} s at {plans.ETSY_RATE} requests/s; "
        f"publish fees ${result.publish_fees} ($0.20 per listing that goes active).",
    ]
    if result.deactivations:
        lines.append(
            f"Deactivates {result.deactivations} listing(s) whose product left the source "
            "(--prune; never deletes)."
        )
    shown = sum(v for k, v in counts.items() if k != "unchanged")
    if shown > ROWS_SHOWN:
        lines.append(
            f"The table shows the first {ROWS_SHOWN} of {shown}; "
            f"`etsysync status {job.transaction_id} --json` lists them all."
        )
    if result.refreshed:
        lines.append(
            f"Etsy was read for the linked listings first ({result.refresh_requests} requests)."
        )
    lines.extend(f"Note: {note}" for note in result.notes)
    return lines


def show_plan(ws: Workspace, result: PlanResult, as_json: bool) -> None:
    """The review of a staged plan on stdout: the document, or the table and what next."""
    if as_json:
        print_json_streamed(plans.plan_head(result), items=plans.items(ws.store, result.job))
        return
    if result.job.counts.keys() - {"unchanged"} or result.etsy_changed:
        out.print(review_table(ws, result))
    for line in footer_lines(result):
        out.print(line, highlight=False)
    job = result.job
    if job.total_products:
        out.print(
            f"Review the plan, then run: etsysync confirm {job.transaction_id}  "
            f"(it expires at {job.expires_at:%H:%M} UTC)",
            highlight=False,
        )
    else:
        out.print(nothing_to_push(result), highlight=False)


def nothing_to_push(result: PlanResult) -> str:
    if not result.refreshed:
        return "Nothing to push (Etsy was not read: --no-refresh)."
    if result.etsy_differs:
        return (
            f"Nothing to push: Etsy matches the source, but for {result.etsy_differs} "
            "product(s) changed on Etsy and left so (`etsysync status --product ID` says how)."
        )
    return "Nothing to push: Etsy already matches the source."
