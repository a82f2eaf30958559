"""Cleaning: keep only article body text.

Works line by line on plain text (what copy-paste, scrapers and trafilatura produce), in the
spirit of jusText: debris inside a line is cut first, where it is (digest.fragments: editing
notes, captions, "Baca juga" links, promo sentences), then each line is classified by its
shape (length, terminal punctuation, stop-word density, truncation, repetition) and by known
boilerplate conventions (data/boilerplate.yaml); the article body is then the span between the
first and last body-like line, cut at the first end-of-article marker (comment form, tags,
writer profile, related list), and running on over the short sentences that follow it (a
closing line, a list of points). Every dropped line and piece keeps its reason.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .boilerplate import Rules, rules as boilerplate_rules
from .extract import is_date_line, is_dateline, split_dateline
from .fragments import TERMINAL, has_debris, prune
from .language import CLOSERS, Language
from .similarity import cosine, norm, terms

__all__ = ["TERMINAL", "Cleaned", "clean_text", "normalize"]

_TRUNCATED = re.compile(r"\w\s*(\.\.\.|…)\s*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
_CREDIT_WORDS = r"foto|photo|via|pool|dok|dokumentasi|istimewa|getty|file|courtesy|handout"
_CAPTION_CREDIT = re.compile(
    rf"\((?=[^()]*\b(?:{_CREDIT_WORDS})\b|[^()]*[A-Z]\w+\s*/\s*[A-Z]\w+)[^()]{{4,160}}\)\s*$", re.I
)
_SLASH_CREDIT = re.compile(r"\S/\s*[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,3}\s*$")
# Editor initials and agency tags closing a paragraph: "[ab/lt]", "(ant)", "(AFP/dil)", "(*)".
_EDITOR_MARK = re.compile(r"\s*(?:\[[a-z]{1,5}(?:/[a-z]{1,5})*\]|\((?:\*|[a-z]{2,4}|[A-Za-z]{2,10}/[a-z/]{2,12})\))$")
# After the body, a short line that ends with a full stop (or a colon, before more of them) is
# the article's closing sentence or a list of points, not page chrome: those end otherwise.
_CLOSING = re.compile(r"[.。][\"'”’»)\]]*$")
_LIST_INTRO = re.compile(r":\s*$")
_BULLET = re.compile(r"^[•·▪‣◦*–—-]\s+")
_INVISIBLE = dict.fromkeys(
    [c for c in range(0x20) if c not in (9, 10)] + [0x7F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
)

MIN_BODY_WORDS = 8
# Languages whose press names the outlet after the place of a dateline ("Jakarta, IDN Times -");
# elsewhere that slot holds a region ("Meadow Lake, Saskatchewan -").
OUTLET_AFTER_PLACE = frozenset({"id", "ms"})
# A line is prose when at least this share of its words are stop words, in English; in other
# languages the bar is as far below their usual share (data/stop_share.json, written by
# eval/fit_stop_share.py): Hebrew writes "the", "in" and "and" onto the next word, and its stop
# words are 23 % of running text against English's 60 %.
MIN_STOP_DENSITY = 0.08
_STOP_SHARE = json.loads(resources.files("digest.data").joinpath("stop_share.json").read_text("utf-8"))
# A paragraph this long is prose by its length: with RUN_ON_SENTENCES full sentences even when
# its end is cut off or trailed by a link label ("... for your support.Video:Link to
# Articles:"), and given twice it is a scraper's copy, not a repeated caption.
LONG_PARAGRAPH_WORDS = 40
RUN_ON_SENTENCES = 2
HEADLINE_MARGIN = 1.5
# A truncated line ("...", "…") of at most this many words is a teaser of another article
# (listing pages cut them at 150-300 characters); a longer one is text that ends in an ellipsis.
TEASER_WORDS = 60
# A short closing line has at least this many words.
CLOSING_WORDS = 3


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
    sentences: list[str] | None = None  # the line's sentences once debris is cut (None: not split yet)
    cut: list[tuple[str, str]] = field(default_factory=list)  # (piece, reason) cut from inside it


def normalize(text: str) -> str:
    """NFC, no control or zero-width characters, one space between words, one line per block."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).replace("\r\n", "\n")
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def clean_text(text: str, lang: Language, title: str | None = None, outlets: Collection[str] = ()) -> Cleaned:
    normalized = normalize(text)
    lines = [_Line(t) for t in normalized.split("\n")]
    rules = boilerplate_rules(lang.code)

    @cache
    def lowercase() -> set[str]:
        return {word for word in lang.words(normalized) if word.islower()}

    for i, line in enumerate(lines):
        _classify(line, lang, rules, lines[i + 1].text if i + 1 < len(lines) else "", lowercase)
    _mark_teasers(lines)
    title = _mark_title(lines, title, lang)
    _mark_repeats(lines)
    start, stop = _body_span(lines, lang)
    header = tuple(l.text for l in lines[:start] if l.kind in ("short", "title"))
    for line in lines[:start]:
        if line.kind == "short":
            line.kind, line.reason = "drop", "before-article"
    for line in lines[stop:]:
        if line.kind not in ("drop", "title"):
            line.kind, line.reason = "drop", line.reason or "after-article"
    paragraphs = _body(lines[start:stop])
    dateline = None
    if paragraphs:
        dateline, paragraphs[0] = _dateline(paragraphs[0], lines[:start], lang, outlets)
    dropped = [(l.text, l.reason) for l in lines if l.kind in ("drop", "end")]
    dropped += [piece for l in lines for piece in l.cut]
    return Cleaned(title, tuple(paragraphs), header, dateline, tuple(dropped))


