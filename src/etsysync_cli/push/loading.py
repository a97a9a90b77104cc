"""Loading a listing's images for the push: local files and http(s) downloads, each checked
to be a JPEG, PNG or GIF of bounded size (the push uploads them to Etsy, images.py).

Every failure is a SourceError naming the image (and the product), so the runner fails that
product alone, before anything of it is written to Etsy.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import SourceError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


MAX_IMAGE_BYTES = 10_000_000
IMAGE_FORMATS = {  # the formats Etsy accepts for listing photos, by their first bytes
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
}


def image_format(data: bytes) -> str | None:
    for name, signatures in IMAGE_FORMATS.items():
        if data.startswith(signatures):
            return name
    return None


def image_sha256(data: bytes) -> str:
    """Content hash of an image: the planner compares images by content, not by URL."""
    return hashlib.sha256(data).hexdigest()


def load_image(
    ref: ImageRef,
    *,
    http: httpx.Client | None = None,
    base_dir: Path | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
    product: str | None = None,
) -> bytes:
    """The bytes of one image (downloaded, or read relative to `base_dir`), checked to be a JPEG,
    PNG or GIF of at most `max_bytes`. Every failure is a SourceError naming image and product."""
    label = f"image {ref.source}" + (f" of product '{product}'" if product else "")
    limit = f"{max_bytes / 1_000_000:g} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,} bytes"
    if ref.is_remote:
        data = _download(ref.source, http, max_bytes, label, limit)
    elif _URL.match(ref.source):
        raise SourceError(f"{label}: only http(s) URLs and local files are supported")
    else:
        data = _read_local(ref.source, base_dir, max_bytes, label, limit)
    if image_format(data) is None:
        kind = "a WebP image" if data[8:12] == b"WEBP" else "not a JPEG, PNG or GIF image"
        raise SourceError(f"{label} is {kind}; Etsy accepts JPEG, PNG and GIF")
    return data


def _read_local(
    location: str, base_dir: Path | None, max_bytes: int, label: str, limit: str
) -> bytes:
    path = Path(location)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        if path.stat().st_size > max_bytes:
            raise SourceError(f"{label} is larger than the {limit} limit")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{label}: no such file ({path})") from None
    except OSError as exc:
        raise SourceError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None


def _download(url: str, http: httpx.Client | None, max_bytes: int, label: str, limit: str) -> bytes:
    client = http or httpx.Client(timeout=30)
    try:
        with client.stream("GET", url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise SourceError(f"{label} could not be downloaded: HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"{label} is larger than the {limit} limit")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:  # stop reading: the header may be missing or lie
                    raise SourceError(f"{label} is larger than the {limit} limit")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise SourceError(f"{label} could not be downloaded: {exc}") from None
    finally:
        if http is None:
            client.close()
