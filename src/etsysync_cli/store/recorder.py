"""Between a staged job and the runner: what to push, and recording each outcome durably.

`push_items` turns a job's unfinished items into the runner's `PushItem`s (a resumed run gets
only what has no outcome yet). `JobRecorder` is the runner's `Recorder`: it writes, in one
transaction per step, the item, its link (through store/links.py) and the job's counters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from etsysync_cli import logs
from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.domain.statuses import Action, Outcome
from etsysync_cli.push.items import ImageState, PushItem, PushOutcome
from etsysync_cli.store import links
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import insert_event
from etsysync_cli.store.jobs import PUSHED, Job


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
    link = links.get(store, job.account_id, row["product_id"])
    detail = json.loads(row["changes"] or "{}")
    action: Literal["create", "update", "deactivate"] = (
        "deactivate" if row["action"] == Action.ORPHANED else row["action"]
    )
    return PushItem(
        item_id=row["id"],
        product_id=row["product_id"],
        action=action,
        draft=ListingDraft.model_validate_json(row["payload"]) if row["payload"] else None,
        changes=frozenset(detail.get("changes", [])),
        changed_fields=tuple(detail.get("fields", [])),
        listing_id=row["listing_id"] or (link.etsy_listing_id if link else None),
        images=tuple(ImageState(**image) for image in link.images) if link else (),
        create_intent_at=parse_time(row["create_intent_at"]),
        listing_state=link.listing_state if link else None,
        etsy_quantities=detail.get("etsy_quantities"),
        etsy_read_at=parse_time(job.options.get("etsy_read_at")),
    )


class JobRecorder:
    """The runner's `Recorder` for one job. Thread-safe: the store serialises writes."""

    def __init__(self, store: Store, job: Job) -> None:
        self.store = store
        self.job = job

    def create_intent(self, item_id: int, at: datetime) -> None:
        with self.store.atomic() as db:
            db.table("plan_items").update(item_id, {"create_intent_at": isoformat(at)})

    def listing_owner(self, listing_id: int) -> str | None:
        """The product of the shop already linked to this listing, if any."""
        return links.owner_of(self.store, self.job.account_id, listing_id)

    def created(self, item_id: int, listing_id: int) -> None:
        """Raises ListingTakenError (nothing recorded) if another product has that listing."""
        with self.store.atomic() as db:
            item = db.table("plan_items").get(item_id)
            links.record_listing(self.store, self.job.account_id, item["product_id"], listing_id)
            db.table("plan_items").update(item_id, {"listing_id": listing_id})

    def finished(self, outcome: PushOutcome) -> None:
        with self.store.atomic() as db:
            item = db.table("plan_items").get(outcome.item_id)
            db.table("plan_items").update(
                outcome.item_id,
                {
                    "outcome": str(Outcome.SYNCED if outcome.ok else Outcome.FAILED),
                    "error": outcome.error,
                    "listing_id": outcome.listing_id,
                    "updated_at": isoformat(utcnow()),
                },
            )
            delivered = outcome.ok and item["action"] != Action.ORPHANED
            links.record_push(
                self.store,
                self.job.account_id,
                outcome.product_id,
                links.PushResult(
                    ok=outcome.ok,
                    listing_id=outcome.listing_id,
                    listing_url=outcome.listing_url,
                    listing_state=outcome.listing_state,
                    images=[image.__dict__ for image in outcome.images],
                    error=outcome.error,
                    payload=item["payload"] if delivered else None,
                    payload_fingerprint=item["fingerprint"] if delivered else None,
                    source_fingerprint=item["source_fingerprint"] if delivered else None,
                ),
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
