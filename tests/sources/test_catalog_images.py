"""Images named by a catalog: downloaded or read from disk, checked, hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from etsysync_cli.domain.listing import ImageRef
from etsysync_cli.errors import SourceError
from etsysync_cli.push.loading import image_format, image_sha256, load_image

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
GIF = b"GIF89a" + b"\x00" * 100
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100


def client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def serve(
    status: int = 200, body: bytes = JPEG, headers: dict[str, str] | None = None
) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return client(httpx.MockTransport(handle))


@pytest.mark.parametrize(
    ("data", "kind"), [(JPEG, "jpeg"), (PNG, "png"), (GIF, "gif"), (WEBP, None)]
)
def test_image_formats_by_content(data: bytes, kind: str | None) -> None:
    assert image_format(data) == kind


def test_download_and_hash() -> None:
    with serve(body=PNG) as http:
        data = load_image(ImageRef(source="https://img.test/a.png"), http=http)
    assert data == PNG
    assert image_sha256(data) == hashlib.sha256(PNG).hexdigest()


def test_redirects_are_followed() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old.jpg":
            return httpx.Response(302, headers={"location": "https://img.test/new.jpg"})
        return httpx.Response(200, content=JPEG)

    with client(httpx.MockTransport(handle)) as http:
        assert load_image(ImageRef(source="https://img.test/old.jpg"), http=http) == JPEG


@pytest.mark.parametrize(
    ("status", "body", "headers", "message"),
    [
        (
            404,
            JPEG,
            {},
            "image https://img.test/a.jpg of product 'mug' could not be downloaded: HTTP 404",
        ),
        (200, b"<html>", {"content-type": "text/html"}, "is not a JPEG, PNG or GIF image"),
        (200, WEBP, {}, "is a WebP image; Etsy accepts JPEG, PNG and GIF"),
        (200, JPEG * 2, {"content-length": "99999999"}, "larger than the 200 bytes limit"),
    ],
)
def test_download_problems_name_the_image_and_product(
    status: int, body: bytes, headers: dict[str, str], message: str
) -> None:
    with serve(status, body, headers) as http, pytest.raises(SourceError) as caught:
        load_image(
            ImageRef(source="https://img.test/a.jpg"), http=http, product="mug", max_bytes=200
        )
    assert message in str(caught.value)


def test_a_stream_past_the_limit_is_cut_off_without_trusting_headers() -> None:
    served: list[int] = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):
            served.append(1)
            yield JPEG

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # no content-length

    with client(httpx.MockTransport(handle)) as http, pytest.raises(SourceError, match="larger"):
        load_image(ImageRef(source="https://img.test/a.jpg"), http=http, max_bytes=1000)
    assert len(served) < 1000


def test_connection_errors_are_source_errors() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with client(httpx.MockTransport(handle)) as http, pytest.raises(SourceError) as caught:
        load_image(ImageRef(source="https://img.test/a.jpg"), http=http, product="mug")
    assert "could not be downloaded: connection refused" in str(caught.value)


def test_local_images_relative_to_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.gif").write_bytes(GIF)
    assert load_image(ImageRef(source="img/a.gif"), base_dir=tmp_path) == GIF
    assert load_image(ImageRef(source=str(tmp_path / "img" / "a.gif"))) == GIF
    with pytest.raises(SourceError, match=r"image img/b\.gif of product 'mug': no such file"):
        load_image(ImageRef(source="img/b.gif"), base_dir=tmp_path, product="mug")
    with pytest.raises(SourceError, match="larger than the 10 bytes limit"):
        load_image(ImageRef(source="img/a.gif"), base_dir=tmp_path, max_bytes=10)


def test_other_url_schemes_are_refused() -> None:
    with pytest.raises(SourceError, match="only http"):
        load_image(ImageRef(source="ftp://img.test/a.jpg"))
