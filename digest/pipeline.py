"""Pipelines: build the whole model (Briefing) from inputs, then hand it to the writers."""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from . import progress
from .articles import CleanedSource, clean_documents, read_and_clean, source_report
from .briefing import chronological, daily_briefing
from .cluster import ClusterOptions, StorySeed, cluster, in_reach
from .config import Config
from .features import Features, article_features
from .fetch import FetchLimits
from .ingest import Source, SourceResult
from .models import DUPLICATE, Article, Briefing, SourceReport, Story
from .readers import InputError, InputSpec, read_input
from .render import (
    ArchiveEntry,
    FeedItem,
    RenderOptions,
    briefing_items,
    item_guid,
    parse_formats,
    render_index,
    render_rss,
    write_atomic,
    write_briefing,
)
from .scoring import summarizer_class
from .serialize import story_from_json, story_to_json
from .stages import stage
from .store import Store, article_hash, url_key
from .summarize import SummaryOptions, choose_headline, story_language, summarize
from .syndication import find_copies
from .workers import Worker, cores

log = logging.getLogger(__name__)

# Fewer articles than this are checked for copies in this process: a worker costs a second.
COPIES_PER_PROCESS = 2000


class NothingToSummarize(Exception):
    """No input gave a usable article."""


@dataclass(frozen=True)
class StoryRequest:
    inputs: Sequence[str]
    title: str | None = None
    summary: SummaryOptions = SummaryOptions()
    tz: tzinfo = timezone.utc
    limits: FetchLimits = FetchLimits()


def build_story_briefing(request: StoryRequest) -> Briefing:
    """Read every input, clean it, and summarize all articles as one story."""
    articles: list[Article] = []
    reports: list[SourceReport] = []
    seen: set[str] = set()
    specs = unique_inputs(request.inputs)
    progress.add_total("read", len(specs))
    for spec in specs:
        found, report = _read_source(spec, request.tz, request.limits)
        kept = [a for a in found if a.id not in seen and not seen.add(a.id)]
        articles.extend(kept)
        reports.append(report.dropping({DUPLICATE: len(found) - len(kept)}))
    if not articles:
        raise NothingToSummarize("no usable article in the inputs")
    progress.add_total("summarize", 1)
    story = make_story(articles, request.summary, request.title)
    progress.advance("summarize")
    return Briefing(
        title=request.title or story.headline,
        generated_at=datetime.now(request.tz),
        stories=(story,),
        sources=tuple(reports),
    )


def unique_inputs(inputs: Sequence[str]) -> list[InputSpec]:
    """Each input once; where one is given both named and unnamed (`NAME=a.txt *.txt`), the name wins."""
    specs = [InputSpec.parse(raw) for raw in inputs]
    named = {_input_key(s) for s in specs if s.name}
    unique, seen = [], set()
    for spec in specs:
        key = _input_key(spec)
        if key in seen or (spec.name is None and key in named):
            continue
        seen.add(key)
        unique.append(spec)
    return unique


def _input_key(spec: InputSpec) -> str:
    return spec.target if spec.is_url else str(Path(spec.target).expanduser().resolve())


def _read_source(spec: InputSpec, tz: tzinfo, limits: FetchLimits) -> tuple[list[Article], SourceReport]:
    name = spec.name or spec.target
    try:
        reading = read_input(spec, tz, limits)
    except InputError as exc:
        log.warning("%s", exc)
        progress.advance("read", failed=1)
        return [], SourceReport(name, "failed", 0, str(exc))
    progress.advance("read")
    progress.add_total("clean", len(reading.documents))
    cleaning = clean_documents(reading.documents, tz)
    progress.advance("clean", len(reading.documents))
    return cleaning.articles, source_report(SourceReport(name, "ok").dropping(reading.dropped), cleaning)


def make_story(articles: Sequence[Article], options: SummaryOptions, headline: str | None = None) -> Story:
    ordered = sorted(articles, key=chronological)
    return Story(
        id=story_id(a.id for a in ordered),
        headline=headline or choose_headline(ordered),
        summary=summarize(ordered, options),
        articles=tuple(ordered),
        language=story_language(ordered),
    )


