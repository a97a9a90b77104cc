"""The server itself: lifecycle, configuration, serve(), inspection API, request log, state file."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from pathlib import Path

import pytest
from sandbox_helpers import Api, create_listing, listing_form, local_client
from tests.pacing import fast_config

from etsysync_cli.errors import ConfigError
from etsysync_cli.sandbox import (
    SELLER_SHOP_ID,
    SandboxConfig,
    SandboxServer,
    sample_png,
    serve,
)


def test_port_zero_picks_a_port_and_stop_frees_it():
    sb = SandboxServer(fast_config()).start()
    port = sb.port
    assert port > 0
    assert sb.base_url == f"http://127.0.0.1:{port}"
    assert sb.api_url == sb.base_url + "/v3"
    assert sb.oauth_url == sb.base_url
    sb.stop()
    sb.stop()  # idempotent
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_binds_loopback_only(sandbox):
    assert sandbox._httpd is not None
    assert sandbox._httpd.server_address[0] == "127.0.0.1"


def test_stop_closes_idle_keep_alive_connections_and_joins_threads():
    before = threading.active_count()
    sb = SandboxServer(fast_config()).start()
    client = local_client(sb.base_url)
    assert client.get("/").status_code == 200  # leaves a keep-alive connection open
    sb.stop()
    client.close()
    assert threading.active_count() <= before  # no connection or server thread left behind


def test_not_running_has_no_url():
    with pytest.raises(RuntimeError):
        _ = SandboxServer(SandboxConfig()).base_url


def test_env_lines_point_etsysync_at_the_sandbox(sandbox):
    assert sandbox.env_lines() == [
        f"ETSYSYNC_ETSY_API_URL={sandbox.base_url}/v3",
        f"ETSYSYNC_ETSY_OAUTH_URL={sandbox.base_url}",
        "ETSYSYNC_ETSY_KEYSTRING=sandbox-keystring",
        "ETSYSYNC_ETSY_SHARED_SECRET=sandbox-shared-secret",
    ]


def test_index_lists_the_urls(client, sandbox):
    body = client.get("/").json()
    assert body["api_url"] == sandbox.api_url
    assert body["oauth_connect"] == sandbox.base_url + "/oauth/connect"


def test_serve_prints_urls_and_env_lines_and_stops_cleanly():
    lines: list[str] = []
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(fast_config(),),
        kwargs={"out": lines.append, "ready": ready, "stop": stop},
    )
    thread.start()
    assert ready.wait(10)
    url = lines[0].rsplit(" ", 1)[-1]
    with local_client(url) as c:
        assert c.get("/v3/application/openapi-ping").status_code == 403
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    text = "\n".join(lines)
    assert f"ETSYSYNC_ETSY_API_URL={url}/v3" in text
    assert f"ETSYSYNC_ETSY_OAUTH_URL={url}" in text
    assert "GET /v3/application/openapi-ping -> 403" in text


def test_serve_stops_on_keyboard_interrupt():
    class CtrlC(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            raise KeyboardInterrupt  # what Ctrl-C does to the waiting main thread

    lines: list[str] = []
    serve(fast_config(), out=lines.append, stop=CtrlC())
    assert lines[0].startswith("Etsy sandbox running at http://127.0.0.1:")
    assert lines[-1] == "Stopping the Etsy sandbox."


# --- configuration ------------------------------------------------------------------------------


def test_config_defaults():
    config = SandboxConfig()
    assert config.port == 0
    assert config.token_ttl == 3600
    assert config.redirect_uris == ["http://localhost:3003/callback"]
    assert config.shop_currency == "USD"
    # Etsy's defaults for a new app (etsy-api.md §3, §10.16): the sandbox paces like Etsy.
    assert (config.rps, config.rpd) == (10, 10_000)
    assert config.state_file is None


def test_config_from_env(tmp_path):
    env = {
        "ETSYSYNC_SANDBOX_PORT": "8123",
        "ETSYSYNC_SANDBOX_LATENCY_MS": "25",
        "ETSYSYNC_SANDBOX_RPS": "10",
        "ETSYSYNC_SANDBOX_RPD": "10000",
        "ETSYSYNC_SANDBOX_FAIL_RATE": "0.1",
        "ETSYSYNC_SANDBOX_TOKEN_TTL": "60",
        "ETSYSYNC_SANDBOX_KEYSTRING": "key1",
        "ETSYSYNC_SANDBOX_SHARED_SECRET": "secret1",
        "ETSYSYNC_SANDBOX_REDIRECT_URI": "http://localhost:1/cb, http://localhost:2/cb",
        "ETSYSYNC_SANDBOX_AUTO_APPROVE": "true",
        "ETSYSYNC_SANDBOX_STATE_FILE": str(tmp_path / "s.json"),
        "ETSYSYNC_SANDBOX_SHOP_CURRENCY": "eur",
    }
    config = SandboxConfig.from_env(env)
    assert (config.port, config.latency_ms, config.rps, config.rpd) == (8123, 25, 10, 10000)
    assert config.fail_rate == 0.1 and config.token_ttl == 60
    assert (config.keystring, config.shared_secret) == ("key1", "secret1")
    assert config.redirect_uris == ["http://localhost:1/cb", "http://localhost:2/cb"]
    assert config.auto_approve is True
    assert config.state_file == tmp_path / "s.json"
    assert config.shop_currency == "EUR"


def test_flags_win_over_env_and_none_means_not_given(monkeypatch):
    monkeypatch.setenv("ETSYSYNC_SANDBOX_RPS", "5")
    monkeypatch.setenv("ETSYSYNC_SANDBOX_LATENCY_MS", "7")
    config = SandboxConfig.from_env(rps=2, latency_ms=None)
    assert config.rps == 2
    assert config.latency_ms == 7


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ETSYSYNC_SANDBOX_PORT": "abc"}, "ETSYSYNC_SANDBOX_PORT"),
        ({"ETSYSYNC_SANDBOX_AUTO_APPROVE": "maybe"}, "ETSYSYNC_SANDBOX_AUTO_APPROVE"),
        ({"ETSYSYNC_SANDBOX_FAIL_RATE": "2"}, "fail rate"),
        ({"ETSYSYNC_SANDBOX_KEYSTRING": "a:b"}, "keystring"),
        ({"ETSYSYNC_SANDBOX_REDIRECT_URI": "not a url"}, "Redirect URI"),
        ({"ETSYSYNC_SANDBOX_SHOP_CURRENCY": "dollars"}, "currency"),
    ],
)
def test_bad_config_is_a_config_error(env, message):
    with pytest.raises(ConfigError, match=message):
        SandboxConfig.from_env(env)


@pytest.mark.parametrize("limits", [{"rps": 0}, {"rpd": 0}, {"rps": -1}, {"rpd": None}])
def test_there_is_no_unlimited(limits):
    # Etsy always limits (etsy-api.md §3), and every answer advertises both limits: 0 and None
    # used to mean "unlimited"; now they are refused with a hint to pass a high number instead.
    with pytest.raises(ConfigError) as caught:
        SandboxConfig(**limits)
    assert "at least 1" in caught.value.message
    assert caught.value.hint is not None and "high number" in caught.value.hint


def test_unset_or_empty_limit_variables_mean_etsys_defaults():
    config = SandboxConfig.from_env({"ETSYSYNC_SANDBOX_RPS": "", "ETSYSYNC_SANDBOX_RPD": " "})
    assert (config.rps, config.rpd) == (10, 10_000)
    assert (SandboxConfig.from_env({}).rps, SandboxConfig.from_env({}).rpd) == (10, 10_000)


@pytest.mark.parametrize("raw", ["0", "none", "unlimited"])
def test_a_limit_variable_asking_for_no_limit_is_a_config_error(raw):
    with pytest.raises(ConfigError, match=r"(?i)rps"):
        SandboxConfig.from_env({"ETSYSYNC_SANDBOX_RPS": raw})


def test_shop_currency_flows_into_prices():
    with SandboxServer(fast_config(shop_currency="EUR")) as sb:
        listing = sb.create_listing_direct(price="9.99")
        assert listing["price"] == {"amount": 999, "divisor": 100, "currency_code": "EUR"}
        assert sb.state.seed.shops[SELLER_SHOP_ID]["currency_code"] == "EUR"


# --- inspection API and request log -------------------------------------------------------------


def test_request_log_entries(api, sandbox):
    sandbox.clear_request_log()
    api.get("/users/me")
    api.get("/listings/1")
    log = sandbox.request_log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/v3/application/users/me", 200),
        ("GET", "/v3/application/listings/1", 404),
    ]
    assert {"method", "path", "status", "duration_ms", "operation"} <= set(log[0])
    assert log[0]["operation"] == "getMe"


def test_inspection_api(api, client, sandbox):
    listing = create_listing(api)
    png = sample_png(4, 3, (1, 2, 3))
    api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
        files={"image": ("a.png", png, "image/png")},
    )
    requests = client.get("/_sandbox/requests").json()
    assert requests["count"] == 2
    assert [r["operation"] for r in requests["results"]] == [
        "createDraftListing",
        "uploadListingImage",
    ]
    assert client.get("/_sandbox/requests", params={"since": 1}).json()["count"] == 1
    listings = client.get("/_sandbox/listings").json()
    assert listings["count"] == 1
    item = listings["results"][0]
    assert item["state"] == "draft"
    assert item["images"][0]["sha256"] == hashlib.sha256(png).hexdigest()
    assert item["inventory"]["products"][0]["offerings"][0]["quantity"] == 5
    tokens = client.get("/_sandbox/tokens").json()
    assert tokens["access_tokens_issued"] == 1
    assert tokens["access_tokens_active"] == 1
    state = client.get("/_sandbox/state").json()
    assert state["listings"] == {"total": 1, "draft": 1}
    assert state["requests"]["by_operation"] == {"createDraftListing": 1, "uploadListingImage": 1}
    assert client.get("/_sandbox/nothing").status_code == 404
    # Inspecting does not add to the log.
    assert client.get("/_sandbox/requests").json()["count"] == 2


def test_images_are_served_at_their_urls(api, client, sandbox):
    listing = create_listing(api)
    png = sample_png(5, 5, (9, 9, 9))
    image = api.post(
        f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
        files={"image": ("a.png", png, "image/png")},
    ).json()
    served = client.get(image["url_fullxfull"])
    assert served.status_code == 200
    assert served.content == png
    assert served.headers["content-type"] == "image/png"


def test_no_secret_reaches_the_log_or_the_inspection_api(client, sandbox):
    import secrets as random_secrets

    from etsysync_cli.sandbox import s256

    verifier = random_secrets.token_urlsafe(32)
    params = {
        "response_type": "code",
        "client_id": sandbox.config.keystring,
        "redirect_uri": "http://localhost:3003/callback",
        "scope": "listings_r listings_w shops_r",
        "state": "st",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    page = client.get("/oauth/connect", params=params)
    consent_id = page.text.split('name="consent_id" value="')[1].split('"')[0]
    location = client.post(
        "/oauth/connect", data={"consent_id": consent_id, "decision": "allow"}
    ).headers["location"]
    code = location.split("code=")[1].split("&")[0]
    tokens = client.post(
        "/v3/public/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": sandbox.config.keystring,
            "redirect_uri": "http://localhost:3003/callback",
            "code": code,
            "code_verifier": verifier,
        },
    ).json()
    refreshed = client.post(
        "/v3/public/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.config.keystring,
            "refresh_token": tokens["refresh_token"],
        },
    ).json()
    key = f"{sandbox.config.keystring}:{sandbox.config.shared_secret}"
    api = Api(client, key, refreshed["access_token"])
    api.get("/users/me")
    api.post(f"/shops/{SELLER_SHOP_ID}/listings", data=listing_form())
    secrets_used = [
        code,
        verifier,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        sandbox.config.shared_secret,
        tokens["access_token"].split(".", 1)[1],
    ]
    dumped = json.dumps(sandbox.request_log())
    for path in ("/_sandbox/requests", "/_sandbox/tokens", "/_sandbox/state", "/_sandbox/listings"):
        dumped += client.get(path).text
    for secret in secrets_used:
        assert secret not in dumped


# --- state file ---------------------------------------------------------------------------------


def test_state_survives_a_restart(tmp_path: Path):
    state_file = tmp_path / "sandbox.json"
    config = fast_config(state_file=state_file)
    png = sample_png(3, 3, (10, 20, 30))
    with SandboxServer(config) as sb, local_client(sb.base_url) as c:
        key = f"{config.keystring}:{config.shared_secret}"
        tokens = sb.issue_token()
        api = Api(c, key, tokens["access_token"])
        listing = create_listing(api)
        api.post(
            f"/shops/{SELLER_SHOP_ID}/listings/{listing['listing_id']}/images",
            files={"image": ("a.png", png, "image/png")},
        )
    assert state_file.exists()
    saved = state_file.read_text()
    assert tokens["access_token"] not in saved and tokens["refresh_token"] not in saved
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    with SandboxServer(config) as sb, local_client(sb.base_url) as c:
        api = Api(c, key, tokens["access_token"])  # the token still works after the restart
        got = api.get(f"/listings/{listing['listing_id']}", params={"includes": "Images"})
        assert got.status_code == 200
        assert got.json()["title"] == listing["title"]
        image = got.json()["images"][0]
        assert c.get(image["url_fullxfull"]).content == png
        second = create_listing(api)
        assert second["listing_id"] == listing["listing_id"] + 1  # ids keep counting
        refreshed = c.post(
            "/v3/public/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": config.keystring,
                "refresh_token": tokens["refresh_token"],
            },
        )
        assert refreshed.status_code == 200


def test_without_a_state_file_nothing_survives(sandbox):
    sandbox.create_listing_direct()
    with SandboxServer(fast_config()) as fresh:
        assert fresh.state.listings == {}


def test_unreadable_state_file_is_a_config_error(tmp_path: Path):
    state_file = tmp_path / "broken.json"
    state_file.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        SandboxServer(fast_config(state_file=state_file))


def test_concurrent_requests_are_served_safely(sandbox):
    key = f"{sandbox.config.keystring}:{sandbox.config.shared_secret}"
    token = sandbox.issue_token()["access_token"]
    created: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            with local_client(sandbox.base_url) as c:
                api = Api(c, key, token)
                for _ in range(5):
                    created.append(create_listing(api)["listing_id"])
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert len(created) == len(set(created)) == 30
    assert len(sandbox.state.listings) == 30
    assert sandbox.state.server_errors == []
