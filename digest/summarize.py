"""Extractive multi-document summaries built around sumy, credited sentence by sentence.

1. gather: every sentence of every article that reads as a statement on its own (a quotation
   told over several sentences is one; no fragments, captions, credits, questions to the reader,
   promos: data/summary.yaml); near-identical sentences in several outlets (SAME_SENTENCE)
   become one candidate carried by each of them.
2. score (digest/scoring.py): a sumy algorithm's centrality plus the position in the article
   (news leads), similarity to the story's headlines, and agreement across independent
   reports (a syndicated copy counts with its original).
3. select (digest/selection.py): greedy coverage of the story's concepts (bigrams told by
   several reports, digest/concepts.py) plus the rating, under a sentence and word budget,
   filled with shorter sentences when the best one does not fit; never a repeated fact, and a
   sentence that leans on the one before it ("However, ...", "Dia ...") only right after it.
4. order: by publication time of the quoted (earliest) carrier, then position in it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

import numpy
import yaml
from scipy import sparse

from .boilerplate import any_of
from .clean import TERMINAL
from .language import CLOSERS, Language, get_language
from .models import Article, SummarySentence
from .scoring import ALGORITHMS, Candidate, Pool, Weights, components, score, term_matrix, timestamp
from .screen import Screen
from .selection import select
from .similarity import cosine, norm, terms
from .syndication import COPY_SIMILARITY, WordHashes, paragraphs_carried, shingle_jaccard, shingles

__all__ = ["ALGORITHMS", "SummaryOptions", "UnknownAlgorithm", "summarize", "choose_headline",
           "story_language", "is_heading", "furniture"]

MIN_WORDS = 6
HEADING_WORDS = 12
MAX_WORDS = 80
# Two sentences whose stem sets overlap this much (Jaccard) are the same sentence in two
# outlets. Measured with `eval/rouge.py --attribution` (README): it matches 85% of sentences
# with one outlet edit and 62% with two, 17% of sentences that say half as much again, and
# 7 in 100,000 pairs of different sentences; the best balance of those (cosine is worse at
# telling a longer sentence from an edited one).
SAME_SENTENCE = 0.8
# A paragraph carried by articles of this many different stories is furniture (furniture()).
FURNITURE_STORIES = 2
# Double quotation marks: what closes the quotation each opener opens (a straight one both).
_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“”", "«": "»"}
# A straight quote inside a word (Hebrew ארה"ב) or after a digit (1h 12' 06") is no quotation mark.
_QUOTE_MARK = re.compile(r'(?<!\w)"|(?<!\d)"(?!\w)|[“”„«»\n\r]')
_LINE_BREAK = re.compile(r"[\n\r]")
# A list item's bullet or a dateline's dash left before a sentence ("* The rupture spread from
# south to north.", "— For years, ..."): the sentence is quoted from after it.
_LIST_MARK = re.compile(r"^[-–—•·*]+\s+")
# A sentence's first word: all in lower case, the sentence is the rest of one the page or a line
# break cut ("in up to 40 states – in many for the first time."); "iPhone" and "eBay" are names.
_FIRST_WORD = re.compile(r"\W*([^\W\d_]+)")


class UnknownAlgorithm(ValueError):
    def __init__(self, name: str):
        choices = ", ".join(sorted(ALGORITHMS))
        super().__init__(f"unknown summary algorithm {name!r}: choose one of {choices}")


@dataclass(frozen=True)
class SummaryOptions:
    """The sumy algorithm for centrality (lexrank measured best), the budgets, the weights."""

    algorithm: str = "lexrank"
    sentences: int = 5
    max_words: int = 120
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise UnknownAlgorithm(self.algorithm)
        if self.sentences < 1 or self.max_words < 1:
            raise ValueError(f"a summary needs at least 1 sentence and 1 word, not "
                             f"sentences={self.sentences}, max_words={self.max_words}")


def story_language(articles: Sequence[Article]) -> str:
    """The language of most of the story's articles that have text: the one its summary can
    be written in (headline-only articles count only when no article has text)."""
    for group in ([a for a in articles if a.text], articles):
        counts = Counter(a.language for a in group if a.language != "und")
        if counts:
            return counts.most_common(1)[0][0]
    return "und"


def summarize(articles: Sequence[Article], options: SummaryOptions = SummaryOptions(),
              furniture: Collection[str] = frozenset()) -> tuple[SummarySentence, ...]:
    """The story's summary; no sentence of a paragraph in `furniture` (see furniture())."""
    lang = get_language(story_language(articles))
    pool = gather(articles, lang, furniture)
    if not pool.candidates:
        return ()
    weights = options.weights
    if len(set(pool.reports.tolist())) == 1:  # one report: its lede leads (news put the essentials first)
        weights = replace(weights, position=weights.single_position)
    ratings = score(pool, components(options.algorithm, weights))
    chosen = select(pool, ratings, options)
    chosen = order(pool, chosen)
    return tuple(_credit(pool.candidates[i], articles) for i in chosen)


