"""Cleaning: keep only article body text.

Works line by line on plain text (what copy-paste, scrapers and trafilatura produce), in the
spirit of jusText: each line is classified by its shape (length, terminal punctuation, stop-word
density, truncation, repetition) and by known boilerplate conventions (data/boilerplate.yaml);
the article body is then the span between the first and last body-like line, cut at the first
end-of-article marker (comment form, tags, writer profile, related list). Inside paragraphs,
promo sentences and editor marks are removed. Every dropped line keeps its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .extract import split_dateline
from .language import Language
from .similarity import cosine, norm, terms

# A line or sentence that ends like a statement (closing quotes and brackets allowed).
TERMINAL = re.compile(r"[.!?…。！？؟।][\"'”’»)\]]*$")
_TRUNCATED = re.compile(r"\w\s*(\.\.\.|…)\s*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
_CREDIT_WORDS = r"foto|photo|via|pool|dok|dokumentasi|istimewa|getty|file|courtesy|handout"
_CAPTION_CREDIT = re.compile(
    rf"\((?=[^()]*\b(?:{_CREDIT_WORDS})\b|[^()]*[A-Z]\w+\s*/\s*[A-Z]\w+)[^()]{{4,160}}\)\s*$", re.I
)
_SLASH_CREDIT = re.compile(r"\S/\s*[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,3}\s*$")
# Editor initials and agency tags closing a paragraph: "[ab/lt]", "(ant)", "(AFP/dil)", "(*)".
_EDITOR_MARK = re.compile(r"\s*(?:\[[a-z]{1,5}(?:/[a-z]{1,5})*\]|\((?:\*|[a-z]{2,4}|[A-Za-z]{2,10}/[a-z/]{2,12})\))$")
# A line that is mostly a date ("Kamis, 20 Juni 2024 17:55") is page metadata, not a title.
_DATE_LINE = re.compile(r"^\W*(\w+,?\s+)?\(?\d{1,2}[\s/.-]+\w+[\s/.-]+\d{2,4}\)?([\s,|-]+\d{1,2}[:.]\d{2}(\s*\w{2,4})?)?\W*$")
_INVISIBLE = dict.fromkeys(
    [c for c in range(0x20) if c not in (9, 10)] + [0x7F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
)

MIN_BODY_WORDS = 8
MIN_STOP_DENSITY = 0.08
HEADLINE_MARGIN = 1.5


@dataclass(frozen=True)
class Cleaned:
    title: str | None
    paragraphs: tuple[str, ...]
    header: tuple[str, ...]  # kept lines above the body (title, standfirst, date line)
    dateline_outlet: str | None
    dropped: tuple[tuple[str, str], ...]  # (line, reason)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class _Line:
    text: str
    kind: str = "short"  # "body" | "short" | "drop" | "end" | "title"
    reason: str = ""


def normalize(text: str) -> str:
    """NFC, no control or zero-width characters, one space between words, one line per block."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).replace("\r\n", "\n")
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def clean_text(text: str, lang: Language, title: str | None = None) -> Cleaned:
    lines = [_Line(t) for t in normalize(text).split("\n")]
    rules = _rules(lang.code)
    for i, line in enumerate(lines):
        _classify(line, lang, rules, lines[i + 1].text if i + 1 < len(lines) else "")
    _mark_teasers(lines)
    title = _mark_title(lines, title, lang)
    _mark_repeats(lines)
    start, stop = _body_span(lines)
    header = tuple(l.text for l in lines[:start] if l.kind in ("short", "title"))
    for line in lines[:start]:
        if line.kind == "short":
            line.kind, line.reason = "drop", "before-article"
    for line in lines[stop:]:
        if line.kind not in ("drop", "title"):
            line.kind, line.reason = "drop", line.reason or "after-article"
    paragraphs, dropped = _body(lines[start:stop], lang, rules)
    dateline = None
    if paragraphs:
        dateline, first = split_dateline(paragraphs[0])
        paragraphs[0] = first
    dropped = [(l.text, l.reason) for l in lines if l.kind in ("drop", "end")] + dropped
    return Cleaned(title, tuple(paragraphs), header, dateline, tuple(dropped))


