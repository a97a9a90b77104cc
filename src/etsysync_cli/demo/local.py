"""A connected shop on a local sandbox, in a given app home: what `etsysync demo` and the
benchmarks run on.

Everything goes through the real code paths (OAuth login with PKCE against the sandbox's
auto-approved consent page, tokens in the home's opt-in file, an authenticated session), only
with settings built for that home instead of the user's.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from etsysync_cli.accounts import login
from etsysync_cli.accounts import session as accounts
from etsysync_cli.accounts.session import Session
from etsysync_cli.config import Settings, load_settings
from etsysync_cli.flows.context import Workspace
from etsysync_cli.sandbox import SandboxConfig, SandboxServer
from etsysync_cli.store.accounts import Account
from etsysync_cli.store.db import Store


class AutoBrowser:
    """Plays the browser for `login.login`: opens the consent URL, which the sandbox answers
    with a redirect to the loopback callback."""

    def say(self, text: str) -> None:
        pass

    def open_browser(self, url: str) -> bool:
        with httpx.Client(follow_redirects=True, timeout=10) as http:
            http.get(url)
        return True

    def read_pasted(self, prompt: str) -> str:  # pragma: no cover - a browser is always there
        return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalShop:
    home: Path
    sandbox: SandboxServer
    settings: Settings
    store: Store
    session: Session

    @property
    def account(self) -> Account:
        return self.session.account

    @property
    def workspace(self) -> Workspace:
        return Workspace.over(self.settings, self.home, self.store)


@contextmanager
def local_shop(
    home: Path,
    *,
    sandbox: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Iterator[LocalShop]:
    """Start a sandbox (`sandbox` = SandboxConfig fields), connect its shop, yield a session."""
    callback_port = free_port()
    config = SandboxConfig(
        port=0,
        auto_approve=True,
        redirect_uris=[f"http://localhost:{callback_port}/callback"],
        **(sandbox or {}),
    )
    with SandboxServer(config) as server:
        loaded = load_settings(
            {
                "etsy.api_url": server.api_url,
                "etsy.oauth_url": server.oauth_url,
                "auth.insecure_storage": True,
                **(settings or {}),
            },
            environ={},
            home=home,
        ).settings
        with Store.open(home) as store:
            keys = accounts.AppKeys(config.keystring, SecretStr(config.shared_secret))
            options = login.LoginOptions(port=callback_port, timeout=30, insecure_storage=True)
            login.login(loaded, store, home, keys, options, AutoBrowser())
            with accounts.open_session(loaded, store, home) as session:
                yield LocalShop(home, server, loaded, store, session)
