"""Runner tests run against the real sandbox, in-process over loopback, with a static bearer."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest

from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.retry import RetryPolicy
from etsysync_cli.sandbox import SandboxServer
from tests.pacing import fast_config
from tests.runner.runner_helpers import Images, Recorder, Recording


class StaticBearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Override in a test module (or with indirect parametrisation) to configure the sandbox."""
    return {}


@pytest.fixture
def sb(sandbox_options: dict[str, Any]) -> Iterator[SandboxServer]:
    with SandboxServer(fast_config(**sandbox_options)) as server:
        yield server


@pytest.fixture
def transport() -> Recording:
    return Recording()


@pytest.fixture
def client(sb: SandboxServer, transport: Recording) -> Iterator[EtsyClient]:
    token = sb.issue_token()["access_token"]
    with EtsyClient(
        sb.api_url,
        sb.config.keystring,
        sb.config.shared_secret,
        auth=StaticBearer(token),
        transport=transport,
        limiter=RateLimiter(per_second=10_000),
        retry=RetryPolicy.no_wait(),
    ) as c:
        yield c


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def images() -> Images:
    return Images()


@pytest.fixture
def push(client: EtsyClient, recorder: Recorder, images: Images) -> Any:
    """run_items against the sandbox's seller shop, with the fake store and image loader."""
    from etsysync_cli.push.runner import run_items
    from etsysync_cli.sandbox import SELLER_SHOP_ID

    def run(items: Any, **kw: Any) -> Any:
        kw.setdefault("concurrency", 1)
        return run_items(client, SELLER_SHOP_ID, items, recorder, load_image=images, **kw)

    return run
