"""Executes the items of a confirmed sync job against Etsy (design §4, §6).

`run_items()` pushes each `PushItem` (create, update or deactivate) on a small thread pool, records
every step that must survive a crash through the job store's `Recorder`, and returns a
`RunSummary`. Progress is reported as `RunEvent`s; rendering them is the view's job.

**create**: `create_intent` → createDraftListing → `created` → images (by content, imagesync.py)
→ the full inventory (always: per-variant SKU, price, quantity and variation values live there)
→ `state=active` when the draft wants it. Every image is loaded before the first write, so an
image that cannot be loaded fails the product without leaving a half listing behind.

**Resume without duplicates** (etsy-api.md §8 gotcha 7: a create can fail after Etsy made the
listing, and there is no idempotency key). A create is *uncertain* when createDraftListing
raised EtsyServerError or EtsyConnectionError, or when an item arrives with `create_intent_at`
set but no `listing_id` (a previous run died mid-create). Before creating again the runner
*reconciles*, at the cost of one request (one page of drafts, newest first; a page more only if
a hundred drafts were made since): the listing it looks for is

- a **draft** (a create makes a draft; nothing publishes it before its id is recorded),
- created at or after the intent on **Etsy's clock**: the intent's time plus the offset of
  Etsy's `Date` header from our clock (`EtsyClient.clock_offset`, read from the very answers
  that page came in), minus 60 s for the request's own time; a machine whose clock is off
  neither misses its listing nor takes an older one,
- with the **same title**, compared as the seller wrote it (Etsy's HTML-escaping is undone at the
  client boundary) after collapsing whitespace,
- that is **not another product's**: neither claimed in this run nor linked to any other
  product of the shop (the store holds one product per listing, `Recorder.listing_owner`).

Creates and reconciles of one title are serialised within a run, so at most one uncertain
create per title is in flight. One candidate is adopted; none means the create never landed,
and it is sent again (at most as many tries as any other call). Several candidates (e.g. a
draft made by hand with that title meanwhile) fail the item with a reason naming them and the
way out (`etsysync adopt`, or delete the extra drafts): etsysync never picks one.
A create that arrives with `listing_id` set
(created before a crash) is continued: Etsy gives no image hashes, so the listing's images are
deleted and all wanted images uploaded (deleting first, keeping one until a new one is in).
An *update* that arrives with `create_intent_at` set was being re-created (below) when a run
stopped: it is finished the same way (continued if `listing_id` exists, else reconciled).

**update** applies exactly the `changes`: fields (one PATCH with only the changed fields;
who_made/when_made/is_supply and item_weight/unit travel together), images (imagesync.py),
inventory (one full PUT; `max_variations_supported=3` when the draft has three variations, or
when Etsy refuses the PUT and a read shows the listing has three, §10.14), state (`active`, or
`inactive` when the draft wants `draft`: Etsy cannot turn a listing back into a draft; a listing
known to be a draft stays one, as Etsy refuses to deactivate it). A deactivation rides in the
fields PATCH; an activation too, unless images or inventory change first (it needs them). A 404
means the listing was deleted on Etsy only if getListing says so; then it is created again
(`recreated=True`).

**deactivate** sets `state=inactive` (never deletes). A listing already gone, or already down
(inactive, expired, sold out), counts as done; a draft, which Etsy refuses to deactivate (it was
never published), is a failed item that says so.

**Drafts that Etsy cannot publish.** A draft wanting `active` without any image, or with more
than 20 images, fails before any request (mapping reports both as invalid at plan time, so this
only guards hand-built items).

**Failures.** An Etsy error (validation, conflict, other 4xx, a 5xx left after the client's
retries) or an image that cannot be loaded fails that item, in plain words with Etsy's own text;
the others go on. A failed outcome still carries the listing id and the images the listing holds
at that point, so the job store can record them and the next sync starts from the truth.
QuotaExhaustedError or an AuthError (revoked token, 401/403) stops the run: no new item starts,
the ones in flight finish, the unfinished items get no outcome (they stay resumable), and the
summary says why. Any other exception (a bug, the job store failing) stops
the run the same way and is re-raised once the pool has drained.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from etsysync_cli.clock import utcnow
from etsysync_cli.domain.listing import ImageRef, ListingDraft, ListingInventory
from etsysync_cli.domain.matching import normalise_title
from etsysync_cli.domain.refresh import without_sales_since
from etsysync_cli.errors import (
    AuthError,
    EtsyConflictError,
    EtsyConnectionError,
    EtsyError,
    EtsyNotFoundError,
    EtsyServerError,
    EtsysyncError,
    EtsyValidationError,
    ListingTakenError,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.events import EtsyEvent
from etsysync_cli.etsy.forms import FormValue
from etsysync_cli.etsy.listings import listing_page
from etsysync_cli.etsy.models import Listing
from etsysync_cli.push.images import (
    MAX_IMAGES,
    ImageLoader,
    ImageLoadError,
    ImageSync,
    WantedImage,
    match_images,
)
from etsysync_cli.push.items import (
    ImageState,
    PushItem,
    PushOutcome,
    Recorder,
    RunEvent,
    RunSummary,
)

RECONCILE_WINDOW = timedelta(seconds=60)  # the request's time, and Date's whole seconds
BUNDLES = (("who_made", "when_made", "is_supply"), ("item_weight", "item_weight_unit"))


def run_items(
    client: EtsyClient,
    shop_id: int,
    items: Iterable[PushItem],
    recorder: Recorder,
    *,
    load_image: Callable[[ImageRef], bytes],
    concurrency: int = 4,
    on_event: Callable[[RunEvent], None] | None = None,
    stop: threading.Event | None = None,
    now: Callable[[], datetime] = utcnow,
    recreate_deleted: bool = True,
    recheck_stock_after: timedelta | None = None,
) -> RunSummary:
    """Push `items` (streamed: at most twice `concurrency` are taken ahead) and record outcomes.

    `recreate_deleted`: an update whose listing turns out deleted on Etsy creates it again;
    off, the item fails saying so (the plan's `--recreate-deleted` / `sync.recreate_deleted`).
    `recheck_stock_after`: an inventory written longer than this after the plan read Etsy is
    first read again, and what sold on Etsy since is taken off (None: never read again)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    stop = stop if stop is not None else threading.Event()
    pusher = _Pusher(client, shop_id, recorder, load_image, now, on_event or _ignore, stop)
    pusher.recreate_deleted = recreate_deleted
    pusher.recheck_stock_after = recheck_stock_after
    summary = RunSummary()
    fatal: list[BaseException] = []
    requests_before = client.stats.requests
    previous_hook = client.stats.on_event
    if on_event is not None:  # chained for this run, put back after (one run per client)
        client.stats.on_event = pusher.forward_client_event(previous_hook)

    def collect(done: Iterable[Future[PushOutcome | None]]) -> None:
        for future in done:
            error = future.exception()
            if error is not None:
                fatal.append(error)
                stop.set()
                continue
            outcome = future.result()
            if outcome is None:
                summary.stopped_early = True  # stopped before it could finish: stays resumable
            elif outcome.ok:
                summary.synced += 1
                summary.recreated += outcome.recreated
            else:
                summary.failed += 1

    try:
        with ThreadPoolExecutor(concurrency, thread_name_prefix="etsysync-push") as pool:
            pending: set[Future[PushOutcome | None]] = set()
            iterator = iter(items)
            try:
                for item in iterator:
                    while len(pending) >= 2 * concurrency and not stop.is_set():
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        collect(done)
                    if stop.is_set():
                        summary.stopped_early = True  # this item (and maybe more) not started
                        break
                    pending.add(pool.submit(pusher.push, item))
            except BaseException:
                stop.set()  # Ctrl-C or a failing source: let what runs finish, start nothing
                raise
            finally:
                done, _ = wait(pending)
                collect(done)
    finally:
        client.stats.on_event = previous_hook
        summary.requests = client.stats.requests - requests_before
    if fatal:
        raise fatal[0]
    summary.stop_error = pusher.stop_error
    if pusher.stop_error is not None:
        summary.stopped_early = True
        error = pusher.stop_error
        summary.stop_reason = error.message  # shown to the seller: Etsy's words, no class name
    elif summary.stopped_early:
        summary.stop_reason = "stopped on request"
    return summary


def _ignore(event: RunEvent) -> None:
    return None


class _ItemFailed(Exception):
    """The item fails with this message (other items go on)."""


@dataclass
class _Progress:
    """What one item has achieved so far: the failure outcome reports it too."""

    listing_id: int | None
    images: tuple[ImageState, ...]
    listing: Listing | None = None
    state: str | None = None
    recreated: bool = False
    image_sync: ImageSync | None = None  # while images are being synced
    doing: str = "starting"  # for messages: "creating the listing", "uploading images", …
    refused: str = "the listing"  # "Etsy refused …"


class _Pusher:
    def __init__(
        self,
        client: EtsyClient,
        shop_id: int,
        recorder: Recorder,
        load_image: ImageLoader,
        now: Callable[[], datetime],
        emit: Callable[[RunEvent], None],
        stop: threading.Event,
    ) -> None:
        self.client = client
        self.shop_id = shop_id
        self.recorder = recorder
        self.load_image = load_image
        self.now = now
        self.emit = emit
        self.stop = stop
        self.stop_error: EtsysyncError | None = None
        self.recreate_deleted = True
        self.recheck_stock_after: timedelta | None = None
        self._lock = threading.Lock()
        self._claimed: set[int] = set()  # listings created or adopted in this run
        self._title_locks: dict[str, threading.Lock] = {}
        self._local = threading.local()

    # --- one item ---------------------------------------------------------------------------

    def push(self, item: PushItem) -> PushOutcome | None:
        """The item's outcome (recorded), or None if the run stopped before it finished."""
        if self.stop.is_set():
            return None
        try:
            return self._push_item(item)
        except BaseException:
            self.stop.set()  # a bug or a failing job store: start nothing more
            raise

    def _push_item(self, item: PushItem) -> PushOutcome | None:
        title = item.draft.title if item.draft is not None else ""
        self.emit(RunEvent("item_started", item.product_id, title))
        started = time.monotonic()
        self._local.item = item
        progress = _Progress(item.listing_id, item.images, state=item.listing_state)
        try:
            outcome = self._push(item, progress)
        except (QuotaExhaustedError, AuthError) as exc:
            self._stop_run(exc)
            return None
        except EtsyError as exc:
            outcome = self._failed(item, progress, _message(exc, progress))
        except (_ItemFailed, ListingTakenError) as exc:
            # ListingTakenError: the listing found is another product's (one listing, one
            # product): this item fails rather than take it.
            outcome = self._failed(item, progress, str(exc))
        finally:
            self._local.item = None
        self.recorder.finished(outcome)
        seconds = time.monotonic() - started
        detail = outcome.error or outcome.listing_url or ""
        self.emit(RunEvent("item_finished", item.product_id, title, outcome.ok, seconds, detail))
        return outcome

    def _push(self, item: PushItem, p: _Progress) -> PushOutcome:
        if item.action == "deactivate":
            return self._deactivate(item, p)
        draft = item.draft
        if draft is None:
            raise ValueError(f"a {item.action} item needs a draft")
        _check_publishable(draft)
        if item.action == "create":
            self._create(item, draft, p, resume_id=item.listing_id)
        elif item.action == "update" and item.create_intent_at is not None:
            # A previous run was re-creating this listing (deleted on Etsy) when it stopped:
            # `listing_id` is the new listing if `created` was recorded, else the deleted one.
            p.recreated = True
            self._create(item, draft, p, resume_id=item.listing_id)
        elif item.action == "update":
            self._update(item, draft, p)
        else:
            raise ValueError(f"unknown action {item.action!r}")
        return self._succeeded(item, p)

    def _stop_run(self, exc: EtsysyncError) -> None:
        with self._lock:
            if self.stop_error is None:
                self.stop_error = exc
        self.stop.set()
        if isinstance(exc, QuotaExhaustedError):
            self.emit(RunEvent("quota", detail=exc.message))

    # --- create -----------------------------------------------------------------------------

    def _create(
        self, item: PushItem, draft: ListingDraft, p: _Progress, resume_id: int | None
    ) -> None:
        """Create the listing, or finish the one created before a crash (`resume_id`)."""
        p.doing, p.refused = "loading images", "the images"
        wanted = self._match(draft.images, ())
        existing: tuple[ImageState, ...] = ()
        if resume_id is not None:
            p.doing = "reading the listing's images"
            try:
                images = self.client.get_listing_images(resume_id)
                existing = tuple(ImageState("", "", i.listing_image_id) for i in images)
                p.listing_id = resume_id
            except EtsyNotFoundError:  # deleted on Etsy since the crash: start afresh
                resume_id, p.listing_id, p.recreated = None, None, True
        if resume_id is None:
            p.listing_id, existing = self._obtain_listing(item, draft, p)
        assert p.listing_id is not None
        p.state = "draft"
        p.doing, p.refused = "uploading images", "an image"
        self._sync_images(p, p.listing_id, wanted, existing)
        self._put_inventory(p, draft.inventory)
        if draft.state == "active":
            self._patch(p, {"state": "active"}, "publishing the listing", "to publish the listing")

    def _obtain_listing(
        self, item: PushItem, draft: ListingDraft, p: _Progress
    ) -> tuple[int, tuple[ImageState, ...]]:
        """A new draft listing for the item (created, or adopted after a failed create)."""
        with self._title_lock(draft.title):
            if item.create_intent_at is not None:
                p.doing = "looking for a listing an earlier run created"
                found = self._reconcile(item, draft.title, item.create_intent_at)
                if found is not None:
                    return self._adopt(item, found)
            intent_at = self.now()
            self.recorder.create_intent(item.item_id, intent_at)
            fields: dict[str, FormValue] = draft.create_fields()
            # As many tries as the client gives any other call; the reconcile reads between
            # them (through the rate limiter) space them out.
            attempts = self.client.retry.max_attempts
            for attempt in range(1, attempts + 1):
                p.doing, p.refused = "creating the listing", "the listing"
                try:
                    listing = self.client.create_draft_listing(self.shop_id, fields)
                except (EtsyServerError, EtsyConnectionError):
                    # Etsy may have created it anyway (gotcha 7): look before trying again.
                    p.doing = "looking for the listing after a failed create"
                    found = self._reconcile(item, draft.title, intent_at)
                    if found is not None:
                        return self._adopt(item, found)
                    if attempt == attempts:
                        p.doing = f"creating the listing ({attempt} attempts)"
                        raise
                    continue
                self._claim(listing.listing_id)
                self.recorder.created(item.item_id, listing.listing_id)
                p.listing = listing
                return listing.listing_id, ()
        raise AssertionError("unreachable")  # pragma: no cover

    def _reconcile(self, item: PushItem, title: str, intent_at: datetime) -> Listing | None:
        """The listing an uncertain create made, if it reached Etsy (see the module doc): the
        one draft with this title created since the intent (on Etsy's clock), that neither
        this run nor another product of the shop has. None if there is none; the item fails
        if there are several (etsysync never picks one)."""
        wanted = _norm(title)
        found: list[Listing] = []
        cutoff: float | None = None
        listings = self.client.iter_listings_by_shop(self.shop_id, "draft", includes=["Images"])
        for listing in listings:  # newest first
            if cutoff is None:  # Etsy's Date header has now been read
                cutoff = (self.client.etsy_time(intent_at) - RECONCILE_WINDOW).timestamp()
            created = listing.created_timestamp
            if created is not None and created < cutoff:
                break  # older than the intent: no need to read further pages
            if _norm(listing.title) != wanted or self._is_claimed(listing.listing_id):
                continue
            owner = self.recorder.listing_owner(listing.listing_id)
            if owner is None or owner == item.product_id:
                found.append(listing)
        if len(found) > 1:
            ids = ", ".join(str(x.listing_id) for x in found)
            raise _ItemFailed(
                f"the create of '{title}' may have reached Etsy, and {len(found)} draft "
                f"listings with that title ({ids}) were created since, none linked to a "
                "product: etsysync cannot tell which one is this product's. Link the right one "
                "with `etsysync adopt` (or delete the extra drafts on Etsy), then retry"
            )
        return found[0] if found else None

    def _adopt(self, item: PushItem, listing: Listing) -> tuple[int, tuple[ImageState, ...]]:
        self._claim(listing.listing_id)
        self.recorder.created(item.item_id, listing.listing_id)
        images = tuple(ImageState("", "", i.listing_image_id) for i in listing.images or [])
        return listing.listing_id, images

    # --- update -----------------------------------------------------------------------------

    def _update(self, item: PushItem, draft: ListingDraft, p: _Progress) -> None:
        if item.listing_id is None:
            raise ValueError("an update item needs a listing_id")
        try:
            self._apply_update(item, item.listing_id, draft, p)
        except EtsyNotFoundError:
            if self._listing_exists(item.listing_id):
                raise
            if not self.recreate_deleted:
                raise _ItemFailed(
                    f"listing {item.listing_id} was deleted on Etsy; it is not created again "
                    "(plan with --recreate-deleted, or set sync.recreate_deleted = true)"
                ) from None
            p.recreated, p.listing_id, p.listing, p.images = True, None, None, ()
            self._create(item, draft, p, resume_id=None)

    def _apply_update(
        self, item: PushItem, listing_id: int, draft: ListingDraft, p: _Progress
    ) -> None:
        changes = item.changes
        wanted = None
        if "images" in changes:  # load before writing anything
            p.doing, p.refused = "loading images", "the images"
            wanted = self._match(draft.images, item.images)
        patch: dict[str, FormValue] = {}
        if "fields" in changes:
            patch.update(_changed_fields(draft, item.changed_fields))
        target = (
            ("active" if draft.state == "active" else "inactive") if "state" in changes else None
        )
        if target == "inactive" and p.state == "draft":
            target = None  # never published, so not public: Etsy refuses to deactivate a draft
        if target == "inactive" or (target == "active" and not {"images", "inventory"} & changes):
            patch["state"] = target
            target = None
        if patch:
            self._patch(p, patch, "updating the listing", "the listing changes")
        if wanted is not None:
            p.doing, p.refused = "updating images", "an image"
            self._sync_images(p, listing_id, wanted, item.images)
        if "inventory" in changes:
            self._put_inventory(p, self._less_sold_since_plan(item, p, draft.inventory))
        if target is not None:
            self._patch(p, {"state": target}, "publishing the listing", "to publish the listing")

    def _listing_exists(self, listing_id: int) -> bool:
        try:
            self.client.get_listing(listing_id)
        except EtsyNotFoundError:
            return False
        return True

    # --- deactivate -------------------------------------------------------------------------

    def _deactivate(self, item: PushItem, p: _Progress) -> PushOutcome:
        if item.listing_id is None:
            raise ValueError("a deactivate item needs a listing_id")
        try:
            self._patch(
                p, {"state": "inactive"}, "deactivating the listing", "to deactivate the listing"
            )
        except EtsyNotFoundError:
            if self._listing_exists(item.listing_id):
                raise
            p.state = None  # deleted on Etsy: nothing left to deactivate
        except (EtsyValidationError, EtsyConflictError) as refused:
            listing = self.client.get_listing(item.listing_id)
            p.listing, p.state = listing, listing.state
            if listing.state == "draft":
                # Etsy refuses to deactivate a draft (never published): the listing stays a
                # draft on Etsy, which is not "synced" (issue 16): the seller must be told.
                raise _ItemFailed(
                    f"Etsy refuses to deactivate a draft (listing {item.listing_id}): "
                    f"{refused.etsy_message or refused.message}. It is not for sale; delete it "
                    "on Etsy if the product is gone for good"
                ) from None
            if listing.state not in ("inactive", "expired", "sold_out"):
                raise
            # Already down on Etsy (inactive, expired or sold out): not for sale, done.
        return self._succeeded(item, p)

    # --- requests ---------------------------------------------------------------------------

    def _patch(self, p: _Progress, fields: dict[str, FormValue], doing: str, refused: str) -> None:
        assert p.listing_id is not None
        p.doing, p.refused = doing, refused
        p.listing = self.client.update_listing(self.shop_id, p.listing_id, fields)
        p.state = p.listing.state or p.state

    def _less_sold_since_plan(
        self, item: PushItem, p: _Progress, inventory: ListingInventory
    ) -> ListingInventory:
        """The plan's inventory, less the units sold on Etsy since the plan read it, when that
        read is old enough for it to matter (`recheck_stock_after`): one getListingInventory.
        A plan confirmed an hour after it was made must not put back what sold meanwhile."""
        if (
            self.recheck_stock_after is None
            or not item.etsy_quantities
            or item.etsy_read_at is None
            or self.now() - item.etsy_read_at < self.recheck_stock_after
            or p.listing_id is None
        ):
            return inventory
        p.doing, p.refused = "reading the listing's stock", "the listing's stock"
        now = self.client.get_listing_inventory(p.listing_id).to_listing_inventory()
        lowered, taken = without_sales_since(inventory, item.etsy_quantities, now)
        if taken:
            note = f"{taken} unit(s) sold on Etsy since the plan are not put back"
            title = item.draft.title if item.draft is not None else ""
            self.emit(RunEvent("note", item.product_id, title, detail=note))
        return lowered

    def _put_inventory(self, p: _Progress, inventory: ListingInventory) -> None:
        assert p.listing_id is not None
        if not inventory.has_stock:
            # Etsy refuses an inventory with nothing to sell; the mapping keeps such a listing
            # a draft (an active one is deactivated), so the last inventory can stay until
            # stock returns and the next plan sends the new one.
            return
        p.doing, p.refused = "updating the inventory", "the inventory"
        if inventory.variation_count == 3:
            self.client.update_listing_inventory(
                p.listing_id, inventory, max_variations_supported=3
            )
            return
        try:
            self.client.update_listing_inventory(p.listing_id, inventory)
        except (EtsyValidationError, EtsyConflictError) as refused:
            # etsy-api.md §10.14: a listing that HAS three variations (a seller may add a third
            # on etsy.com at any time) refuses every write without max_variations_supported=3.
            # Read what the listing has instead of trusting the error's wording; send again
            # with the parameter only if it has three. This costs a read only on a refusal.
            p.doing = "reading the listing's inventory"
            if self.client.get_listing_inventory(p.listing_id).variation_count < 3:
                raise refused from None
            p.doing = "updating the inventory (the listing has three variations on Etsy)"
            self.client.update_listing_inventory(
                p.listing_id, inventory, max_variations_supported=3
            )

    def _sync_images(
        self,
        p: _Progress,
        listing_id: int,
        wanted: list[WantedImage],
        existing: tuple[ImageState, ...],
    ) -> None:
        p.image_sync = ImageSync(self.client, self.shop_id, listing_id, wanted, existing)
        try:
            p.images = p.image_sync.run()
        except ImageLoadError as exc:  # no image wanted, but Etsy keeps the listing's last one
            raise _ItemFailed(str(exc)) from exc
        p.image_sync = None

    def _match(self, refs: list[ImageRef], existing: tuple[ImageState, ...]) -> list[WantedImage]:
        try:
            return match_images(refs, existing, self.load_image)
        except ImageLoadError as exc:
            raise _ItemFailed(str(exc)) from exc

    # --- shared state -----------------------------------------------------------------------

    def _title_lock(self, title: str) -> threading.Lock:
        with self._lock:
            return self._title_locks.setdefault(_norm(title), threading.Lock())

    def _claim(self, listing_id: int) -> None:
        with self._lock:
            self._claimed.add(listing_id)

    def _is_claimed(self, listing_id: int) -> bool:
        with self._lock:
            return listing_id in self._claimed

    def forward_client_event(
        self, previous: Callable[[EtsyEvent], None] | None
    ) -> Callable[[EtsyEvent], None]:
        """A RequestStats hook passing rate-limit waits and retries on as RunEvents."""

        def forward(event: EtsyEvent) -> None:
            if previous is not None:
                previous(event)
            if event.kind not in ("wait", "retry"):
                return
            item: PushItem | None = getattr(self._local, "item", None)
            product_id = item.product_id if item is not None else ""
            title = item.draft.title if item is not None and item.draft is not None else ""
            kind: Literal["waiting", "retry"] = "waiting" if event.kind == "wait" else "retry"
            detail = event.detail if kind == "waiting" else f"{event.operation}: {event.detail}"
            self.emit(RunEvent(kind, product_id, title, seconds=event.seconds, detail=detail))

        return forward

    # --- outcomes ---------------------------------------------------------------------------

    def _succeeded(self, item: PushItem, p: _Progress) -> PushOutcome:
        return self._outcome(item, p, ok=True, error=None)

    def _failed(self, item: PushItem, p: _Progress, error: str) -> PushOutcome:
        return self._outcome(item, p, ok=False, error=error)

    def _outcome(self, item: PushItem, p: _Progress, *, ok: bool, error: str | None) -> PushOutcome:
        state = p.state
        if state is None and p.listing_id is not None and item.draft is not None and ok:
            state = item.draft.state
        return PushOutcome(
            item_id=item.item_id,
            product_id=item.product_id,
            ok=ok,
            listing_id=p.listing_id,
            listing_url=_listing_url(p.listing_id, state, p.listing),
            listing_state=state,
            images=p.image_sync.state() if p.image_sync is not None else p.images,
            error=error,
            recreated=p.recreated,
        )


# --- helpers -------------------------------------------------------------------------------------


def _changed_fields(draft: ListingDraft, names: tuple[str, ...]) -> dict[str, FormValue]:
    """The updateListing fields to send: the changed ones (all if none are named), with the
    fields that Etsy wants together (who_made/when_made/is_supply, weight and unit)."""
    available: dict[str, FormValue] = draft.update_fields()
    wanted = set(names) if names else set(available)
    for bundle in BUNDLES:
        if wanted & set(bundle):
            wanted |= set(bundle)
    return {name: available[name] for name in available if name in wanted}


def _check_publishable(draft: ListingDraft) -> None:
    if draft.state == "active" and not draft.images:
        raise _ItemFailed(
            "Etsy needs at least one image to publish a listing; add an image or set the "
            "product's state to draft"
        )
    if len(draft.images) > MAX_IMAGES:
        raise _ItemFailed(f"{len(draft.images)} images: Etsy allows at most {MAX_IMAGES}")


def _message(exc: EtsyError, p: _Progress) -> str:
    """Plain words: what failed, with Etsy's own text."""
    if isinstance(exc, EtsyValidationError | EtsyConflictError) and exc.etsy_message:
        text = f"Etsy refused {p.refused}: {exc.etsy_message}"
    else:
        text = f"{p.doing[:1].upper()}{p.doing[1:]} failed: {exc.message}"
    if p.listing_id is not None:
        text += f" (listing {p.listing_id})"
    return text


def _listing_url(listing_id: int | None, state: str | None, listing: Listing | None) -> str | None:
    if listing_id is None or state is None:
        return None
    known = listing.url if listing is not None and listing.listing_id == listing_id else None
    return listing_page(listing_id, state, known)


# The same title rule as `adopt` and plan's duplicate warnings (domain/matching.py).
_norm = normalise_title
