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
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from etsysync_cli.domain.diff import Before, FieldChange, update_changes
from etsysync_cli.domain.listing import DraftFacts, ListingDraft
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    PreparedListing,
    draft_fingerprint,
)
from etsysync_cli.domain.matching import ShopListing, differences
from etsysync_cli.domain.refresh import (
    NOT_ACTIVE,
    EtsyChange,
    EtsyPolicy,
    apply_kept,
    etsy_quantities,
    reconcile,
)
from etsysync_cli.domain.statuses import Action, LinkStatus

Change = Literal["fields", "images", "inventory", "state"]
# Links whose last push finished: what Etsy holds of them is compared three ways (a push that
# failed or is pending left Etsy holding part of etsysync's own work, not a seller's edits).
COMPARED_WITH_ETSY = (LinkStatus.SYNCED, LinkStatus.OUT_OF_SYNC)
ALL_CHANGES: tuple[Change, ...] = ("fields", "images", "inventory", "state")


@dataclass(frozen=True)
class LinkSnapshot:
    """What the store knows of one product's link before this plan."""

    product_id: str
    etsy_listing_id: int | None
    sync_status: LinkStatus
    source_fingerprint: str | None
    payload_fingerprint: str | None
    last_push: ListingDraft | str | None  # the draft last pushed, or its JSON as stored
    image_ids: tuple[int, ...] | None = None  # the listing's images as last recorded
    # Tells one recorded push from the next (its time and payload): a quantity held back is
    # counted from the store's number at the push that held it (domain/refresh._quantity).
    push_mark: str | None = None

    @property
    def pushed(self) -> bool:
        """Whether a push of this link was recorded (an adopted listing has none yet)."""
        return self.last_push is not None

    @cached_property
    def synced_payload(self) -> ListingDraft | None:
        """The draft last pushed, read from its JSON when first asked for: a nightly plan of
        unchanged products never needs it (parsing it was a sixth of such a plan)."""
        if isinstance(self.last_push, str):
            return ListingDraft.model_validate_json(self.last_push)
        return self.last_push


@dataclass(frozen=True)
class EtsySide:
    """What is known of a linked listing on Etsy for this plan (issue 14).

    `refreshed`: Etsy was read just now; `listing` is what it holds (None: deleted on Etsy).
    Without a refresh (`plan --no-refresh`) only what the last refresh saw applies: `state`
    and the edits `kept` then."""

    refreshed: bool
    listing: ShopListing | None = None
    state: str | None = None  # Etsy's state as last seen ("deleted" when gone)
    kept: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    policy: EtsyPolicy = field(default_factory=EtsyPolicy)

    @property
    def deleted(self) -> bool:
        return (self.refreshed and self.listing is None) or (
            not self.refreshed and self.state == "deleted"
        )


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
    # What Etsy holds (issue 14): its state ("deleted" when gone; None when not read), the
    # fields that differ from the last push, the edits kept, units sold since the last push.
    etsy_state: str | None = None
    etsy_changes: list[EtsyChange] = field(default_factory=list)
    etsy_kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    sold_on_etsy: int = 0
    # Etsy's quantity per variant when this plan read it, for an update that writes the
    # inventory: the push lowers its quantities by what sold on Etsy since (push/runner.py).
    etsy_quantities: dict[str, int] = field(default_factory=dict)
    etsy_read: bool = False  # an EtsySide was given: its view is recorded
    verified: bool = False  # read on Etsy: the listing holds what the store wants
    # For updates: each change with its old and new value, for the review (domain/diff.py).
    diff: list[FieldChange] = field(default_factory=list)
    # A draft's JSON already written, and the draft it was written of; None for a new product
    # a catalog worker prepared, staged from its JSON and `prepared_facts` alone (`new_listing`).
    written: tuple[ListingDraft | None, str] | None = field(default=None, repr=False)
    prepared_facts: DraftFacts | None = field(default=None, repr=False)

    def payload(self) -> str | None:
        """The draft as JSON, as staged: the reviewed payload."""
        if self.written is not None and self.written[0] is self.draft:
            return self.written[1]
        if self.draft is None:
            return None
        return self.draft.model_dump_json()

    @property
    def facts(self) -> DraftFacts | None:
        """What the plan reads of the draft (None: the item has none, e.g. invalid)."""
        if self.draft is not None:
            return DraftFacts.of(self.draft)
        return self.prepared_facts

    @property
    def etsy_differs(self) -> list[str]:
        """Fields where Etsy keeps holding something else than the store wants."""
        found = set(self.etsy_kept)
        # Units sold on Etsy that the store took off its own stock too (Medusa's write-back):
        # reported, but Etsy and the store agree.
        found |= {
            c.field for c in self.etsy_changes if c.resolution == "keep_etsy" and c.etsy != c.store
        }
        return sorted(found)

    @property
    def pushes(self) -> bool:
        return self.action in (Action.CREATE, Action.UPDATE)


