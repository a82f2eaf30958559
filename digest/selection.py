"""Which candidates make the summary: budgeted coverage of the story's concepts.

Greedy budgeted maximisation of a monotone objective (Lin & Bilmes 2011): each step takes the
candidate with the best rating plus the weight of the concepts it would add to the summary
(digest/concepts.py), that gain scaled down by the sentence's length, minus a penalty for
closeness to what is already picked (maximal marginal relevance). Whatever still fits is
considered at each step, so when the best sentence is too long a shorter good one fills the
budget. A candidate that repeats a picked fact (REDUNDANT, Weights.novelty) is never picked,
and one that leans on the sentence before it only right after that sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy

from .concepts import concepts
from .scoring import Pool

if TYPE_CHECKING:
    from .summarize import SummaryOptions

# A candidate this similar (stemmed cosine) to a picked sentence repeats it (and so does one
# with too few content stems new to the summary: Weights.novelty).
REDUNDANT = 0.5


def select(pool: Pool, ratings: numpy.ndarray, options: SummaryOptions) -> list[int]:
    """Candidates picked under the budgets, best first. The word budget holds, except for a
    lone first sentence when none fits."""
    weights = options.weights
    lengths = numpy.array([len(c.text.split()) for c in pool.candidates])
    found = concepts(pool) if weights.concepts else None
    told = numpy.zeros(found.matrix.shape[1], dtype=bool) if found else None
    per_word = weights.concepts / numpy.maximum(lengths, 1) ** weights.length_scale
    stems = pool.counts.sign()
    sizes = numpy.maximum(numpy.asarray(stems.sum(axis=1)).ravel(), 1)
    covered = numpy.zeros(stems.shape[1])
    closest = numpy.zeros(len(pool.candidates))
    allowed = numpy.ones(len(pool.candidates), dtype=bool)  # not picked, not a repeat
    # A dangling sentence waits for the sentence before it to be picked.
    waiting = numpy.array([c.dangling for c in pool.candidates])
    at = {(c.article, c.position): i for i, c in enumerate(pool.candidates)}
    chosen: list[int] = []
    words = 0
    while len(chosen) < options.sentences:
        fits = allowed & ~waiting & (words + lengths <= options.max_words)
        if not fits.any():
            if chosen or not (allowed & ~waiting).any():
                break
            fits = allowed & ~waiting  # a lone long sentence rather than no summary at all
        value = ratings - weights.redundancy * closest
        if found:
            value = value + per_word * found.gain(told)
        pick = int(numpy.argmax(numpy.where(fits, value, -numpy.inf)))
        chosen.append(pick)
        words += int(lengths[pick])
        if found:
            told |= found.matrix[pick].toarray().ravel() > 0
        covered = numpy.maximum(covered, stems[pick].toarray().ravel())
        closest = numpy.maximum(closest, pool.cosine_to(pick))
        allowed &= (closest < REDUNDANT) & (1 - (stems @ covered) / sizes >= weights.novelty)
        allowed[pick] = False
        follower = at.get((pool.candidates[pick].article, pool.candidates[pick].position + 1))
        if follower is not None:
            waiting[follower] = False
    return chosen
