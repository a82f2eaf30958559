"""How the summarizer rates a story's candidate sentences.

Each component is a small class called as `component(pool) -> array`, one value in [0, 1]
per candidate; `score` adds them up with `Weights`. Anything with that call signature plugs
in (duck typing), like sumy's summarizers do. The weights are fitted by ROUGE on the tune halves
of the evaluation sets (eval/fit_summary.py writes data/summary_model.json); the constants were
set with `eval/rouge.py --ablation` (see the README).
"""

from __future__ import annotations

import functools
import importlib
import itertools
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

import numpy
from scipy import sparse
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

from .language import Language
from .models import Article
from .similarity import terms


# name -> the sumy summarizer ("module:class", or the class itself). sumy's summarizers
# import NLTK, a second and a half, so the one a run uses is imported when first used (a
# daily run imports it in the background meanwhile: digest.pipeline).
ALGORITHMS: dict[str, str | type] = {
    "lexrank": "digest.lexrank:FastLexRankSummarizer",
    "textrank": "sumy.summarizers.text_rank:TextRankSummarizer",
    "lsa": "sumy.summarizers.lsa:LsaSummarizer",
    "luhn": "sumy.summarizers.luhn:LuhnSummarizer",
    "edmundson": "sumy.summarizers.edmundson:EdmundsonSummarizer",
    "kl": "sumy.summarizers.kl:KLSummarizer",
    "sumbasic": "sumy.summarizers.sum_basic:SumBasicSummarizer",
    "reduction": "sumy.summarizers.reduction:ReductionSummarizer",
    "random": "sumy.summarizers.random:RandomSummarizer",
}


def summarizer_class(algorithm: str) -> type:
    """The summarizer class registered as `algorithm` in ALGORITHMS, imported if need be."""
    entry = ALGORITHMS[algorithm]
    if isinstance(entry, type):
        return entry
    module, name = entry.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class Candidate:
    """One sentence of the story, with every (article, position) that carries it."""

    text: str
    article: int  # index of the article the text is quoted from (the earliest carrier)
    position: int  # sentence number in that article, from 0
    carriers: list[tuple[int, int]]
    terms: Counter
    dangling: bool = False  # leans on the sentence before it (data/summary.yaml)


@dataclass
class Pool:
    """A story's candidates with the shared matrices every component needs."""

    candidates: list[Candidate]
    articles: Sequence[Article]
    lang: Language
    reports: numpy.ndarray  # per article: its independent report (a copy maps to its original)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Column of each stem in `counts`."""
        return {term: i for i, term in enumerate(dict.fromkeys(t for c in self.candidates for t in c.terms))}

    @cached_property
    def counts(self) -> Matrix:
        """Candidates × stems, raw counts (stop words left out); dense when small (term_matrix)."""
        return term_matrix([c.terms for c in self.candidates], dict(self.vocabulary), dense=True)

    @cached_property
    def unit(self) -> Matrix:
        """Counts scaled to unit length: `unit @ unit.T` is the cosine of every pair."""
        return normalised(self.counts)

    @cached_property
    def tfidf(self) -> Matrix:
        """Unit-length tf-idf rows (idf over candidates, smoothed so no term weighs zero)."""
        idf = numpy.log((1 + len(self.candidates)) / (1 + column_counts(self.counts))) + 1
        return normalised(scale_columns(self.counts, idf))

    def similar(self, threshold: float) -> Matrix:
        """Boolean candidates × candidates: cosine at least `threshold`."""
        return rounded(self.unit @ self.unit.T) >= threshold

    def cosine_to(self, index: int) -> numpy.ndarray:
        # A product with the dense row: no sparse matrix built per call.
        return rounded(self.unit @ row(self.unit, index))

    @cached_property
    def story_order(self) -> numpy.ndarray:
        """Each candidate's place in story order: by publication time of its quoted (earliest)
        carrier, then its position there (a dangling sentence right after the one it leans on)."""
        stamps = [timestamp(a) for a in self.articles]
        keys = sorted(range(len(self.candidates)), key=lambda i: (
            stamps[self.candidates[i].article], self.candidates[i].article, self.candidates[i].position))
        ranks = numpy.empty(len(keys), dtype=int)
        ranks[keys] = numpy.arange(len(keys))
        return ranks


