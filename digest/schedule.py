"""`digest schedule`: `digest run` on the config's cron schedule until SIGINT or SIGTERM.

APScheduler 3 with its SQLAlchemy job store in the project's own database: the job's next
fire time survives a restart, so a run that fell due while the scheduler was down still
happens once on start (coalesced, if within the misfire grace time), and a restart never
adds a second job. One scheduler per database (a lock held for the process's lifetime),
runs one at a time (one worker, `max_instances=1`, and the run lock shared with `digest run`).

The first signal stops the scheduler after the run in progress; a second one aborts at once,
which is safe: outputs are written atomically and the database in transactions.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from . import pipeline
from .config import Config, load_config
from .lock import exclusive, lock_path
from .store import Store

log = logging.getLogger(__name__)

JOB_ID = "digest-run"
RUN_NOW_ID = "digest-run-now"
JOB_TABLE = "apscheduler_jobs"
DEFAULT_WAIT = 600  # seconds a scheduled run waits for a run already in progress
DEFAULT_GRACE = 3600  # seconds after its time that a missed run still runs


def build_scheduler(config: Config) -> BackgroundScheduler:
    """A scheduler whose cron job lives in the config's database; --run-now jobs stay in memory.

    Creates and migrates the database first (StoreError if it cannot be used).
    """
    Store(config.database).close()
    store = SQLAlchemyJobStore(url=config.database_url, tablename=JOB_TABLE,
                               engine_options={"connect_args": {"timeout": 30}})  # wait out a run's writes
    return BackgroundScheduler(
        jobstores={"default": store, "memory": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},  # runs never overlap in this process
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=config.zone,
    )


def register(scheduler: BackgroundScheduler, config: Config, *, wait: float = DEFAULT_WAIT,
             grace: int = DEFAULT_GRACE, run_now: bool = False) -> Job:
    """Put the cron job in the (started, paused) scheduler; returns it.

    A stored job with the same trigger keeps its next fire time, even a past one: that run was
    missed while no scheduler ran, and is still owed. A changed schedule replaces the job.
    """
    trigger = config.trigger()
    args = (str(config.config_path), wait)
    job = scheduler.get_job(JOB_ID, "default")
    if job is None or repr(job.trigger) != repr(trigger):
        job = scheduler.add_job(run_job, trigger, args=args, id=JOB_ID, name=f"digest run {config.config_path}",
                                jobstore="default", replace_existing=True, misfire_grace_time=grace)
    else:
        job = scheduler.modify_job(JOB_ID, "default", args=args, misfire_grace_time=grace)
    if run_now:
        now = datetime.now(config.zone)
        scheduler.add_job(run_job, "date", run_date=now, args=args, id=RUN_NOW_ID, jobstore="memory",
                          name="digest run (--run-now)", replace_existing=True, misfire_grace_time=None)
        if job.next_run_time is not None and job.next_run_time <= now:  # the run now pays a missed one
            job = scheduler.modify_job(JOB_ID, "default", next_run_time=trigger.get_next_fire_time(None, now))
    return job


def shut_down(scheduler: BackgroundScheduler, wait: bool = True) -> None:
    """Stop `scheduler` (waiting for the run in progress when `wait`), leaving the stored job as is.

    APScheduler 3 looks for due jobs once more after shutdown() and, unable to submit them,
    still advances their next fire time (agronholm/apscheduler#285): a run falling due at that
    moment would be lost. Detaching the persistent store first keeps the job out of reach.
    """
    scheduler.pause()
    scheduler.remove_jobstore("default")
    scheduler.shutdown(wait=wait)


def run_job(config_path: str, wait: float) -> None:
    """One scheduled run. Its outcome is logged, never raised: the schedule goes on."""
    started = time.monotonic()
    try:
        config = load_config(config_path)
        log.info("run started at %s", datetime.now(config.zone).isoformat(timespec="seconds"))
        result = pipeline.run(config, wait=wait)
    except Exception as exc:  # noqa: BLE001 (a failed run, or a bug, must not stop the schedule)
        log.error("run failed after %.1f s: %s", time.monotonic() - started, str(exc) or type(exc).__name__)
        return
    log.info("run ok: %d stories, %d new articles, brief in %s (%.1f s)", len(result.briefing.stories),
             result.new_articles, result.folder, time.monotonic() - started)


def _announce(config: Config, job: Job, grace: int) -> None:
    due = job.next_run_time.isoformat(timespec="seconds")
    if job.next_run_time <= datetime.now(config.zone):
        log.info("schedule %r (%s): the run due at %s was missed while stopped; it runs now if less than %d s "
                 "late", config.schedule, config.timezone, due, grace)
    else:
        log.info("schedule %r (%s): next run at %s", config.schedule, config.timezone, due)


class _Stop:
    """Signal handling: the first SIGINT/SIGTERM asks for a stop, the second aborts."""

    def __init__(self) -> None:
        self.requested = False
        self.previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested:
            log.warning("%s again: aborting now", name)
            os._exit(128 + signum)  # abrupt but safe: atomic writes, transactions, a kernel-held lock
        self.requested = True
        log.info("%s: stopping after the run in progress, if any (signal again to abort)", name)

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def run_schedule(config: Config, *, run_now: bool = False, wait: float = DEFAULT_WAIT,
                 grace: int = DEFAULT_GRACE) -> None:
    """Run on the schedule until SIGINT/SIGTERM (main thread only). LockBusy: another scheduler runs."""
    with exclusive(lock_path(config, "schedule.lock"), 0, "another digest schedule of this database"):
        scheduler = build_scheduler(config)
        scheduler.start(paused=True)
        stop = _Stop()
        try:
            job = register(scheduler, config, wait=wait, grace=grace, run_now=run_now)
            scheduler.resume()
            _announce(config, job, grace)
            while not stop.requested:
                time.sleep(0.2)  # a polled flag: Event.set() in a signal handler can deadlock
        finally:
            shut_down(scheduler)  # waits for the run in progress
            stop.restore()
        log.info("stopped")
