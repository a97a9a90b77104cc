"""Listing images: multipart upload, rank/overwrite, alt text, the cap of 20, delete, re-attach,
and the order updateListing's `image_ids` sets, as etsy-api.md §10.10-§10.13 records them."""

from __future__ import annotations

import hashlib

import pytest
from sandbox_helpers import error, fields

from etsysync_cli.sandbox import SELLER_SHOP_ID, sample_png
from etsysync_cli.sandbox.images import sniff_image

CAP = (
    "Listings are only allowed 20 images. "
    "Please delete a ListingImage before trying to upload another."
)


@pytest.fixture
def listing(sandbox):
    return sandbox.create_listing_direct()


def upload(api, listing_id, colour=(1, 2, 3), **data):
    files = {"image": ("photo.png", sample_png(3, 2, colour), "image/png")}
    return api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing_id}/images",
        files=files,
        data={k: str(v) for k, v in data.items()},
    )


def read_back(api, listing_id):
    """(listing_image_id, rank) of each image, in the order getListingImages returns them."""
    images = api.get(f"/listings/{listing_id}/images").json()["results"]
    return [(i["listing_image_id"], i["rank"]) for i in images]


def ranks(api, listing_id):
    """The ids in read-back order, checking the ranks are exactly 1..n."""
    images = read_back(api, listing_id)
    assert [rank for _, rank in images] == list(range(1, len(images) + 1))
    return [image_id for image_id, _ in images]


def set_order(api, listing_id, ids):
    """updateListing with image_ids as ONE comma-separated value (etsy-api.md §2, §10.11)."""
    return api.patch(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing_id}",
        data={"image_ids": ",".join(str(i) for i in ids)},
    )


def test_upload_returns_a_listing_image(api, listing, sandbox):
    png = sample_png(3, 2, (7, 8, 9))
    response = api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
        files={"image": ("photo.png", png, "image/png")},
        data={"alt_text": "A blue mug on a table"},
    )
    assert response.status_code == 201
    image = response.json()
    assert set(image) == fields("ListingImage")
    assert image["listing_id"] == listing["listing_id"]
    assert image["rank"] == 1
    assert image["alt_text"] == "A blue mug on a table"
    assert (image["full_width"], image["full_height"]) == (3, 2)
    assert image["hex_code"] is None  # filled by Etsy's asynchronous processing
    record = sandbox.state.images[image["listing_image_id"]]
    assert record.sha256 == hashlib.sha256(png).hexdigest()


def test_list_and_get_images(api, listing):
    first = upload(api, listing["listing_id"]).json()
    listing_images = api.get(f"/listings/{listing['listing_id']}/images")
    assert listing_images.status_code == 200
    body = listing_images.json()
    assert set(body) == {"count", "results"}
    assert body["count"] == 1
    single = api.get(f"/listings/{listing['listing_id']}/images/{first['listing_image_id']}")
    assert single.json() == first
    assert api.get(f"/listings/{listing['listing_id']}/images/1").status_code == 404


def test_an_upload_without_rank_becomes_the_primary_image(api, listing):
    """etsy-api.md §10.10 (Etsy staff in open-api#533): rank defaults to 1, and "if you don't
    include rank or you always pass in 1 for rank, it will use the most recent upload as the
    primary image". The others keep rank 1 too (§10.11: nothing is renumbered)."""
    lid = listing["listing_id"]
    ids = [upload(api, lid, (i, i, i)).json()["listing_image_id"] for i in range(3)]
    assert read_back(api, lid) == [(ids[2], 1), (ids[1], 1), (ids[0], 1)]
    assert (
        api.get(f"/listings/{lid}", params={"includes": "Images"}).json()["images"][0][
            "listing_image_id"
        ]
        == ids[2]
    )


