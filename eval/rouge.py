"""ROUGE of digest's summaries beside two baselines, every system cut to the same word budget.

    python eval/rouge.py [DATASET...] [--shared ../shared] [--limit N] [--algorithm NAME]
    python eval/rouge.py --ablation [DATASET...]     # the summarizer without each component
    python eval/rouge.py --algorithms [DATASET...]   # the summarizer with each sumy centrality
    python eval/rouge.py --attribution               # the same-sentence threshold, measured
    python eval/rouge.py --speed [DATASET...]        # 100 of its articles as one story: seconds
    python eval/rouge.py --oracle [DATASET...]       # the extractive ceiling at the budget
    python eval/rouge.py --two-fold FILE [DATASET...]  # FILE: eval/fit_summary.py --half check --output

Datasets, budgets, ROUGE settings and the tune/check halves: eval/summary_data.py. Each
dataset is reported per half (weights are set on tune; the README reports check), ROUGE recall
and F averaged over the references, and the mean length of what each system gave.

Systems, all given the same articles, all cut to the dataset's word budget (DUC: a summary's
first N words count):
- digest: digest.summarize with its defaults and the budget (whole sentences within it).
- lexrank: plain sumy LexRank (sumy's LexRankSummarizer, the language's Snowball stemmer, sumy's
  stop words where it has them, stopwords-iso otherwise) over every sentence of every article:
  its 15 best sentences in document order, then cut (shared/eval/README.md).
- lead: the first words of the earliest article (section headings skipped).
- lead-whole: its first whole sentences within the budget (not a baseline: it shows what
  keeping sentences whole costs at the same budget).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import numpy
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

import digest.summarize as summarize_module
from digest.language import get_language
from digest.models import Article
from digest.selection import REDUNDANT
from digest.similarity import cosine, jaccard, terms
from digest.summarize import ALGORITHMS, SummaryOptions, Weights, furniture, is_heading, summarize
from summary_data import DATASETS, METRICS, SHARED, Case, Dataset, halves, load

SYSTEMS = ("digest", "lexrank", "lead", "lead-whole")
LEXRANK_SENTENCES = 15
MANY = 10_000  # no sentence limit: the word budget decides
SPEED_ARTICLES = 100  # --speed: one story this large
SUMY_NAMES = {"en": "english", "fr": "french", "cs": "czech", "el": "greek", "ar": "arabic", "he": "hebrew"}

# --- systems ------------------------------------------------------------------------------

System = Callable[[Case, Dataset], str]


def cut(text: str, words: int) -> str:
    """The first `words` words of the text (ROUGE -l): what every system is scored on."""
    return " ".join(text.split()[:words])


def digest_system(options: SummaryOptions = SummaryOptions()) -> System:
    """digest's summaries, each case a story of one window (the set or half): paragraphs
    that articles of several cases carry are furniture, as in a daily run."""
    shared: dict[str, tuple[Dataset, frozenset[str]]] = {}

    def run(case: Case, dataset: Dataset) -> str:
        if shared.get(dataset.name, (None,))[0] is not dataset:
            shared[dataset.name] = (dataset, furniture(c.articles for c in dataset.cases))
        budget = replace(options, sentences=MANY, max_words=dataset.words)
        return " ".join(s.text for s in summarize(case.articles, budget, shared[dataset.name][1]))
    return run


def _sentences(article: Article) -> list[str]:
    lang = get_language(article.language)
    found = []
    for paragraph in article.paragraphs:
        split = lang.split_sentences(paragraph)
        if not (len(split) == 1 and is_heading(split[0], lang)):
            found.extend(split)
    return found


def _earliest(case: Case) -> Article:
    return min(case.articles, key=lambda a: a.published or datetime.max.replace(tzinfo=timezone.utc))


def lead(case: Case, dataset: Dataset) -> str:
    return cut(" ".join(_sentences(_earliest(case))), dataset.words)


def lead_sentences(case: Case, dataset: Dataset) -> str:
    """The lead in whole sentences within the budget, as digest gives them: what the
    budget costs a system that may not cut a sentence."""
    picked, words = [], 0
    for sentence in _sentences(_earliest(case)):
        if words + len(sentence.split()) > dataset.words:
            break
        picked.append(sentence)
        words += len(sentence.split())
    return " ".join(picked)


def plain_lexrank(case: Case, dataset: Dataset) -> str:
    lang = get_language(dataset.language)
    texts = [s for a in case.articles for s in _sentences(a)]
    sentences = [Sentence(t, lang) for t in texts]
    summarizer = LexRankSummarizer(lang.stem)
    sumy_name = SUMY_NAMES.get(dataset.language)
    summarizer.stop_words = get_stop_words(sumy_name) if sumy_name else lang.stop_words
    with numpy.errstate(invalid="ignore", divide="ignore"):
        best = set(summarizer(ObjectDocumentModel([Paragraph(sentences)]), LEXRANK_SENTENCES))
    return cut(" ".join(t for t, s in zip(texts, sentences) if s in best), dataset.words)


# --- scoring ------------------------------------------------------------------------------


def rouge(dataset: Dataset, summary: str, references: Sequence[str]) -> dict[str, float]:
    """Recall (R1, R2, RL) and F (F1, F2, FL) of the summary cut to the budget, averaged over
    the references, in percent; and its length in words."""
    summary = cut(summary, dataset.words)
    scores = [dataset.scorer.score(ref, summary) for ref in references]
    result = {"words": float(len(summary.split()))}
    for m in METRICS:
        result[m] = 100 * float(numpy.mean([s[m].recall for s in scores]))
        result["f" + m[5:]] = 100 * float(numpy.mean([s[m].fmeasure for s in scores]))
    return result


def _per_case(dataset: Dataset, system: System) -> list[dict[str, float]]:
    return [rouge(dataset, system(case, dataset), case.references) for case in dataset.cases]


def evaluate(dataset: Dataset, systems: dict[str, System]) -> dict[str, dict[str, float]]:
    """Mean ROUGE of each system over the dataset's cases, and its seconds under "seconds"."""
    results = {}
    for name, system in systems.items():
        started = time.perf_counter()
        per_case = _per_case(dataset, system)
        results[name] = {k: float(numpy.mean([c[k] for c in per_case])) for k in per_case[0]}
        results[name]["seconds"] = time.perf_counter() - started
        results[name]["cases"] = numpy.array([c["rouge2"] for c in per_case])
    return results


