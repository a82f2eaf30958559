"""Fit the (article, story) model of digest/linking.py on the tune halves of the streams.

    python eval/fit_cluster.py [--shared ../shared] [--write]

1. Pairs: each tune half of eval/stream.py's streams is replayed with every article put in
   its gold story (so the stories are the true ones); each article meets the stories that
   retrieval offers it, and each (article, story) pair is one example, positive when the
   story is the article's own.
2. Weights: logistic regression (scikit-learn) on those pairs, each stream weighing the same.
3. Thresholds: the join probability, and the second look's (digest.cluster), with the best
   B-cubed F1 of digest's clustering over the tune halves, weighed by their stories (a grid;
   of the points within TIE of the best, the strictest).

Check halves are never read. --write saves the model to digest/data/linking.yaml.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from stream import OPTIONS, SHARED, STREAMS, Replay, evaluate, replays

from digest.cluster import _in_window, stream
from digest.linking import FEATURES, LinkModel

DATA = Path(__file__).resolve().parents[1] / "digest" / "data" / "linking.yaml"
JOIN = np.round(np.arange(0.1, 0.61, 0.1), 2)
SECOND_LOOK = np.round(np.arange(0.1, 0.91, 0.1), 2)
TIE = 0.01  # tune F1 differences smaller than this are taken for noise (README: why 0.01)


def pairs(replay: Replay) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of every retrieved (article, story) pair, stories being gold."""
    compared, _, _ = _in_window(replay.articles, (), None)
    gold_of = {id(a): g for a, g in zip(replay.articles, replay.gold)}
    state = stream(compared, (), OPTIONS)
    story_gold: list[str] = []
    latest: dict[str, int] = {}  # gold story -> its story number (a closed one reopens anew)
    rows, labels = [], []
    for index, article in enumerate(compared):
        gold = gold_of[id(article)]
        stories = state.candidates(index)
        if stories:
            rows.append(state.features(index, stories))
            labels.extend(story_gold[s] == gold for s in stories)
        own = latest.get(gold)
        if own is not None and not state.is_open(index, own):
            own = None
        number = state.add(index, own)
        if own is None:
            story_gold.append(gold)
            latest[gold] = number
    return (np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))), np.array(labels, dtype=bool)


def fit(tune: Sequence[Replay]) -> LogisticRegression:
    features, labels, weights = [], [], []
    for replay in tune:
        x, y = pairs(replay)
        features.append(x)
        labels.append(y)
        weights.append(np.full(len(y), 1.0 / max(len(y), 1)))
        print(f"{replay.name:<19} {len(y):>6} pairs, {int(y.sum()):>5} positive", flush=True)
    model = LogisticRegression(C=1.0, max_iter=1000)
    x, y, w = np.vstack(features), np.concatenate(labels), np.concatenate(weights)
    return model.fit(x, y, sample_weight=w * len(y) / w.sum())


def objective(results: Sequence[dict]) -> float:
    """F1 averaged over the streams weighed by their stories: each labelled event counts the
    same (MultiLing's ten events would otherwise outweigh Multi-News's 250)."""
    return float(np.average([r["digest"][2] for r in results], weights=[r["stories"] for r in results]))


def choose_thresholds(tune: Sequence[Replay], weights: np.ndarray, bias: float) -> LinkModel:
    """The strictest grid point whose tune F1 is within TIE of the best: the objective is flat
    near its top, and there a merged pair of events costs the reader more than a split."""
    scored = []
    for join, second_look in itertools.product(JOIN, SECOND_LOOK):
        model = LinkModel(tuple(map(float, weights)), float(bias), float(join), float(second_look))
        f1 = objective([evaluate(replay, replace(OPTIONS, model=model)) for replay in tune])
        print(f"join {join:.2f}, second look {second_look:.2f}: tune F1 {f1:.4f}", flush=True)
        scored.append((f1, model))
    top = max(f1 for f1, _ in scored)
    return max((m for f1, m in scored if f1 >= top - TIE), key=lambda m: (m.threshold, m.second_look))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    parser.add_argument("--write", action="store_true", help=f"save the model to {DATA}")
    args = parser.parse_args(argv)
    tune = [replays(name, args.shared)["tune"] for name in STREAMS]
    regression = fit(tune)
    model = choose_thresholds(tune, regression.coef_[0], regression.intercept_[0])
    print(model.to_yaml("fitted"))
    if args.write:
        note = ("Fitted by eval/fit_cluster.py on the tune halves of eval/stream.py's streams "
                "(logistic regression; thresholds: best tune B-cubed F1, streams weighed by their stories).")
        DATA.write_text(model.to_yaml(note), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
