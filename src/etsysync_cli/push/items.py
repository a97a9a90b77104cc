"""What the runner and the job store exchange: the items to push, their outcomes, the
recorder the runner reports to, and the events the views show. The store implements
`Recorder` (store/recorder.py); the runner knows no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.errors import EtsysyncError

Action = Literal["create", "update", "deactivate"]


@dataclass(frozen=True)
class ImageState:
    """One image as it is on the Etsy listing."""

    source: str  # the ImageRef.source it came from ("" when unknown, e.g. after a crash)
    sha256: str  # content hash of the bytes uploaded ("" when unknown: never matches)
    listing_image_id: int


@dataclass(frozen=True)
class PushItem:
    item_id: int
    product_id: str
    action: Action
    draft: ListingDraft | None  # None only for "deactivate"
    changes: frozenset[str] = frozenset()  # update: subset of fields/images/inventory/state
    changed_fields: tuple[str, ...] = ()  # update: names from draft.update_fields(); () = all
    listing_id: int | None = None  # update/deactivate target; create: set if already created
    images: tuple[ImageState, ...] = ()  # what the listing holds as last synced
    create_intent_at: datetime | None = None  # a previous run started the create
    listing_state: str | None = None  # added: the listing's state as last synced, if known
    # Etsy's quantity per variant when the plan read it, and when (update items that write the
    # inventory): the runner takes off what sold on Etsy since (domain/refresh.py).
    etsy_quantities: dict[str, int] | None = None
    etsy_read_at: datetime | None = None


@dataclass(frozen=True)
class PushOutcome:
    item_id: int
    product_id: str
    ok: bool
    listing_id: int | None
    listing_url: str | None  # public URL when active, else the seller's edit page
    listing_state: str | None
    images: tuple[ImageState, ...]
    error: str | None  # plain words, with Etsy's own message
    recreated: bool = False  # the listing had been deleted on Etsy and was created again


class Recorder(Protocol):
    """The job store's side. Each call is durable when it returns; calls come from workers."""

    def create_intent(self, item_id: int, at: datetime) -> None: ...
    def listing_owner(self, listing_id: int) -> str | None: ...
    def created(self, item_id: int, listing_id: int) -> None: ...
    def finished(self, outcome: PushOutcome) -> None: ...


@dataclass(frozen=True)
class RunEvent:
    kind: Literal["item_started", "item_finished", "waiting", "retry", "quota", "note"]
    product_id: str = ""
    title: str = ""
    ok: bool | None = None
    seconds: float | None = None
    detail: str = ""


@dataclass
class RunSummary:
    synced: int = 0
    failed: int = 0
    stopped_early: bool = False
    stop_reason: str | None = None
    requests: int = 0  # Etsy requests made in this run
    stop_error: EtsysyncError | None = None  # the quota or auth error that stopped the run
    recreated: int = 0  # listings deleted on Etsy and created again