def plan_product(
    product_id: str,
    title: str,
    mapped: MappedListing | InvalidListing,
    source_fingerprint: str | None,
    link: LinkSnapshot | None,
    etsy: EtsySide | None = None,
) -> PlannedItem:
    item = _plan_product(product_id, title, mapped, source_fingerprint, link, etsy)
    if item.action == Action.UPDATE and item.draft is not None and link is not None:
        item.diff = update_changes(
            _before(link, etsy), item.draft, item.changes, item.changed_fields
        )
    return item


def new_listing(
    product_id: str, prepared: PreparedListing, source_fingerprint: str | None
) -> PlannedItem:
    """The item of a product with no link that a catalog worker prepared: a create, as
    `plan_product` makes it, staged from the draft's JSON without reading the draft back from
    it (that reading was a fifth of the plan's own process in a first plan of 100,000)."""
    return PlannedItem(
        product_id,
        prepared.facts.title,
        Action.CREATE,
        fingerprint=prepared.fingerprint,
        written=(None, prepared.payload),
        prepared_facts=prepared.facts,
        source_fingerprint=source_fingerprint,
        warnings=list(prepared.warnings),
    )


def _before(link: LinkSnapshot, etsy: EtsySide | None) -> Before:
    """What the listing holds before the push: Etsy's when read just now, else the last push
    (as seen through the edits kept on Etsy), else nothing known (an adopted listing)."""
    if etsy is not None and etsy.refreshed and etsy.listing is not None:
        return Before.from_etsy(etsy.listing, link.synced_payload)
    last = link.synced_payload
    if last is not None:
        kept = etsy.kept if etsy is not None else {}
        return Before.from_draft(apply_kept(last, kept))
    return Before(fields={}, inventory=None, state=None)


def _plan_product(
    product_id: str,
    title: str,
    mapped: MappedListing | InvalidListing,
    source_fingerprint: str | None,
    link: LinkSnapshot | None,
    etsy: EtsySide | None,
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
            # A linked product that became invalid: its listing no longer matches the store.
            source_changed=link is not None
            and link.source_fingerprint is not None
            and link.source_fingerprint != source_fingerprint,
        )
    draft = mapped.draft
    item = PlannedItem(
        product_id,
        draft.title,
        Action.CREATE,
        draft=draft,
        fingerprint=mapped.fingerprint or draft_fingerprint(draft),
        written=(draft, mapped.payload) if mapped.payload is not None else None,
        source_fingerprint=source_fingerprint,
        warnings=list(mapped.warnings),
    )
    if link is None or link.etsy_listing_id is None:
        return item
    item.listing_id = link.etsy_listing_id
    item.source_changed = (
        link.source_fingerprint is not None and link.source_fingerprint != source_fingerprint
    )
    if etsy is not None and link.pushed and link.sync_status in COMPARED_WITH_ETSY:
        # A listing whose last push finished: what Etsy holds now is part of the decision.
        # (After a push that failed half-way, what Etsy holds is partly etsysync's own work,
        # which must not pass for edits made on Etsy: those are pushed in full, as before.)
        item.etsy_read = True
        if etsy.deleted:
            return _deleted_on_etsy(item, etsy)
        if etsy.refreshed and etsy.listing is not None:
            return _against_etsy(item, link, etsy.listing, etsy)
        draft = apply_kept(draft, etsy.kept)
        if etsy.state in NOT_ACTIVE and draft.state == "active" and not etsy.policy.reactivate:
            draft = draft.model_copy(update={"state": "draft"})  # taken down on Etsy: kept
        if draft is not item.draft:  # the same draft keeps its fingerprint
            item.draft, item.fingerprint = draft, draft_fingerprint(draft)
        item.etsy_kept = {name: dict(edit) for name, edit in etsy.kept.items()}
        item.etsy_state = None  # not read
        link = _with_kept_base(link, etsy)
    if (
        etsy is not None
        and etsy.refreshed
        and etsy.listing is not None
        and not link.pushed
        and link.sync_status in COMPARED_WITH_ETSY
    ):
        return _against_adopted(item, etsy.listing)
    if link.sync_status == LinkStatus.SYNCED and link.payload_fingerprint == item.fingerprint:
        # The listing is what would be sent, whatever else moved in the store (a 14th tag, stock
        # above Etsy's cap): the link stays synced, or the next plan would push it for nothing.
        item.action = Action.UNCHANGED
        item.source_changed = False
        return item
    if not link.pushed and link.sync_status in (LinkStatus.PENDING, LinkStatus.FAILED):
        # Etsy made the listing but the push never completed: finish creating that listing
        # (the runner rebuilds its images and inventory) rather than guess what it holds.
        return item
    item.action = Action.UPDATE
    last = link.synced_payload
    if last is None:
        # Adopted or never fully pushed: we cannot know what Etsy holds, so send everything.
        item.changes = _everything(draft)
        item.changed_fields = sorted(draft.update_fields())
    else:
        item.changes, item.changed_fields = diff_drafts(last, draft)
        if not item.changes and link.sync_status == LinkStatus.SYNCED:
            # Only what a push never sends differs (a wanted `draft` never unpublishes a live
            # listing): nothing to do.
            item.action = Action.UNCHANGED
        elif not item.changes:
            # Same payload, but the last push did not finish (failed or pending): push it all.
            item.changes = _everything(draft)
            item.changed_fields = sorted(draft.update_fields())
    return item


