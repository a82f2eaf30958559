"""The one network function. It never raises: every failure becomes a FetchResult.error.

Every request is bounded in time and size whatever the server does:

- `total_timeout` is a deadline for the whole URL (all attempts, redirects, the connect,
  the response headers and the body): every socket operation gets at most the time left,
  so a server trickling its headers or its body cannot hold a worker past it;
- `max_bytes` bounds the body as sent and after decompression; digest decompresses gzip
  and deflate itself, in pieces of at most 64 KiB, so a compression bomb is refused after
  max_bytes of output rather than inflated in memory first;
- with `allow_private=False` (used for pages that a feed links to) every connection,
  redirects included, must go to a public address: a hostile feed cannot make digest
  request localhost or the local network. The address is checked after resolution and
  the connection made to that very address.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

from . import __version__

USER_AGENT = f"digest/{__version__} (+https://github.com/digest-news/digest; news digest generator)"
_PIECE = 64 * 1024  # largest decompressed piece held at once


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


class _TooLarge(ValueError):
    pass


def fetch(
    url: str,
    *,
    limits: FetchLimits = FetchLimits(),
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
    allow_private: bool = True,
) -> FetchResult:
    """GET `url` within `limits`, with conditional headers; retries transient failures.

    `allow_private=False` refuses to connect to loopback, private, link-local and other
    non-public addresses (after DNS resolution, on every redirect hop). Use a client from
    `new_client()`: only its connections obey the deadline and the address policy at
    every socket operation.
    """
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
        return _with_retries(client, url, headers, limits, allow_private)
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
    client = httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=limits.max_redirects, limits=pool,
                          verify=_tls_context())
    _guard_transports(client)
    return client


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once: loading it is most of making a client (30 ms)."""
    return httpx.create_ssl_context()


# --- the guard: deadline and address policy at every socket operation --------------------

# The request this thread is running: fetch() is synchronous, so httpx does every socket
# operation of a request in the thread that called fetch(), even on pooled connections.
_current = threading.local()


