"""The render stage: HTML, PDF, RSS and JSON as readers and feed clients get them."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from pypdf import PdfReader

from digest import render
from digest.models import Article, Briefing, SourceReport, Story, SummarySentence
from digest.render import (
    FORMATS,
    RenderOptions,
    TemplatesOnlyFetcher,
    render_html,
    render_pdf,
    render_rss,
    write_atomic,
    write_briefing,
)
from digest.serialize import briefing_to_dict, render_json

WIB = timezone(timedelta(hours=7))
HOSTILE_TITLE = '<script>alert(1)</script> "Quotes" & <img src="file:///etc/passwd"> ampersands'


def _article(id_: str, outlet: str, title: str, url: str | None, published: datetime | None,
             language: str = "id") -> Article:
    return Article(id=id_, title=title, text="Isi berita.", outlet=outlet, language=language,
                   source=outlet.lower(), url=url, published=published)


def hanoi_story() -> Story:
    articles = (
        _article("antara-1", "Antara", "Putin tiba di Hanoi setelah lawatan ke Pyongyang",
                 "https://www.antaranews.com/berita/4162341/putin-tiba-di-hanoi",
                 datetime(2024, 6, 20, 10, 55, tzinfo=timezone.utc)),
        _article("kompas-1", "Kompas", "Vietnam sambut Putin dengan upacara kenegaraan",
                 "https://internasional.kompas.com/read/2024/06/20/putin-vietnam",
                 datetime(2024, 6, 20, 16, 5, tzinfo=WIB)),
        _article("tempo-1", "Tempo", "Putin dan To Lam bahas energi dan pendidikan",
                 "https://dunia.tempo.co/read/1881234/putin-to-lam", None),
    )
    summary = (
        SummarySentence("Presiden Rusia Vladimir Putin tiba di Hanoi pada Rabu malam untuk kunjungan kenegaraan "
                        "dua hari ke Vietnam.", ("Antara", "Kompas"), ("antara-1", "kompas-1")),
        SummarySentence("Putin dan Presiden Vietnam To Lam menandatangani belasan dokumen kerja sama di bidang "
                        "energi, pendidikan, dan ilmu pengetahuan.", ("Tempo",), ("tempo-1",)),
        SummarySentence("Kunjungan ini merupakan yang kelima Putin ke Vietnam dan berlangsung sehari setelah "
                        "lawatannya ke Korea Utara.", ("Kompas",), ("kompas-1",)),
    )
    return Story("hanoi-2024", "Putin berkunjung ke Hanoi, Vietnam dan Rusia teken belasan kesepakatan",
                 summary, articles, "id")


def pyongyang_story() -> Story:
    articles = (
        _article("detik-1", "Detik", "Putin dan Kim Jong Un teken pakta pertahanan",
                 "https://news.detik.com/internasional/d-7400000/putin-kim", datetime(2024, 6, 19, 9, 30)),
        _article("cnn-1", "CNN Indonesia", "Isi perjanjian kemitraan strategis Rusia-Korut",
                 "https://www.cnnindonesia.com/internasional/20240619-rusia-korut",
                 datetime(2024, 6, 19, 14, 0, tzinfo=WIB)),
    )
    summary = (SummarySentence("Rusia dan Korea Utara sepakat saling membantu jika salah satu pihak diserang.",
                               ("Detik", "CNN Indonesia"), ("detik-1", "cnn-1")),)
    return Story("pyongyang-2024", "Rusia dan Korea Utara teken pakta saling bantu", summary, articles, "id")


def hostile_story() -> Story:
    articles = (
        _article("evil-1", 'Evil & "Co" <b>', HOSTILE_TITLE, "javascript:alert(1)", None),
        _article("nourl-1", "Без ссылки", "Ελληνικά και русский текст", None, None, language="ru"),
        _article("ar-1", "الجزيرة", "بوتين يصل إلى هانوي", "https://www.aljazeera.net/news/2024/6/20/putin",
                 datetime(2024, 6, 20, 12, 0, tzinfo=timezone.utc), language="ar"),
        _article("data-1", "Data", "data link", "data:text/html,<script>alert(1)</script>", None),
        _article("file-1", "File", "file link", "file:///etc/passwd", None),
    )
    summary = (
        SummarySentence("<script>alert(1)</script> said \"Tom & Jerry\" ]]> 'quoted'",
                        ('Evil & "Co" <b>', "Без ссылки"), ("evil-1", "nourl-1")),
        SummarySentence("وصل الرئيس الروسي إلى هانوي.", ("الجزيرة",), ("ar-1",)),
    )
    return Story("hostile-<1>", HOSTILE_TITLE, summary, articles, "ar")


def realistic_briefing(*stories: Story) -> Briefing:
    return Briefing(
        title="Ringkasan Harian",
        generated_at=datetime(2024, 6, 21, 6, 0, tzinfo=WIB),
        stories=stories or (hanoi_story(), pyongyang_story()),
        sources=(SourceReport("Antara", "ok", 12), SourceReport("Kompas", "not-modified"),
                 SourceReport("Reuters", "failed", 0, "HTTP 503 <Service Unavailable> & retry")),
    )


def full_briefing() -> Briefing:
    return realistic_briefing(hanoi_story(), pyongyang_story(), hostile_story())


OPTIONS = RenderOptions(base_url="https://news.example.org/brief", timezone="Asia/Jakarta")


# --- HTML ------------------------------------------------------------------------------------


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    """Elements whose class attribute holds `name` (ElementTree has no class selector)."""
    return [el for el in root.iter() if name in (el.get("class") or "").split()]


def text_of(element: ET.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


@pytest.fixture(scope="module")
def html_page() -> str:
    return render_html(full_briefing(), OPTIONS)


def test_html_is_well_formed_and_lists_every_story(html_page: str) -> None:
    root = ET.fromstring(html_page)
    assert root.tag == "html" and root.get("lang") == "id"
    assert [el.tag for el in root.find("body")] == ["a", "header", "main", "footer"]  # skip link first
    assert root.find("body/a").get("href") == "#main"
    articles = root.findall(".//article")
    assert [a.get("id") for a in articles] == ["story-hanoi-2024", "story-pyongyang-2024", "story-hostile-<1>"]
    assert [a.get("lang") for a in articles] == ["id", "id", "ar"]
    assert articles[2].get("dir") == "rtl"
    headlines = [text_of(h) for h in with_class(root, "headline")]
    assert headlines == [s.headline for s in full_briefing().stories]
    toc = root.find(".//nav[@class='toc']")
    assert [a.get("href") for a in toc.iter("a")] == [f"#{a.get('id')}" for a in articles]


def test_html_meta_line_counts_independent_reports(html_page: str) -> None:
    story = ET.fromstring(html_page).find(".//article[@id='story-hanoi-2024']")
    meta = text_of(with_class(story, "story-meta")[0])
    assert meta == "3 articles · 3 outlets · 3 independent reports · 20 Jun 2024, 17:55 WIB"  # the latest article
    copied = replace(hanoi_story(), articles=hanoi_story().articles + (
        _article("copy-1", "Republika", "Salinan", "https://republika.co.id/x", None),),
        copies=(("copy-1", "antara-1"),))
    story = ET.fromstring(render_html(realistic_briefing(copied), OPTIONS)).find(".//article")
    assert text_of(with_class(story, "counts")[0]) == "4 articles · 4 outlets · 3 independent reports"
    assert [s.get("class") for s in with_class(story, "seg")] == ["seg seg-report"] * 3 + ["seg seg-copy"]
    assert with_class(story, "coverage-bar")[0].get("aria-hidden") == "true"  # the counts say it in words
    rows = [text_of(li) for li in story.findall(".//ol[@class='article-list']/li")]
    assert "copy of Antara" in rows[3] and not any("copy of" in row for row in rows[:3])
    assert text_of(with_class(story, "coverage-line")[0]) == "Coverage: Antara · Kompas · Tempo · Republika (copy)"


def test_html_chips_link_each_sentence_to_its_articles(html_page: str) -> None:
    story = ET.fromstring(html_page).find(".//article[@id='story-hanoi-2024']")
    first = story.find(".//ul[@class='summary']/li")
    chips = {c.text: c.get("href") for c in with_class(first, "chip")}
    assert chips == {"Antara": "https://www.antaranews.com/berita/4162341/putin-tiba-di-hanoi",
                     "Kompas": "https://internasional.kompas.com/read/2024/06/20/putin-vietnam"}
    coverage = {a.text: a.get("href") for a in with_class(story, "coverage-line")[0].iter("a")}
    assert coverage == {"Antara": "https://www.antaranews.com/berita/4162341/putin-tiba-di-hanoi",
                        "Kompas": "https://internasional.kompas.com/read/2024/06/20/putin-vietnam",
                        "Tempo": "https://dunia.tempo.co/read/1881234/putin-to-lam"}


def test_html_article_rows_show_local_times(html_page: str) -> None:
    story = ET.fromstring(html_page).find(".//article[@id='story-hanoi-2024']")
    rows = story.findall(".//ol[@class='article-list']/li")
    assert [text_of(with_class(li, "article-meta")[0]) for li in rows] == [
        "Antara · 20 Jun 2024, 17:55 WIB", "Kompas · 20 Jun 2024, 16:05 WIB", "Tempo"]  # Tempo: no date known
    assert rows[0].find(".//time").get("datetime") == "2024-06-20T17:55:00+07:00"
    assert [li.get("lang") for li in rows] == ["id", "id", "id"]


def test_html_shows_a_date_alone_when_no_time_was_known() -> None:
    midnight = datetime(2024, 6, 20, 0, 0, tzinfo=render.ZoneInfo("Asia/Jakarta"))  # what readers give a bare date
    story = Story("d", "Tanggal saja", (), (_article("a", "A", "t", None, midnight),
                                              _article("b", "B", "u", None, datetime(2024, 6, 19, 17, 0))), "id")
    root = ET.fromstring(render_html(realistic_briefing(story), OPTIONS))
    times = [(t.text, t.get("datetime")) for t in root.findall(".//article//time")]
    assert times == [("20 Jun 2024", "2024-06-20")] * 3  # meta line, then both rows (17:00 UTC is 00:00 WIB)
    # The same instant shown in another zone was not midnight there: its time is real information.
    utc = ET.fromstring(render_html(realistic_briefing(story), RenderOptions(timezone="UTC")))
    assert utc.find(".//article//time").text == "19 Jun 2024, 17:00 UTC"


def test_html_marks_sentence_language_when_it_differs_from_the_story() -> None:
    english = _article("en-1", "Reuters", "Putin arrives in Hanoi", "https://www.reuters.com/x", None, language="en")
    story = replace(hanoi_story(), articles=hanoi_story().articles + (english,), summary=hanoi_story().summary + (
        SummarySentence("Putin arrived in Hanoi on Wednesday.", ("Reuters",), ("en-1",)),))
    items = ET.fromstring(render_html(realistic_briefing(story))).findall(".//ul[@class='summary']/li")
    assert [li.get("lang") for li in items] == [None, None, None, "en"]


def test_html_links_every_web_article_and_nothing_else(html_page: str) -> None:
    root = ET.fromstring(html_page)
    hrefs = {a.get("href") for a in root.iter("a")}
    for story in full_briefing().stories:
        for article in story.articles:
            if article.url and article.url.startswith("https://"):
                assert article.url in hrefs
    assert all(h.startswith(("https://", "#story-", "#main")) for h in hrefs)


def test_html_escapes_hostile_text(html_page: str) -> None:
    assert "<script" not in html_page.lower()
    assert "javascript:" not in html_page
    assert "<img" not in html_page
    root = ET.fromstring(html_page)
    assert not [a for a in root.iter("a") if not a.get("href", "").startswith(("https://", "#"))]
    hostile = root.find(".//article[@id='story-hostile-<1>']")
    assert text_of(hostile.find(".//h2")) == HOSTILE_TITLE  # shown as text, not dropped
    chip_names = {c.text for c in with_class(hostile, "chip")}
    assert chip_names == {'Evil & "Co" <b>', "Без ссылки", "الجزيرة"}
    sentences = with_class(hostile, "sentence")
    assert [s.text for s in sentences] == [s.text for s in hostile_story().summary]
    assert [s.get("dir") for s in sentences] == ["ltr", "rtl"]  # each sentence in its own direction
    assert root.find(".//style") is not None and not root.findall(".//script")


def test_html_footer_reports_sources(html_page: str) -> None:
    footer = "".join(ET.fromstring(html_page).find("body/footer").itertext())
    assert "Generated by digest" in footer
    assert "Reuters" in footer and "HTTP 503 <Service Unavailable> & retry" in footer
    assert "not modified" in footer


def test_html_footer_names_local_inputs_by_file_name_only() -> None:
    sources = (SourceReport("/home/ana/berita/antara.txt", "ok", 1), SourceReport("C:\\data\\kompas.html", "ok", 1),
               SourceReport("https://www.antaranews.com/rss/terkini.xml", "ok", 3), SourceReport("Tempo", "ok", 2))
    briefing = replace(realistic_briefing(), sources=sources)
    names = [el.text for el in with_class(ET.fromstring(render_html(briefing)), "source-name")]
    assert names == ["antara.txt", "kompas.html", "https://www.antaranews.com/rss/terkini.xml", "Tempo"]


def test_html_single_story_brief_does_not_repeat_its_title() -> None:
    story = hanoi_story()
    root = ET.fromstring(render_html(replace(realistic_briefing(story), title=story.headline), OPTIONS))
    assert text_of(root.find(".//h1")) == story.headline
    headline = with_class(root, "headline")[0]
    assert headline.get("class") == "headline visually-hidden" and text_of(headline) == story.headline
    assert root.find(".//nav") is None  # no contents for one story
    assert text_of(with_class(root, "dateline")[0]) == "Friday 21 Jun 2024, 06:00 WIB"
    titled = ET.fromstring(render_html(realistic_briefing(story), OPTIONS))  # another title: shown as usual
    assert with_class(titled, "headline")[0].get("class") == "headline"


def test_index_lists_briefs_newest_first_with_links() -> None:
    from digest.render import ArchiveEntry, render_index

    stories = tuple(replace(hanoi_story(), id=f"s{i}", headline=f"Berita {i}") for i in range(7))
    page = render_index('Brief & "Co"', [ArchiveEntry("2024-06-21", stories, True),
                                         ArchiveEntry("2024-06-20", stories[:1], False)], feed=True)
    root = ET.fromstring(page)
    assert root.find(".//title").text == 'Brief & "Co": archive'
    entries = with_class(root, "archive-entry")
    assert [text_of(e.find("h2")) for e in entries] == ["Friday 21 Jun 2024", "Thursday 20 Jun 2024"]
    first = [a.get("href") for a in entries[0].iter("a")]
    assert first[:3] == ["2024-06-21/briefing.html", "2024-06-21/briefing.html", "2024-06-21/briefing.pdf"]
    assert first[3:] == [f"2024-06-21/briefing.html#story-s{i}" for i in range(5)]
    assert text_of(with_class(entries[0], "archive-more")[0]) == "and 2 more stories"
    assert "briefing.pdf" not in page.split("2024-06-20/briefing.html")[-1]  # no PDF for that day
    assert root.find(".//link[@rel='alternate']").get("href") == "feed.xml"
    empty = ET.fromstring(render_index("Brief", [], feed=False))
    assert "No briefs yet." in text_of(empty) and empty.find(".//link[@rel='alternate']") is None


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("stylesheet, block", [("style.css", ":root {"), ("screen.css", "prefers-color-scheme: dark")])
def test_text_colours_meet_wcag_aa_in_light_and_dark(stylesheet: str, block: str) -> None:
    css = (render.templates_dir() / stylesheet).read_text("utf-8")
    palette = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css.split(block, 1)[1].split("}", 1)[0]))
    pairs = [("fg", "bg"), ("muted", "bg"), ("link", "bg"), ("bad", "bg"), ("chip-fg", "chip-bg"),
             ("new-fg", "new-bg"), ("upd-fg", "upd-bg"), ("link", "chip-bg")]
    for text, background in pairs:
        assert contrast(palette[text], palette[background]) >= 4.5, (stylesheet, text, background)


def test_html_strips_characters_xml_forbids() -> None:
    story = Story("s", "Judul\x0bdengan\x00kontrol", (), (_article("a", "Out\x1flet", "t", None, None),), "id")
    page = render_html(realistic_briefing(story))
    assert "Juduldengankontrol" in page
    ET.fromstring(page)


def test_html_marks_new_stories_only_with_a_previous_brief() -> None:
    briefing = realistic_briefing()
    assert not ET.fromstring(render_html(briefing)).findall(".//span[@class='badge']")
    page = render_html(briefing, RenderOptions(previous_ids=frozenset({"hanoi-2024"})))
    new = ET.fromstring(page).findall(".//span[@class='badge badge-new']")
    assert len(new) == 1 and new[0].text == "New"


def test_html_marks_updated_stories_from_the_pipeline() -> None:
    page = render_html(realistic_briefing(replace(hanoi_story(), change="updated"), pyongyang_story()))
    marks = with_class(ET.fromstring(page), "badge")
    assert [(m.get("class"), text_of(m)) for m in marks] == [("badge badge-updated", "Updated since the last brief")]
    assert with_class(marks[0], "visually-hidden")  # "since the last brief" is for screen readers


def test_empty_briefing_renders_everywhere() -> None:
    empty = Briefing("Kosong", datetime(2024, 6, 21, tzinfo=timezone.utc), ())
    assert "No stories" in render_html(empty)
    assert feedparser.parse(render_rss(empty)).bozo == 0
    assert json.loads(render_json(empty))["stories"] == []


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_text() -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(render_pdf(full_briefing(), OPTIONS)))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_contains_headlines_outlets_and_page_numbers(pdf_text: tuple[int, str]) -> None:
    pages, text = pdf_text
    flat = re.sub(r"\s+", " ", text)
    assert pages >= 2  # the story pages, then the source appendix
    for headline in (hanoi_story().headline, pyongyang_story().headline):
        assert headline in flat
    for outlet in ("Antara", "Kompas", "Tempo", "Detik", "CNN Indonesia", "Без ссылки"):
        assert outlet in flat
    assert f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat


def test_pdf_appendix_lists_full_urls_and_no_unsafe_ones(pdf_text: tuple[int, str]) -> None:
    flat = re.sub(r"\s+", "", pdf_text[1])  # long URLs wrap across lines
    assert "https://internasional.kompas.com/read/2024/06/20/putin-vietnam" in flat
    assert "javascript:" not in flat and "data:text" not in flat
    assert "<script>alert(1)</script>" in flat  # the hostile title is printed as text


def test_pdf_keeps_big_stories_and_many_inputs_brief_while_the_html_lists_all() -> None:
    """A 30-article story from 20 outlets prints one article per outlet up to 12 and says how
    many more there are; 25 inputs print as one line plus the one that failed."""
    start = datetime(2024, 6, 20, tzinfo=timezone.utc)
    articles = tuple(_article(f"a{i}", f"Outlet {i % 20}", f"Banjir rob ke-{i}", f"https://o{i % 20}.example/{i}",
                              start + timedelta(minutes=i)) for i in range(30))
    big = Story("big", "Banjir rob merendam pesisir utara", hanoi_story().summary, articles, "id")
    sources = tuple(SourceReport(f"Outlet {i}", "ok", 3) for i in range(24)) + (
        SourceReport("Reuters", "failed", 0, "HTTP 503"),)
    briefing = replace(realistic_briefing(big), sources=sources)
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(briefing))).pages))
    appendix = text[text.rindex("Sources"):]
    assert all(f"{i + 1}. Outlet {i} ·" in appendix for i in range(12)) and "13. " not in appendix
    assert "and 18 more articles, listed in briefing.html and briefing.json" in text
    assert "25 inputs: 24 read, 72 articles; the others below." in text
    assert "Reuters · failed: HTTP 503" in text and "Outlet 23" not in text
    page = render_html(briefing)
    assert all(f"https://o{i % 20}.example/{i}" in page for i in range(30)) and "Outlet 23" in page


def test_pdf_page_size_follows_options() -> None:
    def width(options: RenderOptions) -> float:
        return float(PdfReader(io.BytesIO(render_pdf(realistic_briefing(), options))).pages[0].mediabox.width)

    assert width(RenderOptions(page_size="A4")) == pytest.approx(595.3, abs=1)
    assert width(RenderOptions(page_size="Letter")) == pytest.approx(612, abs=1)


def test_url_fetcher_refuses_network_and_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    fetcher = TemplatesOnlyFetcher(tmp_path)
    for url in ("http://127.0.0.1/x.png", "https://example.org/font.woff2", "file:///etc/passwd",
                f"{tmp_path.as_uri()}/../../etc/passwd", "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(f"{tmp_path.as_uri()}/logo.svg").read().startswith(b"<svg")
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"


def test_pdf_render_fetches_nothing_from_hostile_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    fetched: list[str] = []
    original = TemplatesOnlyFetcher.fetch

    def spy(self: TemplatesOnlyFetcher, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(TemplatesOnlyFetcher, "fetch", spy)
    render_pdf(realistic_briefing(hostile_story()))
    assert not [url for url in fetched if "passwd" in url or url.startswith(("http", "javascript"))]


def test_pdf_has_a_cover_and_contents_with_page_numbers_and_links(pdf_text: tuple[int, str]) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(full_briefing(), OPTIONS)))
    destinations = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    stories = full_briefing().stories
    expected = [destinations[f"story-{story.id}"] + 1 for story in stories] + [destinations["sources"] + 1]
    cover = reader.pages[0].extract_text()
    assert cover.lstrip().startswith("Ringkasan Harian")
    assert "Friday 21 Jun 2024, 06:00 WIB" in cover and "3 stories · 10 articles · 10 outlets" in cover
    assert [int(n) for n in re.findall(r"\.{4,}\s*(\d+)", cover)] == expected  # leader dots, then the page
    links = [a.get_object().get("/Dest") for a in reader.pages[0].get("/Annots", [])]
    assert {f"story-{story.id}" for story in stories} | {"sources"} <= set(links)
    outline = [item.title for item in reader.outline[1] if not isinstance(item, list)]  # under the title
    assert outline == [story.headline for story in stories] + ["Sources"]


def test_pdf_story_page_links_every_outlet_of_its_coverage_line() -> None:
    copied = replace(hanoi_story(), articles=hanoi_story().articles + (
        _article("copy-1", "Republika", "Salinan", "https://republika.co.id/x", None),),
        copies=(("copy-1", "antara-1"),))
    reader = PdfReader(io.BytesIO(render_pdf(realistic_briefing(copied), OPTIONS)))
    page = next(p for p in reader.pages if "Coverage:" in p.extract_text())
    text = " ".join(page.extract_text().split()).replace("\u2068", "").replace("\u2069", "")
    assert "Coverage: Antara · Kompas · Tempo · Republika (copy)" in text
    uris = {a.get_object()["/A"].get("/URI") for a in page.get("/Annots", []) if "/A" in a.get_object()}
    assert {"https://www.antaranews.com/berita/4162341/putin-tiba-di-hanoi",
            "https://internasional.kompas.com/read/2024/06/20/putin-vietnam",
            "https://dunia.tempo.co/read/1881234/putin-to-lam", "https://republika.co.id/x"} <= uris


def page_top_text(page) -> str:  # type: ignore[no-untyped-def]
    """The text set in the page's top margin (above 20 mm): the running header."""
    parts: list[str] = []
    top = float(page.mediabox.top) - 20 * 72 / 25.4

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if text.strip() and tm[5] * cm[3] + cm[5] > top:
            parts.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(parts)


