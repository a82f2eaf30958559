"""Which candidates make the summary: budgeted coverage of the story's concepts.

Greedy budgeted maximisation of a monotone objective (Lin & Bilmes 2011): each step takes the
candidate with the best rating plus the weight of the concepts it would add to the summary
(digest/concepts.py), that gain scaled down by the sentence's length, minus a penalty for
closeness to what is already picked (maximal marginal relevance). Whatever still fits is
considered at each step, so when the best sentence is too long a shorter good one fills the
budget; the sentence that reaches the budget may overrun it a little (OVERRUN), its value
lowered by what it would push out of the budget's words (Weights.pushed_out). A candidate that
repeats a picked fact (REDUNDANT, Weights.novelty) is never picked, and one that leans on the
sentence before it only right after that sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy

from .concepts import Concepts, concepts
from .scoring import Pool, rounded, row

if TYPE_CHECKING:
    from .summarize import SummaryOptions

# The word budget is a target: the sentence that reaches it may run past it by this share of
# it, so a summary is about the length asked for rather than short of it by a sentence.
OVERRUN = 1 / 3
# A candidate this similar (stemmed cosine) to a picked sentence repeats it (and so does one
# with too few content stems new to the summary: Weights.novelty). In a story of one report
# the two are Weights.single_redundant and single_novelty, fitted looser: one writer's
# sentences build on one another's words without retelling a fact.
REDUNDANT = 0.5


def select(pool: Pool, ratings: numpy.ndarray, options: SummaryOptions) -> list[int]:
    """Candidates picked under the budgets, best first: whole sentences until the word budget
    is reached, the last one overrunning it by at most OVERRUN of it (else a shorter one is
    tried), except for a lone first sentence when none fits."""
    weights = options.weights
    lengths = numpy.array([len(c.text.split()) for c in pool.candidates])
    per_word = weights.concepts / numpy.maximum(lengths, 1) ** weights.length_scale
    several = len(set(pool.reports.tolist())) > 1  # concepts are what several reports tell
    repeats = (REDUNDANT, weights.novelty) if several else (weights.single_redundant, weights.single_novelty)
    summary = _Summary(pool, concepts(pool) if weights.concepts and several else None, *repeats)
    limit = options.max_words + options.max_words * OVERRUN
    while len(summary.chosen) < options.sentences and summary.words < options.max_words:
        free = summary.allowed & ~summary.waiting
        fits = free & (summary.words + lengths <= limit)
        if not fits.any():
            if summary.chosen or not free.any():
                break
            fits = free  # a lone long sentence rather than no summary at all
        value = ratings - weights.redundancy * summary.closest
        if summary.found:
            value = value + per_word * summary.found.gain(summary.told)
        if weights.pushed_out:
            value = value - weights.pushed_out * summary.pushed_out(lengths, options.max_words)
        pick = int(numpy.argmax(numpy.where(fits, rounded(value), -numpy.inf)))
        summary.take(pick, lengths, max(float(value[pick]), 0.0))
    return summary.chosen


class _Summary:
    """The picks so far and what they rule out: repeats, and dangling sentences whose
    sentence before is not picked yet."""

    def __init__(self, pool: Pool, found: Concepts | None, redundant: float, novelty: float) -> None:
        self.pool, self.found, self.redundant, self.novelty = pool, found, redundant, novelty
        self.stems = (pool.counts > 0).astype(float)
        self.sizes = numpy.maximum(numpy.asarray(self.stems.sum(axis=1)).ravel(), 1)
        self.covered = numpy.zeros(self.stems.shape[1])
        self.told = numpy.zeros(found.matrix.shape[1], dtype=bool) if found else None
        self.closest = numpy.zeros(len(pool.candidates))
        self.allowed = numpy.ones(len(pool.candidates), dtype=bool)  # not picked, not a repeat
        self.waiting = numpy.array([c.dangling for c in pool.candidates])
        self.at = {(c.article, c.position): i for i, c in enumerate(pool.candidates)}
        self.chosen: list[int] = []
        self.words = 0
        self.values: list[float] = []  # of each pick when it was picked

    def pushed_out(self, lengths: numpy.ndarray, budget: int) -> numpy.ndarray:
        """Per candidate, the value of the picks it would push past the budget: the summary
        reads in story order, so a sentence placed before picks moves them on, and what runs
        past the budget is cut by the DUC convention and by a reader of the length asked for.
        A pick is counted by the share of its words pushed past (the picks after it first)."""
        order = self.pool.story_order
        overflow = self.words + lengths - budget
        lost = numpy.zeros(len(lengths))
        behind = 0  # words of the picks after the one looked at
        for pick, value in sorted(zip(self.chosen, self.values), key=lambda pv: -order[pv[0]]):
            share = numpy.clip((overflow - behind) / lengths[pick], 0.0, 1.0)
            lost += numpy.where(order < order[pick], share * value, 0.0)
            behind += int(lengths[pick])
        return lost

    def take(self, pick: int, lengths: numpy.ndarray, value: float) -> None:
        self.chosen.append(pick)
        self.values.append(value)
        self.words += int(lengths[pick])
        if self.found:
            self.told |= row(self.found.matrix, pick) > 0
        self.covered = numpy.maximum(self.covered, row(self.stems, pick))
        self.closest = numpy.maximum(self.closest, self.pool.cosine_to(pick))
        new_share = 1 - (self.stems @ self.covered) / self.sizes
        self.allowed &= (self.closest < self.redundant) & (new_share >= self.novelty)
        self.allowed[pick] = False
        follower = self.at.get((self.pool.candidates[pick].article, self.pool.candidates[pick].position + 1))
        if follower is not None:
            self.waiting[follower] = False
