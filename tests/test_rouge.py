"""Summary quality floors: eval/rouge.py on the check halves of the shared evaluation data, so
quality cannot silently drop. Each floor sits a little under the value measured when it was set
(comments; the full table is in the README). About a minute: plain sumy LexRank runs on
Multi-News only."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from digest.selection import OVERRUN
from scripts import load_script

EVAL = Path(__file__).resolve().parents[1] / "eval" / "rouge.py"
DATA = EVAL.with_name("summary_data.py")

# digest's ROUGE-2 recall on each set's check half, every system cut to the set's word budget
# (eval/summary_data.py): measured / floor, beside the baselines measured on the same half.
FLOORS = {
    "multinews": 17.3,  # measured 18.3, plain LexRank 16.4, lead 15.1
    "multiling-english": 23.3,  # 24.3, plain LexRank 16.9, lead 13.5
    "multiling-french": 25.7,  # 26.7, plain LexRank 21.1
    "multiling-czech": 20.8,  # 21.8, plain LexRank 18.6
    "multiling-greek": 15.3,  # 16.3, plain LexRank 11.8
    "multiling-arabic": 29.5,  # 30.5, plain LexRank 19.0
    "multiling-hebrew": 9.2,  # 10.2, plain LexRank 6.8
    "multiling-hindi": 16.4,  # 17.4, plain LexRank 15.3
    "indosum-large": 54.2,  # 55.2, lead 55.6, plain LexRank 52.0
    "indosum": 61.6,  # 62.6, lead 62.8, plain LexRank 57.3
}


@pytest.fixture(scope="module")
def evaluation():
    return load_script(EVAL, "eval_rouge")


@pytest.fixture(scope="module")
def data():
    return load_script(DATA, "summary_data")


def _check(evaluation, name, systems):
    return evaluation.evaluate(evaluation.halves(evaluation.load(name))["check"], systems)


def test_multinews_beats_plain_lexrank_on_its_check_half(evaluation):
    results = _check(evaluation, "multinews", {"digest": evaluation.digest_system(),
                                               "lexrank": evaluation.plain_lexrank})
    assert results["digest"]["rouge2"] >= results["lexrank"]["rouge2"]
    assert results["digest"]["rouge2"] >= FLOORS["multinews"]


@pytest.mark.parametrize("name", [n for n in FLOORS if n.startswith("multiling-")])
def test_multiling_languages_keep_their_floor(evaluation, name):
    results = _check(evaluation, name, {"digest": evaluation.digest_system()})
    assert results["digest"]["rouge2"] >= FLOORS[name]


@pytest.mark.parametrize("name", ["indosum-large", "indosum"])
def test_indosum_keeps_its_floor_above_plain_lexrank(evaluation, name):
    results = _check(evaluation, name, {"digest": evaluation.digest_system(), "lexrank": evaluation.plain_lexrank})
    assert results["digest"]["rouge2"] >= max(FLOORS[name], results["lexrank"]["rouge2"])


# --- the evaluation's own parts ---------------------------------------------------------------


@pytest.mark.parametrize("text, rest", [
    ("Saturday, January 8, 2005\n\nU.S. citizens donating", "U.S. citizens donating"),
    ("Σάββατο, 8 Ιανουαρίου 2005 Οι Αμερικανοί πολίτες", "Οι Αμερικανοί πολίτες"),
    ("Countries affected by the 2004 tsunami\n\nTuesday, January 18, 2005Through a telethon",
     "Through a telethon"),
    ("मंगलवार, जनवरी १२, २०१० अमरीका के भूवैग्यानिक", "अमरीका के भूवैग्यानिक"),
    ("The five were arrested in 2004 in a police raid.", "The five were arrested in 2004 in a police raid."),
])
def test_the_opening_date_is_removed_wherever_its_line_break_went(data, text, rest):
    year = 2010 if "२०१०" in text else 2005
    assert data.strip_date(text, year) == rest


def test_rouge_scores_any_script(evaluation, data):
    dataset = evaluation.load("multiling-greek", limit=1)
    text = "Ο σεισμός έπληξε τη Χιλή το Σάββατο."
    scores = evaluation.rouge(dataset, text, [text])
    assert {k: scores[k] for k in ("rouge1", "rouge2", "f2")} == {"rouge1": 100.0, "rouge2": 100.0, "f2": 100.0}
    assert data.UnicodeTokenizer("el").tokenize("Ο σεισμός")  # rouge-score's own would give nothing


@pytest.mark.parametrize("name, words", [("multiling-english", 250), ("multinews", 250), ("indosum-large", 60)])
def test_every_system_is_cut_to_the_budget(evaluation, name, words):
    dataset = evaluation.load(name, limit=3)
    for case in dataset.cases:
        assert len(evaluation.lead(case, dataset).split()) <= words
        assert len(evaluation.plain_lexrank(case, dataset).split()) <= words
        summary = evaluation.digest_system()(case, dataset)  # whole sentences, about the budget
        assert len(summary.split()) <= words * (1 + OVERRUN)
        assert evaluation.rouge(dataset, summary, case.references)["words"] <= words
    long = " ".join(["word"] * (words + 40))
    assert evaluation.rouge(dataset, long, [long])["words"] == words


def test_halves_split_by_story_with_a_fixed_seed(data):
    english, czech = data.halves(data.load("multiling-english")), data.halves(data.load("multiling-czech"))
    ids = {half: {case.id for case in english[half].cases} for half in data.HALVES}
    assert len(ids["tune"]) == len(ids["check"]) == 5 and not ids["tune"] & ids["check"]
    assert {case.id for case in czech["tune"].cases} == ids["tune"]  # one event, one half, every language
    checks = [data.halves(data.load("indosum-large"))["check"] for _ in range(2)]
    assert [c.id for c in checks[0].cases] == [c.id for c in checks[1].cases] and len(checks[0].cases) == 500


def test_the_oracle_is_whole_sentences_within_the_budget_and_above_every_system(evaluation):
    dataset = evaluation.halves(evaluation.load("multiling-english"))["check"]
    results = evaluation.evaluate(dataset, {"oracle": evaluation.oracle_summary, "digest": evaluation.digest_system(),
                                            "lead": evaluation.lead})
    assert results["oracle"]["rouge2"] > results["digest"]["rouge2"] > results["lead"]["rouge2"]
    for case in dataset.cases:
        summary = evaluation.oracle_summary(case, dataset)
        sentences = {s for a in case.articles for s in evaluation._sentences(a)}
        picked = [s for s in sentences if s in summary]
        assert sum(len(s.split()) for s in picked) >= len(summary.split())  # nothing but article sentences
        assert len(summary.split()) - max(len(s.split()) for s in picked) < dataset.words


def test_the_ratio_interval_holds_the_ratio_and_widens_with_fewer_cases(evaluation):
    rng = numpy.random.default_rng(1)
    ours, theirs = rng.uniform(10, 30, 200), rng.uniform(10, 25, 200)
    low, high = evaluation.ratio_interval(ours, theirs)
    assert low < ours.mean() / theirs.mean() < high
    few_low, few_high = evaluation.ratio_interval(ours[:5], theirs[:5])
    assert few_high - few_low > high - low


def test_the_difference_interval_resamples_cases_in_pairs(evaluation):
    rng = numpy.random.default_rng(1)
    theirs = rng.uniform(10, 60, 300)
    # The same cases one point higher: every resample differs by exactly one point.
    assert evaluation.difference_interval(theirs + 1, theirs) == pytest.approx((1.0, 1.0))
    ours = theirs + rng.normal(0.5, 3, 300)
    low, high = evaluation.difference_interval(ours, theirs)
    assert low < (ours - theirs).mean() < high and high - low < 1.5


def test_a_fit_on_the_check_half_is_never_written_to_the_shipped_model(capsys):
    fit = load_script(EVAL.with_name("fit_summary.py"), "fit_summary")
    with pytest.raises(SystemExit) as stop:
        fit.main(["--half", "check"])
    assert stop.value.code == 2 and "never shipped" in capsys.readouterr().err