def test_pdf_has_a_running_header_after_the_cover() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(full_briefing(), OPTIONS)))
    heads = [page_top_text(page) for page in reader.pages]
    assert len(heads) >= 2 and heads[0] == ""
    assert all(head == "Ringkasan Harian Friday 21 Jun 2024, 06:00 WIB" for head in heads[1:]), heads


def missing_glyphs(pdf: bytes) -> set[str]:
    """Characters the PDF draws without a glyph (the "tofu" box): checked in the embedded fonts."""
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    missing: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            program = TTFont(io.BytesIO(embedded.get_object().get_data()))
            names, glyphs = program.getGlyphOrder(), program.getGlyphSet()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for code, text in re.findall(r"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", cmap):
                char = chr(int(text[:4], 16))
                if unicodedata.category(char) in ("Cc", "Cf", "Cn", "Zs", "Zl", "Zp"):  # these draw nothing
                    continue
                gid = int(code, 16)
                if gid == 0 or gid >= len(names):
                    missing.add(char)
                    continue
                pen = BoundsPen(glyphs)
                glyphs[names[gid]].draw(pen)
                if pen.bounds is None:
                    missing.add(char)
    return missing


def has_font_for(language: str) -> bool:
    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, f":lang={language}"], capture_output=True, text=True, check=False).stdout.strip())