def _dateline(first: str, above: list[_Line], lang: Language, outlets: Collection[str]) -> tuple[str | None, str]:
    """(the outlet a dateline names, the first paragraph without it). The dateline may
    stand alone on the line above the first paragraph ("JAKARTA (ANTARA) -")."""
    after_place = lang.code in OUTLET_AFTER_PLACE
    outlet, rest = split_dateline(first, after_place, outlets)
    if rest == first and above and above[-1].reason == "dateline":
        outlet, rest = split_dateline(f"{above[-1].text} {first}", after_place, outlets)
        if rest != first:
            return outlet, first
    return outlet, rest


def _classify(line: _Line, lang: Language, rules: dict[str, Rules], next_text: str, lowercase) -> None:
    if has_debris(line.text, rules):
        pruned = prune(line.text, lang, rules, lowercase)
        if not pruned.sentences:  # all debris: the line is dropped whole
            line.kind, line.reason = "drop", pruned.cut[0][1] if pruned.cut else "nav"
            return
        line.sentences, line.cut = pruned.sentences, pruned.cut
        line.text = pruned.text
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
    if _TRUNCATED.search(text) and len(text.split()) <= TEASER_WORDS:
        return "teaser"
    if is_dateline(text):
        return "dateline"
    if _CAPTION_CREDIT.search(text) or (not TERMINAL.search(text) and _SLASH_CREDIT.search(text)):
        return "caption"
    if next_text and len(next_text) < len(text) and text.endswith(next_text) and len(next_text) > 10:
        return "nav"  # a breadcrumb: "HomeNewsTitle" above "Title"
    return None


def _is_body(text: str, lang: Language) -> bool:
    text = _EDITOR_MARK.sub("", text)
    words = lang.words(text)
    if len(words) < MIN_BODY_WORDS or not (TERMINAL.search(text) or _runs_on(text, lang, len(words))):
        return False
    if not lang.stop_words:
        return True
    stops = sum(map(lang.stop_words.__contains__, map(str.lower, words)))
    return stops / len(words) >= _min_stop_density(lang.code)


def _runs_on(text: str, lang: Language, words: int) -> bool:
    """A long paragraph of full sentences whose last one does not end."""
    return words >= LONG_PARAGRAPH_WORDS and sum(
        bool(TERMINAL.search(sentence)) for sentence in lang.split_sentences(text)) >= RUN_ON_SENTENCES


def _min_stop_density(code: str) -> float:
    share = _STOP_SHARE.get(code)
    return MIN_STOP_DENSITY * share / _STOP_SHARE["en"] if share else MIN_STOP_DENSITY


