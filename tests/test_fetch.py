"""fetch(): the one network function, against a local server (127.0.0.1). It never raises.
And how ingest uses it at scale: pages as soon as their feed is read, a few per feed at once,
many sources in worker processes."""

from __future__ import annotations

import gzip
import html
import logging
import signal
import threading
import zlib
import socket
import time
from datetime import timezone
from pathlib import Path

import pytest

from newsroom import FLOOD

import digest.ingest as ingest_module
import digest.workers
from digest import __version__
from digest.fetch import USER_AGENT, FetchLimits, FetchResult, fetch
from digest.ingest import PAGE_LANES, Source, ingest

DATA = Path(__file__).resolve().parent / "data"
ARTICLE = (DATA / "pages" / "id_article.html").read_bytes()
FAST = FetchLimits(connect_timeout=1.0, read_timeout=0.3, total_timeout=3.0, max_bytes=1_000_000,
                   max_redirects=3, retries=2, backoff=0.01)


def test_fetch_returns_body_status_headers(http_server) -> None:
    result = fetch(f"{http_server.url}/pages/id_article.html", limits=FAST)
    assert result.ok and not result.not_modified and result.error is None
    assert result.status == 200
    assert result.content == ARTICLE
    assert result.content_type == "text/html"
    assert result.headers["content-length"] == str(len(ARTICLE))
    assert result.final_url == result.url == f"{http_server.url}/pages/id_article.html"


def test_user_agent_is_digests(http_server) -> None:
    fetch(f"{http_server.url}/feeds/id_feed.xml", limits=FAST)
    (request,) = http_server.requests
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["user-agent"].startswith(f"digest/{__version__} ")
    assert "gzip" in request.headers["accept-encoding"]


def test_no_conditional_headers_without_validators(http_server) -> None:
    fetch(f"{http_server.url}/feeds/id_feed.xml", limits=FAST)
    (request,) = http_server.requests
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers


def test_etag_and_last_modified_are_sent_and_304_is_not_modified(http_server) -> None:
    url = http_server.route("/rss", status=304, headers={"ETag": '"v42"'})
    stamp = "Wed, 06 Mar 2024 03:15:00 GMT"
    result = fetch(url, limits=FAST, etag='"v42"', last_modified=stamp)
    (request,) = http_server.requests
    assert request.headers["if-none-match"] == '"v42"'
    assert request.headers["if-modified-since"] == stamp
    assert result.not_modified and not result.ok
    assert result.status == 304 and result.error is None and result.content == b""
    assert result.headers["etag"] == '"v42"'


def test_etag_of_a_changed_resource_gives_the_new_body(http_server) -> None:
    body = (DATA / "feeds" / "en_atom.xml").read_bytes()
    url = http_server.route("/atom", body=body, headers={"ETag": '"v43"', "Content-Type": "application/atom+xml"})
    result = fetch(url, limits=FAST, etag='"v42"')
    assert result.ok and not result.not_modified
    assert result.content == body and result.headers["etag"] == '"v43"'


def test_500_is_retried_then_fails(http_server) -> None:
    url = http_server.route("/rusak", status=500, body=b"Internal Server Error")
    result = fetch(url, limits=FAST)
    assert not result.ok and result.error == "HTTP 500"
    assert http_server.count("/rusak") == FAST.retries + 1


def test_503_then_200_succeeds_on_retry(http_server) -> None:
    Route = http_server.Route
    url = http_server.route("/kadang", Route(503), Route(502), Route(200, body=b"<p>akhirnya</p>"))
    result = fetch(url, limits=FAST)
    assert result.ok and result.content == b"<p>akhirnya</p>"
    assert http_server.count("/kadang") == 3


def test_backoff_grows_between_retries(http_server) -> None:
    url = http_server.route("/rusak", status=500)
    started = time.monotonic()
    fetch(url, limits=FetchLimits(retries=2, backoff=0.2))
    assert time.monotonic() - started >= 0.2 + 0.4  # backoff, then twice the backoff


@pytest.mark.parametrize("status", [400, 403, 404, 410, 429])
def test_4xx_fails_at_once(http_server, status: int) -> None:
    url = http_server.route("/x", status=status)
    result = fetch(url, limits=FAST)
    assert not result.ok and result.status == status and result.error == f"HTTP {status}"
    assert http_server.count("/x") == 1


