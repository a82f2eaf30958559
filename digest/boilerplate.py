"""Known page-chrome and wire conventions (data/boilerplate.yaml), compiled for quick search.

Rules come by kind (see the YAML's header): a rule's key is the reason a piece of text is
dropped for, and is reported with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .screen import Screen, alternation

KINDS = ("line", "end", "sentence", "fragment", "lead_in", "title")
INSIDE = ("sentence", "fragment", "lead_in")  # the kinds cut from inside a line
# A headline has at least this many words ("Both ways"); "Home" or "Sport" is a section.
HEADLINE_WORDS = 2
_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=None)
def boilerplate() -> dict:
    return yaml.safe_load(resources.files("digest.data").joinpath("boilerplate.yaml").read_text("utf-8"))


@dataclass(frozen=True)
class Rules:
    """Ordered (reason, pattern) rules of one kind, and a Screen of them all, so that most
    texts are ruled out by one quick search."""

    rules: tuple[tuple[str, re.Pattern], ...]
    screen: Screen
    # Every pattern without its anchors: what finds nothing in a line finds nothing in any
    # part of it (a sentence), so most lines need no closer look.
    loose: Screen

    @classmethod
    def compile(cls, pairs: list[tuple[str, str]]) -> Rules:
        return cls(tuple((reason, re.compile(p, re.I)) for reason, p in pairs),
                   Screen([p for _, p in pairs]), Screen([_unanchored(p) for _, p in pairs]))

    def within(self, text: str) -> bool:
        """Whether some rule may find something in a part of `text` (never False when one does)."""
        return self.loose.search(text)

    def match(self, text: str) -> str | None:
        """The reason of the first rule that finds something in `text`, else None."""
        found = self.find(text)
        return found[0] if found else None

    def find(self, text: str) -> tuple[str, re.Match] | None:
        """(reason, match) of the first rule that finds something in `text`, else None."""
        if not self.screen.search(text):
            return None
        return next(((reason, found) for reason, pattern in self.rules if (found := pattern.search(text))), None)


# Optional leading tokens: without them a pattern finds where it found, and its search can
# skip the positions where its first character cannot start.
_OPTIONAL_START = re.compile(r"^(?:\\[Wws][*?]|\\\(\?)+")
_WORD_START = re.compile(r"^(?:\((?:\?:)?)*[^\W\d_]")


def _unanchored(pattern: str) -> str:
    """The pattern without a leading ^ and a trailing $ (it then matches a superset). One
    that looks ahead over the whole text ("^(?=.*a)(?=.*b)") keeps its ^: it finds in a
    line what it finds in any part of it, and tried at every position it would take
    quadratic time. Where an anchored pattern's first token is a word, that word began its
    text or followed a non-word character: a word boundary."""
    if pattern.startswith("^(?=.*"):
        return pattern
    anchored = pattern.startswith("^")
    pattern = _OPTIONAL_START.sub("", pattern.removeprefix("^"))
    pattern = pattern[:-1] if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    return "\\b" + pattern if anchored and _WORD_START.match(pattern) else pattern


def any_of(patterns: list[str]) -> tuple[re.Pattern, ...]:
    r"""At most two case-insensitive searches that together find what any of `patterns`
    finds: the patterns that start at a word boundary as one alternation with the boundary
    in front (`\b(?:a|b)` is twice as fast as `\ba` and `\bb` one by one), the others as
    another."""
    at_word = [p for p in patterns if p.startswith(r"\b") and not top_level_bar(p)]
    others = [p for p in patterns if p not in at_word]
    combined = [r"\b" + alternation([p.removeprefix(r"\b") for p in at_word])] if at_word else []
    return tuple(re.compile(p, re.I) for p in combined + ([alternation(others)] if others else []))


def top_level_bar(pattern: str) -> bool:
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
def rules(code: str) -> dict[str, Rules]:
    """Compiled patterns of the language plus the common ones, by kind."""
    data = boilerplate()
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for section in (data.get("common", {}), data.get(code, {})):
        for kind, reasons in section.items():
            for reason, patterns in reasons.items():
                found[kind].extend((reason, p) for p in patterns)
    compiled = {kind: Rules.compile(pairs) for kind, pairs in found.items()}
    # What prune() cuts from inside a line, as one quick test for the lines that need it.
    compiled["inside"] = Rules.compile([pair for kind in INSIDE for pair in found[kind]])
    return compiled


@lru_cache(maxsize=None)
def _titles() -> Rules:
    """The `title` rules of every language: a page's language is not known when its title is
    read, and the phrases of error pages are unambiguous."""
    data = boilerplate()
    return Rules.compile([(reason, p) for section in data.values()
                          for reason, patterns in section.get("title", {}).items() for p in patterns])


def is_headline(title: str | None) -> bool:
    """Whether `title` can stand for an article: words, and not the title of an error,
    login or robot-check page."""
    return bool(title) and len(_WORD.findall(title)) >= HEADLINE_WORDS and _titles().match(title) is None
