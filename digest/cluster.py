"""Group articles into stories: the same event from every outlet, in any language.

Articles are compared on their features (digest.features): two articles of one language on
words, title trigrams and names; across languages only names and numbers can meet, as
written between two Latin scripts, otherwise as script-independent keys, and one shared
name is taken for a coincidence. A word weighs by how rare it is in the window and in the
general text of its language (digest.reference), so a small window's own topic words are
not mistaken for common ones. Within a language, the similarity long articles have by
chance is taken off, so one threshold fits headlines and long pages. Time does not fade
similarity; it closes stories: two groups further apart than the gap never merge (a story
reported every few days stays one).

Groups are merged greedily by average similarity (the dot product of their mean vectors)
until no pair reaches the threshold: new articles start alone, the open existing stories
start whole and keep their ids, and two existing stories are never merged. New articles are
compared with the window's articles only, never with the whole store, and in chronological
batches: a batch is grouped against the stories so far (the window's, then those of the
earlier batches), so memory is bounded by (batch) x (articles in the window) and the stories
of one run grow the way they grow across runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources

import numpy as np
import scipy.sparse as sp

from .features import Features, Weights, article_features, without_site_furniture
from .language import get_language
from .models import Article
from .reference import tfidf
from .workers import cores


# Fitted on the tune halves of eval/stream.py's streams by eval/fit_cluster.py.
_MODEL = json.loads(resources.files("digest.data").joinpath("cluster_model.json").read_text("utf-8"))


@dataclass(frozen=True)
class ClusterOptions:
    """Defaults fitted on tune halves (eval/fit_cluster.py, data/cluster_model.json)."""

    # Average similarity two groups need to become one story.
    threshold: float = _MODEL["threshold"]
    # Long articles share more words by chance than short ones: the similarity unrelated
    # articles of one language have on average is about intercept + slope * ln(words + 1)
    # (a line fitted on unrelated pairs), and `background` times the pair's mean chance
    # similarity is taken off each pair, so one threshold fits headlines and long web pages.
    chance: tuple[float, float] = (_MODEL["chance_intercept"], _MODEL["chance_slope"])
    background: float = _MODEL["background"]
    # The window's document frequencies of words are pooled with those of this many
    # documents of general text of the language (digest.reference): a window of a few
    # dozen articles alone cannot tell a common word from its own topic's.
    reference_docs: float = _MODEL["reference_docs"]
    # Articles and stories older than the newest article minus this are not compared.
    window: timedelta | None = timedelta(hours=48)
    # A story silent longer than this is closed: nothing joins it, and two groups further
    # apart in time never merge. Time does not fade similarity otherwise: a story reported
    # every few days for weeks is one story (a pairwise fade split such stories, and cost
    # more on concurrent news than it gained; eval/stream.py).
    gap: timedelta | None = timedelta(days=7)
    # A story with no article in the window but one within the gap is compared through its
    # latest this many articles.
    latest: int = 5
    # How much an article's title and lead count (digest.features).
    weights: Weights = Weights()
    # Share of names and numbers (vs words) in the similarity of one language.
    entity_weight: float = 0.2
    # Share of title trigrams in the word part.
    trigram_weight: float = 0.3
    # The cosine of names two articles of different languages need to be as close as two
    # articles of one language at `threshold`: names and numbers are all that can link
    # languages, on a scale of their own, so this bar and not the threshold is their measure
    # (their similarity is scaled by threshold / cross_bar to be averaged with the others).
    cross_bar: float = _MODEL["cross_bar"]
    # ...but the more articles a window holds, the more pairs share two names or numbers by
    # chance (multiple comparisons): above `crowd` articles the bar rises as
    # (articles / crowd) ** crowd_power.
    crowd: int = _MODEL["crowd"]
    crowd_power: float = _MODEL["crowd_power"]
    # New articles grouped at a time: results equal one batch's below this many articles.
    batch: int = 1000
    # A paragraph this many of an outlet's articles in the window carry is its furniture, left
    # out of their features (features.without_site_furniture). Chosen on the tune halves of
    # eval/stream.py: 2 split MultiLing's events (two reports of a day share a date line).
    furniture: int = 3


@dataclass(frozen=True)
class StorySeed:
    """An existing story the store still has in the window."""

    id: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Assignment:
    """New articles of one story: `story_id` is the existing story they joined, None for new."""

    story_id: str | None
    articles: tuple[Article, ...]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Across languages, pairs sharing fewer distinct names than this are coincidences (one more
# when either is a headline alone: all its names are in its title, often one name of two words).
_MIN_SHARED = 2
# Fewer rows than this a thread are compared in one piece: threads cost more than they save.
_ROWS_PER_THREAD = 100


# --- vectors and similarity ---------------------------------------------------------


def _hours(moment: datetime | None) -> float:
    """Hours since 1970 (naive times taken as UTC), NaN when unknown."""
    if moment is None:
        return math.nan
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH).total_seconds() / 3600


class _Vectors:
    """The compared articles as matrices, built once; similarity of any rows with any columns."""

    def __init__(self, articles: Sequence[Article], features: Sequence[Features], options: ClusterOptions) -> None:
        codes = [get_language(a.language).code for a in articles]
        self.options = options
        self.languages = np.array(codes)
        # The weighted sum of three cosines is one dot product of rows weighted by the roots.
        shares = {"words": (1 - options.entity_weight) * (1 - options.trigram_weight),
                  "trigrams": (1 - options.entity_weight) * options.trigram_weight,
                  "names": options.entity_weight}
        self.same = sp.csr_matrix(sp.hstack([
            math.sqrt(share) * tfidf([getattr(f, name) for f in features], None if name == "names" else codes,
                                      options.reference_docs if name == "words" else 0.0)
            for name, share in shares.items() if share
        ]))
        self.multilingual = len(set(codes)) > 1
        if self.multilingual:
            self.keys = tfidf([f.keys for f in features])
            self.sure = tfidf([f.sure_names for f in features])
            self.keys_present = (self.keys > 0).astype(np.float32)
            self.sure_present = (self.sure > 0).astype(np.float32)
            self.latin = np.array([f.latin for f in features])
            self.bare = np.array([not a.text.strip() for a in articles])
            crowded = min(1.0, (options.crowd / len(articles)) ** options.crowd_power)
            self.cross_lingual = options.threshold / options.cross_bar * crowded
        self.hours = np.array([_hours(a.published) for a in articles])  # NaN: undated
        self.chance = options.background * chance_similarity(articles, options.chance)

    def similarity(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Similarity of articles `rows` with articles `cols` (indices), dense float32.
        Computed block by block: each language's rows with the columns of that language
        (words), then with the others (names), so no pair is computed twice."""
        similarity = np.zeros((len(rows), len(cols)), dtype=np.float32)
        for code in np.unique(self.languages[rows]):
            mine = np.flatnonzero(self.languages[rows] == code)
            same = self.languages[cols] == code
            chance = (self.chance[rows[mine], None] + self.chance[None, cols[same]]) / 2
            _put(similarity, mine, np.flatnonzero(same), _dot(self.same, rows[mine], cols[same]) - chance)
            if self.multilingual and not same.all():
                others = np.flatnonzero(~same)
                _put(similarity, mine, others, self._across_languages(rows[mine], cols[others]))
        return similarity

    def _across_languages(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Sure names only: as written between two Latin scripts, as keys otherwise."""
        similarity = np.zeros((len(rows), len(cols)), dtype=np.float32)
        latin_rows, latin_cols = self.latin[rows], self.latin[cols]
        for row_mask, col_mask, bags, present in (
            (latin_rows, latin_cols, self.sure, self.sure_present),
            (latin_rows, ~latin_cols, self.keys, self.keys_present),
            (~latin_rows, np.ones_like(latin_cols), self.keys, self.keys_present),
        ):
            r, c = np.flatnonzero(row_mask), np.flatnonzero(col_mask)
            if r.size and c.size:
                least = _MIN_SHARED + (self.bare[rows[r], None] ^ self.bare[None, cols[c]])
                _put(similarity, r, c, _coincidence_free(bags, present, rows[r], cols[c], least))
        return self.cross_lingual * similarity


def chance_similarity(articles: Sequence[Article], line: tuple[float, float]) -> np.ndarray:
    """Each article's expected similarity to an unrelated article of its language, by its
    length in words (title and text)."""
    words = np.array([len(a.title.split()) + len(a.text.split()) for a in articles], dtype=np.float32)
    return (line[0] + line[1] * np.log1p(words)).astype(np.float32)


def _put(target: np.ndarray, rows: np.ndarray, cols: np.ndarray, block: np.ndarray) -> None:
    if rows.size and cols.size:
        target[np.ix_(rows, cols)] = block


def _dot(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return (matrix[rows] @ matrix[cols].T).toarray()


def _coincidence_free(matrix: sp.csr_matrix, present: sp.csr_matrix, rows: np.ndarray,
                      cols: np.ndarray, least: np.ndarray) -> np.ndarray:
    """Cosines, zero for pairs sharing fewer distinct terms (`present`: 1 per term) than
    `least` (per pair) to rule out coincidence."""
    similarity = _dot(matrix, rows, cols)
    similarity[_dot(present, rows, cols) < least] = 0
    return similarity


# --- grouping -----------------------------------------------------------------------


def _agglomerate(sums: np.ndarray, sizes: np.ndarray, seeded: np.ndarray, threshold: float,
                 spans: Spans) -> np.ndarray:
    """Average-link merging of units (`sums`: summed similarity between two units); two
    units holding existing stories never merge, nor two units further apart in time than
    the gap (`spans`). Returns the unit each unit ended in. Each row remembers its best
    partner, so a merge costs a pass over the rows, not a search of the whole matrix."""
    rows = np.arange(len(sizes))
    link = sums / np.outer(sizes, sizes)
    link[rows, rows] = -np.inf
    link[np.ix_(seeded, seeded)] = -np.inf
    link[~spans.within_gap(rows[:, None], rows[None, :])] = -np.inf
    alive = np.ones(len(sizes), dtype=bool)
    owner = rows.copy()
    best = link.argmax(axis=1)
    while True:
        a = int(np.argmax(link[rows, best]))
        b = int(best[a])
        if not link[a, b] >= threshold:
            return owner
        if seeded[b]:  # an existing story absorbs, so its id survives
            a, b = b, a
        sums[a] += sums[b]
        sums[:, a] = sums[a]
        sizes[a] += sizes[b]
        seeded[a] |= seeded[b]
        spans.join(a, b)
        alive[b] = False
        owner[owner == b] = a
        row = sums[a] / (sizes[a] * sizes)
        row[~alive | (seeded & seeded[a]) | ~spans.within_gap(a, rows)] = -np.inf
        row[a] = -np.inf
        link[b, :] = link[:, b] = -np.inf
        link[a, :] = link[:, a] = row
        stale = (best == a) | (best == b) | (rows == a)
        best[stale] = link[stale].argmax(axis=1)
        best[link[:, a] > link[rows, best]] = a


@dataclass
class Spans:
    """Each unit's first and last hour (NaN: undated, near every unit) and the gap (hours,
    inf: none) two units may be apart and still merge."""

    first: np.ndarray
    last: np.ndarray
    gap: float

    def within_gap(self, a, b) -> np.ndarray:
        """Whether units a and b (indices, broadcast) are at most the gap apart."""
        apart = np.maximum(self.first[a], self.first[b]) - np.minimum(self.last[a], self.last[b])
        return ~(apart > self.gap)  # NaN compares false: undated units are never too far

    def join(self, a: int, b: int) -> None:
        self.first[a] = np.fmin(self.first[a], self.first[b])
        self.last[a] = np.fmax(self.last[a], self.last[b])


def _spans(vectors: _Vectors, batch: np.ndarray, stories: list[list[int]]) -> Spans:
    """The spans of the batch's articles, then of the stories (each story's dated articles)."""
    hours = vectors.hours  # fmin/fmax skip NaN (undated); an undated story's span stays NaN
    first = np.array([*hours[batch], *(np.fmin.reduce(hours[s]) for s in stories)])
    last = np.array([*hours[batch], *(np.fmax.reduce(hours[s]) for s in stories)])
    gap = vectors.options.gap
    return Spans(first, last, math.inf if gap is None else gap.total_seconds() / 3600)


def _order(article: Article) -> tuple:
    """A total order (date, then identity) so the result does not depend on input order."""
    hours = _hours(article.published)
    return (math.isnan(hours), 0.0 if math.isnan(hours) else hours, article.id, article.title,
            article.outlet, article.text)


def in_reach(articles: Sequence[Article], existing: Sequence[StorySeed],
             options: ClusterOptions) -> tuple[list[Article], list[Article], list[StorySeed]]:
    """(new articles to compare, new articles left out, seeds cut to the window). Undated
    articles are always in: nothing says they are old. A story with no article in the
    window is still open within the gap, compared through its latest articles."""
    dated = [_hours(a.published) for a in [*articles, *(a for s in existing for a in s.articles)]]
    dated = [h for h in dated if not math.isnan(h)]
    newest = max(dated, default=math.nan)
    cutoff = newest - options.window.total_seconds() / 3600 if options.window is not None else -math.inf
    closed = newest - options.gap.total_seconds() / 3600 if options.gap is not None else -math.inf

    def recent(article: Article, cutoff: float = cutoff) -> bool:
        return not _hours(article.published) < cutoff

    seeds = []
    for seed in existing:
        kept = tuple(a for a in seed.articles if recent(a))
        if not kept:
            kept = tuple(sorted((a for a in seed.articles if recent(a, closed)), key=_order)[-options.latest:])
        seeds.append(StorySeed(seed.id, kept))
    return (sorted((a for a in articles if recent(a)), key=_order),
            sorted((a for a in articles if not recent(a)), key=_order),
            sorted((s for s in seeds if s.articles), key=lambda s: s.id))


def cluster(articles: Sequence[Article], existing: Sequence[StorySeed] = (),
            options: ClusterOptions = ClusterOptions(),
            features: Mapping[str, Features] | None = None) -> list[Assignment]:
    """Put every article in exactly one Assignment: joined to an existing story of the
    window (`existing`, whose articles are compared but not moved) or to a new story.
    `features` (by article id) saves recomputing what an earlier run computed and stored;
    it must have been made with `options.weights`."""
    compared, left_out, seeds = in_reach(articles, existing, options)
    stories: list[list[int]] = []
    if compared:
        window = compared + [a for s in seeds for a in s.articles]
        known = features or {}
        bare = without_site_furniture(window, options.furniture)
        vectors = _Vectors(window, [(known.get(a.id) if b is a else None) or article_features(b, options.weights)
                                    for a, b in zip(window, bare)], options)
        stories = _group(vectors, len(compared), [len(s.articles) for s in seeds])
    assignments = []
    for number, members in enumerate(stories):
        new = tuple(compared[i] for i in members if i < len(compared))
        if new:
            assignments.append(Assignment(seeds[number].id if number < len(seeds) else None, new))
    assignments += [Assignment(None, (article,)) for article in left_out]
    return sorted(assignments, key=lambda a: _order(a.articles[0]))


def _group(vectors: _Vectors, new: int, seed_sizes: Sequence[int]) -> list[list[int]]:
    """Stories as lists of article indices (the new articles are 0..new-1, the seeds'
    articles follow in order): the seeds first, then the new stories, batch by batch."""
    stories, start = [], new
    for size in seed_sizes:
        stories.append(list(range(start, start + size)))
        start += size
    for first in range(0, new, vectors.options.batch):
        _add_batch(vectors, np.arange(first, min(first + vectors.options.batch, new)), stories)
    return stories


def _similarity_on_every_core(vectors: _Vectors, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """vectors.similarity in shares of the rows, one thread a core: SciPy's sparse products
    let go of the GIL, and a row's similarities depend on that row alone, so the result is
    the same as in one piece."""
    shares = np.array_split(rows, max(1, min(cores(), len(rows) // _ROWS_PER_THREAD)))
    if len(shares) == 1:
        return vectors.similarity(rows, cols)
    with ThreadPoolExecutor(len(shares)) as pool:
        return np.vstack(list(pool.map(lambda share: vectors.similarity(share, cols), shares)))


def _add_batch(vectors: _Vectors, batch: np.ndarray, stories: list[list[int]]) -> None:
    """Group one batch of new articles against the stories so far (extended in place).
    Only stories some article of the batch alone reaches are candidates: a story's average
    link to a group is at most its best link to one of the group's articles."""
    n = len(batch)
    sizes = np.array([len(s) for s in stories], dtype=np.float32)
    columns = np.concatenate([batch, *map(np.asarray, stories)]) if stories else batch
    similarity = _similarity_on_every_core(vectors, batch, columns)
    story_sums = np.zeros((n, 0), dtype=np.float32)
    if stories:
        story_sums = np.add.reduceat(similarity[:, n:], np.cumsum([0, *sizes[:-1].astype(int)]), axis=1)
    reachable = np.flatnonzero((story_sums / np.maximum(sizes, 1)).max(axis=0, initial=-np.inf)
                               >= vectors.options.threshold)
    sums = np.zeros((n + len(reachable),) * 2, dtype=np.float32)
    sums[:n, :n] = similarity[:, :n]
    sums[:n, n:] = story_sums[:, reachable]
    sums[n:, :n] = sums[:n, n:].T
    unit_sizes = np.concatenate([np.ones(n, dtype=np.float32), sizes[reachable]])
    owner = _agglomerate(sums, unit_sizes, np.arange(len(unit_sizes)) >= n, vectors.options.threshold,
                         _spans(vectors, batch, [stories[k] for k in reachable]))[:n]
    fresh: dict[int, list[int]] = {}
    for article, unit in zip(batch.tolist(), owner.tolist()):
        if unit >= n:
            stories[reachable[unit - n]].append(article)
        else:
            fresh.setdefault(unit, []).append(article)
    stories.extend(fresh.values())