def _mark_teasers(lines: list[_Line]) -> None:
    """A headline directly above a truncated teaser belongs to a headline list, and so does
    a long truncated line beside another one (a lone one is text that ends in an ellipsis)."""
    truncated = [line.kind != "drop" and bool(_TRUNCATED.search(line.text)) for line in lines]
    for i, line in enumerate(lines):
        if truncated[i] and ((i > 0 and (truncated[i - 1] or lines[i - 1].reason == "teaser"))
                             or (i + 1 < len(lines) and (truncated[i + 1] or lines[i + 1].reason == "teaser"))):
            line.kind, line.reason = "drop", "teaser"
    for prev, line in zip(lines, lines[1:]):
        if line.reason == "teaser" and prev.kind == "short":
            prev.kind, prev.reason = "drop", "teaser"


def _mark_repeats(lines: list[_Line]) -> None:
    """Lines a page shows twice (captions, headline lists) are not body text; a long paragraph
    of prose given twice (a scraper's copy) keeps its first copy."""
    counts = Counter(l.text for l in lines)
    seen = set()
    for line in lines:
        if counts[line.text] > 1 and line.kind not in ("drop", "title"):
            if line.kind == "body" and len(line.text.split()) >= LONG_PARAGRAPH_WORDS and line.text not in seen:
                seen.add(line.text)
                continue
            line.kind, line.reason = "drop", "repeated"


def _mark_title(lines: list[_Line], title: str | None, lang: Language) -> str | None:
    """Use the given title, else the first headline-shaped line above the body."""
    if title is None:
        shaped = [l.text for l in _above_body(lines, lang) if _headline_shaped(l, lang)]
        title = _best_headline(shaped, lines, lang)
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


def _above_body(lines: list[_Line], lang: Language):
    """Kept lines up to the first real paragraph (a headline may itself look like a sentence)."""
    for line in lines:
        if line.kind == "body" and not _headline_shaped(line, lang):
            return
        if line.kind in ("short", "body"):
            yield line


def _headline_shaped(line: _Line, lang: Language) -> bool:
    """3 to 30 words, no final full stop (inside closing quotes too), one sentence, no date
    line and no dateline: a title-less text's lede ("Jakarta, CNN Indonesia - Sepatu mewah ...
    sudah biasa. Namun bagaimana ...?") is its first paragraph, not its headline."""
    text = line.text
    return (3 <= len(text.split()) <= 30 and not text.rstrip(CLOSERS).endswith(".") and not is_date_line(text)
            and split_dateline(text)[1] == text and len(lang.split_sentences(text)) == 1)


def _body_span(lines: list[_Line], lang: Language) -> tuple[int, int]:
    """[start, stop) of the article body: first to last body line, cut at an end marker,
    then on over the short closing sentences that follow it."""
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
                stop = _last_body(lines, start, i)
                break
    return start, _closing(lines, stop, lang)


def _last_body(lines: list[_Line], start: int, stop: int) -> int:
    return max(i for i in range(start, stop) if lines[i].kind == "body") + 1


def _closing(lines: list[_Line], stop: int, lang: Language) -> int:
    """The end of the body once the short sentences right after it are taken in: a closing
    line, the points of a list (and the line that introduces them)."""
    end = stop
    while end < len(lines) and lines[end].kind == "short" and _short_prose(lines[end].text, lang):
        end += 1
        if not _LIST_INTRO.search(lines[end - 1].text):
            stop = end
    return stop


def _short_prose(text: str, lang: Language) -> bool:
    """A short sentence of prose: a few words, a stop word among them, a full stop (or a colon)."""
    if not (_CLOSING.search(text) or _LIST_INTRO.search(text)):
        return False
    words = lang.words(_BULLET.sub("", text))
    return len(words) >= CLOSING_WORDS and (not lang.stop_words or any(map(lang.is_stop_word, words)))


def _body(lines: list[_Line]) -> list[str]:
    """Body paragraphs (in-body headings kept), without editor marks."""
    return [_EDITOR_MARK.sub("", line.text) if line.kind == "body" else line.text
            for line in lines if line.kind not in ("drop", "end")]
