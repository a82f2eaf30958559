"""Shared fixtures: the seed articles, test data, and a local HTTP server (127.0.0.1 only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import pytest

# CI clones the project with ../shared beside it.
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    paths = sorted(SEEDS.glob("*.txt"))
    assert paths, f"no seed articles in {SEEDS}"
    return paths


class Route(NamedTuple):
    """One canned answer. `body` may be a list of chunks, sent `trickle` seconds apart."""

    status: int = 200
    headers: dict[str, str] = {}
    body: bytes | list[bytes] = b""
    delay: float = 0.0  # seconds to wait before answering at all
    trickle: float = 0.0  # seconds between body chunks
    raw: bool = False  # send `body` as the whole response: no status line or headers added


class Request(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased


class _Handler(SimpleHTTPRequestHandler):
    """Answers from `server.routes` (path -> Route, or a list of Routes served in turn,
    the last one repeating); any other path is a file of the served folder."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        server: LocalServer = self.server.owner  # type: ignore[attr-defined]
        server.requests.append(Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = server.next_route(self.path)
        if route is None:
            super().do_GET()
            return
        try:
            self._answer(route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size limit): that is what the test wanted

    def _answer(self, route: Route) -> None:
        time.sleep(route.delay)
        chunks = route.body if isinstance(route.body, list) else [route.body]
        if route.raw:
            self.close_connection = True
            self._send(chunks, route.trickle)
            return
        self.send_response(route.status)
        headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
        if isinstance(route.body, bytes) and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(route.body))
        for name, value in headers.items():
            if value is not None:  # None drops a default header
                self.send_header(name, value)
        self.end_headers()
        self._send(chunks, route.trickle)

    def _send(self, chunks: list[bytes], trickle: float) -> None:
        for chunk in chunks:
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(trickle)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class LocalServer:
    Route = Route  # so tests can build answers without importing conftest

    def __init__(self, folder: Path) -> None:
        self.routes: dict[str, Route | list[Route]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def route(self, path: str, *answers: Route, **fields) -> str:
        """Register a canned answer for `path` (fields of Route, or several Routes in turn);
        returns the full URL."""
        self.routes[path] = list(answers) if answers else Route(**fields)
        return self.url + path

    def next_route(self, path: str) -> Route | None:
        with self._lock:
            route = self.routes.get(path)
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
            return route

    def __str__(self) -> str:
        return self.url

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def serve_folder() -> Iterator:
    """Factory: `serve_folder(path)` starts another local server for that folder."""
    servers: list[LocalServer] = []

    def start(folder: Path = DATA) -> LocalServer:
        servers.append(LocalServer(folder))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def http_server(serve_folder) -> LocalServer:
    """A server on 127.0.0.1 (random port) serving tests/data; `.url` is its base URL,
    `.route(path, …)` adds a canned answer, `.requests` lists what it was asked."""
    return serve_folder(DATA)
