"""Image sync (push/images.py): `match_images` with a loader callback, and `ImageSync` with the
real Etsy client against the in-process sandbox, whose images follow etsy-api.md §10.10-§10.13
(uploads renumber nothing, only `image_ids` sets an exact order, the last image stays, the cap).

Every ImageSync test ends by reading the listing's images back over the API and checking they
are exactly the wanted ones, in the wanted order; the sandbox's request log says what it cost.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import EtsyNotFoundError, EtsyServerError, SourceError
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.push.images import (
    MAX_IMAGES,
    ImageLoadError,
    ImageSync,
    LastImageError,
    match_images,
)
from etsysync_cli.push.items import ImageState
from etsysync_cli.sandbox import SELLER_SHOP_ID, SandboxServer, sample_png
from tests.pacing import fast_config
from tests.sandbox.sandbox_helpers import seller_client

PNG = sample_png(2, 2, (40, 80, 120))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # the content hash etsysync records per image


def png(name: str) -> bytes:
    """A valid PNG per name (the trailing bytes make each one distinct)."""
    return PNG + name.encode()


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
    wanted=st.lists(st.sampled_from("abcd"), min_size=1, max_size=6),
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


# --- ImageSync, against the sandbox ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(fast_config()) as server:
        yield server


@pytest.fixture(scope="module")
def client(sb: SandboxServer) -> Iterator[EtsyClient]:
    with seller_client(sb, scopes=("listings_r", "listings_w", "listings_d", "shops_r")) as c:
        yield c


def new_listing(
    sb: SandboxServer, client: EtsyClient, names: Sequence[str], *, ranked: bool = True
) -> tuple[int, list[ImageState]]:
    """A draft holding `names`, as etsysync would have recorded them. `ranked=False` uploads
    without rank, so they all share rank 1 and read back newest first (§10.10, §10.11)."""
    listing_id = sb.create_listing_direct()["listing_id"]
    for n, name in enumerate(names, start=1):
        rank = n if ranked else None
        client.upload_listing_image(SELLER_SHOP_ID, listing_id, png(name), "a.png", rank=rank)
    return listing_id, [
        ImageState(f"old-{i.listing_image_id}", hashes(sb)[i.listing_image_id], i.listing_image_id)
        for i in client.get_listing_images(listing_id)
    ]


def hashes(sb: SandboxServer) -> dict[int, str]:
    with sb.state.lock:
        return {i: image.sha256 for i, image in sb.state.images.items()}


def read_back(sb: SandboxServer, client: EtsyClient, listing_id: int) -> list[bytes | str]:
    """The listing's images as getListingImages returns them, by content: the name of each."""
    by_hash = {sha256_hex(png(n)): n for n in NAMES}
    known = hashes(sb)
    return [by_hash[known[i.listing_image_id]] for i in client.get_listing_images(listing_id)]


def ranks(client: EtsyClient, listing_id: int) -> list[int | None]:
    return [i.rank for i in client.get_listing_images(listing_id)]


NAMES = [*"abcdefxyz", *(f"old{n}" for n in range(20)), *(f"new{n}" for n in range(20))]


def sync(
    sb: SandboxServer,
    client: EtsyClient,
    listing_id: int,
    names: Sequence[str],
    existing: Sequence[ImageState],
) -> tuple[tuple[ImageState, ...], Counter[str]]:
    """Run one ImageSync; returns its result and the operations it cost."""
    refs = [ImageRef(source=f"/img/{n}.png") for n in names]
    wanted = match_images(refs, existing, lambda ref: png(ref.source[5:-4]))
    sb.clear_request_log()
    result = ImageSync(client, SELLER_SHOP_ID, listing_id, wanted, existing).run()
    return result, Counter(e["operation"] for e in sb.request_log())


def test_an_unchanged_set_makes_no_calls(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "ab")

    result, cost = sync(sb, client, listing_id, "ab", existing)

    assert cost == Counter()
    assert [s.listing_image_id for s in result] == [e.listing_image_id for e in existing]
    assert [s.source for s in result] == ["/img/a.png", "/img/b.png"]  # the wanted sources


