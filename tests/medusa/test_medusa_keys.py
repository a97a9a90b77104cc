"""Where the Medusa key comes from, and that it is only ever sent to the URL it belongs to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from etsysync_cli.config import Settings, load_settings
from etsysync_cli.errors import SourceError
from etsysync_cli.sources.medusa import MedusaAuthError, api_key, normalize_url, save_key

URL = "https://api.fern-and-kiln.test"
KEY = SecretStr("sk_stored_9b8a7c6d5e4f3a2b1c0d")


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings().settings


def test_the_stored_key_is_for_its_own_url_only(
    monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    save_key(app_home, URL, KEY, insecure_allowed=False)
    found, where = api_key(settings(monkeypatch), app_home, URL)
    assert found.get_secret_value() == KEY.get_secret_value()
    assert where.startswith("OS keyring")
    with pytest.raises(MedusaAuthError, match=re.escape(f"the stored Medusa API key is for {URL}")):
        api_key(settings(monkeypatch), app_home, "https://elsewhere.test")


def test_the_environment_overrides_for_cron(
    monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    save_key(app_home, URL, KEY, insecure_allowed=False)
    env = settings(
        monkeypatch, ETSYSYNC_MEDUSA_URL=URL + "/", ETSYSYNC_MEDUSA_API_KEY=" sk_from_env_1234 "
    )
    found, where = api_key(env, app_home, URL)
    assert (found.get_secret_value(), where) == ("sk_from_env_1234", "ETSYSYNC_MEDUSA_API_KEY")
    with pytest.raises(SourceError, match=re.escape(f"is for {URL}, not")):
        api_key(env, app_home, "https://elsewhere.test")


def test_no_key_at_all_names_the_command(monkeypatch: pytest.MonkeyPatch, app_home: Path) -> None:
    with pytest.raises(MedusaAuthError) as caught:
        api_key(settings(monkeypatch), app_home, URL)
    assert caught.value.hint == f"run `etsysync source medusa {URL}`"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("  http://localhost:9000  ", "http://localhost:9000"),
        ("https://example.com/medusa/", "https://example.com/medusa"),
    ],
)
def test_urls_are_normalized(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize("given", ["api.example.com", "ftp://x.test", "https://x.test/?a=1"])
def test_urls_that_are_not_a_backend(given: str) -> None:
    with pytest.raises(SourceError):
        normalize_url(given)
