"""Check every sandbox exchange of any set of tests against Etsy's OAS (opt-in):

    pytest -p tests.conformance.plugin tests/sync tests/runner

Every SandboxServer started during the session is recorded; at the end the violations are
printed in two parts, the requests (what the client, or a test, sent) and the responses (what
the sandbox answered), and the session fails if there are any. Tests under tests/sandbox send
wrong requests on purpose, so there only the responses part is meaningful.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from etsysync_cli.sandbox import SandboxServer
from tests.conformance.oas_check import Violation, check_all, report
from tests.conformance.oas_spec import load
from tests.conformance.recorder import Recorder

_recorders: list[tuple[str, Recorder]] = []
_current_test = ["(outside a test)"]
_original_start = SandboxServer.start


def _start(self: SandboxServer) -> SandboxServer:
    if self.app.on_exchange is None:
        recorder = Recorder()
        self.app.on_exchange = recorder
        _recorders.append((_current_test[0], recorder))
    return _original_start(self)


def pytest_configure(config: pytest.Config) -> None:
    SandboxServer.start = _start  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    _current_test[0] = item.nodeid
    return (yield)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    SandboxServer.start = _original_start  # type: ignore[method-assign]
    oas = load()
    found: dict[str, list[Violation]] = {"request": [], "response": []}
    exchanges = 0
    for test, recorder in _recorders:
        exchanges += len(recorder.exchanges)
        for violation in check_all(oas, recorder.exchanges):
            named = dataclasses.replace(violation, exchange=f"{test} {violation.exchange}")
            found[violation.side].append(named)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter is not None else print
    write(f"OAS check: {exchanges} exchange(s) from {len(_recorders)} sandbox(es)")
    for side, items in found.items():
        if not items:
            write(f"OAS check: no {side} violations")
            continue
        write(f"OAS check, {side}s: " + report(items))
    if any(found.values()) and session.exitstatus == 0:
        session.exitstatus = 1
