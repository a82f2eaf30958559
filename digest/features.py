"""What the clusterer compares: an article as weighted bags of terms.

Stemmed words of its language (title and lead count more), character trigrams of its title
(headline variants: "Chinese"/"China"), and names and numbers: as written, and as a
script-independent consonant key ("Putin", "Путин", "بوتين", "पुतिन" -> "PTN") so that names
can meet across languages. An article's features depend only on the article, so a run
computes them once and the store keeps them (Features.to_json) for the runs after it.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import NamedTuple

from anyascii import anyascii

from .language import Language, get_language
from .models import Article
from .syndication import paragraphs_carried

# Bumped whenever extraction changes, so that stored features of an older kind are redone.
VERSION = 2


@dataclass(frozen=True)
class Weights:
    """How much the title and the lead count against the body (chosen with eval/cluster.py)."""

    title: float = 3.0
    lead: float = 2.0
    lead_sentences: int = 3

    def fingerprint(self) -> str:
        return f"v{VERSION}:{self.title}:{self.lead}:{self.lead_sentences}"


@dataclass
class Features:
    words: Counter = field(default_factory=Counter)  # stems
    trigrams: Counter = field(default_factory=Counter)  # of the title
    names: Counter = field(default_factory=Counter)  # capitalised words and numbers
    sure_names: Counter = field(default_factory=Counter)  # names not capitalised by Title Case
    keys: Counter = field(default_factory=Counter)  # sure names as script-independent keys
    latin: bool = True  # written mostly in the Latin script

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Features:
        data = json.loads(text)
        bags = {f.name: Counter(data.get(f.name, {})) for f in fields(cls) if f.name != "latin"}
        return cls(**bags, latin=bool(data.get("latin", True)))


# Shortest keys (consonant classes) worth comparing: every word of a caseless script is a
# name candidate, so its keys must be longer not to collide; a key number needs 2 digits.
_MIN_KEY = 2
_MIN_CASELESS_KEY = 3
_MIN_NUMBER_KEY = 2
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


def _bare_hebrew(word: str) -> str:
    """A Hebrew word without the clitics glued to its front ("and", "in", "to", "from",
    "that", "as", then "the": והממשלה -> ממשלה), when long enough to carry them. Hebrew has no
    Snowball stemmer, and without this the same word in four spellings never meets."""
    if len(word) >= 4 and word[0] in _HEBREW_PREFIXES:
        word = word[1:]
        if len(word) >= 4 and word[0] == "ה":
            word = word[1:]
    return word


def _unscript(word: str) -> str:
    """Undo what scripts do differently before transliterating: Hebrew and Arabic write
    few vowels and glue clitics on; Greek spells b, d, g as digraphs."""
    if _HEBREW.search(word):
        return _bare_hebrew(word).translate(_HEBREW_VOWELS)
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


class _Word(NamedTuple):
    """What a word adds to an article's terms, the same wherever it occurs."""

    stem: str | None  # None: a stop word or a number
    name: str | None  # the name it counts as, if it can be one
    cased: bool  # a cased word counts as a name only when capitalised, not first in a sentence
    key: str | None  # its script-independent key, when long enough to compare


def word_stem(code: str, word: str, cached: bool = True) -> str | None:
    """The stem a word counts as in an article of language `code` (None: a stop word or a
    number); `cached=False` for word lists read once (Language.content_stem_once)."""
    if not word.isalpha() and _DIGIT.search(word):
        return None
    lang = get_language(code)
    stem = lang.content_stem(word) if cached else lang.content_stem_once(word)
    return _bare_hebrew(stem) if code == "he" and stem is not None else stem


