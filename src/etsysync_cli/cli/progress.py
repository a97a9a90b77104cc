"""Rich progress for `confirm`: an overall bar, synced/failed counts, the current item, waits.

Only on a terminal (stderr) and never with --json or --quiet; the runner just emits events.
"""

from __future__ import annotations

import threading
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from etsysync_cli.cli.views import err
from etsysync_cli.runner import RunEvent


class PushProgress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self._lock = threading.Lock()
        self.synced = 0
        self.failed = 0
        self._progress = Progress(
            TextColumn("[bold]pushing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[synced]} synced[/] [red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
            console=err,
            transient=False,
        )
        self._task = self._progress.add_task("push", total=total, synced=0, failed=0, current="")

    def __enter__(self) -> PushProgress:
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

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            if event.kind == "item_started":
                self._set(current=event.title or event.product_id)
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
                self._set(current=f"retrying: {event.detail}")
            elif event.kind == "quota":
                self._set(current=f"stopping: {event.detail}")

    def _set(self, **fields: object) -> None:
        self._progress.update(self._task, **fields)  # type: ignore[arg-type]
