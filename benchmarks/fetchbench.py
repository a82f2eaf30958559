"""The fetch benchmark: digest's real ingest path against a slow local news site.

    python benchmarks/fetchbench.py [--feeds 500] [--delay 0.2] [--teasers 0.2] [--entries 10]
                                    [--workers N]
    python benchmarks/fetchbench.py --serve [...]   # only the site, until stdin closes

A test server on 127.0.0.1 answers every request after `delay` seconds (the round trip and
think time of a real news site). It serves `feeds` distinct RSS feeds of `entries` real
articles each (IndoSum and MultiLing 2011 texts from ../shared/eval, picked with a fixed
seed): most feeds carry the full text in content:encoded; `teaser_share` of them carry only
a one- or two-sentence teaser, so digest fetches each of their entries' article pages,
which are served as ordinary news pages (menus, byline, related links, footer) for
trafilatura to extract.

`fetch_benchmark()` runs `digest.ingest.ingest` over all feeds with the settings a user gets
by default (the `fetch:` section of feeds.yaml, concurrency included) unless `workers` is
given, and reports the wall time, the CPU time of digest (its worker processes included) and
of the server, the requests the server answered, requests per second, and what digest got out
of them. The server runs in its own process, as a real site would: in digest's process its
threads would compete with digest's parsing for the GIL. On a machine of few cores it still
competes for the cores, hence its CPU time in the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import random
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = {"id": SHARED / "eval" / "indosum_dev_sample" / "clusters.jsonl",
           "en": SHARED / "eval" / "multiling2011" / "english.clusters.jsonl"}
SEED = 8  # issue 8: the same site on every run
MIN_WORDS = 150  # a full-text entry must not look like a teaser to digest (it reads < 120 words as one)
TEASER_WORDS = 60  # feeds cut longer teasers short
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])")


@dataclass(frozen=True)
class Article:
    title: str
    outlet: str
    language: str
    paragraphs: tuple[str, ...]

    def teaser(self, sentences: int) -> str:
        """The first `sentences` sentences, more while they make under a dozen words (a
        split after "U.S." or a one-word greeting is no teaser), cut at TEASER_WORDS."""
        taken: list[str] = []
        for sentence in _SENTENCE_END.split(" ".join(self.paragraphs[:3])):
            if len(taken) >= sentences and len(" ".join(taken).split()) >= 12:
                break
            taken.append(sentence)
        words = " ".join(taken).split()
        return " ".join(words[:TEASER_WORDS]) + (" …" if len(words) > TEASER_WORDS else "")

    @property
    def last_paragraph(self) -> str:
        """The last paragraph of some length: proof that a page's full text was read."""
        return next(p for p in reversed(self.paragraphs) if len(p.split()) >= 8)


def load_articles() -> dict[str, list[Article]]:
    """The articles of the shared corpora by language, long enough to be full text."""
    articles: dict[str, list[Article]] = {}
    for language, path in CORPORA.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            for doc in json.loads(line)["docs"]:
                article = _article(doc, language)
                if article and sum(len(p.split()) for p in article.paragraphs) >= MIN_WORDS:
                    articles.setdefault(language, []).append(article)
    return articles


def _article(doc: dict, language: str) -> Article | None:
    paragraphs = [" ".join(p.split()) for p in doc["text"].split("\n")]
    while paragraphs and len(paragraphs[0].split()) < 6:  # MultiLing opens with a date line
        paragraphs.pop(0)
    paragraphs = [p for p in paragraphs if p]
    # IndoSum has no titles: its URLs' slugs are the headlines.
    title = doc.get("title") or (doc.get("url") or "").rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()
    if not paragraphs or not title or not any(len(p.split()) >= 8 for p in paragraphs):
        return None
    outlet = (doc.get("source") or "wikinews").capitalize()
    return Article(title, outlet, language, tuple(paragraphs))


# --- the site -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    url: str
    article: Article
    teaser: str | None  # None: the feed carries the full text


@dataclass(frozen=True)
class Site:
    """Every feed of the benchmark, by URL, with its entries."""

    feeds: dict[str, list[Entry]]

    @property
    def teaser_entries(self) -> list[Entry]:
        return [e for entries in self.feeds.values() for e in entries if e.teaser is not None]


def build_site(base: str, feeds: int, teaser_share: float, entries: int, seed: int = SEED) -> Site:
    """The same site for the same arguments (the server and the benchmark both build it)."""
    rng = random.Random(seed)
    articles = load_articles()
    teasers = set(rng.sample(range(feeds), round(feeds * teaser_share)))
    site: dict[str, list[Entry]] = {}
    for i in range(feeds):
        pool = articles[rng.choices(("id", "en"), weights=(3, 1))[0]]
        site[f"{base}/feeds/{i}.xml"] = [
            Entry(f"{base}/news/{i}/{j}-{_slug(article.title)}.html", article,
                  article.teaser(rng.choice((1, 2))) if i in teasers else None)
            for j, article in enumerate(rng.sample(pool, entries))]
    return Site(site)


def _slug(title: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))[:60]


