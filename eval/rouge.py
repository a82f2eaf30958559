"""ROUGE of digest's summaries beside two baselines, on MultiLing 2011 and IndoSum.

    python eval/rouge.py [DATASET...] [--shared ../shared] [--limit N] [--algorithm NAME]
    python eval/rouge.py --ablation [DATASET...]     # the summarizer without each component
    python eval/rouge.py --algorithms [DATASET...]   # the summarizer with each sumy centrality
    python eval/rouge.py --attribution               # the same-sentence threshold, measured
    python eval/rouge.py --speed [DATASET...]        # all its articles as one story: seconds

Systems, all given the same articles:
- digest: digest.summarize with its defaults and the dataset's budget.
- lexrank: plain sumy LexRank over every sentence of every article (digest's tokenizer,
  Snowball stemmer and stop words), best-rated sentences until the budget.
- lead: the first sentences of the earliest article (section headings skipped).

Datasets (shared/eval, see its README):
- multiling-<language>: MultiLing 2011, 10 events x 10 articles, 250 words, 3 human references
  per event (French 2-5). ROUGE recall averaged over the references, stemmed: rouge-score's own
  tokenizer and Porter stemmer for English (as ROUGE-1.5.5 -m); for the other languages, whose
  letters that tokenizer drops, digest's Unicode word tokenizer and Snowball stemmer (Hebrew has
  none: unstemmed). Baselines are cut at exactly 250 words (ROUGE -l 250); digest gives whole
  sentences within 250 words. Each text opens with its date, removed here as a date (it may be
  glued to the first sentence or follow a caption line); articles are dated from the English
  edition's date line, the editions being translations of one another.
- indosum: IndoSum, 270 single Indonesian articles with one human summary each: ROUGE F,
  unstemmed, rouge-score's tokenizer, 3 sentences for every system (LEAD-3 for lead).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import numpy
from dateutil import parser as dateparser
from rouge_score import rouge_scorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.lex_rank import LexRankSummarizer

import digest.summarize as summarize_module
from digest.language import get_language
from digest.models import Article
from digest.similarity import cosine, jaccard, terms
from digest.summarize import ALGORITHMS, SummaryOptions, Weights, is_heading, summarize

SHARED = Path(__file__).resolve().parents[2] / "shared"
MULTILING = {"english": "en", "french": "fr", "czech": "cs", "greek": "el", "arabic": "ar",
             "hebrew": "he", "hindi": "hi"}
DATASETS = (*(f"multiling-{name}" for name in MULTILING), "indosum")
METRICS = ("rouge1", "rouge2", "rougeL")
SYSTEMS = ("digest", "lexrank", "lead")
MANY = 10_000  # "no limit" for the budget that does not apply

# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    articles: tuple[Article, ...]
    references: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str
    language: str
    cases: tuple[Case, ...]
    words: int | None  # budget in words, or
    sentences: int | None  # in sentences
    measure: str  # "recall" | "fmeasure"
    scorer: rouge_scorer.RougeScorer


class UnicodeTokenizer:
    """rouge-score's tokenizer duck type for any script: lowercased digest words, stemmed."""

    def __init__(self, code: str) -> None:
        self.lang = get_language(code)

    def tokenize(self, text: str) -> list[str]:
        return [self.lang.stem(w) for w in self.lang.words(text)]


_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\S+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DAY = re.compile(r"(?<!\d)\d{1,2}(?!\d)")
_EN_DATE = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November"
                      r"|December) \d{1,2}, \d{4}")


def strip_date(text: str, year: int) -> str:
    """The text after its opening date: the first year among the opening words that is the
    edition's year or follows a day number (whatever the script of its digits)."""
    head = _DIGIT.sub(lambda m: str(unicodedata.digit(m.group())), text[:200])  # "२०१०" -> "2010"
    tokens = list(_TOKEN.finditer(head))[:20]
    for j, token in enumerate(tokens):
        found = _YEAR.search(token.group())
        if not found:
            continue
        before = " ".join(t.group() for t in tokens[max(0, j - 3):j]) + token.group()[:found.start()]
        if found.group() == str(year) or _DAY.search(before):
            return text[token.start() + found.end():].lstrip(" .,\u200b\n")
    return text


