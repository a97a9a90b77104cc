"""Test isolation: every test gets its own app home and an in-memory keyring.

No test touches the real home, the real keyring or any host but 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from typer.testing import CliRunner, Result

# pytest-xdist's workers inherit COLUMNS=80 from pytest; Rich fixes a console's width at creation
# from COLUMNS, and cli/views.py creates its consoles at import, so the whole worker would print
# at 80 columns. Tests give a width where they care (the `cli` fixture, tests/terminal).
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

import etsysync_cli.cli.views  # noqa: F401  (see below)
from tests.pacing import fast_config
from tests.ports import reserved_port

# The CLI imports a command's modules when the command runs (issue 17), and Rich's consoles in
# cli/views.py keep the COLUMNS they are created with. Created here, before any test sets
# COLUMNS, they follow each test's COLUMNS, as a real process's consoles follow its own.


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict, so tests never reach the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError(username)
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ETSYSYNC_HOME at a fresh folder and clear every other ETSYSYNC_* variable."""
    for name in list(os.environ):
        if name.startswith("ETSYSYNC_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("ETSYSYNC_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the real `etsysync` command in-process; stdout and stderr are kept apart.

    Unexpected exceptions propagate (catch_exceptions=False): a bug must fail the test loudly.
    """
    from etsysync_cli.cli.main import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        # Output to a pipe is 80 columns wide (COLUMNS else 80); these tests read what tables
        # say, not how they wrap, so they get a wide page unless they ask for a width
        # (tests/terminal checks the 80-column layout itself).
        env = {"COLUMNS": "200", **(env or {})}
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


FAKE_BROWSER = Path(__file__).parent / "auth" / "fake_browser.py"

SHOP_ID = 5001  # the connected shop of the `account` fixture
SHOP_NAME = "ClayShop"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    """A fresh, migrated store (no Etsy, no CLI): for tests of the store's own rules."""
    from etsysync_cli.store.db import Store

    with Store(tmp_path / "state" / "etsysync.db") as opened:
        yield opened


def connect_shop(store: Any) -> Any:
    """Write one connected account (shop SHOP_ID, SHOP_NAME) straight into `store`, as
    `auth login` leaves it; the tokens are not the store's business."""
    from etsysync_cli.store.accounts import save_account

    return save_account(
        store,
        shop_id=SHOP_ID,
        shop_name=SHOP_NAME,
        user_id=7,
        currency_code="USD",
        scopes=["listings_r"],
        keystring="k",
        token_expires_at=None,
        token_storage="keyring",
    )


@pytest.fixture
def account(store: Any) -> Any:
    """One connected account in `store`."""
    return connect_shop(store)


@pytest.fixture
def account_id(account: Any) -> int:
    return int(account.id)


@pytest.fixture
def callback_port(monkeypatch: pytest.MonkeyPatch) -> int:
    port = reserved_port()
    monkeypatch.setenv("ETSYSYNC_AUTH_REDIRECT_PORT", str(port))
    return port


@pytest.fixture
def sandbox_config(callback_port: int) -> Any:
    """The `sandbox` fixture's settings. FAST limits, advertised in the four headers, keep the
    client from pacing itself at Etsy's 10 requests/s: most tests are about behaviour, not
    speed. Override this fixture with `ETSY` limits for a test of Etsy's real pacing."""
    return fast_config(redirect_uris=[f"http://localhost:{callback_port}/callback"])


@pytest.fixture
def sandbox(sandbox_config: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The local Etsy on 127.0.0.1, with etsysync's environment pointing at it.

    The fake browser (tests/auth/fake_browser.py) stands in for the person: it is $BROWSER.
    """
    from etsysync_cli.sandbox import SandboxServer

    with SandboxServer(sandbox_config) as server:
        point_cli_at(server, monkeypatch)
        yield server


def point_cli_at(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point etsysync's environment at a running sandbox, with the fake browser as $BROWSER."""
    for line in server.env_lines():
        name, _, value = line.removeprefix("export ").partition("=")
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BROWSER", f"{sys.executable} {FAKE_BROWSER} %s")
    # webbrowser reads $BROWSER once per process: make it read it again.
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})


@pytest.fixture
def connected(cli: Callable[..., Result], sandbox: Any) -> Any:
    """A shop connected through the real `auth login` (the fake browser presses Allow)."""
    result = cli("auth", "login", "--timeout", "20")
    assert result.exit_code == 0, result.stderr
    return sandbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under pytest-xdist (`.ci/run` uses `-n 4 --dist loadgroup`) the tests that pace themselves
    # at Etsy's real limits run one after another on one worker: two of them at once against
    # two sandboxes would still pass, but their rates would share one machine's two cores.
    for item in items:
        if item.get_closest_marker("etsy_pacing"):
            item.add_marker(pytest.mark.xdist_group("etsy_pacing"))
