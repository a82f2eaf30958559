"""The data that flows between pipeline stages: immutable, typed, free of I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone


@dataclass(frozen=True)
class Document:
    """One raw input as a reader found it, before cleaning.

    `text` is plain text with paragraphs separated by blank lines; readers of HTML
    have already extracted the main text. Fields a reader could not find are None.
    """

    source: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    language: str | None = None
    id: str | None = None
    # True when the reader already isolated the article body (trafilatura, JSONL,
    # feed content), so cleaning must not look for page chrome around it.
    extracted: bool = False


@dataclass(frozen=True)
class Article:
    """A cleaned article: `text` holds only body paragraphs, separated by blank lines.

    A headline-only article (`headline_only`: a feed entry, JSONL line or page with a title
    and no usable text) has an empty `text`: it is coverage all the same, grouped into its
    story by its title, listed and counted, never quoted in a summary."""

    id: str
    title: str
    text: str
    outlet: str
    language: str
    source: str
    url: str | None = None
    published: datetime | None = None
    headline_only: bool = False

    def __post_init__(self) -> None:
        # Every stage compares and sorts dates: a naive one (taken as UTC) would raise there.
        if self.published is not None and self.published.tzinfo is None:
            object.__setattr__(self, "published", self.published.replace(tzinfo=timezone.utc))

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for p in self.text.split("\n\n") if p.strip())


@dataclass(frozen=True)
class SummarySentence:
    """A verbatim sentence, credited to every article (and outlet) that carries it."""

    text: str
    outlets: tuple[str, ...]
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    id: str
    headline: str
    summary: tuple[SummarySentence, ...]
    articles: tuple[Article, ...]
    language: str
    # (copy's article id, original's article id): syndicated copies, not independent reports
    copies: tuple[tuple[str, str], ...] = ()
    change: str | None = None  # "new" | "updated" since the previous brief, None if unchanged

    @property
    def independent_reports(self) -> int:
        return len(self.articles) - len(self.copies)

    @property
    def outlets(self) -> tuple[str, ...]:
        """Every outlet of the story, once each, in article order."""
        return tuple(dict.fromkeys(a.outlet for a in self.articles))


# Why an entry of a source was not kept (SourceReport.dropped): nothing is dropped silently.
DUPLICATE = "duplicate"  # the same article as one kept (same URL, or same text and outlet)
NO_TEXT_OR_TITLE = "no text or title"
NOT_AN_ARTICLE = "not an article"  # nothing of an article left after cleaning, and no headline
UNREADABLE = "unreadable"  # a JSONL line that is no JSON object, a file of a folder that cannot be read
CLEANING_FAILED = "cleaning failed"
OVER_ENTRY_LIMIT = "over the entry limit"  # a feed's entries beyond the newest 500


@dataclass(frozen=True)
class SourceReport:
    """What happened to one source (input, feed) during a run: `articles` it has (new or
    stored before), and the entries it `dropped`, counted by reason."""

    name: str
    status: str  # "ok" | "not-modified" | "failed"
    articles: int = 0
    error: str | None = None
    dropped: dict[str, int] = field(default_factory=dict)

    def dropping(self, counts: Mapping[str, int]) -> SourceReport:
        """This report with `counts` more entries dropped (reason -> count)."""
        merged = Counter(self.dropped)
        merged.update(counts)
        return replace(self, dropped={reason: n for reason, n in sorted(merged.items()) if n > 0})


@dataclass(frozen=True)
class Briefing:
    title: str
    generated_at: datetime
    stories: tuple[Story, ...]
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)
