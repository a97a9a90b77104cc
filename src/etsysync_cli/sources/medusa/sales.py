"""Etsy sales written back to Medusa as reservations, exactly once per Etsy transaction.

**Why a reservation.** A Medusa v2 store already takes stock this way when an order is placed:
the inventory module reserves units at a stock location, and the admin shows them under
Inventory → the item → *Reserved*, with *Available* = stocked - reserved. A unit sold on Etsy is
the same thing, a unit promised to a buyer and not yet shipped, so the seller sees it where they
look for it, next to their own orders. Compared with lowering `stocked_quantity`:

- a reservation is a record of its own, so it can carry the Etsy transaction id (in `metadata`
  and in the `description` the admin shows). That is what makes the write checkable: before
  writing, etsysync looks for the reservation of that transaction, so a run killed between the
  Medusa write and recording it locally finds it and does not reserve the units twice. A change
  of a stock level carries no such mark, and two runs could not tell whether it was done.
- it can be undone exactly: a cancelled Etsy order deletes its reservation, and the units are
  available again, whatever else changed the stock meanwhile.
- `stocked_quantity` keeps meaning what is on the shelf; the seller ships the Etsy order and then
  deletes the reservation while lowering the stock, as they would for an order fulfilled outside
  Medusa. (Deleting it earlier does not make etsysync write it again: once the caller recorded a
  sale, it does not ask again; the lookup only covers the window before that record.)

Creating a Medusa *order* instead would bring customers, addresses, payments and tax into a
store that did not sell anything; it is more than a seller asked for.

**What one sale does.** The variant is found by SKU in its product (a product with one variant
needs none). A variant without managed inventory, or of a product deleted from Medusa since, has
nothing to lower: `not_tracked`. Each of the variant's inventory items (a kit has several,
each `required_quantity` per unit) gets one reservation of `quantity * required_quantity` at
one stock location of the sales channel:
`location_id`, else `medusa.stock_location_id`, else the channel's only location, else the only
one of them that stocks every item of the variant; otherwise the sale fails and names the
choices. Medusa refuses a reservation beyond what is available (the units were also sold in
the store): that sale fails, said plainly, and is tried again on the next run.

**A cancelled sale** deletes the reservations carrying its transaction id, so the units return
to available stock (`undone`); when there is none (never written, or already released) it is
`undone` too, with nothing changed: cancelling twice is harmless (so is cancelling a sale of a
product deleted since: its inventory went with it). Units the seller already shipped and
took off the stock are not put back: etsysync only releases what it reserved.

Failures are per sale (`failed` and why; the caller records it and asks again next run). What
concerns every sale raises: a refused key (`MedusaAuthError`), a configured location that is not
one of the channel's, a channel with no location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeGuard
from urllib.parse import quote

import httpx

from etsysync_cli.config import Settings, env_name
from etsysync_cli.errors import EtsysyncError, SourceError
from etsysync_cli.sources.medusa.client import MedusaAuthError, MedusaClient, MedusaRetryPolicy
from etsysync_cli.sources.medusa.products import MedusaSource

Outcome = Literal["written", "already_there", "undone", "not_tracked", "failed"]

PAGE_SIZE = 100
RESERVATION_FIELDS = "id,location_id,inventory_item_id,quantity,description,metadata"
VARIANT_FIELDS = ",".join(
    (
        "id",
        "variants.id",
        "variants.sku",
        "variants.title",
        "variants.manage_inventory",
        "variants.inventory_items.inventory_item_id",
        "variants.inventory_items.required_quantity",
        "variants.inventory_items.inventory.location_levels.location_id",
    )
)
TRANSACTION_KEY = "etsy_transaction_id"  # in each reservation's metadata: the mark looked up


@dataclass(frozen=True)
class SaleToWrite:
    """One Etsy transaction of a linked listing, as recorded by etsysync."""

    transaction_id: int
    receipt_id: int
    product_id: str  # the Medusa product id
    sku: str | None
    quantity: int
    cancelled: bool


@dataclass(frozen=True)
class SaleWritten:
    """What became of one sale in Medusa. Every outcome but `failed` is final for that sale."""

    transaction_id: int
    outcome: Outcome
    why: str
    location_id: str | None = None
    reservation_ids: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.outcome != "failed"


def write_sales(
    settings: Settings,
    url: str,
    sales: Sequence[SaleToWrite],
    *,
    location_id: str | None = None,
    home: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> list[SaleWritten]:
    """Reserve each sale's units in Medusa (release them for a cancelled one), once per Etsy
    transaction, and say per sale what happened, in the order given."""
    if not sales:
        return []
    with MedusaSource.open(settings, home=home, url=url, transport=transport, retry=retry) as src:
        writer = _Writer(src, location_id or settings.medusa.stock_location_id)
        return [writer.write(sale) for sale in sales]


# --- what is read from Medusa ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    inventory_item_id: str
    required_quantity: int
    location_ids: frozenset[str]  # where the item has a stock level


@dataclass(frozen=True)
class _Variant:
    sku: str | None
    label: str  # the SKU, or the title when it has none
    managed: bool
    items: tuple[_Item, ...]


@dataclass
class _Locations:
    choices: list[dict[str, str]]  # id and name of each stock location of the channel
    fixed: str | None  # the one every sale uses, when there is one
    where: str = ""  # "the sales channel Etsy" / "the store", for messages
    names: dict[str, str] = field(default_factory=dict)

    def describe(self, location_id: str) -> str:
        name = self.names.get(location_id)
        return f"{name} ({location_id})" if name else location_id


class StockLocationError(SourceError):
    """The stock location for sales cannot be settled for any sale: a configured one the
    channel does not have, or a channel with none."""


class _SaleFailed(Exception):
    """One sale cannot be written now; its message says why."""


class _ProductGone(_SaleFailed):
    """The sale's Medusa product was deleted."""


