"""A loopback Medusa (tests/medusa/fake_medusa.py) beside the Etsy sandbox; retries do not wait."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import Result

from etsysync_cli.sources.medusa import client as medusa_client
from tests.medusa.fake_medusa import FakeMedusa

SANDBOX_TAXONOMY = 1073  # a category the sandbox knows (the recorded ids are real Etsy ones)


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(medusa_client, "default_retry", medusa_client.MedusaRetryPolicy.no_wait)


@pytest.fixture
def medusa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMedusa]:
    """The recorded store, its categories set to ones the sandbox knows."""
    monkeypatch.setenv("ETSYSYNC_LISTING_TAXONOMY_ID", str(SANDBOX_TAXONOMY))
    # The fake store serves its product images on 127.0.0.1: allowed only when asked for.
    monkeypatch.setenv("ETSYSYNC_IMAGES_ALLOW_PRIVATE_URLS", "1")
    with FakeMedusa() as fake:
        for product in fake.products:
            if product.get("metadata") and "etsy_taxonomy_id" in product["metadata"]:
                product["metadata"]["etsy_taxonomy_id"] = SANDBOX_TAXONOMY
        yield fake


Cli = Callable[..., Result]


def connect_medusa(
    cli: Cli, medusa: FakeMedusa, monkeypatch: pytest.MonkeyPatch, *args: str
) -> Result:
    """`etsysync source medusa URL` with the key from the environment, then the key unset (it is
    read from the keyring afterwards)."""
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", medusa.key)
    result = cli("source", "medusa", medusa.url, *args)
    monkeypatch.delenv("ETSYSYNC_MEDUSA_API_KEY")
    assert result.exit_code == 0, result.stderr
    return result


def plan_json(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("plan", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def feed(cli: Cli) -> list[dict[str, Any]]:
    result = cli("status", "--feed", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["events"])
