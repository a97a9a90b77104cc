"""`etsysync sandbox serve` on a busy port and on `--port 0` (issue 16, point 10), as a user runs
it: a real process, stdout and stderr apart."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import httpx

from etsysync_cli.errors import ExitCode

SERVE = [sys.executable, "-m", "etsysync_cli", "sandbox", "serve"]


def test_a_busy_port_is_one_plain_error_line_with_a_hint() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = subprocess.run(
            [*SERVE, "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert run.returncode == ExitCode.CONFIG  # as a bad --port value (SandboxConfig.validate)
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == f"error: Port {port} on 127.0.0.1 is already in use."
    assert lines[1].startswith("hint:") and "--port 0" in lines[1]
    assert len(lines) == 2


def test_port_0_picks_a_free_port_prints_it_and_serves_there() -> None:
    proc = subprocess.Popen(
        [*SERVE, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.fullmatch(r"Etsy sandbox running at http://127\.0\.0\.1:(\d+)\n", first)
        assert found, first
        port = int(found.group(1))
        assert port != 0
        state = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=10)
        assert state.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err
    assert "Stopping the Etsy sandbox." in out
