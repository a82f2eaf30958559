"""digest.screen: a Screen never says False where one of its patterns (Python's re) finds
something, on every character, on digest's own pattern lists over real text, and on texts
made to be hard; and it rules most texts out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from digest.boilerplate import boilerplate, rules
from digest.screen import _ODD, Screen, translate
from conftest import SEEDS
from test_properties import ODD, SETTINGS

SHARED = SEEDS.parent
SUMMARY = Path(__file__).resolve().parents[1] / "digest" / "data" / "summary.yaml"


def _patterns() -> list[str]:
    """Every pattern digest screens: the boilerplate rules and the summary's debris."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(boilerplate())
    walk(yaml.safe_load(SUMMARY.read_text("utf-8"))["debris"])
    return found


PATTERNS = _patterns()
# Every character but the few that Screen leaves to re (see digest.screen._ODD) and surrogates.
CHARACTERS = "".join(c for c in map(chr, range(0x10000)) if not 0xD800 <= ord(c) <= 0xDFFF and not _ODD.search(c))


@pytest.mark.parametrize("cls", [r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"[\w'-]", r"[\s,]", r"[^\s,]", r"\b\w+"])
def test_classes_agree_with_re_on_every_character(cls: str) -> None:
    screened = Screen([cls + "x"])
    python = re.compile(cls + "x", re.I)
    assert not [c for c in CHARACTERS if python.search(c + "x") and not screened.search(c + "x")]


def test_case_is_ignored_as_re_ignores_it() -> None:
    letters = sorted({c for p in PATTERNS for c in p if c.isalpha()} | set("abcdefghijklmnopqrstuvwxyz"))
    missed = [(letter, c) for letter in letters for c in CHARACTERS
              if re.fullmatch(re.escape(letter), c, re.I) and not Screen([re.escape(letter)]).search(c)]
    assert missed == []


def _real_lines() -> list[str]:
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    for name in ("indosum_dev_sample/clusters.jsonl", "multinews_val_sample/docs.jsonl",
                 "multiling2011/greek.clusters.jsonl", "multiling2011/czech.clusters.jsonl"):
        rows = (SHARED / "eval" / name).read_text("utf-8").split("\n")
        lines += [line for row in rows[:40] if row for line in _strings(json.loads(row))]
    pages = Path(__file__).parent / "data" / "pages"
    lines += [line for page in pages.glob("*.html") for line in page.read_text("utf-8").splitlines()]
    return [line for line in lines if line.strip()]


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return node.splitlines()
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return [line for value in values for line in _strings(value)]


def test_never_misses_on_real_text_and_rules_most_of_it_out() -> None:
    lines = _real_lines()
    assert len(lines) > 1000
    for pattern in PATTERNS:
        python, screened = re.compile(pattern, re.I), Screen([pattern])
        assert not [line for line in lines if python.search(line) and not screened.search(line)], pattern
    screen = Screen(PATTERNS)
    passed = sum(map(screen.search, lines))
    found = sum(1 for line in lines if any(re.search(p, line, re.I) for p in PATTERNS))
    assert found <= passed < len(lines) / 2


def test_every_pattern_of_digest_runs_in_re2() -> None:
    assert [p for p in PATTERNS if translate(p) is None] == []
    assert Screen(PATTERNS).search("Baca juga: Banjir di Semarang")
    assert rules("id")["line"].match("Baca juga: Banjir di Semarang") == "related"


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"^(?=.*\b(wa|telegram)\b)(?=.*\b(anda)\b)", r"^(?:.*(wa|telegram))"),  # the first lookahead kept
    (r"\((?=[^()]*foto)[^()]{3,160}\)", r"\([^()]{3,}\)"),  # assertions out; no upper bound
    (r"\bbaca\b", r"\bbaca\b"),  # beside an ASCII letter, RE2's \b holds where re's does
    (r"\bçok\b", r"çok\b"),  # beside another letter it is left out
    (r"(?!x)", None),  # nothing left: it would find the empty text everywhere
    (r"(a)\1", None),  # a backreference: re only
])
def test_translation(pattern: str, expected: str | None) -> None:
    assert translate(pattern) == expected


TRICKY = sorted({w for p in PATTERNS for w in re.findall(r"[^\W\d_]{2,}", p)})[:400]


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(TRICKY), st.sampled_from(ODD + list(" :|»İıͅé")), st.text(max_size=3)),
                max_size=12))
def test_never_misses_on_made_up_text(pieces: list[str]) -> None:
    text = " ".join(pieces)
    screen = Screen(PATTERNS)
    assert screen.search(text) or not any(re.search(p, text, re.I) for p in PATTERNS)