SCRIPTS = {  # language: (outlet, headline, sentence)
    "ar": ("الجزيرة", "بوتين يصل إلى هانوي", "وصل الرئيس الروسي إلى هانوي."),
    "he": ("הארץ", "פוטין בהאנוי", "הנשיא הרוסי הגיע להאנוי."),
    "el": ("Καθημερινή", "Ο Πούτιν στο Ανόι", "Ο Ρώσος πρόεδρος έφτασε στο Ανόι."),
    "ru": ("ТАСС", "Путин прибыл в Ханой", "Президент России прибыл в Ханой."),
    "id": ("Kompas", "Putin tiba di Hanoi", "Presiden Rusia tiba di Hanoi."),
    "en": ("Reuters", "Putin arrives in Hanoi", "Russia's president arrived in Hanoi."),
    "hi": ("बीबीसी हिन्दी", "पुतिन हनोई पहुंचे", "रूसी राष्ट्रपति हनोई पहुंचे।"),
}


def script_story(language: str) -> Story:
    outlet, headline, sentence = SCRIPTS[language]
    article = _article(f"{language}-1", outlet, headline, f"https://example.org/{language}", None, language=language)
    return Story(f"s-{language}", headline, (SummarySentence(sentence, (outlet,), (article.id,)),), (article,), language)


