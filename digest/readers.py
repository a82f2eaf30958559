"""Readers: turn one INPUT (file, folder, URL; optionally `NAME=INPUT`) into Documents.

Each reader raises InputError with a message that names the input; the caller reports it
and goes on with the other inputs.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path

import feedparser
from charset_normalizer import from_bytes

from .extract import PageText, extract_page, html_to_text, parse_date
from .fetch import FetchLimits, fetch, is_http_url
from .models import Document

log = logging.getLogger(__name__)

KINDS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xml": "feed",
         ".rss": "feed", ".atom": "feed", ".jsonl": "jsonl"}  # fmt: skip
_NAMED = re.compile(r"^(?P<name>[^=/\\:]{1,80})=(?P<target>.+)$")
# A feed by its content: any prolog (XML declaration, stylesheets, comments, doctype), then the root.
_FEED_START = re.compile(rb"^\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class InputError(Exception):
    """One input could not be used; the message names it and says why."""


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


def read_input(spec: InputSpec, tz: tzinfo = timezone.utc, limits: FetchLimits = FetchLimits()) -> list[Document]:
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
        return [doc for f in files for doc in _read_file_logged(f, spec.name, tz)]
    return _read_file(path, spec.name, tz)


def _read_file_logged(path: Path, name: str | None, tz: tzinfo) -> list[Document]:
    """Inside a folder one bad file is a warning, not the end of the folder."""
    try:
        return _read_file(path, name, tz)
    except InputError as exc:
        log.warning("%s", exc)
        return []


def _read_file(path: Path, name: str | None, tz: tzinfo) -> list[Document]:
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


def _read_url(spec: InputSpec, tz: tzinfo, limits: FetchLimits) -> list[Document]:
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
               tz: tzinfo = timezone.utc, charset: str | None = None) -> list[Document]:
    """Documents in `data` of the given kind ("text", "html", "feed", "jsonl")."""
    if kind == "feed":
        return _feed_documents(data, source, name, tz)
    text = decode(data, source, charset)
    if kind == "jsonl":
        return _jsonl_documents(text, source, name, tz)
    if kind == "html":
        page = extract_page(text, url)
        if page is None:
            raise InputError(f"{source}: no article text found on this page")
        return [_page_document(page, source, name, tz)]
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    return [Document(source=source, text=text, outlet=name, url=url)]


def decode(data: bytes, source: str, charset: str | None = None) -> str:
    """Text of a file: the declared charset, else UTF-8, else a detected one; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: binary file, not text")
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return _guess(data, source)


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


def _feed_documents(data: bytes, source: str, name: str | None, tz: tzinfo) -> list[Document]:
    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None) or "no entries"
        raise InputError(f"{source}: not a usable feed ({reason})")
    if parsed.bozo:
        log.warning("%s: feed is not well-formed (%s); using its entries anyway", source, parsed.bozo_exception)
    outlet = name or parsed.feed.get("title") or None
    docs = [doc for entry in parsed.entries if (doc := _entry_document(entry, source, outlet, tz))]
    if not docs:
        reason = f"not well-formed: {parsed.bozo_exception}" if parsed.bozo else "no entry has any text"
        raise InputError(f"{source}: no usable entries ({reason})")
    return docs


def _entry_document(entry, source: str, outlet: str | None, tz: tzinfo) -> Document | None:
    contents = [c.get("value", "") for c in entry.get("content", [])]
    html = max(contents, key=len) if contents else entry.get("summary", "")
    text = html_to_text(html)
    if not text:
        return None
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime(*stamp[:6], tzinfo=timezone.utc) if stamp else None
    # feedparser takes a permalink-style guid as the link even when it is no URL at all.
    link = entry.get("link") if is_http_url(entry.get("link") or "") else None
    return Document(source=source, text=text, title=html_to_text(entry.get("title", "")) or None,
                    url=link, outlet=outlet, published=published,
                    id=entry.get("id") or link, extracted=True)


def _jsonl_documents(text: str, source: str, name: str | None, tz: tzinfo) -> list[Document]:
    docs = []
    # Only "\n" ends a line: JSON strings may hold U+2028 and other line breaks raw.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            docs.append(_json_document(json.loads(line), source, name, tz))
        except (ValueError, TypeError) as exc:
            log.warning("%s line %d: skipped (%s)", source, number, exc)
    if not docs:
        raise InputError(f"{source}: no usable articles (each line needs a JSON object with \"text\")")
    return docs


def _json_document(record: object, source: str, name: str | None, tz: tzinfo) -> Document:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"text" is missing or empty')
    fields = {k: record.get(k) if isinstance(record.get(k), str) else None
              for k in ("id", "title", "url", "outlet", "published", "language")}
    return Document(source=source, text=text, title=fields["title"], url=fields["url"],
                    outlet=fields["outlet"] or name, published=parse_date(fields["published"], tz),
                    language=fields["language"], id=fields["id"], extracted=True)
