"""The language stage: detection, sentence splitting, word tokenizing, stemming and
stop words, all offline.

Indonesian comes first and English equally; every language with a Snowball stemmer
gets stemming, and any other language still gets splitting and tokenizing.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import langcodes
import numpy
import Stemmer
import stopwordsiso
import yaml
from py3langid.langid import MODEL_FILE, LanguageIdentifier

UNDETERMINED = "und"

# Below this many words with letters a detector guess is noise.
_MIN_LETTER_WORDS = 3
# The detector walks every byte in Python; the opening of a text is enough: 500 characters
# classify the 1,405 eval texts of eight languages as 1,000 and 10,000 do (eval/language.py).
_DETECT_CHARS = 500
# py3langid confuses Indonesian with Malay: a Malay answer with Indonesian runner-up
# at least this fraction of its probability is taken as Indonesian.
_MS_ID_RATIO = 0.2
# py3langid labels for "no language" (e.g. digits, symbols).
_NO_LANGUAGE = frozenset({"zxx", UNDETERMINED})

_STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
    # Malay shares Indonesian's affixes, and detection often says "ms" for Indonesian.
    "ms": "indonesian",
}
_VOWELS = frozenset("aeiou")

# --- character classes -------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"


def _mark_class() -> str:
    """Regex class body of all combining marks: Python's \\w lacks them, which would
    cut Devanagari, Thai or Arabic words apart at every vowel sign."""
    codes = [
        c for c in itertools.chain(range(0x20000), range(0xE0000, 0xE1000))
        if unicodedata.category(chr(c)).startswith("M")
    ]
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_CHAR = rf"(?:[^\W_{_CJK}]|[{_mark_class()}])"
# Hyphens and apostrophes join word parts; "." and "," join digits ("3,5", "1.000").
_JOINER = r"(?:['’ʼ\-‐‑]|(?<=\d)[.,](?=\d))"
# An ideograph is a word on its own: Chinese has no spaces to delimit runs.
_WORD = re.compile(rf"[{_CJK}]|{_CHAR}+(?:{_JOINER}{_CHAR}+)*")
# Below U+0300 and in general punctuation (U+2000-U+20CF) there are no combining marks and
# no ideographs: there, this pattern finds the same words as _WORD, three times faster.
_LATIN_WORD = re.compile(rf"[^\W_]+(?:{_JOINER}[^\W_]+)*")
_BEYOND_LATIN = re.compile("[\u0300-\u1fff\u20d0-\U0010ffff]")

# Lines: runs without any of the breaks str.splitlines() knows.
_LINE = re.compile(r"[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
# “ also closes: German and Czech quote „so“.
CLOSERS = "”“\"’'»)]」』）】"
_OPENERS = "“„\"‘'«([¿¡「『（"
# Many writers of Hindi and other Indic languages type a pipe for the danda ("... किया |"):
# after a letter of those scripts (a space or a closing quote between them allowed) it ends a
# sentence, elsewhere nothing. The guard follows one character class, so re still scans for
# that class quickly (alternatives led by lookbehinds made the splitter four times slower).
_PIPE_GUARD = (r"(?:(?<!\|)|(?<=[\u0900-\u0dff]\|)|(?<=[\u0900-\u0dff] \|)"
               r"|(?<=[\u0900-\u0dff][\"'”’]\|)|(?<=[\u0900-\u0dff][\"'”’] \|))")
_MARKS = ".!?…؟۔।。！？｡|"
# The mark a sentence ends with, before any closing quotes and brackets.
SENTENCE_MARK = rf"[{_MARKS}]{_PIPE_GUARD}"
_ENDER = re.compile(rf"[{_MARKS}]+{_PIPE_GUARD}[{re.escape(CLOSERS)}]*")
# Full-width enders need no space after them; these scripts have no case to check.
_CJK_ENDERS = frozenset("。！？｡")
_CASELESS_ENDERS = frozenset("؟۔।|") | _CJK_ENDERS
_ALNUM = re.compile(r"[^\W_]")
_NON_SPACE = re.compile(r"\S")
_LAST_TOKEN = re.compile(r"\S*\Z")
_JOINED = re.compile(r"[-–—/]")
# A capitalised word followed by a space or a mark ("minutes.In her"), not by more of a name.
_GLUED_WORD = re.compile(r"([^\W\d_])([^\W\d_]+)(?=[\s,;:!?]|\Z)")
_LINK_MARK = re.compile(r"[/@:]")
# Characters looked at around a period: abbreviations and opening words are short.
_LOOKAROUND = 40
_FIRST_LETTERS = re.compile(r"[^\W\d_]+")
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]\Z")
# "1." / "a." / "iv." opening a line numbers a list item, it does not end a sentence.
_LIST_MARKER = re.compile(r"\s*(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,5})")

# --- data --------------------------------------------------------------------------


# Norwegian's two written standards share its stemmer, stop words and word frequencies.
_ONE_LANGUAGE = {"nb": "no", "nn": "no"}


@functools.lru_cache(maxsize=256)
def _normalise(code: str | None) -> str:
    """Normalise a language code to ISO 639-1 where it has one: "ID" -> "id", "en-US" ->
    "en", the three-letter "ind" and the withdrawn "in" (old feeds and Java locales) ->
    "id", "iw" -> "he"; nothing -> "und"."""
    base = re.split(r"[-_]", (code or "").strip(), maxsplit=1)[0].lower()
    try:
        standard = langcodes.standardize_tag(base).split("-")[0] if base else base
    except ValueError:  # no language tag: kept as given
        standard = base
    base = standard if len(standard) == 2 else base  # "tl" stays: its standard tag is "fil"
    return _ONE_LANGUAGE.get(base, base) or UNDETERMINED


@functools.lru_cache(maxsize=1)
def _abbreviation_data() -> dict[str, Any]:
    text = files("digest.data").joinpath("abbreviations.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _variants(entry: str) -> tuple[str, ...]:
    """Spellings an abbreviation matches: as listed, ALL CAPS, capitalised."""
    return (entry, entry.upper(), entry[:1].upper() + entry[1:])


def _abbreviations(code: str) -> dict[str, str]:
    """Map every spelling to its kind: "title" never ends a sentence, "always" and
    "starter" may (see abbreviations.yaml)."""
    data = _abbreviation_data()
    kinds: dict[str, str] = {}
    for entry in data.get("common", []) + data.get(code, []):
        kinds.update(dict.fromkeys(_variants(entry), "title"))
    for kind, entries in data["terminal"].items():
        for entry in entries:
            kinds.update(dict.fromkeys(_variants(entry), kind))
    return kinds


def _stop_words(code: str) -> frozenset[str]:
    return frozenset(w.lower() for w in stopwordsiso.stopwords(code))


def _restore_nasal_t(word: str, stem: str) -> str:
    """Put back the "t" that meN-/peN- swallow: Snowball's Indonesian stemmer turns
    "menandatangani" into "andatangan" but "ditandatangani" into "tandatangan".
    (The "k" of meng-/peng- is left alone: "mengambil" comes from "ambil".)"""
    if stem[:1] in _VOWELS and word[:3] in ("men", "pen") and word[3:].startswith(stem):
        return "t" + stem
    return stem


def _stemmer(code: str) -> Stemmer.Stemmer | None:
    name = _STEMMERS.get(code)
    return Stemmer.Stemmer(name) if name in Stemmer.algorithms() else None


# --- detection ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The py3langid model, loaded once, with probabilities normalised to sum to 1."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # The model's weights are float16, which numpy widens in software for every text: a
    # quarter of each detection. Widened once (exact; 57 MB), the scores are the same.
    if identifier.nb_ptc.dtype == numpy.float16:
        identifier.nb_ptc = identifier.nb_ptc.astype(numpy.float32)
    return identifier


def _has_letter_words(text: str, count: int) -> bool:
    words = (m.group() for m in _WORD.finditer(text))
    letter_words = (w for w in words if any(c.isalpha() for c in w))
    return sum(1 for _ in itertools.islice(letter_words, count)) >= count


def detection_sample(text: str) -> str:
    """The part of `text` detect() reads: texts with equal samples are one language."""
    return " ".join(text[:_DETECT_CHARS].split())


def detect(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of `text` ("und" when unknowable); a `hint` other than "und"
    wins, normalised."""
    hinted = _normalise(hint)
    if hinted != UNDETERMINED:
        return hinted
    sample = detection_sample(text)
    if not _has_letter_words(sample, _MIN_LETTER_WORDS):
        return UNDETERMINED
    ranking = _identifier().rank(sample)
    (top, top_p), (second, second_p) = ranking[0], ranking[1]
    if top in _NO_LANGUAGE:
        return UNDETERMINED
    if top == "ms" and second == "id" and second_p >= _MS_ID_RATIO * top_p:
        return "id"
    return _normalise(top)


