"""Write digest/data/stop_share.json: how much of a language's running text its stop words are.

    python eval/fit_stop_share.py [--dry-run]

The cleaner takes a line for prose when enough of its words are stop words (digest.clean).
How many is enough depends on the language: stop words are 61 % of English running text but
23 % of Hebrew, whose articles, prepositions and conjunctions are written onto the next word
(ה "the", ב "in", ו "and"), and whose stop-word list is short. So the bar is set per language
as a share of that language's own: the sum of wordfreq's frequencies of the language's stop
words (stopwordsiso, as digest.language reads them), for every language that has both. Chinese
and Japanese are left out: digest counts their words by character, wordfreq by word.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import stopwordsiso

from digest.language import get_language
from digest.reference import word_frequencies

OUTPUT = Path(__file__).resolve().parent.parent / "digest" / "data" / "stop_share.json"
CHARACTERS = frozenset({"zh", "ja"})


def stop_share(code: str) -> float:
    """The share of the language's running text made of its stop words (0 without a list)."""
    stops = get_language(code).stop_words
    return sum(frequency for word, frequency in word_frequencies(code) if word in stops)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)
    shares = {code: round(share, 3) for code in sorted(stopwordsiso.langs() - CHARACTERS)
              if (share := stop_share(code)) > 0}
    text = json.dumps(shares, indent=1, sort_keys=True) + "\n"
    print(text, end="")
    if not args.dry_run:
        OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
