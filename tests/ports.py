"""Ports for a test to bind later, that nothing else in the run can take in between.

`demo.local.free_port()` asks the OS for an ephemeral port and lets it go. Between that and the
test's own bind, another xdist worker's sandbox (which binds port 0) may be handed the very same
port: CI once failed with "port 46435 is already in use" at `auth login`. Ports below the
kernel's ephemeral range are never handed out for port 0, and each worker takes its own slice of
them, so only a foreign program on the machine could hold one, and those are skipped.
"""

from __future__ import annotations

import itertools
import os
import socket
from pathlib import Path

SLICE = 400  # ports per xdist worker
_turn = itertools.count()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw3" under xdist
    return int(worker.removeprefix("gw") or 0)


def reserved_port() -> int:
    """A free loopback port of this worker's slice, below the ephemeral range."""
    first = _ephemeral_low() - SLICE * (_worker_index() + 1)
    for _ in range(SLICE):
        port = first + next(_turn) % SLICE
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # a program outside the test run holds it
            return port
    raise RuntimeError(f"no free port in {first}..{first + SLICE - 1}")
