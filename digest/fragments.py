"""Debris inside a paragraph, cut where it is: the paragraph's prose around it stays.

Scrapers, copy-paste and wire desks leave debris inside paragraphs: an editing note after the
last sentence ("At its, 4th graf pvs", "(MORE)"), a player's controls before the first one
("Hide Transcript Show Transcript"), a photo caption and its credit run into the text, a
"Baca juga:" link whose headline runs on into the next sentence. Each is cut by itself, at
the level of a sentence or a fragment of one; a paragraph is debris only when nothing of it
is left. The conventions are data (data/boilerplate.yaml, kinds `sentence`, `fragment`
and `lead_in`); captions are known by their credit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .boilerplate import Rules
from .language import SENTENCE_MARK, Language

# A photo credit in brackets ("(ANTARA FOTO/Aji Styawan)", "(Foto: Dok. Humas)", "(AP Photo/Evan
# Vucci)"), standing alone: at the end of the text or before the next sentence, not inside one.
_CREDIT = re.compile(
    r"\((?=[^()]*\b(?i:foto|photo|pool|dok|dokumentasi|istimewa|getty|courtesy|handout)\b"
    r"|[^()]*[A-Z][\w.]+/[A-Z][\w.]+)[^()]{4,160}\)(?=\s*$|\s+[\"“'‘(]?[A-Z])"
)
# A further credit right after one: another bracket standing alone.
_BRACKETED = re.compile(r"\s*\([^()]{1,160}\)(?=\s*$|\s+[\"“'‘(]?[A-Z])")
# A line or sentence that ends like a statement (closing quotes and brackets allowed).
TERMINAL = re.compile(rf"{SENTENCE_MARK}[\"'”’»)\]]*$")
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_ALNUM = re.compile(r"[^\W_]")
# A linked headline has at least this many words, and the sentence after it at least this many.
HEADLINE_WORDS = 2
SENTENCE_WORDS = 3


@dataclass
class Pruned:
    """A line's sentences with the debris inside them cut, and the pieces cut with their reason."""

    sentences: list[str] = field(default_factory=list)
    cut: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def has_debris(text: str, rules: dict[str, Rules]) -> bool:
    """Whether `text` (one line) may hold debris that prune() cuts; most lines do not."""
    return rules["inside"].within(text) or ("(" in text and _CREDIT.search(text) is not None)


def prune(text: str, lang: Language, rules: dict[str, Rules], lowercase: Callable[[], set[str]]) -> Pruned:
    """`text` (one line) without the debris inside it. `lowercase()` gives the words the
    document writes in lower case (asked only when a linked headline needs its end found)."""
    pruned = Pruned()
    for sentence in lang.split_sentences(text):
        for piece in _without_lead_in(sentence, lang, rules["lead_in"], lowercase, pruned):
            piece = _without_credit(_without_fragments(piece, rules["fragment"], pruned), pruned)
            if not piece:
                continue
            if reason := rules["sentence"].match(piece):
                pruned.cut.append((piece, reason))
            else:
                pruned.sentences.append(piece)
    return pruned


def _without_fragments(sentence: str, fragments: Rules, pruned: Pruned) -> str:
    """The sentence without the fragments known as debris (player controls, wire marks)."""
    while found := fragments.find(sentence):
        reason, match = found
        if not match.group().strip():
            break
        pruned.cut.append((match.group().strip(), reason))
        sentence = (sentence[:match.start()] + " " + sentence[match.end():]).strip()
    return sentence


def _without_credit(sentence: str, pruned: Pruned) -> str:
    """The sentence without a photo caption: the credit and the caption it closes. A credit
    that opens the sentence closes the sentence before it."""
    match = _CREDIT.search(sentence) if "(" in sentence else None
    if match is None:
        return sentence
    if match.start() == 0 and pruned.sentences:
        pruned.cut.append((pruned.sentences.pop(), "caption"))
    end = match.end()
    while more := _BRACKETED.match(sentence, end):  # "(AP Photo/Charlie Neibergall) (Associated Press)"
        end = more.end()
    pruned.cut.append((sentence[:end].strip(), "caption"))
    return sentence[end:].strip()


def _without_lead_in(sentence: str, lang: Language, lead_ins: Rules, lowercase: Callable[[], set[str]],
                     pruned: Pruned) -> list[str]:
    """The sentence's prose around a link's lead-in and headline ("Baca juga: <headline>"):
    what comes before the lead-in, and the sentence that runs on after the headline."""
    found = lead_ins.find(sentence)
    if found is None:
        return [sentence]
    reason, match = found
    # What comes before the lead-in stays, unless it is only the link's bracket: "[Baca juga: …]".
    start = match.start() if _ALNUM.search(sentence, 0, match.start()) else 0
    rest = sentence[match.end():]
    end = headline_end(rest, lang, lowercase)
    pruned.cut.append((sentence[start:match.end() + end].strip(), reason))
    return [piece for piece in (sentence[:start].strip(), rest[end:].strip()) if piece]


def headline_end(text: str, lang: Language, lowercase: Callable[[], set[str]]) -> int:
    """Where the headline at the start of `text` ends, when a sentence runs on after it.

    A headline has no full stop, so the sentence after it is found by its first word: a
    capitalised word that the document also writes in lower case, or a stop word (a name
    is capitalised everywhere). In a sentence-case headline it is the first such word; a
    title-case headline capitalises every word, so there it is the last such word before
    the sentence's first lower-case word. Without a full stop, it is all headline."""
    words = list(_WORD.finditer(text))
    if not TERMINAL.search(text) or len(words) < HEADLINE_WORDS + SENTENCE_WORDS:
        return len(text)
    capital = [w.group()[0].isupper() for w in words]
    plain = [i for i, w in enumerate(words) if not capital[i] and not lang.is_stop_word(w.group())]
    usual = lowercase()
    # A sentence has a word of content in lower case; a title-case remainder is still headline.
    starts = [i for i in range(HEADLINE_WORDS, len(words) - SENTENCE_WORDS + 1)
              if capital[i] and (words[i].group().lower() in usual or lang.is_stop_word(words[i].group()))
              and plain and plain[-1] > i]
    if not starts:
        return len(text)
    title_case = plain[0] >= HEADLINE_WORDS + 1
    if title_case and (inside := [i for i in starts if not plain or i < plain[0]]):
        return words[inside[-1]].start()
    return words[starts[0]].start()