def _resampled(ours: numpy.ndarray, theirs: numpy.ndarray, draws: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Both systems' mean R2 over the same cases, resampled with replacement `draws` times."""
    rows = numpy.random.default_rng(0).integers(0, len(ours), size=(draws, len(ours)))
    return ours[rows].mean(axis=1), theirs[rows].mean(axis=1)


def ratio_interval(ours: numpy.ndarray, theirs: numpy.ndarray, draws: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval (cases resampled) of mean R2 over the other system's mean R2:
    a half of five MultiLing events gives a wide one."""
    mine, other = _resampled(ours, theirs, draws)
    low, high = numpy.percentile(mine / numpy.maximum(other, 1e-9), [2.5, 97.5])
    return float(low), float(high)


def difference_interval(ours: numpy.ndarray, theirs: numpy.ndarray, draws: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of mean R2 minus the other system's (for "lead + 1")."""
    mine, other = _resampled(ours, theirs, draws)
    low, high = numpy.percentile(mine - other, [2.5, 97.5])
    return float(low), float(high)


COLUMNS = ("rouge1", "rouge2", "rougeL", "f1", "f2", "fL", "words")


def _table(rows: list[tuple[str, str, dict[str, float]]]) -> None:
    print(f"{'dataset':<24} {'system':<10} {'R1':>6} {'R2':>6} {'RL':>6} {'F1':>6} {'F2':>6} {'FL':>6}"
          f" {'words':>6} {'time':>7}")
    for dataset, system, scores in rows:
        print(f"{dataset:<24} {system:<10} " + " ".join(f"{scores[m]:6.1f}" for m in COLUMNS)
              + f" {scores['seconds']:6.1f}s", flush=True)


def report(datasets: Sequence[Dataset], options: SummaryOptions = SummaryOptions()) -> None:
    systems = {"digest": digest_system(options), "lexrank": plain_lexrank, "lead": lead,
               "lead-whole": lead_sentences}
    for dataset in datasets:
        for half, part in halves(dataset).items():
            results = evaluate(part, systems)
            label = f"{dataset.name} {half}"
            _table([(label, name, results[name]) for name in SYSTEMS])
            r2 = {name: results[name]["rouge2"] for name in SYSTEMS}
            low, high = ratio_interval(results["digest"]["cases"], results["lexrank"]["cases"])
            below, above = difference_interval(results["digest"]["cases"], results["lead"]["cases"])
            print(f"{label:<24} R2 digest / lexrank {r2['digest'] / max(r2['lexrank'], 1e-9):.2f} "
                  f"(95 % bootstrap {low:.2f}-{high:.2f}), digest - lead {r2['digest'] - r2['lead']:+.1f} "
                  f"({below:+.1f} to {above:+.1f})\n", flush=True)


# --- experiments --------------------------------------------------------------------------

def _length_only(text: str, lang) -> bool:
    return summarize_module.MIN_WORDS <= len(lang.words(text)) <= summarize_module.MAX_WORDS


# label: (changed weights, patched digest.summarize functions)
ABLATIONS: dict[str, tuple[dict, dict]] = {
    "default": ({}, {}),
    "no centrality": ({"centrality": 0.0}, {}),
    "no position": ({"position": 0.0}, {}),
    "no headline": ({"headline": 0.0}, {}),
    "no agreement": ({"agreement": 0.0}, {}),
    "+ centroid 0.5": ({"centroid": 0.5}, {}),
    "no concepts": ({"concepts": 0.0}, {}),
    "no one-report lede": ({"single_position": Weights().position}, {}),
    "no MMR penalty": ({"redundancy": 0.0}, {}),
    "no novelty rule": ({"novelty": 0.0}, {}),
    "one-report repeats strict": ({"single_novelty": Weights().novelty, "single_redundant": REDUNDANT}, {}),
    "no debris filter": ({}, {"is_candidate": _length_only}),
    "no dangling rule": ({}, {"is_dangling": lambda text, lang: False}),
    "quotations split": ({}, {"quotations": lambda paragraph, sentences, lang: sentences}),
}


def ablation(datasets: Sequence[Dataset]) -> None:
    """The summarizer without each component (its weight set to 0) or rule, all else equal, on
    the tune halves; ΔR2 is paired with the default, ± its standard error over the cases."""
    for dataset in (halves(d)["tune"] for d in datasets):
        print(f"{'dataset':<18} {'variant':<22} {'R1':>6} {'R2':>6} {'RL':>6} {'ΔR2':>6} {'±se':>5}")
        default = None
        for label, (change, patches) in ABLATIONS.items():
            options = SummaryOptions(weights=replace(Weights(), **change))
            with ExitStack() as stack:
                for name, function in patches.items():
                    stack.enter_context(mock.patch.object(summarize_module, name, function))
                per_case = _per_case(dataset, digest_system(options))
            r2 = numpy.array([c["rouge2"] for c in per_case])
            default = r2 if default is None else default
            delta = r2 - default
            error = delta.std(ddof=1) / numpy.sqrt(len(delta)) if len(delta) > 1 else 0.0
            means = [numpy.mean([c[m] for c in per_case]) for m in METRICS]
            print(f"{dataset.name:<18} {label:<22} " + " ".join(f"{v:6.1f}" for v in means)
                  + f" {delta.mean():+6.2f} {error:5.2f}", flush=True)
        print()


def algorithms(datasets: Sequence[Dataset]) -> None:
    """The summarizer with each sumy algorithm as its centrality, on the tune halves."""
    for dataset in (halves(d)["tune"] for d in datasets):
        _table([(dataset.name, name, evaluate(dataset, {"d": digest_system(SummaryOptions(name))})["d"])
                for name in sorted(ALGORITHMS)])
        print()


def _edit(words: list[str], kind: str, rng: random.Random, vocabulary: Sequence[str]) -> list[str]:
    """One edit outlets make to a wire sentence."""
    at = rng.randrange(1, len(words))
    if kind == "date":  # "Kamis" -> "Kamis (20/6)"
        return words[:at] + [f"({rng.randint(1, 28)}/{rng.randint(1, 12)})"] + words[at:]
    if kind == "dateline":
        return ["JAKARTA,", "Kompas.com", "-"] + words
    if kind == "substitute":
        return words[:at] + [rng.choice(vocabulary)] + words[at + 1:]
    if kind == "delete":
        return words[:at] + words[at + 1:]
    comma = next((i for i, w in enumerate(words[:-2]) if w.endswith(",")), at)  # reorder clauses
    return words[comma + 1:] + words[:comma + 1]


EDITS = ("date", "dateline", "substitute", "delete", "reorder")
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)


def _attribution_pairs(datasets: Sequence[Dataset]) -> dict[str, list[tuple[Counter, Counter]]]:
    """Stem bags of (sentence, variant) pairs: with one or two outlet edits; with a clause
    half its length (from the next sentence) added; another sentence of the same article."""
    rng = random.Random(4)
    pairs: dict[str, list[tuple[Counter, Counter]]] = {"1 edit": [], "2 edits": [], "+half": [], "different": []}
    for dataset in datasets:
        lang = get_language(dataset.language)
        for article in (a for case in dataset.cases for a in case.articles):
            sentences = [s for s in _sentences(article) if len(s.split()) >= 8]
            bags = [terms(s, lang) for s in sentences]
            pairs["different"].extend((a, b) for i, a in enumerate(bags) for b in bags[i + 1:])
            for i, (sentence, bag) in enumerate(zip(sentences, bags)):
                count = rng.choice((1, 2))
                words = sentence.split()
                for kind in rng.sample(EDITS, count):
                    words = _edit(words, kind, rng, sentence.split())
                pairs[("1 edit", "2 edits")[count - 1]].append((bag, terms(" ".join(words), lang)))
                if i + 1 < len(sentences):
                    clause = " ".join(sentences[i + 1].split()[:len(sentence.split()) // 2])
                    pairs["+half"].append((bag, terms(f"{sentence.rstrip('.')}, {clause}.", lang)))
    return pairs


def attribution(datasets: Sequence[Dataset]) -> None:
    """The same-sentence threshold: the share of sentence pairs that match, by stem-set
    Jaccard and by stem cosine. An outlet's light edits should match (near 1); a sentence
    that tells half as much again is another sentence, as is another one of the article (near 0)."""
    pairs = _attribution_pairs(datasets)
    print(", ".join(f"{len(v)} {k}" for k, v in pairs.items()))
    print(f"{'measure':<8} {'threshold':>9} " + " ".join(f"{k:>9}" for k in pairs))
    for name, measure in (("jaccard", lambda a, b: jaccard(set(a), set(b))), ("cosine", cosine)):
        values = {k: numpy.array([measure(a, b) for a, b in v]) for k, v in pairs.items()}
        for t in THRESHOLDS:
            shares = [numpy.mean(v >= t) for v in values.values()]
            print(f"{name:<8} {t:>9.2f} " + " ".join(f"{x:>9.5f}" for x in shares))


def speed(datasets: Sequence[Dataset]) -> None:
    """Seconds to summarize a dataset's first 100 articles as one story: digest vs plain sumy."""
    for dataset in datasets:
        story = Case("all", tuple(a for case in dataset.cases for a in case.articles)[:SPEED_ARTICLES], ())
        timings = {}
        for name, system in (("digest", digest_system()), ("lexrank", plain_lexrank)):
            started = time.perf_counter()
            system(story, dataset)
            timings[name] = time.perf_counter() - started
        print(f"{dataset.name:<18} {len(story.articles):>4} articles: digest {timings['digest']:.2f} s, "
              f"plain sumy LexRank {timings['lexrank']:.1f} s ({timings['lexrank'] / timings['digest']:.0f}x)",
              flush=True)


def oracle_summary(case: Case, dataset: Dataset) -> str:
    """Whole sentences picked greedily to raise ROUGE-2 recall against the case's own
    references, until the budget: what an extractive system could reach knowing the answer."""
    tokenize = dataset.scorer._tokenizer.tokenize  # the scorer's own tokens (stemmed or not)
    references = [_bigrams(tokenize(r)) for r in case.references]
    sentences = [s for a in case.articles for s in _sentences(a)]
    bags = [_bigrams(tokenize(s)) for s in sentences]
    picked: list[int] = []
    told: Counter = Counter()
    while sum(len(sentences[i].split()) for i in picked) < dataset.words:
        gains = [-1.0 if i in picked else _recall(told + bag, references) for i, bag in enumerate(bags)]
        best = int(numpy.argmax(gains)) if gains else -1
        if best < 0 or gains[best] <= _recall(told, references):
            break
        picked.append(best)
        told += bags[best]
    return " ".join(sentences[i] for i in picked)


def _bigrams(tokens: Sequence[str]) -> Counter:
    return Counter(zip(tokens, tokens[1:]))


def _recall(told: Counter, references: Sequence[Counter]) -> float:
    return sum(sum(min(n, told[g]) for g, n in r.items()) / max(sum(r.values()), 1) for r in references)


def oracle(datasets: Sequence[Dataset]) -> None:
    """The greedy ROUGE-2 oracle (sentences chosen knowing the references) beside digest and
    plain LexRank, per half: how much of the way to the extractive ceiling each goes."""
    for dataset in datasets:
        for half, part in halves(dataset).items():
            results = evaluate(part, {"oracle": oracle_summary, "digest": digest_system(), "lexrank": plain_lexrank})
            r2 = {name: scores["rouge2"] for name, scores in results.items()}
            print(f"{dataset.name + ' ' + half:<24} R2 oracle {r2['oracle']:5.1f}  digest {r2['digest']:5.1f}  "
                  f"plain LexRank {r2['lexrank']:5.1f}  1.20x LexRank {1.2 * r2['lexrank']:5.1f}", flush=True)


def two_fold(datasets: Sequence[Dataset], check_fit: Path) -> None:
    """A 2-fold check: the shipped weights (fitted on tune) scored on check, and weights fitted
    on check (`check_fit`, from eval/fit_summary.py --half check) scored on tune; digest /
    plain LexRank of each fold and of both pooled (every case held out once)."""
    folds = {"check": SummaryOptions(),
             "tune": SummaryOptions(weights=replace(Weights(), **json.loads(check_fit.read_text("utf-8"))))}
    for dataset in datasets:
        ours, theirs, ratios = [], [], []
        for half, options in folds.items():
            results = evaluate(halves(dataset)[half], {"d": digest_system(options), "l": plain_lexrank})
            ours.append(results["d"]["cases"])
            theirs.append(results["l"]["cases"])
            ratios.append(results["d"]["rouge2"] / max(results["l"]["rouge2"], 1e-9))
        ours, theirs = numpy.concatenate(ours), numpy.concatenate(theirs)
        low, high = ratio_interval(ours, theirs)
        print(f"{dataset.name:<18} digest / LexRank: tune-fit on check {ratios[0]:.2f}, check-fit on tune "
              f"{ratios[1]:.2f}, pooled {ours.mean() / theirs.mean():.2f} (95 % {low:.2f}-{high:.2f}); "
              f"R2 {ours.mean():.1f} vs {theirs.mean():.1f}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", default=DATASETS, help=f"any of: {', '.join(DATASETS)}")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    parser.add_argument("--limit", type=int, help="only the first N cases of each dataset")
    parser.add_argument("--algorithm", default="lexrank", choices=sorted(ALGORITHMS), help="digest's centrality")
    mode = parser.add_mutually_exclusive_group()
    for flag in ("ablation", "algorithms", "attribution", "speed", "oracle"):
        mode.add_argument(f"--{flag}", action="store_true", help=globals()[flag].__doc__.splitlines()[0])
    mode.add_argument("--two-fold", type=Path, metavar="FILE", help=two_fold.__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    started = time.perf_counter()
    datasets = [load(name, args.shared, args.limit) for name in args.datasets]
    if args.ablation:
        ablation(datasets)
    elif args.algorithms:
        algorithms(datasets)
    elif args.attribution:
        attribution(datasets)
    elif args.speed:
        speed(datasets)
    elif args.oracle:
        oracle(datasets)
    elif args.two_fold:
        two_fold(datasets, args.two_fold)
    else:
        report(datasets, SummaryOptions(args.algorithm))
    print(f"eval took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
