"""Webhook delivery of feed events, to a tiny HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from etsysync_cli import __version__
from etsysync_cli.flows import notify
from etsysync_cli.store.db import Store
from etsysync_cli.store.events import add_event
from tests.conftest import SHOP_ID  # the shop of the `account` fixture
from tests.ports import reserved_port


@dataclass
class Hook:
    """What the webhook received, and what it answers next (statuses are used up in order)."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0

    @property
    def kinds(self) -> list[str]:
        return [event["event"] for event in self.received]


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.delay:
                time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 204
            if 200 <= status < 300:
                state.received.append(json.loads(body))
                state.headers.append(dict(self.headers))
                state.paths.append(self.path)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def add_job(store: Store, account_id: int, transaction_id: str = "txn-1") -> int:
    with store.atomic() as db:
        pk = (
            db.table("sync_jobs")
            .insert(
                {
                    "transaction_id": transaction_id,
                    "account_id": account_id,
                    "source": "file:catalog.json",
                    "status": "pending",
                    "created_at": "2026-01-01T00:00:00Z",
                    "expires_at": "2026-01-01T01:00:00Z",
                }
            )
            .last_pk
        )
    assert pk is not None
    return int(pk)


def add_events(store: Store, account_id: int, *kinds: str) -> list[int]:
    job_id = add_job(store, account_id, f"txn-{store.db.table('sync_jobs').count + 1}")
    return [
        add_event(store, kind, f"{kind} happened", account_id=account_id, job_id=job_id)
        for kind in kinds
    ]


def delivered_at(store: Store, event_id: int) -> str | None:
    value = store.db.table("events").get(event_id)["delivered_at"]
    return None if value is None else str(value)


def test_events_are_delivered_once_each_in_order(store, account_id, hook) -> None:
    job_id = add_job(store, account_id, "txn-42")
    planned = add_event(
        store,
        "job_planned",
        "plan txn-42 staged",
        account_id=account_id,
        job_id=job_id,
        data={"counts": {"create": 2}},
    )
    login = add_event(store, "account_logged_in", "connected", account_id=account_id)
    started = add_event(store, "job_started", "pushing", account_id=account_id, job_id=job_id)
    recreated = add_event(
        store,
        "listing_recreated",
        "listing was gone",
        account_id=account_id,
        job_id=job_id,
        product_id="prod_1",
        data={"old_listing_id": 5},
    )
    done = add_event(store, "job_completed", "done", account_id=account_id, job_id=job_id)

    assert notify.deliver_pending(store, hook.url) == 4
    assert hook.kinds == ["job_planned", "job_started", "listing_recreated", "job_completed"]
    first = hook.received[0]
    assert first == {
        "id": planned,
        "event": "job_planned",
        "created_at": first["created_at"],
        "message": "plan txn-42 staged",
        "transaction_id": "txn-42",
        "product_id": None,
        "shop_id": SHOP_ID,
        "data": {"counts": {"create": 2}},
    }
    assert first["created_at"].endswith("Z")
    assert hook.received[2]["product_id"] == "prod_1"
    assert hook.received[2]["data"] == {"old_listing_id": 5}
    assert hook.headers[0]["User-Agent"] == f"etsysync/{__version__}"
    assert hook.headers[0]["Content-Type"] == "application/json"
    assert hook.paths == ["/hook"] * 4

    for event_id in (planned, started, recreated, done):
        assert delivered_at(store, event_id) is not None
    assert delivered_at(store, login) is None  # not a kind that is sent: never offered

    # Nothing left: a second round sends nothing.
    assert notify.deliver_pending(store, hook.url) == 0
    assert len(hook.received) == 4


def test_an_event_without_a_job_or_account_has_nulls(store, hook) -> None:
    add_event(store, "job_expired", "plan txn-9 expired")
    assert notify.deliver_pending(store, hook.url) == 1
    (event,) = hook.received
    assert event["transaction_id"] is None
    assert event["shop_id"] is None
    assert event["data"] == {}


