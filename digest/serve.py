"""`digest serve`: the output folder over HTTP, read-only, for readers and feed subscribers.

GET and HEAD only; nothing outside the folder (no `..`, no encoded separators, no symlinks
that lead out, no hidden files such as half-written `.briefing.pdf.*.tmp`); no directory
listings (a folder serves its index.html, or 404). Conditional requests (ETag /
If-None-Match, Last-Modified / If-Modified-Since) answer 304 so feed readers poll cheaply.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import shutil
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

log = logging.getLogger(__name__)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".xml": "application/xml; charset=utf-8",
}
_FEED_NAMES = {"feed.xml"}  # the RSS files digest writes


def content_type(path: Path) -> str:
    if path.name in _FEED_NAMES:
        return "application/rss+xml; charset=utf-8"
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for `folder` (need not exist yet: 404 until the first run writes it); not yet serving."""
    root = Path(os.path.realpath(folder))
    server = ThreadingHTTPServer((host, port), partial(OutputHandler, root=root))
    server.daemon_threads = True
    return server


class OutputHandler(BaseHTTPRequestHandler):
    server_version = "digest"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, root: Path, **kwargs) -> None:
        self.root = root
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _refuse_method(self) -> None:
        self._status(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method  # read-only

    def _serve(self, body: bool) -> None:
        url_path = urlsplit(self.path).path
        target = resolve(self.root, url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):  # so that relative links in index.html resolve
                location = quote(str(target.relative_to(self.root)).removeprefix("."))
                self._status(HTTPStatus.MOVED_PERMANENTLY, {"Location": f"/{location}/".replace("//", "/")})
                return
            target = resolve(self.root, url_path + "index.html")
        if target is None or not target.is_file():
            self._status(HTTPStatus.NOT_FOUND)
            return
        self._send_file(target, body)

    def _send_file(self, path: Path, body: bool) -> None:
        with open(path, "rb") as handle:  # stat the open file: an atomic replace cannot mix two versions
            stat = os.fstat(handle.fileno())
            etag = f'"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'
            headers = {"ETag": etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
                       "Cache-Control": "no-cache"}  # always revalidate: briefs change daily
            if self._not_modified(etag, int(stat.st_mtime)):
                self._status(HTTPStatus.NOT_MODIFIED, headers)
                return
            self.send_response(HTTPStatus.OK)
            headers.update({"Content-Type": content_type(path), "Content-Length": str(stat.st_size),
                            "X-Content-Type-Options": "nosniff"})
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                try:
                    shutil.copyfileobj(handle, self.wfile)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client went away: nothing to report

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 §13.1: If-None-Match decides when present; else If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored, as the RFC says

    def _status(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        """A response without a file: 304 has no body; errors get a one-line text body."""
        text = b"" if status == HTTPStatus.NOT_MODIFIED else f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if text:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if text and self.command != "HEAD":
            self.wfile.write(text)

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)


def resolve(root: Path, url_path: str) -> Path | None:
    """The file or folder under `root` that `url_path` names, or None when it would leave `root`.

    Decoding comes first, so `%2e%2e` and `%2f` are judged as the `..` and `/` they stand for;
    then any `..`, hidden or NUL-bearing segment is refused, and finally the real path (symlinks
    followed) must still be inside `root`.
    """
    try:
        segments = [s for s in unquote(url_path, errors="strict").split("/") if s]
    except UnicodeDecodeError:
        return None
    if any(s.startswith(".") or "\0" in s or "\\" in s for s in segments):
        return None
    real = Path(os.path.realpath(root.joinpath(*segments)))
    return real if real == root or root in real.parents else None
