"""Issue 12, point 7: each input that used to give a traceback, leak a secret, or pass
unnoticed now gets one plain line with a hint and its exit code, or is caught at plan time."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from tests.faults.conftest import simple_product


def one_plain_error(result: Any, code: int, *words: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("error: "), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


# --- configuration and the command line ---------------------------------------------------------


def test_a_config_file_that_is_not_utf8(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "config.toml").write_bytes(b"\xff\xfe[listing]\n")
    one_plain_error(cli("config", "show"), ExitCode.CONFIG, "is not UTF-8 text")


def test_a_secret_written_into_config_toml_is_refused(cli, app_home: Path) -> None:
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "config.toml").write_text('[etsy]\nshared_secret = "s3cr3t"\n')
    result = cli("status")
    one_plain_error(result, ExitCode.CONFIG, "never reads secrets from config.toml")
    assert "ETSYSYNC_ETSY_SHARED_SECRET" in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout


def test_a_malformed_api_url(cli, monkeypatch) -> None:
    monkeypatch.setenv("ETSYSYNC_ETSY_API_URL", "api.etsy.com/v3")
    one_plain_error(cli("status"), ExitCode.CONFIG, "ETSYSYNC_ETSY_API_URL", "http(s) URL")


def test_a_log_file_that_cannot_be_written(cli, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = cli("--log-file", str(blocked / "etsysync.log"), "status")
    one_plain_error(result, ExitCode.CONFIG, "cannot write the log file")


def test_a_ttl_out_of_range_is_a_usage_error(cli) -> None:
    result = cli("plan", "--ttl", "99999999999")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.stderr
    assert "--ttl" in result.stderr


def test_a_demo_home_that_cannot_be_made(cli, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    one_plain_error(cli("demo", "--home", str(blocked / "demo")), ExitCode.USAGE, "--home")


# --- secrets and files ------------------------------------------------------------------------


def test_webhook_credentials_stay_out_of_the_log_and_config_show(cli, tmp_path, monkeypatch):
    url = "https://ann:pass1234@hooks.example.test/services/T0/B0/tok3n?key=qu3ry"
    log = tmp_path / "etsysync.log"
    assert cli("--log-file", str(log), "config", "set", "notify.webhook_url", url).exit_code == 0
    shown = cli("config", "show", "--json")
    assert shown.exit_code == 0
    written = log.read_text() + shown.stdout
    for secret in ("pass1234", "ann:", "tok3n", "qu3ry"):
        assert secret not in written, secret
    value = json.loads(shown.stdout)["settings"]["notify.webhook_url"]["value"]
    assert value == "https://***@hooks.example.test/…"


def test_the_app_home_and_its_files_are_private(cli, connected, app_home, tmp_path) -> None:
    log = app_home / "etsysync.log"
    assert cli("--log-file", str(log), "config", "set", "sync.concurrency", "3").exit_code == 0
    assert cli("status").exit_code == 0
    assert stat.S_IMODE(app_home.stat().st_mode) == 0o700
    for name in ("config.toml", "etsysync.db", "etsysync.log"):
        assert stat.S_IMODE((app_home / name).stat().st_mode) == 0o600, name


# --- catalogs -----------------------------------------------------------------------------------


def product(product_id: str, **changes: Any) -> dict[str, Any]:
    title, sku = f"Linen Napkin {product_id}", f"NAP-{product_id}"
    return {**simple_product(product_id, title, sku, price=9, quantity=3), **changes}


def planned(cli: Any, tmp_path: Path, text: str) -> dict[str, dict[str, Any]]:
    path = tmp_path / "catalog.json"
    path.write_text(text)
    result = cli("plan", "--source", "file", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    return {item["product_id"]: item for item in json.loads(result.stdout)["items"]}


def test_duplicate_ids_never_collide_with_a_real_id(cli, connected, tmp_path) -> None:
    items = planned(
        cli, tmp_path, json.dumps({"products": [product("a"), product("a"), product("a#1")]})
    )
    assert items["a"]["action"] == "create"
    assert items["a#1"]["action"] == "create"  # the real a#1 is not taken for a duplicate
    duplicate = items["a (duplicate 2)"]
    assert duplicate["action"] == "invalid"
    assert duplicate["reasons"] == ["another product in the source has the same id a"]


def test_duplicate_skus(cli, connected, tmp_path) -> None:
    twice = product("b")
    twice["options"] = [{"title": "Size", "values": ["S", "M"]}]
    twice["variants"] = [
        {**product("b")["variants"][0], "sku": "SAME", "options": {"Size": size}}
        for size in ("S", "M")
    ]
    shared = product("c", variants=[{**product("c")["variants"][0], "sku": "NAP-a"}])
    items = planned(cli, tmp_path, json.dumps({"products": [product("a"), twice, shared]}))
    assert items["b"]["action"] == "invalid"
    assert any("SKU SAME is on 2 variants" in r for r in items["b"]["reasons"])
    assert items["c"]["action"] == "create"
    assert any("SKU NAP-a is also the SKU of product a" in w for w in items["c"]["warnings"])


def test_a_number_of_thousands_of_digits_spoils_one_product_not_the_file(
    cli, connected, tmp_path
) -> None:
    huge = json.dumps(product("a")).replace('"amount": 9', '"amount": ' + "9" * 5000)
    text = '{"products": [' + huge + ", " + json.dumps(product("b")) + "]}"
    items = planned(cli, tmp_path, text)
    assert items["a"]["action"] == "invalid"
    assert items["b"]["action"] == "create"
    assert not any("set_int_max_str_digits" in r for r in items["a"]["reasons"])


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("title", "Linen \x1b[31mNapkin", "title contains characters"),
        ("description", "Stonewashed \u202eemag rof", "text-direction characters"),
        ("description", "Stone\x00washed", "control or text-direction characters"),
        ("tags", ["napkin\x1b[2J"], "tag"),
    ],
    ids=["title-escape", "description-bidi", "description-nul", "tag-escape"],
)
def test_hidden_characters_never_reach_etsy_or_the_terminal(
    cli, connected, tmp_path, field, value, reason
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"products": [product("a", **{field: value})]}))
    result = cli("plan", "--source", "file", str(path))  # the review table, for people
    assert result.exit_code == 0, result.stderr
    assert "invalid" in result.stdout
    for raw in ("\x1b", "\u202e", "\x00"):
        assert raw not in result.stdout + result.stderr  # shown escaped, never acted on
    (item,) = json.loads(cli("plan", "--source", "file", str(path), "--json").stdout)["items"]
    assert item["action"] == "invalid"
    assert any(reason in r for r in item["reasons"]), item["reasons"]


# --- Etsy ---------------------------------------------------------------------------------------


def test_a_503_on_the_token_exchange_is_retried(cli, sandbox) -> None:
    sandbox.set_fail_next(1, 503, endpoint="token")
    result = cli("auth", "login", "--timeout", "20")
    assert result.exit_code == 0, result.stderr
    assert "Connected shop" in result.stderr
