"""The daily briefing from the stored stories: the window's stories ranked, summarized and
marked new or updated since the last run.

Summarizing is pure Python, and a brief of every story in a big window summarizes thousands
of them: a story summarized before from the same articles by the same code keeps its stored
summary (a re-run, yesterday's stories in today's window), and when there are many articles
left to summarize, the stories are shared out among worker processes, one per core
(digest.workers).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from . import progress
from .config import Config
from .models import Article, Briefing, SourceReport, Story, SummarySentence
from .stages import stage
from .store import Store
from .summarize import SummaryOptions, choose_headline, furniture, story_language, summarize
from .workers import spread

# Fewer articles to summarize than this are summarized in this process: a worker costs a
# second or two to start (it imports the summarizer).
ARTICLES_PER_PROCESS = 1000
# Writing the printed brief (a PDF of 20 stories: 3.5 s), less the second a worker takes to
# start, costs this process about as much as summarizing this many articles (3.4 ms each at
# 10,000, benchmarks/results.md): its share is that much lighter, so all finish together.
PRINTED_WEIGHT = 700


def chronological(article: Article) -> tuple:
    stamp = article.published.timestamp() if article.published else float("inf")
    return (stamp, article.outlet.lower(), article.id)


def daily_briefing(store: Store, config: Config, now: datetime, reports: tuple[SourceReport, ...],
                   since: datetime | None, printed: Callable[[Briefing], None] | None = None) -> Briefing:
    """The window's stories with enough articles, ranked, summarized, marked new/updated.
    `printed`, if given, gets the brief of the stories to print (config.briefing.print_stories)
    as soon as they are summarized if worker processes are summarizing others then: the
    daily run writes its printed formats (a PDF takes seconds) while this process would wait."""
    previous = _previous_stories(store)
    candidates = []
    for sid in store.stories_updated_since(since):
        articles = sorted(store.story_articles(sid), key=chronological)
        if len(articles) >= config.briefing.min_articles:
            copies = store.duplicates(a.id for a in articles)
            candidates.append((sid, articles, copies, _change(sid, articles, previous)))
    candidates.sort(key=_rank, reverse=True)
    shared = furniture(c[1] for c in candidates)  # from every story of the window, printed or not
    if config.briefing.max_stories:
        candidates = candidates[: config.briefing.max_stories]
    options = SummaryOptions(config.summary.algorithm, config.summary.sentences, config.summary.max_words)
    progress.add_total("summarize", len(candidates))
    count = config.briefing.print_stories
    early = (lambda first: printed(Briefing(config.title, now, tuple(first), reports))) if printed and count else None
    with stage("summarize"):
        stories = _summarized(store, candidates, options, count, early, shared)
    progress.update("summarize", done=True)
    return Briefing(config.title, now, tuple(stories), reports)


def _summarized(store: Store, candidates: Sequence[tuple], options: SummaryOptions, first: int = 0,
                early: Callable[[list[Story]], None] | None = None,
                shared: frozenset[str] = frozenset()) -> list[Story]:
    """Each candidate as a Story: its stored summary if made from the same, else summarized
    now (shared out among processes) and stored. The `first` candidates are summarized in
    this process, and `early` gets their stories while workers summarize the others.
    `shared`: the window's furniture (summarize.furniture)."""
    made_from = {c[0]: _made_from(c[1], c[2], options, shared) for c in candidates}
    stored = {sid: summary for sid, (source, summary) in store.summaries(made_from).items() if source == made_from[sid]}
    todo = [c for c in candidates if c[0] not in stored]
    leading = {c[0] for c in candidates[:first]}

    def meanwhile(done: dict[int, Story]) -> None:
        early(_stories(candidates[:first], {s.id: s for s in done.values()}, stored))

    fresh = spread(summarize_stories, todo, [len(c[1]) for c in todo], ARTICLES_PER_PROCESS, options, shared,
                   here=[k for k, c in enumerate(todo) if c[0] in leading], meanwhile=meanwhile if early else None,
                   meanwhile_weight=PRINTED_WEIGHT)
    store.save_summaries({s.id: (made_from[s.id], _summary_json(s)) for s in fresh})
    progress.advance("summarize", len(candidates) - len(todo))
    return _stories(candidates, {s.id: s for s in fresh}, stored)


def _stories(candidates: Sequence[tuple], made: Mapping[str, Story], stored: Mapping[str, str]) -> list[Story]:
    return [made.get(c[0]) or _stored_story(c, stored[c[0]]) for c in candidates]


def summarize_stories(candidates: Sequence[tuple], options: SummaryOptions,
                      shared: frozenset[str] = frozenset()) -> list[Story]:
    """Each (story id, articles, copies, change) as a Story, in whichever process it runs;
    no summary quotes a paragraph of `shared`, the window's furniture."""
    stories = []
    for candidate in candidates:
        articles = candidate[1]
        stories.append(_story(candidate, choose_headline(articles), summarize(articles, options, shared)))
        progress.advance("summarize")
    return stories


def _story(candidate: tuple, headline: str, summary: tuple[SummarySentence, ...]) -> Story:
    sid, articles, copies, change = candidate
    return Story(sid, headline, summary, tuple(articles), story_language(articles), tuple(sorted(copies.items())),
                 change)


def _made_from(articles: Sequence[Article], copies: Mapping[str, str], options: SummaryOptions,
               shared: frozenset[str] = frozenset()) -> str:
    """What a story's summary depends on: its articles (an id's text never changes), which
    of them are copies, which of their paragraphs are furniture, the options and digest's
    own code and data."""
    furniture_here = sorted({p for a in articles for p in a.paragraphs if p in shared})
    parts = [_code_fingerprint(), repr(options), *sorted(a.id for a in articles), *sorted(map(repr, copies.items())),
             *furniture_here]
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


@functools.cache
def _code_fingerprint() -> str:
    """A hash of digest's modules and data files: summaries made by other code are made again."""
    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".yaml", ".txt"))
    return hashlib.sha1(b"".join(p.read_bytes() for p in files)).hexdigest()


def _summary_json(story: Story) -> str:
    return json.dumps({"headline": story.headline, "summary": [[s.text, s.outlets, s.article_ids] for s in story.summary]},
                      ensure_ascii=False)


def _stored_story(candidate: tuple, summary: str) -> Story:
    data = json.loads(summary)
    sentences = tuple(SummarySentence(text, tuple(outlets), tuple(ids)) for text, outlets, ids in data["summary"])
    return _story(candidate, data["headline"], sentences)


def _rank(candidate: tuple) -> tuple:
    """Independent outlets first, then recency, then size."""
    _, articles, copies, _ = candidate
    outlets = {a.outlet for a in articles if a.id not in copies}
    latest = max((a.published.timestamp() for a in articles if a.published), default=0.0)
    return (len(outlets), latest, len(articles))


def _previous_stories(store: Store) -> dict[str, set[str]]:
    last = store.last_run()
    report = json.loads(last["report"]) if last and last["report"] else {}
    return {sid: set(ids) for sid, ids in report.get("stories", {}).items()}


def _change(sid: str, articles: Sequence[Article], previous: Mapping[str, set[str]]) -> str | None:
    if sid not in previous:
        return "new"
    return "updated" if {a.id for a in articles} - previous[sid] else None
