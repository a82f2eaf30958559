"""Syndicated copies: the same wire text under several outlets is one independent report."""

from dataclasses import replace
from datetime import datetime, timezone

from digest.models import Article
from digest.syndication import find_copies, shingles

WIRE = (
    "Presiden Rusia Vladimir Putin tiba di Hanoi pada Kamis untuk kunjungan kenegaraan selama dua hari, "
    "sehari setelah menandatangani pakta pertahanan dengan Korea Utara. Putin disambut Presiden Vietnam "
    "To Lam dalam upacara militer di istana kepresidenan. Kedua negara menandatangani sebelas perjanjian "
    "di bidang energi, pendidikan, dan perdagangan, kata pejabat kedua negara kepada wartawan."
)


def article(ident: str, text: str, hour: int, outlet: str) -> Article:
    return Article(id=ident, title="t", text=text, outlet=outlet, language="id", source="s",
                   published=datetime(2024, 6, 20, hour, tzinfo=timezone.utc))


def test_a_lightly_edited_copy_is_found_and_credits_the_first_published():
    original = article("antara", WIRE, 8, "Antara")
    copy = article("kompas", "Jakarta, Kompas.com - " + WIRE + " (ant)", 9, "Kompas")
    assert find_copies([copy, original]) == {"kompas": "antara"}


def test_a_copy_of_an_already_stored_article_is_found():
    stored = article("antara", WIRE, 8, "Antara")
    assert find_copies([article("tempo", WIRE, 10, "Tempo")], [stored]) == {"tempo": "antara"}


def test_different_reports_of_the_same_event_are_independent():
    other = ("Vladimir Putin mendarat di Hanoi, Vietnam, setelah lawatan ke Pyongyang. Dalam kunjungan itu "
             "ia bertemu To Lam dan para pemimpin Partai Komunis untuk membahas energi dan pendidikan.")
    assert find_copies([article("a", WIRE, 8, "Antara"), article("b", other, 9, "Tempo")]) == {}


def test_copies_of_copies_credit_the_original():
    texts = [article("a", WIRE, 8, "A"), article("b", WIRE + " Baca juga.", 9, "B"), article("c", WIRE, 10, "C")]
    assert find_copies(texts) == {"b": "a", "c": "a"}


def test_shingles_of_short_and_empty_text():
    assert shingles("").size == 0
    assert shingles("satu dua").size == 1
    assert shingles("a b c d e f").size == 2
    assert shingles("a b c d e a b c d e").size == 5  # "a b c d e" twice is one shingle


def test_copies_are_found_among_the_articles_the_store_keeps():
    """The run looks for copies in a worker while it stores what it read: a page read twice
    (in two feeds of an outlet, the second time with another date) is one article, the first
    read, as the store keeps it, and a copy credits that one."""
    from digest.pipeline import copies_among_new

    first = replace(article("antara-1", WIRE, 8, "Antara"), url="https://www.antaranews.com/berita/1")
    again = replace(article("antara-2", WIRE, 7, "Antara"), url="https://www.antaranews.com/berita/1?utm_source=rss")
    copy = article("tempo", "Jakarta, Tempo - " + WIRE, 9, "Tempo")
    assert find_copies([first, again, copy]) == {"antara-1": "antara-2", "tempo": "antara-2"}
    assert copies_among_new([first, again, copy], []) == {"tempo": "antara-1"}
    assert copies_among_new([copy], [first]) == {"tempo": "antara-1"}
    assert copies_among_new([], [first]) == {}