# --- gather ------------------------------------------------------------------------------


def furniture(stories: Iterable[Sequence[Article]]) -> frozenset[str]:
    """Paragraphs that articles of FURNITURE_STORIES or more different stories carry. Within
    a story a repeated paragraph is wire copy; across unrelated stories it is the pages' own:
    a web archive's notice, a newsletter box, a site's "about us", which no summary quotes."""
    return paragraphs_carried(stories, FURNITURE_STORIES)


def gather(articles: Sequence[Article], lang: Language, furniture: Collection[str] = frozenset()) -> Pool:
    """Candidate sentences of all articles, earliest published first, near-identical ones merged."""
    found: list[Candidate] = []
    # A sentence seen before (wire copies repeat whole sentences) is looked at once: its
    # index in `found` (-1: no candidate), and its later (found index, article, position).
    seen: dict[tuple[str, str], int] = {}
    again: list[tuple[int, int, int]] = []
    # One language per summary: the story's. Other-language articles are still credited in
    # the coverage list, but a summary switching language mid-way does not read.
    monolingual = any(a.language == lang.code for a in articles)
    for a in sorted(range(len(articles)), key=lambda i: (timestamp(articles[i]), i)):
        article = articles[a]
        if monolingual and article.language != lang.code:
            continue
        article_lang = get_language(article.language)
        for position, text in enumerate(_sentences(article, article_lang, furniture)):
            if (first := seen.get((article_lang.code, text))) is not None:
                again.extend([(first, a, position)] if first >= 0 else [])
            elif is_candidate(text, article_lang):
                seen[article_lang.code, text] = len(found)
                bag = terms(text, article_lang)
                found.append(Candidate(text, a, position, [(a, position)], bag, is_dangling(text, article_lang)))
            else:
                seen[article_lang.code, text] = -1
    return Pool(merge(found, again), articles, lang, independent_reports(articles))


def _sentences(article: Article, lang: Language, furniture: Collection[str] = frozenset()) -> list[str]:
    """The article's sentences in order, without section headings and furniture; a quotation
    told over several sentences is one (see quotations)."""
    sentences: list[str] = []
    for paragraph in article.paragraphs:
        if paragraph in furniture:
            continue
        split = lang.split_sentences(paragraph)
        if not (len(split) == 1 and is_heading(split[0], lang)):
            sentences.extend(_LIST_MARK.sub("", s) for s in quotations(paragraph, split, lang))
    return sentences


def quotations(paragraph: str, sentences: list[str], lang: Language) -> list[str]:
    """The paragraph's sentences with those inside one quotation joined, verbatim: ``"Enggak,
    enggak ada. Tanya sana saja ke penyidik," kata Sareh.`` is one statement with its speaker,
    where either half alone reads as a fragment with a stray quote mark. A quotation that does
    not close on its line, or that would run past MAX_WORDS, stays split."""
    spans, at = [], 0
    for sentence in sentences:
        start = paragraph.find(sentence, at)
        at = start + len(sentence)
        spans.append((start, at))
    inside = _inside_quotes(paragraph, [end for _, end in spans])
    joined: list[str] = []
    i = 0
    while i < len(spans):
        j = i
        while inside[j] and j + 1 < len(spans) and not _LINE_BREAK.search(paragraph, spans[j][1], spans[j + 1][0]):
            j += 1
        text = paragraph[spans[i][0]:spans[j][1]]
        whole = not inside[j] and len(lang.words(text)) <= MAX_WORDS
        joined.extend([text] if whole else sentences[i:j + 1])
        i = j + 1
    return joined


