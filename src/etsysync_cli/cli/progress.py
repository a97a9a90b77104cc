"""Rich progress for `confirm`: an overall bar, synced/failed counts, the current item, waits.

Only on a terminal (stderr) and never with --json or --quiet; the runner just emits events.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from etsysync_cli.cli.views import err, safe
from etsysync_cli.flows.confirm import RunEvent


class _TerminalProgress:
    """A Rich progress display on stderr, shown only on a terminal; a context manager."""

    def __init__(self, progress: Progress, *, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self._progress = progress

    def __enter__(self) -> Self:
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self._progress.stop()


class ReadProgress(_TerminalProgress):
    """A bar over the store's product count while a plan reads a source."""

    def __init__(self, *, enabled: bool) -> None:
        super().__init__(
            Progress(
                TextColumn("[bold]reading products"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ),
            enabled=enabled,
        )
        self._task = self._progress.add_task("read", total=None)

    def __call__(self, done: int, total: int) -> None:
        if self.enabled:
            self._progress.update(self._task, completed=done, total=total)


class PushProgress(_TerminalProgress):
    """The push: overall bar, synced/failed counts, the current item, rate-limit waits."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._lock = threading.Lock()
        self.synced = 0
        self.failed = 0
        progress = Progress(
            TextColumn("[bold]pushing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[synced]} synced[/] [red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}", markup=False),
            console=err,
            transient=False,
        )
        super().__init__(progress, enabled=enabled)
        self._task = self._progress.add_task("push", total=total, synced=0, failed=0, current="")

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            if event.kind == "item_started":
                self._set(current=safe(event.title or event.product_id))
            elif event.kind == "item_finished":
                if event.ok:
                    self.synced += 1
                else:
                    self.failed += 1
                self._progress.advance(self._task)
                self._set(synced=self.synced, failed=self.failed)
            elif event.kind == "waiting" and event.seconds and event.seconds >= 0.5:
                self._set(current=f"waiting {event.seconds:.1f} s for Etsy's rate limit")
            elif event.kind == "retry":
                self._set(current=safe(f"retrying: {event.detail}"))
            elif event.kind == "quota":
                self._set(current=safe(f"stopping: {event.detail}"))

    def _set(self, **fields: object) -> None:
        self._progress.update(self._task, **fields)  # type: ignore[arg-type]
