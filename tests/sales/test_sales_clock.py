"""The first read of sales when Etsy's clock is not this machine's: the window starts at the
shop's first sync on Etsy's clock (learnt from its `Date` header), so no sale is lost to skew."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pacing import fast_config
from tests.sales.conftest import sales_json


@pytest.fixture
def sandbox_config(callback_port: int) -> Any:
    # Etsy's clock two hours behind this machine's: its receipts carry Etsy's time.
    return fast_config(
        redirect_uris=[f"http://localhost:{callback_port}/callback"], clock_offset=-7200
    )


def test_the_first_read_finds_sales_when_etsys_clock_is_behind(cli, shop) -> None:
    shop.buy("MUG-1")
    doc = sales_json(cli)
    assert doc["read"]["new"] == 1
    shop.buy("MUG-1")
    assert sales_json(cli)["read"]["new"] == 1