def test_read_timeout_is_retried_then_fails(http_server) -> None:
    url = http_server.route("/lambat", delay=1.0, body=b"terlambat")
    limits = FetchLimits(read_timeout=0.2, retries=1, backoff=0.01)
    started = time.monotonic()
    result = fetch(url, limits=limits)
    assert not result.ok and "timed out" in result.error
    assert time.monotonic() - started < 1.0
    assert http_server.count("/lambat") == 2


def test_total_timeout_stops_a_server_trickling_the_body(http_server) -> None:
    url = http_server.route("/tetes", body=[b"x"] * 60, trickle=0.05)  # 3 s in all, never 0.3 s idle
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.5, retries=0)
    started = time.monotonic()
    result = fetch(url, limits=limits)
    elapsed = time.monotonic() - started
    assert not result.ok and "longer than 0.5 s" in result.error
    assert elapsed < 1.2


def test_total_timeout_is_per_url_not_per_attempt(http_server) -> None:
    url = http_server.route("/tetes", body=[b"x"] * 60, trickle=0.05)
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.6, retries=2, backoff=0.01)
    started = time.monotonic()
    result = fetch(url, limits=limits)
    assert not result.ok
    assert time.monotonic() - started < 0.6 + 0.6


def test_total_timeout_stops_a_server_trickling_its_headers(http_server) -> None:
    head = [b"HTTP/1.1 200 OK\r\n"] + [b"X-Pad-%d: a\r\n" % i for i in range(30)] + [b"\r\nselesai"]
    url = http_server.route("/kepala", body=head, trickle=0.1, raw=True)  # 3 s of headers
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.5, retries=0)
    started = time.monotonic()
    result = fetch(url, limits=limits)
    elapsed = time.monotonic() - started
    assert not result.ok and "longer than 0.5 s" in result.error
    assert elapsed < 1.5


def test_declared_body_over_max_bytes_is_refused(http_server) -> None:
    url = http_server.route("/besar", body=b"a" * 5000)
    result = fetch(url, limits=FetchLimits(max_bytes=1000, retries=2, backoff=0.01))
    assert not result.ok and result.error == "body larger than 1000 bytes" and result.content == b""
    assert http_server.count("/besar") == 1  # not worth retrying


def test_undeclared_body_over_max_bytes_is_refused(http_server) -> None:
    url = http_server.route("/aliran", body=[b"a" * 400] * 10, headers={"Content-Length": None})
    result = fetch(url, limits=FetchLimits(max_bytes=1000, retries=0))
    assert not result.ok and result.error == "body larger than 1000 bytes"


def test_body_at_max_bytes_is_accepted(http_server) -> None:
    url = http_server.route("/pas", body=b"a" * 1000)
    result = fetch(url, limits=FetchLimits(max_bytes=1000, retries=0))
    assert result.ok and len(result.content) == 1000


def test_gzip_body_is_decompressed(http_server) -> None:
    url = http_server.route("/gz", body=gzip.compress(ARTICLE), headers={"Content-Encoding": "gzip"})
    result = fetch(url, limits=FAST)
    assert result.ok and result.content == ARTICLE


def test_gzip_bomb_is_refused_after_decompression(http_server) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000  # what the server declares is small
    url = http_server.route("/bom", body=bomb, headers={"Content-Encoding": "gzip",
                                                        "Content-Type": "application/rss+xml"})
    result = fetch(url, limits=FetchLimits(max_bytes=1024 * 1024, retries=2, backoff=0.01))
    assert not result.ok and result.error == f"body larger than {1024 * 1024} bytes"
    assert result.content == b""


def test_redirects_are_followed(http_server) -> None:
    http_server.route("/lama", status=301, headers={"Location": "/baru"})
    http_server.route("/baru", status=302, headers={"Location": "/pages/en_article.html"})
    result = fetch(f"{http_server.url}/lama", limits=FAST)
    assert result.ok
    assert result.url == f"{http_server.url}/lama"
    assert result.final_url == f"{http_server.url}/pages/en_article.html"
    assert result.content == (DATA / "pages" / "en_article.html").read_bytes()


def test_redirect_loop_fails(http_server) -> None:
    url = http_server.route("/putar", status=302, headers={"Location": "/putar"})
    result = fetch(url, limits=FAST)
    assert not result.ok and result.error == f"more than {FAST.max_redirects} redirects"
    assert http_server.count("/putar") == FAST.max_redirects + 1


