"""`digest story` end to end through the CLI: exit codes, messages, files written."""

import json
import xml.etree.ElementTree as ET

import feedparser
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from digest.cli import cli


@pytest.fixture(scope="module")
def seed_brief(tmp_path_factory, seed_paths):
    out = tmp_path_factory.mktemp("seed-brief")
    inputs = [str(p) for p in seed_paths]
    inputs[1] = f"VOA Indonesia={inputs[1]}"
    result = CliRunner().invoke(cli, ["story", *inputs, "--out", str(out), "--timezone", "Asia/Jakarta"])
    return result, out


def test_story_on_the_seeds_writes_all_four_formats(seed_brief):
    result, out = seed_brief
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"briefing.html", "briefing.pdf", "briefing.json", "feed.xml"}
    assert str(out) in result.output


def test_story_credits_all_five_articles_and_recognised_outlets(seed_brief):
    _, out = seed_brief
    brief = json.loads((out / "briefing.json").read_text("utf-8"))
    (story,) = brief["stories"]
    assert len(story["articles"]) == 5
    assert {"DigoID", "virprom.com", "IDN Times", "VOA Indonesia"} <= set(story["outlets"])
    assert all(a["language"] == "id" for a in story["articles"])
    assert all(s["status"] == "ok" for s in brief["sources"])


def test_every_summary_sentence_is_verbatim_in_each_credited_article(seed_brief, seed_paths):
    from digest.language import get_language
    from digest.articles import to_article
    from digest.readers import InputSpec, read_input
    from digest.similarity import jaccard

    _, out = seed_brief
    (story,) = json.loads((out / "briefing.json").read_text("utf-8"))["stories"]
    specs = [InputSpec(str(p), "VOA Indonesia" if i == 1 else None) for i, p in enumerate(seed_paths)]
    articles = {a.id: a for spec in specs for a in [to_article(read_input(spec).documents[0])]}
    assert {a["id"] for a in story["articles"]} == set(articles)
    lang = get_language("id")

    def carries(article, sentence: str) -> bool:
        words = {w.lower() for w in lang.words(sentence)}
        return sentence in article.text or any(
            jaccard(words, {w.lower() for w in lang.words(s)}) >= 0.7 for s in lang.split_sentences(article.text)
        )

    assert story["summary"]
    for sentence in story["summary"]:
        credited = sentence["article_ids"]
        assert sentence["text"] in articles[credited[0]].text
        assert set(credited) == {i for i, a in articles.items() if carries(a, sentence["text"])}
        outlet_of = {a["id"]: a["outlet"] for a in story["articles"]}
        assert sentence["outlets"] == list(dict.fromkeys(outlet_of[i] for i in credited))


def test_pdf_rss_and_html_carry_the_story(seed_brief):
    _, out = seed_brief
    brief = json.loads((out / "briefing.json").read_text("utf-8"))
    (story,) = brief["stories"]
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(out / "briefing.pdf").pages)
    flat = " ".join(pdf_text.split())
    assert " ".join(story["headline"].split()) in flat
    for outlet in story["outlets"]:
        assert outlet in flat
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0 and len(feed.entries) == 1
    assert feed.entries[0].title == story["headline"]
    ET.fromstring((out / "briefing.html").read_bytes())  # well-formed


def test_summary_of_the_seeds_has_no_debris(seed_brief):
    _, out = seed_brief
    brief = json.loads((out / "briefing.json").read_text("utf-8"))
    text = " ".join(s["text"] for s in brief["stories"][0]["summary"]).lower()
    for debris in ("baca juga", "whatsapp", "redaktur", "reporter", "foto", "sputnik/", "komentar",
                   "verified writer", "berita terkait", "http", "ilustrasi", "topik"):
        assert debris not in text


def test_missing_input_is_reported_and_the_rest_used(tmp_path, seed_paths):
    result = CliRunner().invoke(cli, ["story", str(seed_paths[0]), str(tmp_path / "nope.txt"),
                                      "--out", str(tmp_path / "o"), "--format", "json"])
    assert result.exit_code == 0
    assert "nope.txt: no such file or folder" in result.stderr
    assert "Traceback" not in result.output
    brief = json.loads((tmp_path / "o" / "briefing.json").read_text("utf-8"))
    assert [s["status"] for s in brief["sources"]] == ["ok", "failed"]


