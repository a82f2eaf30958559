"""benchmarks/fetchbench.py at a tiny size: the site it serves and what digest makes of it.
No timing: the figures are the benchmark's business; this checks that they are real."""

from __future__ import annotations

from pathlib import Path

import pytest

import digest.ingest as ingest_module
from digest.config import Fetch
from scripts import load_script

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "fetchbench.py"


@pytest.fixture(scope="module")
def fetchbench():
    return load_script(BENCH, "fetchbench")


@pytest.mark.parametrize("processes", [1, 2])
def test_every_feed_and_every_teaser_page_is_read(fetchbench, monkeypatch, processes) -> None:
    if processes > 1:  # the path of big runs: worker processes
        monkeypatch.setattr(ingest_module, "SOURCES_PER_PROCESS", 10)
        monkeypatch.setattr(ingest_module, "cores", lambda: processes)
    figures = fetchbench.fetch_benchmark(feeds=20, delay=0.01, teaser_share=0.2, entries=10)
    assert figures["processes"] == processes
    assert figures["workers"] == Fetch().concurrency  # what users get by default
    assert (figures["feeds_ok"], figures["feeds_failed"]) == (20, 0)
    assert figures["documents"] == 20 * 10
    assert figures["teaser_feeds"] == 4
    # Every teaser entry's document holds its page's full text, and nothing was asked twice.
    assert figures["full_text_pages"] == figures["page_requests"] == 4 * 10
    assert figures["requests"] == figures["feed_requests"] + figures["page_requests"] == 20 + 40
    assert figures["requests_per_s"] > 0


def test_the_site_is_the_same_for_the_same_arguments(fetchbench) -> None:
    first = fetchbench.build_site("http://127.0.0.1:1", feeds=12, teaser_share=0.25, entries=5)
    again = fetchbench.build_site("http://127.0.0.1:1", feeds=12, teaser_share=0.25, entries=5)
    assert first == again
    assert len(first.feeds) == 12 and len(first.teaser_entries) == 3 * 5
    languages = {e.article.language for entries in first.feeds.values() for e in entries}
    assert languages == {"id", "en"}  # IndoSum and MultiLing texts both


def test_teasers_are_short_and_full_texts_long(fetchbench) -> None:
    site = fetchbench.build_site("http://127.0.0.1:1", feeds=100, teaser_share=0.5, entries=10)
    for entries in site.feeds.values():
        for entry in entries:
            words = sum(len(p.split()) for p in entry.article.paragraphs)
            assert words >= ingest_module.SHORT_ENTRY_WORDS
            if entry.teaser is not None:
                assert 12 <= len(entry.teaser.split()) <= fetchbench.TEASER_WORDS + 1 < ingest_module.SHORT_ENTRY_WORDS


def test_main_prints_a_markdown_table(fetchbench, capsys) -> None:
    fetchbench.main(["--feeds", "3", "--delay", "0", "--entries", "2", "--teasers", "0.34", "--workers", "4"])
    header, rule, row = capsys.readouterr().out.strip().splitlines()
    assert header.startswith("| feeds |") and set(rule) <= set("|- ")
    assert row.startswith("| 3 | 1 | 0 ms | 4 | 1 |")
