"""Pipelines: build the whole model (Briefing) from inputs, then hand it to the writers."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from .clean import clean_text
from .extract import find_date, outlet_from_url
from .fetch import FetchLimits
from .language import detect, get_language
from .models import Article, Briefing, Document, SourceReport, Story
from .readers import InputError, InputSpec, read_input
from .summarize import SummaryOptions, choose_headline, story_language, summarize

log = logging.getLogger(__name__)


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
    for raw in request.inputs:
        found, report = _read_source(InputSpec.parse(raw), request.tz, request.limits)
        articles.extend(a for a in found if a.id not in {b.id for b in articles})
        reports.append(report)
    if not articles:
        raise NothingToSummarize("no usable article in the inputs")
    story = make_story(articles, request.summary, request.title)
    return Briefing(
        title=request.title or story.headline,
        generated_at=datetime.now(request.tz),
        stories=(story,),
        sources=tuple(reports),
    )


def _read_source(spec: InputSpec, tz: tzinfo, limits: FetchLimits) -> tuple[list[Article], SourceReport]:
    name = spec.name or spec.target
    try:
        documents = read_input(spec, tz, limits)
    except InputError as exc:
        log.warning("%s", exc)
        return [], SourceReport(name, "failed", 0, str(exc))
    articles = []
    for doc in documents:
        article = to_article(doc, tz)
        if article is None:
            log.warning("%s: no article text left after cleaning", doc.url or doc.source)
        else:
            articles.append(article)
    if not articles:
        return [], SourceReport(name, "failed", 0, "no article text found")
    return articles, SourceReport(name, "ok", len(articles))


def to_article(doc: Document, tz: tzinfo = timezone.utc) -> Article | None:
    """Clean a document into an Article, filling title, outlet, language and date."""
    language = detect(doc.text, hint=doc.language)
    cleaned = clean_text(doc.text, get_language(language), title=doc.title)
    if not cleaned.paragraphs:
        return None
    if not doc.language:
        language = detect(cleaned.text)  # the body alone is a cleaner signal than the page
    dropped = [line for line, reason in cleaned.dropped if reason in ("caption", "repeated")]
    published = doc.published or find_date([*cleaned.header, *cleaned.paragraphs[:3], *dropped], tz)
    return Article(
        id=doc.id or doc.url or "sha1:" + hashlib.sha1(cleaned.text.encode()).hexdigest()[:16],
        title=cleaned.title or _first_words(cleaned.paragraphs[0]),
        text=cleaned.text,
        outlet=_outlet(doc, cleaned.dateline_outlet),
        language=language,
        source=doc.source,
        url=doc.url,
        published=published,
    )


def _outlet(doc: Document, dateline: str | None) -> str:
    """Explicit or page metadata first, then the dateline, then the URL host or file name."""
    if doc.outlet:
        return doc.outlet
    if dateline:
        return dateline
    if doc.url and (host := outlet_from_url(doc.url)):
        return host
    return Path(doc.source).stem or doc.source


def _first_words(text: str, count: int = 12) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def make_story(articles: Sequence[Article], options: SummaryOptions, headline: str | None = None) -> Story:
    ordered = sorted(articles, key=_chronological)
    return Story(
        id=story_id(a.id for a in ordered),
        headline=headline or choose_headline(ordered),
        summary=summarize(ordered, options),
        articles=tuple(ordered),
        language=story_language(ordered),
    )


def _chronological(article: Article) -> tuple:
    stamp = article.published.timestamp() if article.published else float("inf")
    return (stamp, article.outlet.lower(), article.id)


def story_id(article_ids) -> str:
    digest = hashlib.sha1("\n".join(sorted(article_ids)).encode()).hexdigest()
    return digest[:12]


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "story"
