"""The Medusa source through the real CLI: a loopback Medusa (the recorded store), the sandbox."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.cli import common
from etsysync_cli.config import load_settings
from etsysync_cli.errors import ExitCode
from etsysync_cli.reports import SourceCheckDocument
from etsysync_cli.sandbox import SandboxConfig
from etsysync_cli.sources import SourceSpec, read_source
from etsysync_cli.sources import medusa as medusa_source
from etsysync_cli.sources.medusa import products as medusa_reader
from tests.foundation.test_reports import assert_document
from tests.medusa.conftest import SANDBOX_TAXONOMY, connect_medusa, feed, plan_json
from tests.medusa.fake_medusa import FakeMedusa
from tests.pacing import fast_config
from tests.sync.conftest import shop_listings

ETSY_CHANNEL = "sc_01M8G23AM6M6YSFJ4J5DP9EZK1"
TEE = "prod_01M8G23G6FTDFJ5JH988VAV870"
BOARD = "prod_01M8G23GS3HBDM51BJHMXG8H50"
VASE = "prod_01M8G23HG0EV02ZC0X5J10ATS3"
BOX = "prod_01M8G23JYG47DZTGBS3XGAS92J"
TEAPOT = "prod_01M8G23J96AJ7ZJV1VSRD2CSR9"
CREATED = {  # published, in the "Etsy" channel, valid for a USD shop
    TEE,
    "prod_01M8G23JMFK2WKM0G59PHWBNS6",  # print
    BOX,
    "prod_01M8G23KMSNJJ5JEQH76709DJB",  # throw
    "prod_01M8G23M06Y0V2GY21DYFYMTWF",  # card
    "prod_01M8G23HWKVXCEJFJFNCT758BE",  # candle: 15 tags, listed with 13 (listing.extra_tags)
}
KEY_ENTRY = ("etsysync", "medusa-api-key")


def link(cli: Any, product_id: str) -> dict[str, Any]:
    result = cli("status", "--product", product_id, "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def status(cli: Any) -> dict[str, Any]:
    result = cli("status", "--json")
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_connect_check_plan_confirm_status_and_write_back(
    cli, connected, medusa: FakeMedusa, monkeypatch, memory_keyring, app_home: Path
) -> None:
    result = connect_medusa(cli, medusa, monkeypatch, "--sales-channel", "Etsy")
    assert "Connected Medusa store Fern & Kiln Studio" in result.stderr
    assert "sales channel Etsy" in result.stderr
    config = (app_home / "config.toml").read_text()
    assert f'url = "{medusa.url}"' in config
    assert 'kind = "medusa"' in config and 'sales_channel = "Etsy"' in config
    assert json.loads(memory_keyring.entries[KEY_ENTRY]) == {
        "url": medusa.url,
        "api_key": medusa.key,
    }

    checked = cli("source", "check", "--json")
    assert checked.exit_code == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert_document(SourceCheckDocument, report)
    assert report["version"] == "v2" and report["ok"] is True
    assert report["store"]["name"] == "Fern & Kiln Studio"
    assert report["store"]["currencies"] == ["EUR", "USD", "GBP"]
    assert report["sales_channel"] == {"id": ETSY_CHANNEL, "name": "Etsy"}
    assert report["products"] == 9  # published and in the Etsy channel (limit=0 gives the count)
    assert report["shop"]["currency_code"] == "USD" and report["currency_ok"] is True
    assert report["key_storage"].startswith("OS keyring")

    staged = plan_json(cli)
    assert staged["counts"] == {"create": 6, "invalid": 3}
    assert {i["product_id"] for i in staged["items"] if i["action"] == "create"} == CREATED
    vase = next(i for i in staged["items"] if i["product_id"] == VASE)
    assert vase["reasons"] == ["has no price in USD (it has prices in GBP)"]
    tee = next(i for i in staged["items"] if i["product_id"] == TEE)
    assert (tee["price_min"], tee["price_max"], tee["quantity"]) == ("41.99", "47.99", 24)
    assert tee["images"] == 4  # the thumbnail (a relative URL) is the first image
    for query in medusa.product_requests()[-1:]:
        assert query["status[]"] == "published"
        assert query["sales_channel_id[]"] == ETSY_CHANNEL
        assert query["order"] == "id"

    assert cli("config", "set", "medusa.write_back", "true").exit_code == 0
    pushed = cli("confirm", staged["transaction_id"], "--yes", "--json")
    assert pushed.exit_code == 0, pushed.stderr
    job = json.loads(pushed.stdout)
    assert (job["status"], job["synced_count"], job["failed_count"]) == ("completed", 6, 0)
    listings = shop_listings(connected)
    assert len(listings) == 6
    shirt = next(x for x in listings if x["title"] == "Hand-Dyed Linen T-Shirt")
    assert len(shirt["images"]) == 4 and len(shirt["inventory"]["products"]) == 6

    # Write-back: each synced product's metadata gained the link, the seller's keys kept.
    assert {post["id"] for post in medusa.posts} == CREATED
    tee_link = link(cli, TEE)
    metadata = medusa.product("linen-tee")["metadata"]
    assert metadata == {
        "who_made": "i_did",
        "when_made": "made_to_order",
        "etsy_taxonomy_id": SANDBOX_TAXONOMY,
        "etsy_listing_id": str(tee_link["etsy_listing_id"]),
        "etsy_url": tee_link["etsy_url"],
        "etsy_sync_status": "synced",
        "etsy_last_synced_at": tee_link["last_synced_at"],
    }
    assert set(medusa.product("mystery-craft-box")["metadata"]) == set(
        medusa_source.WRITE_BACK_KEYS
    )  # it had no metadata at all
    assert "write_back_done" in [e["kind"] for e in feed(cli)]

    overview = status(cli)
    assert overview["jobs"][0]["source"] == f"medusa:{medusa.url}"
    assert overview["links"]["synced"] == 6

    # The next plan reads the whole store again; the written-back link is not an edit.
    again = plan_json(cli)
    assert again["counts"] == {"unchanged": 6, "invalid": 3} and again["to_push"] == 0

    # A price edit moves no product timestamp; it is still seen.
    variant = next(v for v in medusa.product("linen-tee")["variants"] if v["sku"] == "LT-S-IND")
    next(p for p in variant["prices"] if p["currency_code"] == "usd")["amount"] = Decimal("45")
    edited = plan_json(cli)
    assert edited["counts"] == {"update": 1, "unchanged": 5, "invalid": 3}
    (update,) = [i for i in edited["items"] if i["action"] == "update"]
    assert update["product_id"] == TEE and update["changes"] == ["inventory"]


def test_the_api_key_never_leaves_the_keyring(
    cli, connected, medusa: FakeMedusa, monkeypatch, memory_keyring, app_home: Path
) -> None:
    log = app_home / "etsysync.log"
    monkeypatch.setenv("ETSYSYNC_LOG_FILE", str(log))
    monkeypatch.setattr(common, "interactive", lambda: True)
    asked = cli("source", "medusa", medusa.url, input=f"{medusa.key}\n")
    assert asked.exit_code == 0, asked.stderr
    monkeypatch.setattr(common, "interactive", lambda: False)
    outputs = [asked.stdout + asked.stderr]
    for args in (
        ("config", "set", "medusa.write_back", "true"),
        ("source", "check"),
        ("source", "check", "--json"),
        ("config", "show"),
        ("config", "show", "--json"),
        ("plan",),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append(result.stdout + result.stderr)
    planned = cli("plan", "--json")
    outputs.append(planned.stdout + planned.stderr)
    txn = json.loads(planned.stdout)["transaction_id"]
    for args in (
        ("confirm", txn, "--yes"),
        ("status",),
        ("status", "--json"),
        ("status", "--feed", "--json"),
        ("status", txn, "--json"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append(result.stdout + result.stderr)
    assert medusa.posts, "the run wrote the links back"
    assert json.loads(memory_keyring.entries[KEY_ENTRY])["api_key"] == medusa.key
    assert log.exists() and log.stat().st_size > 0
    secret = medusa.key
    on_disk = b"".join(p.read_bytes() for p in app_home.rglob("*") if p.is_file())
    assert secret.encode() not in on_disk  # config, SQLite (and its WAL), log
    assert all(secret not in text for text in outputs)
    assert secret not in json.dumps(connected.request_log())


def test_a_wrong_key_is_refused_and_nothing_is_kept(
    cli, connected, medusa: FakeMedusa, monkeypatch, memory_keyring, app_home: Path
) -> None:
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", "sk_not_the_right_one_0000000000")
    result = cli("source", "medusa", medusa.url)
    assert result.exit_code == ExitCode.AUTH_NEEDED == 4
    assert "the Medusa API key was rejected" in result.stderr
    assert f"etsysync source medusa {medusa.url}" in result.stderr
    assert KEY_ENTRY not in memory_keyring.entries
    assert not (app_home / "config.toml").exists()


def test_no_key_and_no_terminal_says_where_to_put_it(
    cli, connected, medusa: FakeMedusa, memory_keyring
) -> None:
    result = cli("source", "medusa", medusa.url)
    assert result.exit_code == ExitCode.FAILURE
    assert "ETSYSYNC_MEDUSA_API_KEY" in result.stderr and "Secret API Keys" in result.stderr
    assert not medusa.requests and not memory_keyring.entries.get(KEY_ENTRY)


def test_the_key_goes_to_a_0600_file_when_opted_in(
    cli, connected, medusa: FakeMedusa, monkeypatch, memory_keyring, app_home: Path
) -> None:
    result = connect_medusa(cli, medusa, monkeypatch, "--insecure-storage")
    assert "credentials.json" in result.stderr
    path = app_home / "credentials.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["entries"]["medusa-api-key"]["api_key"] == medusa.key
    assert KEY_ENTRY not in memory_keyring.entries
    staged = plan_json(cli)  # no channel: every published product, the gift card skipped
    assert staged["counts"] == {"create": 6, "invalid": 3} and staged["skipped"] == 1


def test_a_failure_on_page_two_stages_nothing(
    cli, connected, medusa: FakeMedusa, monkeypatch
) -> None:
    monkeypatch.setattr(medusa_reader, "PAGE_SIZE", 4)
    connect_medusa(cli, medusa, monkeypatch)
    first = plan_json(cli)
    pages = [q["offset"] for q in medusa.product_requests() if q.get("limit") == "4"]
    assert pages == ["0", "4", "8"]  # 10 published products, 4 at a time
    medusa.fail("/admin/products", 500, offset=4)
    result = cli("plan")
    assert result.exit_code == ExitCode.FAILURE
    assert "HTTP 500 An unknown error occurred. (gave up after 5 attempts)" in result.stderr
    assert "Traceback" not in result.stderr
    overview = status(cli)
    assert [j["transaction_id"] for j in overview["jobs"]] == [first["transaction_id"]]
    assert overview["jobs"][0]["status"] == "pending"  # not replaced by a half plan
    assert overview["links"]["pending"] == first["to_push"]


def test_a_revoked_key_stops_the_plan_with_the_auth_code(
    cli, connected, medusa: FakeMedusa, monkeypatch
) -> None:
    connect_medusa(cli, medusa, monkeypatch)
    medusa.key = "sk_the_seller_made_a_new_one_1111111"
    result = cli("plan")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "error: the Medusa API key was rejected" in result.stderr
    assert f"hint: run `etsysync source medusa {medusa.url}`" in result.stderr
    assert status(cli)["jobs"] == []


def test_a_write_back_failure_is_reported_but_never_fails_the_sync(
    cli, connected, medusa: FakeMedusa, monkeypatch
) -> None:
    connect_medusa(cli, medusa, monkeypatch, "--sales-channel", "Etsy")
    monkeypatch.setenv("ETSYSYNC_MEDUSA_WRITE_BACK", "1")
    medusa.fail(f"/admin/products/{TEE}", 503)
    result = cli("confirm", plan_json(cli)["transaction_id"], "--yes")
    assert result.exit_code == 0, result.stderr
    assert {post["id"] for post in medusa.posts} == CREATED - {TEE}
    failures = [e for e in feed(cli) if e["kind"] == "write_back_failed"]
    assert [e["product_id"] for e in failures] == [TEE]
    assert "HTTP 503" in failures[0]["message"]
    shown = cli("status", "--feed")
    assert "write_back_failed" in shown.stdout and TEE in shown.stdout
    assert link(cli, TEE)["sync_status"] == "synced"  # the Etsy side is done and stays done


def test_no_write_back_for_one_run(cli, connected, medusa: FakeMedusa, monkeypatch) -> None:
    connect_medusa(cli, medusa, monkeypatch)
    assert cli("config", "set", "medusa.write_back", "true").exit_code == 0
    result = cli("confirm", plan_json(cli)["transaction_id"], "--yes", "--no-write-back")
    assert result.exit_code == 0, result.stderr
    assert medusa.posts == []
    assert not [e for e in feed(cli) if e["kind"].startswith("write_back")]


def test_drafts_only_with_include_drafts_and_then_as_etsy_drafts(
    cli, connected, medusa: FakeMedusa, monkeypatch
) -> None:
    connect_medusa(cli, medusa, monkeypatch, "--sales-channel", "Etsy")
    assert TEAPOT not in {i["product_id"] for i in plan_json(cli)["items"]}
    widened = plan_json(cli, "--include-drafts")
    teapot = next(i for i in widened["items"] if i["product_id"] == TEAPOT)
    assert (teapot["action"], teapot["state"]) == ("create", "draft")
    assert medusa.product_requests()[-1]["status[]"] == "draft"  # the last of the two
    tagged = plan_json(cli, "--tag", "linen")
    assert {i["product_id"] for i in tagged["items"]} == {TEE}
    assert medusa.product_requests()[-1]["tag_id[]"].startswith("ptag_")
    wrong = cli("plan", "--source", "file", "catalog.json", "--include-drafts")
    assert wrong.exit_code == ExitCode.USAGE


def test_a_medusa_v1_backend_is_refused(
    cli, connected, medusa: FakeMedusa, monkeypatch, memory_keyring, app_home: Path
) -> None:
    medusa.v1 = True
    monkeypatch.setenv("ETSYSYNC_MEDUSA_API_KEY", medusa.key)
    result = cli("source", "medusa", medusa.url)
    assert result.exit_code == ExitCode.FAILURE
    assert "is a Medusa v1 backend" in result.stderr
    assert "minor units" in result.stderr and "1/100" in result.stderr
    assert not (app_home / "config.toml").exists() and KEY_ENTRY not in memory_keyring.entries


def test_source_check_for_people(cli, connected, medusa: FakeMedusa, monkeypatch) -> None:
    connect_medusa(cli, medusa, monkeypatch)
    result = cli("source", "check")
    assert result.exit_code == 0, result.stderr
    assert f"Medusa v2 at {medusa.url}: the API key works" in result.stdout
    assert "EUR, USD, GBP (default EUR)" in result.stdout
    assert "10 published" in result.stdout
    assert "sells in USD: a store currency" in result.stdout


def test_plan_without_a_connected_store(cli, connected) -> None:
    result = cli("plan", "--source", "medusa")
    assert result.exit_code == ExitCode.FAILURE
    assert "no Medusa store is connected" in result.stderr
    assert "etsysync source medusa URL" in result.stderr


class TestShopCurrencyNotInTheStore:
    @pytest.fixture
    def sandbox_config(self, callback_port: int) -> SandboxConfig:
        return fast_config(
            shop_currency="CAD",
            redirect_uris=[f"http://localhost:{callback_port}/callback"],
        )

    def test_source_check_says_so_first(
        self, cli, connected, medusa: FakeMedusa, monkeypatch
    ) -> None:
        connect_medusa(cli, medusa, monkeypatch)
        result = cli("source", "check")
        assert result.exit_code == ExitCode.FAILURE
        assert result.stderr.startswith("problem: the Etsy shop")
        assert "sells in CAD, which is not among the store's currencies" in result.stderr
        as_json = json.loads(cli("source", "check", "--json").stdout)
        assert as_json["currency_ok"] is False and as_json["ok"] is False


class TestEuroShop:
    @pytest.fixture
    def sandbox_config(self, callback_port: int) -> SandboxConfig:
        return fast_config(
            shop_currency="EUR",
            redirect_uris=[f"http://localhost:{callback_port}/callback"],
        )

    def test_the_120_board_is_listed_at_120(
        self, cli, connected, medusa: FakeMedusa, monkeypatch
    ) -> None:
        medusa.product("walnut-serving-board")["metadata"]["when_made"] = "2020_2026"
        connect_medusa(cli, medusa, monkeypatch)
        staged = plan_json(cli, "--product", BOARD)
        (board,) = staged["items"]
        assert (board["action"], board["price_min"], board["quantity"]) == ("create", "120.00", 6)
        assert medusa.product_requests()[-1]["id[]"] == BOARD
        assert cli("confirm", staged["transaction_id"], "--yes").exit_code == 0
        (listing,) = shop_listings(connected)
        (offering,) = listing["inventory"]["products"][0]["offerings"]
        price = offering["price"]
        assert (price["amount"], price["divisor"], price["currency_code"]) == (12000, 100, "EUR")


def test_a_jobs_recorded_source_reads_the_store_again(cli, medusa: FakeMedusa, monkeypatch) -> None:
    """`retry TXN` re-reads `medusa:URL` from the job: the key comes from the keyring."""
    connect_medusa(cli, medusa, monkeypatch)
    spec = SourceSpec.parse(f"medusa:{medusa.url}")
    products = list(read_source(load_settings().settings, spec))
    assert len(products) == 10  # every published product (no sales channel configured)
