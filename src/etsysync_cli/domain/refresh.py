"""Three values per field: what etsysync last pushed (the base), what Etsy holds now, what the
store holds now. Pure: no I/O.

`reconcile` decides, field by field, what the next push sends, so that nothing edited on Etsy
is overwritten unseen (issue 14):

- **store changed, Etsy did not**: the store's value is sent, as before;
- **Etsy changed, store did not**: Etsy's value is *kept* (`keep_etsy`) and put into the draft
  that is pushed, so a push of any other field leaves it in place. The kept value is remembered
  (`accepted`) so that it is not reported again while nothing moves; with `overwrite_edits` the
  store wins instead (`store_wins`);
- **both changed**: the store wins (it is the source of truth), reported as
  `conflict_store_wins`; the same when the store changes a field that was kept earlier;
- **the same value on both sides**: nothing to send, nothing to say.

Quantities are special: Etsy's falls when buyers buy. Units that left Etsy since the last push
are counted (`sold`), never put back: the quantity pushed is at most what Etsy has plus what the
store gained since the last push. A quantity that *rose* on Etsy is a seller's edit like any
other field.

Listings deleted on Etsy are not decided here (the planner does: not re-created unless asked);
a state changed on Etsy (deactivated, sold out, expired) is kept unless `reactivate`.

Values in `EtsyChange` are JSON-ready (Decimals as text), so the same object reaches
`plan --json`, the review table and the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from etsysync_cli.domain.listing import InventoryProduct, ListingDraft, ListingInventory
from etsysync_cli.domain.matching import ShopListing, inventory_key, json_value, variation_key

Resolution = Literal["keep_etsy", "store_wins", "conflict_store_wins"]
RESOLUTIONS: tuple[Resolution, ...] = ("keep_etsy", "store_wins", "conflict_store_wins")
NOT_ACTIVE = ("inactive", "sold_out", "expired")

# updateListing fields compared three ways, in the order they are reported. The processing
# profile is not among them: the batch reads do not carry it (etsy-api.md §10.8).
LISTING_FIELDS = (
    "title",
    "description",
    "tags",
    "materials",
    "who_made",
    "when_made",
    "is_supply",
    "taxonomy_id",
    "shipping_profile_id",
    "return_policy_id",
    "item_weight",
    "item_weight_unit",
    "production_partner_ids",
)
UNORDERED = ("tags", "materials", "production_partner_ids")


@dataclass(frozen=True)
class EtsyChange:
    """One field that Etsy holds differently from what etsysync last pushed."""

    field: str  # a listing field, `state`, `images`, `variants`, or `variants[SKU].price` ...
    synced: Any  # what etsysync last pushed
    etsy: Any  # what Etsy holds now
    store: Any  # what the store holds now
    resolution: Resolution

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "synced": self.synced,
            "etsy": self.etsy,
            "store": self.store,
            "resolution": self.resolution,
        }


@dataclass(frozen=True)
class EtsyPolicy:
    """How to treat what changed on Etsy (settings `sync.etsy_edits` and the plan's flags)."""

    overwrite_edits: bool = False  # the store wins over edits made on Etsy
    recreate_deleted: bool = False  # a listing deleted on Etsy is created again
    reactivate: bool = False  # a listing deactivated, sold out or expired on Etsy is published


@dataclass
class Reconciled:
    draft: ListingDraft  # what to push: the store's draft with Etsy's kept values in it
    changes: list[EtsyChange] = field(default_factory=list)  # what to report
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)  # kept edits to remember
    sold: int = 0  # units that left Etsy since the last push, over all variants
    held_back: list[str] = field(default_factory=list)  # quantities not pushed, and why
    send_fields: list[str] = field(default_factory=list)  # listing fields Etsy must be sent
    send_inventory: bool = False
    send_images: bool = False
    send_state: bool = False

    @property
    def differs(self) -> list[str]:
        """The fields where Etsy holds something else than the store wants (kept or not)."""
        return [change.field for change in self.changes]


