"""Language detection on ../shared/eval: how many texts digest.language.detect() gets right,
reading the first N characters (digest reads language._DETECT_CHARS).

    python eval/language.py [--chars 500 1000 10000] [--shared ../shared]

The texts are eval/cluster.py's datasets, each article's title and text, with the language
the dataset gives it: IndoSum Indonesian, MultiLing its file's language, UCI headlines (often
only a title) English.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cluster import DATASETS, SHARED, load

from digest import language


def texts(shared: Path) -> list[tuple[str, str, str]]:
    """(dataset, expected language, text) of every evaluation text."""
    return [(dataset, article.language, ". ".join(filter(None, (article.title, article.text))))
            for dataset in DATASETS if dataset != "multiling-all"  # its languages, once more
            for article in load(dataset, shared)[0]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, nargs="+", default=[500, 1000, 10000])
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    data = texts(args.shared)
    datasets = list(dict.fromkeys(d for d, _, _ in data))
    print(f"{'characters':>10}  " + "  ".join(f"{d[:14]:>14}" for d in datasets) + f"  {'all':>9}")
    for chars in args.chars:
        language._DETECT_CHARS = chars
        right = {d: [0, 0] for d in datasets}
        for dataset, code, text in data:
            right[dataset][0] += language.detect(text) == code
            right[dataset][1] += 1
        total = sum(r for r, _ in right.values()), len(data)
        print(f"{chars:>10}  " + "  ".join(f"{r:>8}/{n:<5}" for r, n in right.values()) + f"  {total[0]:>4}/{total[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
