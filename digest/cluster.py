"""Group articles into stories: the same event from every outlet, in any language, for as
long as it is being reported.

Articles are assigned one at a time, oldest first, to the story they most likely belong to,
or start a new one. Each article meets only plausible stories: those of its neighbours,
earlier articles sharing its rarer words or name keys (digest.vectors), so the cost grows
linearly with the articles. A story is compared through its recent coverage, its latest
articles, and time counts from its last article: a story reported every few days for weeks
stays one story, and one silent for longer than `gap` is closed. How likely the article
belongs to a story comes from a logistic model of the pair (digest.linking), fitted on
labelled news by eval/fit_cluster.py; it joins the likeliest story when that passes the
fitted threshold.

Existing stories (the store's, with their ids) take new articles but never merge, and their
articles are never moved. Across languages only names and numbers can meet, as written
between Latin scripts and as script-independent keys (digest.features); one shared name is
taken for a coincidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from .features import Features, Weights, article_features
from .language import get_language
from .linking import LinkModel, log_hours, shipped_model
from .models import Article
from .vectors import Vectors


@dataclass(frozen=True)
class ClusterOptions:
    """Retrieval sizes chosen with eval/stream.py on the tune halves; the model's weights and
    threshold are fitted (data/linking.yaml)."""

    # New articles older than the newest article minus this are not compared.
    window: timedelta | None = timedelta(hours=48)
    # A story whose last article is older than this before a new one is closed; None: never.
    gap: timedelta | None = timedelta(days=7)
    # A story is compared through this many of its latest articles.
    recent: int = 6
    # Earlier articles retrieved per article, and the most stories compared.
    neighbours: int = 30
    candidates: int = 10
    # Across languages, pairs sharing fewer distinct name keys than this are coincidences.
    min_shared: int = 2
    # Stories of at least this many articles get a second look (a single article had its look).
    second_look: int = 2
    # An article's signature: its heaviest words and keys found in at most `common` articles.
    signature: int = 20
    common: int = 300
    # How much an article's title and lead count (digest.features).
    weights: Weights = Weights()
    # The (article, story) model; None: the shipped one.
    model: LinkModel | None = None


@dataclass(frozen=True)
class StorySeed:
    """An existing story the store still has open."""

    id: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Assignment:
    """New articles of one story: `story_id` is the existing story they joined, None for new."""

    story_id: str | None
    articles: tuple[Article, ...]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _hours(moment: datetime | None) -> float:
    """Hours since 1970 (naive times taken as UTC), NaN when unknown."""
    if moment is None:
        return math.nan
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH).total_seconds() / 3600


def _order(article: Article) -> tuple:
    """A total order (date, then identity) so the result does not depend on input order."""
    hours = _hours(article.published)
    return (math.isnan(hours), 0.0 if math.isnan(hours) else hours, article.id, article.title,
            article.outlet, article.text)


class Stream:
    """The stories so far over a window of articles (seed articles first, then the new ones
    in order), and what a new article shares with each story it could join."""

    def __init__(self, articles: Sequence[Article], features: Sequence[Features], seed_sizes: Sequence[int],
                 options: ClusterOptions) -> None:
        self.options = options
        self.vectors = Vectors(articles, features)
        self.languages = np.array([get_language(a.language).code for a in articles])
        self.hours = np.array([_hours(a.published) for a in articles])
        self.story_of = np.full(len(articles), -1)
        self.members: list[list[int]] = []
        self.by_language: list[dict[str, list[int]]] = []
        self.last: list[float] = []
        start = 0
        for size in seed_sizes:
            self.add(start, None)
            for index in range(start + 1, start + size):
                self.add(index, len(self.members) - 1)
            start += size
        self.first_new, self.seeds = start, len(seed_sizes)
        self._neighbours = self.vectors.neighbours(options.signature, options.common, options.neighbours, start)

    def add(self, article: int, story: int | None) -> int:
        """Put an article in a story (None: a new one); returns the story's number."""
        if story is None:
            story = len(self.members)
            self.members.append([])
            self.by_language.append({})
            self.last.append(math.nan)
        self.members[story].append(article)
        self.by_language[story].setdefault(self.languages[article], []).append(article)
        self.story_of[article] = story
        self.last[story] = np.fmax(self.last[story], self.hours[article])
        return story

    def merge(self, story: int, into: int) -> None:
        """Move a new story's articles into another story."""
        for article in self.members[story]:
            self.add(article, into)
        self.members[into].sort()
        for articles in self.by_language[into].values():
            articles.sort()
        self.members[story], self.by_language[story], self.last[story] = [], {}, math.nan

    def story_candidates(self, story: int) -> list[int]:
        """Open stories of the neighbours of a story's first articles, nearest first."""
        found: dict[int, None] = {}
        for article in self.members[story][: self.options.recent]:
            found.update(dict.fromkeys(s for s in self.candidates(article) if s != story))
        return list(found)[: self.options.candidates]

    def candidates(self, article: int) -> list[int]:
        """Open stories of the article's neighbours, nearest first."""
        stories = self.story_of[self._neighbours[article - self.first_new]]
        chosen: list[int] = []
        for story in dict.fromkeys(stories[stories >= 0].tolist()):
            if self.is_open(article, story):
                chosen.append(story)
                if len(chosen) == self.options.candidates:
                    break
        return chosen

    def is_open(self, article: int, story: int) -> bool:
        """Whether the story's last article is within `gap` before the article (or undated)."""
        gap = self.options.gap
        return gap is None or not self.hours[article] - self.last[story] > gap.total_seconds() / 3600

    def features(self, article: int, stories: Sequence[int]) -> np.ndarray:
        """The model's features (digest.linking.FEATURES) of the article with each story:
        everything against the story's latest articles in the article's language, names and
        keys against its latest articles in other languages too."""
        language, count, recent = self.languages[article], len(stories), self.options.recent
        groups = [self.by_language[s].get(language, [])[-recent:] for s in stories]
        groups += [[m for m in self.members[s][-4 * recent:] if self.languages[m] != language][-recent:]
                   for s in stories]
        lengths = np.array([len(g) for g in groups])
        others = np.concatenate(groups).astype(np.int64)
        owner = np.repeat(np.arange(2 * count), lengths)
        cosines, shared = self.vectors.compare(article, others)
        foreign = self.languages[others] != language
        # Across languages only names and keys count, and only when at least two meet, as
        # written (a Title Case headline has no sure names, so no keys) or as keys.
        met = np.maximum(shared[:, 2], shared[:, 3])
        coincidence = foreign & (met < self.options.min_shared)
        cosines[coincidence, 2:] = 0
        keys = np.where(coincidence, 0.0, np.log1p(met))
        best = np.zeros((2 * count, cosines.shape[1] + 1))
        np.maximum.at(best, owner, np.column_stack([cosines, keys]))
        words = np.bincount(owner, weights=cosines[:, 0], minlength=2 * count)[:count]
        since = self.hours[article] - np.array([self.last[s] for s in stories])
        return np.column_stack([
            words / np.maximum(lengths[:count], 1), best[:count, 0], best[:count, 1], best[:count, 2],
            best[:count, 3], best[count:, 2], best[count:, 3], best[count:, 4],
            [log_hours(h) for h in since], np.log([len(self.members[s]) for s in stories]),
        ])