def render_site(site: Site, now: datetime) -> dict[str, bytes]:
    """Path → body of every feed and of every teaser entry's article page."""
    bodies: dict[str, bytes] = {}
    for number, (url, entries) in enumerate(site.feeds.items()):
        dates = [now - timedelta(minutes=7 * number + 41 * j) for j in range(len(entries))]
        bodies[_path(url)] = _feed_xml(url, number, entries, dates).encode("utf-8")
        for entry, date in zip(entries, dates):
            if entry.teaser is not None:
                bodies[_path(entry.url)] = _page_html(entry, date, entries).encode("utf-8")
    return bodies


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _feed_xml(url: str, number: int, entries: list[Entry], dates: list[datetime]) -> str:
    outlet = entries[0].article.outlet
    items = "".join(_item(e, d) for e, d in zip(entries, dates))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>\n'
            f"<title>{html.escape(outlet)} — rubrik {number}</title><link>{html.escape(url)}</link>"
            f"<description>Berita terkini {number}</description>"
            f"<language>{entries[0].article.language}</language>"
            f"<lastBuildDate>{format_datetime(dates[0])}</lastBuildDate>\n{items}</channel></rss>\n")


def _item(entry: Entry, date: datetime) -> str:
    article = entry.article
    if entry.teaser is None:
        description = article.paragraphs[0]
        content = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        encoded = f"<content:encoded>{html.escape(content)}</content:encoded>"
    else:
        description, encoded = entry.teaser, ""
    link = html.escape(entry.url)
    return (f"<item><title>{html.escape(article.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{format_datetime(date)}</pubDate>'
            f"<dc:creator>Redaksi {html.escape(article.outlet)}</dc:creator>"
            f"<description>{html.escape(description)}</description>{encoded}</item>\n")


def _page_html(entry: Entry, date: datetime, siblings: list[Entry]) -> str:
    """An article page as news sites make them: the article among menus, ads and links."""
    a, e = entry.article, html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in a.paragraphs)
    related = "".join(f'<li><a href="{e(s.url)}">{e(s.article.title)}</a></li>' for s in siblings if s is not entry)
    return f"""<!DOCTYPE html>
<html lang="{a.language}"><head><meta charset="utf-8"><title>{e(a.title)} | {e(a.outlet)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{e(entry.teaser or '')}">
<meta property="og:title" content="{e(a.title)}"><meta property="og:site_name" content="{e(a.outlet)}">
<meta property="og:url" content="{e(entry.url)}"><link rel="canonical" href="{e(entry.url)}">
<meta property="article:published_time" content="{date.isoformat()}">
<link rel="stylesheet" href="/static/site.css"><script>window.dataLayer = window.dataLayer || [];</script>
</head><body>
<header class="site-header"><a class="logo" href="/">{e(a.outlet)}</a>
<nav><ul><li><a href="/news">Berita</a></li><li><a href="/ekonomi">Ekonomi</a></li>
<li><a href="/olahraga">Olahraga</a></li><li><a href="/tekno">Tekno</a></li>
<li><a href="/login">Masuk</a></li></ul></nav>
</header>
<main><article class="article">
<h1 class="headline">{e(a.title)}</h1>
<div class="byline">Oleh <span class="author">Redaksi {e(a.outlet)}</span> ·
<time datetime="{date.isoformat()}">{date:%d %B %Y %H:%M}</time></div>
<figure><img src="/img/{_slug(a.title)}.jpg" alt=""><figcaption>Ilustrasi. (Dok. {e(a.outlet)})</figcaption></figure>
<div class="article-body">
{body}
</div>
<div class="tags">Tag: <a href="/tag/berita">berita</a> <a href="/tag/terkini">terkini</a></div>
</article>
<div class="ad">ADVERTISEMENT</div>
<aside class="related"><h2>Baca juga</h2><ul>{related}</ul></aside></main>
<footer><p>© 2024 {e(a.outlet)}. Hak cipta dilindungi undang-undang.</p>
<ul><li><a href="/tentang">Tentang kami</a></li><li><a href="/pedoman">Pedoman media siber</a></li></ul></footer>
</body></html>
"""