def reconcile(
    base: ListingDraft,
    etsy: ShopListing,
    store: ListingDraft,
    *,
    accepted: Mapping[str, Mapping[str, Any]] | None = None,
    base_image_ids: Sequence[int] | None = None,
    policy: EtsyPolicy | None = None,
    push_mark: str | None = None,
) -> Reconciled:
    """What to push to the listing `etsy`, given the draft last pushed to it (`base`), the
    store's draft now (`store`), the edits kept on earlier plans (`accepted`, as a previous
    `Reconciled.accepted`), the image ids recorded at the last push and that push's mark
    (`LinkSnapshot.push_mark`)."""
    policy = policy or EtsyPolicy()
    fields = _Fields({name: dict(kept) for name, kept in (accepted or {}).items()}, policy)
    fields.push_mark = push_mark
    overlay: dict[str, Any] = {}
    base_fields, store_fields = _listing_values(base), _listing_values(store)
    etsy_fields = _etsy_values(etsy)
    weighed = base.item_weight is not None or store.item_weight is not None
    for name in LISTING_FIELDS:
        if name not in etsy_fields:  # not carried by the read (partners, say): unknown
            continue
        if name == "item_weight_unit" and not weighed:
            continue  # a unit without a weight means nothing
        keep = fields.decide(name, base_fields.get(name), etsy_fields[name], store_fields.get(name))
        if keep:
            overlay[name] = _draft_value(name, etsy.fields.get(name))
    # An inventory with nothing in stock is never sent (Etsy refuses one, etsy-api.md §10.15):
    # what Etsy holds then is a placeholder etsysync wrote, not a seller's edit.
    stocked = store.inventory.has_stock
    inventory = _inventory(base, etsy, store, fields) if stocked else store.inventory
    if inventory.model_dump() != store.inventory.model_dump():
        overlay["inventory"] = inventory
    state = _state(base, etsy, store, fields)
    if state is not None:
        overlay["state"] = state
    images_kept = _images(base, etsy, store, base_image_ids, fields)
    if images_kept:
        overlay["images"] = list(base.images)
    draft = store.model_copy(update=overlay) if overlay else store
    result = Reconciled(draft, fields.changes, fields.accepted, fields.sold, fields.held_back)
    # Sent: what the pushed draft holds differently from Etsy; where the read does not say
    # (partners, say), what differs from the last push.
    wanted = draft.update_fields()
    result.send_fields = [
        name
        for name in LISTING_FIELDS
        if name in wanted
        and _canon(name, wanted[name])
        != _canon(name, etsy_fields[name] if name in etsy_fields else base_fields.get(name))
    ]
    result.send_inventory = stocked and (
        inventory_key(draft.inventory) != inventory_key(etsy.inventory)
        # The processing profile is not compared with Etsy's (inventory_key leaves it out):
        # what the store changed since the last push is sent, as before the refresh.
        or _processing_profiles(store.inventory) != _processing_profiles(base.inventory)
    )
    result.send_images = not images_kept and (
        _sources(base) != _sources(store) or _ids_moved(base_image_ids, etsy)
    )
    result.send_state = draft.state == "active" and etsy.state != "active"
    return result


# --- the rule, per field ------------------------------------------------------------------------


class _Fields:
    def __init__(self, accepted: dict[str, dict[str, Any]], policy: EtsyPolicy) -> None:
        self.accepted = accepted
        self.policy = policy
        self.changes: list[EtsyChange] = []
        self.sold = 0
        self.held_back: list[str] = []
        self.push_mark: str | None = None  # the last push's (LinkSnapshot.push_mark)

    def decide(self, name: str, synced: Any, etsy: Any, store: Any) -> bool:
        """Apply the three-way rule to one field; True when Etsy's value is to be kept."""
        s, e, b = _canon(name, store), _canon(name, etsy), _canon(name, synced)
        kept = self.accepted.get(name)
        if e == s:  # the same on both sides: converged, whatever happened before
            self.accepted.pop(name, None)
            return False
        if kept is not None:
            if s != _canon(name, kept.get("store")):
                # The store changed a field that was kept: it wins, and the seller is told.
                return self.store_wins(name, kept.get("synced"), etsy, store, conflict=True)
            if e != _canon(name, kept.get("etsy")):  # edited on Etsy again
                return self.keep(name, kept.get("synced"), etsy, store, report=True)
            return self.keep(name, kept.get("synced"), etsy, store, report=False)
        if e == b:  # only the store changed: sent as before
            return False
        if s == b:  # only Etsy changed
            return self.keep(name, synced, etsy, store, report=True)
        return self.store_wins(name, synced, etsy, store, conflict=True)

    def keep(self, name: str, synced: Any, etsy: Any, store: Any, *, report: bool = True) -> bool:
        if self.policy.overwrite_edits:
            return self.store_wins(name, synced, etsy, store, conflict=False)
        self.accepted[name] = {
            "synced": json_value(synced),
            "etsy": json_value(etsy),
            "store": json_value(store),
        }
        if report:
            self.changes.append(
                EtsyChange(
                    name, json_value(synced), json_value(etsy), json_value(store), "keep_etsy"
                )
            )
        return True

    def store_wins(self, name: str, synced: Any, etsy: Any, store: Any, *, conflict: bool) -> bool:
        self.accepted.pop(name, None)
        resolution: Resolution = "conflict_store_wins" if conflict else "store_wins"
        self.changes.append(
            EtsyChange(name, json_value(synced), json_value(etsy), json_value(store), resolution)
        )
        return False


