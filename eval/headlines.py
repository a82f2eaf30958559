"""UCI headlines through the headline-only path: B-cubed of a real `digest run`.

    python eval/headlines.py [--shared ../shared]

The 435 UCI News Aggregator headlines (title, link, outlet, day; no text) are written as a
JSONL export, read by digest's JSONL reader, made headline-only articles by cleaning, stored,
clustered and written to briefing.json by `digest run` (window: all, every story kept, single
headlines too). The stories of briefing.json are scored against the gold Google News stories,
beside the TF-IDF baseline and digest's clusterer given the same headlines in memory
(eval/cluster.py's "uci"). Also printed: the figures on the tune and check halves of the
stories (the split eval/cluster.py's callers use: seed 0, half the stories each).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml
from cluster import SHARED, baseline, bcubed, digest_labels, load

from digest.config import load_config
from digest.pipeline import run

SEED = 0


def through_run(shared: Path) -> tuple[list[int], list[str], list[int], list[int]]:
    """(digest run's story per headline, gold labels, in-memory labels, baseline labels)."""
    articles, gold = load("uci", shared)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        export = root / "headlines.jsonl"
        export.write_text("".join(json.dumps({"id": a.id, "title": a.title, "url": a.url, "outlet": a.outlet,
                                              "published": a.published.isoformat()}) + "\n" for a in articles), "utf-8")
        config = {"title": "UCI", "timezone": "UTC", "database": "var/uci.db", "out": "out", "window": "all",
                  "formats": ["json"], "briefing": {"min_articles": 1, "max_stories": 0},
                  "feeds": [{"name": "UCI", "url": str(export), "language": "en"}]}
        (root / "feeds.yaml").write_text(yaml.safe_dump(config), "utf-8")
        brief = run(load_config(root / "feeds.yaml")).briefing
    story = {a.id: n for n, s in enumerate(brief.stories) for a in s.articles}
    if missing := [a.id for a in articles if a.id not in story]:
        raise SystemExit(f"{len(missing)} headlines are in no story, e.g. {missing[:3]}")
    in_memory = digest_labels([replace(a, headline_only=True) for a in articles])
    return [story[a.id] for a in articles], gold, in_memory, baseline(articles)


def halves(gold: list[str]) -> dict[str, list[int]]:
    """Indexes of the tune and check halves, split by story with a fixed seed."""
    labels = sorted(set(gold))
    random.Random(SEED).shuffle(labels)
    tune = set(labels[: len(labels) // 2])
    return {"tune": [i for i, g in enumerate(gold) if g in tune], "check": [i for i, g in enumerate(gold) if g not in tune],
            "all": list(range(len(gold)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    args = parser.parse_args(argv)
    ran, gold, in_memory, base = through_run(args.shared)
    print(f"{'part':<6} {'docs':>5}   {'baseline P/R/F1':<17}   {'in memory P/R/F1':<17}   {'digest run P/R/F1':<17}")
    for part, rows in halves(gold).items():
        scores = [bcubed([labels[i] for i in rows], [gold[i] for i in rows]) for labels in (base, in_memory, ran)]
        print(f"{part:<6} {len(rows):>5}   " + "   ".join("{:.3f} {:.3f} {:.3f}".format(*s) for s in scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
