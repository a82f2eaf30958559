"""Story clustering: events kept apart, outlets and languages brought together, stories
kept across days, and the quality floor measured by eval/cluster.py."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.reference import document_share, tfidf
from digest.cluster import Assignment, ClusterOptions, StorySeed, cluster
from digest.features import Features, article_features, name_key, without_site_furniture, word_stem
from digest.models import Article
from digest.articles import to_article
from digest.readers import InputSpec, read_input
from scripts import load_script

EVAL = Path(__file__).resolve().parents[1] / "eval" / "cluster.py"
JUNE_20 = datetime(2024, 6, 20, 8, tzinfo=timezone.utc)


def article(id: str, title: str, text: str, *, outlet: str = "Kabar", language: str = "id",
            published: datetime | None = JUNE_20) -> Article:
    return Article(id=id, title=title, text=text, outlet=outlet, language=language, source=id,
                   published=published)


FLOOD_A = article("flood-a", "Rob Rendam Tanjung Mas", (
    "Banjir rob merendam ratusan rumah di Kelurahan Tanjung Mas, Semarang, sejak Kamis pagi setelah "
    "tanggul laut jebol.\n\nBadan Penanggulangan Bencana Daerah Kota Semarang mengerahkan perahu karet "
    "untuk mengevakuasi warga lanjut usia."), outlet="Kabar A")
FLOOD_B = article("flood-b", "Ratusan Rumah di Semarang Terendam", (
    "Tanggul laut di Tanjung Mas jebol dan air pasang merendam ratusan rumah warga Semarang.\n\n"
    "Genangan setinggi 70 sentimeter memutus akses Jalan Kaligawe antara Semarang dan Demak; BPBD "
    "Semarang mengevakuasi warga dengan perahu karet."), outlet="Kabar B")
FLOOD_EN = article("flood-en", "Tidal flood swamps hundreds of homes in Semarang", (
    "A tidal flood submerged hundreds of homes in Tanjung Mas, Semarang, on Thursday after a sea wall "
    "collapsed.\n\nThe Semarang disaster agency sent rubber boats to Tanjung Mas and closed Jalan "
    "Kaligawe to Demak under 70 centimetres of water."), outlet="Antara English", language="en")
RATES_A = article("rates-a", "BI Tahan Bunga", (
    "Bank Indonesia mempertahankan suku bunga acuan BI-Rate di level 6,25 persen dalam rapat dewan "
    "gubernur Rabu.\n\nGubernur Bank Indonesia menyatakan keputusan itu untuk menjaga stabilitas nilai "
    "tukar rupiah dari tekanan global."), outlet="Kabar A")
RATES_B = article("rates-b", "Suku Bunga Acuan Tetap 6,25 Persen", (
    "Rapat dewan gubernur Bank Indonesia memutuskan BI-Rate tetap 6,25 persen.\n\nPara ekonom menilai "
    "ruang penurunan suku bunga baru terbuka pada akhir tahun jika inflasi tetap terkendali; rupiah "
    "menguat tipis terhadap dolar."), outlet="Kabar B")
FOLLOW_UP = article("flood-c", "Rob Surut, Warga Tanjung Mas Bersihkan Rumah", (
    "Banjir rob di Kelurahan Tanjung Mas, Semarang, mulai surut pada Jumat setelah tanggul laut "
    "ditambal.\n\nBadan Penanggulangan Bencana Daerah Kota Semarang menarik perahu karet dan membuka "
    "dapur umum."), published=JUNE_20 + timedelta(days=1))


def stories(assignments: list[Assignment]) -> set[frozenset[str]]:
    return {frozenset(a.id for a in group.articles) for group in assignments}


def test_two_events_are_never_merged_and_each_keeps_its_outlets():
    result = cluster([FLOOD_A, RATES_A, FLOOD_B, RATES_B])
    assert stories(result) == {frozenset({"flood-a", "flood-b"}), frozenset({"rates-a", "rates-b"})}
    assert all(group.story_id is None for group in result)


def test_one_event_in_two_languages_is_one_story():
    result = cluster([FLOOD_A, FLOOD_EN, RATES_A, FLOOD_B])
    assert stories(result) == {frozenset({"flood-a", "flood-b", "flood-en"}), frozenset({"rates-a"})}


def test_names_across_languages_count_for_less_in_a_crowded_window():
    """Shared names that link two languages among four articles are what unrelated articles
    share by chance in a window of thousands (ClusterOptions.crowd): there, they do not."""
    articles = [FLOOD_A, FLOOD_EN, RATES_A, FLOOD_B]
    assert stories(cluster(articles, options=ClusterOptions(crowd=4))) == stories(cluster(articles))
    crowded = stories(cluster(articles, options=ClusterOptions(crowd=1, crowd_power=2.0)))
    assert crowded == {frozenset({"flood-a", "flood-b"}), frozenset({"flood-en"}), frozenset({"rates-a"})}


@pytest.mark.parametrize("title, joins", [
    ("Tanjung Mas residents wait in rubber boats", False),  # one name of two words: chance in a busy day
    ("Semarang: Tanjung Mas homes under water after sea wall breaks", True),
])
def test_a_headline_alone_needs_three_names_to_join_a_story_of_another_language(title, joins):
    """A headline-only entry's names are all in its title: two shared with an article of another
    language are often one name ("Miley Cyrus", "Game of Thrones") and not yet the same event."""
    head = article("head-en", title, "", outlet="Wire", language="en")
    found = stories(cluster([FLOOD_A, FLOOD_B, RATES_A, RATES_B, head]))
    assert (frozenset({"flood-a", "flood-b", "head-en"}) in found) is joins


def test_a_next_day_article_joins_the_existing_story_and_keeps_its_id():
    seeds = [StorySeed("rates", (RATES_A, RATES_B)), StorySeed("flood", (FLOOD_A, FLOOD_B))]
    assert cluster([FOLLOW_UP], seeds) == [Assignment("flood", (FOLLOW_UP,))]


def test_two_existing_stories_are_never_merged():
    seeds = [StorySeed("a", (FLOOD_A,)), StorySeed("b", (FLOOD_B,))]
    result = cluster([FOLLOW_UP], seeds)
    assert len(result) == 1 and result[0].story_id in {"a", "b"}


def silent_for(days: float) -> StorySeed:
    return StorySeed("old", tuple(article(f"old-{a.id}", a.title, a.text, published=JUNE_20 - timedelta(days=days))
                                  for a in (FLOOD_A, FLOOD_B)))


def test_a_story_stays_open_for_the_gap_and_closes_after_it():
    assert cluster([FOLLOW_UP], [silent_for(5)])[0].story_id == "old"  # out of the window, within the gap
    assert cluster([FOLLOW_UP], [silent_for(9)]) == [Assignment(None, (FOLLOW_UP,))]
    assert cluster([FOLLOW_UP], [silent_for(30)], ClusterOptions(gap=None))[0].story_id == "old"
    # Time does not fade similarity: the same text 6 days apart is one story, 8 days apart two.
    later = [article(f"{a.id}-later", a.title, a.text, published=a.published + timedelta(days=6)) for a in (FLOOD_A,)]
    assert stories(cluster([FLOOD_B, *later], options=ClusterOptions(window=None))) == {
        frozenset({"flood-b", "flood-a-later"})}
    apart = article("apart", FLOOD_A.title, FLOOD_A.text, published=FLOOD_B.published + timedelta(days=8))
    assert len(cluster([FLOOD_B, apart], options=ClusterOptions(window=None))) == 2


def test_new_articles_outside_the_window_are_not_compared():
    stale = article("stale", FLOOD_A.title, FLOOD_A.text, published=JUNE_20 - timedelta(days=3))
    assert stories(cluster([FLOOD_B, stale])) == {frozenset({"flood-b"}), frozenset({"stale"})}


def test_undated_articles_are_compared_with_everything():
    undated = article("undated", FLOOD_A.title, FLOOD_A.text, published=None)
    assert stories(cluster([undated, FLOOD_B, RATES_A])) == {frozenset({"undated", "flood-b"}),
                                                              frozenset({"rates-a"})}


def test_the_result_does_not_depend_on_input_order():
    articles = [FLOOD_A, RATES_A, FLOOD_B, RATES_B, FLOOD_EN, FOLLOW_UP]
    expected = cluster(articles)
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster(shuffled) == expected


@pytest.mark.parametrize("language, common, rare", [
    ("id", "pemerintah", "tanggul"), ("id", "jakarta", "tsunami"), ("en", "government", "earthquake"),
    ("fr", "gouvernement", "séisme"), ("cs", "vláda", "zemětřesení")])
def test_the_reference_knows_common_words_from_rare_ones(language, common, rare):
    """Shares of the language's documents, keyed by the stems the clusterer counts."""
    share = document_share(language)
    assert share[word_stem(language, common)] > 5 * share.get(word_stem(language, rare), 0.0)
    assert all(0 < value < 1 for value in share.values())


