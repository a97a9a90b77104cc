"""A large JSON Lines catalog prepared by worker processes (`source.workers`).

Reading, mapping and fingerprinting are most of a large plan's time, and need neither the
store's links nor Etsy (flows/prepare.py). Here the plan's process reads the file's lines and
hands them out in runs of `RUN_LINES` to worker processes, which parse and prepare each run; the
plan takes the entries back in the file's order and stages them while the workers prepare the
next runs. At most `RUNS_AHEAD` runs per worker are out at a time, so memory stays flat however
large the file.

What crosses between the processes is small: a run's raw lines one way; each entry's facts,
reasons and warnings, and its draft as JSON with the few facts the plan reads of it (title,
SKUs, state, image count) the other way. A new product is staged from those alone; the draft
is read back from its JSON only for a product that has a link, whose draft the planner
compares with the last push (`PreparedListing`). A product
with three options is prepared in the plan's process: its third option needs the category's
properties, which only the plan's process reads from Etsy.

Each worker is a fresh interpreter (`python -m etsysync_cli.flows.prepare_pool`) talking pickle
over its stdin and stdout, each message after its length (`_send`, `_receive`): a fork of a
process that holds an SQLite connection, an HTTP client and threads could inherit a lock that
nothing will release, and multiprocessing's `spawn` runs the caller's main module again in each
worker. Workers ignore SIGINT (Ctrl-C is the plan's to
handle, and its closing of the pool ends them) and end when their stdin does, so a plan killed
outright leaves none behind.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any

from etsysync_cli.domain.listing import DraftFacts
from etsysync_cli.domain.mapping import MappedListing, PreparedListing, draft_fingerprint
from etsysync_cli.domain.product import Product
from etsysync_cli.domain.variations import PropertyLookup, VariationProperty
from etsysync_cli.errors import SourceError
from etsysync_cli.flows.prepare import Context, Prepared, prepare
from etsysync_cli.sources.files import JSONL_SUFFIXES, parse_jsonl

RUN_LINES = 250  # lines a worker prepares at a time
RUNS_AHEAD = 4  # runs handed out per worker before the plan takes one back
AUTO_MIN_BYTES = 4 * 1024 * 1024  # below this, starting workers costs more than it saves


def workers_for(path: Path, setting: int) -> int:
    """How many workers prepare this catalog: 0 for none (the plan's own process does)."""
    if path.suffix.lower() not in JSONL_SUFFIXES or setting == 1:
        return 0
    if setting >= 2:
        return setting
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cpus or cpus < 2:
        return 0
    try:
        size = path.stat().st_size
    except OSError:
        return 0  # the plan's own reading says what is wrong
    return cpus if size >= AUTO_MIN_BYTES else 0


@contextmanager
def started(path: Path | None, setting: int) -> Iterator[Workers | None]:
    """The workers that will prepare this catalog (None when the plan's own process does),
    started now so that their start-up overlaps the plan's reading of the shop and of Etsy;
    stopped on leaving, however the plan ends (a `--limit`, an error, Ctrl-C)."""
    workers = None
    if path is not None and (count := workers_for(path, setting)):
        # No interpreter could be started (OSError): the plan's own process prepares alone.
        with contextlib.suppress(OSError):
            workers = Workers(path, count)
    try:
        yield workers
    finally:
        if workers is not None:
            workers.stop()


class Workers:
    """The worker processes of one plan's catalog."""

    def __init__(self, path: Path, count: int) -> None:
        self.path = path
        self.pool: list[_Worker] = []
        try:
            for _ in range(count):
                self.pool.append(_Worker())
        except OSError:
            self.stop()
            raise

    def prepared(self, context: Context, properties: PropertyLookup) -> Iterator[Prepared]:
        """The catalog's entries, prepared by the workers, in the file's order."""
        path, pool = self.path, self.pool
        try:
            file = path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        with file:
            for worker in pool:
                worker.send(("start", context, str(path.parent.absolute()), path.name))
            out: deque[_Worker] = deque()  # the worker of each run handed out, in order
            for index, run in enumerate(_runs(file, path)):
                if len(out) >= len(pool) * RUNS_AHEAD:
                    yield from _entries(out.popleft().result(), context, properties)
                worker = pool[index % len(pool)]
                worker.send(run)
                out.append(worker)
            while out:
                yield from _entries(out.popleft().result(), context, properties)

    def stop(self) -> None:
        for worker in self.pool:
            worker.stop()


class _Worker:
    """One worker process: runs go to its stdin (by a thread of its own, so that a worker busy
    writing what it prepared never waits for the plan to finish writing it more lines), and
    come back prepared, in the order sent, on its stdout."""

    def __init__(self) -> None:
        package = str(Path(__file__).resolve().parents[2])  # where etsysync_cli is imported from
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([package, path] if path else [package])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "etsysync_cli.flows.prepare_pool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.runs: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.feeder = threading.Thread(target=self._feed, name="prepare-feeder", daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (run := self.runs.get()) is not None:
                _send(stdin.fileno(), run)
        except (BrokenPipeError, OSError):
            pass  # the worker is gone: `result` says so
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def send(self, run: tuple[Any, ...]) -> None:
        self.runs.put(run)

    def result(self) -> list[tuple[Any, ...]]:
        assert self.process.stdout is not None
        try:
            sent: list[tuple[Any, ...]] = _receive(self.process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            code = self.process.poll()
            raise SourceError(
                "a worker process reading the catalog stopped"
                + (f" (exit code {code})" if code is not None else ""),
                hint="plan again; `etsysync config set source.workers 1` reads the catalog in "
                "the plan's own process",
            ) from None
        return sent

    def stop(self) -> None:
        """End the worker: its stdin closes, and what it was still to write has no reader."""
        self.runs.put(None)
        if self.process.stdout is not None:
            self.process.stdout.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the messages ----------------------------------------------------------------------------

_LENGTH = struct.Struct(">Q")  # a message's size in bytes, before the message


def _send(fd: int, message: Any) -> None:
    """Write `message` whole to the pipe `fd`.

    With `os.write` until every byte is out, not through a buffered file: on CPython 3.11, a
    buffered file's large write into a full pipe loses the rest of what it was writing when a
    stop signal pauses the writer part-way (Ctrl-Z then `fg`, a debugger, a profiler), and the
    reader then takes the next message for the end of this one
    (tests/faults/test_plan_workers_stopped.py)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(stream: IO[bytes]) -> Any:
    """The next message; EOFError when the stream ends, even part-way through one."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)  # a buffered pipe: reads until `size` bytes or the end
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def _runs(file: IO[bytes], path: Path) -> Iterator[tuple[int, list[bytes], bool]]:
    """(first line's number, the lines, whether no line before held anything)."""
    number, blank_so_far = 1, True
    while True:
        try:
            lines = list(islice(file, RUN_LINES))
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not lines:
            return
        yield number, lines, blank_so_far
        blank_so_far = blank_so_far and not any(line.strip() for line in lines)
        number += len(lines)


def _entries(
    sent: list[tuple[Any, ...]], context: Context, properties: PropertyLookup
) -> Iterator[Prepared]:
    for kind, *fields in sent:
        if kind == "error":
            message, hint = fields
            raise SourceError(message, hint=hint)
        if kind == "fault":
            raise RuntimeError(f"a worker process failed preparing the catalog:\n{fields[0]}")
        if kind == "here":  # needs Etsy: prepared in this process
            yield prepare(fields[0], context, properties)
            continue
        key, title, bad, unwanted, skipped, mapped, source_fingerprint = fields
        if isinstance(mapped, tuple):
            payload, warnings, fingerprint, (draft_title, skus, state, images) = mapped
            facts = DraftFacts(draft_title, frozenset(skus), state, images)
            mapped = PreparedListing(payload, warnings, fingerprint, facts)
        yield Prepared(key, title, bad, unwanted, skipped, mapped, source_fingerprint)


# --- in a worker -----------------------------------------------------------------------------


def serve() -> None:
    """A worker's life: a start message, then runs of lines until its stdin ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the plan's to handle
    stdin, stdout = sys.stdin.buffer, sys.stdout.fileno()
    try:
        _, context, base_dir, name = _receive(stdin)
        while True:
            start, lines, first = _receive(stdin)
            _send(stdout, _prepare_run(context, Path(base_dir), name, start, lines, first))
    except (EOFError, BrokenPipeError):
        pass  # the plan is done with this worker (or gone): nothing more to read or to tell


class _NeedsEtsy(Exception):
    """A product's third option must be looked up on Etsy, which a worker does not read."""


def _no_etsy(taxonomy_id: int) -> list[VariationProperty]:
    raise _NeedsEtsy


def _prepare_run(
    context: Context, base_dir: Path, name: str, start: int, lines: list[bytes], first: bool
) -> list[tuple[Any, ...]]:
    sent: list[tuple[Any, ...]] = []
    results = parse_jsonl(lines, base_dir=base_dir, name=name, start=start, first=first)
    try:
        for result in results:
            try:
                entry = prepare(result, context, _no_etsy)
            except _NeedsEtsy:
                assert isinstance(result, Product)
                sent.append(("here", result))
                continue
            sent.append(("entry", *_fields(entry)))
    except SourceError as exc:  # the file itself is wrong: the plan stops with this
        sent.append(("error", exc.message, exc.hint))
    except Exception:  # a fault of etsysync's: the plan stops with its traceback
        sent.append(("fault", traceback.format_exc()))
    return sent


def _fields(entry: Prepared) -> tuple[Any, ...]:
    mapped: Any = entry.mapped
    if isinstance(mapped, MappedListing):
        draft = mapped.draft
        facts = (draft.title, tuple(draft.inventory.skus), draft.state, len(draft.images))
        mapped = (draft.model_dump_json(), mapped.warnings, draft_fingerprint(draft), facts)
    return (
        entry.key,
        entry.title,
        entry.bad,
        entry.unwanted,
        entry.skipped,
        mapped,
        entry.source_fingerprint,
    )


if __name__ == "__main__":
    serve()