def story_id(article_ids) -> str:
    digest = hashlib.sha1("\n".join(sorted(article_ids)).encode()).hexdigest()
    return digest[:12]


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "story"


# --- the daily run -----------------------------------------------------------------------


FEED_ITEMS = 100  # the rolling feed keeps this many newest items
FEATURES = ClusterOptions().weights  # what articles' stored clustering features are made with


class SourcesFailed(Exception):
    """--strict: a source failed, so no brief is written."""


@dataclass(frozen=True)
class RunResult:
    briefing: Briefing
    folder: Path
    written: dict[str, Path]
    new_articles: int


def run(config: Config, *, out: Path | None = None, formats: Sequence[str] | None = None,
        strict: bool = False, now: datetime | None = None, wait: float = 0.0) -> RunResult:
    """Fetch every source, store, cluster, then build, write and deliver the day's brief.

    One run at a time per database: waits up to `wait` seconds for a run of another process,
    then raises digest.lock.LockBusy. Delivery problems are logged and recorded, never raised.
    """
    from .deliver import deliver_after_run  # at call time: digest.deliver imports this module
    from .lock import run_lock

    with run_lock(config, wait), Store(config.database) as store:
        now = now or datetime.now(config.zone)  # after the wait: the brief is dated when it is made
        run_id = store.start_run()
        try:
            result = _run(store, config, out or config.out, formats or config.formats, strict, now)
        except BaseException as exc:
            store.finish_run(run_id, "failed", {"error": str(exc) or type(exc).__name__})
            raise
        finally:
            gc.unfreeze()  # what _settle() set aside is the collector's again (`digest schedule` runs on)
        store.finish_run(run_id, "ok", _report(result))
        deliver_after_run(config, result.folder, store)
    return result


def _run(store: Store, config: Config, out: Path, formats: Sequence[str], strict: bool, now: datetime) -> RunResult:
    sources = [Source(f.name, f.url, f.language) for f in config.feeds]
    states = {s.name: store.feed_state(s.name) for s in sources}
    _import_ahead(config.summary.algorithm, "pdf" in formats)
    progress.add_total("read", len(sources))
    with stage("clean"):
        read = read_and_clean(sources, states, config.zone, config.fetch.limits(), config.fetch.concurrency,
                              config.database, FEATURES)
    since = datetime.now(timezone.utc) - config.window if config.window else None
    reports = tuple(source.report for _, source in read)
    failed = [r for r in reports if r.status == "failed"]
    if strict and failed:
        raise SourcesFailed("; ".join(f"{r.name}: {r.error}" for r in failed))
    if len(failed) == len(reports):
        raise NothingToSummarize("every source failed")
    _settle()
    with store.transaction():
        new, reports = _store_and_cluster(store, read, config, since)
    _settle()
    formats = parse_formats(formats)  # every name checked before anything is written
    to_print = [f for f in formats if f in _PRINTED]
    printed: dict[str, Path] = {}  # the printed formats, if written while workers summarized

    def write_printed(brief: Briefing) -> None:
        folder, options = _destination(config, brief, out)
        printed.update(write_briefing(brief, folder, to_print, options))

    with stage("rank"):
        briefing = daily_briefing(store, config, now, reports, since, write_printed if to_print else None)
    folder, written = _publish(store, config, briefing, out, formats, printed)
    return RunResult(briefing, folder, written, len(new))


def _settle() -> None:
    """What the run holds so far (articles, features, stories) lives until its end: the
    cycle collector stops going over it again and again. At 10,000 articles its full passes
    over the whole heap took 3.7 s of the run, 2.3 s with this after cleaning and clustering.
    Collected first, so no garbage is kept; run() gives it all back (gc.unfreeze) at the end."""
    gc.collect()
    gc.freeze()


