"""Rich progress for `confirm`: an overall bar, synced/failed counts, the current item, waits.
Only on a terminal (stderr) and never with --json or --quiet; the runner just emits events.

And the view of `status --watch`: a live block on a terminal, plain lines in a pipe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from etsysync_cli.cli.views import JOB_STYLES, err, safe
from etsysync_cli.flows.confirm import RunEvent
from etsysync_cli.flows.watch import Snapshot


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

    def __call__(self, done: int, total: int | None) -> None:
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
            elif event.kind == "note":  # e.g. units sold on Etsy since the plan, not put back
                self._set(current=safe(f"{event.title or event.product_id}: {event.detail}"))
            elif event.kind == "quota":
                self._set(current=safe(f"stopping: {event.detail}"))

    def _set(self, **fields: object) -> None:
        self._progress.update(self._task, **fields)  # type: ignore[arg-type]


# --- status --watch ----------------------------------------------------------------------------

EVENT_STYLES = {"synced": "green", "failed": "red", "job_failed": "red", "job_paused": "yellow"}
FOOTER = "Ctrl-C stops watching; the push goes on."


def duration(seconds: float) -> str:
    """`42 s`, `3 min 05 s`, `1 h 20 min`: short enough for one line at 80 columns."""
    whole = max(round(seconds), 0)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _clock(at: str) -> str:
    return at[11:19] if len(at) >= 19 else at  # HH:MM:SS of an ISO time (UTC)


def _pace(snapshot: Snapshot) -> str:
    """Rate, ETA and time so far, or what the job waits for."""
    job = snapshot.job
    if snapshot.stalled:
        return f"stopped: {snapshot.stalled}"
    if job.status == "pending":
        return f"waiting for `etsysync confirm {job.transaction_id}` to start it"
    if job.status == "confirmed":
        return "confirmed; waiting for the background run to start"
    parts = []
    rate = snapshot.per_minute
    parts.append(f"{rate:.1f} products/min" if rate is not None else "rate: measuring")
    if snapshot.eta_seconds is not None:
        parts.append(f"ETA {duration(snapshot.eta_seconds)}")
    if snapshot.run_seconds:
        parts.append(f"{'took' if snapshot.ended else 'elapsed'} {duration(snapshot.run_seconds)}")
    return " · ".join(parts)


def _counts(snapshot: Snapshot) -> str:
    job = snapshot.job
    return (
        f"{snapshot.done}/{job.total_products} done: {job.synced_count} synced, "
        f"{job.failed_count} failed, {snapshot.left} left"
    )


class WatchView:
    """The live view of `status --watch` on a terminal: one block of about ten lines,
    redrawn in place (Rich Live), that fits an 80x24 terminal whole: the job and its status,
    a bar, the counts, rate and ETA, the last few products and steps."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live = Live(
            console=console, auto_refresh=False, transient=False, vertical_overflow="crop"
        )

    def __enter__(self) -> Self:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()

    def update(self, snapshot: Snapshot) -> None:
        self._live.update(self.render(snapshot), refresh=True)

    def render(self, snapshot: Snapshot) -> RenderableType:
        job = snapshot.job
        width = self._console.width
        head = Text.assemble(
            ("Job ", "bold"),
            (job.transaction_id, "bold"),
            f" on {safe(snapshot.shop_name)}: ",
            (str(job.status), JOB_STYLES.get(job.status, "")),
            no_wrap=True,
            overflow="ellipsis",
        )
        total = max(job.total_products, 1)
        bar = Table.grid(padding=(0, 1))
        bar.add_column(width=max(10, min(width - 12, 60)))
        bar.add_column(no_wrap=True)
        bar.add_row(
            ProgressBar(total=total, completed=snapshot.done),
            f"{snapshot.done * 100 // total:3d}%",
        )
        lines: list[RenderableType] = [
            head,
            bar,
            Text(_counts(snapshot), no_wrap=True, overflow="ellipsis"),
            Text(_pace(snapshot), style="dim", no_wrap=True, overflow="ellipsis"),
            Text("last events:" if snapshot.recent else "no events yet", style="bold"),
        ]
        # Six lines around the events, and one spare for the cursor: a short terminal shows
        # fewer events rather than a block that scrolls and can no longer be redrawn in place.
        room = max(self._console.height - 7, 0)
        for event in snapshot.recent[-room:] if room else []:
            lines.append(
                Text.assemble(
                    f"  {_clock(event.at)} ",
                    (f"{event.kind:8}", EVENT_STYLES.get(event.kind, "")),
                    " ",
                    safe(event.text),
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )
        if not snapshot.ended:
            lines.append(Text(FOOTER, style="dim"))
        return Group(*lines)


class WatchLines:
    """`status --watch` when stdout is not a terminal (a pipe, a cron log): one plain line per
    event and per progress step, nothing redrawn, ending when the job ends."""

    PROGRESS_EVERY = 5.0  # seconds between two progress lines while products finish

    def __init__(self, console: Console, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._console = console
        self._clock = clock
        self._status: str | None = None
        self._done = -1
        self._printed_at = 0.0

    def update(self, snapshot: Snapshot) -> None:
        job = snapshot.job
        first = self._status is None
        if first:  # which job, as it is now; then what came before the watch
            self._status_line(snapshot)
        for event in snapshot.new_events:
            self._line(f"{event.at} {event.kind} {event.text}")
        if job.status != self._status:
            self._status_line(snapshot)
        now = self._clock()
        moved = snapshot.done != self._done
        if snapshot.ended or (moved and now - self._printed_at >= self.PROGRESS_EVERY):
            self._line(f"{job.transaction_id}: {_counts(snapshot)}; {_pace(snapshot)}")
            self._done, self._printed_at = snapshot.done, now

    def _status_line(self, snapshot: Snapshot) -> None:
        self._line(f"{snapshot.job.transaction_id} on {snapshot.shop_name}: {snapshot.job.status}")
        self._status = snapshot.job.status

    def _line(self, text: str) -> None:
        self._console.print(safe(text), highlight=False, soft_wrap=True)