def test_a_failing_webhook_stops_the_round_and_is_logged(store, account_id, hook) -> None:
    planned, started, completed = add_events(
        store, account_id, "job_planned", "job_started", "job_completed"
    )
    hook.statuses = [204, 500]
    lines: list[str] = []

    assert notify.deliver_pending(store, hook.url, log=lines.append) == 1
    assert hook.kinds == ["job_planned"]
    assert delivered_at(store, planned) is not None
    assert delivered_at(store, started) is None
    assert delivered_at(store, completed) is None
    (line,) = lines
    assert "HTTP 500" in line
    assert f"event {started} (job_started)" in line
    assert hook.url.rsplit("/", 1)[0] in line
    assert "/hook" not in line.replace("webhook", "")
    assert "\n" not in line

    # Next time the rest goes out, still in order, and nothing twice.
    assert notify.deliver_pending(store, hook.url, log=lines.append) == 2
    assert hook.kinds == ["job_planned", "job_started", "job_completed"]
    assert len(lines) == 1


def test_a_500_marks_nothing_and_raises_nothing(store, account_id, hook) -> None:
    (event_id,) = add_events(store, account_id, "job_failed")
    hook.statuses = [500]
    assert notify.deliver_pending(store, hook.url) == 0  # no log callback: silent
    assert delivered_at(store, event_id) is None


def test_an_unreachable_webhook_is_logged_not_raised(store, account_id) -> None:
    (event_id,) = add_events(store, account_id, "job_completed")
    lines: list[str] = []
    url = f"http://127.0.0.1:{reserved_port()}/hook"
    assert notify.deliver_pending(store, url, log=lines.append) == 0
    assert delivered_at(store, event_id) is None
    (line,) = lines
    assert "ConnectError" in line
    assert url.removesuffix("/hook") in line


def test_a_slow_webhook_times_out(store, account_id, hook, monkeypatch) -> None:
    monkeypatch.setattr(notify, "TIMEOUT_SECONDS", 0.2)
    add_events(store, account_id, "job_started")
    hook.delay = 1.0
    lines: list[str] = []
    assert notify.deliver_pending(store, hook.url, log=lines.append) == 0
    (line,) = lines
    assert "Timeout" in line


@pytest.mark.parametrize("failure", ["500", "unreachable", "invalid"])
def test_secrets_in_the_url_are_never_logged(store, account_id, hook, failure: str) -> None:
    add_events(store, account_id, "job_completed")
    port = hook.url.split(":")[2].split("/")[0] if failure == "500" else str(reserved_port())
    scheme = "htp" if failure == "invalid" else "http"
    url = f"{scheme}://hookuser:pa55word@127.0.0.1:{port}/hooks/in?token=s3cr3t&x=1#frag-secret"
    hook.statuses = [500]
    lines: list[str] = []
    assert notify.deliver_pending(store, url, log=lines.append) == 0
    (line,) = lines
    for secret in ("s3cr3t", "token", "pa55word", "hookuser", "frag-secret", "?", "/hooks/in"):
        assert secret not in line
    if failure != "invalid":
        assert f"http://127.0.0.1:{port}" in line


def test_safe_url_keeps_only_scheme_and_host() -> None:
    # Slack and Discord webhook URLs carry their token in the path: it is never shown.
    assert (
        notify.safe_url("https://u:p@hooks.example.com/a/b?key=v#f") == "https://hooks.example.com"
    )
    assert notify.safe_url("https://hooks.example.com:8443/x") == "https://hooks.example.com:8443"
    assert notify.safe_url("not a url") == "(invalid URL)"


def test_no_url_does_nothing(store, account_id, hook) -> None:
    (event_id,) = add_events(store, account_id, "job_completed")
    lines: list[str] = []
    assert notify.deliver_pending(store, None, log=lines.append) == 0
    assert notify.deliver_pending(store, "", log=lines.append) == 0
    assert hook.received == []
    assert lines == []
    assert delivered_at(store, event_id) is None


def test_limit_caps_one_round(store, account_id, hook) -> None:
    add_events(store, account_id, "job_planned", "job_started", "job_completed")
    assert notify.deliver_pending(store, hook.url, limit=2) == 2
    assert hook.kinds == ["job_planned", "job_started"]
    assert notify.deliver_pending(store, hook.url, limit=2) == 1
    assert hook.kinds == ["job_planned", "job_started", "job_completed"]


def test_a_given_http_client_is_used(store, account_id) -> None:
    add_events(store, account_id, "job_cancelled", "job_paused")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202)

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        assert notify.deliver_pending(store, "https://hooks.example.com/x", http=http) == 2
    assert [json.loads(r.content)["event"] for r in seen] == ["job_cancelled", "job_paused"]
    assert all(r.method == "POST" for r in seen)
