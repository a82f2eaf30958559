"""One run at a time across processes: an OS file lock next to the database.

`digest run`, `digest schedule`, `digest deliver` and a cron job started by hand all take
`<database>.lock` (filelock: flock(2) on POSIX). The kernel drops the lock when its holder
dies, even by `kill -9`, so a crash never leaves a stale lock behind. The holder writes its
pid into the file so that a process that cannot get the lock can say who has it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .config import Config
from .store import sqlite_path

log = logging.getLogger(__name__)


class LockBusy(Exception):
    """Another process holds the lock, and did not let go within the wait."""


def lock_path(config: Config, kind: str = "lock") -> Path:
    """`<database>.<kind>`; an in-memory database has no file, so its lock lives in OUT."""
    database = sqlite_path(config.database_url)
    if database == ":memory:":
        return config.out / f".digest.{kind}"
    return Path(f"{database}.{kind}")


@contextmanager
def exclusive(path: Path, wait: float, what: str) -> Iterator[None]:
    """Hold the lock at `path`, waiting up to `wait` seconds for its holder; LockBusy after that.

    `what` names the holder in messages ("a digest run").
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if wait <= 0:
            raise LockBusy(f"{what} is in progress{_holder(path)} (lock {path})") from None
        log.warning("%s is in progress%s; waiting up to %g s for it (lock %s)", what, _holder(path), wait, path)
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise LockBusy(f"{what} is still in progress{_holder(path)} after {wait:g} s (lock {path})") from None
    try:
        _write_holder(path, f"{os.getpid()}\n")
        yield
    finally:
        _write_holder(path, "")  # no stale pid for the next contender to blame
        lock.release()


@contextmanager
def run_lock(config: Config, wait: float = 0.0) -> Iterator[None]:
    """The lock every run and delivery of this database takes."""
    with exclusive(lock_path(config), wait, "another digest run"):
        yield


def _write_holder(path: Path, text: str) -> None:
    # A plain write beside filelock's descriptor: contenders open the file without O_TRUNC.
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
