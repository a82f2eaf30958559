"""The SQLite store: migrations, idempotent article keys, stories, feed state, transactions."""

import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from digest.features import article_features
from digest.models import Article
from digest.store import MIGRATIONS, FeedState, Store, StoreError, content_hash, stored_documents, url_key

WIB = timezone(timedelta(hours=7))


def make(ident: str, url: str | None = None, text: str = "Isi berita yang cukup panjang.", outlet: str = "Antara"):
    return Article(id=ident, title=f"Judul {ident}", text=text, outlet=outlet, language="id",
                   source="test", url=url, published=datetime(2024, 6, 20, 9, 30, tzinfo=WIB))


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "var" / "digest.db") as s:
        yield s


def test_a_new_database_is_migrated_to_the_latest_schema(tmp_path):
    path = tmp_path / "digest.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "stories", "story_articles", "feeds", "runs"} <= tables


def test_a_database_from_a_newer_digest_is_refused(tmp_path):
    path = tmp_path / "digest.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="upgrade digest"):
        Store(path)


def test_sqlite_urls_are_accepted_and_other_databases_named_in_the_error(tmp_path):
    Store(f"sqlite:///{tmp_path / 'x.db'}").close()
    assert (tmp_path / "x.db").exists()
    with pytest.raises(StoreError, match="postgresql://"):
        Store("postgresql://localhost/digest")


def test_tracking_parameters_do_not_make_a_new_article(store):
    assert url_key("https://www.antaranews.com/berita/1?utm_source=rss&utm_medium=feed#top") == url_key(
        "https://www.antaranews.com/berita/1")
    assert store.add_article(make("a", "https://www.antaranews.com/berita/1?utm_source=rss")) == "a"
    assert store.add_article(make("b", "https://www.antaranews.com/berita/1")) is None


def test_query_parameters_that_name_the_article_keep_articles_apart(store):
    assert store.add_article(make("a", "http://www.toptechnews.com/story.xhtml?story_id=023002KGSYG0")) == "a"
    assert store.add_article(make("b", "http://www.toptechnews.com/story.xhtml?story_id=99&utm_source=x",
                                  text="Berita lain.")) == "b"


def test_an_older_database_gets_its_url_keys_and_headline_column_on_opening(tmp_path):
    path = tmp_path / "digest.db"
    with sqlite3.connect(path) as db:
        for script in MIGRATIONS[:3]:
            db.executescript(script)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO articles (id, url_key, content_hash, title, text, outlet, language, source, url, "
                   "first_seen) VALUES ('a', 'http://x.org/story.xhtml', 'h', 't', 'x', 'o', 'en', 's', "
                   "'http://x.org/story.xhtml?story_id=1&utm_medium=rss', '2024-06-20')")
    with Store(path) as store:
        (article,) = store.articles_seen_since(None)
        assert not article.headline_only
        assert store.add_article(make("b", "http://x.org/story.xhtml?story_id=2", text="Berita lain.")) == "b"
        assert store.add_article(make("c", "http://x.org/story.xhtml?story_id=1")) is None


def test_the_same_text_from_the_same_outlet_is_stored_once_but_another_outlet_keeps_its_copy(store):
    assert store.add_article(make("a", text="Teks kawat yang sama.")) == "a"
    assert store.add_article(make("b", text="Teks  kawat yang SAMA.")) is None  # same outlet
    assert store.add_article(make("c", text="Teks kawat yang sama.", outlet="Kompas")) == "c"
    assert content_hash("A  b") == content_hash("a b")


def test_articles_round_trip_with_their_fields(store):
    original = make("a", "https://example.org/a")
    store.add_article(original)
    (loaded,) = store.articles_seen_since(None)
    assert loaded == original
    assert loaded.published.utcoffset() == timedelta(0)  # stored in UTC, same instant


def test_stories_keep_their_articles_and_ids(store):
    for ident in "abc":
        store.add_article(make(ident, f"https://example.org/{ident}", text=f"Berita {ident}."))
    store.add_to_story("s1", ["a", "b"])
    store.add_to_story("s1", ["c"])
    assert [a.id for a in store.story_articles("s1")] == ["a", "b", "c"]
    assert store.story_of("c") == "s1"
    assert store.stories_updated_since(None) == ["s1"]


def test_syndicated_copies_are_recorded(store):
    store.add_article(make("a", text="Teks kawat."))
    store.add_article(make("b", text="Teks kawat.", outlet="Kompas"))
    store.mark_duplicate("b", "a")
    assert store.duplicates(["a", "b"]) == {"b": "a"}


def test_feed_state_is_remembered(store):
    assert store.feed_state("Antara") == FeedState()
    store.save_feed("Antara", "https://x/rss", "ok", 3, None, FeedState('"v1"', "Thu, 20 Jun 2024 06:00:00 GMT"))
    store.save_feed("Antara", "https://x/rss", "failed", 0, "HTTP 500")  # keeps the validators
    assert store.feed_state("Antara") == FeedState('"v1"', "Thu, 20 Jun 2024 06:00:00 GMT")


def test_a_failed_transaction_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_article(make("a"))
            raise RuntimeError("killed midway")
    assert store.articles_seen_since(None) == []


def test_runs_are_recorded(store):
    run = store.start_run()
    store.finish_run(run, "ok", {"stories": 2})
    assert store.last_run()["id"] == run
    assert store.last_run("failed") is None


def test_features_are_kept_per_fingerprint(store):
    article = Article(id="a", title="Banjir di Semarang", text="Banjir rob merendam Tanjung Mas, Semarang.",
                      outlet="Kabar", language="id", source="a")
    store.add_article(article)
    features = article_features(article)
    store.save_features({"a": features}, "v1:x")
    assert store.features(["a", "b"], "v1:x") == {"a": features}
    assert store.features(["a"], "v2:y") == {}  # made another way: to be redone


def test_stored_documents_by_id_or_canonical_url_on_a_connection_of_their_own(tmp_path):
    database = tmp_path / "digest.db"
    assert stored_documents(database, ["x1"], []) == set()  # no database yet: nothing stored
    with Store(database) as store:
        store.add_article(Article(id="x1", title="t", text="Teks.", outlet="K", language="id", source="s",
                                  url="https://kabar.example/a?utm_source=rss"))
        assert stored_documents(database, ["x1", "x2"], ["https://kabar.example/a", "https://kabar.example/b"]) == {
            "x1", "https://kabar.example/a"}
    assert stored_documents(":memory:", ["x1"], []) == set()  # another process's memory is not ours


def test_content_hash_ignores_case_and_every_kind_of_whitespace():
    # The hashes of stored articles must not change: runs of any Unicode whitespace are one space.
    assert content_hash(" Kata\u00a0dia,\t\n\u2003 BESOK.\u3000") == hashlib.sha1(b"kata dia, besok.").hexdigest()
