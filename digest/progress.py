"""Live progress of a run, step by step, for a person watching it on a terminal.

Code anywhere in a run says what it has done (`advance("clean")` per article cleaned) and,
where it knows, how much there is to do (`add_total`). Without an open display, the normal
case (cron, the scheduler, pipes, tests, the library), these calls do nothing. `digest run`
and `digest story` open a Display (rich's live progress bars on stderr) when stderr is a
terminal and --quiet is not given.

Worker processes (digest.workers) count too: a worker started while a display is open gets
the write end of a pipe, on which each of its calls becomes a line; a thread of this process
reads them and applies them to the display (relay()).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Protocol, TypeVar

Item = TypeVar("Item")

# The steps a display shows, in the order of a run, with what each one counts.
STEPS = {
    "read": "sources read",
    "pages": "article pages fetched",
    "clean": "articles cleaned",
    "store": "articles stored",
    "cluster": "stories formed",
    "summarize": "stories summarized",
    "pdf": "PDF pages laid out",
}


class Sink(Protocol):
    def update(self, step: str, *, total: int = 0, advance: int = 0, failed: int = 0, completed: int | None = None,
               note: str | None = None, done: bool = False) -> None: ...


_sink: Sink | None = None  # one per process, whatever thread reports


def active() -> bool:
    return _sink is not None


def update(step: str, **change: Any) -> None:
    """Apply a change to `step` (see Display.update), if anything shows progress."""
    sink = _sink
    if sink is not None:
        sink.update(step, **change)


def add_total(step: str, count: int) -> None:
    if count:  # a step with nothing to do is not shown
        update(step, total=count)


def advance(step: str, count: int = 1, failed: int = 0) -> None:
    update(step, advance=count, failed=failed)


def each(step: str, items: Iterable[Item]) -> Iterator[Item]:
    """The items, counted as done one by one as the caller asks for the next; the step ends with them."""
    items = list(items)
    add_total(step, len(items))
    for item in items:
        yield item
        advance(step)
    update(step, done=True)


@contextmanager
def step(name: str, note: str | None = None) -> Iterator[None]:
    """A step whose total is what it counted when it ends (stories formed, PDF pages)."""
    update(name, note=note)
    try:
        yield
    finally:
        update(name, done=True)


@contextmanager
def showing(sink: Sink) -> Iterator[None]:
    """Send this process's progress to `sink` while the block runs."""
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous


# --- worker processes --------------------------------------------------------------------


class Relay:
    """A pipe from a worker process: the worker writes its progress on it (`fd`, inherited),
    a thread here applies each line to this process's display until the worker closes it."""

    def __init__(self) -> None:
        self._read, self.fd = os.pipe()
        self._thread = threading.Thread(target=self._apply, name="digest-progress-relay", daemon=True)

    def start(self) -> None:
        """Once the worker has its copy of the write end: this process closes its own."""
        os.close(self.fd)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def _apply(self) -> None:
        with os.fdopen(self._read, "r", encoding="utf-8") as lines:
            for line in lines:
                try:
                    name, change = json.loads(line)
                    update(name, **change)
                except (ValueError, TypeError):
                    continue  # a worker killed mid-line


def relay() -> Relay | None:
    """A Relay for a worker about to start, or None when nothing shows progress."""
    return Relay() if active() else None


class _PipeSink:
    """A worker's progress, as lines on the pipe to its parent (each line one write: whole)."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()  # the worker's fetching threads report too

    def update(self, step: str, **change: Any) -> None:
        line = json.dumps([step, change]) + "\n"
        with self._lock:
            try:
                self._out.write(line)
                self._out.flush()
            except OSError:  # the parent is gone: the worker ends when it notices
                pass


def report_to_parent(fd: int) -> None:
    """In a worker process: send every progress call to the parent through pipe `fd`."""
    global _sink
    _sink = _PipeSink(os.fdopen(fd, "w", encoding="utf-8"))


# --- the display -------------------------------------------------------------------------


@dataclass
class _Count:
    task: Any  # rich's task id
    done: int = 0
    total: int | None = None  # None: not known (yet)
    failed: int = 0
    note: str = ""
    open_ended: bool = True  # no total was ever given: the count alone is shown


class Display:
    """Progress bars on stderr (rich), a line per step as the run reaches it: the count, of
    the total where one is known, failures, the time spent and an estimate of the time left.
    Log lines written to stderr meanwhile appear above the bars. Open it with `with`."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓"), TextColumn("{task.description}"), BarColumn(bar_width=24),
            TextColumn("{task.fields[count]}"), TextColumn("{task.fields[note]}"), _times_column(),
            console=Console(stderr=True), refresh_per_second=5, redirect_stdout=False)
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()
        self._showing = showing(self)

    def __enter__(self) -> Display:
        self._progress.start()
        self._showing.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._showing.__exit__(*exc)
        self._progress.stop()

    def update(self, step: str, *, total: int = 0, advance: int = 0, failed: int = 0, completed: int | None = None,
               note: str | None = None, done: bool = False) -> None:
        """Add to the step's total, its count and its failures; set its count or its note;
        `done` ends it (its total is then what it counted)."""
        with self._lock:
            count = self._counts.get(step)
            if count is None:
                label = f"{STEPS.get(step, step):<22}"
                count = self._counts[step] = _Count(self._progress.add_task(label, total=None, count="", note=""))
            count.done = count.done + advance if completed is None else completed
            count.failed += failed
            count.note = count.note if note is None else note
            if total:
                count.total, count.open_ended = (count.total or 0) + total, False
                self._reopen(count)
            if done:
                count.total = count.done
            shown = f"{count.done:,}" if count.open_ended else f"{count.done:,}/{count.total:,}"
            failures = f" [red]{count.failed:,} failed[/]" if count.failed else ""
            self._progress.update(count.task, total=count.total, completed=count.done, count=shown,
                                  note=f"{count.note}{failures}".strip())

    def _reopen(self, count: _Count) -> None:
        """rich ends a task when its count reaches its total; a total that grows after that
        (a worker whose share was read later) starts it again."""
        if count.done < (count.total or 0):
            for task in self._progress.tasks:
                if task.id == count.task:
                    task.finished_time = None


def _times_column() -> Any:
    """Time spent on the step; while it runs, and rich can tell from its pace, the time left."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Times(ProgressColumn):
        def render(self, task: Any) -> Text:
            spent = _clock(task.finished_time if task.finished else task.elapsed)
            left = None if task.finished or task.total is None else task.time_remaining
            return Text(spent if left is None else f"{spent}, about {_clock(left)} left", style="progress.elapsed")

    return Times()


def _clock(seconds: float | None) -> str:
    minutes, seconds = divmod(int(seconds or 0), 60)
    return f"{minutes}:{seconds:02d}"
