"""A quick first look for many case-insensitive patterns at once: Screen(patterns).search(text)
is True wherever one of them finds something, and False on most texts that hold none.

Python's re tries an alternation's branches one by one at every position of the text; RE2
(google-re2) runs one automaton over it, ten to twenty times faster on digest's boilerplate
lists. RE2 differs from re: its \\b knows ASCII letters only, it has no lookaround, its $
is the very end. So each pattern is translated into one that finds at least what re finds
(a superset), or left to re: a Screen may say True where no pattern finds anything (the
caller then asks re), never False where one does.
"""

from __future__ import annotations

import re

import re2

_LETTERS = r"\p{L}\p{N}_"  # re's \w on str: str.isalnum() or "_" (letters and numbers)
# str.isspace()
_SPACES = r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
# re's classes as RE2 spells them, outside a [...] class and inside one. They agree on the
# characters of the first 65,536 but U+0345 (a test checks): RE2 knows a newer Unicode,
# with letters and digits beyond those that Python (3.11: 14.0) takes for unassigned.
_CLASSES = {"w": f"[{_LETTERS}]", "W": f"[^{_LETTERS}]", "d": r"\p{Nd}", "D": r"\P{Nd}",
            "s": f"[{_SPACES}]", "S": f"[^{_SPACES}]"}
_IN_CLASS = {"w": _LETTERS, "d": r"\p{Nd}", "s": _SPACES}
# What only re can do, or RE2 reads otherwise: atomic groups, conditionals, inline flags,
# backreferences, \A \Z, {,n}, \N{name} \uXXXX escapes.
_RE_ONLY = re.compile(r"(?<!\\)\(\?[>(a-zA-OQ-Z]|\\[1-9AZzGgNuU]|\{,")
_UPPER_BOUND = re.compile(r"\{(\d+),\d+\}")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# Where RE2 and re read a character differently (see _CLASSES; and re ignoring case takes
# the Turkish İ and ı for an i, RE2 does not), a text holding it is left to re.
_ODD = re.compile("[\u0130\u0131\u0345\U00010000-\U0010ffff]")
_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False
_OPTIONS.never_capture = True
_OPTIONS.max_mem = 1 << 26


class Screen:
    """The union of `patterns` (re syntax, each searched case-insensitively), screened."""

    def __init__(self, patterns: list[str]) -> None:
        translated = {p: translate(p) for p in patterns}
        fast = [t for t in translated.values() if t is not None]
        self._fast = re2.compile(alternation(fast), _OPTIONS) if fast else None
        self._slow = _union([p for p, t in translated.items() if t is None])
        self._all = _union(patterns)

    def search(self, text: str) -> bool:
        if not text.isascii() and _ODD.search(text):
            return bool(self._all and self._all.search(text))
        return bool((self._fast and self._fast.search(text)) or (self._slow and self._slow.search(text)))


def alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _union(patterns: list[str]) -> re.Pattern | None:
    return re.compile(alternation(patterns), re.I) if patterns else None


def translate(pattern: str) -> str | None:
    """`pattern` in RE2's syntax, finding at least what re finds; None if only re can run it
    (or if all that is left of it finds the empty text, so finds something everywhere)."""
    found = None if _RE_ONLY.search(pattern) else _translated(pattern)
    try:
        return None if found is None or re2.compile(found, _OPTIONS).match("") else found
    except re2.error:
        return None


def _translated(pattern: str) -> str | None:
    out: list[str] = []
    in_class, consumed, i = False, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            piece = _escape(pattern, i, in_class)
            if piece is None:
                return None
            out.append(piece)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif _LOOKAROUND.match(pattern, i):  # an assertion left out finds more
            end = _group_end(pattern, i)
            if not consumed and pattern.startswith("(?=", i) and _assertions_only(pattern, end):
                # Nothing but assertions after it: "^(?=.*a)(?=.*b)" finds no more than "^.*a".
                body = _translated(pattern[i + 3:end - 1])
                if body is None:
                    return None
                out.append(f"(?:{body})")
                consumed = True
            i = end
            continue
        elif pattern.startswith("[^\\W", i):  # a word character but some: any word character
            out.append(_CLASSES["w"])
            i = _group_end(pattern, i)
            continue
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\n?$"  # re's $ also matches before a final newline
        elif bound := _UPPER_BOUND.match(pattern, i):  # {3,160}: {3,} finds more, and RE2's automaton stays small
            out.append("{" + bound.group(1) + ",}")
            i = bound.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _assertions_only(pattern: str, i: int) -> bool:
    """Whether pattern[i:] is nothing but lookaround groups."""
    while _LOOKAROUND.match(pattern, i):
        i = _group_end(pattern, i)
    return i == len(pattern)


def _group_end(pattern: str, i: int) -> int:
    """The index after the group or class that opens at pattern[i]."""
    depth, in_class, first = 0, False, True
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]" or first
        elif char == "[":
            in_class = True
            if depth == 0:
                depth = -1  # a class alone: it ends with its "]"
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        if depth == -1 and not in_class:
            return i + 1
        first = char in "[^" and in_class
        i += 1
    return i


def _escape(pattern: str, i: int, in_class: bool) -> str | None:
    """The escape at pattern[i] in RE2, or None when it cannot say the same there."""
    code = pattern[i + 1]
    if in_class:
        if code in "WSD":
            return None  # a negated class inside a class: no RE2 spelling
        return _IN_CLASS.get(code, pattern[i:i + 2])
    if code in _CLASSES:
        return _CLASSES[code]
    if code == "B":
        return ""
    if code == "b":
        # RE2's \b takes only ASCII letters for word characters. Beside an ASCII letter of the
        # pattern it holds wherever re's does; elsewhere it is left out, which finds more.
        before = pattern[i - 1] if i > 0 and (i < 2 or pattern[i - 2] != "\\") else ""
        after = pattern[i + 2] if i + 2 < len(pattern) and pattern[i + 3:i + 4] not in ("?", "*", "{") else ""
        return r"\b" if (before in _ASCII_WORD and before) or (after in _ASCII_WORD and after) else ""
    return pattern[i:i + 2]
