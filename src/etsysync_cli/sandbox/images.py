"""Listing images: multipart upload (or re-attach), list, get, delete, the order that
updateListing's `image_ids` sets, Etsy's cap of 20 and its last-image rule (etsy-api.md §10.10-13).

Each attached image keeps the rank Etsy stored for it (`ImageRecord.rank`); uploads never
renumber the others, so ranks can repeat or have gaps until `image_ids` sets 1..n.
"""

from __future__ import annotations

import email.policy
import struct
import zlib
from dataclasses import dataclass
from email.parser import BytesParser

from etsysync_cli.sandbox.access import path_int, shop_listing, visible_listing
from etsysync_cli.sandbox.render import render_image
from etsysync_cli.sandbox.rules import MAX_ALT_TEXT, MAX_IMAGES, problem, to_bool
from etsysync_cli.sandbox.state import ImageRecord, Listing, SandboxState
from etsysync_cli.sandbox.wire import (
    ApiError,
    Request,
    Response,
    bad_request,
    json_response,
    not_found,
)

CAP_MESSAGE = (
    f"Listings are only allowed {MAX_IMAGES} images. "
    "Please delete a ListingImage before trying to upload another."
)
# Etsy's words when the last image would go (etsy-api.md §10.12, ELA).
LAST_IMAGE_MESSAGE = (
    "Listings must have at least 1 image. Please add another ListingImage before trying to delete."
)


@dataclass
class Part:
    data: bytes
    filename: str | None
    content_type: str

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def parse_multipart(req: Request) -> dict[str, Part]:
    """Parse multipart/form-data with the stdlib email parser (the cgi module is gone).

    Repeated names keep the last part, like Etsy's other repeated fields.
    """
    if req.content_type != "multipart/form-data":
        raise bad_request("uploadListingImage expects a multipart/form-data body.")
    header = f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(header + req.body)
    if not message.is_multipart():
        raise bad_request("The multipart/form-data body could not be parsed.")
    parts: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts[name] = Part(data, part.get_filename(), part.get_content_type())
    return parts


