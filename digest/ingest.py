"""Ingest every configured source concurrently: feeds, pages, local files.

A bounded thread pool fetches every feed (conditional GET); as soon as a feed is read, the
article pages of its entries that carry only a short summary are fetched on the same pool,
so one slow feed holds up no other feed's pages. Nothing here raises for a bad source: each
one ends as a SourceResult with a status and a reason, whatever went wrong in reading it (an
unexpected exception included).

Parsing feeds and pages is CPU-bound Python: in one process the GIL runs it on one core
however many threads wait on the network. A run of many sources is therefore split among
processes (one per SOURCES_PER_PROCESS sources, at most one per core): this one and worker
processes, each reading its share with its share of the concurrency. The workers' log
records are logged by this process, and a worker that dies (a signal, a crash) has its
sources read again here.

A feed is a stranger's list of links, so following them is bounded: pages of a feed on a
public address are fetched only from public addresses (no localhost or local network, checked
at connect time, redirects included) and links to literal internal addresses are dropped from
its entries; at most PAGE_LANES of a feed's pages are fetched at once (they are usually on
one site); a feed's page fetches stop after PAGE_FAILURES failures or PAGE_TIME_FACTOR ×
total_timeout seconds of fetching, keeping the feed's summaries for the rest.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any
from urllib.parse import urlsplit

import httpx

from . import progress
from .extract import MAX_TITLE_CHARS, extract_page, tame_line, tame_text
from .fetch import FetchLimits, FetchResult, fetch, is_public_ip, new_client, resolves_public
from .models import Document, SourceReport
from .readers import InputError, InputSpec, Reading, looks_like_feed, read_bytes, read_input
from .store import FeedState
from .workers import cores, map_shares

log = logging.getLogger(__name__)

# An entry with fewer words than this is a teaser: its page has the article.
SHORT_ENTRY_WORDS = 120
# A feed's page fetches stop after this many failures, or after this many times
# total_timeout spent fetching its pages in all.
PAGE_FAILURES = 3
PAGE_TIME_FACTOR = 2.0
# At most this many of one feed's pages are fetched at once: a feed's links are usually all
# on its outlet's site, which a burst of requests would burden (and may answer with 429).
PAGE_LANES = 4
# Fetching threads share pools of at most this many connections: httpcore goes through every
# connection of its pool under one lock for each request and each response, which past a few
# connections costs more CPU than the request itself.
POOL_CONNECTIONS = 4
# A worker process is worth its start (about a second of imports) from this many sources on.
SOURCES_PER_PROCESS = 100


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
    public: bool = False  # the source is on a public address: its links may not lead inside


@dataclass
class _PageBudget:
    """What one source's page fetches have cost so far (shared by the worker threads)."""

    failures: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spent(self, limits: FetchLimits) -> bool:
        with self.lock:
            return self.failures >= PAGE_FAILURES or self.seconds >= PAGE_TIME_FACTOR * limits.total_timeout

    def charge(self, seconds: float, failed: bool) -> None:
        with self.lock:
            self.seconds += seconds
            self.failures += failed


class _Clients:
    """HTTP clients for `connections` threads: each thread always gets the same client, and
    no client serves more threads than it has connections (at most POOL_CONNECTIONS), so
    no thread waits for a connection."""

    def __init__(self, limits: FetchLimits, connections: int) -> None:
        count = math.ceil(connections / POOL_CONNECTIONS)
        self._clients = [new_client(limits, math.ceil(connections / count)) for _ in range(count)]
        self._handed = itertools.count()  # next() is atomic: threads take turns without a lock
        self._mine = threading.local()

    def get(self) -> httpx.Client:
        client = getattr(self._mine, "client", None)
        if client is None:
            client = self._mine.client = self._clients[next(self._handed) % len(self._clients)]
        return client

    def __enter__(self) -> _Clients:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in self._clients:
            client.close()


def ingest(sources: Sequence[Source], states: Mapping[str, FeedState], tz: tzinfo,
           limits: FetchLimits = FetchLimits(), workers: int = 64, full_text: bool = True) -> list[SourceResult]:
    """Every source's documents, in the order of `sources`; with `full_text`, teaser entries
    get their page's text. At most `workers` requests run at once, in all processes together."""
    return share_sources(ingest_here, sources, states, workers, tz, limits, full_text)


