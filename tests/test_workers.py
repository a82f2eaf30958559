"""digest.workers: shares done in worker processes, their logs kept, a dead worker's share redone."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timezone
from pathlib import Path

import digest.articles
import digest.ingest
import digest.pipeline
from digest.articles import clean_sources, read_and_clean
from digest.config import load_config
from digest.ingest import SourceResult
from digest.models import SourceReport
from digest.pipeline import FEATURES, run
from digest.readers import InputSpec, read_input
from digest.stages import StageClock, stage
from digest.workers import Worker, map_shares, split
import digest.workers

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def pid_and_square(share: int) -> tuple[int, int]:
    logging.getLogger("digest.test").warning("squared %d", share)
    return os.getpid(), share * share


def dies_in_a_worker(share: tuple[int, int]) -> int:
    parent, value = share
    if os.getpid() != parent:
        os._exit(3)  # a crash, as a signal or a segfault would end it
    return value


def test_each_share_but_the_first_runs_in_a_worker_and_its_logs_come_back(caplog):
    with caplog.at_level(logging.WARNING, logger="digest"):
        results = map_shares(pid_and_square, [2, 3, 4])
    assert [square for _, square in results] == [4, 9, 16]
    assert results[0][0] == os.getpid() and len({pid for pid, _ in results}) == 3
    assert sorted(r.getMessage() for r in caplog.records if r.name == "digest.test") == [
        "squared 2", "squared 3", "squared 4"]


def test_the_share_of_a_worker_that_dies_is_done_here(caplog):
    assert map_shares(dies_in_a_worker, [(os.getpid(), 1), (os.getpid(), 2)]) == [1, 2]
    assert any("worker process failed" in r.getMessage() for r in caplog.records)


def test_split_balances_the_weights():
    shares = split([9, 1, 1, 1, 5, 4], 2, weight=lambda x: x)
    assert sorted(i for share in shares for i in share) == list(range(6))
    assert sorted(sum([9, 1, 1, 1, 5, 4][i] for i in share) for share in shares) == [10, 11]


def power(base: int, exponent: int) -> tuple[int, int]:
    return os.getpid(), base ** exponent


def test_a_worker_runs_beside_this_process_unless_told_to_work_here():
    with Worker(power, 2, 10) as beside, Worker(power, 3, 2, here=True) as here:
        assert beside.result() != (os.getpid(), 1024) and beside.result()[1] == 1024
        assert here.result() == (os.getpid(), 9)


def _demo_with_a_wire_copy(root: Path) -> tuple[Path, str]:
    """The demo, plus an outlet that republishes one of its export's articles word for word
    (the config, and the id of the article copied)."""
    shutil.rmtree(root / "examples", ignore_errors=True)
    shutil.rmtree(root / "var", ignore_errors=True)
    demo = root / "examples" / "demo"
    shutil.copytree(DEMO, demo)
    record = json.loads((demo / "export" / "newsdesk.jsonl").read_text("utf-8").splitlines()[0])
    original = record["id"]
    record |= {"id": "reprint-1", "url": "http://example.invalid/reprint/1", "outlet": "Reprint Daily",
               "published": "2024-06-20T15:00:00Z"}
    (demo / "reprint.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with (demo / "feeds.yaml").open("a", encoding="utf-8") as config:
        config.write("\n  - name: Reprint Daily\n    url: reprint.jsonl\n")
    return demo / "feeds.yaml", original


def test_a_run_in_workers_gives_the_same_brief(tmp_path, monkeypatch):
    briefs = []
    # All here; then read here and cleaned in workers; then each process reads and cleans a share.
    for per_process, sources_per_process in ((10_000, 10_000), (5, 10_000), (5, 1)):
        monkeypatch.setattr(digest.articles, "DOCUMENTS_PER_PROCESS", per_process)
        monkeypatch.setattr(digest.pipeline, "COPIES_PER_PROCESS", per_process)
        monkeypatch.setattr(digest.ingest, "SOURCES_PER_PROCESS", sources_per_process)
        monkeypatch.setattr(digest.ingest, "cores", lambda: 2)
        config, original = _demo_with_a_wire_copy(tmp_path)
        result = run(load_config(config), formats=["json"])
        briefs.append([(s.id, s.headline, [a.id for a in s.articles], [x.text for x in s.summary], s.copies)
                       for s in result.briefing.stories])
    assert briefs[0] == briefs[1] == briefs[2] and len(briefs[0]) == 6  # the demo's six events
    assert [copies for *_, copies in briefs[0] if copies] == [(("reprint-1", original),)]


def test_one_big_source_is_cleaned_on_every_core(seed_paths, monkeypatch):
    """An export of 230 documents (the seeds, each under many ids): its pieces are shared out."""
    texts = [read_input(InputSpec(str(path))).documents[0] for path in seed_paths]
    documents = tuple(replace(texts[i % len(texts)], id=f"export-{i}") for i in range(230))
    export = SourceResult(SourceReport("Export", "ok", len(documents)), documents)
    monkeypatch.setattr(digest.articles, "DOCUMENTS_PER_PROCESS", 100)
    monkeypatch.setattr(digest.workers, "cores", lambda: 2)
    shares = []
    monkeypatch.setattr(digest.workers, "map_shares", lambda function, jobs, *rest: shares.append(jobs) or map_shares(function, jobs, *rest))
    (shared,), (here,) = clean_sources([export], timezone.utc, set()), clean_sources([export], timezone.utc, set(), here=True)
    assert sorted(sum(map(len, pieces)) for _, pieces, _ in shares[0]) == [100, 130]  # pieces of 100, 100, 30
    assert shared == here and len(here.articles) == 230 and here.report == SourceReport("Export", "ok", 230)


def test_processes_reading_and_cleaning_a_share_skip_what_the_store_has(tmp_path, monkeypatch):
    monkeypatch.setattr(digest.ingest, "SOURCES_PER_PROCESS", 1)
    monkeypatch.setattr(digest.ingest, "cores", lambda: 2)
    config = load_config(_demo_with_a_wire_copy(tmp_path)[0])
    sources = [digest.ingest.Source(f.name, str(f.url), f.language) for f in config.feeds]
    first = run(config, formats=["json"])
    again = read_and_clean(sources, {}, config.zone, config.fetch.limits(), 4, config.database, FEATURES)
    # Only documents with neither id nor URL (plain text files) are cleaned again: the store
    # knows the others by id or URL, read in each process from a connection of its own.
    anonymous = {f.name for f in config.feeds if any(not (d.id or d.url) for d in read_input(InputSpec(str(f.url), f.name)).documents)}
    assert {source.report.name for _, source in again if source.articles} == anonymous != set()
    assert sum(source.report.articles for _, source in again) == first.new_articles
    assert all(result.documents == () for result, _ in again)  # they stayed in their process


def test_the_stage_clock_counts_the_memory_of_worker_processes():
    holder = "import sys, time; block = bytearray(200 * 2**20); sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(2)"
    with StageClock() as clock, stage("holding"):
        with subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE) as worker:
            assert worker.stdout.readline() == b"ready\n"
            time.sleep(0.5)  # a few samples of the children
            worker.kill()
    cost = clock.costs["holding"]
    assert cost.peak_all - cost.peak >= 190 * 2**20  # the worker's block, counted once it exec'd