def test_too_many_redirects_fails(http_server) -> None:
    for hop in range(5):
        http_server.route(f"/r{hop}", status=307, headers={"Location": f"/r{hop + 1}"})
    http_server.route("/r5", body=b"<p>sampai</p>")
    assert not fetch(f"{http_server.url}/r0", limits=FAST).ok  # max_redirects=3
    assert fetch(f"{http_server.url}/r0", limits=FetchLimits(max_redirects=5)).ok


@pytest.mark.parametrize("url", ["ftp://example.invalid/rss.xml", "file:///etc/passwd", "javascript:alert(1)",
                                 "example.invalid/rss.xml", "gopher://127.0.0.1/"])
def test_non_http_schemes_are_refused_without_a_request(url: str) -> None:
    result = fetch(url, limits=FAST)
    assert isinstance(result, FetchResult)
    assert not result.ok and result.status is None
    assert "http" in result.error


def test_connection_refused_is_an_error_not_an_exception() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    result = fetch(f"http://127.0.0.1:{port}/rss.xml", limits=FAST)
    assert not result.ok and result.status is None and result.error
    assert time.monotonic() - started < 2


def test_garbage_response_is_an_error_not_an_exception(http_server) -> None:
    url = http_server.route("/sampah", body=[b"\x16\x03\x01 this is not HTTP\r\n\r\n"], raw=True)
    result = fetch(url, limits=FAST)
    assert not result.ok and result.error


@pytest.mark.parametrize("url", ["http://[::1/rss.xml", "http://127.0.0.1:1/rss.xml\n", "http://127.0.0.1:1/a\x00b"])
def test_malformed_url_is_an_error_not_an_exception(url: str) -> None:
    result = fetch(url, limits=FAST)
    assert not result.ok and result.error


# --- hostile servers: deadline on every socket operation, bounded decompression ----------


def test_total_timeout_holds_on_a_shared_pooled_client(http_server) -> None:
    """ingest shares each client between a few threads: the deadline must still be per request."""
    from concurrent.futures import ThreadPoolExecutor

    from digest.fetch import new_client

    head = [b"HTTP/1.1 200 OK\r\n"] + [b"X-Pad-%d: a\r\n" % i for i in range(40)] + [b"\r\nselesai"]
    slow = http_server.route("/kepala", body=head, trickle=0.1, raw=True)
    fast = f"{http_server.url}/pages/id_article.html"
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.6, retries=0)
    started = time.monotonic()
    with new_client(limits, 4) as client, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda u: fetch(u, limits=limits, client=client), [slow, fast, slow, fast]))
    assert time.monotonic() - started < 1.5
    assert [r.ok for r in results] == [False, True, False, True]
    assert results[1].content == ARTICLE


def test_threads_share_small_pools_each_always_the_same_client() -> None:
    """ingest's threads share pools of POOL_CONNECTIONS: a thread always gets its client,
    and no client has more threads than connections (none waits for a connection)."""
    from concurrent.futures import ThreadPoolExecutor

    workers = 2 * ingest_module.POOL_CONNECTIONS + 1
    with ingest_module._Clients(FAST, workers) as clients, ThreadPoolExecutor(workers) as pool:
        barrier = threading.Barrier(workers)  # every thread of the pool takes part
        got = list(pool.map(lambda _: (barrier.wait(), threading.get_ident(), clients.get(), clients.get()),
                            range(workers)))
    assert all(first is again for _, _, first, again in got)
    by_client = {id(client): client for _, _, client, _ in got}
    assert len(by_client) == 3
    for client in by_client.values():
        threads = {ident for _, ident, c, _ in got if c is client}
        assert len(threads) <= client._transport._pool._max_connections  # noqa: SLF001
        assert client.is_closed


def test_stall_after_headers_is_bounded_by_total_timeout(http_server) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100\r\n\r\n<rss>"
    url = http_server.route("/macet", body=[head, b"x" * 95], trickle=5.0, raw=True)
    limits = FetchLimits(read_timeout=0.4, total_timeout=1.0, retries=3, backoff=0.01)
    started = time.monotonic()
    result = fetch(url, limits=limits)
    assert not result.ok and ("timed out" in result.error or "longer than" in result.error)
    assert time.monotonic() - started < 1.6


