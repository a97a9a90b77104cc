"""Builders for runner tests: drafts, images, a recording job store, sandbox inspection."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx

from etsysync_cli.domain.listing import (
    ImageRef,
    InventoryProduct,
    ListingDraft,
    ListingInventory,
    Offering,
    PropertyValue,
)
from etsysync_cli.errors import SourceError
from etsysync_cli.push.runner import PushItem, PushOutcome
from etsysync_cli.sandbox import (
    READINESS_STATE_ID,
    RETURN_POLICY_ID,
    SHIPPING_PROFILE_ID,
    SandboxServer,
    sample_png,
)

MUGS = 1073  # "Mugs" in the sandbox's seller taxonomy


def png(n: int) -> bytes:
    """A distinct small PNG per number."""
    return sample_png(2, 2, (n % 256, (n * 7) % 256, (n * 13 + 1) % 256))


def ref(n: int) -> ImageRef:
    return ImageRef(source=f"/photos/img-{n}.png")


def sha(n: int) -> str:
    return hashlib.sha256(png(n)).hexdigest()


class Images:
    """A fake `load_image`: /photos/img-N.png is png(N); anything else cannot be loaded."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, image: ImageRef) -> bytes:
        with self._lock:
            self.loaded.append(image.source)
        name = image.source.rsplit("/", 1)[-1]
        if name.startswith("img-") and name.endswith(".png"):
            return png(int(name[4:-4]))
        raise SourceError(f"image {image.source}: no such file")


def variant(sku: str, price: str, quantity: int, *values: tuple[int, str, str]) -> InventoryProduct:
    return InventoryProduct(
        sku=sku,
        property_values=[
            PropertyValue(property_id=pid, property_name=name, values=[value])
            for pid, name, value in values
        ],
        offerings=[
            Offering(
                price=Decimal(price),
                quantity=quantity,
                is_enabled=True,
                readiness_state_id=READINESS_STATE_ID,
            )
        ],
    )


def single_inventory(price: str = "12.50", quantity: int = 3, sku: str = "") -> ListingInventory:
    return ListingInventory(products=[variant(sku, price, quantity)])


def grid_inventory(
    colours: Sequence[str], sizes: Sequence[str], price: str = "20.00"
) -> ListingInventory:
    products = [
        variant(
            f"MUG-{c}-{s}".upper(),
            price,
            2,
            (513, "Colour", c),
            (514, "Size", s),
        )
        for c in colours
        for s in sizes
    ]
    return ListingInventory(
        products=products, quantity_on_property=[513, 514], sku_on_property=[513, 514]
    )


def make_draft(
    title: str = "Speckled stoneware mug",
    *,
    images: Sequence[int] = (1,),
    inventory: ListingInventory | None = None,
    **overrides: Any,
) -> ListingDraft:
    inventory = inventory or single_inventory()
    offerings = [p.offerings[0] for p in inventory.products]
    data: dict[str, Any] = {
        "currency_code": "USD",
        "title": title,
        "description": f"{title}, thrown by hand.",
        "price": min(o.price for o in offerings),
        "quantity": sum(o.quantity for o in offerings if o.is_enabled),
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "taxonomy_id": MUGS,
        "type": "physical",
        "shipping_profile_id": SHIPPING_PROFILE_ID,
        "return_policy_id": RETURN_POLICY_ID,
        "readiness_state_id": READINESS_STATE_ID,
        "tags": ["mug", "stoneware"],
        "materials": ["clay"],
        "images": [ref(n) for n in images],
        "inventory": inventory,
    }
    data.update(overrides)
    return ListingDraft(**data)


_ids = iter(range(1, 1_000_000))


def create_item(draft: ListingDraft, product_id: str = "prod", **kw: Any) -> PushItem:
    return PushItem(
        item_id=kw.pop("item_id", next(_ids)),
        product_id=product_id,
        action="create",
        draft=draft,
        changes=frozenset(),
        changed_fields=(),
        listing_id=kw.pop("listing_id", None),
        images=(),
        create_intent_at=kw.pop("create_intent_at", None),
        **kw,
    )


def update_item(
    synced: PushOutcome,
    draft: ListingDraft,
    changes: set[str],
    changed_fields: tuple[str, ...] = (),
) -> PushItem:
    return PushItem(
        item_id=next(_ids),
        product_id=synced.product_id,
        action="update",
        draft=draft,
        changes=frozenset(changes),
        changed_fields=changed_fields,
        listing_id=synced.listing_id,
        images=synced.images,
        create_intent_at=None,
        listing_state=synced.listing_state,
    )


@dataclass
class Recorder:
    """The job store, in memory: every call in order."""

    calls: list[tuple[str, int, Any]] = field(default_factory=list)
    fail_finished: Exception | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    owners: dict[int, str] = field(default_factory=dict)  # listings linked to other products

    def listing_owner(self, listing_id: int) -> str | None:
        return self.owners.get(listing_id)

    def create_intent(self, item_id: int, at: datetime) -> None:
        with self.lock:
            self.calls.append(("create_intent", item_id, at))

    def created(self, item_id: int, listing_id: int) -> None:
        with self.lock:
            self.calls.append(("created", item_id, listing_id))

    def finished(self, outcome: PushOutcome) -> None:
        if self.fail_finished is not None:
            raise self.fail_finished
        with self.lock:
            self.calls.append(("finished", outcome.item_id, outcome))

    @property
    def outcomes(self) -> dict[int, PushOutcome]:
        return {item_id: value for kind, item_id, value in self.calls if kind == "finished"}

    def of(self, item_id: int) -> list[str]:
        return [kind for kind, i, _ in self.calls if i == item_id]


class Recording(httpx.BaseTransport):
    """Wraps the real transport: keeps (method, path, body) and can answer some requests itself."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, bytes]] = []
        self.answer: Callable[[httpx.Request], int | None] = lambda request: None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        with self._lock:
            self.sent.append((request.method, request.url.path, body))
        status = self.answer(request)
        if status is not None:
            return httpx.Response(status, json={"error": "Server Error"}, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def forms(self, method: str) -> list[dict[str, str]]:
        return [
            {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            for m, _, body in self.sent
            if m == method
        ]


# --- the sandbox, inspected directly ----------------------------------------------------------


def listings(sb: SandboxServer) -> list[Any]:
    with sb.state.lock:
        return list(sb.state.listings.values())


def image_shas(sb: SandboxServer, listing_id: int) -> list[str]:
    with sb.state.lock:
        listing = sb.state.listings[listing_id]
        return [sb.state.images[i].sha256 for i in listing.image_ids]


def image_ids(sb: SandboxServer, listing_id: int) -> list[int]:
    with sb.state.lock:
        return list(sb.state.listings[listing_id].image_ids)


def operations(sb: SandboxServer) -> list[str]:
    return [str(entry["operation"]) for entry in sb.request_log()]
