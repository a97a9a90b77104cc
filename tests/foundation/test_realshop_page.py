"""docs/sandbox-and-real-shop.md walks a seller from the sandbox to the real shop: it shows the
whole walk, its settings are real, and its callback URL is the one `auth login` uses. (Its
command lines are checked with every page's, in test_docs.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.foundation import doclines

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox-and-real-shop.md"


def test_the_page_shows_the_walk() -> None:
    lines = [line.text for line in doclines.command_lines(PAGE.read_text(encoding="utf-8"))]
    assert len(lines) >= 15, lines  # the walk: serve, login, shop, config, plan, confirm, …
    assert any(line.startswith("etsysync auth login") for line in lines)
    assert any("plan" in line and "--limit 3" in line for line in lines)


def test_every_setting_on_the_page_is_real() -> None:
    from etsysync_cli.config import setting_keys

    known = {info.key for info in setting_keys()}
    text = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"etsysync config (?:get|set|unset) ([a-z_.]+)", text))
    named |= set(re.findall(r"`((?:listing|auth|etsy)\.[a-z_]+)`", text))
    assert named and named <= known, named - known


def test_the_callback_url_on_the_page_is_the_one_login_uses() -> None:
    from etsysync_cli.accounts.loopback import redirect_uri
    from etsysync_cli.config import AuthSettings

    page = PAGE.read_text(encoding="utf-8")
    assert redirect_uri(AuthSettings().redirect_port) in page
