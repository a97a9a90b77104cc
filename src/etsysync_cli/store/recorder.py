"""Between a staged job and the runner: what to push, and recording each outcome durably.

`push_items` turns a job's unfinished items into the runner's `PushItem`s (a resumed run gets
only what has no outcome yet). `JobRecorder` writes, in one transaction per item, the item's
outcome, its link and the job's counters, as each item finishes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Literal

from etsysync_cli import logs
from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.push.runner import ImageState, PushItem, PushOutcome
from etsysync_cli.store.db import Store, insert_event, isoformat, parse_time, utcnow
from etsysync_cli.store.jobs import PUSHED, Job, link_row

EventSink = Callable[[str, str, dict[str, Any]], None]  # kind, message, data


def push_items(store: Store, job: Job) -> Iterator[PushItem]:
    prune = bool(job.options.get("prune"))
    last_id = 0
    while True:  # pages, so a 100,000-item job is never held in memory
        rows = list(
            store.db.query(
                f"SELECT * FROM plan_items WHERE job_id = ? AND outcome IS NULL AND {PUSHED} "
                "AND id > ? ORDER BY id LIMIT 500",
                [job.id, prune, last_id],
            )
        )
        if not rows:
            return
        for row in rows:
            last_id = row["id"]
            yield _push_item(store, job, row)


def _push_item(store: Store, job: Job, row: dict[str, Any]) -> PushItem:
    link = link_row(store, job.account_id, row["product_id"]) or {}
    detail = json.loads(row["changes"] or "{}")
    action: Literal["create", "update", "deactivate"] = (
        "deactivate" if row["action"] == "orphaned" else row["action"]
    )
    listing_id = row["listing_id"] or link.get("etsy_listing_id")
    return PushItem(
        item_id=row["id"],
        product_id=row["product_id"],
        action=action,
        draft=ListingDraft.model_validate_json(row["payload"]) if row["payload"] else None,
        changes=frozenset(detail.get("changes", [])),
        changed_fields=tuple(detail.get("fields", [])),
        listing_id=listing_id,
        images=tuple(images_from_link(link)),
        create_intent_at=parse_time(row["create_intent_at"]),
        listing_state=json.loads(link.get("metadata") or "{}").get("listing_state"),
    )


def images_from_link(link: dict[str, Any]) -> list[ImageState]:
    metadata = json.loads(link.get("metadata") or "{}")
    return [ImageState(**image) for image in metadata.get("images", [])]


class JobRecorder:
    """The runner's `Recorder` for one job. Thread-safe: the store serialises writes."""

    def __init__(self, store: Store, job: Job, on_event: EventSink | None = None) -> None:
        self.store = store
        self.job = job
        self.on_event = on_event

    def create_intent(self, item_id: int, at: datetime) -> None:
        with self.store.atomic() as db:
            db.table("plan_items").update(item_id, {"create_intent_at": isoformat(at)})

    def created(self, item_id: int, listing_id: int) -> None:
        with self.store.atomic() as db:
            item = db.table("plan_items").get(item_id)
            db.table("plan_items").update(item_id, {"listing_id": listing_id})
            db.execute(
                "UPDATE product_links SET etsy_listing_id = ?, updated_at = ? "
                "WHERE account_id = ? AND product_id = ?",
                [listing_id, isoformat(utcnow()), self.job.account_id, item["product_id"]],
            )

    def finished(self, outcome: PushOutcome) -> None:
        now = isoformat(utcnow())
        with self.store.atomic() as db:
            item = db.table("plan_items").get(outcome.item_id)
            link = link_row(self.store, self.job.account_id, outcome.product_id) or {}
            metadata = json.loads(link.get("metadata") or "{}")
            db.table("plan_items").update(
                outcome.item_id,
                {
                    "outcome": "synced" if outcome.ok else "failed",
                    "error": outcome.error,
                    "listing_id": outcome.listing_id,
                    "updated_at": now,
                },
            )
            changes: dict[str, Any] = {"updated_at": now}
            if outcome.listing_id is not None:
                changes["etsy_listing_id"] = outcome.listing_id
            if outcome.listing_id is not None:
                # Even after a failure: what is on the listing now is the next sync's start.
                metadata["images"] = [image.__dict__ for image in outcome.images]
                if outcome.listing_state:
                    metadata["listing_state"] = outcome.listing_state
                changes["metadata"] = json.dumps(metadata)
            if outcome.ok:
                changes |= {
                    "sync_status": "synced",
                    "etsy_url": outcome.listing_url,
                    "last_synced_at": now,
                    "sync_error": None,
                }
                if item["action"] != "orphaned":
                    changes |= {
                        "payload_fingerprint": item["fingerprint"],
                        "source_fingerprint": item["source_fingerprint"],
                        "synced_payload": item["payload"],
                    }
            else:
                changes |= {"sync_status": "failed", "sync_error": outcome.error}
            db.execute(
                "UPDATE product_links SET "
                + ", ".join(f"{name} = ?" for name in changes)
                + " WHERE account_id = ? AND product_id = ?",
                [*changes.values(), self.job.account_id, outcome.product_id],
            )
            logs.event(
                "item_synced" if outcome.ok else "item_failed",
                transaction_id=self.job.transaction_id,
                product_id=outcome.product_id,
                listing_id=outcome.listing_id,
                error=outcome.error,
            )
            counter = "synced_count" if outcome.ok else "failed_count"
            db.execute(
                f"UPDATE sync_jobs SET {counter} = {counter} + 1 WHERE id = ?", [self.job.id]
            )
            if not outcome.ok:
                job = db.table("sync_jobs").get(self.job.id)
                log = json.loads(job["error_log"])
                log.append(
                    {
                        "product_id": outcome.product_id,
                        "title": item["title"],
                        "error": outcome.error,
                    }
                )
                db.table("sync_jobs").update(self.job.id, {"error_log": json.dumps(log)})
            if outcome.recreated:
                insert_event(
                    db,
                    "listing_recreated",
                    f"listing of {item['title']} was gone from Etsy; created again as "
                    f"{outcome.listing_id}",
                    account_id=self.job.account_id,
                    job_id=self.job.id,
                    product_id=outcome.product_id,
                    data={"listing_id": outcome.listing_id},
                )
