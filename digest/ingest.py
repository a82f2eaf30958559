"""Ingest every configured source concurrently: feeds, pages, local files.

Two phases, each over a bounded thread pool: fetch every feed (conditional GET), then fetch
the article pages of entries that carry only a short summary. Nothing here raises for a bad
source: each one ends as a SourceResult with a status and a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import tzinfo

import httpx

from .extract import extract_page
from .fetch import FetchLimits, FetchResult, fetch, new_client
from .models import Document, SourceReport
from .readers import InputError, InputSpec, looks_like_feed, read_bytes, read_input
from .store import FeedState

log = logging.getLogger(__name__)

# An entry with fewer words than this is a teaser: its page has the article.
SHORT_ENTRY_WORDS = 120


@dataclass(frozen=True)
class Source:
    name: str
    url: str  # http(s) URL or local path
    language: str | None = None


@dataclass(frozen=True)
class SourceResult:
    report: SourceReport
    documents: tuple[Document, ...] = ()
    state: FeedState | None = None  # validators to remember; None keeps the old ones


def ingest(sources: Sequence[Source], states: Mapping[str, FeedState], tz: tzinfo,
           limits: FetchLimits = FetchLimits(), workers: int = 16, full_text: bool = True) -> list[SourceResult]:
    """Every source's documents; with `full_text`, teaser entries get their page's text."""
    with new_client(limits, workers) as client, ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda s: _ingest_one(s, states.get(s.name), tz, limits, client), sources))
        pages = [(i, j, doc.url) for i, r in enumerate(results) for j, doc in enumerate(r.documents)
                 if full_text and _is_teaser(doc)]
        fetched = pool.map(lambda job: fetch(job[2], limits=limits, client=client), pages)
        documents = [list(r.documents) for r in results]
        for (i, j, _), page in zip(pages, fetched):
            documents[i][j] = _with_page_text(documents[i][j], page)
    return [replace(r, documents=tuple(docs)) for r, docs in zip(results, documents)]


def _ingest_one(source: Source, state: FeedState | None, tz: tzinfo, limits: FetchLimits,
                client: httpx.Client) -> SourceResult:
    spec = InputSpec(source.url, source.name)
    try:
        if not spec.is_url:
            docs = read_input(spec, tz, limits)
            return _ok(source, docs)
        return _ingest_url(source, state or FeedState(), tz, limits, client)
    except InputError as exc:
        log.warning("%s: %s", source.name, exc)
        return SourceResult(SourceReport(source.name, "failed", 0, str(exc)))


def _ingest_url(source: Source, state: FeedState, tz: tzinfo, limits: FetchLimits,
                client: httpx.Client) -> SourceResult:
    result = fetch(source.url, limits=limits, etag=state.etag, last_modified=state.last_modified, client=client)
    if result.not_modified:
        log.info("%s: not modified", source.name)
        return SourceResult(SourceReport(source.name, "not-modified", 0))
    if not result.ok:
        raise InputError(f"{source.url}: {result.error or f'HTTP {result.status}'}")
    kind = "feed" if looks_like_feed(result.content, result.content_type) else "html"
    docs = read_bytes(result.content, kind, source.url, name=source.name, url=result.final_url, tz=tz,
                      charset=result.charset)
    validators = FeedState(result.headers.get("etag"), result.headers.get("last-modified"))
    return replace(_ok(source, docs), state=validators)


def _ok(source: Source, docs: list[Document]) -> SourceResult:
    if source.language:
        docs = [replace(d, language=d.language or source.language) for d in docs]
    log.info("%s: %d articles", source.name, len(docs))
    return SourceResult(SourceReport(source.name, "ok", len(docs)), tuple(docs))


def _is_teaser(doc: Document) -> bool:
    return bool(doc.url) and doc.url.startswith(("http://", "https://")) and len(doc.text.split()) < SHORT_ENTRY_WORDS


def _with_page_text(doc: Document, page: FetchResult) -> Document:
    """The entry with its page's full text, or unchanged (the summary) when that fails."""
    if not page.ok:
        log.info("%s: kept the feed summary (%s)", doc.url, page.error or f"HTTP {page.status}")
        return doc
    extracted = extract_page(page.content, page.final_url)
    if extracted is None or len(extracted.text.split()) <= len(doc.text.split()):
        return doc
    return replace(doc, text=extracted.text, title=doc.title or extracted.title)