def test_pdf_fonts_cover_arabic_hebrew_greek_cyrillic_and_latin() -> None:
    languages = ["ar", "he", "el", "ru", "id", "en"]
    pdf = render_pdf(realistic_briefing(*map(script_story, languages)), OPTIONS)
    assert missing_glyphs(pdf) == set()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for language in languages:  # pypdf gives right-to-left lines in visual order: look for the words
        for phrase in SCRIPTS[language]:
            assert phrase.rstrip(".") in text, (language, phrase)


@pytest.mark.skipif(not has_font_for("hi"), reason="no Devanagari font installed (Debian: fonts-noto-core)")
def test_pdf_fonts_cover_devanagari_where_a_font_is_installed() -> None:
    assert missing_glyphs(render_pdf(realistic_briefing(script_story("hi")), OPTIONS)) == set()


def test_missing_glyph_check_notices_tofu() -> None:
    """The check itself: a script no installed font has (an unassigned code point) is reported."""
    story = script_story("en")
    story = replace(story, summary=(replace(story.summary[0], text="Private use \ue000\ue001 here."),))
    assert missing_glyphs(render_pdf(realistic_briefing(story))) == {"\ue000", "\ue001"}


# --- RSS -------------------------------------------------------------------------------------


def test_rss_parses_cleanly_with_stable_guids() -> None:
    first, second = render_rss(full_briefing(), OPTIONS), render_rss(full_briefing(), OPTIONS)
    feed = feedparser.parse(first)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    guids = [entry.id for entry in feed.entries]
    assert [g.rsplit(":", 1)[0] for g in guids] == [
        "digest:story:hanoi-2024", "digest:story:pyongyang-2024", "digest:story:hostile-<1>"]
    assert len(set(guids)) == 3
    assert guids == [entry.id for entry in feedparser.parse(second).entries]
    assert all(entry.guidislink is False for entry in feed.entries)
    assert first.count(b'isPermaLink="false"') == 3


