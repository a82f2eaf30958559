"""Render a Briefing as HTML, PDF, RSS 2.0 and JSON, and write the files atomically.

Every format escapes all user text, and only http(s) URLs ever become links: article
data comes from arbitrary web pages and feeds, so it is treated as hostile.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import importlib.resources
import mimetypes
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import weasyprint
from feedgen.feed import FeedGenerator
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Briefing, Story, SummarySentence
from .serialize import aware, render_json

FORMATS = ("html", "pdf", "rss", "json")
FILENAMES = {"html": "briefing.html", "pdf": "briefing.pdf", "rss": "feed.xml", "json": "briefing.json"}
PAGE_SIZES = ("A4", "Letter")
LINK_SCHEMES = frozenset({"http", "https"})
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 forbids; scraped text does contain them, and one would make the
# HTML unparseable and lxml (behind feedgen) refuse the whole feed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FALLBACK_LINK = "http://localhost/"


@dataclass(frozen=True)
class RenderOptions:
    base_url: str | None = None  # where the output folder is published
    timezone: str = "UTC"  # IANA name; every displayed time is converted to it
    page_size: str = "A4"  # "A4" | "Letter"
    previous_ids: frozenset[str] = frozenset()  # story ids of the previous brief, for "New" marks

    def __post_init__(self) -> None:
        if self.page_size not in PAGE_SIZES:
            raise ValueError(f"page_size must be one of {', '.join(PAGE_SIZES)}, not {self.page_size!r}")
        self.zone  # fail early, with a clear message, on a bad timezone name

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r} (use an IANA name such as Asia/Jakarta)") from exc

    @property
    def folder_url(self) -> str | None:
        """base_url with a trailing slash, so file names can simply be appended."""
        if not self.base_url:
            return None
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


# --- helpers shared by the formats -------------------------------------------------------


def templates_dir() -> Path:
    """The templates folder: the `digest.templates` package when installed, else the checkout's."""
    try:
        return Path(str(importlib.resources.files("digest.templates")))
    except ModuleNotFoundError:  # running from a source checkout via PYTHONPATH
        return Path(__file__).resolve().parent.parent / "templates"


def xml_text(text: str) -> str:
    return _XML_INVALID.sub("", text)


def safe_href(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None (never link javascript:, data:, file:)."""
    if not url:
        return None
    # Browsers drop control characters, tabs and newlines inside URLs; do the same before judging.
    cleaned = re.sub(r"[\t\n\r]", "", xml_text(url)).strip()
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    return cleaned if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """'20 Jun 2024, 17:55 WIB': English month names, independent of the process locale."""
    local = aware(moment).astimezone(zone)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"


def latest_published(story: Story) -> datetime | None:
    """Story.published, but tolerant of naive datetimes mixed with aware ones (it would raise)."""
    return max((aware(a.published) for a in story.articles if a.published is not None), default=None)


def text_direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def text_direction_of(text: str) -> str:
    """Direction of the first strong character: what dir="auto" does, which weasyprint lacks."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def sentence_chips(story: Story, sentence: SummarySentence) -> list[tuple[str, str | None]]:
    """One (outlet, link) per credited outlet, linking that outlet's first credited web article."""
    by_id = {article.id: article for article in story.articles}
    credited = [by_id[i] for i in sentence.article_ids if i in by_id]
    chips = []
    for outlet in dict.fromkeys(sentence.outlets):
        links = (safe_href(a.url) for a in credited if a.outlet == outlet)
        chips.append((outlet, next((link for link in links if link), None)))
    return chips


def story_link(story: Story, options: RenderOptions) -> str | None:
    """Where a story lives for feed readers: its anchor in the published brief, else a source article."""
    if options.folder_url:
        return f"{options.folder_url}briefing.html#story-{quote(story.id, safe='')}"
    return next((link for a in story.articles if (link := safe_href(a.url))), None)


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _briefing_language(briefing: Briefing) -> str:
    return briefing.stories[0].language if briefing.stories and briefing.stories[0].language else "en"


# --- HTML and PDF -------------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    """Strip XML-invalid characters from everything a template prints, escaped or not."""
    if isinstance(value, str):
        return type(value)(xml_text(value)) if isinstance(value, Markup) else xml_text(value)
    return value


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(safe_href=safe_href, chips=sentence_chips, direction=text_direction, dir_of=text_direction_of,
                       count=_count,
                       latest=latest_published)
    return env


def _stylesheet(*names: str) -> Markup:
    """Our own CSS files, inlined so the page makes no requests (they contain no '<' or '&')."""
    loader = _environment().loader
    assert loader is not None
    return Markup("\n".join(loader.get_source(_environment(), name)[0] for name in names))


def _render_page(briefing: Briefing, options: RenderOptions, *, print_variant: bool) -> str:
    zone = options.zone
    language = _briefing_language(briefing)
    css = _stylesheet("style.css", "print.css" if print_variant else "screen.css")
    return _environment().get_template("briefing.html").render(
        briefing=briefing,
        lang=language,
        print=print_variant,
        css=css,
        page_size=options.page_size,
        previous_ids=options.previous_ids,
        when=lambda moment: local_time(moment, zone),
        iso=lambda moment: aware(moment).isoformat(),
    )


@dataclass(frozen=True)
class ArchiveEntry:
    date: str  # the dated folder's name, YYYY-MM-DD
    stories: tuple[Story, ...]
    pdf: bool


def render_index(title: str, briefs: Sequence[ArchiveEntry], feed: bool) -> str:
    """out/index.html: every past brief, newest first, with links to its HTML and PDF."""
    return _environment().get_template("index.html").render(
        title=title, briefs=[{"folder": quote(b.date), **vars(b)} for b in briefs], feed=feed,
        css=_stylesheet("style.css", "screen.css"),
    )


def render_html(briefing: Briefing, options: RenderOptions | None = None) -> str:
    return _render_page(briefing, options or RenderOptions(), print_variant=False)


class TemplatesOnlyFetcher(URLFetcher):
    """Lets weasyprint read data: URLs and files inside the templates folder, and nothing else.

    A brief is built from untrusted pages, so the PDF step must never reach the network
    (SSRF) or read arbitrary local files, whatever ends up in the markup.
    """

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("data",))
        self._root = (root or templates_dir()).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self._root) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        raise ValueError(f"refusing to fetch {url!r}: the PDF may only use its bundled templates")