def _inside_quotes(text: str, offsets: list[int]) -> list[bool]:
    """At each offset (ascending) of `text`, whether a double quotation is open there (“…”,
    „…“, «…», "…"); a line break closes any."""
    result, opened = [], ""
    marks = _QUOTE_MARK.finditer(text)
    mark = next(marks, None)
    for offset in offsets:
        while mark is not None and mark.start() < offset:
            char = mark.group()
            if char in "\n\r" or (opened and char in _QUOTE_PAIRS[opened]):
                opened = ""
            elif not opened and char in _QUOTE_PAIRS:
                opened = char
            mark = next(marks, None)
        result.append(bool(opened))
    return result


def is_heading(paragraph: str, lang: Language) -> bool:
    """A short one-line paragraph that does not end like a statement is a section heading."""
    return len(lang.words(paragraph)) < HEADING_WORDS and not paragraph.rstrip(CLOSERS).endswith(".")


def is_candidate(text: str, lang: Language) -> bool:
    """A whole statement that reads on its own: not a fragment (nor the rest of a sentence cut
    before it), a run-on block, a question to the reader, a cut-off teaser, a caption or
    credit, or a promo (patterns in data/summary.yaml)."""
    if not MIN_WORDS <= len(lang.words(text)) <= MAX_WORDS:
        return False
    # A question to the reader, or a text cut off with an ellipsis (a teaser, a caption).
    if not TERMINAL.search(text) or text.rstrip(CLOSERS).endswith(("?", "...", "…")):
        return False
    if (first := _FIRST_WORD.match(text)) and first.group(1).islower():
        return False
    patterns = _patterns(lang.code)
    return not (patterns.screen.search(text) and any(pattern.search(text) for pattern in patterns.debris))


def is_dangling(text: str, lang: Language) -> bool:
    """Whether the sentence opens on a pronoun or connective that leans on the one before, or
    on a noun its demonstrative points back with ("Bandara ini ...": _points_back)."""
    patterns = _patterns(lang.code)
    return bool(patterns.dangling and patterns.dangling.search(text)) or _points_back(text, lang, patterns)


def _points_back(text: str, lang: Language, patterns: _Patterns) -> bool:
    """In a language that puts the demonstrative after its noun, a sentence opening on one or
    two content words and a demonstrative ("Bandara ini ...", "Penelitian tersebut ...")
    names something told before; a quotation's own "ini" is the speaker's, not the text's."""
    if not patterns.demonstratives or text.lstrip()[:1] in _QUOTE_PAIRS:
        return False
    words = [word.lower() for word in lang.words(text)[:3]]
    return any(len(words) > k and words[k] in patterns.demonstratives
               and all(word.isalpha() and word not in lang.stop_words for word in words[:k]) for k in (1, 2))


@dataclass(frozen=True)
class _Patterns:
    debris: tuple[re.Pattern, ...]
    screen: Screen  # of the debris patterns
    dangling: re.Pattern | None
    demonstratives: frozenset[str]  # that follow their noun (data/summary.yaml)


@lru_cache(maxsize=None)
def _patterns(code: str) -> _Patterns:
    data = yaml.safe_load(resources.files("digest.data").joinpath("summary.yaml").read_text("utf-8"))
    sections = (data["debris"].get("common", {}), data["debris"].get(code, {}))
    debris = [p for section in sections for patterns in section.values() for p in patterns]
    dangling = data["dangling"].get(code)
    return _Patterns(any_of(debris), Screen(debris), re.compile(dangling, re.I) if dangling else None,
                     frozenset(data["demonstratives"].get(code, ())))


