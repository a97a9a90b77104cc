"""Runner tests run against the real sandbox, in-process over loopback, with a static bearer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.sandbox import SandboxServer
from tests.pacing import fast_config
from tests.runner.runner_helpers import Images, Recorder, Recording
from tests.sandbox.sandbox_helpers import seller_client


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
    with seller_client(sb, transport=transport) as c:
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
