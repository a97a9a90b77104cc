"""`etsysync auth`: the real OAuth dance over loopback, against the local Etsy sandbox.

The fake browser ($BROWSER) opens the sandbox's consent page, presses a button and follows the
redirect to the CLI's callback server, as a person's browser would.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import keyring
from keyring.backends import fail

from etsysync_cli.errors import ExitCode
from tests.auth import fake_browser


def status_json(cli: Any, code: int = 0) -> list[dict[str, Any]]:
    result = cli("auth", "status", "--json")
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)["accounts"]


def stored_entry(memory_keyring: Any) -> dict[str, str]:
    (entry,) = memory_keyring.entries.values()
    return json.loads(entry)


def test_login_through_the_consent_page(cli, sandbox, memory_keyring, app_home: Path) -> None:
    result = cli("auth", "login", "--timeout", "20")
    assert result.exit_code == 0, result.stderr
    assert "Connected shop" in result.stderr

    (account,) = status_json(cli)
    shop = sandbox.state.shop
    assert account["shop_id"] == shop.shop_id
    assert account["shop_name"] == shop.shop_name
    assert account["currency_code"] == "USD"
    assert account["is_active"] is True
    assert account["token_storage"] == "keyring"
    assert set(account["scopes"]) == {"listings_r", "listings_w", "shops_r", "transactions_r"}

    entry = stored_entry(memory_keyring)
    assert entry["access_token"].startswith(f"{shop.user_id}.")
    assert entry["shared_secret"] == os.environ["ETSYSYNC_ETSY_SHARED_SECRET"]
    assert not (app_home / "credentials.json").exists()


def test_extra_scopes_are_requested(cli, sandbox) -> None:
    result = cli("auth", "login", "--timeout", "20", "--scopes", "listings_d")
    assert result.exit_code == 0, result.stderr
    (account,) = status_json(cli)
    assert "listings_d" in account["scopes"]


def test_login_without_a_browser_reads_the_pasted_redirect(
    sandbox, callback_port: int, app_home: Path
) -> None:
    """A real subprocess: it prints the address, the 'person' pastes where Etsy sent them."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "etsysync_cli",
            "auth",
            "login",
            "--no-browser",
            "--insecure-storage",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stderr is not None and process.stdin is not None
    url = None
    while url is None:
        line = process.stderr.readline()
        assert line, "the CLI ended without printing the consent address"
        if "/oauth/connect?" in line:
            url = line.strip()
    with httpx.Client(timeout=10) as http:
        redirect = fake_browser.consent_redirect(http, url, "allow")
    assert redirect.startswith(f"http://localhost:{callback_port}/callback?")
    _out, err = process.communicate(redirect + "\n", timeout=30)
    assert process.returncode == 0, err
    assert "Connected shop" in err

    credentials = app_home / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    result = subprocess.run(
        [sys.executable, "-m", "etsysync_cli", "auth", "status", "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=True,
    )
    (account,) = json.loads(result.stdout)["accounts"]
    assert account["token_storage"] == "file"
    assert "credentials.json" in account["token_storage_detail"]


def test_consent_denied(cli, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_BROWSER", "deny")
    result = cli("auth", "login", "--timeout", "20")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "did not grant access" in result.stderr
    assert "etsysync auth login" in result.stderr
    assert status_json(cli, ExitCode.AUTH_NEEDED) == []


def test_state_mismatch(cli, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_BROWSER", "tamper")
    result = cli("auth", "login", "--timeout", "20")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "state does not match" in result.stderr


def test_no_callback_before_the_timeout(cli, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_BROWSER", "stall")
    result = cli("auth", "login", "--timeout", "1")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "within 1 s" in result.stderr
    assert "--timeout" in result.stderr


def test_callback_port_in_use(cli, sandbox, callback_port: int) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", callback_port))
        busy.listen()
        result = cli("auth", "login", "--timeout", "5")
    assert result.exit_code == ExitCode.FAILURE
    assert f"port {callback_port} is already in use" in result.stderr
    assert "--port" in result.stderr


def test_redirect_uri_not_registered(cli, sandbox, callback_port: int) -> None:
    result = cli("auth", "login", "--timeout", "5", "--port", str(callback_port + 1))
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert f"http://localhost:{callback_port + 1}/callback" in result.stderr
    assert "register" in result.stderr


def test_wrong_keystring(cli, sandbox) -> None:
    result = cli("auth", "login", "--timeout", "5", env={"ETSYSYNC_ETSY_KEYSTRING": "nope"})
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "refused" in result.stderr
    # The connect page of an unknown app reads as a redirect problem; the hint names the
    # keystring too (issue 16, point 15), and never prints the secret.
    hint = " ".join(result.stderr.split("hint:", 1)[1].split())
    assert "ETSYSYNC_ETSY_KEYSTRING" in hint
    assert "ETSYSYNC_ETSY_SHARED_SECRET" in hint


def test_wrong_shared_secret(cli, sandbox) -> None:
    result = cli("auth", "login", "--timeout", "20", env={"ETSYSYNC_ETSY_SHARED_SECRET": "not-it"})
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "keystring or shared secret" in result.stderr
    assert "not-it" not in result.stderr
    assert status_json(cli, ExitCode.AUTH_NEEDED) == []


def test_keys_missing_and_no_terminal(cli, sandbox, monkeypatch) -> None:
    monkeypatch.delenv("ETSYSYNC_ETSY_KEYSTRING")
    monkeypatch.delenv("ETSYSYNC_ETSY_SHARED_SECRET")
    result = cli("auth", "login", "--timeout", "5")
    assert result.exit_code == ExitCode.CONFIG
    assert "ETSYSYNC_ETSY_KEYSTRING" in result.stderr
    assert "ETSYSYNC_ETSY_SHARED_SECRET" in result.stderr


def test_no_keyring_names_the_opt_in(cli, sandbox) -> None:
    keyring.set_keyring(fail.Keyring())
    result = cli("auth", "login", "--timeout", "5")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "--insecure-storage" in result.stderr
    assert "ETSYSYNC_INSECURE_STORAGE=1" in result.stderr


def test_insecure_storage_from_the_environment(cli, sandbox, app_home: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    result = cli("auth", "login", "--timeout", "20", env={"ETSYSYNC_INSECURE_STORAGE": "1"})
    assert result.exit_code == 0, result.stderr
    assert (app_home / "credentials.json").exists()
    (account,) = status_json(cli)
    assert account["token_storage"] == "file"


def test_refresh_rotates_the_refresh_token(cli, connected, memory_keyring) -> None:
    before = stored_entry(memory_keyring)
    result = cli("auth", "refresh")
    assert result.exit_code == 0, result.stderr
    after = stored_entry(memory_keyring)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != before["access_token"]

    # The old refresh token is spent: Etsy (the sandbox) refuses it now.
    with httpx.Client() as http:
        answer = http.post(
            connected.api_url + "/public/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": os.environ["ETSYSYNC_ETSY_KEYSTRING"],
                "refresh_token": before["refresh_token"],
            },
        )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    # The new one works.
    assert cli("auth", "status", "--check").exit_code == 0


def test_status_check_works_and_refreshes_an_expired_token(cli, connected, memory_keyring) -> None:
    connected.expire_access_tokens()
    before = stored_entry(memory_keyring)
    result = cli("auth", "status", "--check", "--json")
    assert result.exit_code == 0, result.stderr
    (account,) = json.loads(result.stdout)["accounts"]
    assert account["check"] == {"ok": True, "error": None}
    assert stored_entry(memory_keyring)["refresh_token"] != before["refresh_token"]


def test_revoked_refresh_token_asks_for_login(cli, connected) -> None:
    connected.revoke_refresh_tokens()
    connected.expire_access_tokens()
    result = cli("auth", "refresh")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "run `etsysync auth login`" in result.stderr

    result = cli("auth", "status", "--check")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    result = cli("auth", "status", "--check", "--json")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    (account,) = json.loads(result.stdout)["accounts"]
    assert account["check"]["ok"] is False


def test_no_account_connected(cli) -> None:
    result = cli("auth", "refresh")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "no Etsy shop is connected" in result.stderr
    assert "etsysync auth login" in result.stderr
    # As `gh auth status`: not logged in is not success, so cron can test it (issue 16, 9).
    for args in (("auth", "status"), ("auth", "status", "--check")):
        result = cli(*args)
        assert result.exit_code == ExitCode.AUTH_NEEDED, args
        assert "No Etsy shop is connected" in result.stderr


def test_logout_removes_tokens_and_keeps_the_account(cli, connected, memory_keyring) -> None:
    result = cli("auth", "logout")
    assert result.exit_code == 0, result.stderr
    assert memory_keyring.entries == {}
    (account,) = status_json(cli, ExitCode.AUTH_NEEDED)
    assert account["is_active"] is False
    assert account["logged_in"] is False
    # Its tokens are gone: `auth status` and `--check` are not success (issue 16, point 9).
    for args in (("auth", "status"), ("auth", "status", "--check")):
        result = cli(*args)
        assert result.exit_code == ExitCode.AUTH_NEEDED, (args, result.stderr)
        assert "logged out" in result.stdout + result.stderr

    assert cli("auth", "refresh").exit_code == ExitCode.AUTH_NEEDED
    result = cli("auth", "use", str(connected.state.shop.shop_id))
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "logged out" in result.stderr


def test_use_names_an_unknown_shop(cli, connected) -> None:
    result = cli("auth", "use", "NoSuchShop")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "NoSuchShop" in result.stderr
    shop = connected.state.shop
    result = cli("auth", "use", shop.shop_name)
    assert result.exit_code == 0
    assert shop.shop_name in result.stderr


def test_a_401_mid_session_is_recovered_by_exactly_one_refresh(connected, app_home) -> None:
    from etsysync_cli.accounts.session import open_session
    from etsysync_cli.config import load_settings
    from etsysync_cli.store.db import Store

    settings = load_settings().settings
    with Store.open(app_home) as store, open_session(settings, store, app_home) as session:
        session.client.get_me()  # warm: tokens loaded
        refreshes_before = connected.state.token_counts()["refreshed"]
        connected.expire_access_tokens()  # Etsy now answers 401 to the token in hand

        barrier = threading.Barrier(8)
        results: list[Any] = []
        errors: list[BaseException] = []

        def worker() -> None:
            barrier.wait()
            try:
                results.append(session.client.get_me())
            except BaseException as exc:  # collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert errors == []
        assert len(results) == 8
        assert connected.state.token_counts()["refreshed"] == refreshes_before + 1
        assert session.auth.refreshes == 1


def _all_bytes_under(folder: Path, skip: set[str]) -> bytes:
    blob = b""
    for path in folder.rglob("*"):
        if path.is_file() and path.name not in skip:
            blob += path.read_bytes()
    return blob


def test_no_secret_reaches_disk_logs_or_output(cli, sandbox, memory_keyring, app_home) -> None:
    outputs = []
    for args in (
        ("auth", "login", "--timeout", "20"),
        ("auth", "status", "--json", "--check"),
        ("auth", "status", "--check"),
        ("auth", "refresh"),
        ("config", "show", "--json"),
        ("config", "show"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append(result.stdout + result.stderr)
        if args[1] == "login":
            first = stored_entry(memory_keyring)
    last = stored_entry(memory_keyring)
    secrets = {
        first["access_token"],
        first["refresh_token"],
        last["access_token"],
        last["refresh_token"],
        os.environ["ETSYSYNC_ETSY_SHARED_SECRET"],
    }
    on_disk = _all_bytes_under(app_home, skip={"credentials.json"})
    assert on_disk, "expected the database under the app home"
    sandbox_log = json.dumps(sandbox.request_log())
    for secret in secrets:
        assert secret.encode() not in on_disk
        assert all(secret not in text for text in outputs)
        assert secret not in sandbox_log
