"""The one network function. It never raises: every failure becomes a FetchResult.error."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from . import __version__

USER_AGENT = f"digest/{__version__} (+https://github.com/digest-news/digest; news digest generator)"


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    # Total wall time per URL, so a server trickling bytes cannot hold us forever.
    total_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 1.0


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared in Content-Type, if any."""
        return self.headers.get("content-type", "").partition("charset=")[2].strip(' "\'') or None


class _Retryable(Exception):
    """A failure worth another attempt (timeouts, 5xx, dropped connections)."""


def fetch(
    url: str,
    *,
    limits: FetchLimits = FetchLimits(),
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET `url` within `limits`, with conditional headers; retries transient failures."""
    if not is_http_url(url):
        return FetchResult(url, url, error="only well-formed http and https URLs can be fetched")
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own_client = client is None
    client = client or new_client(limits)
    try:
        return _with_retries(client, url, headers, limits)
    finally:
        if own_client:
            client.close()


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and url.isprintable()


def new_client(limits: FetchLimits = FetchLimits(), connections: int = 10) -> httpx.Client:
    """A client to share between threads fetching many URLs (pooled connections)."""
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    pool = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=limits.max_redirects, limits=pool)


def _with_retries(client: httpx.Client, url: str, headers: dict, limits: FetchLimits) -> FetchResult:
    result = FetchResult(url, url, error="not attempted")
    deadline = time.monotonic() + limits.total_timeout  # for all attempts together
    for attempt in range(limits.retries + 1):
        if attempt:
            pause = limits.backoff * 2 ** (attempt - 1)
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
        try:
            return _get(client, url, headers, limits, deadline)
        except _Retryable as exc:
            result = FetchResult(url, url, error=str(exc))
        except httpx.TooManyRedirects:
            return FetchResult(url, url, error=f"more than {limits.max_redirects} redirects")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            return FetchResult(url, url, error=_describe(exc))
    return result


def _get(client: httpx.Client, url: str, headers: dict, limits: FetchLimits, deadline: float) -> FetchResult:
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            body = _read_body(response, limits, deadline)
    except (httpx.TimeoutException, httpx.RemoteProtocolError) as exc:
        raise _Retryable(_describe(exc)) from exc
    resp_headers = {k.lower(): v for k, v in response.headers.items()}
    error = None if response.status_code < 400 else f"HTTP {response.status_code}"
    return FetchResult(url, str(response.url), response.status_code, body, resp_headers, error)


def _read_body(response: httpx.Response, limits: FetchLimits, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise ValueError(f"body larger than {limits.max_bytes} bytes")
    chunks, size = [], 0
    # iter_bytes yields decompressed data, so the limit also stops compression bombs.
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise ValueError(f"body larger than {limits.max_bytes} bytes")
        if time.monotonic() > deadline:
            raise _Retryable(f"took longer than {limits.total_timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: Exception) -> str:
    name = {
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.ConnectError: "connection failed",
    }.get(type(exc))
    detail = str(exc).strip()
    if name:
        return f"{name}: {detail}" if detail else name
    return detail or type(exc).__name__
