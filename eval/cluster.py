"""B-cubed evaluation of digest's story clustering beside a TF-IDF baseline.

    python eval/cluster.py [--shared ../shared]

Datasets (from shared/eval, see its README):
- uci: UCI News Aggregator headlines (no body), 87 Google News stories over 10-12 March 2014.
- multiling-<language>: MultiLing 2011, 10 topics x 10 articles per language.
- multiling-all: the seven MultiLing languages mixed (the same topics across languages).
- indosum-distinct: 270 unrelated IndoSum articles, each its own story, undated: only
  precision is informative (how often distinct articles of one category get merged).

MultiLing topics run over months or years (e.g. the London bombings from 2005 to 2009), so
their dates are not given to the clusterer: with them, the 48-hour window would rightly split
every topic. UCI keeps its (day-resolution) dates.

The baseline is scikit-learn's TfidfVectorizer (English stop words, max_df 0.5) over title and
text with average-link agglomerative clustering at cosine distance 0.9. It gives UCI 0.772,
MultiLing English 0.930 and all languages 0.195, against the README's 0.78 / 0.93 / 0.20.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from digest.cluster import ClusterOptions, cluster
from digest.features import Features
from digest.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
MULTILING = {"english": "en", "french": "fr", "czech": "cs", "greek": "el", "arabic": "ar",
             "hebrew": "he", "hindi": "hi"}
DATASETS = ("uci", *(f"multiling-{name}" for name in MULTILING), "multiling-all", "indosum-distinct")


def bcubed_items(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> list[tuple[float, float]]:
    """Per item: the share of its predicted cluster that shares its gold label (precision),
    and the share of its gold cluster that shares its predicted cluster (recall)."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels differ in length")
    both = Counter(zip(predicted, gold))
    sizes_predicted, sizes_gold = Counter(predicted), Counter(gold)
    return [(both[p, g] / sizes_predicted[p], both[p, g] / sizes_gold[g]) for p, g in zip(predicted, gold)]