def test_nothing_usable_exits_1_with_a_message(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02PNG\x00")
    result = CliRunner().invoke(cli, ["story", str(empty), str(binary), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "empty.txt: the file is empty" in result.stderr
    assert "blob.txt: binary file" in result.stderr
    assert "no usable article" in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, message", [
    (["--format", "html,docx"], "docx"),
    (["--algorithm", "bert"], "bert"),
    (["--sentences", "0"], "--sentences"),
    (["--timezone", "Mars/Olympus"], "Mars/Olympus"),
])
def test_bad_arguments_exit_2_naming_the_argument(tmp_path, seed_paths, args, message):
    result = CliRunner().invoke(cli, ["story", str(seed_paths[0]), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_story_without_inputs_is_a_usage_error():
    result = CliRunner().invoke(cli, ["story"])
    assert result.exit_code == 2
    assert "INPUT" in result.output


def test_sentences_and_max_words_are_respected(tmp_path, seed_paths):
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["story", *map(str, seed_paths), "--out", str(out), "--format", "json",
                                      "--sentences", "3", "--max-words", "60", "--algorithm", "textrank"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "briefing.json").read_text("utf-8"))["stories"][0]["summary"]
    assert 1 <= len(summary) <= 3
    assert sum(len(s["text"].split()) for s in summary) <= 80  # about 60: the last sentence may run a third past


def _seed_records(seed_paths):
    from digest.readers import InputSpec, read_input

    names = ["Digo.id", "VOA Indonesia", "virprom.com", "IDN Times", "Berita Satu"]
    return [(name, read_input(InputSpec(str(p))).documents[0].text) for name, p in zip(names, seed_paths)]


def test_story_from_jsonl_matches_the_story_from_text_files(tmp_path, seed_paths):
    records = _seed_records(seed_paths)
    jsonl = tmp_path / "seeds.jsonl"
    jsonl.write_text("\n".join(json.dumps({"text": text, "outlet": name}) for name, text in records), "utf-8")
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["story", str(jsonl), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    (story,) = json.loads((out / "briefing.json").read_text("utf-8"))["stories"]
    assert sorted(story["outlets"]) == sorted(name for name, _ in records)
    assert story["summary"] and all(any(s["text"] in t for _, t in records) for s in story["summary"])
    assert "Baca juga" not in json.dumps(story["summary"])


def test_story_from_urls_served_locally(tmp_path, seed_paths, http_server):
    from html import escape

    urls = []
    for i, (name, text) in enumerate(_seed_records(seed_paths)):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
        page = (f'<!doctype html><html><head><meta property="og:site_name" content="{escape(name)}">'
                f"<title>Berita {i}</title></head><body><nav><a href='/'>Beranda</a> <a href='/x'>Politik</a></nav>"
                f"<article>{paragraphs}</article><footer>Hak cipta dilindungi undang-undang.</footer></body></html>")
        urls.append(http_server.route(f"/berita/{i}", body=page.encode()))
    urls.append(http_server.route("/hilang", status=404, body=b"not found"))
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["story", *urls, "--out", str(out), "--format", "json,rss"])
    assert result.exit_code == 0, result.output
    assert "/hilang: HTTP 404" in result.stderr
    brief = json.loads((out / "briefing.json").read_text("utf-8"))
    (story,) = brief["stories"]
    assert len(story["articles"]) == 5
    assert {a["url"] for a in story["articles"]} == set(urls[:5])
    assert {"Digo.id", "VOA Indonesia", "virprom.com", "IDN Times"} <= set(story["outlets"])
    assert [s["status"] for s in brief["sources"]].count("failed") == 1
    text = json.dumps(story["summary"], ensure_ascii=False)
    for debris in ("Baca juga", "WhatsApp", "Redaktur", "Sputnik/"):
        assert debris not in text


def test_an_input_given_named_and_unnamed_is_read_once_under_its_name(tmp_path, seed_paths):
    """The README's example names seed 001 and also passes it in the glob."""
    out = tmp_path / "o"
    args = ["story", f"VOA Indonesia={seed_paths[1]}", *map(str, seed_paths), "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    brief = json.loads((out / "briefing.json").read_text("utf-8"))
    (story,) = brief["stories"]
    assert len(story["articles"]) == 5
    assert "VOA Indonesia" in story["outlets"] and seed_paths[1].stem not in story["outlets"]
    assert len(brief["sources"]) == 5
