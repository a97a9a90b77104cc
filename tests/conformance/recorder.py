"""Record what an in-process sandbox serves, as `Exchange`s the OAS check can read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from etsysync_cli.sandbox.wire import Request, Response
from tests.conformance.oas_check import Exchange


class Recorder:
    """Hooks `SandboxServer.app.on_exchange`; keeps a copy of each exchange, secrets left out."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()  # the sandbox serves each connection on its own thread

    def __call__(self, req: Request, response: Response) -> None:
        key = req.headers.get("x-api-key", "")
        keystring, _, secret = key.partition(":")
        with self._lock:
            self.exchanges.append(
                Exchange(
                    method=req.method,
                    path=req.path,
                    query={k: list(v) for k, v in req.query.items()},
                    content_type=req.headers.get("content-type", ""),
                    body=req.body,
                    status=response.status,
                    response_content_type=response.headers.get("content-type", ""),
                    response_body=response.body,
                    api_key_shaped=bool(keystring and secret and ":" not in secret),
                    bearer=req.headers.get("authorization", "").startswith("Bearer "),
                    index=len(self.exchanges),
                )
            )

    def since(self, start: int) -> list[Exchange]:
        with self._lock:
            return self.exchanges[start:]

    def __len__(self) -> int:
        return len(self.exchanges)


@contextmanager
def recording(sandbox: Any) -> Iterator[Recorder]:
    """`with recording(sandbox) as recorder:` records every exchange until the block ends."""
    recorder = Recorder()
    previous = sandbox.app.on_exchange
    sandbox.app.on_exchange = recorder
    try:
        yield recorder
    finally:
        sandbox.app.on_exchange = previous