def _import_ahead(algorithm: str, pdf: bool) -> None:
    """Import the summarizer and the PDF writer (two seconds of imports: NLTK, WeasyPrint) in
    a thread while the run reads and cleans. With many sources that costs the run nothing:
    the worker processes' share ends later than this process's (they start later, and send
    their articles back). Should an import fail, it fails again where the run needs it, and
    says why."""

    def run() -> None:
        try:
            summarizer_class(algorithm)
            if pdf:
                importlib.import_module(".pdf", __package__)
        except Exception:  # noqa: BLE001 - see above
            log.debug("importing ahead failed", exc_info=True)

    threading.Thread(target=run, name="digest-import-ahead", daemon=True).start()


def _store_and_cluster(store: Store, read: Sequence[tuple[SourceResult, CleanedSource]], config: Config,
                       since: datetime | None) -> tuple[list[Article], tuple[SourceReport, ...]]:
    """Store the new articles, put them in stories and record the syndicated copies.
    Returns the new articles and the sources' reports, duplicates counted."""
    with stage("store"):
        earlier = store.articles_seen_since(since)  # read before the new ones join them
    # Stories do not depend on copies (a copy is an article of its story all the same), so
    # with many articles the copies are found in a worker while this process stores and
    # clusters the articles.
    read_now = [a for _, source in read for a in source.articles]
    small = not read_now or len(read_now) + len(earlier) < COPIES_PER_PROCESS or cores() < 2
    with Worker(copies_among_new, read_now, earlier, here=small) as copies:
        with stage("store"):
            new, features, reports = _store_articles(store, read)
        with stage("cluster"), progress.step("cluster", f"from {len(new):,} new articles"):
            _cluster(store, new, features, config, since)
        with stage("copies"):
            stored = {a.id for a in new} | {a.id for a in earlier}
            # Nothing new (a re-run: what is read again is what the store drops): no copies to wait for.
            for copy, original in (copies.result() if new else {}).items():
                if copy in stored and original in stored:  # (one the store took for a duplicate is not)
                    store.mark_duplicate(copy, original)
    return new, reports


def copies_among_new(articles: Sequence[Article], earlier: Sequence[Article]) -> dict[str, str]:
    """find_copies() of the `articles` read that the store keeps as new, in whichever process
    it runs: as Store.add_article() does, in reading order, an article with the id, URL, or
    text and outlet of an earlier one (or of one of `earlier`, stored) is not new."""
    if not articles:
        return {}
    seen: set[tuple] = set()
    for article in earlier:
        seen.update(_identities(article))
    new = []
    for article in articles:
        identities = _identities(article)
        if not identities & seen:
            new.append(article)
        seen.update(identities)
    return find_copies(new, earlier)


def _identities(article: Article) -> set[tuple]:
    key = url_key(article.url)
    return {("id", article.id), ("text", article_hash(article), article.outlet)} | ({("url", key)} if key else set())


# The formats made to print: of the first `print_stories` stories only.
_PRINTED = {"html", "pdf"}


def _destination(config: Config, briefing: Briefing, out: Path) -> tuple[Path, RenderOptions]:
    """The brief's folder, OUT/<date>, and how its formats are rendered."""
    date = briefing.generated_at.strftime("%Y-%m-%d")
    dated_url = f"{config.base_url.rstrip('/')}/{date}/" if config.base_url else None
    return out / date, RenderOptions(base_url=dated_url, timezone=config.timezone, page_size=config.page_size)


def _publish(store: Store, config: Config, briefing: Briefing, out: Path, formats: Sequence[str],
             printed: dict[str, Path]) -> tuple[Path, dict[str, Path]]:
    """OUT/<date>/briefing.* (the `printed` ones are written already), then the rolling
    OUT/feed.xml and the OUT/index.html archive."""
    folder, options = _destination(config, briefing, out)
    written = write_briefing(briefing, folder, [f for f in formats if f == "json"], options)
    count = config.briefing.print_stories
    written |= printed or write_briefing(replace(briefing, stories=briefing.stories[:count]) if count else briefing,
                                         folder, [f for f in formats if f in _PRINTED], options)
    if "rss" in formats:
        with store.transaction():  # one commit: row by row, 1,628 items took 5 s
            for item in briefing_items(briefing, options):
                if item.story.change:
                    store.add_feed_item(item_guid(item.story), item.story.id, item.published, item.link,
                                        story_to_json(item.story))
        items = [FeedItem(story_from_json(row["snapshot"]), row["link"], datetime.fromisoformat(row["published"]))
                 for row in store.recent_feed_items(FEED_ITEMS)]
        channel = RenderOptions(base_url=config.base_url, timezone=config.timezone)
        written["rss"] = out / "feed.xml"
        with stage("render rss"):
            write_atomic(written["rss"], render_rss(briefing, channel, items))
    if "html" in formats:
        write_atomic(out / "index.html", render_index(config.title, _archive(out), feed="rss" in formats).encode())
    return folder, written