@pytest.mark.parametrize("code", ["und", "ga", "eo", "yi", "x"])
def test_a_language_without_a_reference_of_its_own_falls_back_to_the_window(code):
    """wordfreq would answer Irish, Esperanto and Yiddish with English: not a reference of
    theirs. A code that is no language tag at all is no error either."""
    assert document_share(code) == {}
    bags = [Counter({"xq": 1, "zv": 1}), Counter({"xq": 1, "zv": 1}), Counter({"xq": 1})]
    alone = tfidf(bags, [code] * 3).toarray()
    assert np.allclose(tfidf(bags, [code] * 3, reference_docs=10_000).toarray(), alone)


def test_a_variant_of_a_language_uses_its_reference():
    """Norwegian is "no" to digest and "nb" (Bokmål) to wordfreq."""
    share = document_share("no")
    assert share[word_stem("no", "regjeringen")] > 5 * share.get(word_stem("no", "jordskjelv"), 0.0) > 0


def test_articles_of_an_odd_language_code_each_land_in_one_story():
    odd = [replace(FLOOD_A, id="odd-a", language="x"), replace(FLOOD_B, id="odd-b", language="x")]
    assert stories(cluster(odd)) == {frozenset({"odd-a", "odd-b"})}


def test_the_reference_weighs_a_common_word_below_a_rare_one_the_window_cannot_tell_apart():
    """Two words in the same articles of a small window weigh the same from the window
    alone; pooled with the reference, the word of every day's news weighs less."""
    common, rare = word_stem("id", "pemerintah"), word_stem("id", "tanggul")
    bags = [Counter({common: 1, rare: 1}), Counter({common: 1, rare: 1}), Counter({"lain": 1})]
    alone = tfidf(bags, ["id"] * 3).toarray()[0]
    pooled = tfidf(bags, ["id"] * 3, reference_docs=10_000).toarray()[0]
    assert alone[0] == pytest.approx(alone[1])
    assert pooled[0] < 0.6 * pooled[1]


