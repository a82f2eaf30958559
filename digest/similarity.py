"""Bag-of-words similarity shared by cleaning, summarizing and attribution."""

from __future__ import annotations

import math
from collections import Counter

from .language import Language


def terms(text: str, lang: Language) -> Counter:
    """Stemmed content words of a text, with their counts."""
    return Counter(lang.stem(w) for w in lang.words(text) if not lang.is_stop_word(w))


def cosine(a: Counter, b: Counter) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
