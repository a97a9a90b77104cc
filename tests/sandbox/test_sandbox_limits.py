"""Rate limits (etsy-api.md §3), injected failures and latency."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_helpers import Api, error, listing_form, local_client

from etsysync_cli.sandbox import SELLER_SHOP_ID, SandboxConfig, SandboxServer
from etsysync_cli.sandbox.ratelimit import RateLimiter


class FrozenClock:
    """Time stands still unless a test moves it: request counts, not timing, decide."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited(rps: int | None = None, rpd: int | None = None) -> Iterator[tuple[Api, FrozenClock]]:
    with (
        SandboxServer(SandboxConfig(port=0, rps=rps, rpd=rpd)) as sb,
        local_client(sb.base_url) as c,
    ):
        clock = FrozenClock()
        sb.limiter.clock = clock
        key = f"{sb.config.keystring}:{sb.config.shared_secret}"
        yield Api(c, key, sb.issue_token()["access_token"]), clock


@pytest.fixture
def per_second() -> Iterator[tuple[Api, FrozenClock]]:
    yield from limited(rps=3, rpd=100)


@pytest.fixture
def per_day() -> Iterator[tuple[Api, FrozenClock]]:
    yield from limited(rpd=3)


def test_success_carries_etsys_rate_limit_headers(per_second):
    api, _ = per_second
    first = api.get("/users/me")
    assert first.status_code == 200
    assert first.headers["x-limit-per-second"] == "3"
    assert first.headers["x-remaining-this-second"] == "2"
    assert first.headers["x-limit-per-day"] == "100"
    assert first.headers["x-remaining-today"] == "99"
    second = api.get("/users/me")
    assert second.headers["x-remaining-this-second"] == "1"
    assert second.headers["x-remaining-today"] == "98"


def test_over_the_per_second_limit_is_429_with_retry_after(per_second):
    api, clock = per_second
    assert [api.get("/users/me").status_code for _ in range(3)] == [200, 200, 200]
    over = api.get("/users/me")
    assert over.status_code == 429
    assert over.json() == {"error": "Exceeded per second rate limit"}
    assert over.headers["retry-after"] == "1"
    clock.now += 1.01
    again = api.get("/users/me")
    assert again.status_code == 200
    # The refused request did not use up any of the day.
    assert again.headers["x-remaining-today"] == "96"


def test_per_second_window_slides(per_second):
    api, clock = per_second
    api.get("/users/me")
    clock.now += 0.6
    api.get("/users/me")
    api.get("/users/me")
    assert api.get("/users/me").status_code == 429
    clock.now += 0.5  # the first request has left the window, the others have not
    assert api.get("/users/me").status_code == 200
    assert api.get("/users/me").status_code == 429


def test_errors_also_count_and_carry_headers(per_second):
    api, _ = per_second
    response = api.get("/listings/999999")
    assert response.status_code == 404
    assert response.headers["x-remaining-this-second"] == "2"


def test_spent_day_is_429_with_retry_after_86400(per_day):
    api, clock = per_day
    for remaining in ("2", "1", "0"):
        response = api.get("/users/me")
        assert response.status_code == 200
        assert response.headers["x-remaining-today"] == remaining
    spent = api.get("/users/me")
    assert spent.status_code == 429
    assert error(spent) == "Exceeded daily rate limit"
    assert spent.headers["retry-after"] == "86400"
    assert spent.headers["x-remaining-today"] == "0"
    clock.now += 3600
    assert api.get("/users/me").status_code == 429  # a sliding 24 h window, not an hour
    clock.now += 86400
    assert api.get("/users/me").status_code == 200


def test_per_second_is_checked_before_per_day():
    limiter = RateLimiter(rps=1, rpd=1, clock=FrozenClock())
    assert limiter.check().allowed
    decision = limiter.check()
    assert not decision.allowed
    assert decision.error == "Exceeded per second rate limit"


def test_no_limits_no_headers(api):
    response = api.get("/users/me")
    assert "x-limit-per-second" not in response.headers
    assert "x-limit-per-day" not in response.headers


def test_token_endpoint_and_inspection_are_not_limited(per_day):
    api, _ = per_day
    for _ in range(3):
        api.get("/users/me")
    assert api.client.post("/v3/public/oauth/token", data={}).status_code == 400
    assert api.client.get("/_sandbox/state").status_code == 200


# --- injected failures --------------------------------------------------------------------------


def test_fail_next_answers_503_then_recovers(api, sandbox):
    sandbox.set_fail_next(2)
    statuses = [api.get("/users/me").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert api.get("/users/me").status_code == 200


def test_injected_500_has_etsys_body(api, sandbox):
    sandbox.set_fail_next(1, status=500)
    response = api.get("/users/me")
    assert response.status_code == 500
    assert response.json() == {"error": "Server Error"}


def test_injected_failure_happens_before_the_operation(api, sandbox):
    sandbox.set_fail_next(1, status=500)
    response = api.post(f"/shops/{SELLER_SHOP_ID}/listings", data=listing_form())
    assert response.status_code == 500
    assert sandbox.state.listings == {}


def test_failure_after_the_operation_imitates_etsys_500_after_create(api, sandbox):
    sandbox.set_fail_next(1, status=500, after=True)
    response = api.post(f"/shops/{SELLER_SHOP_ID}/listings", data=listing_form())
    assert response.status_code == 500
    assert len(sandbox.state.listings) == 1  # the draft exists: look before retrying


def test_fail_rate_one_fails_everything_with_500_or_503():
    with (
        SandboxServer(SandboxConfig(port=0, fail_rate=1.0, seed=7)) as sb,
        local_client(sb.base_url) as c,
    ):
        key = f"{sb.config.keystring}:{sb.config.shared_secret}"
        api = Api(c, key, sb.issue_token()["access_token"])
        statuses = {api.get("/users/me").status_code for _ in range(20)}
        assert statuses <= {500, 503}
        assert statuses == {500, 503}  # seeded: both kinds appear in 20 draws


def test_fail_rate_is_reproducible_with_a_seed():
    def run() -> list[int]:
        with (
            SandboxServer(SandboxConfig(port=0, fail_rate=0.5, seed=42)) as sb,
            local_client(sb.base_url) as c,
        ):
            key = f"{sb.config.keystring}:{sb.config.shared_secret}"
            api = Api(c, key, sb.issue_token()["access_token"])
            return [api.get("/users/me").status_code for _ in range(30)]

    first = run()
    assert first == run()
    assert 200 in first and any(s >= 500 for s in first)


def test_failures_are_logged(api, sandbox):
    sandbox.set_fail_next(1)
    api.get("/users/me")
    assert sandbox.request_log()[-1]["status"] == 503


def test_latency_is_added_to_every_request():
    with SandboxServer(SandboxConfig(port=0, latency_ms=60)) as sb, local_client(sb.base_url) as c:
        key = f"{sb.config.keystring}:{sb.config.shared_secret}"
        Api(c, key, None).get("/openapi-ping")
        # A lower bound only: sleeping guarantees at least the latency, never at most.
        assert sb.request_log()[-1]["duration_ms"] >= 55