def test_name_keys_meet_across_scripts():
    assert {name_key(w) for w in ("Putin", "Путин", "Πούτιν", "بوتين", "פוטין", "पुतिन")} == {"PTN"}
    assert name_key("London") == name_key("Λονδίνο") == name_key("لندن") == name_key("लंदन")


def test_the_seed_articles_are_one_story(seed_paths):
    articles = [to_article(doc) for path in seed_paths for doc in read_input(InputSpec(str(path))).documents]
    result = cluster([a for a in articles if a is not None])
    assert len(result) == 1 and len(result[0].articles) == len(seed_paths)


languages = st.sampled_from(["id", "en", "ar", "el", "zz", "", "und", "hi"])
moments = st.one_of(st.none(), st.datetimes(timezones=st.sampled_from([None, timezone.utc])))
articles = st.builds(article, id=st.text(max_size=5), title=st.text(max_size=30), text=st.text(max_size=120),
                     language=languages, published=moments)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(articles, max_size=6), st.lists(st.lists(articles, min_size=1, max_size=2), max_size=2))
def test_any_articles_each_land_exactly_once(new, old):
    seeds = [StorySeed(f"s{i}", tuple(group)) for i, group in enumerate(old)]
    result = cluster(new, seeds)
    landed = [id(a) for group in result for a in group.articles]
    assert sorted(landed) == sorted(id(a) for a in new)
    assert {group.story_id for group in result} <= {None, *(s.id for s in seeds)}


