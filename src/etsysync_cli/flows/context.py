"""What one command works with: its settings (loaded once), the app home, the store, and the
Etsy sessions it opens. The CLI opens one `Workspace` per command and hands it to the flows;
everything in it is closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from etsysync_cli.config import Settings
from etsysync_cli.store.db import Store

if TYPE_CHECKING:
    from etsysync_cli.accounts.session import Session


@dataclass
class Workspace:
    settings: Settings
    home: Path
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        """The SQLite state, opened (and migrated) on first use."""
        if self._store is None:
            self._store = self._stack.enter_context(Store.open(self.home))
        return self._store

    def session(self, account: str | None = None, *, max_requests: int | None = None) -> Session:
        """An authenticated Etsy session for the account (default: the active one), closed
        with the workspace. `max_requests` stops the session's runs after that many requests."""
        # The Etsy client (httpx and all) is imported by the commands that talk to Etsy only.
        from etsysync_cli.accounts.session import open_session

        session = open_session(
            self.settings, self.store, self.home, account, max_requests=max_requests
        )
        return self._stack.enter_context(session)

    @classmethod
    def over(cls, settings: Settings, home: Path, store: Store) -> Workspace:
        """A workspace on a store someone else opened (and closes): the demo's."""
        return cls(settings, home, _store=store)

    def close(self) -> None:
        self._stack.close()


@contextmanager
def workspace(settings: Settings, home: Path) -> Iterator[Workspace]:
    ws = Workspace(settings, home)
    try:
        yield ws
    finally:
        ws.close()
