"""Extractive multi-document summaries with sumy, credited sentence by sentence.

The story's sentences are gathered from every article; near-identical sentences (the same
wire text in several outlets) become one candidate that remembers every article carrying it.
A sumy summarizer (any of ALGORITHMS, duck-typed: anything callable as
`summarizer(document, count)`) rates the candidates; the best are picked greedily under a
sentence and word budget, skipping any that repeat a picked one, and put back in story order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.random import RandomSummarizer
from sumy.summarizers.reduction import ReductionSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from .language import Language, get_language
from .models import Article, SummarySentence
from .similarity import cosine, jaccard, terms

ALGORITHMS = {
    "lexrank": LexRankSummarizer,
    "textrank": TextRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
    "edmundson": EdmundsonSummarizer,
    "kl": KLSummarizer,
    "sumbasic": SumBasicSummarizer,
    "reduction": ReductionSummarizer,
    "random": RandomSummarizer,
}

MIN_WORDS = 6
HEADING_WORDS = 12
MAX_WORDS = 80
# Two sentences whose word sets overlap this much are the same sentence in two outlets.
SAME_SENTENCE = 0.7
# A candidate this similar (stemmed cosine) to a picked sentence repeats it.
REDUNDANT = 0.5
_TERMINAL = re.compile(r"[.!?…。！？؟।][\"'”’»)\]]*$")


class UnknownAlgorithm(ValueError):
    def __init__(self, name: str):
        choices = ", ".join(sorted(ALGORITHMS))
        super().__init__(f"unknown summary algorithm {name!r}: choose one of {choices}")


@dataclass(frozen=True)
class SummaryOptions:
    algorithm: str = "lexrank"
    sentences: int = 5
    max_words: int = 120

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise UnknownAlgorithm(self.algorithm)


@dataclass
class Candidate:
    """One sentence of the story, with every (article, position) that carries it."""

    text: str
    article: int  # index of the article the text is quoted from
    position: int  # sentence number in that article
    carriers: list[tuple[int, int]]
    terms: Counter


def story_language(articles: Sequence[Article]) -> str:
    counts = Counter(a.language for a in articles if a.language != "und")
    return counts.most_common(1)[0][0] if counts else "und"


def summarize(articles: Sequence[Article], options: SummaryOptions = SummaryOptions()) -> tuple[SummarySentence, ...]:
    lang = get_language(story_language(articles))
    candidates = gather(articles, lang)
    if not candidates:
        return ()
    ratings = rate(candidates, lang, options.algorithm)
    chosen = select(candidates, ratings, options)
    chosen.sort(key=lambda c: _story_order(articles, c))
    return tuple(_credit(c, articles) for c in chosen)


def gather(articles: Sequence[Article], lang: Language) -> list[Candidate]:
    """Candidate sentences of all articles, near-identical ones merged across articles."""
    candidates: list[Candidate] = []
    # One language per summary: the story's. Other-language articles are still credited in
    # the coverage list, but a summary switching language mid-way does not read.
    monolingual = any(a.language == lang.code for a in articles)
    for a, article in enumerate(articles):
        if monolingual and article.language != lang.code:
            continue
        article_lang = get_language(article.language)
        position = 0
        for paragraph in article.paragraphs:
            sentences = article_lang.split_sentences(paragraph)
            if len(sentences) == 1 and is_heading(sentences[0], article_lang):
                continue
            for text in sentences:
                position += 1
                if _is_candidate(text, article_lang):
                    _merge(candidates, text, a, position, terms(text, article_lang))
    return candidates


def is_heading(paragraph: str, lang: Language) -> bool:
    """A short one-line paragraph that does not end like a statement is a section heading."""
    return len(lang.words(paragraph)) < HEADING_WORDS and not paragraph.rstrip("\"'”’»").endswith(".")


def _is_candidate(text: str, lang: Language) -> bool:
    """Whole statements only: no fragments, run-on blocks or questions to the reader."""
    if not MIN_WORDS <= len(lang.words(text)) <= MAX_WORDS:
        return False
    return bool(_TERMINAL.search(text)) and not text.rstrip("\"'”’»)]").endswith("?")


def _merge(candidates: list[Candidate], text: str, article: int, position: int, bag: Counter) -> None:
    words = set(bag)
    for cand in candidates:
        if jaccard(words, set(cand.terms)) >= SAME_SENTENCE:
            if all(a != article for a, _ in cand.carriers):
                cand.carriers.append((article, position))
            return
    candidates.append(Candidate(text, article, position, [(article, position)], bag))


def rate(candidates: list[Candidate], lang: Language, algorithm: str) -> list[float]:
    """Each candidate's rating by the sumy algorithm (higher is better)."""
    summarizer = _build(algorithm, lang, candidates)
    sentences = [Sentence(c.text, lang) for c in candidates]
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


def _build(algorithm: str, lang: Language, candidates: list[Candidate]):
    if algorithm != "edmundson":
        summarizer = ALGORITHMS[algorithm](lang.stem)
        summarizer.stop_words = lang.stop_words
        return summarizer
    # Edmundson's cue method needs hand-made cue lists no language ships; its key method
    # takes the story's most frequent content words, as in Edmundson (1969).
    summarizer = EdmundsonSummarizer(lang.stem, cue_weight=0.0, key_weight=1.0, title_weight=0.0)
    frequent = sum((c.terms for c in candidates), Counter()).most_common(20)
    summarizer.bonus_words = [word for word, _ in frequent]
    summarizer.null_words = lang.stop_words
    return summarizer


def select(candidates: list[Candidate], ratings: list[float], options: SummaryOptions) -> list[Candidate]:
    """Best-rated first, within the sentence and word budgets, never repeating a picked fact."""
    order = sorted(range(len(candidates)), key=lambda i: (-ratings[i], i))
    chosen: list[Candidate] = []
    words = 0
    for i in order:
        cand = candidates[i]
        length = len(cand.text.split())
        if len(chosen) >= options.sentences:
            break
        if words + length > options.max_words and chosen:
            continue
        if any(cosine(cand.terms, c.terms) >= REDUNDANT for c in chosen):
            continue
        chosen.append(cand)
        words += length
    return chosen


def _story_order(articles: Sequence[Article], cand: Candidate) -> tuple:
    """Earliest-published article first, then position within it."""
    published = articles[cand.article].published
    stamp = published.timestamp() if published else math.inf
    return (stamp, cand.article, cand.position)


def _credit(cand: Candidate, articles: Sequence[Article]) -> SummarySentence:
    carriers = sorted(cand.carriers, key=lambda ap: ap[0])
    ids = tuple(articles[a].id for a, _ in carriers)
    outlets = tuple(dict.fromkeys(articles[a].outlet for a, _ in carriers))
    return SummarySentence(cand.text, outlets, ids)


def choose_headline(articles: Sequence[Article]) -> str:
    """The title closest to what the whole story is about, avoiding shouting and extremes."""
    lang = get_language(story_language(articles))
    centroid = sum((terms(a.text, lang) for a in articles), Counter())

    def score(article: Article) -> float:
        title = article.title
        penalty = 0.8 if title.rstrip().endswith(("!", "?")) else 1.0
        length = len(title.split())
        penalty *= 1.0 if 5 <= length <= 16 else 0.85
        return cosine(terms(title, lang), centroid) * penalty

    return max(articles, key=score).title