def _lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _multiling_dates(shared: Path) -> dict[str, datetime]:
    """Publication date of every MultiLing document number, from the English date lines."""
    dates = {}
    for event in _lines(shared / "eval" / "multiling2011" / "english.clusters.jsonl"):
        for doc in event["docs"]:
            found = _EN_DATE.search(doc["text"][:200])
            dates[doc["doc_id"].split(".")[0]] = dateparser.parse(found.group()).replace(tzinfo=timezone.utc)
    return dates


def _multiling(shared: Path, name: str) -> Dataset:
    code, dates, cases = MULTILING[name], _multiling_dates(shared), []
    for event in _lines(shared / "eval" / "multiling2011" / f"{name}.clusters.jsonl"):
        articles = []
        for doc in event["docs"]:
            published = dates[doc["doc_id"].split(".")[0]]
            text = strip_date(doc["text"], published.year)
            articles.append(Article(id=doc["doc_id"], title=doc["title"], text=text, outlet=doc["source"],
                                    language=code, source=name, published=published))
        cases.append(Case(event["cluster_id"], tuple(articles), tuple(event["reference_summaries"])))
    scorer = (rouge_scorer.RougeScorer(METRICS, use_stemmer=True) if code == "en"
              else rouge_scorer.RougeScorer(METRICS, tokenizer=UnicodeTokenizer(code)))
    return Dataset(f"multiling-{name}", code, tuple(cases), 250, None, "recall", scorer)


def _indosum(shared: Path) -> Dataset:
    cases = []
    for story in _lines(shared / "eval" / "indosum_dev_sample" / "clusters.jsonl"):
        articles = tuple(Article(id=d["doc_id"], title=d["title"], text=d["text"], outlet=d["source"],
                                 language="id", source="indosum", url=d.get("url")) for d in story["docs"])
        cases.append(Case(story["cluster_id"], articles, tuple(story["reference_summaries"])))
    return Dataset("indosum", "id", tuple(cases), None, 3, "fmeasure", rouge_scorer.RougeScorer(METRICS))


def load(dataset: str, shared: Path = SHARED, limit: int | None = None) -> Dataset:
    if dataset == "indosum":
        loaded = _indosum(shared)
    elif dataset.startswith("multiling-") and dataset[10:] in MULTILING:
        loaded = _multiling(shared, dataset[10:])
    else:
        raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
    return replace(loaded, cases=loaded.cases[:limit])


# --- systems ------------------------------------------------------------------------------

System = Callable[[Case, Dataset], str]


def digest_system(options: SummaryOptions = SummaryOptions()) -> System:
    def run(case: Case, dataset: Dataset) -> str:
        budget = replace(options, sentences=dataset.sentences or MANY, max_words=dataset.words or MANY)
        return " ".join(s.text for s in summarize(case.articles, budget))
    return run


def _sentences(article: Article) -> list[str]:
    lang = get_language(article.language)
    found = []
    for paragraph in article.paragraphs:
        split = lang.split_sentences(paragraph)
        if not (len(split) == 1 and is_heading(split[0], lang)):
            found.extend(split)
    return found


def _cut(ranked: Sequence[int], sentences: Sequence[str], dataset: Dataset) -> str:
    """The best-ranked sentences in text order, to the budget; a word budget cuts the last."""
    if dataset.sentences:
        return " ".join(sentences[i] for i in sorted(ranked[:dataset.sentences]))
    picked, words = [], 0
    for i in ranked:
        picked.append(i)
        words += len(sentences[i].split())
        if words >= dataset.words:
            break
    return " ".join(" ".join(sentences[i] for i in sorted(picked)).split()[:dataset.words])


def lead(case: Case, dataset: Dataset) -> str:
    earliest = min(case.articles, key=lambda a: a.published or datetime.max.replace(tzinfo=timezone.utc))
    sentences = _sentences(earliest)
    return _cut(range(len(sentences)), sentences, dataset)


def plain_lexrank(case: Case, dataset: Dataset) -> str:
    lang = get_language(dataset.language)
    texts = [s for a in case.articles for s in _sentences(a)]
    sentences = [Sentence(t, lang) for t in texts]
    summarizer = LexRankSummarizer(lang.stem)
    summarizer.stop_words = lang.stop_words
    ratings: dict[Sentence, float] = {}

    def record(infos):
        ratings.update((info.sentence, info.rating) for info in infos)
        return infos

    with numpy.errstate(invalid="ignore", divide="ignore"):
        summarizer(ObjectDocumentModel([Paragraph(sentences)]), record)
    ranked = sorted(range(len(texts)), key=lambda i: -numpy.nan_to_num(ratings[sentences[i]]))
    return _cut(ranked, texts, dataset)