def render_pdf(briefing: Briefing, options: RenderOptions | None = None) -> bytes:
    page = _render_page(briefing, options or RenderOptions(), print_variant=True)
    root = templates_dir()
    document = weasyprint.HTML(string=page, base_url=root.as_uri() + "/", url_fetcher=TemplatesOnlyFetcher(root))
    pdf = document.write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf


# --- RSS ----------------------------------------------------------------------------------


def _plain_summary(story: Story) -> str:
    """The summary as text, HTML-escaped once: readers treat RSS descriptions as HTML."""
    text = " ".join(sentence.text for sentence in story.summary) or story.headline
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
    stories = _count(len(briefing.stories), "story", "stories")
    feed.description(html.escape(f"{stories} from {_count(len(outlets), 'outlet')}, {generated}", quote=False))
    feed.language(_briefing_language(briefing))
    feed.lastBuildDate(aware(briefing.generated_at))
    feed.generator("digest")
    return feed


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


def render_rss(briefing: Briefing, options: RenderOptions | None = None,
               items: Sequence[FeedItem] | None = None) -> bytes:
    """The briefing's stories as RSS 2.0, or the given `items` (a rolling feed) under its channel."""
    options = options or RenderOptions()
    feed = _channel(briefing, options)
    item_template = _environment().get_template("feed_item.html")
    for item in briefing_items(briefing, options) if items is None else items:
        entry = feed.add_entry(order="append")  # feedgen prepends by default; keep the brief's order
        entry.title(xml_text(item.story.headline))
        entry.guid(item_guid(item.story), permalink=False)
        if item.link and (link := safe_href(item.link)):
            entry.link(href=link)
        entry.pubDate(aware(item.published))
        entry.description(_plain_summary(item.story))
        entry.content(item_template.render(story=item.story), type="CDATA")
    return feed.rss_str(pretty=True)


# --- files --------------------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[Briefing, RenderOptions], bytes]] = {
    "html": lambda briefing, options: render_html(briefing, options).encode("utf-8"),
    "pdf": render_pdf,
    "rss": render_rss,
    "json": lambda briefing, options: render_json(briefing),
}


def parse_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """Validated, de-duplicated format names; accepts "html,pdf" as well as a list."""
    names = formats.split(",") if isinstance(formats, str) else formats
    wanted = tuple(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
    unknown = [name for name in wanted if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(map(repr, unknown))}; valid formats: {', '.join(FORMATS)}")
    return wanted


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable; some platforms cannot open folders, which is fine."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder + fsync + rename: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp makes 0600; a web server must be able to read the output
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def write_briefing(
    briefing: Briefing, out_dir: Path, formats: Iterable[str] = FORMATS, options: RenderOptions | None = None
) -> dict[str, Path]:
    """Render and atomically write the requested formats; returns {format: path written}."""
    wanted = parse_formats(formats)  # validate everything before writing anything
    options = options or RenderOptions()
    written: dict[str, Path] = {}
    for name in wanted:
        path = Path(out_dir) / FILENAMES[name]
        write_atomic(path, _RENDERERS[name](briefing, options))
        written[name] = path
    return written