def _archive(out: Path) -> list[ArchiveEntry]:
    """The dated briefs in OUT, newest first, read back from their briefing.json."""
    entries = []
    for folder in sorted(out.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"), reverse=True):
        try:
            data = json.loads((folder / "briefing.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue
        stories = tuple(story_from_json(json.dumps(s)) for s in data.get("stories", []))
        entries.append(ArchiveEntry(folder.name, stories, (folder / "briefing.pdf").exists()))
    return entries


def _store_articles(store: Store, read: Sequence[tuple[SourceResult, CleanedSource]]
                    ) -> tuple[list[Article], dict[str, Features], tuple[SourceReport, ...]]:
    """Store what is new (re-runs add nothing) with its features and record feed state.
    Returns the new articles, their features and the sources' reports: an article stored
    already under another id (same URL, or same text and outlet) is a dropped duplicate."""
    new: list[Article] = []
    features: dict[str, Features] = {}
    reports = []
    progress.add_total("store", sum(len(source.articles) for _, source in read))
    for result, source in read:
        # Not added: stored before under its own id (a re-read text file), else a duplicate.
        before = store.known(a.id for a in source.articles)
        added = [a for a in source.articles if store.add_article(a)]
        report = source.report
        if duplicates := len(source.articles) - len(added) - sum(a.id in before for a in source.articles):
            report = replace(report, articles=report.articles - duplicates).dropping({DUPLICATE: duplicates})
        store.save_feed(report.name, report.name, report.status, report.articles, report.error, result.state)
        reports.append(report)
        their_features = {a.id: source.features[a.id] for a in added}
        store.save_features(their_features, FEATURES.fingerprint())
        features |= their_features
        new.extend(added)
        progress.advance("store", len(source.articles))
    return new, features, tuple(reports)


def _cluster(store: Store, new: Sequence[Article], known: Mapping[str, Features], config: Config,
             since: datetime | None) -> None:
    """Assign new articles to the open stories (those with an article in the window or
    within the story gap), or to new stories. Each article's features are computed once and
    stored for the runs after this one: `known` are the new articles' (from cleaning), the
    stories' are read back from the store."""
    if not new:
        return
    options = ClusterOptions(window=config.window, gap=config.story_gap, weights=FEATURES)
    fingerprint = options.weights.fingerprint()
    if since is not None:  # a story silent for less than the gap is open
        since = None if config.story_gap is None else min(since, datetime.now(timezone.utc) - config.story_gap)
    stored = [StorySeed(sid, tuple(store.story_articles(sid))) for sid in store.stories_updated_since(since)]
    seeds = in_reach(new, stored, options)[2]  # only what will be compared needs features
    articles = [*new, *(a for seed in seeds for a in seed.articles)]
    features = dict(known) | store.features((a.id for a in articles if a.id not in known), fingerprint)
    if missing := [a for a in articles if a.id not in features]:
        with stage("features"):
            fresh = {a.id: article_features(a, options.weights) for a in missing}
        store.save_features(fresh, fingerprint)
        features |= fresh
    for assignment in cluster(list(new), seeds, options, features):
        sid = assignment.story_id or story_id([min(assignment.articles, key=chronological).id])
        store.add_to_story(sid, [a.id for a in assignment.articles])
        progress.advance("cluster")


def _report(result: RunResult) -> dict:
    return {
        "folder": str(result.folder),
        "new_articles": result.new_articles,
        "stories": {s.id: [a.id for a in s.articles] for s in result.briefing.stories},
        "sources": [vars(r) for r in result.briefing.sources],
    }
