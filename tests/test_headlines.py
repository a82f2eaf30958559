"""Headline-only coverage: feeds and exports that carry titles and links but no text.

Real headlines (the UCI News Aggregator sample: five Google News stories of 10-12 March 2014,
five headlines each, with their outlets and links) come in as a JSONL export without text
and as an RSS feed of title+link entries whose pages answer 403. Either way every headline
is an article of exactly one story, listed with its outlet, and never quoted as a summary.
"""

import json
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import feedparser
import pytest
import yaml
from click.testing import CliRunner

from digest.cli import DROPPED_SOURCES_SHOWN, _echo_dropped, cli
from digest.models import SourceReport

UCI = Path(__file__).resolve().parents[2] / "shared" / "eval" / "uci_news_aggregator_sample" / "docs.jsonl"
STORIES = 5


@pytest.fixture(scope="module")
def headlines() -> list[dict]:
    docs = [json.loads(line) for line in UCI.read_text("utf-8").splitlines() if line.strip()]
    labels = sorted({d["label"] for d in docs})[:STORIES]
    return [d for d in docs if d["label"] in labels]


def run(root: Path, feeds: list[dict]) -> tuple[object, dict]:
    config = {"title": "Headlines", "timezone": "UTC", "database": "var/t.db", "out": "out", "window": "all",
              "formats": ["json", "html", "rss"], "briefing": {"min_articles": 1, "max_stories": 0},
              "fetch": {"connect_timeout": 1, "read_timeout": 1, "total_timeout": 3, "retries": 0},
              "feeds": feeds}
    path = root / "feeds.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    result = CliRunner().invoke(cli, ["run", "--config", str(path)])
    (folder,) = [p for p in (root / "out").iterdir() if p.is_dir()]
    return result, json.loads((folder / "briefing.json").read_text("utf-8"))


def one_line(title: str) -> str:
    return " ".join(title.split())


def assert_every_headline_in_one_story(brief: dict, headlines: list[dict]) -> None:
    listed = [(a["title"], a["outlet"]) for s in brief["stories"] for a in s["articles"]]
    assert sorted(listed) == sorted((one_line(d["title"]), d["source"]) for d in headlines)
    assert all(a["headline_only"] for s in brief["stories"] for a in s["articles"])
    assert all(s["summary"] == [] for s in brief["stories"])
    # the stories are the events: most of each event's headlines together, no two events mixed
    story_of = {(a["title"], a["outlet"]): n for n, s in enumerate(brief["stories"]) for a in s["articles"]}
    story = [story_of[one_line(d["title"]), d["source"]] for d in headlines]
    for label in {d["label"] for d in headlines}:
        mine = [n for n, d in zip(story, headlines) if d["label"] == label]
        assert max(map(mine.count, mine)) >= 3, mine
    events = {n: {d["label"] for m, d in zip(story, headlines) if m == n} for n in story}
    assert all(len(labels) == 1 for labels in events.values()), events


def test_a_jsonl_of_headlines_gives_stories_listing_every_headline(tmp_path, headlines):
    export = tmp_path / "headlines.jsonl"
    export.write_text("".join(json.dumps({"id": d["doc_id"], "title": d["title"], "url": d["url"],
                                          "outlet": d["source"], "published": d["date"]}) + "\n"
                              for d in headlines), "utf-8")
    result, brief = run(tmp_path, [{"name": "Aggregator", "url": str(export)}])
    assert result.exit_code == 0, result.output
    assert_every_headline_in_one_story(brief, headlines)
    assert brief["sources"] == [{"name": "Aggregator", "status": "ok", "articles": len(headlines), "error": None,
                                 "dropped": {}}]
    html = next((tmp_path / "out").glob("*/briefing.html")).read_text("utf-8")
    assert "Headlines only" in html and "headline only" in html
    assert escape(headlines[0]["title"]) in html
    # an RSS reader that shows only an item's description sees every headline with its outlet
    items = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes()).entries
    descriptions = " ".join(item.summary for item in items)
    assert all(f"{one_line(d['title'])} ({d['source']})" in descriptions for d in headlines)


def test_a_feed_of_titles_and_links_whose_pages_answer_403_gives_every_headline(tmp_path, http_server, headlines):
    base = http_server.url
    items = []
    for d in headlines:
        parts = urlsplit(d["url"])
        path = f"/{parts.hostname}{parts.path}"  # the outlet's own address, on 127.0.0.1
        http_server.route(path, status=403, body=b"<html><title>403 Forbidden</title></html>")
        link = base + path
        date = format_datetime(datetime.fromisoformat(d["date"]).replace(tzinfo=timezone.utc))
        items.append(f"<item><title>{escape(d['title'])}</title><link>{escape(link)}</link>"
                     f"<source url=\"{escape(d['url'])}\">{escape(d['source'])}</source><pubDate>{date}</pubDate></item>")
    feed = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Ticker</title>'
            f"<link>{base}/</link><description>x</description>{''.join(items)}</channel></rss>").encode()
    url = http_server.route("/ticker.xml", body=feed, headers={"Content-Type": "application/rss+xml"})
    result, brief = run(tmp_path, [{"name": "Ticker", "url": url}])
    assert result.exit_code == 0, result.output
    assert_every_headline_in_one_story(brief, headlines)  # each entry names its outlet (<source>)
    assert brief["sources"][0]["articles"] == len(headlines) and brief["sources"][0]["dropped"] == {}


def test_lines_without_text_or_title_and_duplicates_are_reported_as_dropped(tmp_path, headlines):
    export = tmp_path / "export.jsonl"
    first = headlines[0]
    lines = [{"id": d["doc_id"], "title": d["title"], "url": d["url"], "outlet": d["source"]} for d in headlines[:3]]
    lines += [{"id": "copy", "title": first["title"], "url": first["url"], "outlet": first["source"]},  # same URL
              {"id": "empty", "text": " ", "title": ""}, {"id": "nav", "title": "Home"}]
    export.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n", "utf-8")
    result, brief = run(tmp_path, [{"name": "Export", "url": str(export)}])
    assert result.exit_code == 0, result.output
    dropped = {"duplicate": 1, "no text or title": 1, "not an article": 1, "unreadable": 1}
    assert brief["sources"][0] == {"name": "Export", "status": "ok", "articles": 3, "error": None, "dropped": dropped}
    assert "Dropped 4 entries (1 duplicate, 1 no text or title, 1 not an article, 1 unreadable):" in result.output
    assert "Export  1 duplicate, 1 no text or title, 1 not an article, 1 unreadable" in result.output


def test_the_run_summary_totals_drops_by_reason_and_names_the_sources_that_dropped_most(capsys):
    sources = [SourceReport(f"Feed {n:02d}", "ok", 5, None, {"duplicate": n % 3 + 1}) for n in range(14)]
    sources += [SourceReport("Quiet", "ok", 5), SourceReport("Export", "ok", 5, None, {"not an article": 9})]
    _echo_dropped(sources)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Dropped 36 entries (27 duplicate, 9 not an article):"
    assert lines[1].split() == ["Export", "9", "not", "an", "article"]  # the most first
    assert len(lines) == 1 + DROPPED_SOURCES_SHOWN + 1 and "Quiet" not in "".join(lines)
    assert lines[-1] == '  and 5 more sources (briefing.json "sources" lists every one)'