def sniff_image(data: bytes) -> tuple[str, int | None, int | None] | None:
    """(content type, width, height) from the file's own header; None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg", *_jpeg_size(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", *_webp_size(data))
    return None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None, None


def sample_png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 90, 40)) -> bytes:
    """A valid PNG of one colour, for tests and the demo (different colours, different bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _field_int(parts: dict[str, Part], name: str) -> int | None:
    part = parts.get(name)
    if part is None or not part.text().strip():
        return None
    raw = part.text().strip()
    if not raw.lstrip("-").isdigit():
        raise bad_request(f"Expected int value for '{name}' (got '{raw}').")
    return int(raw)


def upload_listing_image(state: SandboxState, req: Request) -> Response:
    _, listing = shop_listing(state, req)
    parts = parse_multipart(req)
    alt_text = parts["alt_text"].text() if "alt_text" in parts else ""
    if len(alt_text) > MAX_ALT_TEXT:
        raise problem("alt_text", f"must be at most {MAX_ALT_TEXT} characters")
    rank = _field_int(parts, "rank")
    if rank is not None and rank < 0:
        raise problem("rank", "must be greater than or equal to 0")
    # The spec's default is 1: an upload without rank becomes the primary image (etsy-api.md
    # §10.10, #533). (U) rank 0, which the spec's minimum allows, is taken as that default.
    rank = rank or 1
    overwrite = to_bool("overwrite", parts["overwrite"].text()) if "overwrite" in parts else False
    watermarked = False
    if "is_watermarked" in parts:
        watermarked = to_bool("is_watermarked", parts["is_watermarked"].text())
    upload = parts.get("image")
    reattach_id = _field_int(parts, "listing_image_id")
    replaced = _at_rank(state, listing, rank) if overwrite else None
    # Only a replacement keeps the count. Re-posting an image that is already attached (to set
    # its alt text, say) counts as an upload too: refused at the cap (§10.13, #606).
    adds = (upload is not None and bool(upload.data)) or reattach_id is not None
    if adds and replaced is None and len(listing.image_ids) >= MAX_IMAGES:
        raise bad_request(CAP_MESSAGE)

    # The spec: when both are sent, the file wins.
    if upload is not None and upload.data:
        image = _new_image(state, listing, upload.data, alt_text, watermarked)
    elif reattach_id is not None:
        image = _reattach(state, listing, reattach_id)
        image.alt_text = alt_text or image.alt_text
    else:
        raise bad_request("Missing Input Parameter: [image] (or listing_image_id to re-attach)")
    if replaced is not None and replaced != image.listing_image_id:
        listing.image_ids.remove(replaced)
        listing.detached_image_ids.append(replaced)
    attach(state, listing, image, rank)
    listing.updated_timestamp = int(state.now())
    state.save()
    return json_response(201, render_image(image, image.rank, req.base_url))


def _new_image(
    state: SandboxState, listing: Listing, data: bytes, alt_text: str, watermarked: bool
) -> ImageRecord:
    sniffed = sniff_image(data)
    if sniffed is None:
        # (U) Etsy's accepted formats and message; JPEG, PNG, GIF and WebP are accepted here.
        raise bad_request("The image must be a JPEG, PNG, GIF or WebP file.")
    content_type, width, height = sniffed
    image = ImageRecord(
        listing_image_id=state.next_id("image"),
        listing_id=listing.listing_id,
        sha256=state.blobs.put(data),
        size=len(data),
        content_type=content_type,
        full_width=width,
        full_height=height,
        alt_text=alt_text,
        is_watermarked=watermarked,
        created_timestamp=int(state.now()),
    )
    state.images[image.listing_image_id] = image
    state.bump("images_uploaded")
    return image


def _reattach(state: SandboxState, listing: Listing, image_id: int) -> ImageRecord:
    """A deleted image of this listing comes back without re-uploading the file; one that is
    still attached is taken off and put back at the new rank."""
    if image_id in listing.image_ids:
        listing.image_ids.remove(image_id)
    elif image_id in listing.detached_image_ids:
        listing.detached_image_ids.remove(image_id)
    else:
        raise not_found(f"Could not find a listing image with listing_image_id = {image_id}")
    return state.images[image_id]


def _at_rank(state: SandboxState, listing: Listing, rank: int) -> int | None:
    """The image `overwrite` replaces: the first one read back at that rank, if any."""
    for image_id in listing.image_ids:
        if image_rank(state.images[image_id], listing, image_id) == rank:
            return image_id
    return None


def image_rank(image: ImageRecord, listing: Listing, image_id: int) -> int:
    """The rank Etsy reports for an attached image (its position for a pre-rank state file)."""
    return image.rank or listing.image_ids.index(image_id) + 1


def attach(state: SandboxState, listing: Listing, image: ImageRecord, rank: int) -> None:
    """Put `image` at `rank` and leave every other image's rank alone (etsy-api.md §10.11).

    `listing.image_ids` is the order images are read back in: by rank, and among images that
    share a rank the one attached last comes first. (U) Etsy's order within a shared rank is
    not on record; newest first is what #533 describes for rank 1 ("it will use the most recent
    upload as the primary image") and what #594 saw (the new image first, the old one bumped).
    A rank past the last image is kept as sent (U): ranks can have gaps.
    """
    image.rank = rank
    ids = listing.image_ids
    at = next(
        (n for n, i in enumerate(ids) if image_rank(state.images[i], listing, i) >= rank),
        len(ids),
    )
    ids.insert(at, image.listing_image_id)


def set_image_order(state: SandboxState, listing: Listing, image_ids: list[int]) -> None:
    """updateListing `image_ids` (one comma-separated value): the listing holds exactly these
    images, ranked 1..n in this order (etsy-api.md §5, §10.11; Etsy staff in #228: "It will
    replace the existing images with the new list"). Images left out are detached, as a
    delete would (they can be re-attached by id).

    Choices where Etsy's behaviour is not on record (U): an id that is neither attached to nor
    deleted from this listing is refused (400) and nothing changes; so is a duplicate id; an
    empty list is refused like deleting the last image (§10.12), since it would leave the
    listing without one.
    """
    if len(image_ids) > MAX_IMAGES:
        raise problem("image_ids", f"cannot be more than {MAX_IMAGES} items")
    if len(set(image_ids)) != len(image_ids):
        raise problem("image_ids", "must not contain duplicates")
    known = set(listing.image_ids) | set(listing.detached_image_ids)
    for image_id in image_ids:
        if image_id not in known:
            raise problem("image_ids", f"image {image_id} does not belong to this listing")
    if not image_ids and listing.image_ids:
        raise bad_request(LAST_IMAGE_MESSAGE)
    dropped = [i for i in listing.image_ids if i not in image_ids]
    listing.detached_image_ids = [
        i for i in listing.detached_image_ids + dropped if i not in image_ids
    ]
    listing.image_ids = list(image_ids)
    for rank, image_id in enumerate(image_ids, start=1):
        state.images[image_id].rank = rank


def get_listing_images(state: SandboxState, req: Request) -> Response:
    listing = visible_listing(state, req, path_int(req, "listing_id"))
    results = [
        render_image(state.images[i], image_rank(state.images[i], listing, i), req.base_url)
        for i in listing.image_ids
    ]
    return json_response(200, {"count": len(results), "results": results})


def _attached(listing: Listing, image_id: int) -> None:
    if image_id not in listing.image_ids:
        raise not_found(f"Could not find a listing image with listing_image_id = {image_id}")


def get_listing_image(state: SandboxState, req: Request) -> Response:
    listing = visible_listing(state, req, path_int(req, "listing_id"))
    image_id = path_int(req, "listing_image_id")
    _attached(listing, image_id)
    image = state.images[image_id]
    rank = image_rank(image, listing, image_id)
    return json_response(200, render_image(image, rank, req.base_url))


def delete_listing_image(state: SandboxState, req: Request) -> Response:
    _, listing = shop_listing(state, req)
    image_id = path_int(req, "listing_image_id")
    _attached(listing, image_id)
    if len(listing.image_ids) == 1:
        # Whatever the state, drafts included (etsy-api.md §10.12, ELA on a draft).
        raise bad_request(LAST_IMAGE_MESSAGE)
    # (U) The others keep their ranks: nothing on record says a delete renumbers them.
    listing.image_ids.remove(image_id)
    listing.detached_image_ids.append(image_id)  # Etsy keeps a copy that can be re-attached
    listing.updated_timestamp = int(state.now())
    state.save()
    return Response(204)


def image_bytes(state: SandboxState, req: Request) -> Response:
    """The sandbox's stand-in for Etsy's image CDN (the url_* fields point here)."""
    image = state.images.get(path_int(req, "listing_image_id"))
    data = state.blobs.get(image.sha256) if image else None
    if image is None or data is None:
        raise ApiError(404, "Image not found")
    return Response(200, data, {"content-type": image.content_type})
