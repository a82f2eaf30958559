"""Stream replays: labelled stories side by side in one window, and developing stories.

    python eval/stream.py [--shared ../shared] [streams...]
    python eval/stream.py --thresholds 0.06 0.086 0.12 -- [streams...]   # tune F1 by join threshold

Every labelled set is split by story into a tune half and a check half (seed 0, the split
of eval/headlines.py); each half is replayed as its own stream, clustered by digest (every
article compared, `window: all`) and by the TF-IDF + average-link baseline of
eval/cluster.py (which ignores dates), and scored with B-cubed. Weights and thresholds are
chosen on tune (eval/fit_cluster.py); the README reports check.

- multinews: the Multi-News validation sample (250 stories, 690 web articles, no dates):
  each story gets a random centre in a 3-day window, its articles ±10 hours around it.
- multiling-english, multiling-all: MultiLing 2011's ten events (English, or all seven
  languages mixed), dated the same way (the same event has the same centre in every language);
  multiling-french ... multiling-hindi: each other language alone.
- uci: UCI News Aggregator headlines with their own days (10-12 March 2014).
- indosum: IndoSum's 1,270 Indonesian articles (the sample and the large set), each its own
  story, in the same 3-day window: how often unrelated Indonesian news is merged (precision).
- mixed: the halves of multinews, multiling-all and uci in one window (UCI's days moved to
  the same three days): 900 articles of every kind at once, where chance merges show.
- day: mixed and indosum in one window, about 1,550 articles: a busy day of several languages,
  where unrelated news of one topic, and names and numbers across languages, meet by chance
  more often than in any smaller stream.
- developing-multinews: the Multi-News stories each reported over days to weeks: the
  articles of a story 12 hours to 6 days apart, the stories' starts spread over four weeks.
- developing-english, developing-all: MultiLing's events each reported over about four weeks,
  its articles in their real order, 12 hours to 6 days apart, the events' starts spread over
  a week. Beside B-cubed: the share of each story's articles kept in its largest predicted
  story (mean and worst), which should stay at 95 % or more.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cluster import MULTILING, SHARED, _lines, baseline, bcubed, bcubed_interval, digest_labels, indosum, load
from headlines import halves

from digest.cluster import ClusterOptions
from digest.models import Article

# MultiLing's other languages one by one: in the mixed stream, links across languages can
# hide stories that one language alone splits.
LANGUAGES = tuple(f"multiling-{name}" for name in MULTILING if name != "english")
STREAMS = ("multinews", "multiling-english", "multiling-all", "uci", "developing-multinews", "developing-english",
           "developing-all", "mixed", "indosum", "day", *LANGUAGES)
# Streams made of other streams' halves in one window.
COMBINED = {"mixed": ("multinews", "multiling-all", "uci"), "day": ("multinews", "multiling-all", "uci", "indosum")}
SEED = 0
START = datetime(2026, 1, 5, tzinfo=timezone.utc)
SPREAD = timedelta(hours=10)
DAYS = 3
OPTIONS = ClusterOptions(window=None)


@dataclass(frozen=True)
class Replay:
    """One half of a stream: articles, their gold stories."""

    name: str
    part: str
    articles: tuple[Article, ...]
    gold: tuple[str, ...]


def _centred(articles: Sequence[Article], gold: Sequence[str], rng: random.Random) -> list[Article]:
    """Each story a random centre in a DAYS-day window, its articles within SPREAD of it."""
    centres = {g: START + timedelta(hours=rng.uniform(0, 24 * DAYS)) for g in sorted(set(gold))}
    hours = SPREAD.total_seconds() / 3600
    return [replace(a, published=centres[g] + timedelta(hours=rng.uniform(-hours, hours)))
            for a, g in zip(articles, gold)]


def _multinews(shared: Path) -> tuple[list[Article], list[str]]:
    docs = _lines(shared / "eval" / "multinews_val_sample" / "docs.jsonl")
    articles = [Article(id=d["doc_id"], title=d["title"], text=d["text"], outlet=d["source"], language="en",
                        source="multinews") for d in docs]
    return articles, [d["label"] for d in docs]


def _developing(names: Sequence[str], shared: Path, rng: random.Random) -> tuple[list[Article], list[str]]:
    """MultiLing events spread over weeks: the n-th article of an event (by its real date)
    gets the n-th date of the event's schedule, in every language."""
    articles, gold = [], []
    schedules: dict[str, list[datetime]] = {}
    for name in names:
        for topic in _lines(shared / "eval" / "multiling2011" / f"{name}.clusters.jsonl"):
            docs = sorted(topic["docs"], key=lambda d: (d["date"], d["doc_id"]))
            schedule = schedules.setdefault(topic["cluster_id"], _schedule(len(docs), rng))
            for doc, moment in zip(docs, schedule):
                articles.append(Article(id=f"{name}:{doc['doc_id']}", title=doc["title"], text=doc["text"],
                                        outlet=doc["source"], language=MULTILING[name], source=name,
                                        published=moment))
                gold.append(topic["cluster_id"])
    return articles, gold


def _spread(articles: Sequence[Article], gold: Sequence[str], rng: random.Random) -> list[Article]:
    """Each story's articles one after another, days apart, starting within four weeks."""
    schedules = {g: iter(_schedule(size, rng, 28)) for g, size in sorted(Counter(gold).items())}
    return [replace(a, published=next(schedules[g])) for a, g in zip(articles, gold)]


