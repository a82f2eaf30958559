"""`digest run`: the offline demo, feeds served from 127.0.0.1, re-runs, next-day runs, bad feeds."""

import json
import re
import shutil
import sqlite3
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import digest.articles
import digest.briefing
import digest.pipeline
import digest.workers
from digest.cli import cli
from digest.config import load_config
from digest.pipeline import run
from digest.readers import InputSpec, read_input
from digest.selection import OVERRUN
from digest.stages import StageClock
from newsroom import FLOOD, RATES

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def invoke(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def brief_of(out: Path) -> dict:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return json.loads((folder / "briefing.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(DEMO, root / "examples" / "demo")
    config = root / "examples" / "demo" / "feeds.yaml"
    first = invoke("run", "--config", config, "--format", "json,html")
    second = invoke("run", "--config", config, "--format", "json,html")
    return root, first, second


def test_the_demo_runs_offline_and_prints_where_the_brief_is(demo):
    root, first, _ = demo
    assert first.exit_code == 0, first.output
    assert str(root / "out" / "demo") in first.output
    brief = brief_of(root / "out" / "demo")
    assert len(brief["stories"]) == 6
    assert all(s["status"] == "ok" for s in brief["sources"])
    assert all(len(s["articles"]) >= 2 for s in brief["stories"])
    headlines = " ".join(s["headline"] for s in brief["stories"])
    assert "layang" not in headlines.lower()  # the one-article distractor stays out


def test_timings_show_every_stage(tmp_path):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    result = CliRunner().invoke(
        cli, ["run", "--config", str(tmp_path / "examples" / "demo" / "feeds.yaml"), "--format", "json", "--timings"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0] for line in result.stderr.splitlines()[1:]}
    assert {"read", "clean", "store", "cluster", "summarize"} <= rows


def test_the_demo_groups_each_event_with_all_its_outlets(demo):
    root, _, _ = demo
    stories = {frozenset(s["outlets"]): s for s in brief_of(root / "out" / "demo")["stories"]}
    putin = next(s for outlets, s in stories.items() if "IDN Times" in outlets)
    assert {"Digo.id", "VOA Indonesia", "virprom.com", "IDN Times"} <= set(putin["outlets"])
    assert len(putin["articles"]) == 5


def test_a_rerun_with_unchanged_sources_adds_nothing_and_keeps_story_ids(demo):
    root, first, second = demo
    assert second.exit_code == 0, second.output
    assert "(0 new articles)" in second.output
    db = sqlite3.connect(root / "var" / "demo.db")
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 21
    assert db.execute("SELECT COUNT(*) FROM story_articles").fetchone()[0] == 21
    assert db.execute("SELECT COUNT(DISTINCT story_id) FROM story_articles").fetchone()[0] == 7
    # Each article's clustering features were computed once and kept for later runs.
    assert db.execute("SELECT COUNT(DISTINCT article_id) FROM article_features").fetchone()[0] == 21


def test_a_rerun_cleans_nothing_it_stored_before_and_reports_every_stage(tmp_path, monkeypatch):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    config = load_config(tmp_path / "examples" / "demo" / "feeds.yaml")
    cleaned: list[str] = []  # the texts cleaned
    real_clean_text = digest.articles.clean_text

    def counting_clean_text(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        cleaned.append(text)
        return real_clean_text(text, *args, **kwargs)

    monkeypatch.setattr(digest.articles, "clean_text", counting_clean_text)
    with StageClock() as first:
        run(config, formats=["json"])
    first_cleaned, cleaned[:] = len(cleaned), []
    result = run(config, formats=["json"])
    assert {"read", "clean", "language", "store", "copies", "features", "cluster", "rank", "summarize",
            "render json"} <= set(first.costs)
    assert first_cleaned >= 21 and "features" in first.costs
    # Memory is read at most every 10 ms, yet every stage, however short, has its figure.
    assert all(cost.peak > 0 and cost.peak_all >= cost.peak for cost in first.costs.values())
    # Documents with an id or URL are known without cleaning them; plain text files are not.
    anonymous = [d for f in config.feeds for d in read_input(InputSpec(str(f.url), f.name)).documents if not (d.id or d.url)]
    assert 0 < len(cleaned) == len(anonymous) < first_cleaned
    db = sqlite3.connect(config.database)
    assert db.execute("SELECT COUNT(*) FROM article_features").fetchone()[0] == 21  # made once each
    assert result.new_articles == 0 and [s.articles for s in result.briefing.sources if s.status == "ok"]
    assert sum(s.articles for s in result.briefing.sources) == 21  # still reported as read


def test_every_story_in_json_the_printed_brief_holds_the_first_and_workers_summarize_the_same(tmp_path, monkeypatch):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    path = tmp_path / "examples" / "demo" / "feeds.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["briefing"] = {"max_stories": 0, "min_articles": 1, "print_stories": 2}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    here = run(load_config(path), formats=["json", "html"])
    brief = json.loads(here.written["json"].read_text("utf-8"))
    html = here.written["html"].read_text("utf-8")
    assert len(brief["stories"]) > 6  # single-article stories too, the distractor among them
    assert [s["id"] for s in brief["stories"][:2]] == re.findall(r'<article class="story" id="story-(\w+)"', html)
    # Shared out among processes (one per 10 articles to summarize), the same stories, the same
    # summaries (made again: a fresh database has none stored).
    monkeypatch.setattr(digest.briefing, "ARTICLES_PER_PROCESS", 10)
    monkeypatch.setattr(digest.workers, "cores", lambda: 2)
    path.write_text(yaml.safe_dump({**data, "database": "var/again.db", "out": "again"}, allow_unicode=True), "utf-8")
    events = []  # the printed brief is written while the worker summarizes, before its result is used
    written, result = digest.pipeline.write_briefing, digest.workers.Worker.result
    monkeypatch.setattr(digest.pipeline, "write_briefing", lambda *a: events.extend(a[2]) or written(*a))
    monkeypatch.setattr(digest.workers.Worker, "result", lambda self: events.append("worker") or result(self))
    spread = run(load_config(path), formats=["json", "html"])
    assert [(s.id, s.headline, s.summary) for s in spread.briefing.stories] == [
        (s.id, s.headline, s.summary) for s in here.briefing.stories]
    assert events[-3:] == ["html", "worker", "json"]  # (workers before: cleaning, copies)
    assert re.findall(r'<article class="story" id="story-(\w+)"', spread.written["html"].read_text("utf-8")) == [
        s["id"] for s in brief["stories"][:2]]


def test_a_rerun_keeps_the_stored_summaries_of_unchanged_stories_and_new_options_make_them_again(tmp_path, monkeypatch):
    shutil.copytree(DEMO, tmp_path / "examples" / "demo")
    path = tmp_path / "examples" / "demo" / "feeds.yaml"
    first = run(load_config(path), formats=["json"]).briefing
    made: list[str] = []
    real = digest.briefing.summarize
    monkeypatch.setattr(digest.briefing, "summarize", lambda articles, options, shared: made.append(
        articles[0].id) or real(articles, options, shared))
    again = run(load_config(path), formats=["json"]).briefing
    assert made == [] and [(s.id, s.headline, s.summary) for s in again.stories] == [
        (s.id, s.headline, s.summary) for s in first.stories]
    data = yaml.safe_load(path.read_text("utf-8"))
    data["summary"] = {**data.get("summary", {}), "max_words": 60}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    shorter = run(load_config(path), formats=["json"]).briefing
    assert len(made) == len(first.stories)
    assert all(sum(len(x.text.split()) for x in s.summary) <= 60 * (1 + OVERRUN) for s in shorter.stories)


# --- feeds served over HTTP -------------------------------------------------------------


def rss(items: list[dict]) -> bytes:
    entries = "".join(
        f"<item><title>{i['title']}</title><link>{i['link']}</link><guid>{i['link']}</guid>"
        f"<pubDate>{format_datetime(i['date'])}</pubDate><description><![CDATA[{i['html']}]]></description></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kabar</title>'
            f"<link>http://127.0.0.1/</link><description>x</description>{entries}</channel></rss>").encode()




def item(title: str, link: str, paragraphs: list[str], day: int) -> dict:
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    return {"title": title, "link": link, "html": html, "date": datetime(2024, 6, day, 8, tzinfo=timezone.utc)}


def write_config(path: Path, feeds: list[dict], **extra) -> Path:
    config = {"title": "Uji", "timezone": "Asia/Jakarta", "database": "var/t.db", "out": "out", "window": "all",
              "formats": ["json", "rss"], "briefing": {"min_articles": 2, "max_stories": 0},
              "fetch": {"connect_timeout": 1, "read_timeout": 1, "total_timeout": 3, "retries": 1, "backoff": 0.05,
                        "max_bytes": 200_000},
              "feeds": feeds, **extra}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
def newsroom(http_server, tmp_path):
    """Two outlets' feeds on 127.0.0.1, each with the flood and the rate decision."""
    base = http_server.url
    a = [item("Rob Rendam Tanjung Mas", f"{base}/a/1", FLOOD[:3], 20), item("BI Tahan Bunga", f"{base}/a/2", RATES[:3], 20)]
    b = [item("Ratusan Rumah di Semarang Terendam", f"{base}/b/1", FLOOD[1:], 20),
         item("Suku Bunga Acuan Tetap 6,25 Persen", f"{base}/b/2", RATES[1:], 20)]
    headers = {"Content-Type": "application/rss+xml", "ETag": '"v1"'}
    http_server.route("/a.xml", body=rss(a), headers=headers)
    http_server.route("/b.xml", body=rss(b), headers={"Content-Type": "application/rss+xml",
                                                      "Last-Modified": "Thu, 20 Jun 2024 08:00:00 GMT"})
    feeds = [{"name": "Kabar A", "url": f"{base}/a.xml"}, {"name": "Kabar B", "url": f"{base}/b.xml"}]
    return http_server, write_config(tmp_path / "feeds.yaml", feeds), tmp_path


def test_feeds_over_http_make_one_story_per_event(newsroom):
    server, config, root = newsroom
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.output
    stories = brief_of(root / "out")["stories"]
    assert len(stories) == 2
    assert all(set(s["outlets"]) == {"Kabar A", "Kabar B"} for s in stories)
    assert all(s["change"] == "new" for s in stories)


def test_a_second_run_sends_conditional_requests_and_adds_nothing(newsroom):
    server, config, root = newsroom
    assert invoke("run", "--config", config).exit_code == 0
    feed_before = (root / "out" / "feed.xml").read_bytes() if (root / "out" / "feed.xml").exists() else None
    server.route("/a.xml", status=304, headers={"ETag": '"v1"'})
    server.route("/b.xml", status=304)
    again = invoke("run", "--config", config)
    assert again.exit_code == 0, again.output
    conditional = [r for r in server.requests if r.path in ("/a.xml", "/b.xml")][-2:]
    assert {r.headers.get("if-none-match") for r in conditional} >= {'"v1"'}
    assert any(r.headers.get("if-modified-since") == "Thu, 20 Jun 2024 08:00:00 GMT" for r in conditional)
    assert "(0 new articles)" in again.output
    brief = brief_of(root / "out")
    assert [s["status"] for s in brief["sources"]] == ["not-modified", "not-modified"]
    assert len(brief["stories"]) == 2 and all(s.get("change") is None for s in brief["stories"])
    if feed_before is not None:
        assert (root / "out" / "feed.xml").read_bytes().count(b"<item>") == feed_before.count(b"<item>")


def test_a_next_day_article_joins_the_existing_story_and_keeps_its_id(newsroom):
    server, config, root = newsroom
    assert invoke("run", "--config", config).exit_code == 0
    before = {s["id"]: s for s in brief_of(root / "out")["stories"]}
    base = server.url
    follow_up = item("Rob Surut, Warga Tanjung Mas Bersihkan Rumah", f"{base}/a/3",
                     ["Banjir rob di Kelurahan Tanjung Mas, Semarang, mulai surut pada Jumat setelah tanggul laut ditambal.",
                      "Badan Penanggulangan Bencana Daerah Kota Semarang menarik perahu karet dan membuka dapur umum."], 21)
    server.route("/a.xml", body=rss([follow_up]), headers={"Content-Type": "application/rss+xml", "ETag": '"v2"'})
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.output
    after = {s["id"]: s for s in brief_of(root / "out")["stories"]}
    assert set(after) == set(before)
    flood = next(s for s in after.values() if any(a["url"] == f"{base}/a/3" for a in s["articles"]))
    assert len(flood["articles"]) == 3 and flood["change"] == "updated"


# --- bad feeds ----------------------------------------------------------------------------


def test_bad_feeds_are_reported_and_isolated(newsroom):
    server, config, root = newsroom
    bad = {
        "Lambat": server.route("/slow.xml", delay=2.5, body=b"<rss/>"),
        "Hilang": server.route("/404.xml", status=404),
        "Rusak500": server.route("/500.xml", status=500),
        "Halaman": server.route("/page.xml", body=b"<html><body><nav>Menu</nav></body></html>"),
        "Patah": server.route("/broken.xml", body=b"<rss><channel><title>x</title><item><title>a"),
        "Raksasa": server.route("/huge.xml", body=b"<rss>" + b" " * 400_000 + b"</rss>",
                                headers={"Content-Type": "application/rss+xml"}),
    }
    feeds = yaml.safe_load(config.read_text("utf-8"))["feeds"] + [{"name": n, "url": u} for n, u in bad.items()]
    write_config(config, feeds)
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.output
    brief = brief_of(root / "out")
    status = {s["name"]: s for s in brief["sources"]}
    assert status["Kabar A"]["status"] == status["Kabar B"]["status"] == "ok"
    for name in bad:
        assert status[name]["status"] == "failed", name
        assert status[name]["error"], name
        assert name in result.stderr
    assert "HTTP 404" in status["Hilang"]["error"]
    assert "HTTP 500" in status["Rusak500"]["error"]
    assert "larger than" in status["Raksasa"]["error"]
    assert len(brief["stories"]) == 2


def test_strict_fails_when_a_source_fails(newsroom):
    server, config, root = newsroom
    feeds = yaml.safe_load(config.read_text("utf-8"))["feeds"] + [{"name": "Hilang", "url": server.route("/x", status=404)}]
    write_config(config, feeds)
    result = invoke("run", "--config", config, "--strict")
    assert result.exit_code == 1
    assert "Hilang" in result.stderr


def test_config_errors_exit_2_naming_the_key(tmp_path):
    config = tmp_path / "feeds.yaml"
    config.write_text("title: x\nfeeds:\n  - name: a\n    url: a.txt\nbriefng: {}\n", "utf-8")
    result = invoke("run", "--config", config)
    assert result.exit_code == 2
    assert "briefng" in result.stderr


def test_nothing_usable_exits_1(tmp_path, http_server):
    config = write_config(tmp_path / "feeds.yaml", [{"name": "Hilang", "url": http_server.route("/x", status=404)}])
    result = invoke("run", "--config", config)
    assert result.exit_code == 1
    assert "every source failed" in result.stderr


def test_check_probes_every_source_and_changes_nothing(demo, newsroom):
    root, _, _ = demo
    config = root / "examples" / "demo" / "feeds.yaml"
    db = root / "var" / "demo.db"
    before = db.stat().st_mtime_ns
    result = invoke("check", "--config", config)
    assert result.exit_code == 0, result.output
    assert "valid; 10 sources" in result.output
    assert "LINTAS" in result.output and "4 articles" in result.output
    assert db.stat().st_mtime_ns == before
    server, http_config, _ = newsroom
    feeds = yaml.safe_load(http_config.read_text("utf-8"))["feeds"] + [{"name": "Hilang", "url": server.route("/x", status=404)}]
    write_config(http_config, feeds)
    result = invoke("check", "--config", http_config)
    assert result.exit_code == 1
    assert "Hilang" in result.output and "HTTP 404" in result.output
    assert not (http_config.parent / "var").exists()


def test_odd_entries_and_charsets_are_handled(newsroom):
    """Entries with no link, no date or a duplicate guid, and a feed in Windows-1252, still count."""
    server, config, root = newsroom
    paragraphs = "".join(f"<p>{p}</p>" for p in FLOOD)
    odd = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Kabar C</title>'
        "<link>http://127.0.0.1/</link><description>x</description>"
        f"<item><title>Rob di Semarang – warga mengungsi</title><guid>dup</guid><description><![CDATA[{paragraphs}]]></description></item>"
        f"<item><title>Rob di Semarang lagi</title><guid>dup</guid><description><![CDATA[{paragraphs}]]></description></item>"
        "</channel></rss>"
    ).encode("cp1252")
    url = server.route("/c.xml", body=odd, headers={"Content-Type": "application/rss+xml"})
    feeds = yaml.safe_load(config.read_text("utf-8"))["feeds"] + [{"name": "Kabar C", "url": url}]
    write_config(config, feeds)
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.output
    brief = brief_of(root / "out")
    status = {s["name"]: s for s in brief["sources"]}
    assert status["Kabar C"]["status"] == "ok"
    flood = next(s for s in brief["stories"] if "Kabar C" in s["outlets"])
    titles = [a["title"] for a in flood["articles"] if a["outlet"] == "Kabar C"]
    assert titles == ["Rob di Semarang – warga mengungsi"]  # one article for the duplicate guid, decoded
    (odd_article,) = [a for a in flood["articles"] if a["outlet"] == "Kabar C"]
    assert odd_article["published"] is None, odd_article
    assert odd_article["url"] is None, odd_article


def test_no_summary_quotes_a_paragraph_that_articles_of_several_stories_carry(tmp_path):
    """A site's closing paragraph under every article is the site's furniture, not news: told
    by both outlets of each story it would be quoted, but two stories carry it."""
    about = ("Portal ini adalah media berita daring yang menyajikan informasi terkini seputar ekonomi, politik, "
             "dan gaya hidup bagi pembaca di seluruh Indonesia.")
    export = tmp_path / "export.jsonl"
    rows = [{"title": title, "text": "\n\n".join([*sentences[i:i + 3], about]), "outlet": outlet,
             "url": f"https://{outlet.lower()}.example/{n}", "published": "2024-06-20T08:00:00+07:00"}
            for n, (title, sentences) in enumerate((("Rob Rendam Tanjung Mas", FLOOD), ("BI Tahan Bunga", RATES)))
            for i, outlet in enumerate(("Kompas", "Tempo"))]
    export.write_text("\n".join(json.dumps(row) for row in rows), "utf-8")
    config = write_config(tmp_path / "feeds.yaml", [{"name": "Ekspor", "url": str(export), "language": "id"}],
                          summary={"max_words": 200})
    brief = json.loads(run(load_config(config), formats=["json"]).written["json"].read_text("utf-8"))
    assert [len(story["articles"]) for story in brief["stories"]] == [2, 2]
    quoted = [s["text"] for story in brief["stories"] for s in story["summary"]]
    assert quoted and about not in quoted
FERRY = [
    "Kapal feri terbakar di Selat Bali pada Jumat dini hari, namun seluruh penumpang berhasil dievakuasi.",
    "Petugas pelabuhan Ketapang menduga api berasal dari ruang mesin kapal tersebut.",
    "Tim SAR gabungan menyisir perairan untuk memastikan tidak ada penumpang yang tertinggal.",
    "Penyeberangan Ketapang-Gilimanuk sempat ditutup selama tiga jam setelah kejadian itu.",
]


def test_an_outlets_furniture_does_not_make_its_unrelated_short_articles_one_story(tmp_path):
    """Three short stories from two outlets, each article closing on its outlet's "about us":
    without the furniture they are three stories of two articles (with it, one of six); the
    stored text keeps it, and a re-run adds nothing."""
    about = {outlet: (f"{outlet} adalah media berita daring yang menyajikan informasi terkini seputar ekonomi, "
                      "politik, dan gaya hidup bagi pembaca di seluruh Indonesia.") for outlet in ("Kompas", "Tempo")}
    export = tmp_path / "export.jsonl"
    rows = [{"title": title, "text": "\n\n".join([*sentences[i:i + 2], about[outlet]]), "outlet": outlet,
             "url": f"https://{outlet.lower()}.example/{n}", "published": "2024-06-20T08:00:00+07:00"}
            for n, (title, sentences) in enumerate((("Rob Rendam Tanjung Mas", FLOOD), ("BI Tahan Bunga", RATES),
                                                    ("Feri Terbakar di Selat Bali", FERRY)))
            for i, outlet in enumerate(("Kompas", "Tempo"))]
    export.write_text("\n".join(json.dumps(row) for row in rows), "utf-8")
    config = write_config(tmp_path / "feeds.yaml", [{"name": "Ekspor", "url": str(export), "language": "id"}])
    brief = json.loads(run(load_config(config), formats=["json"]).written["json"].read_text("utf-8"))
    assert sorted(len(story["articles"]) for story in brief["stories"]) == [2, 2, 2]
    assert not any(text in s["text"] for story in brief["stories"] for s in story["summary"] for text in about.values())
    with sqlite3.connect(tmp_path / "var" / "t.db") as db:
        assert all(text.endswith(tuple(about.values())) for (text,) in db.execute("SELECT text FROM articles"))
    assert run(load_config(config), formats=["json"]).new_articles == 0