def timestamp(article: Article) -> float:
    """When the article was published, as a number; undated ones last."""
    return article.published.timestamp() if article.published else math.inf


# --- components ------------------------------------------------------------------------


class Centrality:
    """A sumy algorithm's rating of each candidate, scaled to [0, 1]: what the story is about."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm

    def __call__(self, pool: Pool) -> numpy.ndarray:
        return _scaled(numpy.array(rate(pool, self.algorithm)))


class Position:
    """News put the essentials first: 1 for a lead sentence, halving every `half_life`
    sentences further down; a candidate counts its best position among its carriers."""

    def __init__(self, half_life: float) -> None:
        self.half_life = half_life

    def __call__(self, pool: Pool) -> numpy.ndarray:
        best = numpy.array([min(p for _, p in c.carriers) for c in pool.candidates], dtype=float)
        return 0.5 ** (best / self.half_life)


class Centroid:
    """Cosine with the story's tf-idf centroid, each candidate counted once per carrier."""

    def __call__(self, pool: Pool) -> numpy.ndarray:
        carriers = numpy.array([len(c.carriers) for c in pool.candidates], dtype=float)
        centroid = pool.tfidf.T @ carriers
        return _scaled(_cosines(pool.tfidf, centroid))


class Headline:
    """Cosine with the words of the articles' titles: what the outlets say the story is."""

    def __call__(self, pool: Pool) -> numpy.ndarray:
        titles = Counter()
        for article in pool.articles:
            titles.update(terms(article.title, pool.lang))  # (stems counted in C)
        vector = numpy.zeros(pool.counts.shape[1])
        for term, count in titles.items():
            if term in pool.vocabulary:
                vector[pool.vocabulary[term]] = count
        return _scaled(_cosines(pool.unit, vector))


class Agreement:
    """How many independent reports carry the fact: articles with a sentence this similar
    (stemmed cosine), a syndicated copy counting with its original; 0 for a fact only one
    report has, 1 for a fact all have."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, pool: Pool) -> numpy.ndarray:
        total = len(set(pool.reports.tolist()))
        if total < 2:
            return numpy.zeros(len(pool.candidates))
        rows, cols = [], []
        for i, cand in enumerate(pool.candidates):
            rows.extend([i] * len(cand.carriers))
            cols.extend(int(pool.reports[a]) for a, _ in cand.carriers)
        shape = (len(pool.candidates), int(pool.reports.max()) + 1)
        carried = sparse.csr_matrix((numpy.ones(len(rows)), (rows, cols)), shape=shape)
        reached = (pool.similar(self.threshold).astype(float) @ carried) > 0
        return numpy.maximum(numpy.asarray(reached.sum(axis=1)).ravel() - 1, 0) / (total - 1)


# The weights eval/fit_summary.py sets on the tune halves of the evaluation sets.
_MODEL = json.loads(resources.files("digest.data").joinpath("summary_model.json").read_text("utf-8"))


@dataclass(frozen=True)
class Weights:
    """How much each component counts, and the constants they use."""

    centrality: float = _MODEL["centrality"]
    position: float = _MODEL["position"]
    centroid: float = 0.0  # measured no help beside LexRank (see the README); a plug-in option
    headline: float = _MODEL["headline"]
    agreement: float = _MODEL["agreement"]
    half_life: float = _MODEL["half_life"]  # Position: sentences
    agreement_threshold: float = 0.5  # Agreement: cosine of "the same fact"
    redundancy: float = _MODEL["redundancy"]  # MMR: a candidate's score minus this times its closest pick's cosine
    novelty: float = 0.5  # a pick needs this share of content stems new to the summary
    single_novelty: float = _MODEL["single_novelty"]  # the same in a one-report story
    single_redundant: float = _MODEL["single_redundant"]  # selection.REDUNDANT in a one-report story
    single_position: float = _MODEL["single_position"]  # Position's weight in a one-report story
    concepts: float = _MODEL["concepts"]  # selection: weight of the concepts a pick adds (digest/concepts.py)
    length_scale: float = _MODEL["length_scale"]  # selection: that gain divided by the pick's length to this power
    pushed_out: float = _MODEL["pushed_out"]  # selection: weight of the picks a sentence would push past the budget


Component = Callable[[Pool], numpy.ndarray]


def components(algorithm: str, weights: Weights) -> list[tuple[float, Component]]:
    """The weighted components of the summarizer; zero-weight ones are not computed."""
    weighted = [
        (weights.centrality, Centrality(algorithm)),
        (weights.position, Position(weights.half_life)),
        (weights.centroid, Centroid()),
        (weights.headline, Headline()),
        (weights.agreement, Agreement(weights.agreement_threshold)),
    ]
    return [(w, c) for w, c in weighted if w]


def score(pool: Pool, parts: Sequence[tuple[float, Component]]) -> numpy.ndarray:
    total = numpy.zeros(len(pool.candidates))
    for weight, component in parts:
        total += weight * numpy.asarray(component(pool), dtype=float)
    return total


# --- sumy ratings ----------------------------------------------------------------------


def rate(pool: Pool, algorithm: str) -> list[float]:
    """Each candidate's rating by the sumy algorithm (higher is better)."""
    summarizer = _build(algorithm, pool)
    rate_bags = getattr(summarizer, "rate_bags", None)
    if rate_bags is not None and all(pool.articles[c.article].language == pool.lang.code for c in pool.candidates):
        # The candidates' stems are what sumy would make of their words in the pool's
        # language: no sumy document, no second tokenizing (digest.lexrank).
        with numpy.errstate(invalid="ignore", divide="ignore"):
            ratings = rate_bags([c.terms for c in pool.candidates])
        return numpy.where(numpy.isfinite(ratings), ratings, 0.0).tolist()
    sentences = [Sentence(c.text, pool.lang) for c in pool.candidates]
    document = ObjectDocumentModel([Paragraph(sentences)])
    recorder = _RatingRecorder()
    with numpy.errstate(invalid="ignore", divide="ignore"):  # see _RatingRecorder: NaN means no rating
        summarizer(document, recorder)
    return [recorder.ratings.get(s, 0.0) for s in sentences]


