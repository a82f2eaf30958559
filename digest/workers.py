"""Run CPU-bound work of a run on every core: the first share here, the others in workers.

Parsing and cleaning are pure Python, so in one process the GIL runs them on one core. A
worker is a fresh interpreter that imports only digest (multiprocessing's spawn and
forkserver would also re-run the caller's __main__ in it, and fork would copy a process that
has threads, which can deadlock). It gets this process's sys.path first, so that it imports
the very same digest, then a module-level function's name and its share (pickled) on stdin;
it answers with the result and its log records on stdout, and those are logged here. A
worker that dies (a signal, a crash) has its share done here instead. No worker outlives the
call, even when it is interrupted.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Share = TypeVar("Share")
Result = TypeVar("Result")

_WORKER = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
           "from digest.workers import _worker; _worker()")


def cores() -> int:
    """The cores this process may use (not the machine's), at least 1."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split(items: Sequence[Any], parts: int, weight: Callable[[Any], int] = lambda _: 1) -> list[list[int]]:
    """Indexes of `items` in `parts` shares of about equal total weight (heaviest first)."""
    shares: list[list[int]] = [[] for _ in range(max(1, parts))]
    loads = [0] * len(shares)
    for index in sorted(range(len(items)), key=lambda i: -weight(items[i])):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += weight(items[index])
    return [sorted(share) for share in shares if share]


def map_shares(function: Callable[[Share], Result], shares: Sequence[Share]) -> list[Result]:
    """[function(share) for share in shares], the first share in this process (which has
    everything imported and warmed up already), each other share in a worker process.
    `function` must be a module-level function; shares and results must pickle."""
    if len(shares) <= 1 or not sys.executable:  # embedded Python: nothing to start workers with
        return [function(share) for share in shares]
    name = f"{function.__module__}:{function.__qualname__}"
    level = logging.getLogger("digest").getEffectiveLevel()
    processes: list[subprocess.Popen] = []
    try:
        for _ in shares[1:]:  # all start (and import) at once, then get their share
            # In a session of their own, out of reach of the terminal's Ctrl-C: what an interrupt
            # means (stop after this run, or now) is this process's to decide.
            processes.append(subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, start_new_session=True))
        for process, share in zip(processes, shares[1:]):
            with contextlib.suppress(OSError):  # a worker that died early is _collect's to handle
                process.stdin.write(pickle.dumps(sys.path) + pickle.dumps((name, share, level)))
                process.stdin.flush()
        here = function(shares[0])
        return [here, *(_collect(process, function, share) for process, share in zip(processes, shares[1:]))]
    finally:
        for process in processes:
            process.kill()  # a no-op once it has exited
            process.wait()
            with contextlib.suppress(OSError):
                process.stdin.close()
            process.stdout.close()


def _collect(process: subprocess.Popen, function: Callable, share: Any) -> Any:
    """A worker's result, its log records logged here; its share done here if it failed."""
    try:
        result, records = pickle.loads(process.stdout.read())
    except Exception:  # noqa: BLE001 (nothing, or a part: the worker died, by a signal or a crash)
        log.warning("a worker process failed (exit code %s): its share is done here instead", process.wait())
        return function(share)
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    return result


def _worker() -> None:
    """A worker process: (function name, share, log level) on stdin, (result, log records) on stdout."""
    # systemd's stop signal reaches every process of the service: like Ctrl-C, it is the
    # parent's to act on, which ends its workers (SIGKILL) if it stops before they are done.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever prints to stdout must not corrupt the result
    name, share, level = pickle.load(sys.stdin.buffer)
    # stdin ends when the parent is gone (os._exit, SIGKILL): do not go on working for nobody.
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(1)), daemon=True).start()
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("digest")
    logger.setLevel(level)
    logger.addHandler(_Keep(records))
    module, _, qualname = name.partition(":")
    function = importlib.import_module(module)
    for part in qualname.split("."):
        function = getattr(function, part)
    result = function(share)
    pickle.dump((result, records), out)
    out.close()
    # Done: leave without the interpreter's shutdown, which would wait on the thread blocked
    # reading stdin (and may abort over its lock).
    os._exit(0)


class _Keep(logging.Handler):
    """Keeps log records, made picklable (message formatted, traceback as text)."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        self.records.append(record)
