"""Turning page markup and raw text into article fields: main text, title, outlet, date."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from urllib.parse import urlsplit

import lxml.html
import nh3
import trafilatura
from dateutil import parser as dateparser
from trafilatura.external import SANITIZED_XPATH
from trafilatura.settings import DEFAULT_CONFIG

from .boilerplate import is_headline
from .fetch import is_http_url

MONTHS = {
    # Indonesian
    "januari": 1, "februari": 2, "pebruari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6,
    "juli": 7, "agustus": 8, "september": 9, "oktober": 10, "november": 11, "nopember": 11,
    "desember": 12, "agu": 8, "agt": 8, "ags": 8, "okt": 10, "des": 12,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = r"(?P<m>[A-Za-z]{3,9})\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"  # "April 10th, 2016"
_TIME = (r"(?:[,\s|–-]+(?:pukul\s+|at\s+)?(?P<H>[01]?\d|2[0-3])[:.](?P<M>[0-5]\d)(?!\d)"
         r"(?:\s*(?P<Z>WIB|WITA|WIT|GMT|UTC)\b)?)?")
# Zones news sites print after a time; any other time is read in the caller's zone.
_ZONES = {"WIB": timezone(timedelta(hours=7)), "WITA": timezone(timedelta(hours=8)),
          "WIT": timezone(timedelta(hours=9)), "GMT": timezone.utc, "UTC": timezone.utc}
_DATE_PUNCTUATION = ",.;:|()[]–—-/"
# A line that is mostly a date in figures ("Kamis, 20 Juni 2024 17:55", "20/06/2024").
_DATE_LINE = re.compile(
    r"^\W*(\w+,?\s+)?\(?\d{1,2}[\s/.-]+\w+[\s/.-]+\d{2,4}\)?([\s,|-]+\d{1,2}[:.]\d{2}(\s*\w{2,4})?)?\W*$")
_DATE_PATTERNS = (
    re.compile(rf"\b(?P<d>[0-3]?\d){_ORDINAL}\s+{_MONTH}\s+(?P<y>(?:19|20)\d\d)\b{_TIME}"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>[0-3]?\d){_ORDINAL},?\s+(?P<y>(?:19|20)\d\d)\b{_TIME}"),
    re.compile(r"\((?P<d>[0-3]?\d)[/-](?P<m>[01]?\d)[/-](?P<y>(?:19|20)\d\d)\)"),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
)

# "Jakarta, IDN Times - ", "HANOI, virprom.com – ", "Jakarta, DigoID-", "JAKARTA (ANTARA) - ",
# "LONDON, June 20 (Reuters) - ", "Liputan6.com, Jakarta - ", "WASHINGTON — ".
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][\w.'’]*(?:[ -][A-Z][\w.'’]*){0,2})"
    r"(?:\s*,\s*(?P<second>[^,\s–—-][^–—]{0,60}?)|\s*\((?P<agency>[^()]{2,30})\))?"
    r"\s*(?:[-–—]+|_)\s*(?=[\"“'‘A-Z0-9])"
)
# An agency's name alone in brackets opening the text: "(CNN) — ", "(HealthDay News) -".
_AGENCY_ALONE = re.compile(r"^\((?P<agency>[A-Z][^()]{1,29})\)\s*[-–—]+\s*(?=[\"“'‘A-Z0-9])")
_DATELINE_CHARS = 120  # the longest a dateline can be: a place of three words, a 60-character second part
_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)*\.(com|id|net|org|co|news|tv|info|io)$", re.I)
_AGENCY_IN = re.compile(r"\(([^()]{2,30})\)\s*$")
_PUBLISHED_PATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='dc.date.issued' or @name='DC.date.issued']/@content",
    "//time[@itemprop='datePublished']/@datetime",
)
_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section")
# Feed HTML goes through nh3 (ammonia) before digest reads its text: only these tags survive
# (without any attribute), the content of the dropped ones below goes with them, and any
# other tag is unwrapped to its text. digest keeps no source HTML: only text leaves here.
_TEXT_TAGS = {*_BLOCK_TAGS, "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "td", "th", "article",
              "main", "header", "footer", "aside", "pre", "span", "a", "b", "i", "em", "strong", "u", "s", "q",
              "small", "sub", "sup", "code", "cite", "abbr", "time", "mark", "del", "ins"}
_DROPPED_WITH_CONTENT = {"script", "style", "noscript", "figure", "figcaption", "template", "textarea", "title",
                         "select", "iframe", "object", "embed", "svg", "math", "canvas", "audio", "video",
                         "picture", "button", "head"}

# --- limits on what a source can put into an article --------------------------------------
MAX_TEXT_CHARS = 100_000  # an article's text; a longer one is cut at a paragraph
MAX_WORD_CHARS = 200  # a longer run without spaces (no word is that long) is cut, with "…"
MAX_TITLE_CHARS = 300
MAX_NAME_CHARS = 100  # outlet names
MAX_URL_CHARS = 2048
MAX_ID_CHARS = 500  # longer ids are replaced by their hash
# Invisible characters that only ever serve to mislead: C0 controls (tab and line breaks
# stay), DEL, bidirectional embeddings, overrides and isolates ("‮gnp.exe"), lone
# surrogates (which no file or database can hold) and non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_WORD_CHARS + 1))
_MIN_EXTRACTED_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
# A page's text as readability can see it (it drops scripts and styles first).
_PAGE_TEXT = lxml.etree.XPath("//text()[not(parent::script or parent::style)]")


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None


def extract_page(html: str | bytes, url: str | None = None, metadata: bool = True) -> PageText | None:
    """Main text of an article page (trafilatura) and, with `metadata` (half the work), its
    title, outlet, date and address; None when it finds no article."""
    tree = trafilatura.load_html(html)  # parsed once: trafilatura copies it, _published_meta reads it
    if tree is None:
        return None
    doc = _extract(tree, url, metadata, fast=True)
    if doc is None or not _settled(doc, tree):
        doc = _extract(tree, url, metadata, fast=False)
    if doc is None or not (doc.text or "").strip():
        return _headline_page(tree, url) if metadata else None
    if not metadata:
        return PageText(doc.text, None, None, None, url)
    published = _published_meta(tree) or doc.date or None
    # The page's own idea of its address (canonical, og:url) counts only if it is http(s).
    page_url = doc.url if doc.url and is_http_url(doc.url) else url
    return PageText(doc.text, doc.title or None, doc.sitename or None, published, page_url)


def _headline_page(tree: lxml.html.HtmlElement, url: str | None) -> PageText | None:
    """A page without article text (a paywall, a video) whose title is a headline: the
    headline stands for the article."""
    meta = trafilatura.extract_metadata(tree, default_url=url)
    if meta is None or not is_headline(meta.title):
        return None
    page_url = meta.url if meta.url and is_http_url(meta.url) else url
    return PageText("", meta.title, meta.sitename or None, _published_meta(tree) or meta.date or None, page_url)


def _extract(tree: lxml.html.HtmlElement, url: str | None, metadata: bool,
             fast: bool) -> trafilatura.settings.Document | None:
    # Precision over recall: on a page without an article, recall mode returns the menus.
    return trafilatura.bare_extraction(tree, url=url, fast=fast, with_metadata=metadata, include_comments=False,
                                       include_tables=False, favor_precision=True)


def _settled(doc: trafilatura.settings.Document, tree: lxml.html.HtmlElement) -> bool:
    """Whether trafilatura's fallback extractors could not replace its own text (`fast`
    skips them: they cost a third of an extraction). In precision mode readability wins
    only over a text without paragraphs, mostly tables, or under half of readability's
    (a part of the page's text); jusText is tried only on a text under MIN_EXTRACTED_SIZE
    or one that still holds page furniture (nav, aside, figure, …)."""
    body = doc.body
    length = _text_length(body.itertext())
    return (length >= _MIN_EXTRACTED_SIZE and 2 * length >= _text_length(_PAGE_TEXT(tree))
            and bool(body.xpath(".//p//text()")) and len(body.findall(".//table")) <= len(body.findall(".//p"))
            and not body.xpath(SANITIZED_XPATH))


def _text_length(pieces: Iterable[str]) -> int:
    """Characters of the text with its whitespace collapsed, as trafilatura measures it."""
    return len(" ".join(" ".join(pieces).split()))


def _published_meta(tree: lxml.html.HtmlElement) -> str | None:
    """The page's own publication timestamp; trafilatura keeps only its day."""
    for path in _PUBLISHED_PATHS:
        values = [v.strip() for v in tree.xpath(path) if isinstance(v, str) and v.strip()]
        if values:
            return values[0]
    return None


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment (feed content), one block element per paragraph."""
    fragment = _UNSAFE.sub("", fragment or "")
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    fragment = nh3.clean(fragment, tags=_TEXT_TAGS, clean_content_tags=_DROPPED_WITH_CONTENT,
                         attributes={}, link_rel=None, strip_comments=True)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return ""
    for el in root.iter(_BLOCK_TAGS):
        el.tail = "\n\n" + (el.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n\n"))
    return "\n\n".join(line for line in lines if line)


def tame_text(text: str) -> str:
    """Text as digest keeps it: no misleading invisible characters, no run without spaces
    over MAX_WORD_CHARS, at most MAX_TEXT_CHARS (cut at a paragraph where one is near)."""
    text = _UNSAFE.sub("", text)
    if len(text) > MAX_TEXT_CHARS:
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        text = text[: cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS].rstrip()
    return _LONG_RUN.sub(lambda run: run.group()[:MAX_WORD_CHARS] + "…", text)


def tame_line(text: str | None, limit: int) -> str | None:
    """A one-line field (title, outlet): tamed, on one line, at most `limit` characters."""
    if not text:
        return None
    line = " ".join(tame_text(text[: limit * 8]).split())
    if len(line) > limit:
        line = line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—") + "…"
    return line or None


def split_dateline(paragraph: str, outlet_after_place: bool = True,
                   outlets: Collection[str] = ()) -> tuple[str | None, str]:
    """(outlet named by the dateline or None, the paragraph without its dateline). With
    `outlet_after_place` False, what follows the place's comma names an outlet only when it
    is a domain: "Meadow Lake, Saskatchewan –" is a region, as datelines in English have it,
    where Indonesian ones name the outlet there ("Jakarta, IDN Times -"). `outlets`: names the
    article is known by (its source's, its host's), so that "Rimanews - " opening a Rimanews
    article is its dateline, where "Putin - " is not."""
    if (alone := _AGENCY_ALONE.match(paragraph)) and len(paragraph) - alone.end() >= 20:
        return alone["agency"].strip(), paragraph[alone.end():]
    match = _DATELINE.match(paragraph)
    if not match or len(paragraph) - match.end() < 20:
        return None, paragraph
    place, second, agency = match["place"], match["second"], match["agency"]
    if second is None and agency is None:
        if _DOMAIN.match(place) or _outlet_key(place) in {k for o in outlets for k in _outlet_keys(o)}:
            return place, paragraph[match.end():]  # the outlet alone: "Merdeka.com - "
        if not place.isupper():
            return None, paragraph  # "Putin - ..." is not a dateline; "WASHINGTON — " is
    named = outlet_after_place or _AGENCY_IN.search(second or "") or _DOMAIN.match(second or "")
    if second and not (named or _DOMAIN.match(place)):
        if not _region_shaped(second):  # "Charlie Sheen, who likes to say, “I’m an F-18 ...": a sentence
            return None, paragraph
        second = None
    outlet = agency or second
    if second and _DOMAIN.match(place) and not _DOMAIN.match(second):
        outlet = place  # outlet-first form: "Liputan6.com, Jakarta - "
    if outlet:
        inner = _AGENCY_IN.search(outlet)
        outlet = (inner.group(1) if inner else outlet).strip()
        if len(outlet.split()) > 4 or not outlet[:1].isalnum() or "," in outlet:
            return None, paragraph
    return outlet, paragraph[match.end():]


def _region_shaped(text: str) -> bool:
    """Whether what follows a dateline's place can be its region ("Saskatchewan", "June 20"):
    a few capitalised words, no quotation."""
    return len(text.split()) <= 4 and text[:1].isupper() and not any(mark in text for mark in "\"“”‘’«»")


def _outlet_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _outlet_keys(name: str) -> tuple[str, ...]:
    """The name, and a host's name without its domain ("rimanews.com": "rimanews")."""
    return (_outlet_key(name), _outlet_key(name.split(".")[0])) if "." in name else (_outlet_key(name),)


def is_dateline(line: str) -> bool:
    """Whether the line is nothing but a dateline ("JAKARTA (ANTARA) -", "WASHINGTON —")."""
    if len(line) > _DATELINE_CHARS:
        return False
    probe = "The sentence that the dateline opens."
    return split_dateline(f"{line} {probe}")[1] == probe


def is_date_line(line: str) -> bool:
    """Whether the line is a date and at most one word more ("Tuesday, May 1, 2007",
    "Posted 3 June 2024 10:15"), or in any language a day, a year and at most two words
    (a month and a weekday: "1 मई मंगलवार, 2007"), or a date in figures ("20/06/2024"): page
    metadata, never a headline."""
    if _DATE_LINE.search(line):
        return True
    for pattern in _DATE_PATTERNS:
        match = pattern.search(line)
        if match and MONTHS.get((match.groupdict().get("m") or "").lower(), 1):
            rest = line[:match.start()] + " " + line[match.end():]
            return len(re.findall(r"[^\W\d_]+", rest)) <= 1
    tokens = [token for token in (t.strip(_DATE_PUNCTUATION) for t in line.split()) if token]
    numbers = [int(token) for token in tokens if token.isdecimal() and len(token) <= 4]
    return (len(tokens) - len(numbers) <= 2 and any(1 <= n <= 31 for n in numbers)
            and any(1900 <= n <= 2099 for n in numbers))


def find_date(texts: list[str], tz: tzinfo) -> datetime | None:
    """The first complete date (with year) found in `texts`, in order; naive times get `tz`."""
    for text in texts:
        hits = [(m.start(), m) for pattern in _DATE_PATTERNS for m in pattern.finditer(text)]
        for _, match in sorted(hits, key=lambda hit: hit[0]):
            found = _to_datetime(match, tz)
            if found is not None:
                return found
    return None


def _to_datetime(match: re.Match, tz: tzinfo) -> datetime | None:
    month = match["m"]
    number = int(month) if month.isdigit() else MONTHS.get(month.lower())
    if number is None:
        return None
    fields = match.groupdict()
    hour, minute = int(fields.get("H") or 0), int(fields.get("M") or 0)
    zone = _ZONES.get(fields.get("Z") or "", tz)
    try:
        return datetime(int(match["y"]), number, int(match["d"]), hour, minute, tzinfo=zone)
    except ValueError:
        return None


def parse_date(value: str | None, tz: tzinfo) -> datetime | None:
    """A date string from metadata (ISO 8601, RFC 822, …) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = dateparser.parse(value)
    except (ValueError, OverflowError):
        return None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def outlet_from_url(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None

