"""Readers: turn one INPUT (file, folder, URL; optionally `NAME=INPUT`) into Documents.

Each reader raises InputError with a message that names the input; the caller reports it
and goes on with the other inputs.

Everything a source says is untrusted. Feeds are screened before feedparser sees them (no
entity declaration that could expand or fetch anything), at most MAX_ENTRIES entries of a
feed are read (the newest), and every Document leaves here tamed: text and titles without
control, bidi-override or lone-surrogate characters, within length limits (extract.py),
links only when they are http(s), dates only when plausible, language codes only when
they look like one.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import xml.sax
import xml.sax.expatreader
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

import feedparser
import feedparser.api
from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from .extract import (MAX_ID_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, PageText, extract_page,
                      html_to_text, parse_date, tame_line, tame_text)
from .fetch import FetchLimits, fetch, is_http_url
from .models import NO_TEXT_OR_TITLE, OVER_ENTRY_LIMIT, UNREADABLE, Document

log = logging.getLogger(__name__)

KINDS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xml": "feed",
         ".rss": "feed", ".atom": "feed", ".jsonl": "jsonl"}  # fmt: skip
_NAMED = re.compile(r"^(?P<name>[^=/\\:]{1,80})=(?P<target>.+)$")
# A feed by its content: any prolog (XML declaration, stylesheets, comments, doctype), then the root.
_FEED_START = re.compile(rb"^\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOBAL_ID = re.compile(r"^(?:https?://|tag:|urn:)", re.I)
_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}$")
# A feed has at most this many entries read, the newest: parsing and cleaning cost time per
# entry, and no news feed needs more in one run.
MAX_ENTRIES = 500
# Dates before this or more than MAX_FUTURE ahead are errors (or tricks to stay on top).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_FUTURE = timedelta(days=1)
# An entity may stand for at most this much text, so expanding entities can never make a
# document bigger than a few times itself ("&nbsp;" style declarations stay usable).
MAX_ENTITY_CHARS = 8
_SINGLE_BYTE = re.compile(r"^(?:iso[-_]?8859|latin|l\d|cp125|windows-125|us-ascii|ascii)", re.I)


class InputError(Exception):
    """One input could not be used; the message names it and says why."""


@dataclass(frozen=True)
class Reading:
    """What an input gave: its documents, and how many of its entries were not kept, by reason."""

    documents: list[Document]
    dropped: Counter = field(default_factory=Counter)

    def __add__(self, other: Reading) -> Reading:
        return Reading(self.documents + other.documents, self.dropped + other.dropped)


@dataclass(frozen=True)
class InputSpec:
    target: str
    name: str | None = None

    @classmethod
    def parse(cls, spec: str) -> InputSpec:
        """`NAME=INPUT` names the outlet; a path that exists as given is never split."""
        match = _NAMED.match(spec)
        if match and not Path(spec).exists():
            return cls(match["target"], match["name"].strip())
        return cls(spec)

    @property
    def is_url(self) -> bool:
        return bool(_SCHEME.match(self.target))


def read_input(spec: InputSpec, tz: tzinfo = timezone.utc, limits: FetchLimits = FetchLimits()) -> Reading:
    if spec.is_url:
        if not is_http_url(spec.target):
            raise InputError(f"{spec.target!r}: not a well-formed http or https URL (other schemes are not read)")
        return _read_url(spec, tz, limits)
    path = Path(spec.target).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in KINDS and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise InputError(f"{spec.target}: no {', '.join(sorted(KINDS))} files in this folder")
        return sum((_read_file_logged(f, spec.name, tz) for f in files), Reading([]))
    return _read_file(path, spec.name, tz)


def _read_file_logged(path: Path, name: str | None, tz: tzinfo) -> Reading:
    """Inside a folder one bad file is a warning (and a dropped entry), not the end of the folder."""
    try:
        return _read_file(path, name, tz)
    except InputError as exc:
        log.warning("%s", exc)
        return Reading([], Counter({UNREADABLE: 1}))


def _read_file(path: Path, name: str | None, tz: tzinfo) -> Reading:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unsupported file type (use {', '.join(sorted(KINDS))}, a folder or a URL)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return read_bytes(data, kind, str(path), name=name, tz=tz)


def _read_url(spec: InputSpec, tz: tzinfo, limits: FetchLimits) -> Reading:
    result = fetch(spec.target, limits=limits)
    if not result.ok:
        raise InputError(f"{spec.target}: {result.error or f'HTTP {result.status}'}")
    kind = "feed" if looks_like_feed(result.content, result.content_type) else "html"
    return read_bytes(result.content, kind, spec.target, name=spec.name, url=result.final_url, tz=tz,
                      charset=result.charset)


def looks_like_feed(content: bytes, content_type: str) -> bool:
    if any(t in content_type for t in ("rss", "atom", "/xml")):
        return True
    return bool(_FEED_START.match(content[:4096].lstrip(b"\xef\xbb\xbf")))


def read_bytes(data: bytes, kind: str, source: str, *, name: str | None = None, url: str | None = None,
               tz: tzinfo = timezone.utc, charset: str | None = None) -> Reading:
    """Documents in `data` of the given kind ("text", "html", "feed", "jsonl"), tamed; a
    document needs a text or a title."""
    reading = _documents(data, kind, source, name, url, tz, charset)
    tamed = [tame(d) for d in reading.documents]
    kept = [doc for doc in tamed if doc.text.strip() or doc.title]
    if not kept:
        raise InputError(f"{source}: no text or title left once control characters are removed")
    return Reading(kept, reading.dropped + Counter({NO_TEXT_OR_TITLE: len(tamed) - len(kept)}))


def _documents(data: bytes, kind: str, source: str, name: str | None, url: str | None, tz: tzinfo,
               charset: str | None) -> Reading:
    if kind == "feed":
        return _feed_documents(data, source, name, tz)
    text = decode(data, source, charset)
    if kind == "jsonl":
        return _jsonl_documents(text, source, name, tz)
    if kind == "html":
        page = extract_page(text, url)
        if page is None:
            raise InputError(f"{source}: no article text or headline found on this page")
        return Reading([_page_document(page, source, name, tz)])
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    return Reading([Document(source=source, text=text, outlet=name, url=url)])


def tame(doc: Document) -> Document:
    """The document within digest's limits (see the module docstring)."""
    ident = _UNSAFE_ID.sub("", doc.id) if doc.id else None
    if ident and len(ident) > MAX_ID_CHARS:
        ident = "sha1:" + hashlib.sha1(ident.encode("utf-8", "replace")).hexdigest()
    return replace(
        doc,
        text=tame_text(doc.text),
        title=tame_line(doc.title, MAX_TITLE_CHARS),
        outlet=tame_line(doc.outlet, MAX_NAME_CHARS),
        url=safe_url(doc.url),
        published=plausible(doc.published),
        language=doc.language if doc.language and _LANGUAGE_CODE.match(doc.language) else None,
        id=ident or None,
    )


