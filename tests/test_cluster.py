"""Story clustering: events kept apart, outlets and languages brought together, stories
kept across days, and the quality floor measured by eval/cluster.py."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.cluster import Assignment, ClusterOptions, StorySeed, cluster
from digest.features import Features, article_features, name_key
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


def test_a_next_day_article_joins_the_existing_story_and_keeps_its_id():
    seeds = [StorySeed("rates", (RATES_A, RATES_B)), StorySeed("flood", (FLOOD_A, FLOOD_B))]
    assert cluster([FOLLOW_UP], seeds) == [Assignment("flood", (FOLLOW_UP,))]


def test_two_existing_stories_are_never_merged():
    seeds = [StorySeed("a", (FLOOD_A,)), StorySeed("b", (FLOOD_B,))]
    result = cluster([FOLLOW_UP], seeds)
    assert len(result) == 1 and result[0].story_id in {"a", "b"}


def test_a_story_stays_open_while_reported_and_closes_after_the_gap():
    """Time counts from the story's last article: five days of silence keep it open, eight
    close it (the default gap is seven days)."""
    def earlier(days: int) -> StorySeed:
        return StorySeed("flood", tuple(article(f"old-{a.id}", a.title, a.text, published=JUNE_20 - timedelta(days=days))
                                        for a in (FLOOD_A, FLOOD_B)))
    assert cluster([FOLLOW_UP], [earlier(5)]) == [Assignment("flood", (FOLLOW_UP,))]
    assert cluster([FOLLOW_UP], [earlier(8)]) == [Assignment(None, (FOLLOW_UP,))]
    assert cluster([FOLLOW_UP], [earlier(8)], ClusterOptions(gap=None))[0].story_id == "flood"


def test_new_articles_outside_the_window_are_not_compared():
    stale = article("stale", FLOOD_A.title, FLOOD_A.text, published=JUNE_20 - timedelta(days=3))
    assert stories(cluster([FLOOD_B, stale])) == {frozenset({"flood-b"}), frozenset({"stale"})}
    assert stories(cluster([FLOOD_B, stale], options=ClusterOptions(window=None))) == {frozenset({"flood-b", "stale"})}


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


# --- quality floors: eval/stream.py's check halves, measured values in the comments ---------


STREAM = Path(__file__).resolve().parents[1] / "eval" / "stream.py"


@pytest.fixture(scope="module")
def evaluation():
    return load_script(EVAL, "eval_cluster")


@pytest.fixture(scope="module")
def streams():
    return load_script(STREAM, "eval_stream")


@pytest.mark.parametrize("name, floor", [
    ("multinews", 0.85),          # measured 0.864 (baseline 0.820; the issue asks 0.90)
    ("multiling-english", 0.84),  # measured 0.864 (baseline 0.834; asked 0.97)
    ("multiling-all", 0.41),      # measured 0.434 (baseline 0.193; asked 0.90)
    ("uci", 0.81),                # measured 0.831 (baseline 0.789; asked 0.85)
    ("mixed", 0.70),              # measured 0.718 (baseline 0.586)
])
def test_check_half_quality_does_not_drop(streams, name, floor):
    result = streams.evaluate(streams.replays(name)["check"])
    assert result["digest"][2] >= floor, result


@pytest.mark.parametrize("name, floor", [
    ("developing-multinews", 0.83),  # measured 0.856 (asked 0.95)
    ("developing-english", 0.53),    # measured 0.560
    ("developing-all", 0.44),        # measured 0.474
])
def test_developing_stories_stay_whole(streams, name, floor):
    """Each story reported over days to weeks with pauses of up to six days: the share of
    its articles kept in one story (the mean over the check half's stories)."""
    result = streams.evaluate(streams.replays(name)["check"])
    assert result["kept"][0] >= floor, result


def test_bcubed_scores_known_cases(evaluation):
    assert evaluation.bcubed([1, 1, 2, 2], ["a", "a", "b", "b"]) == (1.0, 1.0, 1.0)
    precision, recall, f1 = evaluation.bcubed([1, 1, 1, 1], ["a", "a", "b", "b"])
    assert (precision, recall) == (0.5, 1.0) and f1 == pytest.approx(2 / 3)
    precision, recall, _ = evaluation.bcubed([1, 2, 3], ["a", "a", "b"])
    assert (precision, recall) == (1.0, pytest.approx(2 / 3))


def test_stored_features_give_the_same_stories_as_fresh_ones():
    articles = [FLOOD_A, FLOOD_B, FLOOD_EN, RATES_A, RATES_B]
    stored = {a.id: Features.from_json(article_features(a).to_json()) for a in articles}
    assert stories(cluster(articles, features=stored)) == stories(cluster(articles))
