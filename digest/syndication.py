"""Syndicated copies: the same wire text published under several outlets.

A copy is credited like any article but is not an independent report. Candidates come from
MinHash LSH over word 5-shingles (sub-linear in the number of stored articles); each is
confirmed with the exact Jaccard similarity of the shingle sets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Article

COPY_SIMILARITY = 0.7  # Jaccard of 5-shingles: light edits (a dateline, a byline) stay above it
_PERMUTATIONS = 64
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 5) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def find_copies(articles: Sequence[Article], earlier: Sequence[Article] = ()) -> dict[str, str]:
    """{copy's id: original's id} for each of `articles` that copies an earlier article.

    `earlier` are articles already stored; among `articles`, order is chronological by
    publication, so the first published is the original.
    """
    from datasketch import MinHash, MinHashLSH  # heavy import, needed only here

    lsh = MinHashLSH(threshold=COPY_SIMILARITY, num_perm=_PERMUTATIONS)
    sets: dict[str, set[str]] = {}
    copies: dict[str, str] = {}
    for article in [*earlier, *sorted(articles, key=_published)]:
        shingle_set = shingles(article.text)
        if not shingle_set or article.id in sets:
            continue
        signature = MinHash(num_perm=_PERMUTATIONS)
        signature.update_batch([s.encode() for s in shingle_set])
        original = _original(article, shingle_set, lsh.query(signature), sets, copies)
        if original:
            copies[article.id] = original
        sets[article.id] = shingle_set
        lsh.insert(article.id, signature)
    return {k: v for k, v in copies.items() if k in {a.id for a in articles}}


def _original(article: Article, shingle_set: set[str], candidates: list[str],
              sets: dict[str, set[str]], copies: dict[str, str]) -> str | None:
    for candidate in sorted(candidates):
        other = sets[candidate]
        if len(shingle_set & other) / len(shingle_set | other) >= COPY_SIMILARITY:
            return copies.get(candidate, candidate)  # a copy of a copy credits the first
    return None


def _published(article: Article) -> tuple:
    return (article.published.timestamp() if article.published else float("inf"), article.id)
