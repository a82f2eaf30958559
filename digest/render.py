"""Render a Briefing as HTML, PDF, RSS 2.0 and JSON, and write the files atomically.

Every format escapes all user text, and only http(s) URLs ever become links: article
data comes from arbitrary web pages and feeds, so it is treated as hostile. The RSS part
lives in digest/rss.py and the PDF part in digest/pdf.py (WeasyPrint takes most of a second
to import); their public names are importable from here too.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.resources
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from .models import Article, Briefing, Story, SummarySentence
from .serialize import aware, render_json
from .stages import stage

FORMATS = ("html", "pdf", "rss", "json")
FILENAMES = {"html": "briefing.html", "pdf": "briefing.pdf", "rss": "feed.xml", "json": "briefing.json"}
PAGE_SIZES = ("A4", "Letter")
LINK_SCHEMES = frozenset({"http", "https"})
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"})
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Characters XML 1.0 forbids; scraped text does contain them, and one would make the
# HTML unparseable and lxml (behind feedgen) refuse the whole feed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_RSS_NAMES = frozenset({"FeedItem", "briefing_items", "item_guid", "render_rss"})
_PDF_NAMES = frozenset({"TemplatesOnlyFetcher", "render_pdf"})


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


def has_time(moment: datetime, zone: ZoneInfo, article: Article | None = None) -> bool:
    """False for a value known only by its date.

    Readers give a date without a time 00:00 in the zone they are handed, and the pipeline
    hands them the zone it displays in (`digest run`: the config's; `digest story`: its
    --timezone). So exactly midnight in the display zone means "date only": a story really
    published at 00:00:00 then shows its date alone, which is still true, while the
    alternative would print a time nobody reported. An explicit `published_has_time` on the
    article, if the model has one, wins.
    """
    known = getattr(article, "published_has_time", None)
    if known is not None:
        return bool(known)
    local = aware(moment).astimezone(zone)
    return (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0)


def local_time(moment: datetime, zone: ZoneInfo, article: Article | None = None) -> str:
    """'20 Jun 2024, 17:55 WIB', or '20 Jun 2024' for a date alone; English months, any locale."""
    local = aware(moment).astimezone(zone)
    day = f"{local.day} {_MONTHS[local.month - 1]} {local.year}"
    return f"{day}, {local:%H:%M} {local.tzname()}" if has_time(moment, zone, article) else day


def machine_time(moment: datetime, zone: ZoneInfo, article: Article | None = None) -> str:
    """The <time datetime> value: ISO 8601 with offset, or the bare date for a date alone."""
    local = aware(moment).astimezone(zone)
    return local.isoformat() if has_time(moment, zone, article) else local.date().isoformat()


def day_label(date: str) -> str:
    """'Sunday 22 Nov 2026' for an archive folder name 'YYYY-MM-DD' (anything else as it is)."""
    try:
        day = datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        return date
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def latest_article(story: Story) -> Article | None:
    """The most recently published article; naive datetimes count as UTC (Story.published would raise)."""
    return max((a for a in story.articles if a.published), key=lambda a: aware(a.published), default=None)  # type: ignore[arg-type]


def latest_published(story: Story) -> datetime | None:
    return aware(newest.published) if (newest := latest_article(story)) and newest.published else None


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


def headline_items(story: Story) -> tuple[SummarySentence, ...]:
    """What a story without a summary shows instead (a story of headline-only articles):
    each distinct headline, credited like a summary sentence to every outlet that ran it."""
    if story.summary:
        return ()
    found: dict[str, list] = {}
    for article in story.articles:
        found.setdefault(" ".join(article.title.split()).casefold(), []).append(article)
    return tuple(SummarySentence(same[0].title, tuple(dict.fromkeys(a.outlet for a in same)),
                                 tuple(a.id for a in same)) for same in found.values())


def sentence_language(story: Story, sentence: SummarySentence) -> str:
    """The language of the article the sentence comes from (a story may mix languages)."""
    return next((a.language for a in story.articles if a.id in sentence.article_ids and a.language),
                story.language)


@dataclass(frozen=True)
class OutletCoverage:
    """One outlet of a story: how many articles, how many of them syndicated copies, a link."""

    name: str
    articles: int
    copies: int
    href: str | None


def coverage(story: Story) -> list[OutletCoverage]:
    """Every outlet once, in article order, linked to its first web article (Techmeme's "More:")."""
    copies = dict(story.copies)
    result = []
    for outlet in story.outlets:
        mine = [a for a in story.articles if a.outlet == outlet]
        href = next((link for a in mine if (link := safe_href(a.url))), None)
        result.append(OutletCoverage(outlet, len(mine), sum(a.id in copies for a in mine), href))
    return result


def copied_from(story: Story) -> dict[str, str]:
    """{copy's article id: the outlet it copies}, for "copy of …" marks."""
    outlets = {a.id: a.outlet for a in story.articles}
    return {copy: outlets.get(original, "another outlet") for copy, original in story.copies}


# On paper a big story lists this many articles, one per outlet: the rest are in the HTML and JSON.
APPENDIX_ARTICLES = 12


def appendix_articles(story: Story) -> tuple[list[Article], int]:
    """(the articles the printed Sources list, how many it leaves out): all of a story of up
    to APPENDIX_ARTICLES, else the first article of each outlet up to that many."""
    if len(story.articles) <= APPENDIX_ARTICLES:
        return list(story.articles), 0
    firsts: dict[str, Article] = {}
    for article in story.articles:
        firsts.setdefault(article.outlet, article)
    listed = list(firsts.values())[:APPENDIX_ARTICLES]
    return listed, len(story.articles) - len(listed)


def story_link(story: Story, options: RenderOptions) -> str | None:
    """Where a story lives for feed readers: its anchor in the published brief, else the
    article whose title heads it (what the item's title promises), else a source article."""
    if options.folder_url:
        return f"{options.folder_url}briefing.html#story-{quote(story.id, safe='')}"
    headed = [a for a in story.articles if a.title == story.headline]
    return next((link for a in (*headed, *story.articles) if (link := safe_href(a.url))), None)


def source_label(name: str) -> str:
    """A source as readers should see it: URLs whole, local paths by file name (no server paths)."""
    if urlsplit(name).scheme.lower() in LINK_SCHEMES or not re.search(r"[/\\]", name):
        return name
    path = PureWindowsPath(name) if "\\" in name else PurePosixPath(name)
    return path.name or name


def count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def briefing_language(briefing: Briefing) -> str:
    return briefing.stories[0].language if briefing.stories and briefing.stories[0].language else "en"


def page_helpers(options: RenderOptions) -> dict[str, Any]:
    """Template names that depend on the options (the display zone)."""
    zone = options.zone
    return {
        "when": lambda moment, article=None: local_time(moment, zone, article),
        "iso": lambda moment, article=None: machine_time(moment, zone, article),
        "weekday": lambda moment: _DAYS[aware(moment).astimezone(zone).weekday()],
    }


# --- HTML and PDF -------------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    """Strip XML-invalid characters from everything a template prints, escaped or not."""
    if isinstance(value, str):
        return type(value)(xml_text(value)) if isinstance(value, Markup) else xml_text(value)
    return value


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(safe_href=safe_href, chips=sentence_chips, direction=text_direction, dir_of=text_direction_of,
                       count=count, latest=latest_article, coverage=coverage, copied_from=copied_from,
                       appendix=appendix_articles,
                       sentence_language=sentence_language, source_label=source_label, day=day_label,
                       headlines=headline_items)
    return env


def _stylesheet(*names: str) -> Markup:
    """Our own CSS files, inlined so the page makes no requests (they contain no '<' or '&')."""
    loader = environment().loader
    assert loader is not None
    return Markup("\n".join(loader.get_source(environment(), name)[0] for name in names))


def render_page(briefing: Briefing, options: RenderOptions, *, print_variant: bool) -> str:
    css = _stylesheet("style.css", "print.css" if print_variant else "screen.css")
    return environment().get_template("briefing.html").render(
        briefing=briefing,
        lang=briefing_language(briefing),
        print=print_variant,
        css=css,
        page_size=options.page_size,
        previous_ids=options.previous_ids,
        outlets=list(dict.fromkeys(o for story in briefing.stories for o in story.outlets)),
        articles=sum(len(story.articles) for story in briefing.stories),
        **page_helpers(options),
    )


@dataclass(frozen=True)
class ArchiveEntry:
    date: str  # the dated folder's name, YYYY-MM-DD
    stories: tuple[Story, ...]
    pdf: bool


def render_index(title: str, briefs: Sequence[ArchiveEntry], feed: bool) -> str:
    """out/index.html: every past brief, newest first, with links to its HTML and PDF."""
    return environment().get_template("index.html").render(
        title=title, briefs=[{"folder": quote(b.date), **vars(b)} for b in briefs], feed=feed,
        css=_stylesheet("style.css", "screen.css"),
    )


def render_html(briefing: Briefing, options: RenderOptions | None = None) -> str:
    return render_page(briefing, options or RenderOptions(), print_variant=False)


def __getattr__(name: str) -> Any:
    """RSS lives in digest.rss and the PDF in digest.pdf, which build on this module: `from
    digest.render import render_rss, render_pdf, …` still works, importing them on first use."""
    if name in _RSS_NAMES:
        return getattr(importlib.import_module(".rss", __package__), name)
    if name in _PDF_NAMES:
        return getattr(importlib.import_module(".pdf", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- files --------------------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[Briefing, RenderOptions], bytes]] = {
    "html": lambda briefing, options: render_html(briefing, options).encode("utf-8"),
    "pdf": lambda briefing, options: importlib.import_module(".pdf", __package__).render_pdf(briefing, options),
    "rss": lambda briefing, options: importlib.import_module(".rss", __package__).render_rss(briefing, options),
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
        with stage(f"render {name}"):
            write_atomic(path, _RENDERERS[name](briefing, options))
        written[name] = path
    return written