def test_rss_channel_and_item_fields() -> None:
    feed = feedparser.parse(render_rss(full_briefing(), OPTIONS))
    assert feed.feed.title == "Ringkasan Harian" and feed.feed.language == "id"
    assert feed.feed.link == "https://news.example.org/brief/"
    assert any(link.get("rel") == "self" and link.href == "https://news.example.org/brief/feed.xml"
               for link in feed.feed.links)
    first = feed.entries[0]
    assert first.title == hanoi_story().headline
    assert first.link == "https://news.example.org/brief/briefing.html#story-hanoi-2024"
    assert first.published_parsed[:5] == (2024, 6, 20, 10, 55)  # latest article, in UTC
    assert all(entry.published_parsed is not None for entry in feed.entries)
    content = first.content[0].value
    assert "Antara" in content and "Kompas" in content
    assert "3 articles · 3 outlets · 3 independent reports" in content
    assert '<a href="https://dunia.tempo.co/read/1881234/putin-to-lam">Tempo</a>' in content  # coverage line


def test_rss_content_keeps_each_sentence_in_its_language_and_direction() -> None:
    feed = feedparser.parse(render_rss(full_briefing(), OPTIONS))
    hostile = ET.fromstring(f"<div>{feed.entries[2].content[0].value}</div>")
    assert hostile.find("ul").get("dir") == "rtl"  # an Arabic story
    items = hostile.findall("ul/li")
    assert [(li.get("lang"), li.get("dir")) for li in items] == [("id", "ltr"), ("ar", "rtl")]
    assert items[0].text.startswith('<script>alert(1)</script> said "Tom & Jerry" ]]>')  # text, once unescaped


