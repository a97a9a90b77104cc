"""The plan review: a table for people, the plan document for scripts (`plan`, `retry`,
`sync` and the demo show it). docs/review.md says how to read it.

Each update row says what changes, old → new (`reports.ChangeReport`, from domain/diff.py);
deactivations (`--prune`) are rows of their own. The table shows the first `ROWS_SHOWN` rows
unless asked for all (`--all`); on a terminal a review longer than the screen goes through a
pager (Rich's, which runs $PAGER), never when piped, with --auto-approve or -q, nor with
`--no-pager` or ETSYSYNC_PAGER=0.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from etsysync_cli.cli.views import SafeTable, add_column, out, print_json_streamed, safe
from etsysync_cli.flows import plan as plans
from etsysync_cli.flows.confirm import Job
from etsysync_cli.flows.context import Workspace
from etsysync_cli.flows.plan import PlanResult
from etsysync_cli.reports import ChangeReport, PlanItem

BADGES = {
    "create": "bold green",
    "update": "bold yellow",
    "deactivate": "bold magenta",
    "unchanged": "dim",
    "invalid": "bold red",
    "orphaned": "magenta",
}
ROWS_SHOWN = 50
# The counts, in the order the summary and the prompt say them.
ACTIONS = ("create", "update", "deactivate", "unchanged", "invalid", "orphaned")
ARROW = "→"


# --- one row --------------------------------------------------------------------------------


def _price(item: PlanItem) -> str:
    if item.price_min is None:
        return ""
    low, high = item.price_min, item.price_max
    text = low if low == high else f"{low} to {high}"
    return f"{text} {item.currency_code}"


def listing_line(item: PlanItem) -> str:
    """What a new listing will be, compactly: price, quantity, images, variants."""
    if item.price_min is None:
        return ""
    parts = [_price(item), f"qty {item.quantity}", f"{item.images} img"]
    if item.variants and item.variants > 1:
        parts.append(f"{item.variants} variants")
    return "new listing: " + " · ".join(parts)


def change_lines(item: PlanItem) -> list[str]:
    """What an update changes, one line per change, old → new."""
    if item.diff and all(change.old is None for change in item.diff) and len(item.diff) > 3:
        # An adopted listing that Etsy was not read for (--no-refresh): all of it is sent.
        names = sorted({change.field for change in item.diff})
        return [f"sends all of it ({', '.join(names)}): what Etsy holds was not read"]
    if item.diff:
        return [_change_line(change) for change in item.diff]
    # A plan staged before the values were recorded: the names of what is sent.
    parts = []
    for change in item.changes:
        if change == "fields":
            parts.append(", ".join(item.changed_fields))
        elif change == "inventory":
            parts.append("price/quantity/variants")
        else:
            parts.append(change)
    return ["; ".join(parts)] if parts else []


def _change_line(change: ChangeReport) -> str:
    name, old, new = change.field, change.old, change.new
    if name in ("tags", "materials", "production_partner_ids"):
        said = [f"+{v}" for v in change.added or []] + [f"-{v}" for v in change.removed or []]
        return f"{name}: {' '.join(said) or 'reordered'}"
    if name == "images":
        if change.moved is None:  # content unknown (adopted): replaced as a whole
            return f"images: {old} on Etsy replaced by {new}"
        counts = [
            f"{n} {what}" for n, what in ((change.added, "added"), (change.removed, "removed")) if n
        ]
        counts += [f"{change.moved} moved"] if change.moved else []
        return f"images: {old} {ARROW} {new}" + (f" ({', '.join(counts)})" if counts else "")
    if name == "variant":
        if new is None:
            return f"{change.sku}: removed ({old})"
        return f"{change.sku}: added ({new})"
    if name == "description":
        return f"description: {_length(old)} {ARROW} {_length(new)} characters"
    if name in ("price", "quantity") and change.sku:
        label = change.sku if name == "price" else f"{change.sku} qty"
        return f"{label}: {_value(old)} {ARROW} {_value(new)}"
    label = "qty" if name == "quantity" else name
    return f"{label}: {_value(old)} {ARROW} {_value(new)}"


def _length(value: Any) -> str:
    return "?" if value is None else str(len(str(value)))


def _value(value: object, width: int = 60) -> str:
    if value is None:
        return "?"
    if isinstance(value, bool | int | float) or _is_number(value):
        return str(value)
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= width else f"'{text[: width - 1]}…'"


def _is_number(value: object) -> bool:
    return isinstance(value, str) and value.replace(".", "", 1).isdigit()


def _field_name(field: str) -> str:
    """`variants[MUG-1].quantity` as `MUG-1 qty`, as the diff lines say it (a narrow column
    would otherwise cut the long name inside a word)."""
    match = re.fullmatch(r"variants\[(.*)\]\.(price|quantity|sku)", field)
    if match is None:
        return field
    sku, part = match.groups()
    return f"{sku} {'qty' if part == 'quantity' else part}"


def etsy_lines(item: PlanItem) -> list[str]:
    """What changed on Etsy since the last push, in words, with the values."""
    lines = []
    for change in item.etsy_changes:
        name = _field_name(change.field)
        if change.field.endswith(".quantity") and change.etsy < change.synced:
            sold = change.synced - change.etsy
            # Never "pushing {store}": what is pushed is Etsy's number plus what the store gained
            # since the last push (the item's qty line says how many), not the store's number.
            if change.etsy == change.store:
                kept = "the store has the same"
            elif change.resolution == "keep_etsy":
                kept = "kept"
            else:
                kept = "the store's new stock added"
            lines.append(f"{sold} sold on Etsy ({name}: {change.synced} → {change.etsy}, {kept})")
        elif name == "state":
            done = (
                "published again"
                if change.resolution == "store_wins"
                else "left so; --reactivate publishes it, $0.20"
            )
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


def what(item: PlanItem) -> Text:
    """What the plan does with the item, what changed on Etsy, then what the mapping changed
    or left out (the warnings, e.g. tags beyond Etsy's 13): a seller must see those before
    confirming. Invalid items keep every reason, one per line."""
    if item.action == "invalid":
        reasons = item.reasons if len(item.reasons) < 2 else [f"• {r}" for r in item.reasons]
        return Text(safe("\n".join(reasons)))  # every reason, each on its own line
    if item.action == "orphaned":
        return Text("no longer in the source (only --prune deactivates it)")
    if item.action == "deactivate":
        return Text(f"no longer in the source: listing {item.listing_id} is set inactive")
    if item.action == "update":
        lines = change_lines(item)
    else:
        lines = [listing_line(item)] if item.action == "create" else []
    text = Text(safe("\n".join(lines)))
    for line in etsy_lines(item):
        text.append("\n" if text else "")
        text.append(safe(line), style="cyan")
    for warning in item.warnings:
        if warning.startswith(("deleted on Etsy", "deleted on Etsy:")):
            continue  # said above, with the values
        text.append("\n" if text else "")
        text.append(f"warning: {safe(warning)}", style="yellow")
    return text


# --- the table ------------------------------------------------------------------------------


def review_table(ws: Workspace, result: PlanResult, *, limit: int | None = ROWS_SHOWN) -> Table:
    """The rows of the plan that do something (or say why not), the first `limit` of them
    (None: all). Ids never wrap (they are copied into the next command); text wraps words."""
    table = SafeTable(title=f"Plan {result.job.transaction_id}", title_justify="left")
    table.header_style = "bold"
    for column, is_id in (
        ("action", True),
        ("product", True),
        ("title", False),
        ("changes and reasons", False),
    ):
        add_column(table, column, is_id=is_id)
    # What a seller reviews is the changes: they get the most room (at 80 columns, the old →
    # new lines would otherwise wrap every other word); the title comes next. A new listing's
    # figures (price, quantity, images) go there too: a create has no changes to show.
    table.expand = True
    table.columns[2].ratio, table.columns[3].ratio = 2, 3
    for item in plans.items(ws.store, result.job, skip_unchanged=True, limit=limit):
        table.add_row(
            Text(item.action, style=BADGES.get(item.action, "")),
            item.product_id,
            item.title or "",
            what(item),
        )
    return table


def rows_to_review(result: PlanResult) -> int:
    return sum(n for action, n in result.job.counts.items() if action != "unchanged")


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[action]} {action}" for action in ACTIONS if counts.get(action))


def footer_lines(result: PlanResult, *, shown: int | None = ROWS_SHOWN) -> list[str]:
    """The summary under the table; `shown`: how many rows the table showed (None: all)."""
    job = result.job
    lines = [
        f"{counts_text(job.counts) or 'no products'}"
        + (f"; {result.skipped} not published in the store (skipped)" if result.skipped else ""),
        f"About {result.estimated_requests} Etsy "
        f"{'request' if result.estimated_requests == 1 else 'requests'}, "
        f"~{result.estimated_requests / plans.ETSY_RATE:.0f} s at {plans.ETSY_RATE} requests/s; "
        f"publish fees ${result.publish_fees} ($0.20 per listing that goes active).",
    ]
    if result.deactivations:
        lines.append(
            f"Deactivates {result.deactivations} listing(s) whose product left the source "
            "(--prune; never deletes)."
        )
    rows = rows_to_review(result)
    if shown is not None and rows > shown:
        lines.append(
            f"The table shows the first {shown} of {rows} rows: run it again with --all to see "
            f"every row, or `etsysync status {job.transaction_id} --json` to read them all."
        )
    if result.refreshed:
        lines.append(
            f"Etsy was read for the linked listings first ({result.refresh_requests} requests)."
        )
    lines.extend(f"Note: {note}" for note in result.notes)
    return lines


def push_question(job: Job, to_push: int, shop_name: str) -> str:
    """The confirm prompt: what the review said, restated where the seller answers."""
    if to_push != job.total_products:  # a run resumed part-way: its counts no longer apply
        return f"Push the {to_push} listing(s) left of plan {job.transaction_id} to {shop_name}?"
    counts = {k: v for k, v in job.counts.items() if k in ("create", "update", "deactivate")}
    counts["invalid"] = job.counts.get("invalid", 0)
    said = ", ".join(
        f"{n} {action}" + (" (not sent)" if action == "invalid" else "")
        for action, n in counts.items()
        if n
    )
    question = f"Push {to_push} listing(s) to {shop_name}"
    if said:
        question += f" ({said})"
    requests = job.options.get("estimated_requests")
    if requests is not None:
        fees = job.options.get("publish_fees_usd", "0.00")
        question += (
            f"; about {requests} requests, ~{requests / plans.ETSY_RATE:.0f} s, "
            f"publish fees ${fees}"
        )
    return question + "?"


# --- showing it -----------------------------------------------------------------------------


def pager_wanted(enabled: bool, console: Console = out) -> bool:
    """A pager only for a person at a terminal who did not turn it off."""
    if not enabled or not console.is_terminal:
        return False
    return os.environ.get("ETSYSYNC_PAGER", "1").strip().lower() not in ("0", "false", "no", "off")


@contextmanager
def paged(result: PlanResult, *, pager: bool, show_all: bool) -> Iterator[int | None]:
    """Where the review goes, and how many rows it shows (None: all). Through the pager when
    the table would not fit the screen: then every row, since the pager scrolls."""
    rows = rows_to_review(result)
    height = out.size.height
    long = rows * 2 + 8 > height  # a row takes two lines or more (titles and changes wrap)
    if pager and long:
        # As git does: less shows the colours (R), quits when the review fits (F) and leaves
        # it on the screen (X), unless the seller set LESS otherwise.
        os.environ.setdefault("LESS", "FRX")
        with out.pager(styles=True):
            yield None
        return
    yield None if show_all else ROWS_SHOWN


def print_review(ws: Workspace, result: PlanResult, *, pager: bool, show_all: bool) -> None:
    """The table (paged or cut as `paged` decides), then the summary under it."""
    with paged(result, pager=pager, show_all=show_all) as limit:
        if result.job.counts.keys() - {"unchanged"} or result.etsy_changed:
            out.print(review_table(ws, result, limit=limit))
        shown = limit
    for line in footer_lines(result, shown=shown):
        out.print(line, highlight=False, soft_wrap=False)  # wrapped at words, to the width


def show_plan(
    ws: Workspace, result: PlanResult, as_json: bool, *, show_all: bool = False, pager: bool = True
) -> None:
    """The review of a staged plan on stdout: the document, or the table and what next."""
    if as_json:
        print_json_streamed(plans.plan_head(result), items=plans.items(ws.store, result.job))
        return
    print_review(ws, result, pager=pager_wanted(pager), show_all=show_all)
    job = result.job
    if job.total_products:
        out.print(
            f"Review the plan, then run: etsysync confirm {job.transaction_id}  "
            f"(it expires at {job.expires_at:%H:%M} UTC)",
            highlight=False,
            soft_wrap=False,
        )
    else:
        out.print(nothing_to_push(result), highlight=False, soft_wrap=False)


def nothing_to_push(result: PlanResult) -> str:
    if not result.refreshed:
        return "Nothing to push (Etsy was not read: --no-refresh)."
    if result.etsy_differs:
        return (
            f"Nothing to push: Etsy matches the source, but for {result.etsy_differs} "
            "product(s) changed on Etsy and left so (`etsysync status --product ID` says how)."
        )
    return "Nothing to push: Etsy already matches the source."
