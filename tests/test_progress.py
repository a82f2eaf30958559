"""Live progress: drawn on a terminal (a pseudo-terminal here), never in pipes, with --quiet,
or under `digest schedule`; the work of worker processes counts on the display too."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

import digest.articles
import digest.ingest
import digest.pipeline
from digest import progress
from digest.config import load_config
from digest.pipeline import run
from digest.workers import map_shares

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
STEPS_OF_A_RUN = ("sources read", "articles cleaned", "articles stored", "stories formed", "stories summarized",
                  "PDF pages laid out")
# Any control character but newline and tab: colours, cursor moves, carriage returns.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture
def demo(tmp_path) -> Path:
    """A copy of the demo with one more source, which is missing (a failure to show)."""
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    path = tmp_path / "examples" / "demo" / "feeds.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["feeds"].append({"name": "Gone Gazette", "url": "feeds/gone.xml"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def on_terminal(args: list[str], cwd: Path, until: str | None = None, timeout: float = 180) -> tuple[int, str]:
    """`digest ARGS` with stdout and stderr on a pseudo-terminal of 120 columns, as a person
    at a terminal runs it; with `until`, SIGTERM once the output shows that text. Returns
    the exit status and everything the terminal received."""
    main, sub = pty.openpty()
    fcntl.ioctl(sub, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    process = subprocess.Popen([sys.executable, "-m", "digest", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=sub, stderr=sub, env=env | {"TERM": "xterm-256color"})
    os.close(sub)
    received, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([main], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: every process writing to the terminal has ended
                break
            if not chunk:
                break
            received += chunk
            if until and until.encode() in received:
                process.send_signal(signal.SIGTERM)
                until = None
        return process.wait(60), received.decode("utf-8", "replace")
    finally:
        process.kill()
        os.close(main)


def test_a_run_on_a_terminal_draws_each_step_with_its_counts_and_failures(demo):
    status, screen = on_terminal(["run", "--config", str(demo)], demo.parent)
    assert status == 0, screen
    for label in STEPS_OF_A_RUN:
        assert label in screen
    assert "\x1b[1A" in screen or "\r" in screen  # redrawn in place, not printed line after line
    assert re.search(r"sources read.*11/11.*1 failed", screen)  # ten demo sources and the missing one
    assert re.search(r"articles cleaned.*21/21", screen) and re.search(r"stories summarized.*6/6", screen)
    # The warning about the missing source is printed above the bars, as one whole line.
    assert re.search(r"digest: warning: Gone Gazette: [^\n]*gone\.xml", screen)
    assert "6 stories from 10 of 11 sources" in screen


def test_through_a_pipe_the_run_prints_its_log_lines_and_no_control_characters(demo):
    done = subprocess.run([sys.executable, "-m", "digest", "run", "--config", str(demo)], cwd=demo.parent,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not CONTROL.search(done.stdout + done.stderr)
    assert [line.split(":")[:3] for line in done.stderr.splitlines()] == [["digest", " warning", " Gone Gazette"]]
    assert not any(label in done.stderr for label in STEPS_OF_A_RUN)
    assert done.stdout.startswith("6 stories from 10 of 11 sources")


def test_quiet_draws_nothing_on_a_terminal(demo):
    status, screen = on_terminal(["run", "--config", str(demo), "--format", "json", "--quiet"], demo.parent)
    assert status == 0 and "6 stories" in screen
    assert not any(label in screen for label in STEPS_OF_A_RUN) and "\x1b" not in screen


def test_a_story_on_a_terminal_draws_its_steps(seed_paths, tmp_path):
    status, screen = on_terminal(["story", *map(str, seed_paths), "--out", str(tmp_path / "brief")], tmp_path)
    assert status == 0, screen
    assert re.search(r"sources read.*5/5", screen) and re.search(r"articles cleaned.*5/5", screen)
    assert re.search(r"stories summarized.*1/1", screen) and "PDF pages laid out" in screen


def test_the_scheduler_never_draws_progress_even_on_a_terminal(demo):
    status, screen = on_terminal(["schedule", "--config", str(demo), "--run-now"], demo.parent, until="run ok")
    assert status == 0 and "run ok: 6 stories" in screen, screen
    assert not any(label in screen for label in STEPS_OF_A_RUN) and "\x1b" not in screen


# --- counts from worker processes -------------------------------------------------------


class Tally:
    """A progress sink that adds up what each step was told."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def update(self, step: str, *, total: int = 0, advance: int = 0, failed: int = 0, completed: int | None = None,
               note: str | None = None, done: bool = False) -> None:
        counts = self.steps[step]
        counts["total"] += total
        counts["done"] = counts["done"] + advance if completed is None else completed
        counts["failed"] += failed
        counts["ended"] += done


def count_in_whichever_process(share: int) -> int:
    progress.add_total("squares", 1)
    progress.advance("squares", failed=share % 2)
    return share * share


def test_what_a_worker_process_does_counts_here():
    tally = Tally()
    with progress.showing(tally):
        assert map_shares(count_in_whichever_process, [1, 2, 3, 4]) == [1, 4, 9, 16]  # three in workers
    assert tally.steps["squares"] == {"total": 4, "done": 4, "failed": 2, "ended": 0}


def test_every_way_of_sharing_a_run_out_counts_the_same(demo, tmp_path, monkeypatch):
    tallies = []
    # All here; then read here and cleaned in workers; then each process reads and cleans a share.
    for per_process, sources_per_process in ((10_000, 10_000), (5, 10_000), (5, 1)):
        monkeypatch.setattr(digest.articles, "DOCUMENTS_PER_PROCESS", per_process)
        monkeypatch.setattr(digest.ingest, "SOURCES_PER_PROCESS", sources_per_process)
        monkeypatch.setattr(digest.ingest, "cores", lambda: 2)
        shutil.rmtree(tmp_path / "var", ignore_errors=True)  # a fresh database: everything is new
        tally = Tally()
        with progress.showing(tally):
            run(load_config(demo), formats=["json"])
        tallies.append({step: dict(counts) for step, counts in tally.steps.items()})
    assert tallies[0] == tallies[1] == tallies[2]
    steps = tallies[0]
    assert steps["read"] == {"total": 11, "done": 11, "failed": 1, "ended": 0}
    assert steps["clean"]["total"] == steps["clean"]["done"] == steps["store"]["done"] == 21
    assert steps["summarize"] == {"total": 6, "done": 6, "failed": 0, "ended": 1}
    assert steps["cluster"]["done"] == 7 and steps["cluster"]["ended"] == 1  # six events and a single article