class _Writer:
    """Writes sales one by one, reading each product and inventory item once per batch."""

    def __init__(self, source: MedusaSource, wanted_location: str | None) -> None:
        self.source = source
        self.client: MedusaClient = source.client
        self.wanted_location = wanted_location.strip() if wanted_location else None
        self._locations: _Locations | None = None
        self._products: dict[str, list[_Variant]] = {}
        self._reservations: dict[str, list[dict[str, Any]]] = {}

    def write(self, sale: SaleToWrite) -> SaleWritten:
        try:
            return self._write(sale)
        except (MedusaAuthError, StockLocationError):
            raise
        except _SaleFailed as exc:
            return SaleWritten(sale.transaction_id, "failed", str(exc))
        except EtsysyncError as exc:
            return SaleWritten(sale.transaction_id, "failed", exc.message)

    def _write(self, sale: SaleToWrite) -> SaleWritten:
        if sale.quantity < 1 and not sale.cancelled:
            raise _SaleFailed(f"the sale has quantity {sale.quantity}; nothing to reserve")
        try:
            variant = self._variant(sale)
        except _ProductGone:
            # Its inventory items went with it: there is no stock left to lower, and nothing
            # can still be held for this order. Failing would retry it (and exit 3) for ever.
            if not sale.cancelled:
                return SaleWritten(
                    sale.transaction_id,
                    "not_tracked",
                    f"Medusa product {sale.product_id} no longer exists; there is no stock "
                    "to lower",
                )
            return SaleWritten(
                sale.transaction_id,
                "undone",
                f"the Etsy order was cancelled and Medusa product {sale.product_id} no longer "
                "exists; nothing to release",
            )
        if not variant.managed:
            return SaleWritten(
                sale.transaction_id,
                "not_tracked",
                f"Medusa does not manage the inventory of variant {variant.label}; "
                "there is no stock to lower",
            )
        if not variant.items:
            raise _SaleFailed(
                f"variant {variant.label} manages inventory but has no inventory item"
            )
        held = {item.inventory_item_id: self._held(item, sale) for item in variant.items}
        if sale.cancelled:
            return self._release(sale, held)
        missing = [item for item in variant.items if not held[item.inventory_item_id]]
        present = tuple(r["id"] for found in held.values() for r in found)
        if not missing:
            return SaleWritten(
                sale.transaction_id,
                "already_there",
                "Medusa already holds the reservation of this Etsy transaction",
                location_id=_first_location(held),
                reservation_ids=present,
            )
        location = self._location_for(variant)
        created = tuple(self._reserve(item, sale, location) for item in missing)
        units = sale.quantity
        return SaleWritten(
            sale.transaction_id,
            "written",
            f"reserved {units} unit{'s' if units != 1 else ''} of {variant.label} at "
            f"{self.locations().describe(location)}",
            location_id=location,
            reservation_ids=present + created,
        )

    # --- the variant --------------------------------------------------------------------------

    def _variant(self, sale: SaleToWrite) -> _Variant:
        variants = self._product(sale.product_id)
        if sale.sku:
            found = [v for v in variants if v.sku == sale.sku]
            if len(found) == 1:
                return found[0]
            skus = ", ".join(sorted(v.sku for v in variants if v.sku)) or "none"
            if found:
                raise _SaleFailed(f"Medusa product {sale.product_id} has several SKU {sale.sku}")
            raise _SaleFailed(
                f"Medusa product {sale.product_id} has no variant with SKU {sale.sku} "
                f"(it has: {skus})"
            )
        if len(variants) == 1:
            return variants[0]
        raise _SaleFailed(
            f"the sale has no SKU and Medusa product {sale.product_id} has {len(variants)} "
            "variants; cannot tell which one sold"
        )

    def _product(self, product_id: str) -> list[_Variant]:
        if product_id not in self._products:
            answer = self.client.request(
                "GET",
                f"/admin/products/{quote(product_id, safe='')}",
                [("fields", VARIANT_FIELDS)],
                allow=(404,),
            )
            if answer.get("_status") == 404:
                raise _ProductGone(f"Medusa product {product_id} no longer exists")
            product = answer.get("product")
            raw = product.get("variants") if isinstance(product, dict) else None
            self._products[product_id] = [_parse_variant(v) for v in raw or [] if _is_obj(v)]
        return self._products[product_id]

    # --- the stock location -------------------------------------------------------------------

    def locations(self) -> _Locations:
        """The channel's stock locations, and the one every sale uses when that is decided."""
        if self._locations is None:
            channel = self.source.channel()
            if channel is not None:
                choices = self.source.channel_locations(channel)
                where = f"the sales channel {channel.name}"
            else:
                choices = self._all_locations()
                where = "the store"
            if not choices:
                raise StockLocationError(
                    f"{where} has no stock location, so sales cannot be reserved",
                    hint="link a stock location to the sales channel in the Medusa admin",
                )
            names = {c["id"]: c["name"] for c in choices}
            fixed = None
            if self.wanted_location:
                fixed = _pick(choices, self.wanted_location, where)
            elif len(choices) == 1:
                fixed = choices[0]["id"]
            self._locations = _Locations(choices, fixed, where, names)
        return self._locations

    def _all_locations(self) -> list[dict[str, str]]:
        answer = self.client.get(
            "/admin/stock-locations", [("fields", "id,name"), ("limit", 1000), ("order", "id")]
        )
        return [
            {"id": str(loc["id"]), "name": str(loc.get("name") or "")}
            for loc in answer.get("stock_locations") or []
            if _is_obj(loc) and loc.get("id")
        ]

    def _location_for(self, variant: _Variant) -> str:
        locations = self.locations()
        if locations.fixed:
            return locations.fixed
        # Several locations and none configured: the one that stocks the whole variant, if only
        # one does. Anything else is a choice the seller makes once, in the settings.
        stocking = [
            c["id"]
            for c in locations.choices
            if all(c["id"] in item.location_ids for item in variant.items)
        ]
        if len(stocking) == 1:
            return stocking[0]
        named = ", ".join(f"{c['name']} ({c['id']})" for c in locations.choices)
        raise _SaleFailed(
            f"{locations.where} has {len(locations.choices)} stock locations: {named}; "
            f"{'more than one' if stocking else 'none'} of them stocks all of {variant.label}, "
            "so choose the one Etsy sales come from: `etsysync config set "
            f"medusa.stock_location_id ID` (or {env_name('medusa.stock_location_id')})"
        )

    # --- reservations -------------------------------------------------------------------------

    def _held(self, item: _Item, sale: SaleToWrite) -> list[dict[str, Any]]:
        """The reservations of `item` that carry this sale's Etsy transaction id."""
        return [
            r
            for r in self._item_reservations(item.inventory_item_id)
            if _transaction_of(r) == str(sale.transaction_id)
        ]

    def _item_reservations(self, inventory_item_id: str) -> list[dict[str, Any]]:
        if inventory_item_id not in self._reservations:
            self._reservations[inventory_item_id] = list(self._read_reservations(inventory_item_id))
        return self._reservations[inventory_item_id]

    def _read_reservations(self, inventory_item_id: str) -> Iterator[dict[str, Any]]:
        # The list route filters by item but not by metadata: read the item's open reservations
        # (an order's are deleted when it ships, so these are few) and match the mark here.
        offset = 0
        while True:
            answer = self.client.get(
                "/admin/reservations",
                [
                    ("inventory_item_id", inventory_item_id),
                    ("fields", RESERVATION_FIELDS),
                    ("order", "id"),
                    ("limit", PAGE_SIZE),
                    ("offset", offset),
                ],
            )
            page = [r for r in answer.get("reservations") or [] if _is_obj(r)]
            yield from page
            offset += len(page)
            count = answer.get("count")
            if not page or not isinstance(count, int) or offset >= count:
                return

    def _reserve(self, item: _Item, sale: SaleToWrite, location_id: str) -> str:
        quantity = sale.quantity * item.required_quantity
        answer = self.client.request(
            "POST",
            "/admin/reservations",
            [("fields", RESERVATION_FIELDS)],
            body={
                "inventory_item_id": item.inventory_item_id,
                "location_id": location_id,
                "quantity": quantity,
                "description": f"Etsy order {sale.receipt_id}, transaction {sale.transaction_id}"
                + (f": {sale.quantity} x {sale.sku}" if sale.sku else ""),
                "metadata": {
                    TRANSACTION_KEY: str(sale.transaction_id),
                    "etsy_receipt_id": str(sale.receipt_id),
                    "created_by": "etsysync",
                },
            },
            allow=(400, 404),  # not enough available (400), not stocked there (404)
        )
        if "_status" in answer:
            said = answer.get("_message") or f"HTTP {answer['_status']}"
            raise _SaleFailed(f"{self._refused(item, location_id, quantity)} (Medusa: {said})")
        reservation = answer.get("reservation")
        if not _is_obj(reservation) or not reservation.get("id"):
            raise _SaleFailed("Medusa answered the reservation without its id")
        self._item_reservations(item.inventory_item_id).append(reservation)
        return str(reservation["id"])

    def _refused(self, item: _Item, location_id: str, quantity: int) -> str:
        """Why Medusa refused a reservation, in words; its own message is added after."""
        where = self.locations().describe(location_id)
        if location_id not in item.location_ids:
            return (
                f"inventory item {item.inventory_item_id} is not stocked at {where}; add it "
                "there in the Medusa admin or choose another medusa.stock_location_id"
            )
        return (
            f"Medusa has fewer than {quantity} available of inventory item "
            f"{item.inventory_item_id} at {where}: the units sold on Etsy were sold elsewhere "
            "too; restock or cancel, the next run tries again"
        )

    def _release(self, sale: SaleToWrite, held: dict[str, list[dict[str, Any]]]) -> SaleWritten:
        released = []
        for inventory_item_id, found in held.items():
            for reservation in found:
                rid = str(reservation["id"])
                self.client.request(
                    "DELETE", f"/admin/reservations/{quote(rid, safe='')}", allow=(404,)
                )
                self._item_reservations(inventory_item_id).remove(reservation)
                released.append(rid)
        why = (
            f"the Etsy order was cancelled: released {sale.quantity} reserved unit"
            f"{'s' if sale.quantity != 1 else ''}"
            if released
            else "the Etsy order was cancelled and Medusa holds nothing for it"
        )
        return SaleWritten(
            sale.transaction_id,
            "undone",
            why,
            location_id=_first_location(held),
            reservation_ids=tuple(released),
        )