def test_a_new_listing_is_filled_by_rank_without_a_reorder(sb, client) -> None:
    """Sequential uploads at ranks 1..n to an empty listing each report their rank: distinct
    ranks, so the order is certain and no updateListing is needed."""
    listing_id, _ = new_listing(sb, client, "")

    result, cost = sync(sb, client, listing_id, "xyz", [])

    assert cost == Counter({"uploadListingImage": 3})
    assert read_back(sb, client, listing_id) == list("xyz")
    assert ranks(client, listing_id) == [1, 2, 3]
    assert [s.sha256 for s in result] == [sha256_hex(png(n)) for n in "xyz"]


def test_a_reorder_ends_in_the_wanted_order(sb, client) -> None:
    """Only image_ids sets an exact order (§10.11): one updateListing, nothing else."""
    listing_id, existing = new_listing(sb, client, "abc")

    result, cost = sync(sb, client, listing_id, "cab", existing)

    assert cost == Counter({"updateListing": 1})
    assert read_back(sb, client, listing_id) == list("cab")
    assert ranks(client, listing_id) == [1, 2, 3]
    assert [s.listing_image_id for s in result] == [
        i.listing_image_id for i in client.get_listing_images(listing_id)
    ]


def test_a_reorder_of_images_sharing_rank_1(sb, client) -> None:
    """Uploaded without rank, all three have rank 1 (§10.10): still one updateListing."""
    listing_id, existing = new_listing(sb, client, "abc", ranked=False)
    assert ranks(client, listing_id) == [1, 1, 1]
    assert read_back(sb, client, listing_id) == list("cba")  # newest first

    sync(sb, client, listing_id, "abc", existing)

    assert read_back(sb, client, listing_id) == list("abc")


def test_replacing_all_images_never_deletes_the_last_one(sb, client) -> None:
    """The old delete-all path: on a draft, Etsy refuses to delete the last image (§10.12).
    New images go up first; image_ids then drops the old ones and sets the order."""
    listing_id, existing = new_listing(sb, client, "abc")

    result, cost = sync(sb, client, listing_id, "xyz", existing)

    assert cost == Counter({"uploadListingImage": 3, "updateListing": 1})
    assert read_back(sb, client, listing_id) == list("xyz")
    assert ranks(client, listing_id) == [1, 2, 3]
    assert [s.sha256 for s in result] == [sha256_hex(png(n)) for n in "xyz"]
    assert [s.listing_image_id for s in result] == [
        i.listing_image_id for i in client.get_listing_images(listing_id)
    ]


def test_replacing_the_only_image_of_a_draft(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "a")

    sync(sb, client, listing_id, "x", existing)

    assert read_back(sb, client, listing_id) == ["x"]


def test_replacing_one_image_is_an_upload_and_an_update(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "ab")

    _, cost = sync(sb, client, listing_id, "ax", existing)

    assert cost == Counter({"uploadListingImage": 1, "updateListing": 1})
    assert read_back(sb, client, listing_id) == list("ax")


def test_a_new_first_image_beside_kept_ones_is_ordered_by_image_ids(sb, client) -> None:
    """The upload at rank 1 shares it with the kept image (§10.11): the reported rank matches
    what was sent, yet the order is Etsy's, so image_ids sets it."""
    listing_id, existing = new_listing(sb, client, "ab")

    _, cost = sync(sb, client, listing_id, "bxa", existing)

    assert cost == Counter({"uploadListingImage": 1, "updateListing": 1})
    assert read_back(sb, client, listing_id) == list("bxa")
    assert ranks(client, listing_id) == [1, 2, 3]


def test_a_full_listing_is_replaced_without_going_over_the_cap(sb, client) -> None:
    """At the cap an old image is deleted before each upload; the listing holds 20 then, so
    that is never its last one. The new ranks are 1..20 and distinct: no reorder needed."""
    old = [f"old{n}" for n in range(20)]
    new = [f"new{n}" for n in range(20)]
    listing_id, existing = new_listing(sb, client, old)

    _, cost = sync(sb, client, listing_id, new, existing)

    assert cost == Counter({"uploadListingImage": 20, "deleteListingImage": 20})
    assert read_back(sb, client, listing_id) == new
    assert ranks(client, listing_id) == list(range(1, 21))


def test_no_image_wanted_fails_before_any_write(sb, client) -> None:
    """Etsy keeps a listing's last image (§10.12): a product without images cannot empty it."""
    listing_id, existing = new_listing(sb, client, "ab")
    refs: list[ImageRef] = []

    with pytest.raises(LastImageError, match="does not let a listing lose its last image"):
        match_images(refs, existing, lambda ref: b"")
    sb.clear_request_log()
    with pytest.raises(LastImageError):
        ImageSync(client, SELLER_SHOP_ID, listing_id, [], existing).run()

    assert sb.request_log() == []
    assert read_back(sb, client, listing_id) == list("ab")