@contextlib.contextmanager
def _guarded(deadline: float, allow_private: bool) -> Iterator[None]:
    _current.deadline, _current.allow_private = deadline, allow_private
    try:
        yield
    finally:
        _current.deadline, _current.allow_private = None, True


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("total time limit reached")
    return left if timeout is None else min(timeout, left)


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _GuardedStream(self._stream.start_tls(ssl_context, server_hostname,
                                                     _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        if not getattr(_current, "allow_private", True):
            host = _public_address(host, port)  # connect to the address that was checked
        return _GuardedStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise httpcore.ConnectError("digest does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _guard_transports(client: httpx.Client) -> None:
    """Put the guard under every connection pool of `client` (proxy ones included)."""
    transports = [client._transport, *client._mounts.values()]  # noqa: SLF001 (no public hook)
    guarded = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            if not isinstance(pool._network_backend, _GuardedBackend):
                pool._network_backend = _GuardedBackend(pool._network_backend)
            guarded += 1
    if not guarded:  # httpx or httpcore changed their insides: better loud than unbounded
        raise RuntimeError("cannot bound httpx requests: unknown httpx/httpcore internals")


def is_public_ip(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    shared, reserved, multicast or unspecified; IPv4 mapped in IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolves_public(host: str) -> bool:
    """Whether every address `host` resolves to is public (False when it does not resolve)."""
    try:
        return all(is_public_ip(a) for a in _addresses(host, None))
    except OSError:
        return False


def _addresses(host: str, port: int | None) -> list[str]:
    host = host.strip("[]")
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _public_address(host: str, port: int) -> str:
    try:
        addresses = _addresses(host, port)
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    internal = [a for a in addresses if not is_public_ip(a)]
    if internal or not addresses:
        raise httpcore.ConnectError(f"refused: {host} is not a public address ({', '.join(internal) or 'none'})")
    return addresses[0]


# --- attempts -----------------------------------------------------------------------------


def _with_retries(client: httpx.Client, url: str, headers: dict, limits: FetchLimits,
                  allow_private: bool) -> FetchResult:
    result = FetchResult(url, url, error="not attempted")
    deadline = time.monotonic() + limits.total_timeout  # for all attempts together
    for attempt in range(limits.retries + 1):
        if attempt:
            pause = limits.backoff * 2 ** (attempt - 1)
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
        try:
            with _guarded(deadline, allow_private):
                return _get(client, url, headers, limits, deadline)
        except _Retryable as exc:
            result = FetchResult(url, url, error=str(exc))
        except httpx.TooManyRedirects:
            return FetchResult(url, url, error=f"more than {limits.max_redirects} redirects")
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, zlib.error) as exc:
            return FetchResult(url, url, error=_describe(exc))
    return result


def _get(client: httpx.Client, url: str, headers: dict, limits: FetchLimits, deadline: float) -> FetchResult:
    left = max(deadline - time.monotonic(), 0.001)
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout, pool=min(limits.read_timeout, left))
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            body = _read_body(response, limits, deadline)
    except (httpx.TimeoutException, httpx.RemoteProtocolError) as exc:
        if time.monotonic() >= deadline:
            raise _Retryable(f"took longer than {limits.total_timeout:g} s") from exc
        raise _Retryable(_describe(exc)) from exc
    resp_headers = {k.lower(): v for k, v in response.headers.items()}
    error = None if response.status_code < 400 else f"HTTP {response.status_code}"
    return FetchResult(url, str(response.url), response.status_code, body, resp_headers, error)


def _read_body(response: httpx.Response, limits: FetchLimits, deadline: float) -> bytes:
    too_large = f"body larger than {limits.max_bytes} bytes"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise _TooLarge(too_large)
    decode = _decoder(response.headers.get("content-encoding", ""))
    chunks, raw_size, size = [], 0, 0
    for raw in response.iter_raw():  # as sent: digest decompresses, within the limit
        raw_size += len(raw)
        if raw_size > limits.max_bytes:
            raise _TooLarge(too_large)
        for piece in decode(raw):
            size += len(piece)
            if size > limits.max_bytes:
                raise _TooLarge(too_large)
            chunks.append(piece)
        if time.monotonic() > deadline:
            raise _Retryable(f"took longer than {limits.total_timeout:g} s")
    for piece in decode(None):  # the end: what the decompressors still hold
        size += len(piece)
        if size > limits.max_bytes:
            raise _TooLarge(too_large)
        chunks.append(piece)
    return b"".join(chunks)


# --- bounded decompression ----------------------------------------------------------------


class _Inflater:
    """zlib in pieces of at most _PIECE bytes. HTTP "deflate" should carry a zlib header;
    some servers send raw deflate, which shows at the very first bytes."""

    def __init__(self, wbits: int) -> None:
        self._z = zlib.decompressobj(wbits)
        self._may_be_raw = wbits == zlib.MAX_WBITS
        self._first = True

    def __call__(self, data: bytes | None) -> Iterator[bytes]:
        data, more = data or b"", True
        if self._first:
            self._first = False
            try:
                out = self._z.decompress(data, _PIECE)
            except zlib.error:
                if not self._may_be_raw:
                    raise
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._z.decompress(data, _PIECE)
            data, more = self._z.unconsumed_tail, len(out) == _PIECE
            if out:
                yield out
        while (data or more) and not self._z.eof:  # anything after the end of the stream is ignored
            out = self._z.decompress(data, _PIECE)
            data, more = self._z.unconsumed_tail, len(out) == _PIECE
            if out:
                yield out


def _identity(data: bytes | None) -> Iterator[bytes]:
    if data:
        yield data


_CODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decoder(content_encoding: str):
    """A function from raw chunks (None at the end) to decoded pieces, for the coding(s)
    the server declared; unknown codings are refused."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unknown = [c for c in codings if c not in _CODINGS]
    if unknown:
        raise ValueError(f"unsupported Content-Encoding {', '.join(unknown)!s}")
    if len(codings) > 2:
        raise ValueError(f"too many content encodings ({len(codings)})")
    stages = [_Inflater(_CODINGS[c]) for c in reversed(codings)] or [_identity]

    def decode(data: bytes | None) -> Iterator[bytes]:
        pieces: Iterator[bytes] = stages[0](data)
        for stage in stages[1:]:
            pieces = _chain(stage, pieces, final=data is None)
        yield from pieces

    return decode


def _chain(stage, pieces: Iterator[bytes], final: bool) -> Iterator[bytes]:
    for piece in pieces:
        yield from stage(piece)
    if final:
        yield from stage(None)


def _describe(exc: Exception) -> str:
    name = {
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.ConnectError: "connection failed",
    }.get(type(exc))
    if isinstance(exc, zlib.error):
        return f"broken compressed body ({exc})"
    detail = str(exc).strip()
    if name:
        return f"{name}: {detail}" if detail else name
    return detail or type(exc).__name__