def test_rss_names_stay_importable_from_render() -> None:
    from digest import rss
    from digest.render import FeedItem, briefing_items, item_guid
    from digest.render import render_rss as from_render

    assert (FeedItem, briefing_items, item_guid) == (rss.FeedItem, rss.briefing_items, rss.item_guid)
    assert from_render(full_briefing(), OPTIONS) == rss.render_rss(full_briefing(), OPTIONS)
    with pytest.raises(AttributeError):
        render.no_such_name  # noqa: B018


def test_rss_escapes_hostile_text_and_links_only_the_web() -> None:
    raw = render_rss(full_briefing(), OPTIONS)
    assert b"<script" not in raw.lower()
    assert b"javascript:" not in raw and b"<link>file:" not in raw
    content = re.findall(rb"<content:encoded><!\[CDATA\[(.*?)\]\]></content:encoded>", raw, re.DOTALL)
    assert len(content) == 3 and b"&lt;script&gt;alert(1)&lt;/script&gt;" in content[2]
    hrefs = re.findall(rb'href="([^"]*)"', b"".join(content))
    assert hrefs and all(h.startswith(b"https://") for h in hrefs)


def test_rss_without_base_url_links_to_articles() -> None:
    feed = feedparser.parse(render_rss(realistic_briefing()))
    assert feed.bozo == 0
    assert feed.feed.link == "https://www.antaranews.com/berita/4162341/putin-tiba-di-hanoi"
    assert feed.entries[1].link == "https://news.detik.com/internasional/d-7400000/putin-kim"
    hanoi = hanoi_story()
    headed = replace(hanoi, headline=hanoi.articles[1].title)  # the Kompas title heads the story
    assert feedparser.parse(render_rss(realistic_briefing(headed))).entries[0].link == hanoi.articles[1].url
    nothing = realistic_briefing(Story("x", "Tanpa tautan", (), (_article("a", "A", "t", "javascript:x", None),), "id"))
    parsed = feedparser.parse(render_rss(nothing))
    assert parsed.feed.link == "http://localhost/" and "link" not in parsed.entries[0]
    assert parsed.entries[0].published_parsed[:4] == (2024, 6, 20, 23)  # generated_at, in UTC