# --- the server (in its own process) ------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: every worker of digest may connect at once

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay = delay
        self.bodies: dict[str, bytes] = {}
        self.counts = {"feeds": 0, "pages": 0, "other": 0}
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that left is no error
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as news sites do
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK of the headers (40 ms), which no real news server makes anyone wait.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        time.sleep(self.server.delay)
        body = self.server.bodies.get(self.path)
        kind = "other" if body is None else "feeds" if self.path.startswith("/feeds/") else "pages"
        with self.server.lock:
            self.server.counts[kind] += 1
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        feed = kind == "feeds"
        self.send_header("Content-Type", f"{'application/rss+xml' if feed else 'text/html'}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # 1,500 lines of access log would bury the figures


def serve(feeds: int, delay: float, teaser_share: float, entries: int) -> None:
    """Serve the site; print its base URL, then, once stdin closes, the request counts (JSON)."""
    server = _Server(delay)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.bodies = render_site(build_site(base, feeds, teaser_share, entries), datetime.now(timezone.utc))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(base, flush=True)
    sys.stdin.read()
    server.shutdown()
    server.server_close()
    with contextlib.suppress(BrokenPipeError):  # the benchmark is gone (interrupted): nobody to tell
        print(json.dumps(server.counts), flush=True)


class SiteProcess:
    """`serve()` in a child process; `stop()` ends it and returns what it answered."""

    def __init__(self, feeds: int, delay: float, teaser_share: float, entries: int) -> None:
        self.cpu_seconds = 0.0  # the server's, once stopped
        options = ["--feeds", str(feeds), "--delay", str(delay), "--teasers", str(teaser_share),
                   "--entries", str(entries)]
        self._process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", *options],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.base = self._process.stdout.readline().strip()
        if not self.base.startswith("http://127.0.0.1:"):
            self._process.kill()
            raise RuntimeError("the benchmark's server did not start (see its error above)")

    def stop(self) -> dict[str, int]:
        before = _cpu_seconds()
        try:
            out, _ = self._process.communicate(timeout=30)
        finally:
            self._process.kill()  # a no-op once it has exited
        # What the server cost: on a small machine it competes with digest for the cores.
        self.cpu_seconds = _cpu_seconds() - before
        return json.loads(out)


# --- the benchmark ------------------------------------------------------------------------


def fetch_benchmark(feeds: int = 500, delay: float = 0.2, teaser_share: float = 0.2, entries: int = 10,
                    workers: int | None = None) -> dict:
    """Ingest the site's feeds with digest's default fetch settings (`workers` overrides the
    concurrency); wall time, requests answered, and what digest made of them."""
    # Imported here: the server process, which runs this file too, needs only the standard library.
    from digest.config import Fetch
    from digest.ingest import Source, ingest, processes_for

    settings = Fetch()
    workers = workers or settings.concurrency
    site_process = SiteProcess(feeds, delay, teaser_share, entries)
    try:
        site = build_site(site_process.base, feeds, teaser_share, entries)
        sources = [Source(f"Feed {i}", url) for i, url in enumerate(site.feeds)]
        started, cpu = time.perf_counter(), _cpu_seconds()
        results = ingest(sources, {}, timezone.utc, settings.limits(), workers)
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    finally:
        counts = site_process.stop()
    requests = counts["feeds"] + counts["pages"] + counts["other"]
    return {
        "feeds": feeds, "teaser_feeds": round(feeds * teaser_share), "entries_per_feed": entries,
        "delay_s": delay, "workers": workers, "processes": processes_for(feeds, workers),
        "limits": asdict(settings.limits()),
        "wall_s": round(wall, 3), "cpu_s": round(cpu, 2), "server_cpu_s": round(site_process.cpu_seconds, 2),
        "requests": requests, "requests_per_s": round(requests / wall, 1),
        "feed_requests": counts["feeds"], "page_requests": counts["pages"],
        "feeds_ok": sum(r.report.status == "ok" for r in results),
        "feeds_failed": sum(r.report.status == "failed" for r in results),
        "documents": sum(len(r.documents) for r in results),
        "full_text_pages": _full_text_pages(site, results),
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of its children waited for: digest's worker processes
    once ingest has returned; the server once stopped."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _full_text_pages(site: Site, results: list) -> int:
    """Teaser entries whose document holds their page's full text (its last paragraph)."""
    texts = {d.url: d.text for r in results for d in r.documents}
    return sum(_words(e.article.last_paragraph) in _words(texts.get(e.url, "")) for e in site.teaser_entries)


def _words(text: str) -> str:
    """The words of `text`: extraction may respace quotes and punctuation, not words."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def markdown(figures: dict) -> str:
    header = ("feeds", "teaser feeds", "delay", "workers", "processes", "wall s", "CPU s (server)", "requests",
              "req/s", "feeds ok / failed", "documents", "full-text pages")
    row = (figures["feeds"], figures["teaser_feeds"], f"{figures['delay_s'] * 1000:g} ms", figures["workers"],
           figures["processes"], f"{figures['wall_s']:.2f}", f"{figures['cpu_s']:.1f} ({figures['server_cpu_s']:.1f})",
           figures["requests"], f"{figures['requests_per_s']:.0f}",
           f"{figures['feeds_ok']} / {figures['feeds_failed']}", figures["documents"], figures["full_text_pages"])
    lines = [header, ("---",) * len(header), row]
    return "\n".join("| " + " | ".join(str(c) for c in line) + " |" for line in lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before every answer")
    parser.add_argument("--teasers", type=float, default=0.2, help="share of feeds with teasers only")
    parser.add_argument("--entries", type=int, default=10, help="entries per feed")
    parser.add_argument("--workers", type=int, help="concurrency (default: digest's fetch.concurrency)")
    parser.add_argument("--serve", action="store_true", help="only serve the site, until stdin closes")
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.feeds, args.delay, args.teasers, args.entries)
        return
    print(markdown(fetch_benchmark(args.feeds, args.delay, args.teasers, args.entries, args.workers)))


if __name__ == "__main__":
    main()