def bcubed(predicted: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering: bcubed_items averaged over items."""
    items = bcubed_items(predicted, gold)
    if not items:
        return 1.0, 1.0, 1.0
    precision = sum(p for p, _ in items) / len(items)
    recall = sum(r for _, r in items) / len(items)
    return precision, recall, 2 * precision * recall / (precision + recall)


def story_resamplings(gold: Sequence[Hashable], draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws × items: how often each item's gold story was drawn when the stories are
    resampled with replacement (a bootstrap over stories, not over articles)."""
    stories, story_of = np.unique(np.array(gold, dtype=object).astype(str), return_inverse=True)
    picks = rng.integers(0, len(stories), size=(draws, len(stories)))
    return np.array([np.bincount(pick, minlength=len(stories)) for pick in picks])[:, story_of]


def bcubed_interval(predicted: Sequence[Hashable], gold: Sequence[Hashable], draws: int = 2000,
                    seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval (gold stories resampled) of the B-cubed F1."""
    items = np.array(bcubed_items(predicted, gold))
    weights = story_resamplings(gold, draws, np.random.default_rng(seed))
    precision, recall = (weights @ items / weights.sum(axis=1)[:, None]).T
    low, high = np.percentile(2 * precision * recall / (precision + recall), [2.5, 97.5])
    return float(low), float(high)


# --- data ---------------------------------------------------------------------------


def _lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _uci(shared: Path) -> tuple[list[Article], list[str]]:
    docs = _lines(shared / "eval" / "uci_news_aggregator_sample" / "docs.jsonl")
    articles = [
        Article(id=d["doc_id"], title=d["title"], text=d["text"], outlet=d["source"], language="en",
                source="uci", url=d.get("url"),
                published=datetime.fromisoformat(d["date"]).replace(tzinfo=timezone.utc))
        for d in docs
    ]
    return articles, [d["label"] for d in docs]


def _multiling(shared: Path, name: str) -> tuple[list[Article], list[str]]:
    articles, gold = [], []
    for topic in _lines(shared / "eval" / "multiling2011" / f"{name}.clusters.jsonl"):
        for d in topic["docs"]:
            articles.append(Article(id=f"{name}:{d['doc_id']}", title=d["title"], text=d["text"],
                                    outlet=d["source"], language=MULTILING[name], source=name))
            gold.append(topic["cluster_id"])
    return articles, gold


def indosum(shared: Path, parts: Sequence[str] = ("indosum_dev_sample",)) -> tuple[list[Article], list[str]]:
    """IndoSum's articles (one a story) from these of its sets."""
    articles, gold = [], []
    for story in (story for part in parts for story in _lines(shared / "eval" / part / "clusters.jsonl")):
        for d in story["docs"]:
            articles.append(Article(id=d["doc_id"], title=d["title"], text=d["text"], outlet=d["source"],
                                    language="id", source="indosum", url=d.get("url")))
            gold.append(story["cluster_id"])
    return articles, gold


def load(dataset: str, shared: Path = SHARED) -> tuple[list[Article], list[str]]:
    """Articles and their gold story labels."""
    if dataset == "uci":
        return _uci(shared)
    if dataset == "indosum-distinct":
        return indosum(shared)
    if dataset == "multiling-all":
        parts = [_multiling(shared, name) for name in MULTILING]
        return [a for p in parts for a in p[0]], [g for p in parts for g in p[1]]
    if dataset.startswith("multiling-") and dataset[10:] in MULTILING:
        return _multiling(shared, dataset[10:])
    raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")


# --- the two clusterings ------------------------------------------------------------


def baseline(articles: Sequence[Article]) -> list[int]:
    """TF-IDF + average-link agglomerative clustering, cosine distance threshold 0.9.
    Articles without a single kept term stay alone (cosine is undefined for them)."""
    texts = [f"{a.title}\n\n{a.text}" for a in articles]
    matrix = TfidfVectorizer(stop_words="english", max_df=0.5).fit_transform(texts)  # unit rows
    labels = np.arange(len(articles)) + len(articles)
    nonzero = np.flatnonzero(matrix.getnnz(axis=1))
    if len(nonzero) > 1:
        kept = matrix[nonzero]
        distances = np.clip(1.0 - (kept @ kept.T).toarray(), 0.0, None)
        np.fill_diagonal(distances, 0.0)
        model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                        distance_threshold=0.9)
        labels[nonzero] = model.fit_predict(distances)
    return labels.tolist()


def digest_labels(articles: Sequence[Article], options: ClusterOptions = ClusterOptions(),
                  features: Mapping[str, Features] | None = None) -> list[int]:
    """digest.cluster (default options unless given), as story numbers per article;
    `features` (by article id) saves computing them again."""
    story = {}
    for number, assignment in enumerate(cluster(articles, options=options, features=features)):
        story.update((id(a), number) for a in assignment.articles)
    return [story[id(a)] for a in articles]


def evaluate(dataset: str, shared: Path = SHARED) -> dict:
    """Baseline and digest B-cubed scores (precision, recall, f1) on one dataset."""
    articles, gold = load(dataset, shared)
    started = time.perf_counter()
    ours = digest_labels(articles)
    seconds = time.perf_counter() - started
    return {
        "dataset": dataset,
        "docs": len(articles),
        "gold_clusters": len(set(gold)),
        "baseline": dict(zip(("precision", "recall", "f1"), bcubed(baseline(articles), gold))),
        "digest": dict(zip(("precision", "recall", "f1"), bcubed(ours, gold))),
        "digest_seconds": seconds,
    }


def _row(result: dict) -> str:
    scores = [result[side][k] for side in ("baseline", "digest") for k in ("precision", "recall", "f1")]
    return (f"{result['dataset']:<18} {result['docs']:>5} {result['gold_clusters']:>6}   "
            "{:.3f} {:.3f} {:.3f}   {:.3f} {:.3f} {:.3f}".format(*scores)
            + f"   {result['digest_seconds']:5.2f}s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    parser.add_argument("datasets", nargs="*", default=DATASETS, help=f"any of: {', '.join(DATASETS)}")
    args = parser.parse_args(argv)
    print(f"{'dataset':<18} {'docs':>5} {'gold':>6}   {'baseline P/R/F1':<17}   {'digest P/R/F1':<17}   time")
    for dataset in args.datasets:
        print(_row(evaluate(dataset, args.shared)), flush=True)
    if "uci" in args.datasets:  # the same headlines through a real `digest run` (headline-only articles)
        from headlines import through_run

        ran, gold, _, _ = through_run(args.shared)
        print("uci, digest run: P/R/F1 {:.3f} {:.3f} {:.3f} (eval/headlines.py: tune and check halves)".format(
            *bcubed(ran, gold)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
