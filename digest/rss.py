"""RSS 2.0 (feedgen): the briefing's stories, or a rolling window of items across briefs.

Every item links to its story in the published HTML (RenderOptions.base_url), carries a
guid that is stable while the story's articles stay the same, and credits each summary
sentence's outlets in `content:encoded`.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator

from .models import Briefing, Story
from .render import (
    FILENAMES,
    RenderOptions,
    briefing_language,
    count,
    environment,
    latest_published,
    local_time,
    page_helpers,
    safe_href,
    story_link,
    xml_text,
)
from .serialize import aware

_FALLBACK_LINK = "http://localhost/"


@dataclass(frozen=True)
class FeedItem:
    """One RSS item: a story as one brief showed it."""

    story: Story
    link: str | None
    published: datetime


def item_guid(story: Story) -> str:
    """Stable for a story with the same articles; a story that grew is a new item."""
    version = hashlib.sha1("\n".join(sorted(a.id for a in story.articles)).encode()).hexdigest()[:10]
    return f"digest:story:{xml_text(story.id)}:{version}"


def briefing_items(briefing: Briefing, options: RenderOptions) -> list[FeedItem]:
    return [FeedItem(s, story_link(s, options), latest_published(s) or aware(briefing.generated_at))
            for s in briefing.stories]


def _plain_summary(story: Story) -> str:
    """The summary as text, HTML-escaped once: readers treat RSS descriptions as HTML. A story
    with no summary (headlines alone) gives its headlines, each with its outlet, as the brief does."""
    headlines = (f"{a.title} ({a.outlet})" if a.outlet else a.title for a in story.articles if a.title)
    text = " ".join(sentence.text for sentence in story.summary) or " · ".join(headlines) or story.headline
    return html.escape(xml_text(text), quote=False)


def _channel_link(briefing: Briefing, options: RenderOptions) -> str:
    if options.folder_url:
        return options.folder_url
    links = (safe_href(a.url) for story in briefing.stories for a in story.articles)
    return next((link for link in links if link), _FALLBACK_LINK)


def _channel(briefing: Briefing, options: RenderOptions) -> FeedGenerator:
    feed = FeedGenerator()
    outlets = {outlet for story in briefing.stories for outlet in story.outlets}
    generated = local_time(briefing.generated_at, options.zone)
    feed.title(xml_text(briefing.title) or "digest")
    if options.folder_url:
        feed.link(href=options.folder_url + FILENAMES["rss"], rel="self")
    # feedgen makes the last link added the RSS <link>, so the alternate one goes last.
    feed.link(href=_channel_link(briefing, options), rel="alternate")
    stories = count(len(briefing.stories), "story", "stories")
    feed.description(html.escape(f"{stories} from {count(len(outlets), 'outlet')}, {generated}", quote=False))
    feed.language(briefing_language(briefing))
    feed.lastBuildDate(aware(briefing.generated_at))
    feed.generator("digest")
    return feed


def render_rss(briefing: Briefing, options: RenderOptions | None = None,
               items: Sequence[FeedItem] | None = None) -> bytes:
    """The briefing's stories as RSS 2.0, or the given `items` (a rolling feed) under its channel."""
    options = options or RenderOptions()
    feed = _channel(briefing, options)
    item_template = environment().get_template("feed_item.html")
    for item in briefing_items(briefing, options) if items is None else items:
        entry = feed.add_entry(order="append")  # feedgen prepends by default; keep the brief's order
        entry.title(xml_text(item.story.headline))
        entry.guid(item_guid(item.story), permalink=False)
        if item.link and (link := safe_href(item.link)):
            entry.link(href=link)
        entry.pubDate(aware(item.published))
        entry.description(_plain_summary(item.story))
        # CDATA holds the HTML as is; the template escaped every text, so "]]>" cannot occur.
        entry.content(item_template.render(story=item.story, **page_helpers(options)), type="CDATA")
    return feed.rss_str(pretty=True)