def test_an_image_deleted_on_etsy_by_hand_is_not_an_error(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "abc")
    client.delete_listing_image(SELLER_SHOP_ID, listing_id, existing[1].listing_image_id)

    result, _ = sync(sb, client, listing_id, "ca", existing)

    assert read_back(sb, client, listing_id) == list("ca")
    assert [s.listing_image_id for s in result] == [
        i.listing_image_id for i in client.get_listing_images(listing_id)
    ]


def test_a_hand_deleted_image_at_the_cap_is_not_an_error(sb, client) -> None:
    old = [f"old{n}" for n in range(20)]
    listing_id, existing = new_listing(sb, client, old)
    client.delete_listing_image(SELLER_SHOP_ID, listing_id, existing[-1].listing_image_id)

    sync(sb, client, listing_id, [*old[:19], "x"], existing)

    assert read_back(sb, client, listing_id) == [*old[:19], "x"]


def test_a_deleted_listing_propagates(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "ab")
    client.delete_listing(listing_id)

    with pytest.raises(EtsyNotFoundError):
        sync(sb, client, listing_id, "ax", existing)


def test_an_upload_that_arrived_despite_a_5xx_is_not_sent_twice(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "a")
    sb.set_fail_next(1, 502, after=True, operation="uploadListingImage")
    before = sb.state.stats["images_uploaded"]

    _, cost = sync(sb, client, listing_id, "ax", existing)

    assert sb.state.stats["images_uploaded"] == before + 1
    assert cost == Counter({"uploadListingImage": 1, "getListingImages": 1, "updateListing": 1})
    assert read_back(sb, client, listing_id) == list("ax")


def test_uploads_are_tried_max_attempts_times_and_the_state_stays_true(sb, client) -> None:
    listing_id, existing = new_listing(sb, client, "ab")
    sb.set_fail_next(client.retry.max_attempts, 502, operation="uploadListingImage")
    refs = [ImageRef(source="/img/x.png")]
    wanted = match_images(refs, existing, lambda ref: png("x"))
    image_sync = ImageSync(client, SELLER_SHOP_ID, listing_id, wanted, existing)
    sb.clear_request_log()

    with pytest.raises(EtsyServerError):
        image_sync.run()

    uploads = [e for e in sb.request_log() if e["operation"] == "uploadListingImage"]
    assert len(uploads) == client.retry.max_attempts
    assert image_sync.state() == tuple(existing)  # nothing was deleted up front
    assert read_back(sb, client, listing_id) == list("ab")


def test_hand_added_images_holding_the_cap_make_room_before_the_one_retry(sb, client) -> None:
    old = [f"old{n}" for n in range(19)]
    listing_id, existing = new_listing(sb, client, old)
    stray = client.upload_listing_image(SELLER_SHOP_ID, listing_id, png("z"), "z.png", rank=20)

    _, cost = sync(sb, client, listing_id, [*old, "x"], existing)

    assert cost == Counter(
        {
            "uploadListingImage": 2,  # refused at the cap, then sent once more
            "getListingImages": 1,
            "deleteListingImage": 1,  # the stray
            "updateListing": 1,
        }
    )
    assert read_back(sb, client, listing_id) == [*old, "x"]
    assert stray.listing_image_id not in [
        i.listing_image_id for i in client.get_listing_images(listing_id)
    ]


@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(st.sampled_from("abcde"), max_size=6),
    after=st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6),
    ranked=st.booleans(),
)
def test_the_listing_ends_up_holding_the_wanted_images(
    sb, client, before: list[str], after: list[str], ranked: bool
) -> None:
    listing_id, existing = new_listing(sb, client, before, ranked=ranked)

    result, cost = sync(sb, client, listing_id, after, existing)

    assert read_back(sb, client, listing_id) == after
    assert [s.listing_image_id for s in result] == [
        i.listing_image_id for i in client.get_listing_images(listing_id)
    ]
    assert cost["updateListing"] <= 1
    assert cost["deleteListingImage"] == 0  # never needed below the cap
    assert cost["uploadListingImage"] == sum(
        max(0, after.count(c) - before.count(c)) for c in set(after)
    )
