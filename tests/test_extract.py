"""Metadata from text: datelines name outlets, dates in Indonesian and English forms; article pages."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import trafilatura

import digest.extract as extract_module
from digest.articles import to_article
from digest.extract import (
    extract_page,
    find_date,
    html_to_text,
    outlet_from_url,
    split_dateline,
)
from digest.models import Document

WIB = timezone(timedelta(hours=7))


@pytest.mark.parametrize("paragraph, outlet, rest", [
    ("Jakarta, IDN Times - Presiden Rusia Vladimir Putin tiba di Pyongyang.", "IDN Times", "Presiden Rusia"),
    ("HANOI, virprom.com – Usai mengunjungi Korea Utara, Putin ke Vietnam.", "virprom.com", "Usai mengunjungi"),
    ("Jakarta, DigoID-Presiden Rusia, Vladimir Putin, baru aja mendarat.", "DigoID", "Presiden Rusia,"),
    ("JAKARTA (ANTARA) - Presiden Joko Widodo meresmikan bendungan baru itu.", "ANTARA", "Presiden Joko"),
    ("LONDON, June 20 (Reuters) - Britain said on Thursday it would act.", "Reuters", "Britain said"),
    ("Liputan6.com, Jakarta - Pemerintah menaikkan harga bahan bakar hari ini.", "Liputan6.com", "Pemerintah"),
    ("Semarang, Kompas.com - Hujan deras mengguyur kota sejak semalam.", "Kompas.com", "Hujan deras"),
    ("BANYUWANGI, Indonesia, June 21 (Harbour Wire) - A ferry caught fire on Friday.", "Harbour Wire", "A ferry"),
    # The outlet alone (IndoSum: 135 of 1,270 articles open so, from merdeka.com, suara.com, juara.net)
    ("Merdeka.com - Aktivis perempuan Ratna Sarumpaet bertandang ke Pengadilan Negeri.", "Merdeka.com", "Aktivis"),
    ("JUARA.NET - Jersey terbaru Real Madrid dan FC Barcelona memang belum resmi dijual.", "JUARA.NET", "Jersey"),
    ("(CNN) - The swell of online support for Stephen Colbert has not moved the governor.", "CNN", "The swell"),
])
def test_datelines_name_the_outlet_and_are_cut_from_the_text(paragraph, outlet, rest):
    found, text = split_dateline(paragraph)
    assert found == outlet
    assert text.startswith(rest) and paragraph.endswith(text)


@pytest.mark.parametrize("paragraph", [
    "Putin - yang baru tiba - mengatakan hal itu kepada wartawan di Hanoi.",
    "Presiden Rusia Vladimir Putin bertemu dengan Presiden Vietnam, Kamis (20/1) sewaktu ia tiba.",
    "Putin, Kim - and the pact that worries the West.",
    "Teka - teki siapa pelatih baru tim nasional akhirnya terjawab hari ini.",
    "(Kiri) - foto para pemain tim nasional saat berlatih di Stadion Utama pada Senin pagi.",
])
def test_sentences_that_only_look_like_datelines_are_left_alone(paragraph):
    assert split_dateline(paragraph) == (None, paragraph)


def test_the_outlets_own_name_alone_is_its_dateline():
    paragraph = "Rimanews - Gubernur DKI Jakarta Basuki Tjahaja Purnama menyatakan akan menanti janji itu."
    rest = "Gubernur DKI Jakarta Basuki Tjahaja Purnama menyatakan akan menanti janji itu."
    assert split_dateline(paragraph, outlets=["rimanews"]) == ("Rimanews", rest)
    assert split_dateline(paragraph, outlets=["rimanews.com"]) == ("Rimanews", rest)  # the host's name
    assert split_dateline(paragraph) == (None, paragraph)
    assert split_dateline(paragraph, outlets=["Kompas"]) == (None, paragraph)  # not its own name


def test_a_bare_capitalised_place_dateline_is_cut_without_naming_an_outlet():
    assert split_dateline("WASHINGTON — President Joe Biden said on Thursday he would veto it.") == (
        None, "President Joe Biden said on Thursday he would veto it.")


@pytest.mark.parametrize("text, expected", [
    ("Kamis, 20 Juni 2024 17:55", datetime(2024, 6, 20, 17, 55, tzinfo=WIB)),
    ("tiba di Pyongyang, pada Rabu (19/6/2024). Dia", datetime(2024, 6, 19, tzinfo=WIB)),
    ("mengunjungi Vietnam pada Kamis (20-06-2024).", datetime(2024, 6, 20, tzinfo=WIB)),
    ("Seperti dilansir Reuters, Jumat (21/06/2024), kunjungan", datetime(2024, 6, 21, tzinfo=WIB)),
    ("Selasa, 12 Maret 2024 | 09:15 WIB", datetime(2024, 3, 12, 9, 15, tzinfo=WIB)),
    ("Published June 20, 2024 at 5:30 GMT", datetime(2024, 6, 20, 5, 30, tzinfo=timezone.utc)),
    ("Kamis, 20 Juni 2024 - 17:55 WITA", datetime(2024, 6, 20, 17, 55, tzinfo=timezone(timedelta(hours=8)))),
    ("June 20, 2024, 9:05", datetime(2024, 6, 20, 9, 5, tzinfo=WIB)),
    ("posted 2024-06-20 by the desk", datetime(2024, 6, 20, tzinfo=WIB)),
    ("Posted April 10th, 2016 by the desk", datetime(2016, 4, 10, tzinfo=WIB)),
    ("Tuesday, 1st May 2007", datetime(2007, 5, 1, tzinfo=WIB)),
])
def test_dates_in_news_text(text, expected):
    assert find_date([text], WIB) == expected


def test_dates_without_a_year_or_impossible_dates_are_not_guessed():
    assert find_date(["Kamis (20/6) waktu setempat", "31 Februari 2024", "pada 45/13/2024"], WIB) is None


def test_the_first_text_with_a_date_wins():
    assert find_date(["tanpa tanggal", "Rabu (19/6/2024)", "Kamis, 20 Juni 2024"], WIB).day == 19


def test_html_fragments_become_paragraphs_without_markup():
    html = "<p>Satu <b>dua</b>.</p><script>alert(1)</script><figure><figcaption>Foto</figcaption></figure><p>Tiga&amp;empat.</p>"
    assert html_to_text(html) == "Satu dua.\n\nTiga&empat."
    assert html_to_text("plain text") == "plain text"


def test_outlet_from_url_drops_www():
    assert outlet_from_url("https://www.antaranews.com/berita/1") == "antaranews.com"


# --- article pages: trafilatura's cheap path first, its whole cascade when it may matter ----

PAGES = Path(__file__).resolve().parent / "data" / "pages"
_FULL = dict(with_metadata=True, include_comments=False, include_tables=False, favor_precision=True)
# A short article among a long menu: its text is under half the page's, so readability
# could have found more and the whole cascade runs.
_SHORT_AMONG_MENUS = ("<html><head><title>Banjir di Bekasi</title></head><body><nav><ul>"
                      + "".join(f"<li><a href='/r/{i}'>Rubrik nomor {i} dengan judul panjang</a></li>" for i in range(60))
                      + "</ul></nav><article><h1>Banjir di Bekasi</h1><p>" + "Air naik setinggi satu meter di Bekasi. " * 8
                      + "</p></article></body></html>")


@pytest.mark.parametrize("page", [(PAGES / "id_article.html").read_bytes(), (PAGES / "en_article.html").read_bytes(),
                                  _SHORT_AMONG_MENUS])
def test_page_text_is_what_trafilaturas_whole_cascade_gives(page) -> None:
    full = trafilatura.bare_extraction(page, url="https://example.com/a", **_FULL)
    got = extract_page(page, "https://example.com/a")
    assert got is not None and (got.text, got.title, got.outlet) == (full.text, full.title, full.sitename or None)


def test_the_fallback_extractors_run_only_when_they_could_change_the_text(monkeypatch) -> None:
    calls: list[bool] = []
    extract = extract_module._extract
    monkeypatch.setattr(extract_module, "_extract", lambda *args, fast: calls.append(fast) or extract(*args, fast=fast))
    extract_page((PAGES / "id_article.html").read_bytes())
    assert calls == [True]
    extract_page(_SHORT_AMONG_MENUS)
    assert calls == [True, True, False]


def test_a_page_read_for_its_text_only_skips_the_metadata() -> None:
    page = (PAGES / "id_article.html").read_bytes()
    bare, whole = extract_page(page, "https://example.com/a", metadata=False), extract_page(page, "https://example.com/a")
    assert bare.text == whole.text and whole.title and whole.published
    assert (bare.title, bare.outlet, bare.published, bare.url) == (None, None, None, "https://example.com/a")


def test_after_the_place_a_region_names_no_outlet_where_the_press_puts_regions_there():
    text = "The town council said on Thursday that it wanted the money back."
    assert split_dateline(f"Meadow Lake, Saskatchewan – {text}", outlet_after_place=False) == (None, text)
    assert split_dateline(f"Meadow Lake, Saskatchewan – {text}") == ("Saskatchewan", text)  # Indonesian style
    assert split_dateline(f"HANOI, virprom.com – {text}", outlet_after_place=False)[0] == "virprom.com"
    assert split_dateline(f"Liputan6.com, Jakarta - {text}", outlet_after_place=False)[0] == "Liputan6.com"
    assert split_dateline(f"LONDON, June 20 (Reuters) - {text}", outlet_after_place=False)[0] == "Reuters"
    # a sentence whose hyphen ("F-18") follows a name and a clause is no place and region (a Multi-News page)
    sheen = "Charlie Sheen, who likes to say, “I’m an F-18, bro,” was moving at a subsonic speed on Tuesday."
    assert split_dateline(sheen, outlet_after_place=False) == (None, sheen)


def test_a_jsonl_articles_own_name_as_dateline_leaves_its_text():
    text = ("Rimanews - Gubernur DKI Jakarta Basuki Tjahaja Purnama alias Ahok menyatakan akan menanti janji "
            "pasangan gubernur terpilih untuk menata kawasan Kemang.\n\nIa mengatakan pembongkaran bangunan "
            "tanpa sertifikat tetap berjalan tahun ini.")
    found = to_article(Document(source="export.jsonl", text=text, outlet="rimanews",
                                url="http://rimanews.com/nasional/ahok-kemang"), language="id")
    assert found.text.startswith("Gubernur DKI Jakarta") and found.outlet == "rimanews"
    assert found.title.startswith("Gubernur DKI Jakarta")  # no title: its first words, without the dateline


def test_a_title_less_text_is_headed_by_its_first_sentence_when_short_else_its_first_words():
    short = ("Masih di laga pramusim, Arsenal sudah mulai dipusingkan dengan masalah sakit pemain. Kali ini "
             "giliran gelandang Mesut Ozil yang harus absen karena flu.")
    found = to_article(Document(source="export.jsonl", text=short), language="id")
    assert found.title == "Masih di laga pramusim, Arsenal sudah mulai dipusingkan dengan masalah sakit pemain."
    long = ("Kepala Bidang Humas Polda Metro Jaya Komisaris Besar Argo Yuwono mengatakan, polisi akan menindak "
            "tegas setiap pelaku yang terbukti menyebarkan kabar bohong.")
    found = to_article(Document(source="export.jsonl", text=long), language="id")
    assert found.title == "Kepala Bidang Humas Polda Metro Jaya Komisaris Besar Argo Yuwono mengatakan, polisi…"
    cry = "Sungguh melelahkan! Antrean mudik di Tol Cikampek mengular hingga 20 kilometer sejak Jumat malam."
    found = to_article(Document(source="export.jsonl", text=cry), language="id")
    assert found.title == "Sungguh melelahkan! Antrean mudik di Tol Cikampek mengular hingga 20 kilometer sejak…"