_UNSAFE_ID = re.compile("[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_url(url: str | None) -> str | None:
    """`url` if it is a well-formed http(s) URL of sane length, else None."""
    if not url or len(url) > MAX_URL_CHARS or not is_http_url(url.strip()):
        return None
    return url.strip()


def plausible(moment: datetime | None) -> datetime | None:
    """`moment` unless it is before 1970 or more than MAX_FUTURE from now (naive = UTC)."""
    if moment is None:
        return None
    try:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        if EARLIEST <= aware <= datetime.now(timezone.utc) + MAX_FUTURE:
            return moment
    except (OverflowError, ValueError):
        pass
    log.info("implausible date %s ignored", moment)
    return None


def decode(data: bytes, source: str, charset: str | None = None) -> str:
    """Text of a file: the declared charset, else UTF-8, else a detected one; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: binary file, not text")
    if charset and _SINGLE_BYTE.match(charset) and _is_utf8_text(data):
        charset = None  # valid UTF-8 beyond ASCII is never really a single-byte code page
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return _guess(data, source)


def _is_utf8_text(data: bytes) -> bool:
    try:
        return not data.isascii() and bool(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _guess(data: bytes, source: str) -> str:
    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{source}: unreadable text (unknown character encoding)")
    if best.encoding.startswith(("cp125", "iso8859", "latin")):
        # Detectors confuse the Western and Central European code pages on short texts;
        # Windows-1252 is by far the most common of them (and a superset of Latin-1).
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def _page_document(page: PageText, source: str, name: str | None, tz: tzinfo) -> Document:
    return Document(source=source, text=page.text, title=page.title, url=page.url,
                    outlet=name or page.outlet, published=parse_date(page.published, tz), extracted=True)


class _EntityScreen(DefusedExpatParser):
    """defusedxml's expat reader, refusing any DTD entity that could expand to more than
    MAX_ENTITY_CHARS or be fetched: external (SYSTEM/PUBLIC), parameter, unparsed entities,
    and entities defined by other entities ("billion laughs")."""

    def defused_entity_decl(self, name, is_parameter_entity, value, base, sysid, pubid, notation_name):
        if (is_parameter_entity or sysid or pubid or notation_name or value is None
                or len(value) > MAX_ENTITY_CHARS or "&" in value or "%" in value):
            super().defused_entity_decl(name, is_parameter_entity, value, base, sysid, pubid, notation_name)


# "<!ENTITY" as the encodings feedparser reads would spell it.
_ENTITY_MARKS = tuple("<!ENTITY".encode(e) for e in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le",
                                                       "utf-32-be", "cp037"))


def screen_xml(data: bytes, source: str) -> None:
    """Refuse (InputError) a document whose DTD declares entities that could expand or be
    fetched. feedparser itself drops most DTDs, but keeps entities of plain text and falls
    back to a parser that expands them without limit: 20 KB can become 30 MB of text."""
    if not any(mark in data for mark in _ENTITY_MARKS) and b"<!entity" not in data.lower():
        return  # no entity declaration at all (the common case; skips the parse)
    screen = _EntityScreen(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    screen.setContentHandler(xml.sax.handler.ContentHandler())
    screen.setErrorHandler(xml.sax.handler.ErrorHandler())
    try:
        screen.parse(io.BytesIO(data))
    except DefusedXmlException as exc:
        name = getattr(exc, "name", None) or getattr(exc, "sysid", None) or ""
        raise InputError(f"{source}: refused: the XML declares an entity that could expand or fetch data "
                         f"({type(exc).__name__} {name!s:.60})") from exc
    except (xml.sax.SAXException, ValueError, LookupError) as exc:
        # Malformed before the end: the declarations may not all have been seen.
        raise InputError(f"{source}: refused: malformed XML that declares entities ({exc})") from exc


class _TextRuns(xml.sax.expatreader.ExpatParser):
    """The SAX parser feedparser gets: expat handing over each run of text at once. By
    default it hands over a piece per line and per entity, and the escaped HTML content of
    most feeds is mostly entities: feedparser's handling of each piece cost it a seventh
    of its time."""

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True


def create_parser() -> _TextRuns:
    """xml.sax.make_parser() asks this of the modules in feedparser's PREFERRED_XML_PARSERS."""
    return _TextRuns()


if __name__ not in feedparser.api.PREFERRED_XML_PARSERS:  # the modules xml.sax tries first
    feedparser.api.PREFERRED_XML_PARSERS.insert(0, __name__)


def _feed_documents(data: bytes, source: str, name: str | None, tz: tzinfo,
                    max_entries: int = MAX_ENTRIES) -> Reading:
    screen_xml(data, source)
    # Every text of an entry is stripped of markup here (html_to_text, nh3), so feedparser's
    # own sanitizing and link resolution are work done twice: half of its parsing time.
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None) or "no entries"
        raise InputError(f"{source}: not a usable feed ({reason})")
    if parsed.bozo:
        log.warning("%s: feed is not well-formed (%s); using its entries anyway", source, parsed.bozo_exception)
    entries, dropped = parsed.entries, Counter()
    if len(entries) > max_entries:
        log.warning("%s: %d entries; only the newest %d are read", source, len(entries), max_entries)
        dropped[OVER_ENTRY_LIMIT] = len(entries) - max_entries
        entries = _newest(entries, max_entries)
    outlet = name or html_to_text(parsed.feed.get("title") or "") or None
    docs = [doc for entry in entries if (doc := _entry_document(entry, source, outlet, tz))]
    if not docs:
        reason = f"not well-formed: {parsed.bozo_exception}" if parsed.bozo else "no entry has a text or a title"
        raise InputError(f"{source}: no usable entries ({reason})")
    dropped[NO_TEXT_OR_TITLE] += len(entries) - len(docs)
    return Reading(docs, dropped)