def merge(found: list[Candidate], again: Sequence[tuple[int, int, int]] = ()) -> list[Candidate]:
    """One candidate per sentence told by several articles, carried by each of them.

    A sentence joins the first earlier candidate it matches (Jaccard at SAME_SENTENCE); the
    candidate keeps the earliest text. Sparse products keep this fast. `again`: the same
    text as found[i] once more, (i, article, position): it goes where found[i] went.
    """
    if not found:
        return []
    sets = term_matrix([c.terms for c in found]).sign()
    shared = sparse.csr_matrix(sparse.tril(sets @ sets.T, k=-1))
    sizes = numpy.asarray(sets.sum(axis=1)).ravel()
    rows = numpy.repeat(numpy.arange(len(found)), numpy.diff(shared.indptr))
    union = sizes[rows] + sizes[shared.indices] - shared.data
    same = sparse.csr_matrix((shared.data / union >= SAME_SENTENCE, shared.indices, shared.indptr), shape=shared.shape)
    same.eliminate_zeros()
    merged: list[Candidate] = []
    into = numpy.full(len(found), -1)  # index in `merged` of each found sentence's candidate
    for i, cand in enumerate(found):
        earlier = same.indices[same.indptr[i]:same.indptr[i + 1]]
        target = min((into[j] for j in earlier if found[j] is merged[into[j]]), default=-1)
        if target < 0:
            into[i] = len(merged)
            merged.append(cand)
            continue
        into[i] = target
        _carry(merged[target], cand.article, cand.position)
    for i, article, position in again:
        _carry(merged[into[i]], article, position)
    return merged


def _carry(candidate: Candidate, article: int, position: int) -> None:
    if all(a != article for a, _ in candidate.carriers):
        candidate.carriers.append((article, position))


def independent_reports(articles: Sequence[Article]) -> numpy.ndarray:
    """Per article, the index of the article it copies (syndication's shingle Jaccard), else its own."""
    order = sorted(range(len(articles)), key=lambda i: (timestamp(articles[i]), i))
    words_seen = WordHashes()
    sets = {i: shingles(articles[i].text, words_seen=words_seen) for i in order}
    reports = numpy.arange(len(articles))
    originals: list[int] = []
    for i in order:
        for j in originals:
            small, large = sorted((sets[i].size, sets[j].size))
            # Jaccard is at most small / large: most pairs need no set operation at all.
            if not small >= COPY_SIMILARITY * large > 0:
                continue
            if shingle_jaccard(sets[i], sets[j]) >= COPY_SIMILARITY:
                reports[i] = j
                break
        else:
            originals.append(i)
    return reports


# --- select and order --------------------------------------------------------------------


def order(pool: Pool, chosen: list[int]) -> list[int]:
    """Story order (Pool.story_order), so a dangling sentence lands right after the one it leans on."""
    return sorted(chosen, key=lambda i: pool.story_order[i])


def _credit(cand: Candidate, articles: Sequence[Article]) -> SummarySentence:
    carriers = sorted(cand.carriers, key=lambda ap: (timestamp(articles[ap[0]]), ap[0]))
    ids = tuple(articles[a].id for a, _ in carriers)
    outlets = tuple(dict.fromkeys(articles[a].outlet for a, _ in carriers))
    return SummarySentence(cand.text, outlets, ids)


def choose_headline(articles: Sequence[Article]) -> str:
    """The title closest to what the whole story is about, avoiding shouting and extremes, in
    the story's language (its summary's) when an article of it has a title."""
    code = story_language(articles)
    lang = get_language(code)
    articles = [a for a in articles if a.language == code and a.title] or articles
    centroid: Counter = Counter()
    for article in articles:
        centroid.update(terms(article.text or article.title, lang))
    centroid_norm = norm(centroid)

    def rating(article: Article) -> float:
        title = article.title
        penalty = 0.8 if title.rstrip().endswith(("!", "?")) else 1.0
        length = len(title.split())
        penalty *= 1.0 if 5 <= length <= 16 else 0.85
        return cosine(terms(title, lang), centroid, centroid_norm) * penalty

    return max(articles, key=rating).title
