"""Term weights: how common a word stem is in the general text of its language, and TF-IDF.

A window of a few dozen articles says little about which words are common: in 50 articles
of five events, "tsunami" is in ten and weighs like "government". `tfidf` therefore
pools the window's document frequencies with those of a reference collection of the
language (digest.cluster: ClusterOptions.reference_docs), as topic detection systems seed
their IDF from a background corpus. The reference is wordfreq's word frequencies (Wikipedia,
subtitles, news, books and web text in 40-odd languages), read from the installed package;
a language it lacks falls back to the window alone.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import langcodes
import numpy as np
import scipy.sparse as sp
import wordfreq

from .features import word_stem

# The reference's documents are taken as this many words long: a word of frequency f is in
# a share 1 - exp(-f * LENGTH) of them (Poisson).
LENGTH = 300
# langcodes' distance up to which two codes name the same language ("no" and "nb": 1,
# "sr" and "sh": 5; "nn" and "nb": 20, "ga" and "en": 24).
SAME_LANGUAGE = 9
# Words rarer than this (a Zipf frequency of 3) are in under 0.03 % of documents: no prior.
RAREST = 1e-6


@functools.lru_cache(maxsize=None)
def document_share(code: str) -> Mapping[str, float]:
    """Stem -> the share of the language's documents that hold it ({} when wordfreq has no
    list for the language)."""
    frequencies: dict[str, float] = {}
    for word, frequency in word_frequencies(code):
        stem = word_stem(code, word, cached=False)
        if stem is not None:
            frequencies[stem] = frequencies.get(stem, 0.0) + frequency
    return {stem: 1 - math.exp(-f * LENGTH) for stem, f in frequencies.items()}


def word_frequencies(code: str) -> Iterator[tuple[str, float]]:
    """(word, frequency) of the language's general text, commonest first, down to RAREST;
    nothing when wordfreq has no list for the language."""
    # wordfreq itself would fall back to a distant language (Irish, Esperanto -> English),
    # whose words are not this language's: only the same language counts.
    try:
        match, _ = langcodes.closest_match(code, list(wordfreq.available_languages()), max_distance=SAME_LANGUAGE)
    except ValueError:  # not a language tag ("x" from a hand-made JSONL file)
        return
    if match == "und":
        return
    buckets = wordfreq.get_frequency_list(match)
    wordfreq.get_frequency_list.cache_clear()  # the whole list: 100 MB for some languages
    for rank, words in enumerate(buckets):  # buckets of one centibel each
        frequency = 10 ** (-rank / 100)
        if frequency < RAREST:
            return
        for word in words:
            yield word, frequency


class _TermIds(dict):
    """Term -> column, numbering unseen terms as they come (`numbers` is shared by the
    vocabularies of all groups); lookups run in C, only new terms in Python."""

    def __init__(self, numbers: Iterator[int]) -> None:
        super().__init__()
        self.numbers = numbers

    def __missing__(self, term: str) -> int:
        number = self[term] = next(self.numbers)
        return number


def tfidf(bags: Sequence[Counter], groups: Sequence[str] | None = None,
          reference_docs: float = 0.0) -> sp.csr_matrix:
    """Unit rows of log-scaled weights times smoothed inverse document frequency. With
    `groups`, a term of one group never matches the same term of another (languages), and
    the document frequencies are pooled with those of `reference_docs` documents of the
    group's language (document_share). Terms of a single row are dropped after
    normalising: they can add to no pair."""
    numbers = itertools.count()
    vocabularies: dict[str | None, _TermIds] = {}
    indptr, indices, values = [0], [], []
    for row, bag in enumerate(bags):
        vocabulary = vocabularies.setdefault(None if groups is None else groups[row], _TermIds(numbers))
        indices.extend(map(vocabulary.__getitem__, bag))
        values.extend(bag.values())
        indptr.append(len(indices))
    size = sum(map(len, vocabularies.values()))
    weights = np.array(values, dtype=np.float32)
    weights = np.where(weights > 1, 1 + np.log(np.maximum(weights, 1)), weights).astype(np.float32)
    shape = (len(bags), max(size, 1))
    matrix = sp.csr_matrix((weights, np.array(indices, dtype=np.int64), indptr), shape=shape)
    df = np.bincount(matrix.indices, minlength=shape[1])
    reference, documents = _reference(vocabularies, shape[1], reference_docs if groups is not None else 0.0)
    idf = np.log((len(bags) + documents + 1) / (df + reference + 1)) + 1.0
    matrix = matrix @ sp.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sp.csr_matrix(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix)
    return sp.csr_matrix(matrix[:, np.flatnonzero(df > 1)])


def _reference(vocabularies: Mapping[str | None, _TermIds], size: int,
               documents: float) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the reference documents of its language and how many of them hold the
    term (none for a language the reference lacks)."""
    df, total = np.zeros(size), np.zeros(size)
    for code, vocabulary in vocabularies.items() if documents else ():
        share = document_share(code)
        if share:
            columns = list(vocabulary.values())
            df[columns] = [documents * share.get(term, 0.0) for term in vocabulary]
            total[columns] = documents
    return df, total