def test_an_upload_at_an_occupied_rank_renumbers_nothing(api, listing, sandbox):
    """etsy-api.md §10.11 (ELA; open-api#293, #594): two images then share the rank. The
    sandbox reads the newer one back first (U, after #533/#594); ranks keep their gaps."""
    lid = listing["listing_id"]
    a = upload(api, lid, (1, 0, 0), rank=1).json()["listing_image_id"]
    b = upload(api, lid, (2, 0, 0), rank=2).json()["listing_image_id"]
    c = upload(api, lid, (3, 0, 0), rank=2).json()
    assert c["rank"] == 2  # the response says what was stored, not where it shows
    assert read_back(api, lid) == [(a, 1), (c["listing_image_id"], 2), (b, 2)]
    d = upload(api, lid, (4, 0, 0), rank=7).json()["listing_image_id"]
    assert read_back(api, lid)[-1] == (d, 7)  # (U) a rank past the end is kept as sent
    # overwrite=true replaces the first image read back at that rank
    e = upload(api, lid, (5, 0, 0), rank=2, overwrite="true").json()["listing_image_id"]
    assert read_back(api, lid) == [(a, 1), (e, 2), (b, 2), (d, 7)]
    assert c["listing_image_id"] in sandbox.state.listings[lid].detached_image_ids


def test_only_image_ids_sets_an_exact_order(api, listing):
    """etsy-api.md §10.11 and §5: updateListing's image_ids (one comma-separated value) ranks
    the images 1..n in the order given."""
    lid = listing["listing_id"]
    a, b, c = (upload(api, lid, (i, 1, 1)).json()["listing_image_id"] for i in range(3))
    assert set_order(api, lid, [a, b, c]).status_code == 200
    assert read_back(api, lid) == [(a, 1), (b, 2), (c, 3)]
    assert set_order(api, lid, [c, a, b]).status_code == 200
    assert ranks(api, lid) == [c, a, b]


def test_image_ids_leaving_images_out_detaches_them(api, listing, sandbox):
    """Etsy staff in open-api#228: image_ids "will replace the existing images with the new
    list". A left-out image is detached like a deleted one and can come back by id."""
    lid = listing["listing_id"]
    a, b, c = (upload(api, lid, (i, 2, 2)).json()["listing_image_id"] for i in range(3))
    assert set_order(api, lid, [b]).status_code == 200
    assert read_back(api, lid) == [(b, 1)]
    assert set(sandbox.state.listings[lid].detached_image_ids) == {a, c}
    assert set_order(api, lid, [c, b]).status_code == 200  # a deleted copy re-attaches
    assert ranks(api, lid) == [c, b]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (lambda a, b: [a, 424242], "image 424242 does not belong to this listing"),
        (lambda a, b: [a, b, a], "must not contain duplicates"),
    ],
    ids=["unknown-id", "duplicate"],
)
def test_bad_image_ids_change_nothing(api, listing, ids, message):
    """(U) Etsy's answer to an unknown or repeated id is not on record: the sandbox refuses the
    whole update with a 400 and changes nothing."""
    lid = listing["listing_id"]
    a = upload(api, lid, (1, 3, 3), rank=1).json()["listing_image_id"]
    b = upload(api, lid, (2, 3, 3), rank=2).json()["listing_image_id"]
    response = set_order(api, lid, ids(a, b))
    assert response.status_code == 400
    assert message in error(response)
    assert ranks(api, lid) == [a, b]


def test_image_ids_cannot_empty_the_listing(api, listing):
    """(U) an empty image_ids would leave no image; refused like deleting the last one (§10.12)."""
    lid = listing["listing_id"]
    a = upload(api, lid).json()["listing_image_id"]
    response = api.patch(f"/shops/{SELLER_SHOP_ID}/listings/{lid}", data={"image_ids": ""})
    assert response.status_code == 400
    assert ranks(api, lid) == [a]


def test_alt_text_limit(api, listing):
    response = upload(api, listing["listing_id"], alt_text="x" * 501)
    assert response.status_code == 400
    assert error(response) == "There was a problem with /alt_text : must be at most 500 characters"
    assert upload(api, listing["listing_id"], alt_text="x" * 500).status_code == 201


def test_not_an_image_is_refused(api, listing):
    response = api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
        files={"image": ("notes.txt", b"just text", "text/plain")},
    )
    assert response.status_code == 400
    assert "JPEG, PNG, GIF or WebP" in error(response)


def test_upload_must_be_multipart(api, listing):
    response = api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images", data={"rank": "1"}
    )
    assert response.status_code == 400


def test_nothing_to_upload(api, listing):
    response = api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
        files={"alt_text": (None, "only text")},
    )
    assert response.status_code == 400
    assert error(response).startswith("Missing Input Parameter: [image]")