def test_deadline_covers_redirect_hops(http_server) -> None:
    Route = http_server.Route
    for hop in range(4):
        http_server.route(f"/hop{hop}", Route(302, headers={"Location": f"/hop{hop + 1}"}, delay=0.3))
    http_server.route("/hop4", body=b"<p>sampai</p>")
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.7, retries=0, max_redirects=5)
    started = time.monotonic()
    result = fetch(f"{http_server.url}/hop0", limits=limits)
    assert not result.ok and "longer than 0.7 s" in result.error
    assert time.monotonic() - started < 1.2


def test_deflate_bomb_is_refused_after_decompression(http_server) -> None:
    bomb = zlib.compress(b"\0" * (20 * 1024 * 1024), 9)
    url = http_server.route("/bom", body=bomb, headers={"Content-Encoding": "deflate"})
    result = fetch(url, limits=FetchLimits(max_bytes=1024 * 1024, retries=0))
    assert not result.ok and result.error == f"body larger than {1024 * 1024} bytes"


def test_gzip_inside_gzip_bomb_is_refused(http_server) -> None:
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    layer = b"".join(inner.compress(b"\0" * (1024 * 1024)) for _ in range(64)) + inner.flush()
    bomb = gzip.compress(layer, compresslevel=9)
    url = http_server.route("/bom2", body=bomb, headers={"Content-Encoding": "gzip, gzip"})
    result = fetch(url, limits=FetchLimits(max_bytes=1024 * 1024, retries=0))
    assert not result.ok and result.error == f"body larger than {1024 * 1024} bytes"


def test_decompressing_a_bomb_holds_little_memory(http_server) -> None:
    import tracemalloc

    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024), compresslevel=9)
    url = http_server.route("/bom", body=bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        result = fetch(url, limits=FetchLimits(max_bytes=2 * 1024 * 1024, retries=0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.ok and "larger than" in result.error
    assert peak < 8 * 1024 * 1024, peak  # the limit plus one piece, not the 30 MB


@pytest.mark.parametrize("coding, compress", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
    ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
    ("identity", lambda data: data),
])
def test_every_supported_content_encoding_is_decoded(http_server, coding, compress) -> None:
    body = ARTICLE * 40  # several decompression pieces
    url = http_server.route("/enc", body=compress(body), headers={"Content-Encoding": coding})
    result = fetch(url, limits=FetchLimits(max_bytes=len(body), retries=0))
    assert result.ok, result.error
    assert result.content == body


@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "gzip, gzip, gzip"])
def test_unsupported_content_encodings_are_refused(http_server, coding) -> None:
    url = http_server.route("/enc", body=b"\x1f\x8b\x08 not what it claims", headers={"Content-Encoding": coding})
    result = fetch(url, limits=FAST)
    assert not result.ok and ("Content-Encoding" in result.error or "encodings" in result.error)
    assert http_server.count("/enc") == 1


def test_corrupt_gzip_is_an_error_not_an_exception(http_server) -> None:
    url = http_server.route("/rusak.gz", body=b"\x1f\x8b\x08\x00garbage-garbage", headers={"Content-Encoding": "gzip"})
    result = fetch(url, limits=FAST)
    assert not result.ok and "compressed" in result.error


def test_private_addresses_can_be_refused(http_server) -> None:
    """Pages that a public feed links to are fetched with allow_private=False."""
    url = http_server.route("/admin", body=b"rahasia")
    result = fetch(url, limits=FAST, allow_private=False)
    assert not result.ok and "not a public address" in result.error
    assert http_server.count("/admin") == 0
    localhost = url.replace("127.0.0.1", "localhost")
    assert "not a public address" in fetch(localhost, limits=FAST, allow_private=False).error
    assert fetch(url, limits=FAST).ok  # configured sources may be anywhere


def test_a_redirect_to_a_private_address_is_refused(http_server, monkeypatch) -> None:
    """The address is checked at every connection, so a redirect cannot reach inside either."""
    import digest.fetch as fetch_module

    checked = []
    real = fetch_module.is_public_ip

    def public_port_only(address: str) -> bool:  # 127.0.0.1 counts as "public" for the first hop only
        checked.append(address)
        return len(checked) == 1 or real(address)

    monkeypatch.setattr(fetch_module, "is_public_ip", public_port_only)
    http_server.route("/keluar", status=302, headers={"Location": f"{http_server.url}/admin"})
    http_server.route("/admin", body=b"rahasia")
    result = fetch(f"{http_server.url}/keluar", limits=FAST, allow_private=False)
    assert not result.ok and "not a public address" in result.error
    assert http_server.count("/keluar") == 1 and http_server.count("/admin") == 0


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.1", False), ("172.16.5.4", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
    ("fe80::1", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("not an address", False),
])
def test_public_addresses_are_told_apart(address, public) -> None:
    from digest.fetch import is_public_ip

    assert is_public_ip(address) is public


