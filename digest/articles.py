"""From documents to articles: cleaning, language, date, outlet and identity.

A daily run cleans thousands of documents, which is pure Python: when there are many, the
sources are shared out among worker processes (digest.workers), one per core, each of which
reads its sources and cleans what it read; each article's clustering features are computed
there too, while its text is at hand.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timezone, tzinfo
from pathlib import Path

from . import progress
from .boilerplate import is_headline
from .clean import clean_text
from .extract import find_date, outlet_from_url
from .features import Features, Weights, article_features
from .fetch import FetchLimits
from .ingest import Source, SourceResult, ingest_here, processes_for, share_sources
from .language import detect, detection_sample, get_language
from .models import CLEANING_FAILED, NOT_AN_ARTICLE, Article, Document, SourceReport
from .stages import stage
from .store import FeedState, stored_documents
from .workers import spread

log = logging.getLogger(__name__)

# The language is detected again on the cleaned text when cleaning dropped more than this
# share of what the first detection read: below it, the body outweighed the debris.
REDETECT_DEBRIS = 0.2


def to_article(doc: Document, tz: tzinfo = timezone.utc, language: str | None = None) -> Article | None:
    """Clean a document into an Article, filling title, outlet, language (unless detected
    already: `language`) and date. A document with no article text left but a headline is
    a headline-only article; without either it is not an article (None)."""
    if language is None:
        with stage("language"):
            language = _detect(doc)
    known = [name for name in (doc.outlet, doc.url and outlet_from_url(doc.url)) if name]
    cleaned = clean_text(doc.text, get_language(language), title=doc.title, outlets=known)
    if not cleaned.paragraphs:
        return _headline_only(doc, cleaned.title, tz)
    if not doc.language and _debris_share(doc.text, cleaned.dropped) > REDETECT_DEBRIS:
        with stage("language"):
            language = detect(cleaned.text)  # the body alone is a cleaner signal than the page
    dropped = [line for line, reason in cleaned.dropped if reason in ("caption", "repeated")]
    published = doc.published or find_date([*cleaned.header, *cleaned.paragraphs[:3], *dropped], tz)
    outlet = _outlet(doc, cleaned.dateline_outlet)
    # Without id or URL, the outlet is part of the identity: the same wire text from two
    # outlets is two articles (one a recorded copy), not one.
    fallback = "sha1:" + hashlib.sha1(f"{outlet}\n{cleaned.text}".encode()).hexdigest()[:16]
    return Article(
        id=doc.id or doc.url or fallback,
        title=cleaned.title or _first_words(cleaned.paragraphs[0], language),
        text=cleaned.text,
        outlet=outlet,
        language=language,
        source=doc.source,
        url=doc.url,
        published=published,
    )


def _headline_only(doc: Document, title: str | None, tz: tzinfo) -> Article | None:
    """The document as a headline-only article, if its title is a headline."""
    if not is_headline(title):
        return None
    outlet = _outlet(doc, None)
    with stage("language"):
        language = detect(title, hint=doc.language)
    fallback = "sha1:" + hashlib.sha1(f"{outlet}\nheadline:{title}".encode()).hexdigest()[:16]
    return Article(id=doc.id or doc.url or fallback, title=title, text="", outlet=outlet, language=language,
                   source=doc.source, url=doc.url, published=doc.published or find_date([title], tz),
                   headline_only=True)


def _detect(doc: Document) -> str:
    """The document's language, from its text, else (a headline) its title."""
    return detect(doc.text if doc.text.strip() else doc.title or "", hint=doc.language)


def _debris_share(raw: str, dropped: Sequence[tuple[str, str]]) -> float:
    """The share of what detect() read of the raw text that cleaning dropped."""
    sample = detection_sample(raw)
    return sum(len(line) for line, _ in dropped if line in sample) / max(len(sample), 1)


def _outlet(doc: Document, dateline: str | None) -> str:
    """Explicit or page metadata first, then the dateline, then the URL host or file name."""
    if doc.outlet:
        return doc.outlet
    if dateline:
        return dateline
    if doc.url and (host := outlet_from_url(doc.url)):
        return host
    return Path(doc.source).stem or doc.source


def _first_words(text: str, language: str, count: int = 12) -> str:
    """A title-less text's heading: its first sentence when that is short but more than an
    exclamation ("Yup!"), else its first words and an ellipsis (not "... belakangan.…")."""
    first = get_language(language).split_sentences(text)[0]
    if 4 <= len(first.split()) <= count:
        return first
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


# Fewer new documents than this are cleaned in this process: a worker costs a second to start.
DOCUMENTS_PER_PROCESS = 500
# A source's documents are cleaned in pieces of at most this many: pieces, not sources, are
# shared out among processes, so that one big source (an export) uses every core too; each
# piece cleaned is counted on the progress display.
PIECE = 100


@dataclass(frozen=True)
class CleanedSource:
    """A source's outcome after cleaning: its report, its new articles and their features."""

    report: SourceReport
    articles: list[Article]
    features: dict[str, Features]


def read_and_clean(sources: Sequence[Source], states: Mapping[str, FeedState], tz: tzinfo, limits: FetchLimits,
                   workers: int, database: str | Path,
                   weights: Weights = Weights()) -> list[tuple[SourceResult, CleanedSource]]:
    """Every source read (ingest()) and its new articles cleaned, in the order of `sources`.
    Documents whose article is in `database` already are not cleaned again. With many
    sources each process reads its share and cleans what it read, so no document travels
    between processes; the results come without their documents."""
    if processes_for(len(sources), workers) > 1:
        return share_sources(_read_and_clean_share, sources, states, workers, tz, limits, database, weights)
    with stage("read"):
        results = ingest_here(sources, states, workers, tz, limits)
    # A few sources, perhaps big ones (exports): their cleaning is shared out instead.
    return list(zip(results, clean_sources(results, tz, _stored(database, results), weights)))


