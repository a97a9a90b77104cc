"""Fixtures for the Etsy client tests: a fake clock, a mocked Etsy (respx), a client factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx
from etsy_fakes import API_URL, BASE, KEYSTRING, SECRET, FakeClock

from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.events import EtsyEvent, RequestStats
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.retry import RetryPolicy


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> list[EtsyEvent]:
    return []


@pytest.fixture
def limiter(clock: FakeClock, events: list[EtsyEvent]) -> RateLimiter:
    return RateLimiter(stats=RequestStats(on_event=events.append), clock=clock, sleep=clock.sleep)


@pytest.fixture
def retry_sleeps() -> list[float]:
    return []


@pytest.fixture
def etsy() -> Iterator[respx.MockRouter]:
    """Etsy, mocked: every request must match a route and every route must be called."""
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        yield mock


@pytest.fixture
def make_client(
    limiter: RateLimiter, retry_sleeps: list[float]
) -> Iterator[Callable[..., EtsyClient]]:
    made: list[EtsyClient] = []

    def make(**kwargs: Any) -> EtsyClient:
        kwargs.setdefault("limiter", limiter)
        kwargs.setdefault("retry", RetryPolicy.no_wait(sleep=retry_sleeps.append))
        client = EtsyClient(API_URL, KEYSTRING, SECRET, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., EtsyClient]) -> EtsyClient:
    return make_client()