# --- inventory ----------------------------------------------------------------------------------


def _inventory(
    base: ListingDraft, etsy: ShopListing, store: ListingDraft, fields: _Fields
) -> ListingInventory:
    """The store's inventory with what is kept from Etsy's: prices and SKUs edited on Etsy,
    quantities never above what Etsy has plus what the store gained."""
    if etsy.inventory is None:
        return store.inventory
    held = {variation_key(p): p for p in etsy.inventory.without_filler().products}
    was = {variation_key(p): p for p in base.inventory.products}
    wants = {variation_key(p): p for p in store.inventory.products}
    if set(held) != set(was):
        # Variations added or removed on Etsy (a third one, say): the products cannot be matched
        # one to one. Kept while the store's inventory is what was pushed; once the store
        # changes its inventory, the store's replaces Etsy's (reported as a conflict).
        values = (_skus(was.values()), _skus(held.values()), _skus(wants.values()))
        if inventory_key(store.inventory) != inventory_key(base.inventory):
            fields.store_wins("variants", *values, conflict=True)
        elif fields.keep("variants", *values):  # (the store wins with overwrite_edits)
            return etsy.inventory.without_filler()
        return store.inventory
    products = []
    for key, wanted in wants.items():
        before, now = was.get(key), held.get(key)
        if before is None or now is None or not wanted.offerings or not now.offerings:
            products.append(wanted)  # a variant new in the store: nothing on Etsy to keep
            continue
        products.append(_product(before, now, wanted, fields))
    return store.inventory.model_copy(update={"products": products})


def _product(
    before: InventoryProduct, now: InventoryProduct, wanted: InventoryProduct, fields: _Fields
) -> InventoryProduct:
    label = f"variants[{before.sku or wanted.sku}]"
    offering = wanted.offerings[0]
    b, e = before.offerings[0], now.offerings[0]
    sku = wanted.sku
    if fields.decide(f"{label}.sku", before.sku, now.sku, wanted.sku):
        sku = now.sku
    price = offering.price
    if fields.decide(f"{label}.price", b.price, e.price, offering.price):
        price = _cents(e.price)
    quantity = _quantity(
        f"{label}.quantity", before.sku, b.quantity, e.quantity, offering.quantity, fields
    )
    offerings = [offering.model_copy(update={"price": price, "quantity": quantity})]
    return wanted.model_copy(update={"sku": sku, "offerings": offerings + wanted.offerings[1:]})


def _quantity(name: str, sku: str, pushed: int, held: int, wanted: int, fields: _Fields) -> int:
    """The quantity to push for one variant: never a unit sold on Etsy back.

    `pushed` is what etsysync last sent, `held` what Etsy has now, `wanted` the store's. Units
    that left Etsy since the push are sold; the store's gain is counted from the store's own
    number at that push (`_store_at_push`). So a file that still says 25 after 3 of them sold
    on Etsy keeps pushing 22, and a restock of 5 on top pushes 27."""
    kept = fields.accepted.get(name)
    if held > pushed and kept is None:  # more on Etsy than pushed: the seller's own edit
        return held if fields.decide(name, pushed, held, wanted) else wanted
    before = _store_at_push(kept, pushed, fields.push_mark)
    target = min(wanted, held + max(wanted - before, 0))
    sold = max(pushed - held, 0)
    if sold:
        fields.sold += sold
        resolution: Resolution = "store_wins" if target > held else "keep_etsy"
        fields.changes.append(EtsyChange(name, pushed, held, wanted, resolution))
    if target < wanted:
        fields.accepted[name] = {
            "synced": pushed,
            "etsy": held,
            "store": wanted,  # the store's number at this plan's push, if it is pushed
            "before": before,  # the store's number at the last push, if it is not
            "push": fields.push_mark,
        }
        fields.held_back.append(
            f"{sku or 'the listing'}: {target} on Etsy, not the store's {wanted}: units sold "
            "on Etsy since the store's number last changed are not put back"
        )
    else:
        fields.accepted.pop(name, None)
    return target


