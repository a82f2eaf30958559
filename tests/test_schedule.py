"""`digest schedule`: the persisted cron job (no run lost or doubled across restarts), misfires,
--run-now, and stopping on signals — in process, and once as a real process with SIGTERM."""

from __future__ import annotations

import logging
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from digest import pipeline, schedule
from digest.cli import cli
from digest.config import load_config
from digest.lock import LockBusy, exclusive, lock_path
from digest.schedule import (
    JOB_ID,
    RUN_NOW_ID,
    build_scheduler,
    register,
    run_schedule,
    shut_down,
)

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the demo that writes only JSON and HTML (fast); returns its feeds.yaml."""
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    return configure(tmp_path / "examples" / "demo" / "feeds.yaml", formats=["json", "html"])


def configure(path: Path, **changes) -> Path:
    data = yaml.safe_load(path.read_text("utf-8"))
    path.write_text(yaml.safe_dump({**data, **changes}, allow_unicode=True), "utf-8")
    return path


def stored_job(config_path: Path):
    """The cron job as the database holds it, through a fresh scheduler (as after a restart)."""
    scheduler = build_scheduler(load_config(config_path))
    scheduler.start(paused=True)
    try:
        return scheduler.get_job(JOB_ID), len(scheduler.get_jobs())
    finally:
        shut_down(scheduler, wait=False)


def seed(config_path: Path, next_run_time: datetime | None = None, **options) -> None:
    """Register the job as a previous `digest schedule` would have, optionally due at `next_run_time`."""
    config = load_config(config_path)
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    register(scheduler, config, **options)
    if next_run_time is not None:
        scheduler.modify_job(JOB_ID, "default", next_run_time=next_run_time)
    shut_down(scheduler, wait=False)


def count_runs(config_path: Path, status: str = "ok") -> int:
    """Runs of that status; 0 while the database or its tables do not exist yet."""
    database = load_config(config_path).database
    if not database.exists():
        return 0
    with sqlite3.connect(database) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM runs WHERE status = ?", (status,)).fetchone()[0]
        except sqlite3.OperationalError:  # not migrated yet
            return 0


def test_the_job_is_stored_in_the_database_with_the_configs_trigger(demo):
    seed(demo, grace=120)
    config = load_config(demo)
    job, jobs = stored_job(demo)
    assert jobs == 1
    assert repr(job.trigger) == repr(config.trigger())
    expected = config.trigger().get_next_fire_time(None, datetime.now(config.zone))
    assert job.next_run_time == expected and job.next_run_time.hour == 6  # "0 6 * * *" in Asia/Jakarta
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 120)
    assert job.args == (str(config.config_path), schedule.DEFAULT_WAIT)


def test_a_restart_keeps_the_owed_run_and_adds_no_second_job(demo):
    owed = datetime.now(load_config(demo).zone) - timedelta(minutes=5)
    seed(demo, next_run_time=owed)
    seed(demo)  # the restart: same schedule
    job, jobs = stored_job(demo)
    assert jobs == 1 and job.next_run_time == owed


def test_a_changed_schedule_replaces_the_job(demo):
    seed(demo, next_run_time=datetime.now(load_config(demo).zone) - timedelta(minutes=5))
    configure(demo, schedule="30 7 * * 1-5")
    seed(demo)
    job, jobs = stored_job(demo)
    assert jobs == 1 and (job.next_run_time.hour, job.next_run_time.minute) == (7, 30)
    assert job.next_run_time.weekday() < 5


def test_run_now_runs_at_once_and_pays_an_owed_run(demo):
    config = load_config(demo)
    now = datetime.now(config.zone)
    seed(demo, next_run_time=now - timedelta(minutes=5))
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    try:
        job = register(scheduler, config, run_now=True)
        once = scheduler.get_job(RUN_NOW_ID)
        assert abs(once.next_run_time - now) < timedelta(seconds=5)
        assert job.next_run_time == config.trigger().get_next_fire_time(None, datetime.now(config.zone))
    finally:
        shut_down(scheduler, wait=False)
    assert stored_job(demo)[1] == 1  # the one-off run is not persisted


def _process(demo: Path, next_run_time: datetime, monkeypatch, **options) -> tuple[list, object]:
    """Start a scheduler on a seeded job with a fake pipeline.run; returns (calls, job after)."""
    calls: list = []
    monkeypatch.setattr(pipeline, "run", lambda config, wait: calls.append(wait))
    seed(demo, next_run_time=next_run_time, **options)
    config = load_config(demo)
    scheduler = build_scheduler(config)
    scheduler.start(paused=True)
    register(scheduler, config, **options)
    scheduler.resume()
    deadline = time.monotonic() + 10
    while scheduler.get_job(JOB_ID).next_run_time <= datetime.now(config.zone):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    shut_down(scheduler)
    return calls, stored_job(demo)[0]


def test_runs_missed_within_the_grace_time_run_once(demo, monkeypatch):
    configure(demo, schedule="*/5 * * * *")
    missed_since = datetime.now(load_config(demo).zone) - timedelta(minutes=22)  # 4 or 5 fire times
    calls, job = _process(demo, missed_since, monkeypatch, grace=3600, wait=7.0)
    assert calls == [7.0]  # coalesced into one run
    assert job.next_run_time > datetime.now(job.next_run_time.tzinfo)


def test_a_run_missed_beyond_the_grace_time_is_skipped(demo, monkeypatch):
    now = datetime.now(load_config(demo).zone)
    # A daily time half a day away: no regular fire time falls between the missed run and now.
    configure(demo, schedule=f"0 {(now + timedelta(hours=12)).hour} * * *")
    missed = now - timedelta(hours=2)
    calls, job = _process(demo, missed, monkeypatch, grace=3600)
    assert calls == []
    assert job.next_run_time > datetime.now(job.next_run_time.tzinfo)


def test_a_failed_run_is_logged_and_the_schedule_goes_on(demo, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    schedule.run_job(str(demo.with_name("missing.yaml")), 0)
    assert "run failed after" in caplog.text and "missing.yaml: no such file" in caplog.text


def test_run_now_and_sigterm_stop_after_the_run_in_progress(demo, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    config = load_config(demo)
    previous = signal.getsignal(signal.SIGTERM)
    sent = threading.Event()

    def terminate_once_the_run_started() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if signal.getsignal(signal.SIGTERM) != previous and count_runs(demo, "running"):
                os.kill(os.getpid(), signal.SIGTERM)  # the handler is run_schedule's: this stops it
                sent.set()
                return
            time.sleep(0.02)

    threading.Thread(target=terminate_once_the_run_started, daemon=True).start()
    run_schedule(config, run_now=True, wait=0)
    assert sent.is_set()
    assert signal.getsignal(signal.SIGTERM) == previous
    assert count_runs(demo) == 1 and count_runs(demo, "running") == 0  # finished, not cut short
    messages = [r.getMessage() for r in caplog.records if r.name == "digest.schedule"]
    assert [m.split()[0] for m in messages if m.startswith(("run", "SIGTERM", "stopped"))] == \
        ["run", "SIGTERM:", "run", "stopped"]
    assert messages[-2].startswith("run ok: 6 stories")
    job, jobs = stored_job(demo)
    assert jobs == 1 and job.next_run_time == config.trigger().get_next_fire_time(None, datetime.now(config.zone))


def test_a_second_signal_aborts(monkeypatch):
    exits: list[int] = []
    monkeypatch.setattr(schedule.os, "_exit", exits.append)
    stop = schedule._Stop()
    try:
        signal.raise_signal(signal.SIGTERM)
        assert stop.requested and exits == []
        signal.raise_signal(signal.SIGINT)
        assert exits == [128 + signal.SIGINT]
    finally:
        stop.restore()


def test_one_scheduler_per_database(demo):
    config = load_config(demo)
    with exclusive(lock_path(config, "schedule.lock"), 0, "test"):
        with pytest.raises(LockBusy, match="another digest schedule of this database is in progress"):
            run_schedule(config)
        result = CliRunner().invoke(cli, ["schedule", "--config", str(demo)])
    assert result.exit_code == 1 and "another digest schedule" in result.output


def test_a_restarted_scheduler_runs_the_owed_run_once_and_stops_cleanly_on_sigterm(demo):
    """As a real process: the run due while it was down happens, SIGTERM waits for it, exit 0."""
    config = load_config(demo)
    seed(demo, next_run_time=datetime.now(config.zone) - timedelta(seconds=30))
    process = subprocess.Popen([sys.executable, "-m", "digest", "schedule", "--config", str(demo)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    try:
        while "run started" not in "".join(seen):
            line = lines.get(timeout=60)
            assert line is not None, "".join(seen)
            seen.append(line)
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        process.kill()
    seen.extend(iter(lambda: lines.get(timeout=5), None))
    text = "".join(seen)
    assert "the run due at" in text and "was missed while stopped; it runs now" in text
    assert text.count("run started") == 1 and text.count("run ok: 6 stories") == 1, text
    assert text.index("SIGTERM: stopping after the run in progress") < text.index("run ok")
    assert seen[-1] == "digest: info: stopped\n"
    assert "was missed by" not in text  # APScheduler's warning for a run skipped as too late
    assert count_runs(demo) == 1
    job, jobs = stored_job(demo)
    assert jobs == 1 and job.next_run_time == config.trigger().get_next_fire_time(None, datetime.now(config.zone))
