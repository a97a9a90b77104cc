"""Running etsysync as a person at a terminal does: in a pseudo-terminal of a given size."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

ETSYSYNC = [sys.executable, "-m", "etsysync_cli"]
SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_a_terminal_raw(
    args: list[str], *, columns: int = 80, lines: int = 24, answer: str | None = None, **env: str
) -> tuple[int, str]:
    """Run etsysync in a pseudo-terminal of `columns` by `lines`; its exit code and what it
    wrote, escapes and all. COLUMNS, LINES, PAGER and NO_COLOR are not inherited (the size is
    the terminal's; `env` sets what a test wants). `answer` is typed at the first `[y/N]`."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    base = {
        k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER", "NO_COLOR")
    }
    proc = subprocess.Popen(
        ETSYSYNC + args,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**base, "TERM": "xterm-256color", **env},
    )
    os.close(secondary)
    chunks: list[bytes] = []
    answered = answer is None
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
        if not answered and b"[y/N]" in b"".join(chunks):
            os.write(primary, answer.encode())  # type: ignore[union-attr]
            answered = True
    code = proc.wait(timeout=60)
    os.close(primary)
    return code, b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


def in_a_terminal(args: list[str], **options: object) -> tuple[int, str]:
    """As `in_a_terminal_raw`, with the escapes (colours, cursor moves) taken out."""
    code, screen = in_a_terminal_raw(args, **options)  # type: ignore[arg-type]
    return code, SGR.sub("", screen)
