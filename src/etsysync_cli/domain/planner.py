"""Products and their links → plan items. Pure: no I/O, no clock.

For each product the planner decides one action:

- `invalid`: the product cannot become a listing (every reason kept, nothing sent);
- `create`: no listing yet;
- `update`: the listing exists and the draft differs from what was last pushed; the item says
  exactly what differs (`fields` with their names, `images`, `inventory`, `state`), so confirm
  sends only that;
- `unchanged`: the draft is what was last pushed and the link is `synced`: zero Etsy requests.

Linked products that did not come from the source are `orphaned` (`orphan_item`).
Price, quantity and SKU live in Etsy's inventory (etsy-api.md §5), so they show up as an
`inventory` change, never as a field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.domain.mapping import InvalidListing, MappedListing, draft_fingerprint
from etsysync_cli.domain.statuses import Action, LinkStatus

Change = Literal["fields", "images", "inventory", "state"]
ALL_CHANGES: tuple[Change, ...] = ("fields", "images", "inventory", "state")


@dataclass(frozen=True)
class LinkSnapshot:
    """What the store knows of one product's link before this plan."""

    product_id: str
    etsy_listing_id: int | None
    sync_status: LinkStatus
    source_fingerprint: str | None
    payload_fingerprint: str | None
    synced_payload: ListingDraft | None


@dataclass
class PlannedItem:
    product_id: str
    title: str
    action: Action
    draft: ListingDraft | None = None
    fingerprint: str | None = None
    source_fingerprint: str | None = None
    changes: list[Change] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the link's listing, for updates and orphans
    listing_id: int | None = None
    # the source changed since the last sync: the link becomes out_of_sync
    source_changed: bool = False

    @property
    def pushes(self) -> bool:
        return self.action in (Action.CREATE, Action.UPDATE)


def plan_product(
    product_id: str,
    title: str,
    mapped: MappedListing | InvalidListing,
    source_fingerprint: str | None,
    link: LinkSnapshot | None,
) -> PlannedItem:
    if isinstance(mapped, InvalidListing):
        return PlannedItem(
            product_id,
            title,
            Action.INVALID,
            source_fingerprint=source_fingerprint,
            reasons=list(mapped.reasons),
            warnings=list(mapped.warnings),
            listing_id=link.etsy_listing_id if link else None,
        )
    draft = mapped.draft
    item = PlannedItem(
        product_id,
        draft.title,
        Action.CREATE,
        draft=draft,
        fingerprint=draft_fingerprint(draft),
        source_fingerprint=source_fingerprint,
        warnings=list(mapped.warnings),
    )
    if link is None or link.etsy_listing_id is None:
        return item
    item.listing_id = link.etsy_listing_id
    item.source_changed = (
        link.source_fingerprint is not None and link.source_fingerprint != source_fingerprint
    )
    if link.sync_status == LinkStatus.SYNCED and link.payload_fingerprint == item.fingerprint:
        # The listing is what would be sent, whatever else moved in the store (a 14th tag, stock
        # above Etsy's cap): the link stays synced, or the next plan would push it for nothing.
        item.action = Action.UNCHANGED
        item.source_changed = False
        return item
    if link.synced_payload is None and link.sync_status in (LinkStatus.PENDING, LinkStatus.FAILED):
        # Etsy made the listing but the push never completed: finish creating that listing
        # (the runner rebuilds its images and inventory) rather than guess what it holds.
        return item
    item.action = Action.UPDATE
    if link.synced_payload is None:
        # Adopted or never fully pushed: we cannot know what Etsy holds, so send everything.
        item.changes = _everything(draft)
        item.changed_fields = sorted(draft.update_fields())
    else:
        item.changes, item.changed_fields = diff_drafts(link.synced_payload, draft)
        if not item.changes and link.sync_status == LinkStatus.SYNCED:
            # Only what a push never sends differs (a wanted `draft` never unpublishes a live
            # listing): nothing to do.
            item.action = Action.UNCHANGED
        elif not item.changes:
            # Same payload, but the last push did not finish (failed or pending): push it all.
            item.changes = _everything(draft)
            item.changed_fields = sorted(draft.update_fields())
    return item


def diff_drafts(old: ListingDraft, new: ListingDraft) -> tuple[list[Change], list[str]]:
    """What must be sent to turn the listing `old` described into `new`."""
    changes: list[Change] = []
    old_fields, new_fields = old.update_fields(), new.update_fields()
    changed_fields = sorted(
        name
        for name in set(old_fields) | set(new_fields)
        if _canonical(old_fields.get(name)) != _canonical(new_fields.get(name))
    )
    if changed_fields:
        changes.append("fields")
    if [i.source for i in old.images] != [i.source for i in new.images]:
        changes.append("images")
    if old.inventory != new.inventory:  # field by field; Decimals compare by value
        changes.append("inventory")
    if old.state != new.state and _state_to_send(new):
        changes.append("state")
    return changes, changed_fields


def _state_to_send(draft: ListingDraft) -> bool:
    """`listing.state = draft` is about new listings (kept unpublished, no fee): it never
    unpublishes a live one. A state is sent to publish (`active`), or to take down a listing
    with nothing left to sell."""
    return draft.state == "active" or not draft.inventory.has_stock


def _everything(draft: ListingDraft) -> list[Change]:
    """A full update, for a listing whose last pushed state is unknown (adopted, or a push
    that did not finish)."""
    return [c for c in ALL_CHANGES if c != "state" or _state_to_send(draft)]


def orphan_item(link: LinkSnapshot) -> PlannedItem:
    """A linked product that has left the source. Only `--prune` acts on it (deactivate)."""
    title = link.synced_payload.title if link.synced_payload else link.product_id
    return PlannedItem(
        link.product_id,
        title,
        Action.ORPHANED,
        listing_id=link.etsy_listing_id,
        reasons=["the product is no longer in the source"],
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_exact)


def _exact(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 12.5 and 12.50 are the same price
    return str(value)