@lru_cache(maxsize=None)
def _boilerplate() -> dict:
    return yaml.safe_load(resources.files("digest.data").joinpath("boilerplate.yaml").read_text("utf-8"))


@dataclass(frozen=True)
class _Rules:
    """Ordered (reason, pattern) rules of one kind. So that most lines are ruled out by a
    few quick searches, the patterns anchored at the start are also one alternation, and
    the others are any_of()."""

    rules: tuple[tuple[str, re.Pattern], ...]
    anchored: re.Pattern
    unanchored: tuple[re.Pattern, ...]

    @classmethod
    def compile(cls, pairs: list[tuple[str, str]]) -> _Rules:
        starts = [p for _, p in pairs if p.startswith("^")]
        return cls(tuple((reason, re.compile(p, re.I)) for reason, p in pairs),
                   re.compile(_alternation(starts) if starts else "(?!)", re.I),
                   any_of([p for _, p in pairs if not p.startswith("^")]))

    def match(self, text: str) -> str | None:
        if not self.anchored.match(text) and not any(p.search(text) for p in self.unanchored):
            return None
        return next((reason for reason, pattern in self.rules if pattern.search(text)), None)


def any_of(patterns: list[str]) -> tuple[re.Pattern, ...]:
    r"""At most two case-insensitive searches that together find what any of `patterns`
    finds: the patterns that start at a word boundary as one alternation with the boundary
    in front (`\b(?:a|b)` is twice as fast as `\ba` and `\bb` one by one), the others as
    another."""
    at_word = [p for p in patterns if p.startswith(r"\b") and not _top_level_bar(p)]
    others = [p for p in patterns if p not in at_word]
    combined = [r"\b" + _alternation([p.removeprefix(r"\b") for p in at_word])] if at_word else []
    return tuple(re.compile(p, re.I) for p in combined + ([_alternation(others)] if others else []))


def _alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _top_level_bar(pattern: str) -> bool:
    r"""Whether `pattern` is an alternation at its top level, like `\ba|b` (whose `\b` is not common)."""
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return True
    return False


@lru_cache(maxsize=None)
def _rules(code: str) -> dict[str, _Rules]:
    """Compiled patterns of the language plus the common ones, by kind (line/end/sentence)."""
    data = _boilerplate()
    found: dict[str, list[tuple[str, str]]] = {"line": [], "end": [], "sentence": []}
    for section in (data.get("common", {}), data.get(code, {})):
        for kind, reasons in section.items():
            for reason, patterns in reasons.items():
                found[kind].extend((reason, p) for p in patterns)
    return {kind: _Rules.compile(pairs) for kind, pairs in found.items()}


def _classify(line: _Line, lang: Language, rules: dict, next_text: str) -> None:
    text = line.text
    reason = rules["line"].match(text) or _shape_debris(text, next_text)
    if reason:
        line.kind, line.reason = "drop", reason
    elif (end := rules["end"].match(text)) is not None:
        line.kind, line.reason = "end", end
    elif _is_body(text, lang):
        line.kind = "body"


def _shape_debris(text: str, next_text: str) -> str | None:
    """Debris recognisable by the shape of the line alone."""
    if _SLUG.match(text) or not any(c.isalpha() for c in text):
        return "nav"
    if _TRUNCATED.search(text):
        return "teaser"
    if _CAPTION_CREDIT.search(text) or (not TERMINAL.search(text) and _SLASH_CREDIT.search(text)):
        return "caption"
    if next_text and len(next_text) < len(text) and text.endswith(next_text) and len(next_text) > 10:
        return "nav"  # a breadcrumb: "HomeNewsTitle" above "Title"
    return None


def _is_body(text: str, lang: Language) -> bool:
    text = _EDITOR_MARK.sub("", text)
    words = lang.words(text)
    if len(words) < MIN_BODY_WORDS or not TERMINAL.search(text):
        return False
    if not lang.stop_words:
        return True
    stops = sum(1 for w in words if lang.is_stop_word(w))
    return stops / len(words) >= MIN_STOP_DENSITY


