"""Concepts a story's summary should cover: word bigrams, weighted by how widely they are told.

Gillick & Favre (2009): a bigram of stemmed words (not two stop words) stands for a piece of
information; one that several independent reports carry is one the story is about. A concept
one report alone tells counts for nothing: it is what one outlet says, not what the story says.
(A story of one report has no concepts in this sense: digest/selection.py leaves them out.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
from scipy import sparse

from .language import Language
from .scoring import Matrix, Pool, term_matrix


@dataclass(frozen=True)
class Concepts:
    """Candidates × concepts (1 where the candidate carries it) and each concept's weight in [0, 1]."""

    matrix: Matrix
    weights: numpy.ndarray

    def gain(self, covered: numpy.ndarray) -> numpy.ndarray:
        """Per candidate, the weight of the concepts it carries that `covered` does not."""
        return self.matrix @ numpy.where(covered, 0.0, self.weights)


def bigrams(text: str, lang: Language) -> set[tuple[str, str]]:
    """Pairs of neighbouring stems, leaving out pairs of two stop words."""
    words = lang.words(text)
    stems = [lang.content_stem(w) for w in words]
    keys = [s if s is not None else w.lower() for s, w in zip(stems, words)]
    return {(keys[i], keys[i + 1]) for i in range(len(keys) - 1)
            if stems[i] is not None or stems[i + 1] is not None}


def concepts(pool: Pool) -> Concepts:
    """The pool's concepts, weighted by the number of independent reports that carry them,
    the most widely told weighing 1 (for a story of several reports)."""
    matrix = term_matrix([dict.fromkeys(bigrams(c.text, pool.lang), 1) for c in pool.candidates], dense=True)
    reports = sorted(set(pool.reports.tolist()))
    column = {r: i for i, r in enumerate(reports)}
    rows = [i for i, c in enumerate(pool.candidates) for _ in c.carriers]
    cols = [column[int(pool.reports[a])] for c in pool.candidates for a, _ in c.carriers]
    carried = sparse.csr_matrix((numpy.ones(len(rows)), (rows, cols)), shape=(len(pool.candidates), len(reports)))
    counts = numpy.asarray(((matrix.T @ carried) > 0).sum(axis=1)).ravel()
    weights = numpy.where(counts >= 2, counts, 0.0)
    top = weights.max(initial=0.0)
    return Concepts(matrix, weights / top if top > 0 else weights)