def _store_at_push(kept: Mapping[str, Any] | None, pushed: int, push_mark: str | None) -> int:
    """The store's number for a variant when its quantity was last pushed. That is `pushed`,
    unless the push held units back: then the plan that held them remembered the store's
    number (`store`). A plan that held units back and was never pushed (replaced by this one,
    say) leaves the last push as it was: its `before` still holds (the push's mark says which
    push a memory was made after)."""
    if kept is None:
        return pushed
    if "push" in kept and kept["push"] == push_mark:  # no push since that plan
        return int(kept["before"])
    return int(kept["store"])


def _skus(products: Any) -> list[str]:
    return sorted(p.sku for p in products)


def _cents(value: Decimal | str | int) -> Decimal:
    """A price as the store's drafts hold it (two places), so that a kept Etsy price gives the
    same draft, and fingerprint, whether it came from a refresh or from what was kept."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def apply_kept(draft: ListingDraft, kept: Mapping[str, Mapping[str, Any]]) -> ListingDraft:
    """The store's draft with the edits kept on Etsy at the last refresh, for the fields the
    store has not changed since (`plan --no-refresh`: Etsy is not read, and what was kept
    stays kept; a field the store changed is the store's again)."""
    if not kept:
        return draft  # nearly every product of a nightly plan: nothing to look at
    update: dict[str, Any] = {}
    values = _listing_values(draft)
    for name, edit in kept.items():
        if name in LISTING_FIELDS and _canon(name, values.get(name)) == _canon(
            name, edit.get("store")
        ):
            update[name] = _draft_value(name, edit.get("etsy"))
    products = []
    for product in draft.inventory.products:
        products.append(_kept_product(product, kept))
    if products != draft.inventory.products:
        update["inventory"] = draft.inventory.model_copy(update={"products": products})
    return draft.model_copy(update=update) if update else draft


def _kept_product(
    product: InventoryProduct, kept: Mapping[str, Mapping[str, Any]]
) -> InventoryProduct:
    if not product.offerings:
        return product
    label = f"variants[{product.sku}]"
    offering = product.offerings[0]
    changes: dict[str, Any] = {}
    for part, now in (("price", offering.price), ("quantity", offering.quantity)):
        edit = kept.get(f"{label}.{part}")
        if edit is not None and _canon(part, now) == _canon(part, edit.get("store")):
            changes[part] = _cents(edit["etsy"]) if part == "price" else int(edit["etsy"])
    sku_edit = kept.get(f"{label}.sku")
    sku = product.sku
    if sku_edit is not None and product.sku == sku_edit.get("store"):
        sku = str(sku_edit.get("etsy") or "")
    if not changes and sku == product.sku:
        return product
    offerings = [offering.model_copy(update=changes), *product.offerings[1:]]
    return product.model_copy(update={"sku": sku, "offerings": offerings})


# --- state and images ---------------------------------------------------------------------------


def _state(
    base: ListingDraft, etsy: ShopListing, store: ListingDraft, fields: _Fields
) -> str | None:
    """The state to put in the pushed draft: "draft" (touch nothing) when a listing that was
    live went down on Etsy and is not to be published again; None to leave the store's."""
    if etsy.state not in NOT_ACTIVE or store.state != "active":
        return None
    if fields.policy.reactivate:
        fields.changes.append(
            EtsyChange("state", base.state, etsy.state, store.state, "store_wins")
        )
        return None
    fields.changes.append(EtsyChange("state", base.state, etsy.state, store.state, "keep_etsy"))
    return "draft"  # a wanted draft never publishes nor unpublishes a listing


def _images(
    base: ListingDraft,
    etsy: ShopListing,
    store: ListingDraft,
    base_image_ids: Sequence[int] | None,
    fields: _Fields,
) -> bool:
    """True when the images Etsy holds are to be kept as they are."""
    if base_image_ids is None or not _ids_moved(base_image_ids, etsy):
        return False
    store_changed = _sources(base) != _sources(store)
    if store_changed or fields.policy.overwrite_edits:
        resolution: Resolution = "conflict_store_wins" if store_changed else "store_wins"
        fields.changes.append(
            EtsyChange(
                "images", list(base_image_ids), list(etsy.image_ids), _sources(store), resolution
            )
        )
        return False
    kept = fields.accepted.get("images")
    if kept is None or kept.get("etsy") != list(etsy.image_ids):
        fields.changes.append(
            EtsyChange(
                "images", list(base_image_ids), list(etsy.image_ids), _sources(store), "keep_etsy"
            )
        )
    fields.accepted["images"] = {
        "synced": list(base_image_ids),
        "etsy": list(etsy.image_ids),
        "store": _sources(store),
    }
    return True


def _ids_moved(base_image_ids: Sequence[int] | None, etsy: ShopListing) -> bool:
    return base_image_ids is not None and list(base_image_ids) != list(etsy.image_ids)


def _sources(draft: ListingDraft) -> list[str]:
    return [image.source for image in draft.images]


# --- values ---------------------------------------------------------------------------------------


def _listing_values(draft: ListingDraft) -> dict[str, Any]:
    values = dict(draft.update_fields())
    values.setdefault("item_weight", None)
    values.setdefault("item_weight_unit", None)
    values.setdefault("production_partner_ids", list(draft.production_partner_ids))
    values.setdefault("shipping_profile_id", None)
    values.setdefault("return_policy_id", None)
    return values


def _etsy_values(etsy: ShopListing) -> dict[str, Any]:
    values = {name: etsy.fields.get(name) for name in LISTING_FIELDS if name in etsy.fields}
    if etsy.fields.get("production_partner_ids") is None:
        values.pop("production_partner_ids", None)  # the read did not carry them
    return values


def _draft_value(name: str, value: Any) -> Any:
    if name in ("tags", "materials", "production_partner_ids"):
        return list(value or [])
    return value


def _canon(name: str, value: Any) -> str:
    if name == "item_weight" and value is not None and Decimal(str(value)) == 0:
        value = None  # Etsy reads "no weight" back as 0
    if name == "description" and isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
    if name in UNORDERED and isinstance(value, list | tuple):
        value = sorted(value)
    return json.dumps(json_value(value), sort_keys=True)


# --- units sold between the plan and the push ---------------------------------------------------


def etsy_quantities(inventory: ListingInventory | None) -> dict[str, int]:
    """Etsy's quantity of each variant (by its variation values) as a plan read it: what the
    push compares with to see units sold between the plan and the inventory write."""
    if inventory is None:
        return {}
    return {
        _variant_id(p): p.offerings[0].quantity
        for p in inventory.without_filler().products
        if p.offerings
    }


def without_sales_since(
    wanted: ListingInventory, then: Mapping[str, int], now: ListingInventory
) -> tuple[ListingInventory, int]:
    """`wanted`, less the units sold on Etsy since the plan read `then` (Etsy's quantities
    `etsy_quantities` gave), as Etsy's inventory `now` shows them; never below 0. Returns the
    inventory to write and the units taken off. A plan confirmed an hour later must not put
    back what sold on Etsy in that hour."""
    held = etsy_quantities(now)
    products, taken = [], 0
    for product in wanted.products:
        key = _variant_id(product)
        sold = then.get(key, 0) - held.get(key, then.get(key, 0))
        if sold <= 0 or not product.offerings:
            products.append(product)
            continue
        offering = product.offerings[0]
        quantity = max(offering.quantity - sold, 0)
        taken += offering.quantity - quantity
        lowered = offering.model_copy(update={"quantity": quantity})
        products.append(product.model_copy(update={"offerings": [lowered, *product.offerings[1:]]}))
    if not taken:
        return wanted, 0
    return wanted.model_copy(update={"products": products}), taken


def _processing_profiles(inventory: ListingInventory) -> list[tuple[str, str]]:
    """Each offering's processing profile by its variant, in no particular order (as
    inventory_key, the products' order does not count)."""
    return sorted(
        (_variant_id(p), str(o.readiness_state_id)) for p in inventory.products for o in p.offerings
    )


def _variant_id(product: InventoryProduct) -> str:
    return json.dumps(variation_key(product))