def _assign(state: Stream, model: LinkModel) -> None:
    """Each new article, oldest first, to its likeliest open story if likely enough."""
    for article in range(state.first_new, len(state.hours)):
        stories = state.candidates(article)
        choice = None
        if stories:
            probability = model.probability(state.features(article, stories))
            if probability.max() >= model.threshold:
                choice = stories[int(probability.argmax())]
        state.add(article, choice)


def _second_look(state: Stream, model: LinkModel) -> None:
    """A new story whose first articles would, on average, have joined another story joins
    it: mends a story cut in two when its early articles found no common ground."""
    for story in range(state.seeds, len(state.members)):
        if len(state.members[story]) < state.options.second_look:
            continue
        stories = state.story_candidates(story)
        if not stories:
            continue
        articles = state.members[story][: state.options.recent]
        probability = np.mean([model.probability(state.features(a, stories)) for a in articles], axis=0)
        if probability.max() >= model.second_look:
            state.merge(story, stories[int(probability.argmax())])


def _in_window(articles: Sequence[Article], existing: Sequence[StorySeed],
               window: timedelta | None) -> tuple[list[Article], list[Article], list[StorySeed]]:
    """(new articles to compare, new articles left out, seeds in order). Undated articles are
    always in: nothing says they are old."""
    dated = [_hours(a.published) for a in [*articles, *(a for s in existing for a in s.articles)]]
    dated = [h for h in dated if not math.isnan(h)]
    cutoff = max(dated) - window.total_seconds() / 3600 if window is not None and dated else -math.inf

    def recent(article: Article) -> bool:
        return not _hours(article.published) < cutoff

    seeds = [StorySeed(s.id, tuple(sorted(s.articles, key=_order))) for s in existing if s.articles]
    return (sorted((a for a in articles if recent(a)), key=_order),
            sorted((a for a in articles if not recent(a)), key=_order),
            sorted(seeds, key=lambda s: s.id))


def stream(compared: Sequence[Article], seeds: Sequence[StorySeed], options: ClusterOptions,
           features: Mapping[str, Features] | None = None) -> Stream:
    """The stream over the seeds' articles and the new ones (already in order)."""
    window = [a for s in seeds for a in s.articles] + list(compared)
    known = features or {}
    bags = [known.get(a.id) or article_features(a, options.weights) for a in window]
    return Stream(window, bags, [len(s.articles) for s in seeds], options)


def cluster(articles: Sequence[Article], existing: Sequence[StorySeed] = (),
            options: ClusterOptions = ClusterOptions(),
            features: Mapping[str, Features] | None = None) -> list[Assignment]:
    """Put every article in exactly one Assignment: joined to an open existing story
    (`existing`, whose articles are compared but not moved) or to a new story.
    `features` (by article id) saves recomputing what an earlier run computed and stored;
    it must have been made with `options.weights`."""
    compared, left_out, seeds = _in_window(articles, existing, options.window)
    assignments = [Assignment(None, (article,)) for article in left_out]
    if compared:
        state = stream(compared, seeds, options, features)
        model = options.model or shipped_model()
        _assign(state, model)
        _second_look(state, model)
        for number, members in enumerate(state.members):
            new = tuple(compared[i - state.first_new] for i in members if i >= state.first_new)
            if new:
                assignments.append(Assignment(seeds[number].id if number < len(seeds) else None, new))
    return sorted(assignments, key=lambda a: _order(a.articles[0]))