class _RatingRecorder:
    """sumy's `sentences_count` may be a callable over rated sentences: record them all."""

    def __init__(self) -> None:
        self.ratings: dict[Sentence, float] = {}

    def __call__(self, infos):
        count = len(infos)
        for rank, info in enumerate(infos):
            # Some algorithms rate with tuples or lists: their order is what counts.
            value = info.rating if isinstance(info.rating, (int, float)) else count - rank
            # LexRank divides by zero on sentences sharing no words: such a rating means nothing.
            self.ratings[info.sentence] = float(value) if math.isfinite(value) else 0.0
        return infos


def _build(algorithm: str, pool: Pool):
    lang = pool.lang
    if algorithm != "edmundson":
        return _plain_summarizer(algorithm, lang)
    # Edmundson's cue method needs hand-made cue lists no language ships; its key method
    # takes the story's most frequent content words, as in Edmundson (1969).
    summarizer = summarizer_class(algorithm)(lang.stem, cue_weight=0.0, key_weight=1.0, title_weight=0.0)
    frequent = sum((c.terms for c in pool.candidates), Counter()).most_common(20)
    summarizer.bonus_words = [word for word, _ in frequent]
    summarizer.null_words = lang.stop_words
    return summarizer


@functools.lru_cache(maxsize=None)
def _plain_summarizer(algorithm: str, lang: Language):
    """One per algorithm and language: setting the stop words costs a millisecond a story."""
    summarizer = summarizer_class(algorithm)(lang.stem)
    summarizer.stop_words = lang.stop_words
    return summarizer


# --- matrices --------------------------------------------------------------------------


# A story's matrices: sparse (CSR), or dense when small. Each scipy operation costs tens of
# microseconds of Python whatever the size: with sparse matrices only, that was 40 % of the
# time of a story of a few articles. A matrix is dense (a numpy array) when its product with
# its transpose takes at most this many multiplications (rows² × columns): OpenBLAS does
# those in one thread, while above it starts threads, which on 2 busy cores took 1-3 ms
# for what sparse products do in 0.1-0.3 ms (100 rows × 200 columns).
DENSE_WORK = 2 ** 18
Matrix = sparse.csr_matrix | numpy.ndarray
# The two sum products in different orders, so their last bits differ. What a threshold or a
# pick depends on is compared rounded to this many decimals (rounded()), in both: so a tie
# (a cosine of exactly 0.5) goes the same way whichever did the sums.
DECIMALS = 9