def _read_and_clean_share(sources: list[Source], states: Mapping[str, FeedState], workers: int, tz: tzinfo,
                          limits: FetchLimits, database: str | Path,
                          weights: Weights) -> list[tuple[SourceResult, CleanedSource]]:
    """read_and_clean() of a share of the sources, in whichever process it runs."""
    with stage("read"):
        results = ingest_here(sources, states, workers, tz, limits)
    cleaned = clean_sources(results, tz, _stored(database, results), weights, here=True)
    return [(replace(result, documents=()), source) for result, source in zip(results, cleaned)]


def _stored(database: str | Path, results: Sequence[SourceResult]) -> set[str]:
    """Ids and URLs of the documents whose article an earlier run stored: nothing to redo."""
    documents = [doc for result in results for doc in result.documents]
    return stored_documents(database, [d.id for d in documents if d.id], [d.url for d in documents if d.url])


def clean_sources(results: Sequence[SourceResult], tz: tzinfo, known: set[str], weights: Weights = Weights(),
                  here: bool = False) -> list[CleanedSource]:
    """Every source's new articles (documents whose id or URL is in `known` are skipped),
    cleaned in pieces shared out among up to one process per core (unless `here`)."""
    fresh = [[d for d in r.documents if not ({d.id, d.url} & known)] for r in results]
    pieces = [(i, docs[k:k + PIECE]) for i, docs in enumerate(fresh) for k in range(0, len(docs), PIECE)]
    progress.add_total("clean", sum(map(len, fresh)))
    per_process = sys.maxsize if here else DOCUMENTS_PER_PROCESS
    cleaned = spread(clean_pieces, [docs for _, docs in pieces], [len(docs) for _, docs in pieces], per_process,
                     tz, weights)
    outcomes: list[tuple[Cleaning, dict[str, Features]]] = [(Cleaning([], Counter(), []), {}) for _ in results]
    for (i, _), (cleaning, features) in zip(pieces, cleaned):
        outcomes[i] = (outcomes[i][0] + cleaning, outcomes[i][1] | features)
    return [_cleaned_source(result, len(docs), *outcome) for result, docs, outcome in zip(results, fresh, outcomes)]


def clean_pieces(pieces: list[list[Document]], tz: tzinfo,
                 weights: Weights) -> list[tuple[Cleaning, dict[str, Features]]]:
    """Each piece's cleaning and its articles' features, in whichever process it runs."""
    cleaned = []
    for documents in pieces:
        cleaning = clean_documents(documents, tz)
        with stage("features"):
            cleaned.append((cleaning, {a.id: article_features(a, weights) for a in cleaning.articles}))
        progress.advance("clean", len(documents))
    return cleaned


def _cleaned_source(result: SourceResult, fresh: int, cleaning: Cleaning,
                    features: dict[str, Features]) -> CleanedSource:
    """The source's outcome from its `fresh` new documents' cleaning (the others were stored
    before)."""
    return CleanedSource(source_report(result.report, cleaning, len(result.documents) - fresh),
                         cleaning.articles, features)


def source_report(read: SourceReport, cleaning: Cleaning, stored: int = 0) -> SourceReport:
    """The source's report once its documents are cleaned (`stored` of them were stored
    before, so not cleaned again): failed when none gave an article."""
    report = read.dropping(cleaning.dropped)
    if cleaning.articles or not cleaning.dropped:
        return replace(report, articles=len(cleaning.articles) + stored) if report.status == "ok" else report
    errors = cleaning.errors
    error = f"no article could be cleaned ({errors[0]})" if errors else "no article text or headline found"
    log.warning("%s: %s", report.name, error)
    return replace(report, status="failed", articles=0, error=error)


@dataclass(frozen=True)
class Cleaning:
    """What cleaning made of some documents: articles, the documents dropped (by reason),
    and the errors of those that broke cleaning."""

    articles: list[Article]
    dropped: Counter
    errors: list[str]

    def __add__(self, other: Cleaning) -> Cleaning:
        return Cleaning(self.articles + other.articles, self.dropped + other.dropped, self.errors + other.errors)


def clean_documents(documents: Sequence[Document], tz: tzinfo) -> Cleaning:
    """Articles of the documents; one that breaks cleaning costs only itself. Their
    languages are detected first, one after another: so the detector's tables stay in the
    processor's caches (between cleanings, a detection took a third longer)."""
    articles, dropped, errors = [], Counter(), []
    with stage("language"):
        languages = [_detected(doc) for doc in documents]
    for doc, language in zip(documents, languages):
        try:
            article = to_article(doc, tz, language)
        except Exception as exc:  # noqa: BLE001 - isolation: a hostile document must not end the run
            errors.append(f"{type(exc).__name__}: {exc}")
            dropped[CLEANING_FAILED] += 1
            log.warning("%s: could not be cleaned (%s)", doc.url or doc.source, errors[-1])
            continue
        if article is None:
            dropped[NOT_AN_ARTICLE] += 1
            log.info("%s: not an article (no article text or headline left after cleaning)", doc.url or doc.source)
        else:
            articles.append(article)
    return Cleaning(articles, dropped, errors)


def _detected(doc: Document) -> str | None:
    """The document's language; None if detection broke, which to_article() then reports."""
    try:
        return _detect(doc)
    except Exception:  # noqa: BLE001 - isolation, as in clean_documents()
        return None
