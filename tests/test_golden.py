"""Golden tests on the demo brief: HTML, PDF and RSS checked against its own briefing.json.

The demo (examples/demo) runs twice from a temporary copy. Every expectation comes from
briefing.json (every story, every chip, every article link), so a change in clustering or
summaries does not break these tests, while anything the renderers drop does.
"""

from __future__ import annotations

import email.utils
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import pytest
from pypdf import PdfReader

from digest import pipeline
from digest.config import load_config

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
BASE_URL = "https://news.example.org/brief/"
ZONE = ZoneInfo("Asia/Jakarta")
NOW = datetime(2024, 6, 21, 6, 0, tzinfo=ZONE)
DATE = "2024-06-21"


class Demo:
    """The demo's output after two runs, and what the first run's feed looked like."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(DEMO, root / "examples" / "demo")
        config_path = root / "examples" / "demo" / "feeds.yaml"
        config_path.write_text(config_path.read_text("utf-8") + f"\nbase_url: {BASE_URL}\n", "utf-8")
        config = load_config(config_path)
        self.out = root / "out" / "demo"
        pipeline.run(config, now=NOW)
        self.first_feed = (self.out / "feed.xml").read_bytes()
        self.first_json = json.loads((self.out / DATE / "briefing.json").read_text("utf-8"))
        pipeline.run(config, now=NOW)  # a second run the same day replaces the dated brief
        self.folder = self.out / DATE
        self.brief: dict[str, Any] = json.loads((self.folder / "briefing.json").read_text("utf-8"))
        self.html = (self.folder / "briefing.html").read_text("utf-8")
        self.pdf = (self.folder / "briefing.pdf").read_bytes()
        self.feed = (self.out / "feed.xml").read_bytes()
        self.index = (self.out / "index.html").read_text("utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return Demo(tmp_path_factory.mktemp("golden"))


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if name in (el.get("class") or "").split()]


def text_of(element: ET.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def web(url: str | None) -> bool:
    return bool(url) and url.startswith(("http://", "https://"))  # type: ignore[union-attr]


def plural(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def test_the_demo_brief_has_its_six_stories(demo: Demo) -> None:
    assert len(demo.brief["stories"]) == 6
    assert [s["id"] for s in demo.brief["stories"]] == [s["id"] for s in demo.first_json["stories"]]


# --- HTML --------------------------------------------------------------------------------


def test_html_shows_every_story_in_the_brief_order(demo: Demo) -> None:
    root = ET.fromstring(demo.html)
    stories = demo.brief["stories"]
    articles = root.findall(".//main/article")
    assert [a.get("id") for a in articles] == [f"story-{s['id']}" for s in stories]
    assert [text_of(with_class(a, "headline")[0]) for a in articles] == [s["headline"] for s in stories]
    assert [a.get("lang") for a in articles] == [s["language"] for s in stories]
    toc = [a.get("href") for a in root.find(".//nav").iter("a")]
    assert toc == [f"#story-{s['id']}" for s in stories]


def test_html_credits_every_sentence_with_chips_linking_its_articles(demo: Demo) -> None:
    root = ET.fromstring(demo.html)
    for story in demo.brief["stories"]:
        element = root.find(f".//article[@id='story-{story['id']}']")
        items = element.findall(".//ul[@class='summary']/li")
        assert [text_of(with_class(li, "sentence")[0]) for li in items] == [s["text"] for s in story["summary"]]
        articles = {a["id"]: a for a in story["articles"]}
        for item, sentence in zip(items, story["summary"]):
            chips = with_class(item, "chip")
            assert [c.text for c in chips] == list(dict.fromkeys(sentence["outlets"]))
            for chip in chips:
                credited = [articles[i] for i in sentence["article_ids"] if articles[i]["outlet"] == chip.text]
                links = [a["url"] for a in credited if web(a["url"])]
                assert chip.get("href") == (links[0] if links else None), (story["headline"], chip.text)


def test_html_lists_every_article_with_its_link_and_local_time(demo: Demo) -> None:
    root = ET.fromstring(demo.html)
    for story in demo.brief["stories"]:
        element = root.find(f".//article[@id='story-{story['id']}']")
        rows = element.findall(".//ol[@class='article-list']/li")
        assert len(rows) == len(story["articles"])
        for row, article in zip(rows, story["articles"]):
            assert text_of(with_class(row, "outlet")[0]) == article["outlet"]
            title = with_class(row, "article-title")[0]
            assert text_of(title) == article["title"]
            link = title.find("a")
            assert (link.get("href") if link is not None else None) == (article["url"] if web(article["url"]) else None)
            time = row.find(".//time")
            if article["published"] is None:
                assert time is None
                continue
            local = datetime.fromisoformat(article["published"]).astimezone(ZONE)
            day = f"{local.day} {local:%b} {local.year}"
            assert time.text in (day, f"{day}, {local:%H:%M} WIB")
            assert (time.text == day) == (local.hour == local.minute == 0)  # a bare date shows no 00:00


def test_html_counts_and_covers_every_outlet(demo: Demo) -> None:
    root = ET.fromstring(demo.html)
    for story in demo.brief["stories"]:
        element = root.find(f".//article[@id='story-{story['id']}']")
        counts = text_of(with_class(element, "counts")[0])
        assert counts == " · ".join([plural(len(story["articles"]), "article"), plural(len(story["outlets"]), "outlet"),
                                     plural(story["independent_reports"], "independent report")])
        line = with_class(element, "coverage-line")[0]
        assert [text_of(o[0]) for o in with_class(line, "coverage-outlet")] == story["outlets"]
        assert len(with_class(element, "seg")) == len(story["articles"])
        change = with_class(element, "badge")
        assert [text_of(b) for b in change] == ([f"{story['change'].capitalize()} since the last brief"]
                                                if story["change"] else [])


def test_html_is_self_contained_and_accessible(demo: Demo) -> None:
    root = ET.fromstring(demo.html)
    assert not root.findall(".//script") and not root.findall(".//img")
    assert not root.findall(".//link")  # no external stylesheet or font
    assert "@import" not in demo.html and "url(" not in demo.html
    assert [el.tag for el in root.find("body")] == ["a", "header", "main", "footer"]
    assert root.find(".//nav").get("aria-labelledby") == "toc-title"
    for link in root.iter("a"):
        assert link.get("href", "").startswith(("http://", "https://", "#")), link.get("href")
        assert text_of(link), "every link has text"


def test_archive_links_the_brief(demo: Demo) -> None:
    root = ET.fromstring(demo.index)
    hrefs = [a.get("href") for a in root.iter("a")]
    assert f"{DATE}/briefing.html" in hrefs and f"{DATE}/briefing.pdf" in hrefs
    assert hrefs.count(f"{DATE}/briefing.html") == 2  # the date and the "HTML" link
    assert len(with_class(root, "archive-entry")) == 1  # the second run replaced the same day's brief


# --- PDF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf(demo: Demo) -> PdfReader:
    return PdfReader(io.BytesIO(demo.pdf))


def test_pdf_pages_are_numbered(pdf: PdfReader) -> None:
    pages = len(pdf.pages)
    assert pages >= 3  # contents and stories, then the sources
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()
    assert float(pdf.pages[0].mediabox.width) == pytest.approx(595.3, abs=1)  # A4


def test_pdf_contents_give_the_right_page_of_every_story(demo: Demo, pdf: PdfReader) -> None:
    stories = demo.brief["stories"]
    pages = {name: pdf.get_destination_page_number(dest) + 1 for name, dest in pdf.named_destinations.items()}
    cover = pdf.pages[0].extract_text()
    numbers = [int(n) for n in re.findall(r"\.{4,}\s*(\d+)", cover)]
    assert numbers == [pages[f"story-{s['id']}"] for s in stories] + [pages["sources"]]
    for story in stories:  # the headline is on the page the contents promise
        assert flat(story["headline"]) in flat(pdf.pages[pages[f"story-{story['id']}"] - 1].extract_text())
    links = {a.get_object().get("/Dest") for a in pdf.pages[0].get("/Annots", [])}
    assert {f"story-{s['id']}" for s in stories} | {"sources"} <= links
    outline = [item.title for item in pdf.outline[1] if not isinstance(item, list)]
    assert outline == [s["headline"] for s in stories] + ["Sources"]


def test_pdf_has_every_headline_outlet_and_full_url(demo: Demo, pdf: PdfReader) -> None:
    text = flat("\n".join(page.extract_text() for page in pdf.pages))
    squeezed = re.sub(r"\s+", "", text)  # long URLs wrap across lines
    for story in demo.brief["stories"]:
        assert flat(story["headline"]) in text
        for outlet in story["outlets"]:
            assert outlet in text
        for article in story["articles"]:
            if web(article["url"]):
                assert article["url"] in squeezed
    links = {a.get_object()["/A"].get("/URI") for page in pdf.pages for a in page.get("/Annots", [])
             if "/A" in a.get_object()}
    chips = {a["url"] for s in demo.brief["stories"] for a in s["articles"] if web(a["url"])}
    assert chips <= links  # every web article is clickable in the PDF too


def test_pdf_keeps_headlines_with_their_story(demo: Demo, pdf: PdfReader) -> None:
    """No orphaned headline: the page that shows a headline also shows the story's first sentence."""
    for story in demo.brief["stories"]:
        first_words = " ".join(story["summary"][0]["text"].split()[:6])
        pages = [flat(page.extract_text()) for page in pdf.pages]
        holding = [i for i, text in enumerate(pages) if flat(story["headline"]) in text]
        assert any(first_words in pages[i] for i in holding), story["headline"]


