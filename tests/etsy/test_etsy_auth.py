"""BearerAuth: the bearer header, refresh before expiry and once on a 401, under a lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from etsy_fakes import API_URL

from etsysync_cli.errors import EtsyAuthError, TokenRevokedError
from etsysync_cli.etsy.auth import BearerAuth
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.tokens import TokenSet

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OLD = "12345678.old-access"
NEW = "12345678.new-access"


def tokens(access: str, refresh: str, expires_in: float) -> TokenSet:
    return TokenSet.create(access, refresh, NOW + timedelta(seconds=expires_in))


class Journal:
    """One ordered log of what the store, the refresher and the server saw."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.lock = threading.Lock()

    def add(self, line: str) -> None:
        with self.lock:
            self.lines.append(line)

    def index(self, line: str) -> int:
        return self.lines.index(line)


class FakeStore:
    def __init__(self, initial: TokenSet, journal: Journal, fail_save: bool = False) -> None:
        self.tokens = initial
        self.journal = journal
        self.fail_save = fail_save
        self.saved: list[TokenSet] = []

    def load(self) -> TokenSet:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        if self.fail_save:
            raise OSError("keyring locked")
        self.journal.add(f"save {tokens.access_value()}")
        self.saved.append(tokens)
        self.tokens = tokens


class FakeRefresher:
    def __init__(self, journal: Journal, result: TokenSet | Exception, delay: float = 0) -> None:
        self.journal = journal
        self.result = result
        self.delay = delay
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, refresh_token: str) -> TokenSet:
        with self.lock:
            self.calls.append(refresh_token)
        time.sleep(self.delay)
        self.journal.add("refresh")
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture
def journal() -> Journal:
    return Journal()