# --- JSON ------------------------------------------------------------------------------------


def test_json_matches_the_interface_schema_exactly() -> None:
    data = json.loads(render_json(full_briefing()))
    assert set(data) == {"title", "generated_at", "stories", "sources"}
    assert data["generated_at"] == "2024-06-21T06:00:00+07:00"
    story = data["stories"][0]
    # every INTERFACE.md key, plus our documented additions
    assert set(story) == {"id", "headline", "summary", "articles", "outlets",
                          "independent_reports", "language", "change"}
    assert set(story["summary"][0]) == {"text", "outlets", "article_ids"}
    assert story["summary"][0]["outlets"] == ["Antara", "Kompas"]
    assert set(story["articles"][0]) == {"id", "title", "url", "outlet", "published", "language", "headline_only",
                                         "copy_of"}
    assert story["articles"][0]["headline_only"] is False
    assert story["articles"][0]["published"] == "2024-06-20T10:55:00+00:00"
    assert story["articles"][2]["published"] is None
    assert story["outlets"] == ["Antara", "Kompas", "Tempo"]
    assert data["stories"][1]["articles"][0]["published"] == "2024-06-19T09:30:00+00:00"  # naive taken as UTC
    assert data["sources"][2] == {"name": "Reuters", "status": "failed", "articles": 0,
                                  "error": "HTTP 503 <Service Unavailable> & retry", "dropped": {}}


