"""One Etsy app, one pacing budget: clients of the same keystring and app home pace together.

Etsy's 10 requests a second and 10,000 a day belong to the app (etsy-api.md §3), so two
etsysync processes with one keystring must share them. Here two clients, each with its own
limiter over the app home's pacing file (what two processes have), hammer one sandbox at Etsy's
exact 10/s: together they meet no 429 and still reach 90% of the limit. Then `status` shows what
is left of the app's day, from the last answer either of them saw.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.accounts.session import open_session
from etsysync_cli.config import load_settings
from etsysync_cli.domain.pacing import app_key
from etsysync_cli.sandbox import SandboxConfig
from etsysync_cli.store.db import Store
from etsysync_cli.store.pacing import PACING_FILE
from tests.faults.test_etsy_pacing import quiet_second
from tests.pacing import ETSY

pytestmark = pytest.mark.etsy_pacing

EACH = 30  # requests per client: ~6 s for the two at 10/s
WORKERS = 3  # threads per client, so each one alone could go faster than the limit


@pytest.fixture
def sandbox_config(callback_port: int) -> SandboxConfig:
    config = SandboxConfig(port=0, redirect_uris=[f"http://localhost:{callback_port}/callback"])
    assert (config.rps, config.rpd) == (ETSY["rps"], ETSY["rpd"]), "not Etsy's defaults"
    return config


def hammer(session: Any, count: int) -> None:
    """`count` getShop calls over WORKERS threads, as fast as the session's limiter lets them."""
    shop_id = session.account.shop_id
    left = iter(range(count))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            session.client.get_shop(shop_id)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_two_clients_of_one_app_share_its_pace_and_its_day(
    cli: Callable[..., Any], connected: Any, app_home: Path
) -> None:
    settings = load_settings(home=app_home).settings
    with Store.open(app_home) as store:
        first = open_session(settings, store, app_home)
        second = open_session(settings, store, app_home)
        try:
            assert first.client.limiter is not second.client.limiter
            quiet_second(connected)
            connected.clear_request_log()
            runs = [threading.Thread(target=hammer, args=(s, EACH)) for s in (first, second)]
            for run in runs:
                run.start()
            for run in runs:
                run.join()
        finally:
            first.close()
            second.close()

    log = [e for e in connected.request_log() if e["path"].startswith("/v3/application")]
    assert len(log) == 2 * EACH
    assert [e for e in log if e["status"] == 429] == [], "the two clients went over the limit"
    times = sorted(e["time"] for e in log)
    combined = (len(times) - 1) / (times[-1] - times[0])
    assert combined >= 0.9 * ETSY["rps"], f"together only {combined:.2f} requests/s"

    # The keystring is not kept in the pacing file, only a hash of it.
    raw = (app_home / PACING_FILE).read_bytes()
    assert settings.etsy.keystring and settings.etsy.keystring.encode() not in raw
    assert app_key(settings.etsy.keystring).encode() in raw

    # `status` reports the app's day from the last answer seen, without asking Etsy.
    used = connected.limiter.usage()["used_today"]
    result = cli("status", "--json")
    assert result.exit_code == 0, result.stderr
    quota = json.loads(result.stdout)["app_quota"]
    assert quota["limit_per_day"] == ETSY["rpd"]
    assert quota["remaining_today"] == ETSY["rpd"] - used
    assert quota["seen_at"].startswith(time.strftime("%Y-%m-%d", time.gmtime()))
    shown = cli("status")
    assert f"{quota['remaining_today']:,} of 10,000 requests left today" in shown.stdout