def term_matrix(bags: Sequence[Counter], vocabulary: dict[str, int] | None = None,
                dense: bool = False) -> Matrix:
    """Bags × terms counts; the column of a term is its `vocabulary` entry (new terms get new
    ones). With `dense`, a numpy array if small (DENSE_WORK)."""
    columns = dict(vocabulary or {})
    # New terms get the next columns in the order first seen (found in C: dict.fromkeys).
    new = [term for term in dict.fromkeys(itertools.chain.from_iterable(bags)) if term not in columns]
    columns.update(zip(new, range(len(columns), len(columns) + len(new))))
    indices: list[int] = []
    values: list[float] = []
    indptr = [0]
    for bag in bags:
        indices.extend(map(columns.__getitem__, bag))
        values.extend(bag.values())
        indptr.append(len(indices))
    if dense and 0 < len(bags) ** 2 * len(columns) <= DENSE_WORK:
        matrix = numpy.zeros((len(bags), len(columns)))
        matrix[numpy.repeat(numpy.arange(len(bags)), numpy.diff(indptr)), indices] = values
        return matrix
    return sparse.csr_matrix((numpy.array(values, dtype=float), numpy.array(indices, dtype=numpy.int32), indptr),
                             shape=(len(bags), len(columns)))


def row(matrix: Matrix, index: int) -> numpy.ndarray:
    """Row `index` as a dense array (of a CSR matrix: no sparse matrix built for it)."""
    if isinstance(matrix, numpy.ndarray):
        return matrix[index]
    dense = numpy.zeros(matrix.shape[1])
    start, end = matrix.indptr[index], matrix.indptr[index + 1]
    dense[matrix.indices[start:end]] = matrix.data[start:end]
    return dense


def rounded(values: Matrix) -> Matrix:
    """The values rounded to DECIMALS (see there)."""
    if isinstance(values, numpy.ndarray):
        return numpy.round(values, DECIMALS)
    values = values.copy()
    values.data = numpy.round(values.data, DECIMALS)
    return values


def normalised(matrix: Matrix) -> Matrix:
    """Rows scaled to unit length (empty rows stay empty)."""
    squares = matrix * matrix if isinstance(matrix, numpy.ndarray) else matrix.multiply(matrix)
    norms = numpy.sqrt(numpy.asarray(squares.sum(axis=1)).ravel())
    inverse = numpy.divide(1.0, norms, out=numpy.zeros_like(norms), where=norms > 0)
    return scale_rows(matrix, inverse)


def scale_rows(matrix: Matrix, factors: numpy.ndarray) -> Matrix:
    """Row i times factors[i]."""
    if isinstance(matrix, numpy.ndarray):
        return matrix * factors[:, None]
    return sparse.csr_matrix(sparse.diags(factors) @ matrix)


def scale_columns(matrix: Matrix, factors: numpy.ndarray) -> Matrix:
    """Column j times factors[j]."""
    return matrix * factors if isinstance(matrix, numpy.ndarray) else matrix @ sparse.diags(factors)


def column_counts(matrix: Matrix) -> numpy.ndarray:
    """Per column, its nonzero values (how many rows have the term)."""
    if isinstance(matrix, numpy.ndarray):
        return numpy.count_nonzero(matrix, axis=0)
    return numpy.bincount(matrix.indices, minlength=matrix.shape[1])


def _cosines(unit_rows: Matrix, vector: numpy.ndarray) -> numpy.ndarray:
    """Cosine of each unit-length row with `vector`."""
    length = numpy.sqrt(vector @ vector)
    return unit_rows @ (vector / length) if length > 0 else numpy.zeros(unit_rows.shape[0])


def _scaled(values: numpy.ndarray) -> numpy.ndarray:
    """Divide by the largest value: components compare on [0, 1] whatever their scale."""
    top = values.max(initial=0.0)
    return values / top if top > 0 else numpy.zeros_like(values)
