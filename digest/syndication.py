"""Syndicated copies: the same wire text published under several outlets.

A copy is credited like any article but is not an independent report. Candidates come from
MinHash LSH over word 5-shingles (sub-linear in the number of stored articles); each is
confirmed with the exact Jaccard similarity of the shingle sets. Shingles are 64-bit hashes
made with numpy, and signatures are computed from them in one array operation: hashing
strings one by one in Python cost more than everything else here.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .models import Article

COPY_SIMILARITY = 0.7  # Jaccard of 5-shingles: light edits (a dateline, a byline) stay above it
_PERMUTATIONS = 64
_WORD = re.compile(r"\w+")
_BASE = np.uint64(1_000_003)  # of the polynomial that hashes a run of word hashes
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)


class WordHashes(dict):
    """crc32 of each word, computed once per word: a dict lookup costs a fraction of
    encoding and hashing the word again (news text repeats its words)."""

    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode())
        return value


def shingles(text: str, size: int = 5, words_seen: WordHashes | None = None) -> np.ndarray:
    """The text's word `size`-shingles as sorted unique 64-bit hashes; a text shorter
    than `size` words is one shingle. `words_seen` shares word hashes between texts."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashes_of = (words_seen if words_seen is not None else WordHashes()).__getitem__
    ids = np.fromiter(map(hashes_of, words), dtype=np.uint64, count=len(words))
    width = min(size, len(ids))
    count = len(ids) - width + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(width):  # wraps around 2**64, as a hash may
        hashes = hashes * _BASE + ids[offset:offset + count]
    return np.unique(hashes)


def shingle_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle sets from shingles()."""
    if not a.size or not b.size:
        return 0.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared)


def find_copies(articles: Sequence[Article], earlier: Sequence[Article] = ()) -> dict[str, str]:
    """{copy's id: original's id} for each of `articles` that copies an earlier article.

    `earlier` are articles already stored; among `articles`, order is chronological by
    publication, so the first published is the original.
    """
    from datasketch import MinHash, MinHashLSH  # heavy import, needed only here

    if not articles:
        return {}
    lsh = MinHashLSH(threshold=COPY_SIMILARITY, num_perm=_PERMUTATIONS)
    template = MinHash(num_perm=_PERMUTATIONS)
    a, b = (np.asarray(p, dtype=np.uint64) for p in template.permutations)
    sets: dict[str, np.ndarray] = {}
    copies: dict[str, str] = {}
    words_seen = WordHashes()
    for article in [*earlier, *sorted(articles, key=_published)]:
        shingle_set = shingles(article.text, words_seen=words_seen)
        if not shingle_set.size or article.id in sets:
            continue
        low = (shingle_set ^ (shingle_set >> np.uint64(32))) & _MAX_HASH
        values = ((np.outer(low, a) + b) % _MERSENNE & _MAX_HASH).min(axis=0)
        signature = MinHash(num_perm=_PERMUTATIONS, hashvalues=values, permutations=template.permutations,
                            scheme=template.scheme)
        original = _original(shingle_set, lsh.query(signature), sets, copies)
        if original:
            copies[article.id] = original
        sets[article.id] = shingle_set
        lsh.insert(article.id, signature)
    new = {a.id for a in articles}
    return {k: v for k, v in copies.items() if k in new}


def _original(shingle_set: np.ndarray, candidates: list[str], sets: dict[str, np.ndarray],
              copies: dict[str, str]) -> str | None:
    for candidate in sorted(candidates):
        if shingle_jaccard(shingle_set, sets[candidate]) >= COPY_SIMILARITY:
            return copies.get(candidate, candidate)  # a copy of a copy credits the first
    return None


def _published(article: Article) -> tuple:
    return (article.published.timestamp() if article.published else float("inf"), article.id)


def paragraphs_carried(groups: Iterable[Iterable[Article]], least: int) -> frozenset[str]:
    """The paragraphs that articles of `least` or more of the groups carry (a group counts
    once, however many of its articles carry one)."""
    held = [{p for article in group for p in article.paragraphs} for group in groups]
    counts = Counter(hash(p) for paragraphs in held for p in paragraphs)  # hashes: a window's text is big
    return frozenset(p for paragraphs in held for p in paragraphs if counts[hash(p)] >= least)