# --- language ----------------------------------------------------------------------


def _starts_sentence(text: str) -> bool:
    """True when `text` opens like a sentence: a capital, a digit or a caseless
    letter (Arabic, Hindi, CJK), possibly after opening quotes or brackets."""
    first = text.lstrip(_OPENERS)[:1]
    return first.isdigit() or (first.isalpha() and not first.islower())


class Language:
    """Everything language-specific the pipeline needs; get one with get_language()."""

    code: str
    language: str
    stop_words: frozenset[str]

    def __init__(self, code: str) -> None:
        self.code = code
        self.language = code  # sumy's tokenizer duck type reads `.language`
        self.stop_words = _stop_words(code)
        self._abbreviations = _abbreviations(code)
        starters = _abbreviation_data()["starters"].get(code)
        self._starters = frozenset(w.lower() for w in starters) if starters else self.stop_words
        self._stemmer = _stemmer(code)
        self._stem_lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self._stem_cached = functools.lru_cache(maxsize=1 << 16)(self._stem_word)
        # A word's stem, None for a stop word: cached, so map(content_stem, words) runs in C.
        self.content_stem: Callable[[str], str | None] = functools.lru_cache(maxsize=1 << 16)(self._content_stem)

    def __repr__(self) -> str:
        return f"Language({self.code!r})"

    # sentences

    def split_sentences(self, text: str) -> list[str]:
        """Sentences in order, each a stripped verbatim substring of `text`; a line
        break always ends a sentence."""
        sentences: list[str] = []
        for line in _LINE.finditer(text):
            sentences.extend(self._split_line(line.group()))
        return sentences

    def _split_line(self, line: str) -> list[str]:
        pieces: list[str] = []
        start = scanned = 0
        has_text = False  # a run of dots at the start belongs to what follows
        for ender in _ENDER.finditer(line):
            has_text = has_text or bool(_ALNUM.search(line, scanned, ender.start()))
            scanned = ender.end()
            if has_text and self._is_boundary(line, ender):
                pieces.append(line[start:ender.end()].strip())
                start, has_text = ender.end(), False
        pieces.append(line[start:].strip())
        return [p for p in pieces if p]

    def _is_boundary(self, line: str, ender: re.Match[str]) -> bool:
        # Only positions and short slices: long lines must stay linear.
        mark = ender.group().rstrip(CLOSERS)[-1]
        found = _NON_SPACE.search(line, ender.end())
        next_start = found.start() if found else len(line)
        if mark in _CJK_ENDERS or next_start == len(line):
            return True
        if next_start == ender.end():  # "3.5", "virprom.com", "A.S.", "?q=1"
            return ender.group() == "." and self._run_together(line, ender.start())
        if mark in _CASELESS_ENDERS:
            return True
        following = line[next_start:next_start + _LOOKAROUND]
        if not _starts_sentence(following):  # "“Siapa?” tanya dia.", "… lalu"
            return False
        return ender.group() != "." or self._period_ends(line, ender.start(), following)

    def _run_together(self, line: str, period: int) -> bool:
        """Whether the period at `period`, with no space after it, ends a sentence run into the
        next where a scrape lost the break ("... meeting minutes.In her letter, ..."): a
        lowercase word before, a capitalised word after; not in a link or an abbreviation."""
        before = _LAST_TOKEN.search(line, max(0, period - _LOOKAROUND), period).group()
        after = _GLUED_WORD.match(line, period + 1)
        if after is None or not (after.group(1).isupper() and after.group(2).islower()):
            return False
        word = _JOINED.split(before)[-1]
        return (len(word) > 1 and word.isalpha() and word.islower() and not _LINK_MARK.search(before)
                and word + "." not in self._abbreviations)

    def _period_ends(self, line: str, period: int, following: str) -> bool:
        """Whether the lone period at `period` ends the sentence, given that the
        text `following` it starts like a sentence."""
        last = _LAST_TOKEN.search(line, max(0, period - _LOOKAROUND), period)
        # "Aug. 23-Sept. 5": the abbreviation is the last of the joined words.
        token = _JOINED.split(last.group().lstrip(_OPENERS))[-1] if last else ""
        kind = self._abbreviations.get(token + ".")
        if kind == "title":  # "Jl.", "Dr.", "No.", "Rp.", "Mr."
            return False
        if kind is not None:  # "dll." always may end; "U.S." only before "The", "Dia"…
            word = _FIRST_LETTERS.match(following.lstrip(_OPENERS))
            if word is None or not word.group()[0].isupper():
                return False
            return kind == "always" or word.group().lower() in self._starters
        if len(token) == 1 and token.isupper():  # initials: "Vladimir V. Putin"
            return False
        if _DOTTED_ACRONYM.match(token):  # "A.S.", "U.S.A."
            return False
        return not _LIST_MARKER.fullmatch(line, 0, period)

    # words

    def words(self, text: str) -> tuple[str, ...]:
        """Word tokens in original case, without punctuation."""
        return _words(text)

    def stem(self, word: str) -> str:
        """Lowercased Snowball stem, or the lowercased word without a stemmer."""
        return self._stem_cached(word)

    def _stem_word(self, word: str) -> str:
        lowered = word.lower()
        if self._stemmer is None:
            return lowered
        with self._stem_lock:
            stem = self._stemmer.stemWord(lowered)
        if _STEMMERS.get(self.code) == "indonesian":
            return _restore_nasal_t(lowered, stem)
        return stem

    def is_stop_word(self, word: str) -> bool:
        return word.lower() in self.stop_words

    def _content_stem(self, word: str) -> str | None:
        return None if self.is_stop_word(word) else self.stem(word)

    def content_stem_once(self, word: str) -> str | None:
        """content_stem, not cached: for a long word list read once (digest.reference),
        which would crowd the words of the text out of the caches and hold memory."""
        return None if self.is_stop_word(word) else self._stem_word(word)

    # sumy's tokenizer duck type

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(self.split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return self.words(sentence)


@functools.lru_cache(maxsize=1 << 12)
def _words(text: str) -> tuple[str, ...]:
    """Language.words(), cached: cleaning, clustering features, the candidate filter, term
    bags and concepts each want the words of the same sentence in turn."""
    return tuple((_WORD if _BEYOND_LATIN.search(text) else _LATIN_WORD).findall(text))


def get_language(code: str) -> Language:
    """The shared Language for `code` ("id", "ID", "en-GB", "und", unknown "xx")."""
    return _language(_normalise(code))


@functools.lru_cache(maxsize=None)
def _language(code: str) -> Language:
    return Language(code)