def _newest(entries: list, count: int) -> list:
    """The `count` newest entries (undated ones last), in feed order."""
    def age(index: int) -> tuple:
        moment = _entry_time(entries[index])
        return (moment is None, -(moment.timestamp() if moment else 0.0), index)
    return [entries[i] for i in sorted(sorted(range(len(entries)), key=age)[:count])]


def _entry_time(entry) -> datetime | None:
    # (asking feedparser for updated_parsed when there is none warns about a deprecated fallback)
    stamp = entry.get("published_parsed") or (entry.get("updated_parsed") if "updated" in entry else None)
    try:
        return plausible(datetime(*stamp[:6], tzinfo=timezone.utc)) if stamp else None
    except (TypeError, ValueError, OverflowError):  # "0000-00-00", year 10000 after the offset, …
        return None


def _entry_document(entry, source: str, outlet: str | None, tz: tzinfo) -> Document | None:
    """The entry as a document; one with a title and no text is kept: its page may have the
    text, and else it is a headline (aggregators and tickers send only title and link)."""
    contents = [c.get("value", "") for c in entry.get("content", []) if isinstance(c.get("value"), str)]
    html = max(contents, key=len) if contents else entry.get("summary", "")
    text, title = html_to_text(html), html_to_text(entry.get("title", "")) or None
    if not text and not title:
        return None
    published = _entry_time(entry)
    # feedparser takes a permalink-style guid as the link even when it is no URL at all.
    link = entry.get("link") if is_http_url(entry.get("link") or "") else None
    # An aggregator's entry names the outlet it comes from (RSS <source>, Atom <source><title>).
    origin = entry.get("source") if isinstance(entry.get("source"), dict) else {}
    outlet = html_to_text(origin.get("title") or "") or outlet
    return Document(source=source, text=text, title=title, url=link, outlet=outlet, published=published,
                    id=_entry_id(entry, link, source, text or title), extracted=True)


