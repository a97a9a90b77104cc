"""Ctrl-C and SIGTERM during a push: stop starting products, finish and record the ones in
flight, then say what was done and how to resume (exit 130 / 143). A second signal stops at
once: the run stays resumable, as after a crash (every create is recorded before it is sent)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from etsysync_cli.cli.views import note
from etsysync_cli.errors import ExitCode, StoppedBySignalError

SIGNALS = (signal.SIGINT, signal.SIGTERM)
CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}


@dataclass
class Stopper:
    """Set by the first signal; `stop` is handed to the runner."""

    stop: threading.Event = field(default_factory=threading.Event)
    signum: int | None = None
    resume: str = "run the same command again"  # what resumes the run, once known

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def raise_if_stopped(self, done: str) -> None:
        """After the run returned: the signal's own error, saying what was done."""
        if self.signum is None:
            return
        raise StoppedBySignalError(
            f"stopped by {self.name}: {done}; what was in flight was finished and recorded",
            hint=f"{self.resume} to resume",
            exit_code=CODES.get(signal.Signals(self.signum), ExitCode.INTERRUPTED),
        )


@contextmanager
def stop_on_signals() -> Iterator[Stopper]:
    stopper = Stopper()
    if threading.current_thread() is not threading.main_thread():
        yield stopper  # signals are delivered to the main thread only
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stopper.signum is None:
            stopper.signum = signum
            stopper.stop.set()
            note(
                f"{signal.Signals(signum).name}: finishing the products in flight, then "
                "stopping (Ctrl-C again to stop at once)."
            )
            return
        note(f"Stopped at once; {stopper.resume} to resume.")
        os._exit(CODES.get(signal.Signals(stopper.signum), ExitCode.INTERRUPTED))

    previous = {signum: signal.signal(signum, handle) for signum in SIGNALS}
    try:
        yield stopper
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
