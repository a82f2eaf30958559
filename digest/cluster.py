"""Group articles into stories: the same event from every outlet, in any language.

Each article becomes weighted bags of terms: stemmed words of its language (title and lead
count more), character trigrams of its title (headline variants: "Chinese"/"China"), and
names and numbers. Two articles of one language are compared on words and names. Across
languages only names and numbers can meet: as written between two Latin scripts, otherwise
as a script-independent consonant key ("Putin", "Путин", "بوتين", "पुतिन" -> "PTN"); one
shared name is taken for a coincidence. Similarity fades with the time between articles.

Groups are merged greedily by average similarity (the dot product of their mean vectors)
until no pair reaches the threshold: new articles start alone, the window's existing stories
start whole and keep their ids, and two existing stories are never merged. New articles are
compared with the window's articles only, never with the whole store: the cost grows with
(new articles) x (articles in the window).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import scipy.sparse as sp
from anyascii import anyascii

from .language import Language, get_language
from .models import Article


@dataclass(frozen=True)
class ClusterOptions:
    """Defaults chosen by measurement with eval/cluster.py."""

    # Average similarity two groups need to become one story.
    threshold: float = 0.095
    # Articles and stories older than the newest article minus this are not compared.
    window: timedelta | None = timedelta(hours=48)
    # Similarity is multiplied by exp(-hours apart / this); None ignores time.
    time_scale: timedelta | None = timedelta(hours=48)
    title_weight: float = 3.0
    lead_weight: float = 2.0
    lead_sentences: int = 3
    # Share of names and numbers (vs words) in the similarity of one language.
    entity_weight: float = 0.2
    # Share of title trigrams in the word part.
    trigram_weight: float = 0.3
    # Factor on the name similarity of two languages: names and numbers are all that can
    # link languages, so their agreement counts for more than within one language.
    cross_lingual: float = 1.5


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


@dataclass
class _Terms:
    words: Counter = field(default_factory=Counter)  # stems
    trigrams: Counter = field(default_factory=Counter)  # of the title
    names: Counter = field(default_factory=Counter)  # capitalised words and numbers
    sure_names: Counter = field(default_factory=Counter)  # names not capitalised by Title Case
    keys: Counter = field(default_factory=Counter)  # sure names as script-independent keys


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Shortest keys (consonant classes) worth comparing: every word of a caseless script is a
# name candidate, so its keys must be longer not to collide; a key number needs 2 digits.
_MIN_KEY = 2
_MIN_CASELESS_KEY = 3
_MIN_NUMBER_KEY = 2
# Across languages, pairs sharing fewer distinct names than this are coincidences.
_MIN_SHARED = 2
# A title is Title Case when at least this share of its (at least this many) words is.
_TITLE_CASE_SHARE = 0.75
_TITLE_CASE_WORDS = 3

# --- the script-independent key of a name ------------------------------------------

_HEBREW = re.compile("[\u0590-\u05ff]")
_ARABIC = re.compile("[\u0600-\u06ff]")
_GREEK = re.compile("[\u0370-\u03ff]")
_DEVANAGARI = re.compile("[\u0900-\u097f]")
# Letters that mostly write vowels, and the clitics glued to the front of words.
_HEBREW_VOWELS = str.maketrans("", "", "והיאע")
_HEBREW_PREFIXES = "והבלמשכ"
_ARABIC_VOWELS = str.maketrans("", "", "اويىءأإآةعه")
_ARABIC_PREFIX = re.compile(r"^[وف]?[بكل]?(?:ال|لل)")
_GREEK_DIGRAPHS = (("μπ", "mb"), ("ντ", "nd"), ("γκ", "ng"), ("γγ", "ng"), ("χ", "kh"))
_DIGRAPHS = (("tsh", "s"), ("sch", "s"), ("sh", "s"), ("zh", "s"), ("ch", "s"), ("kh", "k"),
             ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("ts", "s"))
# Consonants that transliterations of one name swap are one class; the rest is dropped.
_CLASSES = str.maketrans("pbfvtdkgqcxszjmnlr", "PPPPTTKKKKKSSSNNLR")
_NOT_LETTER = re.compile(r"[^a-z]")
_SOFT_C = re.compile(r"c(?=[eiy])")
_LOWER = re.compile(r"[a-z]")
_REPEAT = re.compile(r"(.)\1+")
_DIGIT = re.compile(r"\d")


def _unscript(word: str) -> str:
    """Undo what scripts do differently before transliterating: Hebrew and Arabic write
    few vowels and glue clitics on; Greek spells b, d, g as digraphs."""
    if _HEBREW.search(word):
        if len(word) >= 4 and word[0] in _HEBREW_PREFIXES:
            word = word[1:]
        return word.translate(_HEBREW_VOWELS)
    if _ARABIC.search(word):
        bare = _ARABIC_PREFIX.sub("", word)
        return (bare if len(bare) >= 2 else word).translate(_ARABIC_VOWELS)
    if _GREEK.search(word):
        word = word.lower()
        for digraph, latin in _GREEK_DIGRAPHS:
            word = word.replace(digraph, latin)
        return word
    if _DEVANAGARI.search(word):
        return anyascii(word).lower().replace("v", "w")  # व is mostly w in names
    return word


@functools.lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """Consonant skeleton of a name in any script: "Putin", "Путин", "بوتين" -> "PTN"."""
    latin = _NOT_LETTER.sub("", anyascii(_unscript(word)).lower())
    for digraph, single in _DIGRAPHS:
        latin = latin.replace(digraph, single)
    latin = _SOFT_C.sub("s", latin).translate(_CLASSES)
    return _REPEAT.sub(r"\1", _LOWER.sub("", latin))


def _number_key(word: str) -> str:
    """Digits only, in ASCII: "1,000" and "1.000" meet, and so do "٢٠٠٥" and "2005"."""
    return "#" + re.sub(r"[^0-9]", "", anyascii(word))


# --- terms of an article ------------------------------------------------------------


def _is_cased(char: str) -> bool:
    return char.lower() != char.upper()


def _add_sentence(terms: _Terms, lang: Language, sentence: str, weight: float, first_name: int,
                  confirmed: set[str] | None = None) -> None:
    """Count a sentence's words. Names: capitalised words from position `first_name` on,
    and every word of a caseless script; they are sure unless `confirmed` leaves them out."""
    for position, word in enumerate(lang.words(sentence)):
        if _DIGIT.search(word):
            number = _number_key(word)
            if len(number) > 1:
                terms.names[number] += weight
                terms.sure_names[number] += weight
            if len(number) > _MIN_NUMBER_KEY:  # "#" and the digits
                terms.keys[number] += weight
            continue
        if lang.is_stop_word(word):
            continue
        terms.words[lang.stem(word)] += weight
        cased = _is_cased(word[0])
        if cased and not (word[0].isupper() and position >= first_name):
            continue
        name = anyascii(word).lower() if cased else word
        terms.names[name] += weight
        if cased and confirmed is not None and name not in confirmed:
            continue
        terms.sure_names[name] += weight
        key = name_key(word)
        if len(key) >= (_MIN_KEY if cased else _MIN_CASELESS_KEY):
            terms.keys[key] += weight


def _title_case(lang: Language, title: str) -> bool:
    """Whether a title capitalises (nearly) every word, so capitals say nothing there."""
    words = [w for w in lang.words(title) if _is_cased(w[0]) and not lang.is_stop_word(w)]
    capitalised = sum(w[0].isupper() for w in words)
    return len(words) >= _TITLE_CASE_WORDS and capitalised >= _TITLE_CASE_SHARE * len(words)


def _trigrams(lang: Language, text: str) -> Counter:
    grams: Counter = Counter()
    for word in lang.words(text):
        if not lang.is_stop_word(word):
            padded = f"<{word.lower()}>"
            grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def _terms(article: Article, options: ClusterOptions) -> _Terms:
    """Weighted terms: the title, then the lead sentences, count more than the body."""
    lang = get_language(article.language)
    sentences = [s for p in article.paragraphs for s in lang.split_sentences(p)]
    terms = _Terms()
    for index, sentence in enumerate(sentences):
        weight = options.lead_weight if index < options.lead_sentences else 1.0
        _add_sentence(terms, lang, sentence, weight, first_name=1)  # a sentence's capital is no name
    if article.title:
        # In a Title Case title only the names the body confirms are sure.
        confirmed = set(terms.sure_names) if _title_case(lang, article.title) else None
        _add_sentence(terms, lang, article.title, options.title_weight, 0, confirmed)
    terms.trigrams = _trigrams(lang, article.title or next(iter(sentences), ""))
    return terms


# --- vectors and similarity ---------------------------------------------------------


def _tfidf(bags: Sequence[Counter]) -> sp.csr_matrix:
    """Unit rows of log-scaled weights times smoothed inverse document frequency."""
    vocabulary: dict[str, int] = {}
    rows, cols, values = [], [], []
    for row, bag in enumerate(bags):
        for term, weight in bag.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(1.0 + math.log(weight) if weight > 1 else weight)
    shape = (len(bags), max(len(vocabulary), 1))
    matrix = sp.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float32)
    df = np.bincount(matrix.indices, minlength=shape[1])
    matrix = matrix @ sp.diags((np.log((len(bags) + 1) / (df + 1)) + 1.0).astype(np.float32))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix


def _is_latin(article: Article) -> bool:
    letters = [c for c in (article.title + article.text)[:2000] if c.isalpha()]
    return sum(c < "\u0250" for c in letters) >= 0.5 * len(letters)


def _cosines(matrix: sp.csr_matrix, rows: int) -> np.ndarray:
    """Dot products of the first `rows` rows with all rows."""
    return (matrix[:rows] @ matrix.T).toarray()


def _same_language(terms: Sequence[_Terms], languages: np.ndarray, rows: int,
                   options: ClusterOptions) -> np.ndarray:
    # Words of different languages never match: prefix them with their language.
    words = [Counter({f"{a}:{w}": n for w, n in t.words.items()}) for a, t in zip(languages, terms)]
    grams = [Counter({f"{a}:{g}": n for g, n in t.trigrams.items()}) for a, t in zip(languages, terms)]
    similarity = _cosines(_tfidf(words), rows)  # updated in place: these matrices are large
    if options.trigram_weight:
        similarity *= 1 - options.trigram_weight
        similarity += options.trigram_weight * _cosines(_tfidf(grams), rows)
    similarity *= 1 - options.entity_weight
    similarity += options.entity_weight * _cosines(_tfidf([t.names for t in terms]), rows)
    return similarity


def _coincidence_free(bags: Sequence[Counter], rows: int) -> np.ndarray:
    """Cosines, zero for pairs sharing too few distinct terms to rule out coincidence."""
    matrix = _tfidf(bags)
    similarity = _cosines(matrix, rows)
    similarity[_cosines((matrix > 0).astype(np.float32), rows) < _MIN_SHARED] = 0
    return similarity


def _across_languages(articles: Sequence[Article], terms: Sequence[_Terms], rows: int,
                      options: ClusterOptions) -> np.ndarray:
    """Sure names only: as written between two Latin scripts, as keys otherwise."""
    similarity = _coincidence_free([t.keys for t in terms], rows)
    latin = np.array([_is_latin(a) for a in articles])
    both_latin = latin[:rows, None] & latin[None, :]
    if both_latin.any():
        similarity = np.where(both_latin, _coincidence_free([t.sure_names for t in terms], rows), similarity)
    return options.cross_lingual * similarity


def _similarity(articles: Sequence[Article], rows: int, options: ClusterOptions) -> np.ndarray:
    """Similarity of the first `rows` articles with every article."""
    terms = [_terms(a, options) for a in articles]
    languages = np.array([get_language(a.language).code for a in articles])
    similarity = _same_language(terms, languages, rows, options)
    other = languages[:rows, None] != languages[None, :]
    if other.any():
        similarity[other] = _across_languages(articles, terms, rows, options)[other]
    similarity *= _time_decay(articles, rows, options.time_scale)
    return similarity


def _hours(moment: datetime | None) -> float:
    """Hours since 1970 (naive times taken as UTC), NaN when unknown."""
    if moment is None:
        return math.nan
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH).total_seconds() / 3600


def _time_decay(articles: Sequence[Article], rows: int, scale: timedelta | None) -> np.ndarray:
    """exp(-hours apart / scale); 1 where either date is unknown."""
    hours = np.array([_hours(a.published) for a in articles])
    if scale is None or scale <= timedelta(0) or np.isnan(hours).all():
        return np.ones(1, dtype=np.float32)
    hours = (hours - np.nanmin(hours)).astype(np.float32)  # float32 keeps the matrix small
    decay = np.abs(hours[:rows, None] - hours[None, :])
    np.nan_to_num(decay, copy=False, nan=0.0)
    decay *= -3600 / scale.total_seconds()
    return np.exp(decay, out=decay)


# --- grouping -----------------------------------------------------------------------


def _agglomerate(sums: np.ndarray, sizes: np.ndarray, seeded: np.ndarray,
                 threshold: float) -> np.ndarray:
    """Average-link merging of units (`sums`: summed similarity between two units); two
    units holding existing stories never merge. Returns the unit each unit ended in.
    Each row remembers its best partner, so a merge costs a pass over the rows, not a
    search of the whole matrix."""
    rows = np.arange(len(sizes))
    link = sums / np.outer(sizes, sizes)
    link[rows, rows] = -np.inf
    link[np.ix_(seeded, seeded)] = -np.inf
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
        alive[b] = False
        owner[owner == b] = a
        row = sums[a] / (sizes[a] * sizes)
        row[~alive | (seeded & seeded[a])] = -np.inf
        row[a] = -np.inf
        link[b, :] = link[:, b] = -np.inf
        link[a, :] = link[:, a] = row
        stale = (best == a) | (best == b) | (rows == a)
        best[stale] = link[stale].argmax(axis=1)
        best[link[:, a] > link[rows, best]] = a


def _order(article: Article) -> tuple:
    """A total order (date, then identity) so the result does not depend on input order."""
    hours = _hours(article.published)
    return (math.isnan(hours), 0.0 if math.isnan(hours) else hours, article.id, article.title,
            article.outlet, article.text)


def _in_window(articles: Sequence[Article], existing: Sequence[StorySeed],
               window: timedelta | None) -> tuple[list[Article], list[Article], list[StorySeed]]:
    """(new articles to compare, new articles left out, seeds cut to the window). Undated
    articles are always in: nothing says they are old."""
    dated = [_hours(a.published) for a in [*articles, *(a for s in existing for a in s.articles)]]
    dated = [h for h in dated if not math.isnan(h)]
    cutoff = max(dated) - window.total_seconds() / 3600 if window is not None and dated else -math.inf

    def recent(article: Article) -> bool:
        return not _hours(article.published) < cutoff

    seeds = [StorySeed(s.id, tuple(a for a in s.articles if recent(a))) for s in existing]
    return (sorted((a for a in articles if recent(a)), key=_order),
            sorted((a for a in articles if not recent(a)), key=_order),
            sorted((s for s in seeds if s.articles), key=lambda s: s.id))


def cluster(articles: Sequence[Article], existing: Sequence[StorySeed] = (),
            options: ClusterOptions = ClusterOptions()) -> list[Assignment]:
    """Put every article in exactly one Assignment: joined to an existing story of the
    window (`existing`, whose articles are compared but not moved) or to a new story."""
    compared, left_out, seeds = _in_window(articles, existing, options.window)
    groups: dict[int, list[Article]] = {}
    if compared:
        owner = _group(compared, seeds, options)
        for index, article in enumerate(compared):
            groups.setdefault(int(owner[index]), []).append(article)
    assignments = []
    for unit, members in groups.items():
        seed = seeds[unit - len(compared)].id if unit >= len(compared) else None
        assignments.append(Assignment(seed, tuple(members)))
    assignments += [Assignment(None, (article,)) for article in left_out]
    return sorted(assignments, key=lambda a: _order(a.articles[0]))


def _group(compared: list[Article], seeds: list[StorySeed], options: ClusterOptions) -> np.ndarray:
    """Unit each new article ends in: units are the new articles, then the seeds."""
    new = len(compared)
    similarity = _similarity(compared + [a for s in seeds for a in s.articles], new, options)
    lengths = [len(s.articles) for s in seeds]
    sums = np.zeros((new + len(seeds),) * 2, dtype=np.float32)
    sums[:new, :new] = similarity[:, :new]
    if seeds:  # each new article's summed similarity with each seed's articles
        starts = new + np.cumsum([0] + lengths[:-1])
        sums[:new, new:] = np.add.reduceat(similarity, starts, axis=1)
        sums[new:, :new] = sums[:new, new:].T
    sizes = np.array([1.0] * new + lengths, dtype=np.float32)
    seeded = np.arange(len(sizes)) >= new
    return _agglomerate(sums, sizes, seeded, options.threshold)[:new]
