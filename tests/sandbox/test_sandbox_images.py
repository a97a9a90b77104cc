"""Listing images: multipart upload, rank/overwrite, alt text, the cap of 20, delete, re-attach."""

from __future__ import annotations

import hashlib

import pytest
from sandbox_helpers import error, fields

from etsysync_cli.sandbox import SELLER_SHOP_ID, sample_png
from etsysync_cli.sandbox.images import sniff_image


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


def ranks(api, listing_id):
    images = api.get(f"/listings/{listing_id}/images").json()["results"]
    assert [i["rank"] for i in images] == list(range(1, len(images) + 1))
    return [i["listing_image_id"] for i in images]


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


def test_uploads_without_rank_append(api, listing):
    ids = [
        upload(api, listing["listing_id"], (i, i, i)).json()["listing_image_id"] for i in range(3)
    ]
    assert ranks(api, listing["listing_id"]) == ids


def test_rank_inserts_and_overwrite_replaces(api, listing, sandbox):
    lid = listing["listing_id"]
    a, b = (upload(api, lid, (i, 0, 0)).json()["listing_image_id"] for i in range(2))
    c = upload(api, lid, (9, 9, 9), rank=1).json()
    assert c["rank"] == 1
    assert ranks(api, lid) == [c["listing_image_id"], a, b]
    d = upload(api, lid, (8, 8, 8), rank=2, overwrite="true").json()
    assert ranks(api, lid) == [c["listing_image_id"], d["listing_image_id"], b]
    assert a in sandbox.state.listings[lid].detached_image_ids
    e = upload(api, lid, (7, 7, 7), rank=99).json()
    assert e["rank"] == 4  # past the end: appended


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
    assert error(response) == (
        "Listings are only allowed 20 images. "
        "Please delete a ListingImage before trying to upload another."
    )
    # Overwriting at a rank does not grow the listing, so it is allowed at the cap.
    assert upload(api, listing["listing_id"], rank=3, overwrite="true").status_code == 201
    assert len(ranks(api, listing["listing_id"])) == 20


def test_delete_and_reattach(api, listing, sandbox):
    lid = listing["listing_id"]
    a = upload(api, lid, (1, 1, 1)).json()["listing_image_id"]
    b = upload(api, lid, (2, 2, 2)).json()["listing_image_id"]
    path = f"/shops/{SELLER_SHOP_ID}/listings/{lid}/images"
    deleted = api.delete(f"{path}/{a}")
    assert deleted.status_code == 204
    assert ranks(api, lid) == [b]
    assert api.delete(f"{path}/{a}").status_code == 404
    again = api.post(path, files={"listing_image_id": (None, str(a)), "rank": (None, "1")})
    assert again.status_code == 201
    assert again.json()["listing_image_id"] == a
    assert ranks(api, lid) == [a, b]
    assert sandbox.state.stats["images_uploaded"] == 2  # re-attaching uploads nothing


def test_reattach_unknown_image_is_404(api, listing):
    path = f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images"
    assert api.post(path, files={"listing_image_id": (None, "424242")}).status_code == 404


def test_last_image_of_an_active_listing_stays(api, sandbox):
    listing = sandbox.create_listing_direct(state="active", images=1)
    image_id = listing["images"][0]["listing_image_id"]
    response = api.delete(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images/{image_id}"
    )
    assert response.status_code == 400


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
