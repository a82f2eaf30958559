"""Summaries: verbatim sentences, budgets, no repeats, credits to every carrying outlet."""

from datetime import datetime, timezone

import pytest

from digest.language import get_language
from digest.models import Article
from digest.pipeline import to_article
from digest.readers import InputSpec, read_input
from digest.summarize import ALGORITHMS, SummaryOptions, UnknownAlgorithm, choose_headline, summarize

WIRE = (
    "Presiden Rusia Vladimir Putin tiba di Hanoi pada Kamis untuk kunjungan kenegaraan "
    "selama dua hari setelah menandatangani pakta pertahanan dengan Korea Utara."
)


def article(ident: str, outlet: str, paragraphs: list[str], day: int = 20, title: str = "Judul") -> Article:
    return Article(
        id=ident, title=title, text="\n\n".join(paragraphs), outlet=outlet, language="id",
        source=ident, url=f"https://{outlet.lower()}.example/{ident}",
        published=datetime(2024, 6, day, tzinfo=timezone.utc),
    )


@pytest.fixture(scope="module")
def seed_articles(seed_paths):
    return [to_article(doc) for path in seed_paths for doc in read_input(InputSpec(str(path)))]


def test_a_sentence_carried_by_three_outlets_with_small_differences_credits_all_three():
    variants = [
        WIRE,
        WIRE.replace("Kamis", "Kamis (20/6)"),
        WIRE.replace("Presiden Rusia Vladimir Putin", "Vladimir Putin, Presiden Rusia,"),
    ]
    others = [
        "Kunjungan itu adalah yang pertama sejak 2017 dan disambut dengan upacara militer di istana.",
        "Kedua negara menandatangani sebelas perjanjian di bidang energi, pendidikan dan perdagangan.",
        "Amerika Serikat mengkritik kunjungan tersebut dan menyebutnya sebagai upaya mencari dukungan perang.",
    ]
    articles = [article(f"a{i}", outlet, [variants[i], others[i]]) for i, outlet in enumerate(["Antara", "Kompas", "Tempo"])]
    summary = summarize(articles, SummaryOptions(sentences=4, max_words=200))
    wire = next(s for s in summary if "Hanoi pada Kamis" in s.text)
    assert set(wire.outlets) == {"Antara", "Kompas", "Tempo"}
    assert set(wire.article_ids) == {"a0", "a1", "a2"}
    # the quoted text is verbatim from the first article credited
    assert wire.text in articles[int(wire.article_ids[0][1])].text


def test_unrelated_sentences_are_not_merged():
    a = article("a", "Antara", [WIRE])
    b = article("b", "Kompas", ["Harga beras di pasar induk Cipinang naik lima persen dalam sepekan terakhir menurut pedagang."])
    summary = summarize([a, b], SummaryOptions(sentences=5, max_words=200))
    assert all(len(s.outlets) == 1 for s in summary)


def test_seed_summary_is_verbatim_credited_and_within_budget(seed_articles):
    options = SummaryOptions(sentences=5, max_words=120)
    summary = summarize(seed_articles, options)
    by_id = {a.id: a for a in seed_articles}
    assert 1 <= len(summary) <= 5
    assert sum(len(s.text.split()) for s in summary) <= 120
    for sentence in summary:
        assert sentence.text in by_id[sentence.article_ids[0]].text
        assert {by_id[i].outlet for i in sentence.article_ids} == set(sentence.outlets)


def test_budgets_are_respected(seed_articles):
    assert len(summarize(seed_articles, SummaryOptions(sentences=2, max_words=500))) == 2
    short = summarize(seed_articles, SummaryOptions(sentences=10, max_words=60))
    assert sum(len(s.text.split()) for s in short) <= 60


def test_no_two_summary_sentences_repeat_each_other(seed_articles):
    from digest.similarity import cosine, terms

    lang = get_language("id")
    summary = summarize(seed_articles, SummaryOptions(sentences=8, max_words=400))
    bags = [terms(s.text, lang) for s in summary]
    for i, a in enumerate(bags):
        for b in bags[i + 1:]:
            assert cosine(a, b) < 0.5


def test_summary_follows_story_order(seed_articles):
    summary = summarize(seed_articles, SummaryOptions(sentences=6, max_words=400))
    by_id = {a.id: a for a in seed_articles}
    stamps = [by_id[s.article_ids[0]].published for s in summary]
    assert stamps == sorted(stamps)


def test_questions_and_headings_are_never_picked(seed_articles):
    summary = summarize(seed_articles, SummaryOptions(sentences=10, max_words=1000))
    assert not any(s.text.rstrip("\"”").endswith("?") for s in summary)
    assert "AS dan NATO Meradang Atas Aksi Putin!" not in [s.text for s in summary]


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_sumy_algorithm_gives_a_verbatim_summary(seed_articles, algorithm):
    summary = summarize(seed_articles, SummaryOptions(algorithm=algorithm, sentences=3))
    assert len(summary) == 3
    texts = "\n".join(a.text for a in seed_articles)
    assert all(s.text in texts for s in summary)


def test_unknown_algorithm_says_how_to_fix_it():
    with pytest.raises(UnknownAlgorithm, match="choose one of .*lexrank"):
        SummaryOptions(algorithm="bert")


def test_headline_is_one_of_the_titles_and_avoids_shouting(seed_articles):
    headline = choose_headline(seed_articles)
    assert headline in {a.title for a in seed_articles}
    assert not headline.endswith("!")


def test_english_story_summarizes_with_english_tools():
    texts = [
        "Dock workers at Rotterdam walked out on Tuesday in protest against plans to automate two terminals. "
        "The strike halted most loading at Europe's biggest port.",
        "The FNV union said the 24-hour strike was the first at the port in more than a decade. "
        "Port operators said ships were being diverted to Antwerp and Hamburg.",
    ]
    articles = [
        Article(id=f"e{i}", title="Rotterdam strike", text=t, outlet=o, language="en", source="x")
        for i, (t, o) in enumerate(zip(texts, ["Reuters", "AP"]))
    ]
    summary = summarize(articles, SummaryOptions(sentences=2))
    assert len(summary) == 2 and all(s.text in "\n".join(texts) for s in summary)


def test_a_bilingual_story_is_summarized_in_its_main_language():
    id_text = ["Bank Indonesia menahan suku bunga acuan di level 6,25 persen pada Rabu sore ini.",
               "Gubernur BI mengatakan keputusan itu untuk menjaga stabilitas nilai tukar rupiah."]
    en_text = ["Bank Indonesia held its benchmark interest rate at 6.25 percent on Wednesday afternoon."]
    articles = [article("a", "Antara", id_text), article("b", "Kompas", id_text[:1] + ["Keputusan itu sudah diperkirakan para ekonom sejak pekan lalu."]),
                Article(id="c", title="BI holds", text=en_text[0], outlet="Reuters", language="en", source="c")]
    summary = summarize(articles, SummaryOptions(sentences=5))
    assert summary and all("percent on Wednesday" not in s.text for s in summary)
