"""The log file (logs.py): `redact` on its own, and `setup` + `event` writing real lines."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etsysync_cli import logs
from etsysync_cli.logs import redact

ETSY_TOKEN = "12345678.O1zLuwveeKjpIqCQFfmR-PaMMpBmagH6Dlj_RAkK9qt05"

SECRETS = [
    ("an Etsy access token", f"token is {ETSY_TOKEN}", "token is ***"),
    ("a short Etsy token", "12345678.abcdefghijklmnop", "***"),
    ("a bearer value", "Authorization: Bearer xyz", "Authorization: Bearer ***"),
    ("bearer, any case", "authorization: bearer abc.def-ghi", "authorization: bearer ***"),
    ("an x-api-key header", "x-api-key: keystring123", "x-api-key: ***"),
    ("an x-api-key in a dict", "{'x-api-key': 'keystring123'}", "{'x-api-key': '***'}"),
    ("x-api-key=", "X-Api-Key=keystring123", "X-Api-Key=***"),
    ("a Medusa secret key", "key sk_0123456789abcdef was refused", "key sk_*** was refused"),
    ("access_token=", "?access_token=abc&x=1", "?access_token=***&x=1"),
    ("refresh_token=", "refresh_token=def ok", "refresh_token=*** ok"),
    ("code=", "/callback?code=c0de-value&state=s1", "/callback?code=***&state=s1"),
    ("code_verifier=", "code_verifier=v3r1f13r", "code_verifier=***"),
    ("shared_secret=", "shared_secret=s3cr3t", "shared_secret=***"),
    ("client_secret=", "client_secret=s3cr3t", "client_secret=***"),
    (
        "password=",
        "https://u.test/?user=me&password=hunter2",
        "https://u.test/?user=***&password=***",  # every query value: issue 12
    ),
    ("api_key=", "api_key=k3y", "api_key=***"),
    ("token=", "token=t0k3n", "token=***"),
    ("two at once", "code=a&refresh_token=b", "code=***&refresh_token=***"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SECRETS], ids=[c[0] for c in SECRETS]
)
def test_secrets_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


PLAIN = [
    ("a price", "price=12.50 currency=USD"),
    ("a big price", "price 49999.99"),
    ("a listing id", "listing_id=1234567890 listing 4001"),
    ("a listing URL", "https://www.etsy.com/listing/1234567890/blue-ceramic-mug-handmade"),
    ("an ISO time", "2026-11-28T03:00:01Z"),
    ("an ISO time with fractions", "2026-11-28T03:00:01.123456+00:00"),
    ("a duration", "took 1732.5 s"),
    ("a loopback URL", "http://127.0.0.1:54321/callback"),
    ("a version", "etsysync 0.1.0"),
    ("names that end in code or token", "exit_code=3 status_code=429 next_token=abc"),
    ("a file name", "image IMG_20240101.long-file-name.jpg"),
    ("a Medusa product id", "prod_01JABCDEF0123456789"),
]


@pytest.mark.parametrize("text", [c[1] for c in PLAIN], ids=[c[0] for c in PLAIN])
def test_ordinary_values_are_left_alone(text: str) -> None:
    assert redact(text) == text


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.integers(0, 10**12))
def test_prices_and_ids_are_never_masked(price: object, listing_id: int) -> None:
    text = f"listing {listing_id} price={price}"
    assert redact(text) == text


@given(st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=12))
def test_an_etsy_token_never_survives(opaque: str) -> None:
    assert "98765" not in redact(f"98765.{opaque}")


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact(" ".join(text for _, text, _ in SECRETS))
    assert redact(once) == once


# --- the log file --------------------------------------------------------------------------------

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR) \S+( \w+=\S.*)?$")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "etsysync.log"  # the folder does not exist yet
    logs.setup(path)
    yield path
    logs.setup(None)  # closes the handler: the logger is global


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_an_event_is_one_key_value_line(log_file: Path) -> None:
    logs.event("job_started", transaction_id="txn_1", count=3, message="two words", skipped=None)

    [line] = lines(log_file)
    assert LINE.match(line), line
    assert line.endswith(' INFO job_started transaction_id=txn_1 count=3 message="two words"')


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("", '""'),
        ("a b", '"a b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("k=v", '"k=v"'),
        ("é", "é"),
        ("tab\there", '"tab\\there"'),
    ],
)
def test_values_are_quoted_when_they_would_be_ambiguous(
    log_file: Path, value: str, written: str
) -> None:
    logs.event("e", field=value)
    assert lines(log_file)[0].endswith(f" INFO e field={written}")


def test_the_level_is_written(log_file: Path) -> None:
    logs.event("quota_spent", logging.WARNING, job_id=9)
    assert " WARNING quota_spent job_id=9" in lines(log_file)[0]


def test_redaction_applies_to_every_written_line(log_file: Path) -> None:
    logs.event(
        "token_refreshed",
        message=f"refreshed {ETSY_TOKEN} with Bearer abc",
        url="http://127.0.0.1:9/cb?code=zzz&state=s",
        key="sk_0123456789abcdef",
        refresh_token="plain-secret",
    )

    [line] = lines(log_file)
    for secret in (ETSY_TOKEN, "abc", "zzz", "0123456789abcdef", "plain-secret"):
        assert secret not in line
    assert "state=***" in line  # every query value of a URL is masked (issue 12)
    assert "token_refreshed" in line and "http://127.0.0.1:9/cb" in line  # the rest survives


def test_url_user_info_is_masked() -> None:
    line = logs.redact('argv="config set notify.webhook_url https://ann:pw1@hooks.test/h"')
    assert "ann" not in line and "pw1" not in line
    assert "https://***@hooks.test/h" in line


@pytest.mark.parametrize("secret", ["correct horse battery", "c2VjcmV0=="])
def test_a_quoted_secret_field_is_still_masked(log_file: Path, secret: str) -> None:
    logs.event("login", password=secret)
    assert secret not in lines(log_file)[0]


def test_lines_are_appended(log_file: Path) -> None:
    logs.event("first")
    logs.setup(log_file)  # a second run opens the same file
    logs.event("second")
    assert [line.split()[-1] for line in lines(log_file)] == ["first", "second"]


def test_without_a_path_nothing_is_logged(tmp_path: Path) -> None:
    path = tmp_path / "off.log"
    logs.setup(path)
    logs.setup(None)
    logs.event("ignored")
    assert path.read_text(encoding="utf-8") == ""
    assert not logs.logger.isEnabledFor(logging.CRITICAL)