def _with_kept_base(link: LinkSnapshot, etsy: EtsySide) -> LinkSnapshot:
    """The last push as seen through the edits kept on Etsy, so that a kept field is not a
    change to send (`--no-refresh`)."""
    if not etsy.kept:
        return link  # nothing kept: the last push stays unparsed (LinkSnapshot.synced_payload)
    assert link.synced_payload is not None
    base = apply_kept(link.synced_payload, etsy.kept)
    if base == link.synced_payload:
        return link
    return LinkSnapshot(
        link.product_id,
        link.etsy_listing_id,
        link.sync_status,
        link.source_fingerprint,
        link.payload_fingerprint,
        base,
        link.image_ids,
    )


def _deleted_on_etsy(item: PlannedItem, etsy: EtsySide) -> PlannedItem:
    item.etsy_state = "deleted"
    if etsy.policy.recreate_deleted:
        item.action, item.listing_id = Action.CREATE, None
        item.warnings.append("deleted on Etsy: created again (--recreate-deleted)")
        return item
    item.action, item.source_changed = Action.UNCHANGED, False
    item.warnings.append(
        "deleted on Etsy (not re-created; `plan --recreate-deleted` creates it again)"
    )
    return item


def _against_etsy(
    item: PlannedItem, link: LinkSnapshot, listing: ShopListing, etsy: EtsySide
) -> PlannedItem:
    """Three values per field: the last push, Etsy now, the store now (domain/refresh.py)."""
    assert link.synced_payload is not None and item.draft is not None
    result = reconcile(
        link.synced_payload,
        listing,
        item.draft,
        accepted=etsy.kept,
        base_image_ids=link.image_ids,
        policy=etsy.policy,
        push_mark=link.push_mark,
    )
    item.draft, item.fingerprint = result.draft, draft_fingerprint(result.draft)
    item.etsy_state = listing.state
    item.etsy_changes = result.changes
    item.etsy_kept = result.accepted
    item.sold_on_etsy = result.sold
    item.warnings.extend(result.held_back)
    changes: list[Change] = []
    if result.send_fields:
        changes.append("fields")
    if result.send_images:
        changes.append("images")
    if result.send_inventory:
        changes.append("inventory")
    takes_down = not result.draft.inventory.has_stock and listing.state == "active"
    if result.send_state or takes_down:
        changes.append("state")
    item.changes, item.changed_fields = changes, list(result.send_fields)
    if "inventory" in changes:
        item.etsy_quantities = etsy_quantities(listing.inventory)
    item.action = Action.UPDATE if changes else Action.UNCHANGED
    if not changes:
        item.source_changed = False
        # Etsy holds what the store wants: that is the last push from now on. Also for a synced
        # link whose draft moved with Etsy (units sold there and taken off the store's stock):
        # kept as the base, the next restock would be counted from the old number and held
        # back. Not while an edit made on Etsy is kept (the base must stay what was pushed).
        item.verified = link.sync_status == LinkStatus.OUT_OF_SYNC or (
            link.payload_fingerprint != item.fingerprint and not item.etsy_differs
        )
    return item


def _against_adopted(item: PlannedItem, listing: ShopListing) -> PlannedItem:
    """An adopted listing (no push of etsysync's own yet), read on Etsy just now: only what it
    holds differently from the draft is sent, as `adopt` compared it (domain/matching.py). Its
    images cannot be compared (Etsy gives no content hash): they are replaced only when their
    number differs. Nothing differs: the listing is recorded as pushed (`verified`), so the
    plan after `adopt` shows no change on a listing that adopt found already matching."""
    assert item.draft is not None
    draft = item.draft
    item.etsy_read, item.etsy_state = True, listing.state
    found = differences(draft, listing)
    fields = sorted(name for name in found if name not in ("inventory", "state"))
    changes: list[Change] = ["fields"] if fields else []
    if len(draft.images) != len(listing.image_ids):
        changes.append("images")
    if "inventory" in found and draft.inventory.has_stock:
        changes.append("inventory")
    if "state" in found:
        changes.append("state")
    item.changes, item.changed_fields = changes, fields
    item.action = Action.UPDATE if changes else Action.UNCHANGED
    if not changes:
        item.source_changed, item.verified = False, True
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