def _mark_teasers(lines: list[_Line]) -> None:
    """A headline directly above a truncated teaser belongs to a headline list."""
    for prev, line in zip(lines, lines[1:]):
        if line.reason == "teaser" and prev.kind == "short":
            prev.kind, prev.reason = "drop", "teaser"


def _mark_repeats(lines: list[_Line]) -> None:
    """Lines a page shows twice (captions, headline lists) are not body text."""
    counts = Counter(l.text for l in lines)
    for line in lines:
        if counts[line.text] > 1 and line.kind not in ("drop", "title"):
            line.kind, line.reason = "drop", "repeated"


def _mark_title(lines: list[_Line], title: str | None, lang: Language) -> str | None:
    """Use the given title, else the first headline-shaped line above the body."""
    if title is None:
        title = _best_headline([l.text for l in _above_body(lines) if _headline_shaped(l)], lines, lang)
    if title is not None:
        first = True
        for line in lines:
            if line.text == title:
                line.kind, line.reason = ("title", "title") if first else ("drop", "repeated")
                first = False
    return title


def _best_headline(candidates: list[str], lines: list[_Line], lang: Language) -> str | None:
    """The headline-shaped line most about the body; an earlier one wins unless clearly beaten.

    Pages put headline lists and standfirsts near the title; the title is the one that
    shares the body's vocabulary.
    """
    if not candidates:
        return None
    body = terms(" ".join(l.text for l in lines if l.kind == "body"), lang)
    body_norm = norm(body)
    best, best_score = candidates[0], cosine(terms(candidates[0], lang), body, body_norm)
    for candidate in candidates[1:]:
        score = cosine(terms(candidate, lang), body, body_norm)
        if score > best_score * HEADLINE_MARGIN:
            best, best_score = candidate, score
    return best


def _above_body(lines: list[_Line]):
    """Kept lines up to the first real paragraph (a headline may itself look like a sentence)."""
    for line in lines:
        if line.kind == "body" and not _headline_shaped(line):
            return
        if line.kind in ("short", "body"):
            yield line


def _headline_shaped(line: _Line) -> bool:
    words = len(line.text.split())
    return 3 <= words <= 30 and not line.text.endswith(".") and not _DATE_LINE.search(line.text)


def _body_span(lines: list[_Line]) -> tuple[int, int]:
    """[start, stop) of the article body: first to last body line, cut at an end marker."""
    body = [i for i, l in enumerate(lines) if l.kind == "body"]
    if not body:
        return len(lines), len(lines)
    start, stop = body[0], body[-1] + 1
    words = [len(l.text.split()) if l.kind == "body" else 0 for l in lines]
    for i in range(start, stop):
        # Cut only where most of the body is already behind us: a byline or tag line at the
        # top of a page must not end the article.
        if lines[i].kind == "end" or (lines[i].reason == "byline" and lines[i].kind == "drop"):
            if sum(words[start:i]) >= sum(words[i:]):
                return start, _last_body(lines, start, i)
    return start, stop


def _last_body(lines: list[_Line], start: int, stop: int) -> int:
    return max(i for i in range(start, stop) if lines[i].kind == "body") + 1


def _body(lines: list[_Line], lang: Language, rules: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """Body paragraphs (in-body headings kept), with promo sentences and editor marks removed."""
    paragraphs: list[str] = []
    dropped: list[tuple[str, str]] = []
    for line in lines:
        if line.kind == "drop" or line.kind == "end":
            continue
        if line.kind != "body":
            paragraphs.append(line.text)
            continue
        kept = []
        for sentence in lang.split_sentences(line.text):
            reason = rules["sentence"].match(sentence)
            if reason:
                dropped.append((sentence, reason))
            else:
                kept.append(sentence)
        if kept:
            kept[-1] = _EDITOR_MARK.sub("", kept[-1])
            paragraphs.append(" ".join(kept))
    return paragraphs, dropped