# --- scoring ------------------------------------------------------------------------------


def rouge(dataset: Dataset, summary: str, references: Sequence[str]) -> dict[str, float]:
    """The dataset's measure for each metric, averaged over the references, in percent."""
    scores = [dataset.scorer.score(ref, summary) for ref in references]
    return {m: 100 * float(numpy.mean([getattr(s[m], dataset.measure) for s in scores])) for m in METRICS}


def _per_case(dataset: Dataset, system: System) -> list[dict[str, float]]:
    return [rouge(dataset, system(case, dataset), case.references) for case in dataset.cases]


def evaluate(dataset: Dataset, systems: dict[str, System]) -> dict[str, dict[str, float]]:
    """Mean ROUGE of each system over the dataset's cases, and its seconds under "seconds"."""
    results = {}
    for name, system in systems.items():
        started = time.perf_counter()
        per_case = _per_case(dataset, system)
        results[name] = {m: float(numpy.mean([c[m] for c in per_case])) for m in METRICS}
        results[name]["seconds"] = time.perf_counter() - started
    return results


def _table(rows: list[tuple[str, str, dict[str, float]]]) -> None:
    print(f"{'dataset':<18} {'system':<22} {'R1':>6} {'R2':>6} {'RL':>6} {'time':>7}")
    for dataset, system, scores in rows:
        print(f"{dataset:<18} {system:<22} " + " ".join(f"{scores[m]:6.1f}" for m in METRICS)
              + f" {scores['seconds']:6.1f}s", flush=True)


def report(datasets: Sequence[Dataset], options: SummaryOptions = SummaryOptions()) -> None:
    systems = {"digest": digest_system(options), "lexrank": plain_lexrank, "lead": lead}
    for dataset in datasets:
        results = evaluate(dataset, systems)
        _table([(dataset.name, name, results[name]) for name in SYSTEMS])
        ratio = results["digest"]["rouge2"] / max(results["lexrank"]["rouge2"], 1e-9)
        print(f"{dataset.name:<18} digest R2 / lexrank R2 = {ratio:.2f}\n", flush=True)


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
    "no MMR penalty": ({"redundancy": 0.0}, {}),
    "no novelty rule": ({"novelty": 0.0}, {}),
    "no debris filter": ({}, {"is_candidate": _length_only}),
    "no dangling rule": ({}, {"is_dangling": lambda text, lang: False}),
}


def ablation(datasets: Sequence[Dataset]) -> None:
    """The summarizer without each component (its weight set to 0) or rule, all else equal;
    ΔR2 is paired with the default, ± its standard error over the dataset's cases."""
    for dataset in datasets:
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
    """The summarizer with each sumy algorithm as its centrality."""
    for dataset in datasets:
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
    """Seconds to summarize all of a dataset's articles as one story: digest vs plain sumy."""
    for dataset in datasets:
        story = Case("all", tuple(a for case in dataset.cases for a in case.articles), ())
        timings = {}
        for name, system in (("digest", digest_system()), ("lexrank", plain_lexrank)):
            started = time.perf_counter()
            system(story, dataset)
            timings[name] = time.perf_counter() - started
        print(f"{dataset.name:<18} {len(story.articles):>4} articles: digest {timings['digest']:.2f} s, "
              f"plain sumy LexRank {timings['lexrank']:.1f} s ({timings['lexrank'] / timings['digest']:.0f}x)",
              flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", default=DATASETS, help=f"any of: {', '.join(DATASETS)}")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    parser.add_argument("--limit", type=int, help="only the first N cases of each dataset")
    parser.add_argument("--algorithm", default="lexrank", choices=sorted(ALGORITHMS), help="digest's centrality")
    mode = parser.add_mutually_exclusive_group()
    for flag in ("ablation", "algorithms", "attribution", "speed"):
        mode.add_argument(f"--{flag}", action="store_true", help=globals()[flag].__doc__.splitlines()[0])
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
    else:
        report(datasets, SummaryOptions(args.algorithm))
    print(f"eval took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
