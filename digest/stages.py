"""What each stage of a run costs: wall time, CPU time and peak memory (of this process,
and of this process with its worker processes at the same moment).

A caller that wants the figures (`digest run --timings`, benchmarks/bench.py) opens a
StageClock around the run; code anywhere below marks its work with `stage("name")`, which
does nothing when no clock is open, the normal case. Nested stages are exclusive: the time
spent in "language" inside "clean" is charged to "language" only. Stages opened in worker
threads are not counted (the clock belongs to the thread that opened it); their time goes
to the stage that started the workers.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from itertools import count as iter_count
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

_PAGE = resource.getpagesize()
_SAMPLE_SECONDS = 0.01
# Child processes are looked for every this many samples: it means reading all of /proc.
_CHILDREN_EVERY = 10


@dataclass
class StageCost:
    wall: float = 0.0  # seconds
    cpu: float = 0.0  # seconds of the whole process (all threads)
    peak: int = 0  # highest resident memory seen during the stage, bytes
    peak_all: int = 0  # the same, of this process and its child processes together
    calls: int = 0


def resident_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process now (Linux /proc); of this one, the peak so far elsewhere."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return peak_bytes() if pid == "self" else 0


def child_pids() -> list[int]:
    """This process's child processes (Linux /proc; none elsewhere). Only after their exec
    do they count: a child's resident size right after fork is the parent's pages, shared,
    which is also why the children's ru_maxrss says nothing about a worker's own memory."""
    if not Path("/proc/self/stat").exists():
        return []
    me, command, children = os.getpid(), Path("/proc/self/cmdline").read_bytes(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # After the ")" ending the command name: state, then the parent's pid.
                if (int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1]) == me
                        and entry.joinpath("cmdline").read_bytes() != command):  # not exec'd yet
                    children.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # ended while we looked
    return children


def peak_bytes() -> int:
    """Highest resident memory of this process since it started."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class StageClock:
    """Collects StageCost per stage name while open (a context manager)."""

    def __init__(self) -> None:
        self.costs: dict[str, StageCost] = {}
        self._stack: list[list] = []  # [name, wall started, cpu started]
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="stage-memory", daemon=True)
        self._token = None
        self._children: list[int] = []
        self._noted = 0.0  # when memory was last read: reading /proc costs more than a short stage

    def __enter__(self) -> StageClock:
        self._token = _CLOCK.set(self)
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._sampler.join()
        _CLOCK.reset(self._token)

    def enter(self, name: str) -> None:
        self._pause()
        self._stack.append([name, time.perf_counter(), time.process_time()])
        self.cost(name).calls += 1
        self._note_memory(_SAMPLE_SECONDS)

    def leave(self) -> None:
        self._note_memory(_SAMPLE_SECONDS)
        self._pause()
        self._stack.pop()
        if self._stack:  # the enclosing stage runs again from now
            self._stack[-1][1:] = [time.perf_counter(), time.process_time()]

    def cost(self, name: str) -> StageCost:
        return self.costs.setdefault(name, StageCost())

    def _pause(self) -> None:
        """Charge the running stage with its time since it last started."""
        if self._stack:
            name, wall, cpu = self._stack[-1]
            cost = self.cost(name)
            cost.wall += time.perf_counter() - wall
            cost.cpu += time.process_time() - cpu

    def _note_memory(self, at_most_every: float = 0.0) -> None:
        """Read memory (at most every `at_most_every` seconds, unless the stage has no figure yet)."""
        if self._stack:
            cost, now = self.cost(self._stack[-1][0]), time.perf_counter()
            if cost.peak and now - self._noted < at_most_every:
                return
            self._noted = now
            mine = resident_bytes()
            cost.peak = max(cost.peak, mine)
            cost.peak_all = max(cost.peak_all, mine + sum(map(resident_bytes, self._children)))

    def _sample(self) -> None:
        # Memory peaks inside a stage (a big matrix freed before it ends) need sampling.
        for count in iter_count():
            if self._stop.wait(_SAMPLE_SECONDS):
                return
            if count % _CHILDREN_EVERY == 0:
                self._children = child_pids()
            try:
                self._note_memory()
            except IndexError:  # the stage ended while we looked
                continue


_CLOCK: ContextVar[StageClock | None] = ContextVar("digest_stage_clock", default=None)


def table(costs: dict[str, StageCost]) -> str:
    """The costs as an aligned text table, stages in the order they first ran."""
    lines = [f"{'stage':<14} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'with workers':>12}"]
    lines += [f"{name:<14} {c.wall:>8.2f} {c.cpu:>8.2f} {c.peak / 2**20:>9.0f} {c.peak_all / 2**20:>12.0f}"
              for name, c in costs.items()]
    return "\n".join(lines)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Charge the enclosed work to stage `name` of the open StageClock, if any."""
    clock = _CLOCK.get()
    if clock is None:
        yield
        return
    clock.enter(name)
    try:
        yield
    finally:
        clock.leave()
