"""Image sync (push/images.py) without HTTP: `match_images` with a loader callback, and
`ImageSync` against a small fake of the five client methods it calls.

The fake keeps a listing's images as Etsy would (ids and bytes, in rank order), refuses an
upload above the cap, and records every call, so the tests check what Etsy ends up holding
and what it took to get there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import (
    EtsyNotFoundError,
    EtsyServerError,
    EtsyValidationError,
    SourceError,
)
from etsysync_cli.etsy.models import ListingImage
from etsysync_cli.push.images import (
    MAX_IMAGES,
    ImageLoadError,
    ImageSync,
    match_images,
)
from etsysync_cli.push.items import ImageState

SHOP, LISTING = 7, 4001
PNG = b"\x89PNG\r\n\x1a\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # the content hash etsysync records per image


def png(name: str) -> bytes:
    return PNG + name.encode()


class FakeEtsy:
    """One listing's images on Etsy. `honour_rank=False` appends uploads (etsy-api.md gotcha 5)."""

    def __init__(self, names: Sequence[str] = (), *, honour_rank: bool = True, cap: int = 20):
        self.images: list[tuple[int, bytes]] = []
        self.honour_rank, self.cap = honour_rank, cap
        self.calls: list[tuple[Any, ...]] = []
        self.counts: list[int] = []  # image count after every change
        self.retry = SimpleNamespace(max_attempts=3)
        self.server_errors = 0  # the next N uploads answer 5xx ...
        self.attach_anyway = False  # ... after attaching the image, or not
        self.listing_gone = False
        self._next = 100
        for name in names:
            self.add(png(name))

    def add(self, data: bytes) -> int:
        self._next += 1
        self.images.append((self._next, data))
        return self._next

    def contents(self) -> list[bytes]:
        return [data for _, data in self.images]

    def ids(self) -> list[int]:
        return [image_id for image_id, _ in self.images]

    def _changed(self) -> None:
        self.counts.append(len(self.images))

    def delete_listing_image(self, shop_id: int, listing_id: int, image_id: int) -> None:
        assert (shop_id, listing_id) == (SHOP, LISTING)
        self.calls.append(("delete", image_id))
        if self.listing_gone or image_id not in self.ids():
            raise EtsyNotFoundError("not found", status=404)
        self.images = [i for i in self.images if i[0] != image_id]
        self._changed()

    def upload_listing_image(
        self, shop_id: int, listing_id: int, data: bytes, filename: str, rank: int | None = None
    ) -> ListingImage:
        assert (shop_id, listing_id) == (SHOP, LISTING)
        self.calls.append(("upload", rank))
        if len(self.images) >= self.cap:
            raise EtsyValidationError("too many images", status=400)
        self._next += 1
        at = len(self.images) if not self.honour_rank or rank is None else rank - 1
        self.images.insert(min(at, len(self.images)), (self._next, data))
        if self.server_errors:
            self.server_errors -= 1
            if not self.attach_anyway:
                self.images = [i for i in self.images if i[0] != self._next]
            else:
                self._changed()
            raise EtsyServerError("bad gateway", status=502)
        self._changed()
        return ListingImage(listing_image_id=self._next, rank=self.ids().index(self._next) + 1)

    def update_listing(self, shop_id: int, listing_id: int, fields: dict[str, Any]) -> None:
        assert set(fields) == {"image_ids"}
        self.calls.append(("reorder", list(fields["image_ids"])))
        by_id = dict(self.images)
        self.images = [(i, by_id[i]) for i in fields["image_ids"]]  # unlisted ones are dropped
        self._changed()

    def get_listing(self, listing_id: int) -> object:
        self.calls.append(("get_listing",))
        if self.listing_gone:
            raise EtsyNotFoundError("listing not found", status=404)
        return object()

    def get_listing_images(self, listing_id: int) -> list[ListingImage]:
        self.calls.append(("get_images",))
        return [ListingImage(listing_image_id=i, rank=n) for n, i in enumerate(self.ids(), 1)]

    def kinds(self) -> list[str]:
        return [call[0] for call in self.calls]


def known(fake: FakeEtsy) -> list[ImageState]:
    """What etsysync recorded: every image on the fake, by content."""
    return [ImageState(f"old-{i}", sha256_hex(data), i) for i, data in fake.images]


def sync(
    fake: FakeEtsy, names: Sequence[str], existing: list[ImageState] | None = None
) -> tuple[tuple[ImageState, ...], ImageSync]:
    existing = known(fake) if existing is None else existing
    refs = [ImageRef(source=f"/img/{n}.png") for n in names]
    wanted = match_images(refs, existing, lambda ref: png(ref.source[5:-4]))
    image_sync = ImageSync(fake, SHOP, LISTING, wanted, existing)  # type: ignore[arg-type]
    return image_sync.run(), image_sync


# --- match_images --------------------------------------------------------------------------------


