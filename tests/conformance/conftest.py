"""The OAS conformance tests: Etsy's document, compiled once, and a recorded sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conformance.oas_spec import EtsyOas, load
from tests.conformance.recorder import Recorder, recording
from tests.sync.conftest import catalog  # noqa: F401  (a fixture: the sample catalog)


@pytest.fixture(scope="session")
def oas() -> EtsyOas:
    return load()


@pytest.fixture
def recorder(sandbox: Any) -> Iterator[Recorder]:
    """Every exchange with the test's sandbox, from the start (login included)."""
    with recording(sandbox) as recorded:
        yield recorded
