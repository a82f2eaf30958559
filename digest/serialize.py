"""briefing.json and story snapshots: the JSON form of the model, and back.

The schema is INTERFACE.md's, plus documented additions: per story `independent_reports`,
`language` and `change`; per article `copy_of`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .models import Article, Briefing, SourceReport, Story, SummarySentence


def aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so every output carries an explicit offset."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _article_dict(article: Article) -> dict[str, Any]:
    published = aware(article.published).isoformat() if article.published else None
    return {"id": article.id, "title": article.title, "url": article.url, "outlet": article.outlet,
            "published": published, "language": article.language, "headline_only": article.headline_only}


def _story_dict(story: Story) -> dict[str, Any]:
    summary = [{"text": s.text, "outlets": list(s.outlets), "article_ids": list(s.article_ids)}
               for s in story.summary]
    copies = dict(story.copies)
    articles = [{**_article_dict(a), "copy_of": copies.get(a.id)} for a in story.articles]
    # Beyond INTERFACE.md: change since the previous brief, and the syndication count.
    return {"id": story.id, "headline": story.headline, "summary": summary, "articles": articles,
            "outlets": list(story.outlets), "independent_reports": story.independent_reports,
            "language": story.language, "change": story.change}


def _source_dict(source: SourceReport) -> dict[str, Any]:
    return {"name": source.name, "status": source.status, "articles": source.articles, "error": source.error,
            "dropped": dict(source.dropped)}


def briefing_to_dict(briefing: Briefing) -> dict[str, Any]:
    """Exactly the `briefing.json` schema of INTERFACE.md."""
    return {"title": briefing.title, "generated_at": aware(briefing.generated_at).isoformat(),
            "stories": [_story_dict(s) for s in briefing.stories],
            "sources": [_source_dict(s) for s in briefing.sources]}


def story_to_json(story: Story) -> str:
    return json.dumps(_story_dict(story), ensure_ascii=False)


def story_from_json(text: str) -> Story:
    """The inverse of story_to_json: a story as a past brief showed it (for rolling feeds)."""
    data = json.loads(text)
    articles = tuple(
        Article(id=a["id"], title=a["title"], text="", outlet=a["outlet"], language=a["language"],
                source=a["outlet"], url=a["url"], published=datetime.fromisoformat(a["published"]) if a["published"] else None,
                headline_only=bool(a.get("headline_only")))
        for a in data["articles"]
    )
    summary = tuple(SummarySentence(s["text"], tuple(s["outlets"]), tuple(s["article_ids"])) for s in data["summary"])
    copies = tuple((a["id"], a["copy_of"]) for a in data["articles"] if a.get("copy_of"))
    language = articles[0].language if articles else "und"
    return Story(data["id"], data["headline"], summary, articles, data.get("language", language), copies,
                 data.get("change"))


def render_json(briefing: Briefing) -> bytes:
    return (json.dumps(briefing_to_dict(briefing), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