def test_each_existing_image_is_kept_once_by_content() -> None:
    existing = [
        ImageState("a1", sha256_hex(b"a"), 1),
        ImageState("a2", sha256_hex(b"a"), 2),
        ImageState("b", sha256_hex(b"b"), 3),
    ]
    refs = [ImageRef(source=s) for s in ("x", "y", "z", "w")]
    data = {"x": b"a", "y": b"b", "z": b"a", "w": b"a"}

    wanted = match_images(refs, existing, lambda ref: data[ref.source])

    assert [w.keep.listing_image_id if w.keep else None for w in wanted] == [1, 3, 2, None]
    assert [w.position for w in wanted] == [1, 2, 3, 4]
    assert [w.ref for w in wanted] == refs
    assert [w.sha256 for w in wanted] == [sha256_hex(data[r.source]) for r in refs]
    # kept images carry no bytes; only uploads do
    assert [w.data for w in wanted] == [None, None, None, b"a"]


def test_an_image_of_unknown_content_is_never_kept() -> None:
    existing = [ImageState("", "", 1)]
    wanted = match_images([ImageRef(source="x")], existing, lambda ref: b"")
    assert wanted[0].keep is None and wanted[0].data == b""


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            FileNotFoundError("no such file"),
            "image 2: /img/b.png could not be loaded: no such file",
        ),
        (OSError(), "image 2: /img/b.png could not be loaded: OSError"),
        (SourceError("GET /img/b.png answered 404"), "image 2: GET /img/b.png answered 404"),
    ],
)
def test_a_load_failure_names_the_image_before_anything_is_written(
    error: Exception, message: str
) -> None:
    loaded: list[str] = []

    def load(ref: ImageRef) -> bytes:
        loaded.append(ref.source)
        if ref.source == "/img/b.png":
            raise error
        return png(ref.source)

    refs = [ImageRef(source=f"/img/{n}.png") for n in "abc"]
    with pytest.raises(ImageLoadError) as caught:
        match_images(refs, [], load)

    assert str(caught.value) == message
    assert caught.value.__cause__ is error
    assert loaded == ["/img/a.png", "/img/b.png"]


def test_an_unexpected_loader_error_stays_loud() -> None:
    def load(ref: ImageRef) -> bytes:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        match_images([ImageRef(source="x")], [], load)


def test_more_than_20_images_are_refused_before_loading_any() -> None:
    loaded: list[ImageRef] = []
    refs = [ImageRef(source=f"/img/{n}.png") for n in range(MAX_IMAGES + 1)]

    with pytest.raises(ImageLoadError, match="21 images: Etsy allows at most 20"):
        match_images(refs, [], lambda ref: loaded.append(ref) or b"x")

    assert loaded == []
    assert len(match_images(refs[:MAX_IMAGES], [], lambda ref: b"x")) == MAX_IMAGES


@settings(deadline=None)
@given(
    existing=st.lists(st.sampled_from("abc"), max_size=6),
    wanted=st.lists(st.sampled_from("abcd"), max_size=6),
)
def test_matching_keeps_as_many_as_the_contents_allow(
    existing: list[str], wanted: list[str]
) -> None:
    states = [ImageState(c, sha256_hex(c.encode()), n) for n, c in enumerate(existing)]
    refs = [ImageRef(source=c) for c in wanted]

    result = match_images(refs, states, lambda ref: ref.source.encode())

    kept = [w.keep.listing_image_id for w in result if w.keep]
    assert len(kept) == len(set(kept))  # each existing image used once
    expected = sum(min(wanted.count(c), existing.count(c)) for c in set(wanted))
    assert len(kept) == expected
    for w in result:
        assert (w.keep is None) == (w.data is not None)
        if w.keep:
            assert w.keep.sha256 == w.sha256


# --- ImageSync -----------------------------------------------------------------------------------


def test_an_unchanged_set_makes_no_calls() -> None:
    fake = FakeEtsy("ab")
    before = fake.ids()

    result, _ = sync(fake, "ab")

    assert fake.calls == []
    assert [s.listing_image_id for s in result] == before
    assert [s.source for s in result] == ["/img/a.png", "/img/b.png"]  # the wanted sources


def test_a_pure_reorder_is_one_update_listing() -> None:
    fake = FakeEtsy("abc")
    a, b, c = fake.ids()

    sync(fake, "ca")

    assert fake.calls == [("delete", b), ("reorder", [c, a])]
    assert fake.contents() == [png("c"), png("a")]


def test_deletes_come_before_uploads() -> None:
    fake = FakeEtsy("abc")
    _, b, c = fake.ids()

    sync(fake, "axy")

    assert fake.calls == [("delete", b), ("delete", c), ("upload", 2), ("upload", 3)]
    assert fake.contents() == [png("a"), png("x"), png("y")]


