"""What an update changes, value by value, for the review (issue 16). Pure: no I/O.

The planner decides *what* is sent (`changes`, `changed_fields`); this module says, for the
seller, what each of those goes from and to: `title: 'Mug' → 'Blue mug'`, `LT-S price: 25.00 →
28.00`, tags added and removed, images as counts added, removed and moved, the state.

"Old" is the best knowledge of what the listing holds: what Etsy holds now when the plan read it
(`Before.from_etsy`), else what etsysync last pushed (`Before.from_draft`). Values are JSON-ready
(prices as text with two places), so the same objects reach `plan --json` and the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from etsysync_cli.domain.listing import InventoryProduct, ListingDraft, ListingInventory
from etsysync_cli.domain.matching import ShopListing, json_value

# Listing fields whose values are sets to the seller: shown as added and removed.
LISTS = ("tags", "materials", "production_partner_ids")


@dataclass(frozen=True)
class FieldChange:
    """One thing an update changes: `field` goes from `old` to `new` (for a variant, `sku`
    names it). Images carry counts: `old`/`new` images, and how many are added, removed or
    moved."""

    field: str
    old: Any
    new: Any
    sku: str | None = None
    added: Any = None  # tags/materials: the values; images: a count
    removed: Any = None
    moved: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "old": self.old, "new": self.new}
        for name in ("sku", "added", "removed", "moved"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True)
class Before:
    """What the listing holds before the push, as far as the plan knows."""

    fields: Mapping[str, Any]
    inventory: ListingInventory | None
    state: str | None
    images: tuple[str, ...] | None = None  # image sources last pushed (None: unknown)
    image_count: int | None = None  # images on the listing

    @classmethod
    def from_draft(cls, draft: ListingDraft) -> Before:
        return cls(
            fields=draft.update_fields(),
            inventory=draft.inventory,
            state=draft.state,
            images=tuple(i.source for i in draft.images),
            image_count=len(draft.images),
        )

    @classmethod
    def from_etsy(cls, listing: ShopListing, pushed: ListingDraft | None) -> Before:
        """Etsy's fields, inventory and state; the images as last pushed when known (Etsy
        gives no content to compare them by), else only their number."""
        fields = dict(pushed.update_fields()) if pushed is not None else {}
        fields.update(listing.fields)
        return cls(
            fields=fields,
            inventory=listing.inventory.without_filler() if listing.inventory else None,
            state=listing.state,
            images=tuple(i.source for i in pushed.images) if pushed is not None else None,
            image_count=len(listing.image_ids),
        )


@dataclass
class _Diff:
    before: Before
    draft: ListingDraft
    found: list[FieldChange] = field(default_factory=list)

    def add(self, change: FieldChange) -> None:
        self.found.append(change)


def update_changes(
    before: Before, draft: ListingDraft, changes: Iterable[str], changed_fields: Iterable[str]
) -> list[FieldChange]:
    """The value-level changes of an update that sends `changes` (fields named in
    `changed_fields`, images, inventory, state) to turn `before` into `draft`."""
    diff = _Diff(before, draft)
    sent = set(changes)
    if "fields" in sent:
        wanted = draft.update_fields()
        for name in changed_fields:
            _field(diff, name, before.fields.get(name), wanted.get(name))
    if "inventory" in sent:
        _inventory(diff, before.inventory, draft.inventory)
    if "images" in sent:
        _images(diff, before, draft)
    if "state" in sent:
        # A state is sent to publish, or to take down a listing with nothing left to sell.
        new_state = "active" if draft.state == "active" else "inactive"
        if before.state != new_state:
            diff.add(FieldChange("state", before.state, new_state))
    return diff.found


def _field(diff: _Diff, name: str, old: Any, new: Any) -> None:
    if name in LISTS:
        old_set, new_set = set(json_value(old) or []), set(json_value(new) or [])
        diff.add(
            FieldChange(
                name,
                json_value(old),
                json_value(new),
                added=sorted(new_set - old_set, key=str),
                removed=sorted(old_set - new_set, key=str),
            )
        )
        return
    diff.add(FieldChange(name, json_value(old), json_value(new)))


def _inventory(diff: _Diff, old: ListingInventory | None, new: ListingInventory) -> None:
    wants = {_label(p): p for p in new.products}
    if old is None:  # what the listing holds is not known: the new values only
        for label, product in wants.items():
            price, quantity = _offer(product)
            sku = label if len(wants) > 1 else None
            diff.add(FieldChange("price", None, price, sku=sku))
            diff.add(FieldChange("quantity", None, quantity, sku=sku))
        return
    was = {_label(p): p for p in old.products if not p.is_filler}
    single = len(wants) == 1 and len(was) <= 1  # a listing without variants: no SKU label
    for label, product in wants.items():
        before = was.get(label)
        if before is None and single and was:
            before = next(iter(was.values()))  # the SKU itself changed
        sku = None if single else label
        price, quantity = _offer(product)
        if before is None:
            diff.add(FieldChange("variant", None, f"{price}, qty {quantity}", sku=label or None))
            continue
        old_price, old_quantity = _offer(before)
        if single and before.sku != product.sku:
            diff.add(FieldChange("sku", before.sku or None, product.sku or None))
        if old_price != price:
            diff.add(FieldChange("price", old_price, price, sku=sku))
        if old_quantity != quantity:
            diff.add(FieldChange("quantity", old_quantity, quantity, sku=sku))
    for label in was.keys() - wants.keys():
        if single:
            continue
        price, quantity = _offer(was[label])
        diff.add(FieldChange("variant", f"{price}, qty {quantity}", None, sku=label or None))


def _label(product: InventoryProduct) -> str:
    """A variant's name in the review: its SKU, else its variation values."""
    if product.sku:
        return product.sku
    return "/".join(v for pv in product.property_values for v in pv.values)


def _offer(product: InventoryProduct) -> tuple[str | None, int]:
    if not product.offerings:
        return None, 0
    offering = product.offerings[0]
    price = Decimal(str(offering.price)).quantize(Decimal("0.01"))
    return str(price), offering.quantity if offering.is_enabled else 0


def _images(diff: _Diff, before: Before, draft: ListingDraft) -> None:
    new = [i.source for i in draft.images]
    if before.images is None or not any(before.images):
        # Content unknown (an adopted listing): the store's images replace Etsy's.
        old_count = before.image_count if before.image_count is not None else 0
        diff.add(FieldChange("images", old_count, len(new), added=len(new), removed=old_count))
        return
    old = list(before.images)
    kept = [s for s in new if s in old]
    moved = sum(1 for a, b in zip([s for s in old if s in kept], kept, strict=True) if a != b)
    diff.add(
        FieldChange(
            "images",
            len(old),
            len(new),
            added=sum(1 for s in new if s not in old),
            removed=sum(1 for s in old if s not in new),
            moved=moved,
        )
    )