def _entry_id(entry, link: str | None, source: str, text: str) -> str:
    """A guid that is a URL, tag: or urn: is global; any other ("123", "post-7") is only
    unique within its feed, so it is qualified by the feed: another feed using the same
    guid, by chance or on purpose, must not make digest drop this entry as a duplicate."""
    guid = entry.get("id") if isinstance(entry.get("id"), str) else ""
    if guid.strip():
        return guid if _GLOBAL_ID.match(guid) else f"{source}#{guid}"
    if link:
        return link
    return "sha1:" + hashlib.sha1(f"{source}\n{text}".encode("utf-8", "replace")).hexdigest()[:16]


class _NoTextOrTitle(ValueError):
    """A JSONL line without "text" and without "title"."""


def _jsonl_documents(text: str, source: str, name: str | None, tz: tzinfo) -> Reading:
    docs, dropped = [], Counter()
    # Only "\n" ends a line: JSON strings may hold U+2028 and other line breaks raw.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            docs.append(_json_document(json.loads(line), source, name, tz))
        except (ValueError, TypeError) as exc:
            dropped[NO_TEXT_OR_TITLE if isinstance(exc, _NoTextOrTitle) else UNREADABLE] += 1
            log.warning("%s line %d: skipped (%s)", source, number, exc)
    if not docs:
        raise InputError(f"{source}: no usable articles (each line needs a JSON object with \"text\" or \"title\")")
    return Reading(docs, dropped)


def _json_document(record: object, source: str, name: str | None, tz: tzinfo) -> Document:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    fields = {k: record.get(k) if isinstance(record.get(k), str) else None
              for k in ("id", "text", "title", "url", "outlet", "published", "language")}
    text = fields["text"] or ""
    if not text.strip() and not (fields["title"] or "").strip():
        raise _NoTextOrTitle('"text" and "title" are both missing or empty (one is needed)')
    return Document(source=source, text=text, title=fields["title"], url=fields["url"],
                    outlet=fields["outlet"] or name, published=parse_date(fields["published"], tz),
                    language=fields["language"], id=fields["id"], extracted=True)
