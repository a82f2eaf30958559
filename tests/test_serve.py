"""`digest serve`: content types, conditional requests (304), HEAD, no listings, no way out of OUT."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.serve import make_server

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
SECRET = b"top secret, outside the output folder"


@pytest.fixture
def out(tmp_path) -> Path:
    """An output folder as `digest run` leaves it, beside a secret it must never serve."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_bytes(SECRET)
    out = tmp_path / "out"
    day = out / "2026-11-22"
    day.mkdir(parents=True)
    (out / "index.html").write_text("<!DOCTYPE html><title>Archive</title>", "utf-8")
    (out / "feed.xml").write_text('<?xml version="1.0"?><rss version="2.0"></rss>', "utf-8")
    (day / "briefing.html").write_text("<!DOCTYPE html><title>Brief</title>", "utf-8")
    (day / "briefing.json").write_text('{"title": "Brief"}', "utf-8")
    (day / "briefing.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (day / ".briefing.pdf.x1y2.tmp").write_bytes(b"%PDF-half-writ")  # what a killed write leaves
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (out / "leakdir").symlink_to(tmp_path / "outside")
    (out / "latest").symlink_to(day)  # a link that stays inside is fine
    return out


@pytest.fixture
def server(out):
    httpd = make_server(out, port=0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def request(server, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """Send `path` exactly as given (no client-side normalisation) to a server or a (host, port)."""
    address = server if isinstance(server, tuple) else server.server_address
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_binds_127_0_0_1_by_default(server):
    assert server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("path, content_type", [
    ("/index.html", "text/html; charset=utf-8"),
    ("/feed.xml", "application/rss+xml; charset=utf-8"),
    ("/2026-11-22/briefing.html", "text/html; charset=utf-8"),
    ("/2026-11-22/briefing.json", "application/json"),
    ("/2026-11-22/briefing.pdf", "application/pdf"),
    ("/latest/briefing.pdf", "application/pdf"),
])
def test_content_types_and_bodies(server, out, path, content_type):
    status, headers, body = request(server, path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert body == (out / path.lstrip("/")).read_bytes()
    assert headers["content-length"] == str(len(body))
    assert headers["x-content-type-options"] == "nosniff"


def test_a_folder_serves_its_index_and_a_folder_without_one_is_not_listed(server, out):
    assert request(server, "/")[2] == (out / "index.html").read_bytes()
    status, headers, _ = request(server, "/2026-11-22")
    assert (status, headers["location"]) == (301, "/2026-11-22/")
    status, _, body = request(server, "/2026-11-22/")
    assert status == 404 and b"briefing" not in body


def test_head_gives_the_headers_without_the_body(server, out):
    status, headers, body = request(server, "/feed.xml", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str((out / "feed.xml").stat().st_size)
    assert headers["content-type"].startswith("application/rss+xml")


def test_etag_and_last_modified_give_304_until_the_file_is_replaced(server, out):
    _, headers, _ = request(server, "/feed.xml")
    etag, modified = headers["etag"], headers["last-modified"]
    assert request(server, "/feed.xml", headers={"If-None-Match": etag})[:1] == (304,)
    status, again, body = request(server, "/feed.xml", headers={"If-None-Match": f'"other", W/{etag}'})
    assert (status, body, again["etag"]) == (304, b"", etag)
    assert request(server, "/feed.xml", headers={"If-Modified-Since": modified})[0] == 304
    assert request(server, "/feed.xml", headers={"If-Modified-Since": formatdate(0, usegmt=True)})[0] == 200
    # If-None-Match decides when both are sent (RFC 9110 §13.2.2)
    assert request(server, "/feed.xml", headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    assert request(server, "/feed.xml", headers={"If-Modified-Since": "not a date"})[0] == 200
    replacement = out / ".feed.xml.new"
    replacement.write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "utf-8")
    os.replace(replacement, out / "feed.xml")  # what write_atomic does
    status, headers, _ = request(server, "/feed.xml", headers={"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/..%2fsecret.txt",
    "/2026-11-22/../../secret.txt",
    "/2026-11-22/%2e%2e/%2e%2e/secret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    f"/{'..%2F' * 12}etc%2Fpasswd",
    "http://127.0.0.1/../secret.txt",
    "../secret.txt",
    "/..\\secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/secret.txt%00.html",
    "/leak.txt",
    "/leakdir/",
    "/leakdir/index.html",
    "/2026-11-22/.briefing.pdf.x1y2.tmp",
])
def test_nothing_outside_the_folder_nor_hidden_is_served(server, path):
    status, _, body = request(server, path)
    assert status == 404
    assert SECRET not in body and b"root:" not in body


def test_write_methods_are_refused(server):
    status, headers, _ = request(server, "/feed.xml", "POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert request(server, "/feed.xml", "DELETE")[0] == 405


def test_a_missing_output_folder_answers_404_until_a_run_writes_it(tmp_path):
    httpd = make_server(tmp_path / "not-yet", port=0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        assert request(httpd, "/")[0] == 404
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_serve_command_serves_the_configs_out_and_stops_on_sigterm(tmp_path):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    out = tmp_path / "out" / "demo"
    out.mkdir(parents=True)
    (out / "feed.xml").write_text("<rss/>", "utf-8")
    config = tmp_path / "examples" / "demo" / "feeds.yaml"
    port = _free_port()
    answers: list = []

    def client() -> None:
        for _ in range(200):
            try:
                answers.append(request(("127.0.0.1", port), "/feed.xml"))
            except OSError:
                time.sleep(0.05)
                continue
            os.kill(os.getpid(), signal.SIGTERM)  # it answered, so its SIGTERM handler is in place
            return

    previous = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=client)
    thread.start()
    result = CliRunner().invoke(cli, ["serve", "--config", str(config), "--port", str(port)])
    thread.join()
    assert signal.getsignal(signal.SIGTERM) == previous  # restored
    assert result.exit_code == 0, result.output
    assert f"Serving {out} at http://127.0.0.1:{port}/" in result.output
    ((status, headers, body),) = answers
    assert (status, headers["content-type"], body) == (200, "application/rss+xml; charset=utf-8", b"<rss/>")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