# --- small readers --------------------------------------------------------------------------------


def _is_obj(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


def _parse_variant(raw: dict[str, Any]) -> _Variant:
    items = []
    for link in raw.get("inventory_items") or []:
        if not _is_obj(link) or not link.get("inventory_item_id"):
            continue
        inventory = link.get("inventory")
        levels = (inventory.get("location_levels") if _is_obj(inventory) else None) or []
        items.append(
            _Item(
                str(link["inventory_item_id"]),
                max(int(link.get("required_quantity") or 1), 1),
                frozenset(str(lv["location_id"]) for lv in levels if _is_obj(lv)),
            )
        )
    return _Variant(
        sku=str(raw["sku"]) if raw.get("sku") else None,
        label=str(raw.get("sku") or raw.get("title") or raw.get("id", "?")),
        managed=bool(raw.get("manage_inventory")),
        items=tuple(items),
    )


def _transaction_of(reservation: dict[str, Any]) -> str | None:
    metadata = reservation.get("metadata")
    value = metadata.get(TRANSACTION_KEY) if isinstance(metadata, dict) else None
    return str(value) if value is not None else None


def _first_location(held: dict[str, list[dict[str, Any]]]) -> str | None:
    for found in held.values():
        for reservation in found:
            if reservation.get("location_id"):
                return str(reservation["location_id"])
    return None


def _pick(choices: list[dict[str, str]], wanted: str, where: str) -> str:
    matchers: list[Callable[[dict[str, str]], bool]] = [
        lambda c: c["id"] == wanted,
        lambda c: c["name"] == wanted,
    ]
    for match in matchers:
        found = [c for c in choices if match(c)]
        if len(found) == 1:
            return found[0]["id"]
    named = ", ".join(f"{c['name']} ({c['id']})" for c in choices)
    raise StockLocationError(
        f"medusa.stock_location_id is {wanted!r}, which is not a stock location of {where} "
        f"(it has: {named})",
        hint="`etsysync config set medusa.stock_location_id ID` with one of those",
    )