def test_the_guard_costs_little_with_many_concurrent_fetches(http_server) -> None:
    """200 feeds through one pooled client, 16 at a time, as ingest does: the per-operation
    deadline must not slow the common case down."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from digest.fetch import new_client

    urls = [http_server.route(f"/f{i}.xml", body=ARTICLE) for i in range(200)]
    limits = FetchLimits(read_timeout=2.0, total_timeout=10.0, retries=0)

    def timed(client) -> float:
        started = time.monotonic()
        with client, ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda u: fetch(u, limits=limits, client=client), urls))
        assert all(r.ok for r in results)
        return time.monotonic() - started

    plain = httpx.Client(timeout=httpx.Timeout(2.0), limits=httpx.Limits(max_connections=16))
    baseline = min(timed(plain), timed(httpx.Client(timeout=httpx.Timeout(2.0))))
    guarded = min(timed(new_client(limits, 16)), timed(new_client(limits, 16)))
    print(f"200 fetches, 16 threads: {guarded:.2f} s guarded, {baseline:.2f} s plain httpx")
    assert guarded < baseline * 1.5 + 0.5, (guarded, baseline)


# --- ingest at scale ----------------------------------------------------------------------

RSS = {"Content-Type": "application/rss+xml"}
PATIENT = FetchLimits(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0, retries=0)


def rss(entries: list[tuple[str, str]]) -> bytes:
    """An RSS feed of (link, description) entries."""
    items = "".join(f"<item><title>Kabar {i}</title><link>{link}</link><guid>{link}</guid>"
                    f"<description>{html.escape(text)}</description></item>" for i, (link, text) in enumerate(entries))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kabar</title>'
            f"<link>http://127.0.0.1/</link><description>x</description>{items}</channel></rss>").encode()


def teaser_feed(server, name: str, pages: int, delay: float = 0.0) -> str:
    """A feed of `pages` one-sentence teasers whose pages hold the whole article."""
    links = [server.route(f"/{name}/{j}", body=ARTICLE, delay=delay) for j in range(pages)]
    return server.route(f"/{name}.xml", body=rss([(link, FLOOD[0]) for link in links]), headers=RSS)


def has_full_text(result) -> bool:
    return bool(result.documents) and all("Jalan Kaligawe Raya" in d.text and len(d.text.split()) > 300
                                          for d in result.documents)


def recorded_fetches(monkeypatch) -> list[tuple[str, float, float]]:
    """ingest's fetches from now on, as (url, started, ended)."""
    calls: list[tuple[str, float, float]] = []
    real = ingest_module.fetch

    def recording(url: str, **kwargs) -> FetchResult:
        started = time.monotonic()
        result = real(url, **kwargs)
        calls.append((url, started, time.monotonic()))
        return result

    monkeypatch.setattr(ingest_module, "fetch", recording)
    return calls


def test_a_feeds_pages_are_fetched_while_a_slow_feed_is_still_read(http_server, monkeypatch) -> None:
    calls = recorded_fetches(monkeypatch)
    slow = http_server.route("/lambat.xml", body=rss([(f"{http_server.url}/x", " ".join(FLOOD * 10))]),
                             headers=RSS, delay=1.5)
    quick = teaser_feed(http_server, "cepat", 2)
    results = ingest([Source("Lambat", slow), Source("Cepat", quick)], {}, timezone.utc, PATIENT, workers=4)
    assert [r.report.status for r in results] == ["ok", "ok"]
    assert has_full_text(results[1])
    slow_read = next(ended for url, _, ended in calls if url == slow)
    pages = [started for url, started, _ in calls if "/cepat/" in url]
    assert len(pages) == 2 and max(pages) < slow_read