@functools.lru_cache(maxsize=None)
def _analyser(code: str) -> Callable[[str], _Word]:
    """The language's word analysis, cached: news repeats its words, and each analysis
    (stop-word test, stem, transliteration, key) costs a dozen calls."""

    @functools.lru_cache(maxsize=1 << 18)
    def analyse(word: str) -> _Word:
        if not word.isalpha() and _DIGIT.search(word):
            number = _number_key(word)
            return _Word(None, number if len(number) > 1 else None, False,
                         number if len(number) > _MIN_NUMBER_KEY else None)  # "#" and the digits
        stem = word_stem(code, word)
        if stem is None:  # a stop word
            return _Word(None, None, False, None)
        cased = _is_cased(word[0])
        if cased and not word[0].isupper():
            return _Word(stem, None, True, None)
        key = name_key(word)
        enough = len(key) >= (_MIN_KEY if cased else _MIN_CASELESS_KEY)
        return _Word(stem, anyascii(word).lower() if cased else word, cased, key if enough else None)

    return analyse


def _add_sentence(terms: Features, lang: Language, sentence: str, weight: float, first_name: int,
                  confirmed: set[str] | None = None) -> None:
    """Count a sentence's words. Names: capitalised words from position `first_name` on,
    numbers, and every word of a caseless script; they are sure unless `confirmed` leaves
    them out."""
    analyse = _analyser(lang.code)
    # Local names and dict.get: Counter's += calls Python code (__missing__) for every new word.
    words, names, sure_names, keys = terms.words, terms.names, terms.sure_names, terms.keys
    for position, word in enumerate(lang.words(sentence)):
        stem, name, cased, key = analyse(word)
        if stem is not None:
            words[stem] = words.get(stem, 0) + weight
        if name is None or (cased and position < first_name):
            continue
        names[name] = names.get(name, 0) + weight
        if cased and confirmed is not None and name not in confirmed:
            continue
        sure_names[name] = sure_names.get(name, 0) + weight
        if key is not None:
            keys[key] = keys.get(key, 0) + weight


# The letters of the Latin script (Basic Latin to Latin Extended-B).
_LATIN_LETTERS = frozenset(c for c in map(chr, range(0x250)) if c.isalpha())


def _is_latin(article: Article) -> bool:
    """Whether at least half the letters of the article's opening are Latin."""
    sample = (article.title + article.text)[:2000]
    return sum(map(_LATIN_LETTERS.__contains__, sample)) >= 0.5 * sum(map(str.isalpha, sample))


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


def article_features(article: Article, weights: Weights = Weights()) -> Features:
    """Weighted terms: the title, then the lead sentences, count more than the body."""
    lang = get_language(article.language)
    sentences = [s for p in article.paragraphs for s in lang.split_sentences(p)]
    terms = Features()
    for index, sentence in enumerate(sentences):
        weight = weights.lead if index < weights.lead_sentences else 1.0
        _add_sentence(terms, lang, sentence, weight, first_name=1)  # a sentence's capital is no name
    if article.title:
        # In a Title Case title only the names the body confirms are sure.
        confirmed = set(terms.sure_names) if _title_case(lang, article.title) else None
        _add_sentence(terms, lang, article.title, weights.title, 0, confirmed)
    terms.trigrams = _trigrams(lang, article.title or next(iter(sentences), ""))
    terms.latin = _is_latin(article)
    return terms


def without_site_furniture(articles: Sequence[Article], least: int) -> list[Article]:
    """The articles without their outlet's furniture: a paragraph that `least` or more of an
    outlet's articles carry (its "about us", a "Baca Juga:" line, a match report's headings,
    an editor's initials) is the site's, not the article's, and links the outlet's unrelated
    articles. An article whose shared paragraphs are half its words or more is kept whole:
    that is a copy or a version of another, not furniture around it. An article of no known
    outlet has no site to share furniture with."""
    outlets: dict[str, list[list[Article]]] = {}
    for article in articles:
        if article.outlet:
            outlets.setdefault(article.outlet, []).append([article])
    furniture = {outlet: paragraphs_carried(each, least) for outlet, each in outlets.items()}
    kept = []
    for article in articles:
        own = [p for p in article.paragraphs if p not in furniture.get(article.outlet, ())]
        shared = sum(len(p.split()) for p in article.paragraphs) - sum(len(p.split()) for p in own)
        kept.append(replace(article, text="\n\n".join(own)) if 0 < 2 * shared < len(article.text.split())
                    else article)
    return kept
