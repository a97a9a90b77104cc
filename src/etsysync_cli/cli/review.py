"""The plan review: a table for people, a JSON document for scripts."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from etsysync_cli.clock import isoformat
from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.flows.sync import PlanResult
from etsysync_cli.store import jobs
from etsysync_cli.store.db import Store

BADGES = {
    "create": "bold green",
    "update": "bold yellow",
    "unchanged": "dim",
    "invalid": "bold red",
    "orphaned": "magenta",
}
ROWS_SHOWN = 50
DEFAULT_RPS = 10


def item_json(row: dict[str, Any]) -> dict[str, Any]:
    draft = ListingDraft.model_validate_json(row["payload"]) if row["payload"] else None
    detail = json.loads(row["changes"] or "{}")
    data: dict[str, Any] = {
        "product_id": row["product_id"],
        "action": row["action"],
        "title": row["title"],
        "listing_id": row["listing_id"],
        "changes": detail.get("changes", []),
        "changed_fields": detail.get("fields", []),
        "warnings": detail.get("warnings", []),
        "reasons": json.loads(row["reasons"] or "[]"),
        "outcome": row["outcome"],
        "error": row["error"],
    }
    if draft is not None:
        prices = [o.price for p in draft.inventory.products for o in p.offerings]
        data |= {
            "currency_code": draft.currency_code,
            "price_min": str(min(prices)) if prices else str(draft.price),
            "price_max": str(max(prices)) if prices else str(draft.price),
            "quantity": draft.quantity,
            "images": len(draft.images),
            "variants": len(draft.inventory.products),
            "state": draft.state,
        }
    return data


def plan_json(store: Store, result: PlanResult) -> dict[str, Any]:
    job = result.job
    return {
        "transaction_id": job.transaction_id,
        "status": job.status,
        "expires_at": isoformat(job.expires_at),
        "counts": job.counts,
        "to_push": job.total_products,
        "skipped": result.skipped,
        "estimated_requests": result.estimated_requests,
        "estimated_seconds": round(result.estimated_requests / DEFAULT_RPS, 1),
        "publish_fees_usd": str(result.publish_fees),
        "notes": result.notes,
        "items": [item_json(row) for row in jobs.job_items(store, job.id)],
    }


def _price(data: dict[str, Any]) -> str:
    if "price_min" not in data:
        return ""
    low, high = data["price_min"], data["price_max"]
    text = low if low == high else f"{low} to {high}"
    return f"{text} {data['currency_code']}"


def _what(data: dict[str, Any]) -> str:
    if data["action"] == "invalid":
        return "; ".join(data["reasons"])
    if data["action"] == "orphaned":
        return "no longer in the source"
    if data["action"] == "update":
        parts = []
        for change in data["changes"]:
            if change == "fields":
                parts.append(", ".join(data["changed_fields"]))
            elif change == "inventory":
                parts.append("price/quantity/variants")
            else:
                parts.append(change)
        return "; ".join(parts)
    return "; ".join(data["warnings"])


def review_table(store: Store, result: PlanResult) -> Table:
    table = Table(
        title=f"Plan {result.job.transaction_id}",
        title_justify="left",
        header_style="bold",
        show_footer=False,
    )
    for column in ("action", "product", "title", "price", "qty", "img", "var", "changes / reasons"):
        table.add_column(column, overflow="fold")
    shown = 0
    for row in jobs.job_items(store, result.job.id):
        if row["action"] == "unchanged":
            continue
        if shown == ROWS_SHOWN:
            break
        shown += 1
        data = item_json(row)
        table.add_row(
            Text(data["action"], style=BADGES.get(data["action"], "")),
            data["product_id"],
            data["title"] or "",
            _price(data),
            str(data.get("quantity", "")),
            str(data.get("images", "")),
            str(data.get("variants", "")),
            _what(data),
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
    seconds = result.estimated_requests / DEFAULT_RPS
    lines = [
        f"{listed or 'no products'}"
        + (f"; {result.skipped} not published in the store (skipped)" if result.skipped else ""),
        f"About {result.estimated_requests} Etsy requests, ~{seconds:.0f} s at "
        f"{DEFAULT_RPS} requests/s; publish fees ${result.publish_fees} "
        "($0.20 per listing that goes active).",
    ]
    shown = sum(v for k, v in counts.items() if k != "unchanged")
    if shown > ROWS_SHOWN:
        lines.append(
            f"The table shows the first {ROWS_SHOWN} of {shown}; "
            f"`etsysync status {job.transaction_id} --json` lists them all."
        )
    lines.extend(f"Note: {note}" for note in result.notes)
    return lines
