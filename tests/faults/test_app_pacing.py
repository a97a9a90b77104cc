"""One Etsy app, one pacing budget: two shops pushed at once from one app home stay together
under the app's limit.

Etsy's 10 requests a second and 10,000 a day belong to the app (etsy-api.md §3), not to the
shop, so two `confirm`s on two shops with one keystring must share them. Each etsysync process
paces itself over the app home's pacing file (store/pacing.py); here two real `confirm`
processes push two shops of one `--shops 2` sandbox at Etsy's exact 10/s: together they meet no
429 and still reach 90% of the limit. `status` then shows what is left of the app's day, from
the last answer either of them saw, and the pacing file holds a hash of the keystring, not it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.domain.pacing import app_key
from etsysync_cli.sandbox import SandboxConfig, SandboxServer
from etsysync_cli.store.pacing import PACING_FILE
from tests.conftest import point_cli_at
from tests.faults.conftest import etsysync_process
from tests.pacing import ETSY
from tests.sync.conftest import Catalog

pytestmark = pytest.mark.etsy_pacing


@pytest.fixture
def two_shops(callback_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """Two sellers with a shop each at Etsy's exact limits, shared by the app (the sandbox
    limits per keystring, as Etsy does)."""
    config = SandboxConfig(port=0, redirect_uris=[f"http://localhost:{callback_port}/callback"])
    assert (config.rps, config.rpd) == (ETSY["rps"], ETSY["rpd"]), "not Etsy's defaults"
    with SandboxServer(config, shops=2) as server:
        point_cli_at(server, monkeypatch)
        yield server


def api(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [e for e in sandbox.request_log() if e["path"].startswith("/v3/application")]


def test_two_confirms_on_two_shops_share_the_apps_pace_and_day(
    cli: Callable[..., Any],
    two_shops: SandboxServer,
    app_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = two_shops.shops()
    login = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert login.exit_code == 0, login.stderr
    monkeypatch.setenv("FAKE_BROWSER_CHOOSE", f"user_id={second['user_id']}")
    login = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert login.exit_code == 0, login.stderr
    catalog = Catalog(tmp_path / "catalog")
    plans = {}
    for shop in (first, second):
        staged = cli(
            "plan",
            "--source",
            "file",
            str(catalog.path),
            "--account",
            str(shop["shop_id"]),
            "--json",
        )
        assert staged.exit_code in (0, 2), staged.stderr
        plans[str(shop["shop_id"])] = json.loads(staged.stdout)["transaction_id"]
    two_shops.clear_request_log()

    pushes = [
        etsysync_process(
            *("confirm", txn, "--yes", "--quiet", "--account", shop),
            env={"ETSYSYNC_SYNC_CONCURRENCY": "4"},
        )
        for shop, txn in plans.items()
    ]
    for push in pushes:
        _out, err = push.communicate(timeout=120)
        assert push.returncode == 0, err

    log = api(two_shops)
    by_shop = {
        s["shop_id"]: sum(f"/shops/{s['shop_id']}/" in e["path"] for e in log)
        for s in (first, second)
    }
    assert all(n > 10 for n in by_shop.values()), by_shop  # both pushed, at the same time
    assert [e for e in log if e["status"] == 429] == [], "the two pushes went over the limit"
    times = sorted(e["time"] for e in log)
    combined = (len(times) - 1) / (times[-1] - times[0])
    assert combined >= 0.9 * ETSY["rps"], f"together only {combined:.2f} requests/s"

    # The keystring is not kept in the pacing file, only a hash of it.
    keystring = two_shops.config.keystring
    raw = (app_home / PACING_FILE).read_bytes()
    assert keystring.encode() not in raw and app_key(keystring).encode() in raw

    # `status` reports the app's day from the last answer seen, without asking Etsy.
    used = two_shops.limiter.usage()["used_today"]
    result = cli("status", "--account", first["shop_name"], "--json")
    assert result.exit_code == 0, result.stderr
    quota = json.loads(result.stdout)["app_quota"]
    assert quota["limit_per_day"] == ETSY["rpd"]
    assert quota["remaining_today"] == ETSY["rpd"] - used
    assert quota["seen_at"].startswith(time.strftime("%Y-%m-%d", time.gmtime()))
    shown = cli("status", "--account", second["shop_name"])
    assert f"{ETSY['rpd'] - used:,} of 10,000 requests left today" in shown.stdout
    assert api(two_shops) == log, "status asked Etsy"
