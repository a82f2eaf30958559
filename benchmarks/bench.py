"""Benchmark `digest run` at 1,000 to 20,000 articles, stage by stage, and the fetch phase.

    python benchmarks/bench.py                       # sizes 1000 5000 10000 20000 -> results.md
    python benchmarks/bench.py --sizes 1000 --no-fetch --output -   # one size, print only
    python benchmarks/bench.py --repeat 3            # each size 3 times: the median run, and the range

For each size a corpus is generated (benchmarks/corpus.py: real sentences from ../shared/eval
recombined into stories of several outlets, 200 RSS feeds on disk), then a fresh process runs
`digest run` on it with a StageClock open: wall time, CPU time and peak resident memory per
stage and in total. The same process then runs `digest run` again with nothing new (the daily
re-run), scores the clustering against the generated story labels (B-cubed F1, a check that
speed did not cost correctness), and, at --sumy-size, times plain sumy LexRank against digest's
summarizer on the brief's largest stories. Finally the fetch benchmark (benchmarks/fetchbench.py)
serves 500 feeds from 127.0.0.1 with 200 ms of delay per response.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"


def child(config_path: Path, labels_path: Path, sumy: bool) -> dict:
    """Runs in a fresh process: the stages of one `digest run`, then the checks."""
    started, cpu_started = time.perf_counter(), time.process_time()
    from digest.config import load_config
    from digest.pipeline import run
    from digest.stages import StageClock, peak_bytes

    config = load_config(config_path)
    with StageClock() as clock:
        clock.cost("startup").wall = time.perf_counter() - started
        clock.cost("startup").cpu = time.process_time() - cpu_started
        result = run(config)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes' CPU, once ended
    total = {"wall": time.perf_counter() - started, "peak": peak_bytes(),
             "peak_all": max(cost.peak_all for cost in clock.costs.values()),
             "cpu": time.process_time() - cpu_started + workers.ru_utime + workers.ru_stime}
    rerun_started = time.perf_counter()
    rerun = run(config)
    report = {
        "stages": {name: vars(cost) for name, cost in clock.costs.items()},
        "total": total,
        "rerun": {"wall": time.perf_counter() - rerun_started, "new_articles": rerun.new_articles},
        "articles": result.new_articles,
        "brief_stories": len(result.briefing.stories),
        "bcubed": _bcubed(config, json.loads(labels_path.read_text("utf-8"))),
    }
    if sumy:
        report["summarizer"] = _summarizers(result.briefing)
    return report


def _bcubed(config, labels: dict[str, int]) -> list[float]:
    """B-cubed precision, recall, F1 of the stored stories against the generated labels."""
    sys.path.insert(0, str(ROOT / "eval"))
    from cluster import bcubed

    from digest.store import Store

    with Store(config.database) as store:
        rows = store.db.execute("SELECT a.url, s.story_id FROM story_articles s JOIN articles a ON a.id = s.article_id")
        predicted = dict(rows.fetchall())
    links = sorted(set(labels) & set(predicted))
    return list(bcubed([predicted[u] for u in links], [labels[u] for u in links]))


def _summarizers(briefing) -> list[dict]:
    """digest's summarizer and plain sumy LexRank on the brief's story closest to 100
    articles and on its largest (plain sumy takes minutes on each)."""
    sys.path.insert(0, str(ROOT / "eval"))
    from rouge import plain_lexrank
    from summary_data import Case, Dataset

    from digest.summarize import SummaryOptions, summarize

    rows = []
    picked = {min(briefing.stories, key=lambda s: abs(len(s.articles) - 100)).id: None,
              max(briefing.stories, key=lambda s: len(s.articles)).id: None}
    for story in (s for s in briefing.stories if s.id in picked):
        started = time.perf_counter()
        summarize(story.articles, SummaryOptions())
        ours = time.perf_counter() - started
        started = time.perf_counter()
        plain_lexrank(Case(story.id, story.articles, ()), Dataset("bench", story.language, (), 120, None))
        rows.append({"articles": len(story.articles), "digest": ours, "sumy": time.perf_counter() - started})
    return rows


def measure(size: int, feeds: int, sumy: bool, seed: int) -> dict:
    """Generate the corpus of `size` articles, then measure it in a fresh process."""
    sys.path.insert(0, str(HERE))
    import corpus

    with tempfile.TemporaryDirectory(prefix=f"digest-bench-{size}-") as tmp:
        folder = Path(tmp)
        items = corpus.generate(size, feeds, SHARED, seed)
        config = corpus.write(items, feeds, folder)
        out = folder / "report.json"
        command = [sys.executable, __file__, "--child", str(config), str(folder / "labels.json"), str(out)]
        subprocess.run(command + (["--sumy"] if sumy else []), check=True)
        report = json.loads(out.read_text("utf-8"))
    report["size"] = size
    report["words"] = corpus.words_per_article(items, feeds)
    print(f"{size:>6} articles: {report['total']['wall']:.1f} s, peak {report['total']['peak_all'] / 2**20:.0f} MiB",
          file=sys.stderr, flush=True)
    return report


def repeated(size: int, feeds: int, sumy: bool, seed: int, times: int) -> dict:
    """measure() `times` times (plain sumy only in the first): the run of median wall time,
    with every run's wall time. A shared virtual machine's speed varies from minute to minute."""
    runs = [measure(size, feeds, sumy and n == 0, seed) for n in range(max(times, 1))]
    walls = sorted(r["total"]["wall"] for r in runs)
    chosen = sorted(runs, key=lambda r: r["total"]["wall"])[(len(runs) - 1) // 2]
    summarizer = next((r["summarizer"] for r in runs if "summarizer" in r), None)
    return chosen | {"walls": walls} | ({"summarizer": summarizer} if summarizer else {})


# --- the report ---------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def _stage_table(report: dict) -> list[str]:
    lines = ["| stage | wall s | CPU s | peak MiB | with workers MiB |", "|---|---:|---:|---:|---:|"]
    for name, cost in report["stages"].items():  # in the order the stages first ran
        lines.append(f"| {name} | {cost['wall']:.2f} | {cost['cpu']:.2f} | {cost['peak'] / 2**20:.0f} | "
                     f"{cost['peak_all'] / 2**20:.0f} |")
    total = report["total"]
    lines.append(f"| **total** | **{total['wall']:.2f}** | **{total['cpu']:.2f}** | **{total['peak'] / 2**20:.0f}** | "
                 f"**{total['peak_all'] / 2**20:.0f}** |")
    return lines


def markdown(reports: list[dict], fetch: dict | None) -> str:
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", "",
             f"Made by `python benchmarks/bench.py` on {time.strftime('%Y-%m-%d')}; every figure below is from that run.",
             "", "## `digest run`, end to end (local feeds, all four formats: every story of the window "
             "summarized into JSON and RSS, the first 20 in the HTML and PDF)", "",
             "CPU includes the worker processes. Peak memory is the highest resident memory of the main",
             "process, and of the main process and its worker processes together at one moment (sampled",
             "every 0.1 s). With several runs per size (--repeat), a row is the run of median wall time,",
             "with the range of all runs' wall times in brackets.", "",
             "| articles | words per article, mean (median) | stories summarized | wall s | CPU s | peak MiB | with workers MiB | × time of previous size | re-run, nothing new (s) | B-cubed F1 |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    previous = None
    for r in reports:
        ratio = f"{r['total']['wall'] / previous:.2f}" if previous else "–"
        spread = f" ({r['walls'][0]:.1f}–{r['walls'][-1]:.1f})" if len(r.get("walls", [])) > 1 else ""
        mean, median = r["words"]["all"]
        lines.append(f"| {r['size']:,} | {mean:.0f} ({median:.0f}) | {r['brief_stories']:,} | {r['total']['wall']:.1f}{spread} | {r['total']['cpu']:.1f} | "
                     f"{r['total']['peak'] / 2**20:.0f} | {r['total']['peak_all'] / 2**20:.0f} | {ratio} | {r['rerun']['wall']:.1f} | {r['bcubed'][2]:.3f} |")
        previous = r["total"]["wall"]
    lines += ["", "Words per article by language, mean (median): the lengths of the real articles of "
              "../shared/eval in that language (benchmarks/corpus.py), the same at every size:", "",
              *(f"- {r['size']:,} articles: " + ", ".join(f"{code} {mean:.0f} ({median:.0f})" for code, (mean, median)
                                                        in r["words"].items() if code != "all") for r in reports)]
    for r in reports:
        lines += ["", f"### {r['size']:,} articles, by stage (main process; workers read and clean a share "
                  "meanwhile, and find the copies while it stores and clusters)", "", *_stage_table(r)]
    for r in reports:
        if r.get("summarizer"):
            lines += ["", f"## Summarizer: digest vs plain sumy LexRank (brief of {r['size']:,} articles)", "",
                      "| story articles | digest s | plain sumy s | speedup |", "|---:|---:|---:|---:|"]
            lines += [f"| {s['articles']} | {s['digest']:.2f} | {s['sumy']:.1f} | {s['sumy'] / s['digest']:.0f}× |"
                      for s in r["summarizer"]]
    if fetch:
        shown = ("feeds", "teaser_feeds", "feed_requests", "page_requests", "feeds_ok", "full_text_pages",
                 "workers", "processes", "wall_s", "cpu_s", "requests_per_s")
        lines += ["", f"## Fetch: {fetch['feeds']} feeds from 127.0.0.1, {fetch['delay_s'] * 1000:.0f} ms delay "
                  "per response (benchmarks/fetchbench.py)", "",
                  "| " + " | ".join(name.replace("_", " ") for name in shown) + " |", "|" + "---:|" * len(shown),
                  "| " + " | ".join(str(fetch[name]) for name in shown) + " |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    parser.add_argument("--feeds", type=int, default=200, help="outlets (RSS files) per corpus")
    parser.add_argument("--sumy-size", type=int, default=10000, help="size at which plain sumy is timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size; the run of median wall time is reported, with the range")
    parser.add_argument("--no-fetch", action="store_true", help="skip the 500-feed fetch benchmark")
    parser.add_argument("--output", default=str(HERE / "results.md"), help="markdown file, or - for stdout only")
    parser.add_argument("--child", nargs=3, metavar=("CONFIG", "LABELS", "REPORT"), help=argparse.SUPPRESS)
    parser.add_argument("--sumy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        config, labels, out = map(Path, args.child)
        out.write_text(json.dumps(child(config, labels, args.sumy)), encoding="utf-8")
        return 0
    reports = [repeated(size, args.feeds, size == args.sumy_size, args.seed, args.repeat) for size in args.sizes]
    fetch = None
    if not args.no_fetch:
        sys.path.insert(0, str(HERE))
        from fetchbench import fetch_benchmark

        fetch = fetch_benchmark()
    text = markdown(reports, fetch)
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
