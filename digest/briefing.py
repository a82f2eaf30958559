"""The daily briefing from the stored stories: the window's stories ranked, summarized and
marked new or updated since the last run.

Summarizing is pure Python, and a brief of every story in a big window summarizes thousands
of them: when there are many articles to summarize, the stories are shared out among worker
processes, one per core (digest.workers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from . import progress
from .config import Config
from .models import Article, Briefing, SourceReport, Story
from .stages import stage
from .store import Store
from .summarize import SummaryOptions, choose_headline, story_language, summarize
from .workers import spread

# Fewer articles to summarize than this are summarized in this process: a worker costs a
# second or two to start (it imports the summarizer).
ARTICLES_PER_PROCESS = 1000


def chronological(article: Article) -> tuple:
    stamp = article.published.timestamp() if article.published else float("inf")
    return (stamp, article.outlet.lower(), article.id)


def daily_briefing(store: Store, config: Config, now: datetime, reports: tuple[SourceReport, ...],
                   since: datetime | None) -> Briefing:
    """The window's stories with enough articles, ranked, summarized, marked new/updated."""
    previous = _previous_stories(store)
    candidates = []
    for sid in store.stories_updated_since(since):
        articles = sorted(store.story_articles(sid), key=chronological)
        if len(articles) >= config.briefing.min_articles:
            copies = store.duplicates(a.id for a in articles)
            candidates.append((sid, articles, copies, _change(sid, articles, previous)))
    candidates.sort(key=_rank, reverse=True)
    if config.briefing.max_stories:
        candidates = candidates[: config.briefing.max_stories]
    options = SummaryOptions(config.summary.algorithm, config.summary.sentences, config.summary.max_words)
    progress.add_total("summarize", len(candidates))
    with stage("summarize"):
        stories = spread(summarize_stories, candidates, [len(c[1]) for c in candidates], ARTICLES_PER_PROCESS,
                         options)
    progress.update("summarize", done=True)
    return Briefing(config.title, now, tuple(stories), reports)


def summarize_stories(candidates: Sequence[tuple], options: SummaryOptions) -> list[Story]:
    """Each (story id, articles, copies, change) as a Story, in whichever process it runs."""
    stories = []
    for sid, articles, copies, change in candidates:
        stories.append(Story(sid, choose_headline(articles), summarize(articles, options), tuple(articles),
                             story_language(articles), tuple(sorted(copies.items())), change))
        progress.advance("summarize")
    return stories


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