# --- RSS ---------------------------------------------------------------------------------


def test_rss_is_clean_with_stable_unique_guids(demo: Demo) -> None:
    first, second = feedparser.parse(demo.first_feed), feedparser.parse(demo.feed)
    for feed in (first, second):
        assert feed.bozo == 0, feed.get("bozo_exception")
        assert feed.version == "rss20"
    guids = [entry.id for entry in second.entries]
    assert len(guids) == len(set(guids)) == len(demo.brief["stories"])
    assert [entry.id for entry in first.entries] == guids  # the second run added nothing, changed nothing
    assert demo.feed.count(b'isPermaLink="false"') == len(guids)


def test_rss_items_link_to_their_story_in_the_published_brief(demo: Demo) -> None:
    feed = feedparser.parse(demo.feed)
    assert feed.feed.link == BASE_URL
    assert any(link.get("rel") == "self" and link.href == BASE_URL + "feed.xml" for link in feed.feed.links)
    ids = {el.get("id") for el in ET.fromstring(demo.html).iter() if el.get("id")}
    by_headline = {s["headline"]: s for s in demo.brief["stories"]}
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    items = ET.fromstring(demo.feed).findall("channel/item")
    assert len(items) == len(feed.entries) == len(demo.brief["stories"])
    for entry, item in zip(feed.entries, items):
        story = by_headline[entry.title]
        assert entry.link == f"{BASE_URL}{DATE}/briefing.html#story-{story['id']}"
        assert entry.link.split("#")[1] in ids
        content = ET.fromstring(f"<div>{item.find(encoded).text}</div>")  # the HTML, escaped once, parses
        sentences = content.findall("ul/li")
        assert [li.text.strip() for li in sentences] == [s["text"] for s in story["summary"]]
        for li, sentence in zip(sentences, story["summary"]):
            assert text_of(li.find("small")) == f"({', '.join(dict.fromkeys(sentence['outlets']))})"
        credits = text_of(content.find("p"))
        assert all(outlet in credits for outlet in story["outlets"])


def test_rss_dates_are_rfc_822(demo: Demo) -> None:
    pub_dates = re.findall(rb"<pubDate>(.*?)</pubDate>", demo.feed)
    assert len(pub_dates) == len(demo.brief["stories"])
    for raw in [*pub_dates, *re.findall(rb"<lastBuildDate>(.*?)</lastBuildDate>", demo.feed)]:
        value = raw.decode()
        assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", value), value
        assert email.utils.parsedate_to_datetime(value).tzinfo is not None
    for entry in feedparser.parse(demo.feed).entries:
        assert entry.published_parsed is not None