def share_sources(function: Callable[..., list], sources: Sequence[Source], states: Mapping[str, FeedState],
                  workers: int, *args: Any) -> list:
    """function(share, its states, its fetch workers, *args), which gives one result per
    source, for a share of the sources in each process (see processes_for()); the results
    in the order of `sources`. `function` must be a module-level function."""
    processes = processes_for(len(sources), workers)
    shares = [list(sources[k::processes]) for k in range(processes)]
    jobs = [(function, share, {s.name: states[s.name] for s in share if s.name in states}, workers // processes, args)
            for share in shares]
    results: list = [None] * len(sources)
    for k, share in enumerate(map_shares(_apply_share, jobs)):
        results[k::processes] = share
    return results


def _apply_share(job: tuple) -> list:
    function, share, states, workers, args = job
    return function(share, states, workers, *args)


def processes_for(sources: int, workers: int) -> int:
    """How many processes (this one and workers) ingest() reads `sources` sources in: one per
    SOURCES_PER_PROCESS sources, at most one per core and one per fetch worker."""
    if not sys.executable:  # embedded Python: nothing to start workers with
        return 1
    return max(1, min(cores(), sources // SOURCES_PER_PROCESS, workers))


def ingest_here(sources: Sequence[Source], states: Mapping[str, FeedState], workers: int, tz: tzinfo,
                limits: FetchLimits, full_text: bool = True) -> list[SourceResult]:
    """ingest() in this process: a feed's pages are fetched as soon as the feed is read."""
    with _Clients(limits, workers) as clients, ThreadPoolExecutor(workers) as pool:
        try:
            reading = {pool.submit(_ingest_one, s, states.get(s.name), tz, limits, clients): i
                       for i, s in enumerate(sources)}
            results: list[SourceResult] = [None] * len(sources)  # type: ignore[list-item]
            lanes: dict[int, list[Future]] = {}
            for future in as_completed(reading):
                i = reading[future]
                results[i] = future.result()  # never raises: _ingest_one reports every failure
                progress.advance("read", failed=int(results[i].report.status == "failed"))
                if full_text:
                    lanes[i] = _start_pages(results[i], pool, limits, clients)
            return [_with_pages(result, lanes.get(i, [])) for i, result in enumerate(results)]
        except BaseException:  # Ctrl-C: wait for the fetches under way, not for all the others
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _start_pages(result: SourceResult, pool: ThreadPoolExecutor, limits: FetchLimits,
                 clients: _Clients) -> list[Future]:
    """Fetch the pages of the source's teaser entries in at most PAGE_LANES lanes, each lane
    one page after another; each lane's future gives {entry index: document}."""
    teasers = [j for j, doc in enumerate(result.documents) if _is_teaser(doc)]
    budget = _PageBudget()
    progress.add_total("pages", len(teasers))

    def lane(indexes: list[int]) -> dict[int, Document]:
        pages = {}
        for j in indexes:
            pages[j] = _full_text(result.documents[j], result, budget, limits, clients.get())
            progress.advance("pages")
        return pages

    return [pool.submit(lane, teasers[k::PAGE_LANES]) for k in range(min(PAGE_LANES, len(teasers)))]


def _with_pages(result: SourceResult, lanes: list[Future]) -> SourceResult:
    if not lanes:
        return result
    documents = list(result.documents)
    for lane in lanes:
        for j, doc in lane.result().items():
            documents[j] = doc
    return replace(result, documents=tuple(documents))


def _ingest_one(source: Source, state: FeedState | None, tz: tzinfo, limits: FetchLimits,
                clients: _Clients) -> SourceResult:
    spec = InputSpec(source.url, source.name)
    try:
        if not spec.is_url:
            return _ok(source, read_input(spec, tz, limits))
        return _ingest_url(source, state or FeedState(), tz, limits, clients.get())
    except InputError as exc:
        log.warning("%s: %s", source.name, exc)
        return SourceResult(SourceReport(source.name, "failed", 0, str(exc)))
    except Exception as exc:  # noqa: BLE001 (one source's surprise must not end the run)
        log.warning("%s: failed unexpectedly: %s: %s", source.name, type(exc).__name__, exc, exc_info=True)
        return SourceResult(SourceReport(source.name, "failed", 0,
                                         f"unexpected error while reading it ({type(exc).__name__}: {exc})"[:500]))


def _ingest_url(source: Source, state: FeedState, tz: tzinfo, limits: FetchLimits,
                client: httpx.Client) -> SourceResult:
    result = fetch(source.url, limits=limits, etag=state.etag, last_modified=state.last_modified, client=client)
    if result.not_modified:
        log.info("%s: not modified", source.name)
        return SourceResult(SourceReport(source.name, "not-modified", 0))
    if not result.ok:
        raise InputError(f"{source.url}: {result.error or f'HTTP {result.status}'}")
    kind = "feed" if looks_like_feed(result.content, result.content_type) else "html"
    reading = read_bytes(result.content, kind, source.url, name=source.name, url=result.final_url, tz=tz,
                         charset=result.charset)
    public = is_public_url(result.final_url) and is_public_url(source.url)
    if public:
        reading = replace(reading, documents=[d if not d.url or is_public_url(d.url, resolve=False)
                                              else _without_link(d, source) for d in reading.documents])
    validators = FeedState(result.headers.get("etag"), result.headers.get("last-modified"))
    return replace(_ok(source, reading), state=validators, public=public)


def is_public_url(url: str, resolve: bool = True) -> bool:
    """Whether `url`'s host is on the public internet: an IP literal is judged as it is,
    "localhost" and single-label names never are; other names are resolved (`resolve`)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    try:
        return is_public_ip(str(ipaddress.ip_address(host)))
    except ValueError:
        pass
    if not host or "." not in host or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa")):
        return False
    return resolves_public(host) if resolve else True


def _without_link(doc: Document, source: Source) -> Document:
    log.warning("%s: dropped a link to an internal address (%s)", source.name, doc.url)
    return replace(doc, url=None)


def _ok(source: Source, reading: Reading) -> SourceResult:
    docs = reading.documents
    if source.language:
        docs = [replace(d, language=d.language or source.language) for d in docs]
    log.info("%s: %d articles", source.name, len(docs))
    return SourceResult(SourceReport(source.name, "ok", len(docs)).dropping(reading.dropped), tuple(docs))


def _is_teaser(doc: Document) -> bool:
    return bool(doc.url) and doc.url.startswith(("http://", "https://")) and len(doc.text.split()) < SHORT_ENTRY_WORDS


def _full_text(doc: Document, source: SourceResult, budget: _PageBudget, limits: FetchLimits,
               client: httpx.Client) -> Document:
    """The entry with its page's text, within the source's page budget; else unchanged."""
    if budget.spent(limits):
        log.info("%s: kept the feed summary (the source's page budget is spent)", doc.url)
        return doc
    started = time.monotonic()
    page = fetch(doc.url, limits=limits, client=client, allow_private=not source.public)
    try:
        result = _with_page_text(doc, page)
    except Exception as exc:  # noqa: BLE001 (the summary is still a good article)
        log.warning("%s: kept the feed summary (%s: %s)", doc.url, type(exc).__name__, exc)
        result = doc
    budget.charge(time.monotonic() - started, failed=not page.ok)
    return result


def _with_page_text(doc: Document, page: FetchResult) -> Document:
    """The entry with its page's full text, or unchanged (the summary) when that fails."""
    if not page.ok:
        log.info("%s: kept the feed summary (%s)", doc.url, page.error or f"HTTP {page.status}")
        return doc
    extracted = extract_page(page.content, page.final_url, metadata=not doc.title)  # the feed's title wins
    if extracted is None:
        return doc
    text = tame_text(extracted.text)
    if len(text.split()) <= len(doc.text.split()):
        return doc
    return replace(doc, text=text, title=doc.title or tame_line(extracted.title, MAX_TITLE_CHARS))