# --- quality floor: eval/cluster.py, measured values in the comments -------------------------


@pytest.fixture(scope="module")
def evaluation():
    return load_script(EVAL, "eval_cluster")


@pytest.mark.parametrize("dataset, floor", [
    ("uci", 0.79),                # measured 0.801 (baseline 0.772; 0.779 before the reference documents)
    ("multiling-english", 0.94),  # measured 0.954 (baseline 0.930; 0.963 before: topics split into stories)
    ("multiling-all", 0.95),      # measured 0.961 (baseline 0.195; 0.991 before: see the README)
    ("indosum-distinct", 0.81),   # measured 0.824: 270 unrelated Indonesian articles (baseline 0.689; 0.808 before
                                  # the outlets' furniture, 0.747 before the reference)
])
def test_clustering_quality_does_not_drop(evaluation, dataset, floor):
    result = evaluation.evaluate(dataset)
    assert result["digest"]["f1"] >= floor, result


@pytest.mark.parametrize("stream, floor, kept", [
    ("developing-english", 0.94, 0.93),    # measured 0.950, kept 0.940 (baseline 0.834; 0.233 with the fade)
    ("developing-multinews", 0.86, 0.86),  # measured 0.869, kept 0.873 (baseline 0.820; 0.667 with the fade)
    ("developing-all", 0.95, 0.95),        # measured 0.963, kept 0.960 (baseline 0.193; 0.831 before the background)
    ("multinews", 0.86, 0.87),             # measured 0.868, kept 0.884 (baseline 0.820; 0.843 before the background)
    ("multiling-english", 0.91, 0.87),     # measured 0.925, kept 0.880 (baseline 0.834; 0.886 before the reference)
    ("uci", 0.82, 0.86),                   # measured 0.829, kept 0.873 (baseline 0.789; 0.820 before the reference)
    ("indosum", 0.73, 1.0),                # measured 0.746: unrelated Indonesian articles (baseline 0.600;
                                           # 0.727 before the outlets' furniture)
    ("day", 0.78, 0.96),                   # measured 0.796, kept 0.974: 1,536 articles of four sets (baseline 0.546)
])
def test_stories_hold_on_the_check_half(stream, floor, kept):
    streams = load_script(EVAL.with_name("stream.py"), "eval_stream")
    result = streams.evaluate(streams.replays(stream, streams.SHARED)["check"])
    assert result["digest"][2] >= floor and result["kept"][0] >= kept, result


def test_bcubed_scores_known_cases(evaluation):
    assert evaluation.bcubed([1, 1, 2, 2], ["a", "a", "b", "b"]) == (1.0, 1.0, 1.0)
    precision, recall, f1 = evaluation.bcubed([1, 1, 1, 1], ["a", "a", "b", "b"])
    assert (precision, recall) == (0.5, 1.0) and f1 == pytest.approx(2 / 3)
    precision, recall, _ = evaluation.bcubed([1, 2, 3], ["a", "a", "b"])
    assert (precision, recall) == (1.0, pytest.approx(2 / 3))


def test_the_bcubed_interval_resamples_stories(evaluation):
    assert evaluation.bcubed_interval([1, 1, 2, 2], ["a", "a", "b", "b"]) == (1.0, 1.0)
    gold = [f"s{i // 2}" for i in range(40)]  # 20 stories of two: one split, the rest whole
    predicted = ["x", "y", *gold[2:]]
    low, high = evaluation.bcubed_interval(predicted, gold)
    assert low < evaluation.bcubed(predicted, gold)[2] < high == 1.0  # a draw without the split story
    few_low, _ = evaluation.bcubed_interval(predicted[:6], gold[:6])
    assert few_low < low


