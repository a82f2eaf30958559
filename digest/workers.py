"""Run CPU-bound work of a run on every core: map_shares() does the first share here and
the others in workers; a Worker does one piece of work beside this process's own.

Parsing and cleaning are pure Python, so in one process the GIL runs them on one core. A
worker is a fresh interpreter that imports only digest (multiprocessing's spawn and
forkserver would also re-run the caller's __main__ in it, and fork would copy a process that
has threads, which can deadlock). It gets this process's sys.path first, so that it imports
the very same digest, then a module-level function's name and its arguments (pickled) on stdin;
it answers with the result and its log records on stdout, and those are logged here (its
progress, while this process shows progress, goes on a pipe of its own: digest.progress). A
worker that dies (a signal, a crash) has its work done here instead. No worker outlives the
call (or the with block), even when it is interrupted.
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
from collections.abc import Callable, Collection, Sequence
from typing import IO, Any, TypeVar

from . import progress

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


def split(items: Sequence[Any], parts: int, weight: Callable[[Any], int] = lambda _: 1,
          first: Collection[int] = (), head_start: int = 0) -> list[list[int]]:
    """Indexes of `items` in `parts` shares of about equal total weight (heaviest first);
    the `first` items are in the first share, which also counts `head_start` more weight
    (other work its process has to do)."""
    shares: list[list[int]] = [[] for _ in range(max(1, parts))]
    loads = [0] * len(shares)
    taken = set(first)
    shares[0].extend(taken)
    loads[0] = head_start + sum(weight(items[i]) for i in taken)
    for index in sorted((i for i in range(len(items)) if i not in taken), key=lambda i: -weight(items[i])):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += weight(items[index])
    return [sorted(share) for share in shares if share]


def map_shares(function: Callable[[Share], Result], shares: Sequence[Share],
               meanwhile: Callable[[Result], None] | None = None) -> list[Result]:
    """[function(share) for share in shares], the first share in this process (which has
    everything imported and warmed up already), each other share in a worker process.
    With workers, `meanwhile` is given this process's result as soon as it is done, and runs
    while they finish theirs. `function` must be a module-level function; shares and results
    must pickle."""
    if len(shares) <= 1 or not sys.executable:  # embedded Python: nothing to start workers with
        return [function(share) for share in shares]
    with contextlib.ExitStack() as stack:
        workers = [stack.enter_context(Worker(function, share)) for share in shares[1:]]
        here = function(shares[0])
        if meanwhile is not None:
            meanwhile(here)
        return [here, *(worker.result() for worker in workers)]


def spread(function: Callable[..., list[Result]], items: Sequence[Any], weights: Sequence[int],
           per_process: int, *args: Any, here: Collection[int] = (),
           meanwhile: Callable[[dict[int, Result]], None] | None = None, meanwhile_weight: int = 0) -> list[Result]:
    """function(items, *args), which gives one result per item, with the items shared out
    among up to one process per core, one per `per_process` of their total weight; results
    in the order of `items`. The items indexed in `here` are done in this process; with
    workers, `meanwhile` gets this process's results ({index: result}) while they finish,
    and this process's share is lighter by `meanwhile_weight`, what `meanwhile` costs in
    the items' weight, so that all finish together."""
    parts = min(cores(), sum(weights) // max(per_process, 1))
    shares = (split(weights, parts, weight=lambda w: w, first=here, head_start=meanwhile_weight if meanwhile else 0)
              if parts > 1 else [list(range(len(items)))])
    mine = (lambda done: meanwhile(dict(zip(shares[0], done)))) if meanwhile else None
    done = map_shares(_apply, [(function, [items[i] for i in share], args) for share in shares], mine)
    results: list[Any] = [None] * len(items)
    for share, outcome in zip(shares, done):
        for i, result in zip(share, outcome):
            results[i] = result
    return results


def _apply(share: tuple[Callable[..., Any], list[Any], tuple]) -> Any:
    function, items, args = share
    return function(items, *args)


class Worker:
    """function(*args) in a worker process, started on entering, while this process does
    something else; result() waits for it (and does the work here if the worker died, or
    with `here`, when the work is too small to pay for a process). On leaving, the worker
    is ended whatever state it is in. `function` must be a module-level function; its
    arguments and result must pickle."""

    def __init__(self, function: Callable[..., Result], *args: Any, here: bool = False) -> None:
        self.function, self.args, self.here = function, args, here
        self.process: subprocess.Popen | None = None
        self.sending: threading.Thread | None = None
        self.receiving: threading.Thread | None = None
        self.answer = b""
        self.relay: progress.Relay | None = None

    def __enter__(self) -> Worker:
        if self.here or not sys.executable:  # embedded Python: nothing to start workers with
            return self
        # In a session of its own, out of reach of the terminal's Ctrl-C: what an interrupt
        # means (stop after this run, or now) is this process's to decide.
        self.relay = progress.relay()  # what the worker does counts on this process's display
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, start_new_session=True,
                                        pass_fds=(self.relay.fd,) if self.relay else ())
        name = f"{self.function.__module__}:{self.function.__qualname__}"
        level = logging.getLogger("digest").getEffectiveLevel()
        message = pickle.dumps(sys.path) + pickle.dumps((name, self.args, level, self.relay and self.relay.fd))
        if self.relay:
            self.relay.start()
        # Sent from a thread: the pipe takes a big share only as fast as the worker, still
        # importing, reads it, and this process has its own work to do meanwhile.
        self.sending = threading.Thread(target=_send, args=(self.process, message), daemon=True)
        self.sending.start()
        # Its answer is read as it comes, from a thread: a worker done first writes it while
        # this process is still busy with its own share, instead of blocking on a full pipe.
        self.receiving = threading.Thread(target=self._receive, args=(self.process.stdout,), daemon=True)
        self.receiving.start()
        return self

    def _receive(self, stdout: IO[bytes]) -> None:
        self.answer = stdout.read()

    def result(self) -> Any:
        """The worker's result, its log records logged here; its share done here if it failed."""
        if self.process is None:
            return self.function(*self.args)
        if self.sending is not None:
            self.sending.join()
        if self.receiving is not None:
            self.receiving.join()
        answer, self.answer = self.answer, b""  # not kept beside what it becomes
        try:
            result, records = pickle.loads(answer)
        except Exception:  # noqa: BLE001 (nothing, or a part: the worker died, by a signal or a crash)
            log.warning("a worker process failed (exit code %s): its share is done here instead",
                        self.process.wait())
            return self.function(*self.args)
        for record in records:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return result

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.kill()  # a no-op once it has exited
        self.process.wait()
        if self.sending is not None:
            self.sending.join()  # the dead worker's pipe fails the write at once
        if self.receiving is not None:
            self.receiving.join()  # and its output ends
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.stdout.close()
        if self.relay is not None:
            self.relay.join()  # the worker's last counts are on the display before its work is used


def _send(process: subprocess.Popen, message: bytes) -> None:
    with contextlib.suppress(OSError):  # a worker that died early is result()'s to handle
        process.stdin.write(message)
        process.stdin.flush()


def _worker() -> None:
    """A worker process: (function name, arguments, log level) on stdin, (result, log records) on stdout."""
    # systemd's stop signal reaches every process of the service: like Ctrl-C, it is the
    # parent's to act on, which ends its workers (SIGKILL) if it stops before they are done.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever prints to stdout must not corrupt the result
    name, args, level, progress_fd = pickle.load(sys.stdin.buffer)
    if progress_fd is not None:
        progress.report_to_parent(progress_fd)
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
    result = function(*args)
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
