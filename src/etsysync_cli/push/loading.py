"""Loading a listing's images for the push: local files and http(s) downloads, each checked
to be a JPEG, PNG or GIF of bounded size (the push uploads them to Etsy, images.py).

A catalog says where its images are, and a catalog can be wrong or hostile, so every image is
read under an `ImagePolicy`:

- a **local image** must be a regular file (a FIFO would block for ever, `/dev/zero` would never
  end) under one of the policy's roots: the catalog's own folder, plus the folders the
  `images.local_roots` setting adds. `../` climbing out, absolute paths and `file://` URLs
  elsewhere are refused, so a catalog cannot publish a private file as a listing photo;
- a **download** may not go to a loopback, link-local or private address (nor be redirected
  to one) unless `images.allow_private_urls` is on, and has an overall deadline
  (`images.download_seconds`), not only a per-read timeout that a byte every few seconds keeps
  alive;
- every image is at most `max_bytes` (10 MB), counted while reading.

`local_problem` and `url_problem` are what `plan` checks up front, so a missing, unreadable or
oversized local image, or a forbidden URL, makes the product invalid at plan time rather than
failing at confirm. Every failure is a SourceError naming the image (and the product), so the
runner fails that product alone, before anything of it is written to Etsy.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import ipaddress
import os
import re
import socket
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import SourceError

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

MAX_IMAGE_BYTES = 10_000_000
MAX_REDIRECTS = 5
IMAGE_FORMATS = {  # the formats Etsy accepts for listing photos, by their first bytes
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
}


@dataclass(frozen=True)
class ImagePolicy:
    """Where images may come from (see the module doc)."""

    roots: Sequence[Path] | None = None  # local images only under these; None: anywhere
    allow_private_urls: bool = False
    max_bytes: int = MAX_IMAGE_BYTES
    download_seconds: float = 60.0

    def under_a_root(self, path: Path) -> bool:
        if self.roots is None:
            return True
        return any(path.is_relative_to(root) for root in self.roots)


def image_format(data: bytes) -> str | None:
    for name, signatures in IMAGE_FORMATS.items():
        if data.startswith(signatures):
            return name
    return None


def image_sha256(data: bytes) -> str:
    """Content hash of an image: the planner compares images by content, not by URL."""
    return hashlib.sha256(data).hexdigest()


def _limit_text(max_bytes: int) -> str:
    return f"{max_bytes / 1_000_000:g} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,} bytes"


def local_problem(location: str, policy: ImagePolicy, base_dir: Path | None = None) -> str | None:
    """Why this local image cannot be used (missing, not a regular file, outside the allowed
    folders, too big), or None. Never opens the file: a FIFO must not block the check."""
    path = Path(location)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        real = path.resolve(strict=True)
        info = os.stat(real)
    except FileNotFoundError:
        return f"no such file ({path})"
    except (OSError, RuntimeError) as exc:
        return f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
    if not policy.under_a_root(real):
        allowed = ", ".join(str(root) for root in policy.roots or ())
        return (
            f"{path} is outside the catalog's folder ({allowed}); images must be there, or in "
            "a folder named by the images.local_roots setting"
        )
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_size > policy.max_bytes:
        return f"{path} is larger than the {_limit_text(policy.max_bytes)} limit"
    return None


def url_problem(url: str, policy: ImagePolicy) -> str | None:
    """Why etsysync will not download this URL (not http(s), or an address on this machine's
    own networks while images.allow_private_urls is off), or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{url}: only http(s) URLs and local files are supported"
    if policy.allow_private_urls:
        return None
    for address in _addresses(parts.hostname, parts.port):
        if _is_private(address):
            return (
                f"{url} points to {address}, a loopback, link-local or private address; "
                "set images.allow_private_urls to fetch images from your own network"
            )
    return None


@functools.lru_cache(maxsize=256)  # one lookup per host, even for a catalog of thousands
def _addresses(host: str, port: int | None) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []  # not resolvable here: the download fails on its own, with its own error
    return sorted({str(info[4][0]) for info in found})


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def load_image(
    ref: ImageRef,
    *,
    http: httpx.Client | None = None,
    base_dir: Path | None = None,
    max_bytes: int | None = None,
    product: str | None = None,
    policy: ImagePolicy | None = None,
) -> bytes:
    """The bytes of one image (downloaded, or read relative to `base_dir`), checked to be a JPEG,
    PNG or GIF within the policy's bounds. Every failure is a SourceError naming image and
    product."""
    policy = policy or ImagePolicy()
    if max_bytes is not None:
        policy = dataclasses.replace(policy, max_bytes=max_bytes)
    label = f"image {ref.source}" + (f" of product '{product}'" if product else "")
    if ref.is_remote:
        data = _download(ref.source, http, policy, label)
    elif _URL.match(ref.source):
        raise SourceError(f"{label}: only http(s) URLs and local files are supported")
    else:
        data = _read_local(ref.source, base_dir, policy, label)
    if image_format(data) is None:
        kind = "a WebP image" if data[8:12] == b"WEBP" else "not a JPEG, PNG or GIF image"
        raise SourceError(f"{label} is {kind}; Etsy accepts JPEG, PNG and GIF")
    return data


def _read_local(location: str, base_dir: Path | None, policy: ImagePolicy, label: str) -> bytes:
    problem = local_problem(location, policy, base_dir)
    if problem is not None:
        raise SourceError(f"{label}: {problem}")
    path = Path(location)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        # O_NONBLOCK: should the file have become a FIFO since the check, opening it must not
        # block; the read is bounded in any case.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise SourceError(f"{label}: {path} is not a regular file")
            data = fh.read(policy.max_bytes + 1)
    except OSError as exc:
        raise SourceError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > policy.max_bytes:
        raise SourceError(f"{label} is larger than the {_limit_text(policy.max_bytes)} limit")
    return data


def _download(url: str, http: httpx.Client | None, policy: ImagePolicy, label: str) -> bytes:
    client = http or httpx.Client(timeout=30)
    deadline = time.monotonic() + policy.download_seconds
    limit = _limit_text(policy.max_bytes)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            problem = url_problem(url, policy)
            if problem is not None:
                raise SourceError(f"{label}: {problem}")
            timeout = httpx.Timeout(min(30.0, policy.download_seconds))
            with client.stream("GET", url, follow_redirects=False, timeout=timeout) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])  # checked again above
                    continue
                if response.status_code != 200:
                    raise SourceError(
                        f"{label} could not be downloaded: HTTP {response.status_code}"
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > policy.max_bytes:
                    raise SourceError(f"{label} is larger than the {limit} limit")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > policy.max_bytes:  # stop reading: the header may lie
                        raise SourceError(f"{label} is larger than the {limit} limit")
                    if time.monotonic() > deadline:
                        raise SourceError(
                            f"{label} could not be downloaded within "
                            f"{policy.download_seconds:g} s (images.download_seconds)"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        raise SourceError(f"{label} could not be downloaded: more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as exc:
        raise SourceError(f"{label} could not be downloaded: {exc}") from None
    finally:
        if http is None:
            client.close()
