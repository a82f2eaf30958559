"""Fit the summarizer's few selection weights on the tune halves; write digest/data/summary_model.json.

    python eval/fit_summary.py [--rounds 2] [--dry-run]
    python eval/fit_summary.py --half check --output check_fold.json   # the other fold of a
                                                     # 2-fold check (eval/rouge.py --two-fold)

Coordinate search: each weight in turn takes the grid value that maximises the objective with
the others held, for a few rounds. The objective is digest's ROUGE-2 recall divided by plain
sumy LexRank's on the same tune half, averaged over every set (eval/summary_data.py): a ratio,
so no set counts more for having higher scores. Only tune halves are read; the check halves
stay unseen until eval/rouge.py reports them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy

from digest.scoring import Weights
from digest.summarize import SummaryOptions
from rouge import digest_system, evaluate, plain_lexrank
from summary_data import DATASETS, HALVES, Dataset, halves, load

MODEL = Path(__file__).resolve().parents[1] / "digest" / "data" / "summary_model.json"
GAIN = 1e-3  # a change must raise the objective this much: smaller differences are noise
GRID = {
    "concepts": (0.0, 1.0, 3.0, 10.0, 30.0),
    "length_scale": (0.0, 0.5, 1.0),
    "position": (1.0, 2.0, 3.0, 5.0, 8.0),
    "single_position": (1.0, 3.0, 10.0, 30.0),
    "redundancy": (0.0, 0.25, 0.5, 1.0),
    "centrality": (0.5, 1.0, 2.0),
    "headline": (0.0, 1.0, 2.0),
    "agreement": (0.0, 1.0, 2.0),
    "half_life": (2.0, 3.0, 5.0),
    "single_novelty": (0.0, 0.25, 0.5),
    "single_redundant": (0.5, 0.65, 0.8),
    "pushed_out": (0.0, 0.25, 0.5, 1.0, 2.0),
}


def objective(weights: Weights, sets: Sequence[Dataset], baselines: Sequence[float]) -> float:
    system = {"digest": digest_system(SummaryOptions(weights=weights))}
    return float(numpy.mean([evaluate(d, system)["digest"]["rouge2"] / b for d, b in zip(sets, baselines)]))


def fit(sets: Sequence[Dataset], rounds: int) -> tuple[Weights, float]:
    baselines = [evaluate(d, {"lexrank": plain_lexrank})["lexrank"]["rouge2"] for d in sets]
    weights = Weights()
    best = objective(weights, sets, baselines)
    print(f"start {best:.4f}", flush=True)
    for _ in range(rounds):
        changed = False
        for name, values in GRID.items():
            for value in values:
                if value == getattr(weights, name):
                    continue
                trial = replace(weights, **{name: value})
                found = objective(trial, sets, baselines)
                print(f"{name}={value}: {found:.4f}", flush=True)
                if found > best + GAIN:
                    weights, best, changed = trial, found, True
        if not changed:
            break
    return weights, best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    parser.add_argument("--half", choices=HALVES, default="tune",
                        help="fit on this half (check: the other fold of a 2-fold check, never the shipped model)")
    parser.add_argument("--output", type=Path, help="write the weights here instead of the shipped model")
    args = parser.parse_args(argv)
    if args.half != "tune" and args.output is None and not args.dry_run:
        parser.error("a fit on the check half is never shipped: give --output FILE or --dry-run")
    weights, best = fit([halves(load(name))[args.half] for name in DATASETS], args.rounds)
    model = {name: getattr(weights, name) for name in GRID}
    print(f"{args.half} objective {best:.4f}: {model}")
    if not args.dry_run:
        (args.output or MODEL).write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