def server(journal: Journal, valid: set[str]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        journal.add(f"request {token}")
        if token in valid:
            return httpx.Response(200, json={"user_id": 12345678, "shop_id": 555})
        return httpx.Response(
            401, json={"error": "invalid_token", "error_description": "access token is expired"}
        )

    return answer


def authed_client(
    make_client: Callable[..., EtsyClient], store: FakeStore, refresher: FakeRefresher
) -> tuple[EtsyClient, BearerAuth]:
    auth = BearerAuth(store, refresher, margin=60, now=lambda: NOW)
    return make_client(auth=auth), auth


def test_sends_the_bearer_token(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, {OLD}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, auth = authed_client(make_client, store, refresher)
    assert client.get_me().shop_id == 555
    assert journal.lines == [f"request {OLD}"]
    assert refresher.calls == []
    assert "old-access" not in repr(auth)


def test_refreshes_before_expiry_and_saves_first(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 30), journal)  # inside the 60 s margin
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, auth = authed_client(make_client, store, refresher)
    client.get_me()
    assert refresher.calls == ["r1"]
    assert journal.lines == ["refresh", f"save {NEW}", f"request {NEW}"]
    assert auth.refreshes == 1
    client.get_me()  # the new token is cached: no second refresh
    assert auth.refreshes == 1


def test_refreshes_once_on_401_and_replays(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    route = etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, _ = authed_client(make_client, store, refresher)
    assert client.get_me().user_id == 12345678
    assert journal.lines == [f"request {OLD}", "refresh", f"save {NEW}", f"request {NEW}"]
    assert route.call_count == 2
    assert client.stats.requests == 2  # the replay went through the limiter too


def test_a_second_401_is_an_auth_error_without_another_refresh(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, set()))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, _ = authed_client(make_client, store, refresher)
    with pytest.raises(EtsyAuthError) as caught:
        client.get_me()
    assert "access token is expired" in str(caught.value)
    assert caught.value.hint == "run `etsysync auth login`"
    assert len(refresher.calls) == 1
    assert "new-access" not in str(caught.value) and "old-access" not in str(caught.value)


def test_concurrent_401s_refresh_exactly_once(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    workers = 8
    barrier = threading.Barrier(workers, timeout=10)
    answer = server(journal, {NEW})

    def stale_until_all_sent(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == f"Bearer {OLD}":
            barrier.wait()  # every worker has sent the stale token before anyone refreshes
        return answer(request)

    etsy.get("/users/me").mock(side_effect=stale_until_all_sent)
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600), delay=0.05)
    auth = BearerAuth(store, refresher, now=lambda: NOW)
    client = make_client(auth=auth, limiter=RateLimiter(per_second=1000))
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(client.get_me().user_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results == [12345678] * workers
    assert refresher.calls == ["r1"]
    assert len(store.saved) == 1
    first_new = journal.index(f"request {NEW}")
    assert journal.index(f"save {NEW}") < first_new
    assert journal.lines.count(f"request {OLD}") == workers
    assert journal.lines.count(f"request {NEW}") == workers


def test_revoked_refresh_token_propagates(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    route = etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    revoked = TokenRevokedError("Etsy refused the refresh token", hint="run `etsysync auth login`")
    refresher = FakeRefresher(journal, revoked)
    client, _ = authed_client(make_client, store, refresher)
    with pytest.raises(TokenRevokedError) as caught:
        client.get_me()
    assert caught.value is revoked
    assert route.call_count == 1  # not retried, not replayed
    assert store.saved == []


def test_revoked_before_sending_propagates_without_a_request(
    make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    store = FakeStore(tokens(OLD, "r1", 10), journal)
    refresher = FakeRefresher(journal, TokenRevokedError("refused"))
    client, _ = authed_client(make_client, store, refresher)
    with respx.mock(assert_all_called=False) as mock, pytest.raises(TokenRevokedError):
        client.get_me()
    assert mock.calls.call_count == 0


def test_a_failed_save_keeps_the_new_token_unused(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    route = etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal, fail_save=True)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, auth = authed_client(make_client, store, refresher)
    with pytest.raises(OSError, match="keyring locked"):
        client.get_me()
    assert f"request {NEW}" not in journal.lines
    assert route.call_count == 1
    assert auth.current().access_value() == OLD


def test_tokens_rotated_by_another_process_are_adopted(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens("1.never", "r9", 3600))
    client, auth = authed_client(make_client, store, refresher)
    auth.current()  # cached OLD
    store.tokens = tokens(NEW, "r2", 3600)  # another process refreshed meanwhile
    client.get_me()
    assert refresher.calls == []
    assert journal.lines == [f"request {OLD}", f"request {NEW}"]


def test_through_the_real_refresher(
    make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    from etsysync_cli.etsy.oauth import TokenRefresher
    from etsysync_cli.etsy.retry import RetryPolicy

    store = FakeStore(tokens(OLD, "12345678.r1", 3600), journal)
    with respx.mock(assert_all_called=True) as mock:
        token = mock.post(API_URL + "/public/oauth/token").respond(
            200,
            json={
                "access_token": NEW,
                "refresh_token": "12345678.r2",
                "expires_in": 3600,
                "token_type": "Bearer",
            },
        )
        mock.get(API_URL + "/application/users/me").mock(side_effect=server(journal, {NEW}))
        with TokenRefresher(API_URL, "keystr1ng", retry=RetryPolicy.no_wait()) as refresher:
            client = make_client(auth=BearerAuth(store, refresher))
            client.get_me()
    assert b"refresh_token=12345678.r1" in token.calls.last.request.content
    assert b"grant_type=refresh_token" in token.calls.last.request.content
    assert store.tokens.refresh_value() == "12345678.r2"


def test_force_refresh_saves_and_then_uses_the_new_tokens(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 3600), journal)
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 3600))
    client, auth = authed_client(make_client, store, refresher)
    assert auth.force_refresh().access_value() == NEW
    client.get_me()
    assert refresher.calls == ["r1"]
    assert journal.lines == ["refresh", f"save {NEW}", f"request {NEW}"]


def test_short_lived_tokens_are_not_refreshed_before_every_request(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient], journal: Journal
) -> None:
    etsy.get("/users/me").mock(side_effect=server(journal, {NEW}))
    store = FakeStore(tokens(OLD, "r1", 5), journal)  # a sandbox handing out 10 s tokens
    refresher = FakeRefresher(journal, tokens(NEW, "r2", 10))
    client, auth = authed_client(make_client, store, refresher)
    for _ in range(3):
        client.get_me()
    assert auth.refreshes == 1
