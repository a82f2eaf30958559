"""Readers: every kind of INPUT (file, folder, URL, `NAME=INPUT`) becomes Documents or an InputError."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from digest.fetch import FetchLimits
from digest.readers import InputError, InputSpec, read_input

WIB = timezone(timedelta(hours=7))
DATA = Path(__file__).resolve().parent / "data"
PAGES = DATA / "pages"
FEEDS = DATA / "feeds"
# Small timeouts and no real back-off, so failures are quick.
FAST = FetchLimits(connect_timeout=1.0, read_timeout=0.3, total_timeout=3.0, max_bytes=1_000_000,
                   max_redirects=3, retries=1, backoff=0.01)

ID_TITLE = "Banjir Rendam 12 Kelurahan di Semarang, Ribuan Warga Mengungsi"
ID_FIRST = "Banjir merendam sedikitnya 12 kelurahan di Kota Semarang"
ID_QUOTE = "Sampai siang ini tercatat 4.312 jiwa mengungsi di 17 titik pengungsian."
ID_LAST = "puluhan hektare sawah di Kecamatan Genuk terancam gagal panen."
# Text of the page chrome around the Indonesian article: none of it is article text.
ID_CHROME = [
    "Beranda", "Ekonomi Bisnis", "Teknologi Terkini", "Cari berita", "Daftar Akun KG Media",  # header/nav
    "Berita Terkait", "Rob Kembali Genangi Pesisir", "Musim Hujan Berlangsung hingga April",  # aside
    "Komentar", "Tulis komentar", "Kirim Komentar", "pedoman komunitas",  # comment form
    "Tentang Kami", "Kontak Redaksi", "Kompas Cyber Media", "All Rights Reserved",  # footer
    "dataLayer",  # script
]
EN_CHROME = ["Sign In", "Register", "Breakingviews", "Investigations", "Read Next",
             "Antwerp dockers stage one-day walkout", "About Reuters", "All quotes delayed",
             "All rights reserved", "_sf_async_config"]


def read(target: str | Path, name: str | None = None, **kwargs) -> list:
    return read_input(InputSpec(str(target), name), **kwargs).documents


def read_one(target: str | Path, name: str | None = None, **kwargs):
    (doc,) = read(target, name, **kwargs)
    return doc


# --- InputSpec.parse -------------------------------------------------------------


def test_named_input_is_split_into_outlet_and_target() -> None:
    assert InputSpec.parse("Kompas=articles/banjir.txt") == InputSpec("articles/banjir.txt", "Kompas")


def test_named_input_name_is_stripped_and_may_contain_spaces() -> None:
    assert InputSpec.parse("Kompas TV =pages/x.html") == InputSpec("pages/x.html", "Kompas TV")


def test_plain_path_has_no_name() -> None:
    assert InputSpec.parse("articles/banjir.txt") == InputSpec("articles/banjir.txt", None)


@pytest.mark.parametrize("url", [
    "https://example.invalid/rss?kanal=news&lang=id",
    "http://127.0.0.1:8000/read?id=123",
    "https://example.invalid/search?q=banjir=semarang",
])  # fmt: skip
def test_url_with_equals_in_query_is_not_split(url: str) -> None:
    spec = InputSpec.parse(url)
    assert spec == InputSpec(url, None)
    assert spec.is_url


def test_named_url_keeps_equals_of_its_query() -> None:
    spec = InputSpec.parse("Antara=https://example.invalid/rss?kanal=terkini&page=2")
    assert spec == InputSpec("https://example.invalid/rss?kanal=terkini&page=2", "Antara")
    assert spec.is_url


def test_existing_path_with_equals_is_never_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sumber=kompas.txt").write_text("Banjir merendam Semarang sejak Senin malam.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    spec = InputSpec.parse("sumber=kompas.txt")
    assert spec == InputSpec("sumber=kompas.txt", None)
    assert read_one(spec.target).text == "Banjir merendam Semarang sejak Senin malam."


@pytest.mark.parametrize("target", ["articles/x.txt", "/tmp/x.html", "www.example.invalid"])
def test_paths_are_not_urls(target: str) -> None:
    assert not InputSpec(target).is_url


def test_any_scheme_makes_a_url_so_it_is_never_read_as_a_path() -> None:
    assert InputSpec("ftp://example.invalid/x").is_url


# --- .txt ------------------------------------------------------------------------


def test_each_seed_gives_one_document_with_the_raw_text(seed_paths: list[Path]) -> None:
    assert len(seed_paths) == 5
    for path in seed_paths:
        doc = read_one(path)
        assert doc.text == path.read_text(encoding="utf-8-sig")
        assert doc.source == str(path)
        assert doc.outlet is None and doc.url is None and doc.title is None and doc.published is None
        assert doc.extracted is False  # raw page debris: cleaning must still find the body


def test_named_text_file_gets_the_outlet(seed_paths: list[Path]) -> None:
    doc = read_one(seed_paths[2], "VIR Prom")
    assert doc.outlet == "VIR Prom"


def test_parse_then_read_a_named_seed(seed_paths: list[Path]) -> None:
    (doc,) = read_input(InputSpec.parse(f"Digo={seed_paths[0]}")).documents
    assert doc.outlet == "Digo"
    assert doc.text.startswith("Misi Putin Satukan Aliansi")


def test_extension_is_case_insensitive(tmp_path: Path, seed_paths: list[Path]) -> None:
    path = tmp_path / "BERITA.TXT"
    shutil.copy(seed_paths[3], path)
    assert read_one(path).text == seed_paths[3].read_text(encoding="utf-8")


def test_windows_1252_text_is_decoded() -> None:
    text = read_one(DATA / "latin1.txt").text
    assert "kafé dan café sekitar Jalan Braga" in text
    assert "Rp 5.000 — naik dari Rp 4.000" in text
    assert "Andrés, barista asal Medellín" in text
    assert "\ufffd" not in text


def test_windows_1252_text_keeps_every_accent() -> None:
    assert "crème brûlée" in read_one(DATA / "latin1.txt").text


def test_utf16_with_bom_is_text_not_binary(tmp_path: Path) -> None:
    text = "Harga beras premium naik menjadi Rp 18.000 per kilogram di Pasar Induk Cipinang, kata pedagang."
    path = tmp_path / "utf16.txt"
    path.write_bytes(text.encode("utf-16"))
    assert read_one(path).text == text


# --- .html -----------------------------------------------------------------------


def test_indonesian_page_gives_title_outlet_date_and_main_text() -> None:
    doc = read_one(PAGES / "id_article.html", tz=WIB)
    assert doc.title == ID_TITLE
    assert doc.outlet == "Kompas.com"  # og:site_name
    assert doc.published is not None and doc.published.date() == datetime(2024, 3, 12).date()
    assert doc.extracted is True
    assert doc.source == str(PAGES / "id_article.html")
    for needle in (ID_FIRST, ID_QUOTE, "Jalan Kaligawe Raya", "Wali Kota Semarang", ID_LAST):
        assert needle in doc.text
    assert "<p>" not in doc.text and "<strong>" not in doc.text
    for chrome in ID_CHROME:
        assert chrome not in doc.text, chrome


def test_page_date_keeps_the_time_of_article_published_time() -> None:
    doc = read_one(PAGES / "id_article.html")
    assert doc.published == datetime(2024, 3, 12, 15, 30, tzinfo=WIB)


def test_english_page_gives_title_outlet_date_and_main_text() -> None:
    doc = read_one(PAGES / "en_article.html")
    assert doc.title == "Rotterdam port strike halts container traffic as talks collapse"
    assert doc.outlet == "Reuters"
    assert doc.published is not None and doc.published.date() == datetime(2024, 5, 15).date()
    assert doc.text.startswith("ROTTERDAM, May 15 (Reuters) - Thousands of dockworkers")
    assert "Nobody should have to climb into a crane at 66." in doc.text
    assert "further strikes would follow next week" in doc.text
    for chrome in EN_CHROME:
        assert chrome not in doc.text, chrome


def test_named_page_overrides_og_site_name() -> None:
    assert read_one(PAGES / "id_article.html", "Kompas Regional").outlet == "Kompas Regional"


def test_page_without_article_is_an_input_error() -> None:
    path = PAGES / "empty.html"
    with pytest.raises(InputError, match="no article text") as info:
        read(path)
    assert str(path) in str(info.value)


# --- feeds -----------------------------------------------------------------------


def test_rss_feed_gives_one_document_per_item() -> None:
    docs = read(FEEDS / "id_feed.xml")
    assert [d.title for d in docs] == [
        "MRT Jakarta Fase 2A Mulai Uji Coba, Stasiun Thamrin Dibuka Terbatas",
        "Harga Beras Premium Tembus Rp 18.000 per Kilogram di Pasar Induk Cipinang",
        "Gunung Lewotobi Laki-laki Kembali Erupsi, Status Tetap Siaga",
    ]
    assert [d.url for d in docs] == [
        "http://example.invalid/metro/2024/03/06/mrt-fase-2a-uji-coba",
        "http://example.invalid/ekonomi/2024/03/05/harga-beras-cipinang",
        "http://example.invalid/nasional/2024/03/04/lewotobi-erupsi",
    ]
    # guids that are not URLs (or tag:/urn:) are unique only within their feed: qualified by it
    feed = str(FEEDS / "id_feed.xml")
    assert [d.id for d in docs] == [f"{feed}#wn-2024-0306-001", f"{feed}#wn-2024-0305-017", f"{feed}#wn-2024-0304-042"]
    assert {d.outlet for d in docs} == {"Warta Nusantara - Berita Terkini"}  # the channel title
    assert docs[0].published == datetime(2024, 3, 6, 9, 30, tzinfo=WIB)
    assert docs[1].published == datetime(2024, 3, 5, 14, 5, tzinfo=WIB)
    assert docs[2].published == datetime(2024, 3, 4, 7, 45, tzinfo=WIB)
    assert all(d.extracted and d.source == str(FEEDS / "id_feed.xml") for d in docs)


def test_rss_item_text_is_plain_paragraphs_from_the_longest_content() -> None:
    mrt, beras, lewotobi = read(FEEDS / "id_feed.xml")
    # content:encoded (4 paragraphs) wins over the one-line description
    assert mrt.text.startswith("JAKARTA, Warta Nusantara - PT MRT Jakarta (Perseroda) memulai uji coba")
    assert len(mrt.text.split("\n\n")) == 4
    assert "Foto: Dok. MRT Jakarta" not in mrt.text  # figcaption
    # description only, with HTML paragraphs
    assert beras.text.split("\n\n")[2].startswith('"Biasanya Maret sudah banjir gabah')
    assert len(beras.text.split("\n\n")) == 4
    assert "trackRead" not in lewotobi.text  # script
    assert "Bandara Frans Seda di Maumere tetap beroperasi normal" in lewotobi.text
    for doc in (mrt, beras, lewotobi):
        assert "<" not in doc.text and ">" not in doc.text and "&lt;" not in doc.text


def test_atom_feed_gives_one_document_per_entry() -> None:
    first, second = read(FEEDS / "en_atom.xml")
    assert first.title == "Rotterdam terminals resume loading after 24-hour strike"
    assert first.url == "http://example.invalid/2024/05/16/rotterdam-resumes"
    assert first.id == "tag:example.invalid,2024:rotterdam-resumes"
    assert first.outlet == second.outlet == "Harbour Times"
    assert first.published == datetime(2024, 5, 16, 6, 30, tzinfo=timezone.utc)  # <published>
    assert second.published == datetime(2024, 5, 15, 18, 20, tzinfo=timezone(timedelta(hours=2)))  # <updated>
    assert first.text.split("\n\n")[0] == ("Container terminals at the port of Rotterdam resumed loading on "
                                          "Thursday after a 24-hour strike by dockworkers ended overnight.")
    assert second.text.count("\n\n") == 2  # summary of three <p>
    assert "<p>" not in first.text + second.text


def test_named_feed_overrides_the_feed_title() -> None:
    assert {d.outlet for d in read(FEEDS / "en_atom.xml", "Harbour")} == {"Harbour"}


# --- .jsonl ----------------------------------------------------------------------


def test_jsonl_gives_good_lines_and_warns_about_bad_ones(caplog: pytest.LogCaptureFixture) -> None:
    path = DATA / "articles.jsonl"
    with caplog.at_level(logging.WARNING, logger="digest.readers"):
        reading = read_input(InputSpec(str(path)), tz=WIB)
    bi, whoosh, headline, surabaya = reading.documents
    assert bi.id == "antara-2024-0712-001"
    assert bi.title == "BI Tahan Suku Bunga Acuan di Level 6,25 Persen"
    assert bi.url == "http://example.invalid/ekonomi/bi-tahan-suku-bunga"
    assert bi.outlet == "Antara" and bi.language == "id"
    assert bi.published == datetime(2024, 7, 17, 14, 30, tzinfo=WIB)
    assert bi.text.count("\n\n") == 2 and bi.text.startswith("Bank Indonesia (BI) memutuskan")
    assert whoosh.outlet is None and whoosh.id is None
    assert whoosh.published == datetime(2024, 7, 16, tzinfo=WIB)  # a bare date gets the run's zone
    assert surabaya.text.startswith("Pemerintah Kota Surabaya membuka pendaftaran")
    assert (surabaya.title, surabaya.url, surabaya.outlet, surabaya.published) == (None, None, None, None)
    assert all(d.extracted and d.source == str(path) for d in (bi, whoosh, headline, surabaya))
    # a title without text is a headline: kept, for cleaning to make a headline-only article
    assert (headline.id, headline.title, headline.text.strip()) == ("kosong-1", "Artikel tanpa isi", "")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0] and "line 3" in warnings[0]  # malformed JSON
    assert reading.dropped == {"unreadable": 1}


def test_jsonl_lines_without_text_or_title_are_counted_as_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ekspor.jsonl"
    path.write_text('{"title": "Banjir rendam Demak", "url": "https://example.org/banjir-demak"}\n'
                    '{"id": "a", "text": "  ", "title": ""}\n{"text": "Hujan turun sepanjang hari di Demak."}\n'
                    '[1, 2]\n', encoding="utf-8")
    reading = read_input(InputSpec(str(path)))
    assert [(d.title, d.text) for d in reading.documents] == [("Banjir rendam Demak", ""),
                                                              (None, "Hujan turun sepanjang hari di Demak.")]
    assert reading.dropped == {"no text or title": 1, "unreadable": 1}


def test_named_jsonl_fills_missing_outlets() -> None:
    docs = read(DATA / "articles.jsonl", "Export")
    assert [d.outlet for d in docs][1:] == ["Export", "Detik", "Export"]


def test_named_jsonl_keeps_each_articles_own_outlet() -> None:
    assert read(DATA / "articles.jsonl", "Export")[0].outlet == "Antara"


@pytest.mark.parametrize("separator", ["\u2028", "\x85"])
def test_jsonl_lines_are_split_at_newlines_only(tmp_path: Path, separator: str) -> None:
    record = {"title": "Banjir Semarang", "text": f"Banjir merendam 12 kelurahan di Semarang.{separator}"
              "Ribuan warga mengungsi ke masjid dan balai kelurahan."}
    path = tmp_path / "ekspor.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_one(path).text == record["text"]


# --- folders ---------------------------------------------------------------------


def test_folder_reads_every_supported_file_and_skips_hidden_ones(tmp_path: Path, seed_paths: list[Path]) -> None:
    shutil.copy(seed_paths[0], tmp_path / "a.txt")
    (tmp_path / "pages").mkdir()
    shutil.copy(PAGES / "en_article.html", tmp_path / "pages" / "reuters.htm")
    shutil.copy(FEEDS / "en_atom.xml", tmp_path / "pages" / "harbour.atom")
    shutil.copy(DATA / "articles.jsonl", tmp_path / "z.jsonl")
    shutil.copy(seed_paths[1], tmp_path / ".draft.txt")  # hidden file
    (tmp_path / ".cache").mkdir()
    shutil.copy(seed_paths[2], tmp_path / ".cache" / "old.txt")  # inside a hidden folder
    (tmp_path / "README.md").write_text("# not an input\n", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    docs = read_input(InputSpec(str(tmp_path), "Arsip"), tz=WIB).documents
    sources = [Path(d.source).relative_to(tmp_path).as_posix() for d in docs]
    assert sources == ["a.txt", "pages/harbour.atom", "pages/harbour.atom", "pages/reuters.htm",
                       "z.jsonl", "z.jsonl", "z.jsonl", "z.jsonl"]
    # the folder's name is the outlet, except where an article names its own (JSONL "outlet")
    assert [d.outlet for d in docs] == ["Arsip"] * 4 + ["Antara", "Arsip", "Detik", "Arsip"]
    assert docs[0].text == seed_paths[0].read_text(encoding="utf-8")


def test_one_bad_file_in_a_folder_is_a_warning(tmp_path: Path, seed_paths: list[Path],
                                               caplog: pytest.LogCaptureFixture) -> None:
    shutil.copy(seed_paths[3], tmp_path / "idn.txt")
    (tmp_path / "kosong.txt").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="digest.readers"):
        (doc,) = read(tmp_path)
    assert doc.source == str(tmp_path / "idn.txt")
    assert any(str(tmp_path / "kosong.txt") in r.getMessage() for r in caplog.records)


def test_folder_without_supported_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("nothing", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Tersembunyi dan tidak dibaca.", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read(tmp_path)
    assert str(tmp_path) in str(info.value)


# --- bad files -------------------------------------------------------------------

BAD_FILES = {
    "binary.txt": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00", "binary"),
    "binary.html": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "binary"),
    "kosong.txt": (b"", "empty"),
    "spasi.txt": (b" \n\n\t \r\n", "empty"),
    "kosong.html": (b"", "no article text"),
    "kosong.jsonl": (b"", "no usable articles"),
    "semua-rusak.jsonl": (b'{"id": "tanpa-isi", "text": " "}\n[1, 2]\nbukan json\n', "no usable articles"),
    "kosong.xml": (b"", "not a usable feed"),
    "bukan-feed.xml": (b'<?xml version="1.0"?><catalog><book id="1">Laskar Pelangi</book></catalog>',
                       "not a usable feed"),
    "rusak.rss": (b"\x00\x01\x02\x03garbage", "not a usable feed"),
    "laporan.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "unsupported file type"),
    "berita.docx": (b"PK\x03\x04", "unsupported file type"),
}  # fmt: skip


@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_bad_file_is_an_input_error_naming_it(tmp_path: Path, filename: str) -> None:
    data, reason = BAD_FILES[filename]
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason) as info:
        read(path)
    assert str(path) in str(info.value)


def test_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "tidak-ada.txt"
    with pytest.raises(InputError, match="no such file") as info:
        read(path)
    assert str(path) in str(info.value)


def test_missing_named_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "hilang.html"
    with pytest.raises(InputError) as info:
        read_input(InputSpec.parse(f"Kompas={path}")).documents
    assert str(path) in str(info.value)


@pytest.mark.parametrize("target", ["ftp://example.invalid/rss/terkini.xml", "file:///etc/hostname"])
def test_non_http_url_is_an_input_error_naming_it(target: str) -> None:
    with pytest.raises(InputError) as info:
        read(target)
    message = str(info.value)
    assert target in message
    assert "http" in message.removeprefix(target)  # says which schemes work


@pytest.mark.parametrize("target", ["http://[::1/rss.xml", "https://127.0.0.1:1/berita\n"])
def test_malformed_url_is_an_input_error(target: str) -> None:
    with pytest.raises(InputError):
        read(target, limits=FAST)


# --- URLs (local server) ---------------------------------------------------------


def test_article_url_reads_like_the_file(http_server) -> None:
    url = f"{http_server.url}/pages/id_article.html"
    from_url = read_one(url, tz=WIB)
    from_file = read_one(PAGES / "id_article.html", tz=WIB)
    assert from_url.source == url
    assert (from_url.title, from_url.outlet, from_url.published, from_url.text) == (
        from_file.title, from_file.outlet, from_file.published, from_file.text)
    assert from_url.url  # the page's canonical URL, or the fetched one


def test_feed_url_gives_its_entries(http_server) -> None:
    url = f"{http_server.url}/feeds/id_feed.xml"
    docs = read(url, limits=FAST)
    assert len(docs) == 3
    assert {d.outlet for d in docs} == {"Warta Nusantara - Berita Terkini"}
    assert {d.source for d in docs} == {url}
    assert docs[0].url == "http://example.invalid/metro/2024/03/06/mrt-fase-2a-uji-coba"


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/plain", "application/octet-stream"])
def test_feed_is_recognised_by_its_content_whatever_the_content_type(http_server, content_type: str) -> None:
    url = http_server.route("/feed", body=(FEEDS / "en_atom.xml").read_bytes(), headers={"Content-Type": content_type})
    docs = read(url, limits=FAST)
    assert [d.outlet for d in docs] == ["Harbour Times", "Harbour Times"]


def test_feed_with_a_stylesheet_is_recognised_by_its_content(http_server) -> None:
    body = (FEEDS / "id_feed.xml").read_bytes().replace(
        b"?>\n", b'?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n', 1)
    assert b"<?xml-stylesheet" in body
    url = http_server.route("/rss-styled", body=body, headers={"Content-Type": "application/octet-stream"})
    assert len(read(url, limits=FAST)) == 3


@pytest.mark.parametrize("content_type", ["application/rss+xml; charset=utf-8", "application/atom+xml", "text/xml"])
def test_feed_content_types(http_server, content_type: str) -> None:
    url = http_server.route("/rss", body=(FEEDS / "id_feed.xml").read_bytes(), headers={"Content-Type": content_type})
    assert len(read(url, limits=FAST)) == 3


def test_page_served_as_xhtml_is_an_article(http_server) -> None:
    body = (PAGES / "en_article.html").read_bytes()
    url = http_server.route("/story", body=body, headers={"Content-Type": "application/xhtml+xml"})
    assert read_one(url, limits=FAST).title == "Rotterdam port strike halts container traffic as talks collapse"


def test_named_url_gets_the_outlet(http_server) -> None:
    (doc,) = read_input(InputSpec.parse(f"Reuters Asia={http_server.url}/pages/en_article.html"), limits=FAST).documents
    assert doc.outlet == "Reuters Asia"


def test_url_page_is_decoded_with_the_charset_of_its_content_type(http_server) -> None:
    html = ("<html><head><title>Kafe di Braga</title></head><body><article><h1>Kafe di Braga</h1>"
            "<p>Harga secangkir kopi di café sekitar Jalan Braga kini Rp 5.000 — naik dari bulan lalu, "
            "kata pemilik kedai kepada wartawan pada Selasa pagi.</p>"
            "<p>Menu penutup crème brûlée dan piñata cokelat juga ikut naik harganya menjadi Rp 25.000, "
            "sementara teh rosella tetap dijual dengan harga lama.</p></article></body></html>")
    url = http_server.route("/braga", body=html.encode("cp1252"),
                            headers={"Content-Type": "text/html; charset=windows-1252"})
    text = read_one(url, limits=FAST).text
    assert "crème brûlée dan piñata" in text


def _assert_url_error(url: str, *fragments: str, limits: FetchLimits = FAST) -> None:
    with pytest.raises(InputError) as info:
        read(url, limits=limits)
    message = str(info.value)
    assert url in message
    for fragment in fragments:
        assert fragment in message, message


def test_url_404_is_an_input_error_and_not_retried(http_server) -> None:
    _assert_url_error(f"{http_server.url}/pages/tidak-ada.html", "404")
    assert http_server.count("/pages/tidak-ada.html") == 1


def test_url_500_is_retried_then_an_input_error(http_server) -> None:
    url = http_server.route("/rusak", status=500, body=b"Internal Server Error")
    _assert_url_error(url, "500")
    assert http_server.count("/rusak") == FAST.retries + 1


def test_url_timeout_is_an_input_error(http_server) -> None:
    url = http_server.route("/lambat", delay=1.5, body=(PAGES / "id_article.html").read_bytes())
    _assert_url_error(url, "timed out")


def test_url_body_over_the_size_limit_is_an_input_error(http_server) -> None:
    url = http_server.route("/besar", body=b"<p>" + b"a" * 5000 + b"</p>")
    _assert_url_error(url, "larger than 1000 bytes", limits=FetchLimits(max_bytes=1000, retries=0))


def test_url_redirect_loop_is_an_input_error(http_server) -> None:
    url = http_server.route("/putar", status=302, headers={"Location": "/putar"})
    _assert_url_error(url, "redirect")


def test_url_with_empty_body_is_an_input_error(http_server) -> None:
    url = http_server.route("/kosong", body=b"")
    _assert_url_error(url, "no article text")


def test_url_connection_refused_is_an_input_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _assert_url_error(f"http://127.0.0.1:{port}/berita.html")


# --- hostile input: what the readers defuse (issue 7) -------------------------------------

import feedparser  # noqa: E402

from digest.extract import MAX_TEXT_CHARS, MAX_WORD_CHARS, html_to_text  # noqa: E402
from digest.models import Document  # noqa: E402
from digest.readers import MAX_ENTRIES, decode, plausible, read_bytes, safe_url, screen_xml, tame  # noqa: E402

BODY = "".join(f"<p>{s}</p>" for s in (
    "Banjir rob merendam ratusan rumah di Kelurahan Tanjung Mas, Semarang, sejak Kamis pagi.",
    "Badan Penanggulangan Bencana Daerah mengerahkan perahu karet untuk mengevakuasi warga.",
))


def rss_with(prolog: str, items: str, encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}<rss version="2.0"><channel><title>T</title>'
            f"{items}</channel></rss>").encode(encoding)


@pytest.mark.parametrize("data", [(FEEDS / "id_feed.xml").read_bytes(), (FEEDS / "en_atom.xml").read_bytes(),
                                  rss_with("", "<item><title>A &amp; B</title><description><![CDATA[<p>x</p>]]> &lt;p&gt;"
                                           + "Satu &amp; dua.&lt;/p&gt;\n" * 500 + "</description></item>")])
def test_feedparser_reads_whole_runs_of_text_with_the_same_result(monkeypatch, data: bytes) -> None:
    import feedparser.api

    import digest.readers

    assert feedparser.api.PREFERRED_XML_PARSERS[0] == "digest.readers"
    assert isinstance(feedparser.api.xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS), digest.readers._TextRuns)
    ours = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    monkeypatch.setattr(feedparser.api, "PREFERRED_XML_PARSERS", [])
    assert ours == feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False) and ours.entries


def test_plain_text_entities_expand_without_limit_in_feedparser_alone() -> None:
    """Why feeds are screened: feedparser keeps DTD entities of plain text, and when expat
    (rightly) gives up on the amplification, its fallback parser expands them anyway."""
    data = rss_with('<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 10_000 + '">\n]>\n',
                    "<item><title>x</title><description>" + "&a;" * 1000 + "</description></item>")
    assert len(feedparser.parse(data).entries[0].description) >= 10_000_000 > 500 * len(data)
    with pytest.raises(InputError, match="refused: the XML declares an entity"):
        read_bytes(data, "feed", "bom.xml").documents


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE rss [\n<!ENTITY a "aa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n',  # billion laughs
    '<!DOCTYPE rss [<!ENTITY a "&#38;#38;">]>',  # an entity that makes a reference
    '<!DOCTYPE rss [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n',  # external entity
    '<!DOCTYPE rss [\n<!ENTITY x PUBLIC "-//x//y" "http://127.0.0.1:1/x.dtd">\n]>\n',
    '<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd">\n%p;\n]>\n',  # parameter entity
    '<!DOCTYPE rss [<!ENTITY big "' + "B" * 100 + '">]>',  # quadratic blowup
    '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd" NDATA gif>]>',  # unparsed entity
])
def test_entity_declarations_that_could_expand_or_fetch_are_refused(prolog: str) -> None:
    data = rss_with(prolog, f"<item><title>x</title><description><![CDATA[{BODY}]]></description></item>")
    with pytest.raises(InputError, match="refused"):
        read_bytes(data, "feed", "jahat.xml").documents


def test_entities_are_refused_in_any_encoding_and_when_malformed() -> None:
    xxe = '<!DOCTYPE rss [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
    item = "<item><title>&x;</title><description>x</description></item>"
    utf16 = ("\ufeff" + rss_with(xxe, item).decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"'))
    for data in (utf16.encode("utf-16-le"), utf16.encode("utf-16-be"),
                 rss_with(xxe, item).replace(b"</channel></rss>", b"<unclosed>"),  # malformed after the DTD
                 b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd"' + b"<rss>&x;</rss>"):
        with pytest.raises(InputError, match="refused"):
            screen_xml(data, "jahat.xml")


def test_harmless_entity_declarations_still_work() -> None:
    data = rss_with('<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n<!ENTITY mdash "&#8212;">\n<!ENTITY c "(c)">\n]>\n',
                    f"<item><title>Banjir&nbsp;rob &mdash; Semarang &c;</title>"
                    f"<description><![CDATA[{BODY}]]></description></item>")
    (doc,) = read_bytes(data, "feed", "ramah.xml").documents
    assert doc.title == "Banjir rob — Semarang (c)"  # a title is one line of single spaces


def test_a_doctype_without_entities_is_fine() -> None:
    data = rss_with('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n',
                    f"<item><title>Lama</title><description><![CDATA[{BODY}]]></description></item>")
    assert [d.title for d in read_bytes(data, "feed", "lama.xml").documents] == ["Lama"]


def test_at_most_max_entries_are_read_and_they_are_the_newest(caplog) -> None:
    start = datetime(2024, 6, 20, tzinfo=timezone.utc)
    order = [(i * 7919) % 600 for i in range(600)]  # every age once, shuffled
    items = "".join(
        f"<item><title>Kabar {age}</title><guid>g{age}</guid>"
        f"<pubDate>{(start - timedelta(hours=age)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>Warga kampung {age} melaporkan banjir.</description></item>" for age in order)
    docs = read_bytes(rss_with("", items), "feed", "besar.xml").documents
    assert MAX_ENTRIES == 500 and len(docs) == 500
    assert {d.title for d in docs} == {f"Kabar {age}" for age in range(500)}
    assert [d.title for d in docs] == [f"Kabar {age}" for age in order if age < 500]  # feed order kept
    assert "600 entries; only the newest 500 are read" in caplog.text


def test_impossible_dates_become_none_and_never_raise() -> None:
    dates = ["0000-00-00T00:00:00Z", "9999-12-31T23:59:59-23:00", "0001-01-01T00:00:00+05:00",
             "Fri, 31 Dec 2999 23:59:59 GMT", "Mon, 31 Feb 2024 08:00:00 GMT", "1969-07-20T20:17:00Z"]
    items = "".join(f"<item><title>T{i}</title><pubDate>{d}</pubDate><description>Teks nomor {i}.</description></item>"
                    for i, d in enumerate(dates))
    docs = read_bytes(rss_with("", items), "feed", "tanggal.xml").documents
    assert [d.published for d in docs] == [None] * len(dates)


def test_plausible_dates() -> None:
    now = datetime.now(timezone.utc)
    assert plausible(now) == now and plausible(datetime(2001, 1, 1)) == datetime(2001, 1, 1)
    assert plausible(now + timedelta(days=2)) is None and plausible(datetime(1960, 1, 1, tzinfo=timezone.utc)) is None
    assert plausible(datetime.max) is None and plausible(None) is None


def test_guids_that_are_not_urls_are_qualified_by_their_feed() -> None:
    items = (f"<item><title>A</title><guid>123</guid><description><![CDATA[{BODY}]]></description></item>"
             f"<item><title>B</title><guid>https://x.example/a/1</guid><description>Teks B di sini.</description></item>"
             f"<item><title>C</title><guid>tag:x.example,2024:c</guid><description>Teks C di sini.</description></item>"
             f"<item><title>D</title><description>Teks D tanpa guid.</description></item>")
    one = read_bytes(rss_with("", items), "feed", "satu.xml").documents
    two = read_bytes(rss_with("", items), "feed", "dua.xml").documents
    assert [d.id for d in one] == ["satu.xml#123", "https://x.example/a/1", "tag:x.example,2024:c", one[3].id]
    assert one[3].id.startswith("sha1:") and one[3].id != two[3].id  # the same text in two feeds
    assert one[0].id != two[0].id  # "123" in two feeds is two articles


def test_tame_removes_misleading_characters_and_cuts_monsters() -> None:
    doc = tame(Document(
        source="x", text="Laporan \u202egnp.exe\u202c ada\x00 di\x07 sini\ud800.\n\n" + "w" * 5000 + " akhir.",
        title="Judul \u2066terbalik\u2069 " + "panjang " * 100, outlet="Kabar\x00 \u202ePalsu\n\nHarian",
        url="javascript:alert(1)", published=datetime(9999, 12, 31, tzinfo=timezone.utc), language="<script>",
        id="id\x00" + "x" * 1000))
    assert doc.text.startswith("Laporan gnp.exe ada di sini.\n\n")
    assert max(len(w) for w in doc.text.split()) == MAX_WORD_CHARS + 1 and "…" in doc.text
    assert doc.title.startswith("Judul terbalik panjang") and len(doc.title) <= 300 and doc.title.endswith("…")
    assert doc.outlet == "Kabar PalsuHarian".replace("PalsuHarian", "Palsu Harian")
    assert doc.url is None and doc.published is None and doc.language is None
    assert doc.id.startswith("sha1:") and len(doc.id) == 45


def test_tame_caps_the_text_at_a_paragraph() -> None:
    paragraph = "Warga mengungsi ke masjid terdekat karena air terus naik. " * 20
    doc = tame(Document(source="x", text="\n\n".join([paragraph] * 200)))
    assert len(doc.text) <= MAX_TEXT_CHARS and doc.text.endswith(paragraph.strip())


@pytest.mark.parametrize("url, safe", [
    ("https://x.example/a", True), ("http://127.0.0.1:8000/a", True), ("javascript:alert(1)", False),
    ("data:text/html,<script>", False), ("file:///etc/passwd", False), ("vbscript:x", False), ("//x.example/a", False),
    ("https://x.example/" + "a" * 3000, False), ("http://x.example/a\nb", False), (" https://x.example/a ", True),
])
def test_only_http_links_are_kept(url, safe) -> None:
    assert (safe_url(url) is not None) is safe


def test_valid_utf8_wins_over_a_declared_single_byte_charset() -> None:
    text = "Rapat dewan – “zona” café"
    assert decode(text.encode("utf-8"), "x", "iso-8859-1") == text
    assert decode(text.encode("utf-8"), "x", "windows-1252") == text
    assert decode("café à Cirebon".encode("latin-1"), "x", "iso-8859-1") == "café à Cirebon"
    assert decode("café à Cirebon".encode("latin-1"), "x", "utf-8") == "café à Cirebon"


def test_html_to_text_keeps_text_only() -> None:
    fragment = ("<p onclick=\"alert(1)\">Satu &amp; dua.</p><script>alert('x')</script><style>p{}</style>"
                "<template><p>templat</p></template><textarea>area</textarea><iframe>bingkai</iframe>"
                "<svg><text>gambar</text></svg><noscript>tanpa</noscript><title>judul</title>"
                "<p><a href=\"javascript:alert(2)\">Tautan</a> <img src=\"http://127.0.0.1:1/beacon\">tiga.</p>")
    assert html_to_text(fragment) == "Satu & dua.\n\nTautan tiga."
    assert html_to_text("a &amp; b") == "a & b"
    assert html_to_text("<p>a</p><!-- <p>komentar</p> -->") == "a"


def test_jsonl_fields_are_tamed(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    record = {"text": "Isi \u202eberita\u202c yang cukup panjang untuk dibaca.", "url": "javascript:alert(1)",
              "title": "<b>Judul</b>\x00", "published": "0000-01-01", "language": "<script>", "outlet": "O\u202eutlet"}
    path.write_text(json.dumps(record) + "\n", "utf-8")
    doc = read_one(path)
    assert doc.text == "Isi berita yang cukup panjang untuk dibaca."
    assert doc.url is None and doc.published is None and doc.language is None
    assert doc.title == "<b>Judul</b>" and doc.outlet == "Outlet"  # text, escaped when rendered


def test_a_page_claiming_a_javascript_address_keeps_the_fetched_one(http_server) -> None:
    body = "".join(f"<p>{s}</p>" for s in [ID_QUOTE * 3, ID_FIRST + " " + ID_LAST + ".", ID_QUOTE + " " + ID_LAST])
    page = (f'<html><head><title>{ID_TITLE}</title><link rel="canonical" href="javascript:alert(1)">'
            f'<meta property="og:url" content="file:///etc/passwd"></head><body><article><h1>{ID_TITLE}</h1>'
            f"{body}</article></body></html>")
    url = http_server.route("/halaman", body=page.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    doc = read_one(url, limits=FAST)
    assert doc.url == url


def test_text_that_is_only_control_characters_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("\x01\x02 \u202e \x07\n", "utf-8")
    with pytest.raises(InputError, match="no text or title left"):
        read(path)


# --- ingest: one source's surprise stays its own ---------------------------------------------


def test_an_unexpected_exception_fails_only_its_source(http_server, monkeypatch) -> None:
    from digest import ingest as ingest_module
    from digest.ingest import Source, ingest

    real = ingest_module.read_bytes

    def explosive(data, kind, source, **kwargs):
        if source.endswith("/meledak.xml"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(data, kind, source, **kwargs)

    monkeypatch.setattr(ingest_module, "read_bytes", explosive)
    feed = (FEEDS / "id_feed.xml").read_bytes()
    good = http_server.route("/baik.xml", body=feed, headers={"Content-Type": "application/rss+xml"})
    bad = http_server.route("/meledak.xml", body=feed, headers={"Content-Type": "application/rss+xml"})
    results = ingest([Source("Baik", good), Source("Meledak", bad)], {}, timezone.utc, FAST, full_text=False)
    assert [r.report.status for r in results] == ["ok", "failed"]
    assert "unexpected error" in results[1].report.error and "RecursionError" in results[1].report.error


def test_pages_of_an_internal_feed_may_be_internal_and_of_a_public_one_not(http_server, monkeypatch) -> None:
    from digest import ingest as ingest_module
    from digest.ingest import Source, ingest, is_public_url

    assert not is_public_url(http_server.url) and not is_public_url("http://localhost:8000/")
    assert not is_public_url("http://intranet/feed") and not is_public_url("http://[::1]/")
    assert not is_public_url("http://10.0.0.7/") and not is_public_url("http://printer.local/")
    assert is_public_url("http://93.184.215.14/") and is_public_url("https://news.example.org/", resolve=False)
    teaser = ("<item><title>Banjir</title><link>{base}/halaman</link>"
              "<description>Banjir rob merendam rumah warga.</description></item>")
    page = (PAGES / "id_article.html").read_bytes()
    http_server.route("/halaman", body=page)
    url = http_server.route("/umpan.xml", body=rss_with("", teaser.format(base=http_server.url)),
                            headers={"Content-Type": "application/rss+xml"})
    (internal,) = ingest([Source("Dalam", url)], {}, timezone.utc, FAST)
    assert http_server.count("/halaman") == 1 and len(internal.documents[0].text) > 500
    monkeypatch.setattr(ingest_module, "is_public_url", lambda u, resolve=True: u.endswith("/umpan.xml"))
    (public,) = ingest([Source("Luar", url)], {}, timezone.utc, FAST)
    assert public.public and public.documents[0].url is None  # the internal link is dropped
    assert http_server.count("/halaman") == 1  # and never fetched


def test_a_page_declaring_entities_is_read_without_expanding_them(http_server) -> None:
    """Pages go to lxml's HTML parser (via trafilatura), which never expands DTD entities."""
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 9))
    page = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "lol">{laughs}'
            f'<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><head><title>{ID_TITLE}</title></head><body><article>'
            f"<h1>{ID_TITLE}</h1><p>{ID_FIRST} &l8; &xxe;.</p><p>{ID_QUOTE}</p><p>{ID_QUOTE} {ID_LAST}</p>"
            "</article></body></html>")
    url = http_server.route("/entitas.html", body=page.encode(), headers={"Content-Type": "text/html"})
    doc = read_one(url, limits=FAST)
    assert len(doc.text) < 2000 and "root:" not in doc.text and "lollol" not in doc.text