def test_json_round_trips_text_verbatim() -> None:
    raw = render_json(full_briefing())
    assert "Без ссылки".encode() in raw  # ensure_ascii=False
    data = json.loads(raw)
    assert data == briefing_to_dict(full_briefing())
    assert data["stories"][2]["headline"] == HOSTILE_TITLE
    assert data["stories"][2]["articles"][0]["url"] == "javascript:alert(1)"  # data, not a link


# --- files -----------------------------------------------------------------------------------


def test_write_briefing_writes_every_format_atomically(tmp_path: Path) -> None:
    out = tmp_path / "out" / "2024-06-21"
    written = write_briefing(realistic_briefing(), out, FORMATS, OPTIONS)
    assert written == {"html": out / "briefing.html", "pdf": out / "briefing.pdf",
                       "rss": out / "feed.xml", "json": out / "briefing.json"}
    assert sorted(p.name for p in out.iterdir()) == ["briefing.html", "briefing.json", "briefing.pdf", "feed.xml"]
    assert (out / "briefing.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "briefing.html").stat().st_mode & 0o044 == 0o044  # readable by a web server


def test_write_briefing_accepts_a_subset_and_rejects_unknown_formats(tmp_path: Path) -> None:
    assert set(write_briefing(realistic_briefing(), tmp_path, ["json", "html", "json"])) == {"json", "html"}
    with pytest.raises(ValueError, match="html, pdf, rss, json"):
        write_briefing(realistic_briefing(), tmp_path / "bad", ["html", "docx"])
    assert not (tmp_path / "bad").exists()  # nothing is written when any name is wrong


def test_write_atomic_replaces_and_cleans_up_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a" / "feed.xml"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(render.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"newer")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["feed.xml"]


def test_options_reject_bad_values() -> None:
    with pytest.raises(ValueError, match="A4"):
        RenderOptions(page_size="A3")
    with pytest.raises(ValueError, match="Mars/Olympus"):
        RenderOptions(timezone="Mars/Olympus")


def test_a_story_snapshot_round_trips_for_rolling_feeds() -> None:
    from digest.render import item_guid
    from digest.serialize import story_from_json, story_to_json

    story = hanoi_story()
    again = story_from_json(story_to_json(story))
    assert (again.id, again.headline, again.summary, again.language) == (story.id, story.headline, story.summary, story.language)
    assert [(a.id, a.outlet, a.url, a.published) for a in again.articles] == [
        (a.id, a.outlet, a.url, a.published) for a in story.articles]
    assert item_guid(again) == item_guid(story)