def test_image_cap_is_twenty_with_etsys_message(api, sandbox):
    listing = sandbox.create_listing_direct(images=20)
    response = upload(api, listing["listing_id"])
    assert response.status_code == 400
    assert error(response) == CAP
    # Overwriting at a rank does not grow the listing, so it is allowed at the cap.
    assert upload(api, listing["listing_id"], rank=3, overwrite="true").status_code == 201
    assert len(ranks(api, listing["listing_id"])) == 20


def test_at_the_cap_reposting_an_attached_image_counts_as_an_upload(api, sandbox):
    """etsy-api.md §10.13 (open-api#606): re-posting an image already on the listing, to set its
    alt text, is refused with the cap message when the listing holds 20; below the cap it
    works and the image keeps its id."""
    full = sandbox.create_listing_direct(images=20)
    image_id = full["images"][4]["listing_image_id"]
    path = f"/shops/{SELLER_SHOP_ID}/listings/{full['listing_id']}/images"
    form = {"listing_image_id": (None, str(image_id)), "alt_text": (None, "Blue"), "rank": "5"}
    refused = api.post(path, files=form)
    assert refused.status_code == 400
    assert error(refused) == CAP
    assert sandbox.state.images[image_id].alt_text == ""

    fewer = sandbox.create_listing_direct(images=19)
    image_id = fewer["images"][4]["listing_image_id"]
    path = f"/shops/{SELLER_SHOP_ID}/listings/{fewer['listing_id']}/images"
    form = {"listing_image_id": (None, str(image_id)), "alt_text": (None, "Blue"), "rank": "5"}
    again = api.post(path, files=form)
    assert again.status_code == 201
    assert (again.json()["listing_image_id"], again.json()["alt_text"]) == (image_id, "Blue")
    assert len(read_back(api, fewer["listing_id"])) == 19


def test_delete_and_reattach(api, listing, sandbox):
    lid = listing["listing_id"]
    a = upload(api, lid, (1, 1, 1), rank=1).json()["listing_image_id"]
    b = upload(api, lid, (2, 2, 2), rank=2).json()["listing_image_id"]
    path = f"/shops/{SELLER_SHOP_ID}/listings/{lid}/images"
    deleted = api.delete(f"{path}/{a}")
    assert deleted.status_code == 204
    assert read_back(api, lid) == [(b, 2)]  # (U) a delete renumbers nothing either
    assert api.delete(f"{path}/{a}").status_code == 404
    again = api.post(path, files={"listing_image_id": (None, str(a)), "rank": (None, "1")})
    assert again.status_code == 201
    assert again.json()["listing_image_id"] == a
    assert ranks(api, lid) == [a, b]
    assert sandbox.state.stats["images_uploaded"] == 2  # re-attaching uploads nothing


def test_reattach_unknown_image_is_404(api, listing):
    path = f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images"
    assert api.post(path, files={"listing_image_id": (None, "424242")}).status_code == 404


@pytest.mark.parametrize("state", ["draft", "active", "inactive"])
def test_the_last_image_cannot_be_deleted_drafts_included(api, sandbox, state):
    """etsy-api.md §10.12 (ELA, on a draft): 400 with Etsy's words, whatever the state."""
    listing = sandbox.create_listing_direct(state=state, images=2)
    path = f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images"
    first, last = (i["listing_image_id"] for i in listing["images"])
    assert api.delete(f"{path}/{first}").status_code == 204
    response = api.delete(f"{path}/{last}")
    assert response.status_code == 400
    assert error(response) == (
        "Listings must have at least 1 image. "
        "Please add another ListingImage before trying to delete."
    )
    assert [i for i, _ in read_back(api, listing["listing_id"])] == [last]


def test_upload_to_unknown_listing_is_404(api):
    assert upload(api, 999).status_code == 404


def test_sniffing_formats():
    assert sniff_image(sample_png(7, 5)) == ("image/png", 7, 5)
    gif = b"GIF89a" + (4).to_bytes(2, "little") + (6).to_bytes(2, "little") + b"\x00" * 10
    assert sniff_image(gif) == ("image/gif", 4, 6)
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0\x00\x11\x08\x00\x20\x00\x30\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    assert sniff_image(jpeg) == ("image/jpeg", 48, 32)
    assert sniff_image(b"hello") is None
