"""One run at a time across processes, and a run killed with SIGKILL loses and doubles nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from digest import pipeline
from digest.cli import cli
from digest.config import load_config
from digest.lock import LockBusy, exclusive, lock_path, run_lock

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
DIGEST = [sys.executable, "-m", "digest"]
HOLD = "from filelock import FileLock; import sys, time; lock = FileLock(sys.argv[1]); lock.acquire(); " \
       "print('held', flush=True); time.sleep(60)"


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the demo; returns its feeds.yaml (database in var/, brief in out/demo/)."""
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    return tmp_path / "examples" / "demo" / "feeds.yaml"


def count(database: Path, query: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchone()[0]


def hold(path: Path) -> subprocess.Popen:
    """Another process that holds the lock at `path` until killed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def test_the_lock_lives_next_to_the_database(demo):
    config = load_config(demo)
    assert lock_path(config) == demo.parents[2] / "var" / "demo.db.lock"
    assert lock_path(config, "schedule.lock").name == "demo.db.schedule.lock"


def test_a_busy_lock_fails_at_once_or_after_the_bounded_wait(demo):
    config = load_config(demo)
    lock_path(config).parent.mkdir(parents=True)
    holder = hold(lock_path(config))
    try:
        started = time.monotonic()
        busy = re.escape(f"another digest run is in progress (lock {lock_path(config)})")
        with pytest.raises(LockBusy, match=busy), run_lock(config):
            pass
        assert time.monotonic() - started < 0.5
        started = time.monotonic()
        with pytest.raises(LockBusy, match="still in progress after 0.3 s"), run_lock(config, wait=0.3):
            pass
        assert time.monotonic() - started >= 0.3
    finally:
        holder.kill()
        holder.wait()


def test_the_holders_pid_is_named(tmp_path):
    path = tmp_path / "x.lock"
    ready, done = threading.Event(), threading.Event()

    def holder() -> None:
        with exclusive(path, 0, "a job"):
            ready.set()
            done.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    ready.wait(5)
    try:
        with pytest.raises(LockBusy, match=re.escape(f"a job is in progress (pid {os.getpid()})")), \
                exclusive(path, 0, "a job"):
            pass
    finally:
        done.set()
        thread.join()


def test_a_lock_released_within_the_wait_is_taken(tmp_path):
    path = tmp_path / "x.lock"
    holder = hold(path)
    threading.Timer(0.3, holder.kill).start()
    started = time.monotonic()
    with exclusive(path, 10, "a job"):
        assert holder.wait(1) is not None
        assert 0.3 <= time.monotonic() - started < 5


def test_a_holder_killed_with_sigkill_leaves_no_stale_lock(tmp_path):
    path = tmp_path / "x.lock"
    holder = hold(path)
    with pytest.raises(LockBusy), exclusive(path, 0, "a job"):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with exclusive(path, 0, "a job"):
        pass


def test_digest_run_refuses_to_start_while_another_run_holds_the_lock(demo):
    config = load_config(demo)
    lock_path(config).parent.mkdir(parents=True)
    holder = hold(lock_path(config))
    try:
        result = CliRunner().invoke(cli, ["run", "--config", str(demo), "--format", "json"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert f"another digest run is in progress (lock {lock_path(config)}); not started" in result.output
    assert not (demo.parents[2] / "out").exists()


def test_two_runs_started_at_once_build_exactly_one_brief(demo, http_server):
    # One of the demo's feeds answers after 4 s, so the first run surely still holds the lock
    # when the second asks for it (the demo alone may be done before the other has started).
    slow = http_server.route("/slow.xml", delay=4, headers={"Content-Type": "application/rss+xml"},
                             body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>'
                                  b'<link>http://127.0.0.1/</link><description>x</description></channel></rss>')
    with demo.open("a", encoding="utf-8") as config:
        config.write(f"\n  - name: Slow Wire\n    url: {slow}\n")
    command = [*DIGEST, "run", "--config", str(demo), "--format", "json,html"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((run.wait(120), run.stderr.read()) for run in runs)
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    (ok, _), (refused, message) = outcomes
    assert (ok, refused) == (0, 1)
    assert "another digest run is in progress" in message and "not started" in message
    database = demo.parents[2] / "var" / "demo.db"
    assert count(database, "SELECT COUNT(*) FROM runs") == 1
    assert count(database, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == 1


def with_partial_config(config: Path) -> Path:
    """partial.yaml beside `config`: the same database and OUT, only the first three sources."""
    partial = config.with_name("partial.yaml")
    data = yaml.safe_load(config.read_text("utf-8"))
    partial.write_text(yaml.safe_dump({**data, "feeds": data["feeds"][:3]}), "utf-8")
    return partial


def test_a_run_killed_with_sigkill_midway_loses_and_doubles_nothing(demo, tmp_path):
    root = demo.parents[2]
    database, out = root / "var" / "demo.db", root / "out" / "demo"
    # 1. A first, complete run on some of the sources: the "previous outputs".
    pipeline.run(load_config(with_partial_config(demo)), formats=["json", "html", "rss"])
    before = count(database, "SELECT COUNT(*) FROM articles")
    previous = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # 2. A run on every source, killed once it has stored the new articles (PDF still to render).
    run = subprocess.Popen([*DIGEST, "run", "--config", str(demo)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while count(database, "SELECT COUNT(*) FROM articles") == before and run.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    assert count(database, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == 1  # it did not finish
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for path, content in previous.items():  # each previous output is the old one or a complete new one
        assert path.read_bytes() == content or _complete(path)
    # 3. The next run completes, with exactly what the same two runs give when nothing is killed.
    result = CliRunner().invoke(cli, ["run", "--config", str(demo)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert all(_complete(folder / f"briefing.{ext}") for ext in ("html", "json", "pdf"))
    reference = tmp_path / "reference"
    shutil.copytree(DEMO, reference / "examples" / "demo")
    config = reference / "examples" / "demo" / "feeds.yaml"
    pipeline.run(load_config(with_partial_config(config)), formats=["json"])
    fresh = pipeline.run(load_config(config), formats=["json"])
    for table in ("articles", "stories", "story_articles"):
        assert count(database, f"SELECT COUNT(*) FROM {table}") == \
            count(reference / "var" / "demo.db", f"SELECT COUNT(*) FROM {table}"), table
    stories = json.loads((folder / "briefing.json").read_text("utf-8"))["stories"]
    assert _grouping(stories) == _grouping(json.loads((fresh.folder / "briefing.json").read_text("utf-8"))["stories"])


def _grouping(stories: list[dict]) -> set[frozenset[str]]:
    return {frozenset(a["id"] for a in story["articles"]) for story in stories}


def _complete(path: Path) -> bool:
    """The file parses as a whole (a half-written one would not)."""
    if path.suffix == ".json":
        json.loads(path.read_text("utf-8"))
    elif path.suffix == ".pdf":
        assert len(PdfReader(path).pages) >= 1
    elif path.suffix in (".html", ".xml"):
        assert path.read_text("utf-8").rstrip().endswith(("</html>", "</rss>"))
    return True
