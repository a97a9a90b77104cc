"""A listing's images, synced by content, under Etsy's real rank rules (design §6;
etsy-api.md §8 gotchas 5, 6, 10 and §10.10-§10.13).

Etsy gives no content hash for an image, so etsysync remembers what it uploaded (`ImageState`:
the source, the SHA-256 of the bytes, Etsy's `listing_image_id`) and compares by hash:

1. Every wanted image is loaded and hashed *before* anything is written, so an image that cannot
   be loaded fails the product without touching the listing (`match_images`). An existing image
   whose hash matches a wanted one is kept; its bytes are not held.
2. Missing images are uploaded first, with `rank` = their wanted position. Etsy never deletes a
   listing's last image (§10.12, drafts included), so images no longer wanted are not deleted
   up front: the final `updateListing(image_ids=…)` leaves them out, which detaches them (Etsy:
   image_ids "will replace the existing images with the new list", open-api#228). Only when the
   listing is at the cap of 20 is an unwanted image deleted first, to make room (the listing
   then holds 20, so that is never its last image).
3. An upload at an occupied rank renumbers nothing (§10.11): two images share it and their
   order is Etsy's. So the order is certain without `image_ids` only when every image on the
   listing came from this sync's uploads, each reporting the rank it was sent (a new listing);
   then ranks 1..n are distinct. Otherwise (kept images, whose ranks etsysync does not know;
   leftovers to drop; an upload that reported another rank or arrived despite a 5xx) one
   `updateListing(image_ids=…)` sets the exact order and drops the rest.

Cost: an unchanged set costs nothing (the planner never sends it); on a new listing, one upload
per image; on an existing one, one upload per new image plus one updateListing, which also
removes any number of old images and sets the order (replacing one image: 2 requests).

A product that no longer has any image cannot be synced: Etsy keeps the listing's last image.
That fails the product before anything is written (`LastImageError`), with what to do.

`ImageSync.state()` is what the listing holds at any point, for the outcome of a sync that fails
half-way. `existing` is what etsysync last recorded; an image added on Etsy by hand is unknown
to it: if an upload is refused (the cap), the listing's images are read once, such strays are
counted (and deleted as room is needed), and the final `image_ids` drops the rest.
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
    """A wanted image could not be loaded, or the images cannot be synced as asked; the
    message names the image (or the rule) and says why."""


class LastImageError(ImageLoadError):
    """The product has no image but the listing has some: Etsy keeps a listing's last image."""

    def __init__(self) -> None:
        super().__init__(
            "the product has no images, but Etsy does not let a listing lose its last image "
            "(drafts included): add an image to the product, or delete the listing on Etsy"
        )


def match_images(
    refs: Sequence[ImageRef], existing: Sequence[ImageState], load: ImageLoader
) -> list[WantedImage]:
    """Load and hash every wanted image; pair each with an existing image of the same content
    (each existing image used once, in order). Raises ImageLoadError before any write."""
    if len(refs) > MAX_IMAGES:
        raise ImageLoadError(f"{len(refs)} images: Etsy allows at most {MAX_IMAGES} per listing")
    if not refs and existing:
        raise LastImageError()
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
        # Uploads leave the order certain only when each reports the rank it was sent and no
        # kept image is beside them (see the module's point 3).
        self.order_certain = True
        self.known = {e.listing_image_id: e for e in existing}

    def state(self) -> tuple[ImageState, ...]:
        """The listing's images now, in order (unknown ones with an empty hash)."""
        return tuple(self.known[i] for i in self.current if i in self.known)

    def run(self) -> tuple[ImageState, ...]:
        if not self.wanted:
            if self.current:
                raise LastImageError()  # Etsy would refuse the last delete (§10.12)
            return ()
        uploads = [w for w in self.wanted if w.keep is None]
        if uploads and len(uploads) < len(self.wanted):
            self.order_certain = False  # kept images have ranks etsysync never saw
        for upload in uploads:
            self._make_room()
            self._upload(upload)
        final = [self.ids[w.position] for w in self.wanted]
        if not self.order_certain or self.current != final:
            # Sets ranks 1..n in this order and detaches every image left out.
            self.client.update_listing(self.shop_id, self.listing_id, {"image_ids": final})
            self.current, self.doomed = final, []
        for w in self.wanted:  # kept images take the wanted source (same bytes, maybe moved)
            image_id = self.ids[w.position]
            self.known[image_id] = ImageState(w.ref.source, w.sha256, image_id)
        return self.state()

    def _make_room(self) -> None:
        """At the cap, delete an image no longer wanted before the next upload. The listing
        holds 20 then, so this is never its last image."""
        while len(self.current) >= MAX_IMAGES and self.doomed:
            self._delete(self.doomed.pop())

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
        if uploaded.rank != image.position:
            self.order_certain = False  # Etsy stored another rank (or none): set the order

    def _send(self, data: bytes, name: str, rank: int) -> ListingImage:
        try:
            return self.client.upload_listing_image(
                self.shop_id, self.listing_id, data, name, rank=rank
            )
        except EtsyValidationError:
            if not self._count_strays():
                raise
            self._make_room()
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

    def _count_strays(self) -> bool:
        """Read the listing's images after a refused upload: images etsysync does not know
        (added on Etsy by hand) may hold it at the cap. They join the images to drop, so room
        can be made; True if there were any."""
        known = set(self.current)
        strays = [
            image.listing_image_id
            for image in self.client.get_listing_images(self.listing_id)
            if image.listing_image_id not in known
        ]
        self.current.extend(strays)
        self.doomed.extend(strays)
        return bool(strays)


def _extension(data: bytes) -> str:
    return {"jpeg": "jpg", "png": "png", "gif": "gif"}.get(image_format(data) or "", "jpg")
