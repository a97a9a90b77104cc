"""Fixtures for the sandbox tests: a fresh in-process sandbox (port 0) per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sandbox_helpers import ALL_SCOPES, Api, local_client
from tests.pacing import fast_config

from etsysync_cli.sandbox import SandboxConfig, SandboxServer


@pytest.fixture
def config() -> SandboxConfig:
    return fast_config()


@pytest.fixture
def sandbox(config: SandboxConfig) -> Iterator[SandboxServer]:
    with SandboxServer(config) as sb:
        yield sb


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with local_client(sandbox.base_url) as c:
        yield c


@pytest.fixture
def token(sandbox: SandboxServer) -> dict[str, Any]:
    return sandbox.issue_token(scopes=ALL_SCOPES)


@pytest.fixture
def api(sandbox: SandboxServer, client: httpx.Client, token: dict[str, Any]) -> Api:
    key = f"{sandbox.config.keystring}:{sandbox.config.shared_secret}"
    return Api(client, key, token["access_token"])