def test_batches_grow_the_stories_of_earlier_batches(evaluation):
    """New articles are grouped in chronological batches against the stories so far: with
    batches of 25, MultiLing English's ten events are found as well as in one batch."""
    articles, gold = evaluation.load("multiling-english")
    whole = cluster(articles)
    batched = cluster(articles, options=ClusterOptions(batch=25))
    story = {id(a): number for number, group in enumerate(batched) for a in group.articles}
    assert evaluation.bcubed([story[id(a)] for a in articles], gold)[2] >= 0.95
    assert stories(batched) == stories(whole)


def test_stored_features_give_the_same_stories_as_fresh_ones():
    articles = [FLOOD_A, FLOOD_B, FLOOD_EN, RATES_A, RATES_B]
    stored = {a.id: Features.from_json(article_features(a).to_json()) for a in articles}
    assert stories(cluster(articles, features=stored)) == stories(cluster(articles))
ABOUT = ("Portal ini adalah media berita daring yang menyajikan informasi terkini seputar ekonomi, politik, "
         "dan gaya hidup bagi pembaca di seluruh Indonesia.")
STORIES = [
    "Banjir rob merendam ratusan rumah di Kelurahan Tanjung Mas, Semarang, sejak Kamis pagi setelah tanggul laut "
    "jebol. Badan Penanggulangan Bencana Daerah mengerahkan perahu karet untuk mengevakuasi warga lanjut usia.",
    "Bank Indonesia mempertahankan suku bunga acuan di level 6,25 persen dalam rapat dewan gubernur Rabu. "
    "Gubernur Bank Indonesia menyatakan keputusan itu untuk menjaga stabilitas nilai tukar rupiah.",
    "Kapal feri terbakar di Selat Bali pada Jumat dini hari, namun seluruh penumpang berhasil dievakuasi. "
    "Petugas pelabuhan Ketapang menduga api berasal dari ruang mesin kapal tersebut.",
]


def news(ident: str, outlet: str, paragraphs: list[str]) -> Article:
    return Article(id=ident, title=ident, text="\n\n".join(paragraphs), outlet=outlet, language="id", source=outlet)


def test_a_paragraph_three_articles_of_an_outlet_carry_is_its_furniture():
    three = [news(f"k{i}", "Kompas", [story, ABOUT]) for i, story in enumerate(STORIES)]
    assert [a.text for a in without_site_furniture(three, 3)] == STORIES
    # Two articles sharing a paragraph may be two reports of one story: kept.
    assert without_site_furniture(three[:2], 3) == three[:2]
    # Of three outlets, or of none known, a shared paragraph is nobody's furniture.
    spread = [news(f"o{i}", outlet, [story, ABOUT]) for i, (story, outlet) in enumerate(zip(STORIES, "ABC"))]
    assert without_site_furniture(spread, 3) == spread
    unknown = [news(f"u{i}", "", [story, ABOUT]) for i, story in enumerate(STORIES)]
    assert without_site_furniture(unknown, 3) == unknown
    # An article that is mostly what the others carry is a copy, kept whole.
    copies = [news(f"c{i}", "Kompas", [STORIES[0], STORIES[1], extra]) for i, extra in enumerate(STORIES)]
    assert without_site_furniture(copies, 3) == copies


def test_an_outlets_furniture_does_not_link_its_unrelated_articles():
    """Two outlets' short reports of three stories, each closing on its outlet's "about us"."""
    articles = [news(f"{outlet}{i}", outlet, [story, ABOUT.replace("Portal ini", outlet)])
                for outlet in ("Kompas", "Tempo") for i, story in enumerate(STORIES)]
    assert sorted(map(len, stories(cluster(articles)))) == [2, 2, 2]
    assert len(stories(cluster(articles, options=ClusterOptions(furniture=10)))) < 3  # (never furniture)