def test_at_most_page_lanes_pages_of_one_feed_are_fetched_at_once(http_server, monkeypatch) -> None:
    calls = recorded_fetches(monkeypatch)
    feed = teaser_feed(http_server, "banyak", 3 * PAGE_LANES, delay=0.3)
    (result,) = ingest([Source("Banyak", feed)], {}, timezone.utc, PATIENT, workers=32)
    assert has_full_text(result) and len(result.documents) == 3 * PAGE_LANES
    pages = [(started, ended) for url, started, ended in calls if "/banyak/" in url]
    at_once = max(sum(s <= moment < e for s, e in pages) for moment, _ in pages)
    assert at_once == PAGE_LANES


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
def test_ctrl_c_stops_ingest_without_waiting_for_the_queued_sources(http_server) -> None:
    body = rss([(f"{http_server.url}/x", " ".join(FLOOD * 10))])
    urls = [http_server.route(f"/antre/{i}.xml", body=body, headers=RSS, delay=0.5) for i in range(40)]
    # Ctrl-C once the first feed is asked for, pressed again every 2 s (longer than stopping
    # takes) until the run stops. Python's own Ctrl-C handler is put back first: in full CI
    # runs on a fresh clone no press stopped the run (alone, or after the test modules before
    # this one, it always does; what changed the handler was not found).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    pressing, lock = threading.Event(), threading.Lock()

    def press() -> None:
        while not http_server.requests and not pressing.wait(0.01):
            pass
        while not pressing.is_set():
            with lock:
                if not pressing.is_set():
                    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            pressing.wait(2)

    ctrl_c = threading.Thread(target=press)
    ctrl_c.start()
    with pytest.raises(KeyboardInterrupt):
        try:
            ingest([Source(f"Antre {i}", url) for i, url in enumerate(urls)], {}, timezone.utc, PATIENT, workers=2)
        finally:
            with lock:
                pressing.set()
    ctrl_c.join()
    signal.signal(signal.SIGINT, previous)
    assert len(http_server.requests) <= 12  # what was under way, not the 40 feeds of the queue


def many_sources(server) -> list[Source]:
    """Teaser feeds, a feed that is not well-formed but usable, and a missing one."""
    broken = rss([(f"{server.url}/b/0", " ".join(FLOOD * 10))]).replace(b"Kabar 0", b"Kabar & 0")
    return [*(Source(f"Kabar {i}", teaser_feed(server, f"kabar{i}", 2)) for i in range(3)),
            Source("Rusak", server.route("/rusak.xml", body=broken, headers=RSS)),
            Source("Hilang", f"{server.url}/hilang.xml")]


def test_many_sources_are_read_in_worker_processes_with_the_same_results(http_server, monkeypatch,
                                                                          caplog) -> None:
    sources = many_sources(http_server)
    here = ingest(sources, {}, timezone.utc, PATIENT, workers=8)
    monkeypatch.setattr(ingest_module, "SOURCES_PER_PROCESS", 2)
    monkeypatch.setattr(ingest_module, "cores", lambda: 2)
    assert ingest_module.processes_for(len(sources), 8) == 2
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="digest"):
        there = ingest(sources, {}, timezone.utc, PATIENT, workers=8)
    assert [r.report.status for r in there] == ["ok", "ok", "ok", "ok", "failed"]
    assert [(r.report, r.documents, r.state, r.public) for r in there] == \
        [(r.report, r.documents, r.state, r.public) for r in here]
    assert all(has_full_text(r) for r in there[:3])
    # The workers' log records are logged here, as if the work had been done here.
    assert any(r.name == "digest.readers" and "feed is not well-formed" in r.getMessage() for r in caplog.records)
    assert any(r.name == "digest.ingest" and "Hilang" in r.getMessage() for r in caplog.records)


def test_a_worker_process_that_dies_has_its_sources_read_here(http_server, monkeypatch, caplog) -> None:
    monkeypatch.setattr(ingest_module, "SOURCES_PER_PROCESS", 1)
    monkeypatch.setattr(ingest_module, "cores", lambda: 3)
    monkeypatch.setattr(digest.workers, "_WORKER", "import os; os._exit(3)")
    sources = [Source(f"Kabar {i}", teaser_feed(http_server, f"kabar{i}", 2)) for i in range(3)]
    with caplog.at_level(logging.WARNING, logger="digest"):
        results = ingest(sources, {}, timezone.utc, PATIENT, workers=4)
    assert all(r.report.status == "ok" and has_full_text(r) for r in results)
    assert caplog.text.count("a worker process failed (exit code 3)") == 2
