"""The clustered articles as TF-IDF matrices: what one article shares with others, and
which earlier articles it could belong with.

Four blocks of unit rows side by side: stemmed words and title trigrams (a term of one
language never matches the same term of another), names and numbers as written, and
script-independent name keys (digest.features). One article compared with a few others costs a gather over
their rows, block by block. Retrieval uses each article's signature, its few heaviest
words and keys that are not common: two articles are neighbours when their signatures meet,
so each article meets a bounded number of others and the cost grows linearly.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .features import Features
from .language import get_language
from .models import Article

BLOCKS = ("words", "trigrams", "names", "keys")


class _TermIds(dict):
    """Term -> column, numbering unseen terms as they come (`numbers` is shared by the
    vocabularies of all groups); lookups run in C, only new terms in Python."""

    def __init__(self, numbers: Iterator[int]) -> None:
        super().__init__()
        self.numbers = numbers

    def __missing__(self, term: str) -> int:
        number = self[term] = next(self.numbers)
        return number


def tfidf(bags: Sequence[Counter], groups: Sequence[str] | None = None) -> sp.csr_matrix:
    """Unit rows of log-scaled weights times smoothed inverse document frequency. With
    `groups`, a term of one group never matches the same term of another (languages).
    Terms of a single row are dropped after normalising: they can add to no pair."""
    numbers = itertools.count()
    vocabularies: dict[str | None, _TermIds] = {}
    indptr, indices, values = [0], [], []
    for row, bag in enumerate(bags):
        vocabulary = vocabularies.setdefault(None if groups is None else groups[row], _TermIds(numbers))
        indices.extend(map(vocabulary.__getitem__, bag))
        values.extend(bag.values())
        indptr.append(len(indices))
    size = sum(map(len, vocabularies.values()))
    weights = np.array(values, dtype=np.float32)
    weights = np.where(weights > 1, 1 + np.log(np.maximum(weights, 1)), weights).astype(np.float32)
    shape = (len(bags), max(size, 1))
    matrix = sp.csr_matrix((weights, np.array(indices, dtype=np.int64), indptr), shape=shape)
    df = np.bincount(matrix.indices, minlength=shape[1])
    matrix = matrix @ sp.diags((np.log((len(bags) + 1) / (df + 1)) + 1.0).astype(np.float32))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sp.csr_matrix(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix)
    return sp.csr_matrix(matrix[:, np.flatnonzero(df > 1)])


def _name_keys(features: Features) -> Counter:
    """The keys of names, not of numbers: two stories in two languages share years and
    round numbers by chance (numbers still count among the names as written)."""
    return Counter({key: count for key, count in features.keys.items() if not key.startswith("#")})


class Vectors:
    """The articles' four blocks in one matrix, and a scratch row for comparing one article."""

    def __init__(self, articles: Sequence[Article], features: Sequence[Features]) -> None:
        codes = [get_language(a.language).code for a in articles]
        blocks = [tfidf([f.words for f in features], codes), tfidf([f.trigrams for f in features], codes),
                  tfidf([f.names for f in features]), tfidf([_name_keys(f) for f in features])]
        self.matrix = sp.csr_matrix(sp.hstack(blocks), dtype=np.float32)
        self.matrix.sort_indices()
        ends = np.cumsum([b.shape[1] for b in blocks])
        self.block = np.searchsorted(ends, self.matrix.indices, side="right").astype(np.int64)
        self._row = np.zeros(self.matrix.shape[1], dtype=np.float32)

    def compare(self, article: int, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, shared terms) of `article` with each of `others`, one column per block."""
        m = self.matrix
        start, end = m.indptr[article], m.indptr[article + 1]
        self._row[m.indices[start:end]] = m.data[start:end]
        starts, lengths = m.indptr[others], m.indptr[others + 1] - m.indptr[others]
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        products = m.data[positions] * self._row[m.indices[positions]]
        self._row[m.indices[start:end]] = 0
        cells = np.repeat(np.arange(len(others)) * len(BLOCKS), lengths) + self.block[positions]
        size = len(others) * len(BLOCKS)
        cosines = np.bincount(cells, weights=products, minlength=size).reshape(-1, len(BLOCKS))
        shared = np.bincount(cells, weights=products > 0, minlength=size).reshape(-1, len(BLOCKS))
        return cosines, shared

    def neighbours(self, terms: int, common: int, count: int, first: int) -> list[np.ndarray]:
        """For each article from `first` on, up to `count` earlier articles (lower index)
        whose signatures (`terms` heaviest words and keys, none in more than `common`
        articles) overlap most with its own, best first."""
        signature = self._signature(terms, common)
        result = []
        for start in range(first, signature.shape[0], 2000):
            rows = signature[start:start + 2000]
            overlap = sp.csr_matrix(rows @ signature[: start + rows.shape[0]].T)
            for offset in range(rows.shape[0]):
                lo, hi = overlap.indptr[offset], overlap.indptr[offset + 1]
                columns, scores = overlap.indices[lo:hi], overlap.data[lo:hi]
                earlier = columns < start + offset
                columns, scores = columns[earlier], scores[earlier]
                best = np.argsort(-scores, kind="stable")[:count]
                result.append(columns[best])
        return result

    def _signature(self, terms: int, common: int) -> sp.csr_matrix:
        m = self.matrix
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        df = np.bincount(m.indices, minlength=m.shape[1])
        usable = np.isin(self.block, (0, 3)) & (df[m.indices] <= common)
        order = np.lexsort((-m.data, ~usable, rows))  # per row: usable terms first, heaviest first
        rank = np.arange(len(order)) - np.repeat(m.indptr[:-1], np.diff(m.indptr))
        kept = order[(rank < terms) & usable[order]]
        return sp.csr_matrix((m.data[kept], (rows[kept], m.indices[kept])), shape=m.shape)