def test_the_last_delete_waits_for_the_first_upload() -> None:
    fake = FakeEtsy("abc")
    a, b, c = fake.ids()

    result, _ = sync(fake, "xyz")

    assert fake.calls == [
        ("delete", a),
        ("delete", b),
        ("upload", 1),
        ("delete", c),
        ("upload", 2),
        ("upload", 3),
    ]
    assert min(fake.counts) >= 1  # the listing always kept an image
    assert fake.contents() == [png("x"), png("y"), png("z")]
    assert [s.sha256 for s in result] == [sha256_hex(png(n)) for n in "xyz"]


def test_a_full_listing_is_replaced_without_going_over_the_cap() -> None:
    fake = FakeEtsy([f"old{n}" for n in range(20)])
    names = [f"new{n}" for n in range(20)]

    sync(fake, names)

    assert fake.contents() == [png(n) for n in names]
    assert max(fake.counts) <= 20 and min(fake.counts) >= 1
    assert "reorder" not in fake.kinds()


def test_a_new_first_image_goes_in_by_rank_without_a_reorder() -> None:
    fake = FakeEtsy("a")
    sync(fake, "xa")
    assert fake.calls == [("upload", 1)]
    assert fake.contents() == [png("x"), png("a")]


def test_when_etsy_ignores_rank_one_reorder_sets_the_order() -> None:
    fake = FakeEtsy("ab", honour_rank=False)

    sync(fake, "xba")

    assert fake.kinds() == ["upload", "reorder"]
    assert fake.contents() == [png("x"), png("b"), png("a")]


def test_an_image_deleted_on_etsy_by_hand_is_not_an_error() -> None:
    fake = FakeEtsy("ab")
    existing = known(fake)
    fake.images.pop(1)  # someone deleted b on Etsy

    result, _ = sync(fake, "a", existing)

    assert fake.kinds() == ["delete", "get_listing"]
    assert [s.listing_image_id for s in result] == fake.ids()


def test_a_deleted_listing_propagates() -> None:
    fake = FakeEtsy("ab")
    fake.listing_gone = True
    with pytest.raises(EtsyNotFoundError, match="listing not found"):
        sync(fake, "a")


def test_an_upload_that_arrived_despite_a_5xx_is_not_sent_twice() -> None:
    fake = FakeEtsy("a")
    fake.server_errors, fake.attach_anyway = 1, True

    sync(fake, "ax")

    assert fake.kinds() == ["upload", "get_images", "reorder"]
    assert fake.contents() == [png("a"), png("x")]


def test_uploads_are_tried_max_attempts_times_and_the_state_stays_true() -> None:
    fake = FakeEtsy("ab")
    _, b = fake.ids()
    fake.server_errors = 5

    with pytest.raises(EtsyServerError):
        sync(fake, "x")

    assert fake.kinds().count("upload") == fake.retry.max_attempts == 3
    assert fake.ids() == [b]  # a was deleted, b held back for the upload that never came


def test_after_a_failure_state_is_what_the_listing_holds() -> None:
    fake = FakeEtsy("ab")
    existing = known(fake)
    fake.server_errors = 5
    refs = [ImageRef(source="/img/x.png")]
    wanted = match_images(refs, existing, lambda ref: png("x"))
    image_sync = ImageSync(fake, SHOP, LISTING, wanted, existing)  # type: ignore[arg-type]

    with pytest.raises(EtsyServerError):
        image_sync.run()

    assert image_sync.state() == (existing[1],)


def test_hand_added_images_holding_the_cap_are_removed_before_the_one_retry() -> None:
    fake = FakeEtsy("ab", cap=3)
    existing = known(fake)
    stray = fake.add(png("stray"))

    sync(fake, "abx", existing)

    assert fake.kinds() == ["upload", "get_images", "delete", "upload", "reorder"]
    assert ("delete", stray) in fake.calls
    assert fake.contents() == [png("a"), png("b"), png("x")]


@settings(deadline=None, max_examples=200)
@given(
    before=st.lists(st.sampled_from("abcde"), max_size=6),
    after=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6),
    honour_rank=st.booleans(),
)
def test_the_listing_ends_up_holding_the_wanted_images(
    before: list[str], after: list[str], honour_rank: bool
) -> None:
    fake = FakeEtsy(before, honour_rank=honour_rank)
    original = fake.ids()

    result, image_sync = sync(fake, after)

    assert fake.contents() == [png(n) for n in after]
    assert [s.listing_image_id for s in result] == fake.ids()
    assert max(fake.counts, default=0) <= 20
    if before:
        assert min(fake.counts, default=1) >= 1  # never without an image
    assert fake.kinds().count("reorder") <= 1
    if honour_rank:
        # ranked uploads land in place: a reorder is needed only for kept images out of order
        kept = [w.keep.listing_image_id for w in image_sync.wanted if w.keep]
        assert ("reorder" in fake.kinds()) == (kept != [i for i in original if i in kept])