def _schedule(size: int, rng: random.Random, days: float = 7) -> list[datetime]:
    """`size` dates 12 hours to 6 days apart, from a start within `days`."""
    moment = START + timedelta(days=rng.uniform(0, days))
    dates = [moment]
    for _ in range(size - 1):
        moment += timedelta(hours=rng.uniform(12, 24 * 6))
        dates.append(moment)
    return dates


def stream(name: str, shared: Path = SHARED) -> tuple[list[Article], list[str]]:
    """The whole stream (both halves), dated, with its gold labels."""
    rng = random.Random(f"{SEED}:{name}")
    if name == "multinews" or name.startswith("multiling-"):
        articles, gold = _multinews(shared) if name == "multinews" else load(name, shared)
        return _centred(articles, gold, rng), gold
    if name == "uci":
        return load("uci", shared)
    if name == "indosum":
        articles, gold = indosum(shared, ("indosum_dev_sample", "indosum_dev_large"))
        return _centred(articles, gold, rng), gold
    if name == "developing-multinews":
        articles, gold = _multinews(shared)
        return _spread(articles, gold, rng), gold
    if name in ("developing-english", "developing-all"):
        return _developing(["english"] if name.endswith("english") else list(MULTILING), shared, rng)
    raise ValueError(f"unknown stream {name!r}: choose one of {', '.join(STREAMS)}")


def replays(name: str, shared: Path = SHARED) -> dict[str, Replay]:
    """The tune and check halves of a stream, split by story (combined: their parts' halves)."""
    if name in COMBINED:
        parts = [replays(part, shared) for part in COMBINED[name]]
        return {half: Replay(name, half, tuple(a for p in parts for a in _moved(p[half].articles)),
                             tuple(g for p in parts for g in p[half].gold)) for half in ("tune", "check")}
    articles, gold = stream(name, shared)
    return {part: Replay(name, part, tuple(articles[i] for i in rows), tuple(gold[i] for i in rows))
            for part, rows in halves(gold).items() if part != "all"}


def _moved(articles: Sequence[Article]) -> list[Article]:
    """Articles dated before START moved so that the earliest falls on START's day."""
    first = min(a.published for a in articles)
    shift = max(START - first, timedelta(0)) // timedelta(days=1) * timedelta(days=1)
    return [replace(a, published=a.published + shift) for a in articles]


def kept(predicted: Sequence, gold: Sequence) -> tuple[float, float]:
    """(mean, worst) share of a gold story's articles in its largest predicted story."""
    shares = []
    for story in set(gold):
        found = Counter(p for p, g in zip(predicted, gold) if g == story)
        shares.append(max(found.values()) / sum(found.values()))
    return sum(shares) / len(shares), min(shares)


def evaluate(replay: Replay, options: ClusterOptions = OPTIONS) -> dict:
    """Baseline and digest scores on one half."""
    ours = digest_labels(replay.articles, options)
    return {"stream": replay.name, "part": replay.part, "docs": len(replay.articles),
            "stories": len(set(replay.gold)),
            "baseline": bcubed(baseline(replay.articles), replay.gold), "digest": bcubed(ours, replay.gold),
            "kept": kept(ours, replay.gold), "interval": bcubed_interval(ours, replay.gold)}


def _row(result: dict) -> str:
    return (f"{result['stream']:<19} {result['part']:<6} {result['docs']:>5} {result['stories']:>5}   "
            + "   ".join("{:.3f} {:.3f} {:.3f}".format(*result[side]) for side in ("baseline", "digest"))
            + "   {:.3f} {:.3f}".format(*result["kept"]) + "   {:.3f}-{:.3f}".format(*result["interval"]))


def sweep(names: Sequence[str], half: str, thresholds: Sequence[float], shared: Path = SHARED) -> None:
    """digest's B-cubed F1 on one half of each stream at each join threshold, all else as
    shipped: which streams want stories drawn wider, which narrower."""
    chosen = {name: replays(name, shared)[half] for name in names}
    print(f"{half:<6} {'threshold':>9} " + " ".join(f"{name:>19}" for name in names))
    for threshold in thresholds:
        options = replace(OPTIONS, threshold=threshold)
        scores = (bcubed(digest_labels(r.articles, options), r.gold)[2] for r in chosen.values())
        print(f"{'':<6} {threshold:9.3f} " + " ".join(f"{score:19.3f}" for score in scores), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder (holds eval/)")
    parser.add_argument("--thresholds", type=float, nargs="+", metavar="T",
                        help="instead: F1 of the tune half of each stream at each join threshold")
    parser.add_argument("streams", nargs="*", default=STREAMS, help=f"any of: {', '.join(STREAMS)}")
    args = parser.parse_args(argv)
    if args.thresholds:
        sweep(args.streams, "tune", args.thresholds, args.shared)
        return 0
    print(f"{'stream':<19} {'part':<6} {'docs':>5} {'gold':>5}   {'baseline P/R/F1':<17}   "
          f"{'digest P/R/F1':<17}   kept mean/worst   digest F1 95 %")
    for name in args.streams:
        for replay in replays(name, args.shared).values():
            print(_row(evaluate(replay)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
