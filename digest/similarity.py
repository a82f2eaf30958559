"""Bag-of-words similarity shared by cleaning, summarizing and attribution."""

from __future__ import annotations

import math
from collections import Counter

from .language import Language


def terms(text: str, lang: Language) -> Counter:
    """Stemmed content words of a text, with their counts."""
    bag = Counter(map(lang.content_stem, lang.words(text)))  # counted in C; stop words count as None
    del bag[None]
    return bag


def norm(bag: Counter) -> float:
    return math.sqrt(sum(v * v for v in bag.values()))


def cosine(a: Counter, b: Counter, b_norm: float | None = None) -> float:
    """`b_norm`, when given, is norm(b): one text compared with many needs it once."""
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    product = norm(a) * (norm(b) if b_norm is None else b_norm)
    return dot / product if product else 0.0


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
