"""Language detection on ../shared/eval: how many texts digest.language.detect() gets right,
reading the first N characters (digest reads language._DETECT_CHARS).

    python eval/language.py [--chars 500 1000 10000] [--shared ../shared]

Every IndoSum article is Indonesian, every MultiLing article is in its file's language, and
every UCI headline (title and text, often only a title) is English.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from digest import language

SHARED = Path(__file__).resolve().parents[2] / "shared"
MULTILING = {"english": "en", "french": "fr", "czech": "cs", "greek": "el", "arabic": "ar",
             "hebrew": "he", "hindi": "hi"}


def texts(shared: Path) -> Iterator[tuple[str, str, str]]:
    """(dataset, expected language, text) of every evaluation text."""
    sources = [("indosum", "id", shared / "eval" / "indosum_dev_sample" / "clusters.jsonl")]
    sources += [(f"multiling-{name}", code, shared / "eval" / "multiling2011" / f"{name}.clusters.jsonl")
                for name, code in MULTILING.items()]
    for dataset, code, path in sources:
        for line in path.read_text("utf-8").split("\n"):
            for doc in json.loads(line)["docs"] if line.strip() else ():
                yield dataset, code, doc["text"]
    for line in (shared / "eval" / "uci_news_aggregator_sample" / "docs.jsonl").read_text("utf-8").split("\n"):
        if line.strip():
            doc = json.loads(line)
            yield "uci", "en", f"{doc['title']}. {doc.get('text') or ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, nargs="+", default=[500, 1000, 10000])
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    data = list(texts(args.shared))
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
