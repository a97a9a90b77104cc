"""A listing's images, synced by content (design §6; etsy-api.md §8 gotchas 5, 6, 10).

Etsy gives no content hash for an image, so etsysync remembers what it uploaded (`ImageState`:
the source, the SHA-256 of the bytes, Etsy's `listing_image_id`) and compares by hash:

1. Every wanted image is loaded and hashed *before* anything is written, so an image that cannot
   be loaded fails the product without touching the listing (`match_images`). An existing image
   whose hash matches a wanted one is kept; its bytes are not held.
2. Images no longer wanted are deleted *first*, so the listing never exceeds Etsy's cap of 20.
   If no image is kept, the last deletion waits until the first upload is in: an active listing
   must always keep one image.
3. Missing images are uploaded with `rank` = their wanted position, in ascending order, which puts
   them in place when the kept ones are already in order. Etsy has ignored `rank` (gotcha 5), so
   the rank each upload reports is checked; if the final order is not certain to be the wanted
   one, one `updateListing(image_ids=…)` sets it.

Cost: an unchanged set costs nothing (the planner never sends it); replacing one image costs a
delete and an upload; a pure reorder costs one updateListing.

`ImageSync.state()` is what the listing holds at any point, for the outcome of a sync that fails
half-way. `existing` is what etsysync last recorded; an image added on Etsy by hand is unknown
to it: if an upload is refused (the cap), the listing's images are read once and such strays
are deleted before the one retry; a final `image_ids` reorder also drops them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import (
    EtsyConnectionError,
    EtsyNotFoundError,
    EtsyServerError,
    EtsysyncError,
    EtsyValidationError,
)
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.models import ListingImage
from etsysync_cli.push.items import ImageState
from etsysync_cli.push.loading import image_format, image_sha256

MAX_IMAGES = 20  # Etsy's cap per listing (etsy-api.md §6)

ImageLoader = Callable[[ImageRef], bytes]


@dataclass(frozen=True)
class WantedImage:
    position: int  # 1-based place in the draft's image order
    ref: ImageRef
    sha256: str
    keep: ImageState | None  # the listing's image with the same content, if any
    data: bytes | None  # the bytes to upload; None when `keep` is set


class ImageLoadError(Exception):
    """A wanted image could not be loaded; the message names the image and says why."""


def match_images(
    refs: Sequence[ImageRef], existing: Sequence[ImageState], load: ImageLoader
) -> list[WantedImage]:
    """Load and hash every wanted image; pair each with an existing image of the same content
    (each existing image used once, in order). Raises ImageLoadError before any write."""
    if len(refs) > MAX_IMAGES:
        raise ImageLoadError(f"{len(refs)} images: Etsy allows at most {MAX_IMAGES} per listing")
    pool: dict[str, list[ImageState]] = {}
    for state in existing:
        if state.sha256:
            pool.setdefault(state.sha256, []).append(state)
    wanted: list[WantedImage] = []
    for position, ref in enumerate(refs, start=1):
        try:
            data = load(ref)
        except (EtsysyncError, OSError) as exc:
            text = str(exc) or type(exc).__name__
            if ref.source not in text:
                text = f"{ref.source} could not be loaded: {text}"
            raise ImageLoadError(f"image {position}: {text}") from exc
        sha = image_sha256(data)
        same = pool.get(sha)
        if same:
            wanted.append(WantedImage(position, ref, sha, same.pop(0), None))
        else:
            wanted.append(WantedImage(position, ref, sha, None, data))
    return wanted


class ImageSync:
    """Makes a listing hold exactly `wanted`, in order; `run()` returns its images, in order.

    Etsy errors propagate. A 404 for an image that is already gone is ignored (after checking
    that the listing itself exists: if not, the listing's EtsyNotFoundError propagates). After a
    failure, `state()` is what the listing holds as far as etsysync knows, so the next sync
    starts from the truth rather than from the images recorded before this one.
    """

    def __init__(
        self,
        client: EtsyClient,
        shop_id: int,
        listing_id: int,
        wanted: Sequence[WantedImage],
        existing: Sequence[ImageState],
    ) -> None:
        self.client = client
        self.shop_id = shop_id
        self.listing_id = listing_id
        self.wanted = list(wanted)
        kept = {w.keep.listing_image_id for w in self.wanted if w.keep is not None}
        # What the listing holds, in Etsy's order, as far as etsysync knows.
        self.current = [e.listing_image_id for e in existing]
        self.doomed = [i for i in self.current if i not in kept]
        self.ids = {w.position: w.keep.listing_image_id for w in self.wanted if w.keep}
        self.order_certain = True
        self.known = {e.listing_image_id: e for e in existing}

    def state(self) -> tuple[ImageState, ...]:
        """The listing's images now, in order (unknown ones with an empty hash)."""
        return tuple(self.known[i] for i in self.current if i in self.known)

    def run(self) -> tuple[ImageState, ...]:
        uploads = [w for w in self.wanted if w.keep is None]
        held = None
        if uploads and len(self.doomed) == len(self.current) and self.doomed:
            held = self.doomed.pop()  # keep one image on the listing until a new one is in
        for image_id in self.doomed:
            self._delete(image_id)
        for upload in uploads:
            self._upload(upload)
            if held is not None:
                self._delete(held)
                held = None
        final = [self.ids[w.position] for w in self.wanted]
        if final and (not self.order_certain or self.current != final):
            self.client.update_listing(self.shop_id, self.listing_id, {"image_ids": final})
            self.current = final
        for w in self.wanted:  # kept images take the wanted source (same bytes, maybe moved)
            image_id = self.ids[w.position]
            self.known[image_id] = ImageState(w.ref.source, w.sha256, image_id)
        return self.state()

    def _delete(self, image_id: int) -> None:
        try:
            self.client.delete_listing_image(self.shop_id, self.listing_id, image_id)
        except EtsyNotFoundError:
            self.client.get_listing(self.listing_id)  # the listing is gone: that 404 propagates
            # Only the image was gone (deleted on Etsy by hand): nothing left to do.
        if image_id in self.current:
            self.current.remove(image_id)

    def _upload(self, image: WantedImage) -> None:
        assert image.data is not None
        name = f"image-{image.position}.{_extension(image.data)}"
        uploaded: ListingImage | None = None
        attempts = self.client.retry.max_attempts  # the bound every other call has
        for attempt in range(1, attempts + 1):
            try:
                uploaded = self._send(image.data, name, image.position)
                break
            except (EtsyServerError, EtsyConnectionError):
                # Uploads have no idempotency key and a 5xx may come after Etsy attached the
                # image (etsy-api.md §8.7): look before sending it again.
                uploaded = self._arrived_anyway()
                if uploaded is not None:
                    self.order_certain = False  # its rank is Etsy's guess: set the order
                    break
                if attempt == attempts:
                    raise
        assert uploaded is not None
        new_id = uploaded.listing_image_id
        self.ids[image.position] = new_id
        self.known[new_id] = ImageState(image.ref.source, image.sha256, new_id)
        self.current.insert(min(image.position - 1, len(self.current)), new_id)
        if uploaded.rank is not None and uploaded.rank != self.current.index(new_id) + 1:
            self.order_certain = False  # Etsy put it elsewhere: set the order explicitly

    def _send(self, data: bytes, name: str, rank: int) -> ListingImage:
        try:
            return self.client.upload_listing_image(
                self.shop_id, self.listing_id, data, name, rank=rank
            )
        except EtsyValidationError:
            if not self._remove_strays():
                raise
            return self.client.upload_listing_image(
                self.shop_id, self.listing_id, data, name, rank=rank
            )

    def _arrived_anyway(self) -> ListingImage | None:
        """The image a failed upload attached after all: the newest one etsysync does not know."""
        known = set(self.current)
        unknown = [
            image
            for image in self.client.get_listing_images(self.listing_id)
            if image.listing_image_id not in known
        ]
        return max(unknown, key=lambda i: i.listing_image_id) if unknown else None

    def _remove_strays(self) -> bool:
        """Delete images on the listing that etsysync does not know (added on Etsy by hand),
        so that they cannot hold the listing at the cap. True if there were any."""
        known = set(self.current)
        strays = [
            image.listing_image_id
            for image in self.client.get_listing_images(self.listing_id)
            if image.listing_image_id not in known
        ]
        for image_id in strays:
            self._delete(image_id)
        if strays:
            self.order_certain = False
        return bool(strays)


def _extension(data: bytes) -> str:
    return {"jpeg": "jpg", "png": "png", "gif": "gif"}.get(image_format(data) or "", "jpg")
