"""benchmarks/bench.py at its smallest size, as a smoke test (timings are not asserted)."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from scripts import load_script

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    return load_script(BENCHMARKS / "bench.py", "bench")


def test_the_corpus_is_deterministic_and_labelled(bench):
    import corpus

    first, second = (corpus.generate(300, 40, bench.SHARED, seed=7) for _ in range(2))
    assert [(i.story, i.feed, i.title, i.paragraphs) for i in first] == [
        (i.story, i.feed, i.title, i.paragraphs) for i in second]
    assert len(first) == 300 and sum(1 for i in first if i.story == 0) == corpus.BIG_STORY
    assert len({i.link for i in first}) == 300  # every article its own address


def test_articles_are_as_long_as_real_ones_of_their_language_at_every_size(bench):
    import corpus

    real = corpus.real_lengths(bench.SHARED)
    assert min(min(words) for words in real.values()) >= corpus.MIN_WORDS  # none would be taken for a teaser
    small, large = (corpus.words_per_article(corpus.generate(size, 200, bench.SHARED), 200) for size in (600, 3000))
    for code in ("id", "en"):  # the languages with enough articles at 600 for a stable mean
        for mean, median in (small[code], large[code]):
            assert mean == pytest.approx(statistics.mean(real[code]), rel=0.1)
            assert median == pytest.approx(statistics.median(real[code]), rel=0.1)
    assert large["en"][0] > 1.8 * large["id"][0]  # English web news is twice as long as IndoSum's


def test_the_smallest_benchmark_runs_every_stage_and_writes_its_table(bench, tmp_path):
    output = tmp_path / "results.md"
    assert bench.main(["--sizes", "1000", "--no-fetch", "--sumy-size", "0", "--output", str(output)]) == 0
    text = output.read_text("utf-8")
    assert "| 1,000 |" in text and "Machine:" in text and "- 1,000 articles: id " in text
    for stage in ("read", "clean", "store", "copies", "cluster", "summarize", "render pdf", "render rss"):
        assert f"| {stage} |" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1,000 |"))
    assert float(row.split("|")[-2]) >= 0.8  # B-cubed F1 of the stories against the generated labels


def test_repeated_runs_report_the_median_run_and_the_range(bench, monkeypatch):
    walls = iter([70.0, 50.0, 60.0])
    monkeypatch.setattr(bench, "measure", lambda size, feeds, sumy, seed: {
        "total": {"wall": next(walls)}, **({"summarizer": ["timed"]} if sumy else {})})
    report = bench.repeated(10_000, 200, True, 1, 3)
    assert report["total"]["wall"] == 60.0 and report["walls"] == [50.0, 60.0, 70.0]
    assert report["summarizer"] == ["timed"]  # plain sumy is timed in the first run only
