"""The SQLite store: articles, syndication, stories, feed state and runs, across runs.

Schema changes are numbered migrations applied in order (PRAGMA user_version), so an old
database upgrades in place. Writes happen inside transactions: a run killed midway leaves
the database as it was before the transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urldefrag

from courlan import normalize_url

from .features import Features
from .models import Article

def _rekey_urls(db: sqlite3.Connection) -> None:
    """Migration 5: url_key() keeps a URL's query parameters but the tracking ones (it
    kept only a few before, so "story.xhtml?story_id=1" and "?story_id=2" were one key)."""
    rows = db.execute("SELECT id, url FROM articles WHERE url IS NOT NULL").fetchall()
    db.execute("UPDATE articles SET url_key = NULL")
    seen: set[str] = set()
    for article_id, url in rows:
        key = url_key(url)
        if key not in seen:  # keys unique: the first article with it keeps it
            seen.add(key)
            db.execute("UPDATE articles SET url_key = ? WHERE id = ?", (key, article_id))


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,
        status TEXT, error TEXT, articles INTEGER NOT NULL DEFAULT 0, checked_at TEXT
    );
    CREATE TABLE articles (
        id TEXT PRIMARY KEY, url_key TEXT UNIQUE, content_hash TEXT NOT NULL,
        title TEXT NOT NULL, text TEXT NOT NULL, outlet TEXT NOT NULL, language TEXT NOT NULL,
        source TEXT NOT NULL, url TEXT, published TEXT, first_seen TEXT NOT NULL,
        duplicate_of TEXT REFERENCES articles(id),
        UNIQUE (content_hash, outlet)
    );
    CREATE INDEX articles_seen ON articles(first_seen);
    CREATE TABLE stories (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        story_id TEXT NOT NULL REFERENCES stories(id), added_at TEXT NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE feed_items (
        guid TEXT PRIMARY KEY, story_id TEXT NOT NULL, added_at TEXT NOT NULL,
        published TEXT NOT NULL, link TEXT, snapshot TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
        status TEXT NOT NULL, report TEXT
    );
    """,
    # 2: one row per delivery attempt of a brief (digest.deliver).
    """
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, brief_date TEXT NOT NULL, channel TEXT NOT NULL,
        recipients TEXT NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, error TEXT,
        message_id TEXT, attempted_at TEXT NOT NULL
    );
    CREATE INDEX deliveries_brief ON deliveries(brief_date);
    """,
    # 3: what clustering computed for each article (digest.features), so it is done once.
    """
    CREATE TABLE article_features (
        article_id TEXT PRIMARY KEY REFERENCES articles(id), fingerprint TEXT NOT NULL,
        features TEXT NOT NULL
    );
    """,
    # 4: articles known only by their headline (digest.models.Article.headline_only).
    """
    ALTER TABLE articles ADD COLUMN headline_only INTEGER NOT NULL DEFAULT 0;
    """,
    _rekey_urls,
    # 6: each story's summary as last made, with what it was made from (digest.briefing).
    """
    CREATE TABLE story_summaries (
        story_id TEXT PRIMARY KEY REFERENCES stories(id), made_from TEXT NOT NULL, summary TEXT NOT NULL
    );
    """,
)


class StoreError(Exception):
    """The database cannot be used (wrong URL, unreadable file, newer schema)."""


@dataclass(frozen=True)
class FeedState:
    etag: str | None = None
    last_modified: str | None = None


def url_key(url: str | None) -> str | None:
    """A URL without tracking parameters and fragments, so one page is one article."""
    if not url:
        return None
    try:
        # Not strict: strict drops every query parameter but a few, and so makes one article
        # of "story.xhtml?story_id=1" and "?story_id=2"; tracking parameters go either way.
        return urldefrag(normalize_url(url, strict=False)).url
    except ValueError:
        return url


def content_hash(text: str) -> str:
    """Of the text with its runs of whitespace made one space (str.split's whitespace is
    re's \\s: the same hashes as stored by earlier versions), lowercased."""
    return hashlib.sha1(" ".join(text.split()).lower().encode()).hexdigest()


def article_hash(article: Article) -> str:
    """content_hash() of the text, or of the headline for a headline-only article (marked,
    so that it never equals a text's)."""
    return content_hash(f"headline:\n{article.title}" if article.headline_only else article.text)


def sqlite_path(database: str) -> str:
    """A file path from `database`: a path, or an SQLAlchemy-style sqlite:/// URL."""
    if "://" not in database:
        return database
    if not database.startswith("sqlite:///"):
        raise StoreError(f"unsupported database URL {database!r}: use a file path or sqlite:///PATH")
    return database.removeprefix("sqlite:///") or ":memory:"


class Store:
    def __init__(self, database: str | Path) -> None:
        path = sqlite_path(str(database))
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"{database}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"database schema {version} is newer than this digest ({len(MIGRATIONS)}); upgrade digest")
        for number, script in enumerate(MIGRATIONS[version:], version + 1):
            with self.transaction():
                if callable(script):
                    script(self.db)
                else:
                    for statement in filter(str.strip, script.split(";")):
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- feeds -------------------------------------------------------------------------

    def feed_state(self, name: str) -> FeedState:
        row = self.db.execute("SELECT etag, last_modified FROM feeds WHERE name = ?", (name,)).fetchone()
        return FeedState(row["etag"], row["last_modified"]) if row else FeedState()

    def save_feed(self, name: str, url: str, status: str, articles: int, error: str | None,
                  state: FeedState | None = None) -> None:
        """Record a feed's outcome; validators are replaced only when the fetch gave new ones."""
        state = state or self.feed_state(name)
        self.db.execute(
            """INSERT INTO feeds (name, url, etag, last_modified, status, error, articles, checked_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET url=excluded.url, etag=excluded.etag,
                 last_modified=excluded.last_modified, status=excluded.status, error=excluded.error,
                 articles=excluded.articles, checked_at=excluded.checked_at""",
            (name, url, state.etag, state.last_modified, status, error, articles, _now()),
        )

    # --- articles ------------------------------------------------------------------------

    def add_article(self, article: Article) -> str | None:
        """Store a new article; None when it is already stored (same URL, or same text and
        outlet; for a headline-only article, the same headline and outlet)."""
        key, digest = url_key(article.url), article_hash(article)
        existing = self.db.execute(
            "SELECT id FROM articles WHERE id = ? OR url_key = ? OR (content_hash = ? AND outlet = ?)",
            (article.id, key, digest, article.outlet),
        ).fetchone()
        if existing:
            return None
        self.db.execute(
            """INSERT INTO articles (id, url_key, content_hash, title, text, outlet, language, source,
                                     url, published, first_seen, headline_only)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article.id, key, digest, article.title, article.text, article.outlet, article.language,
             article.source, article.url, _iso(article.published), _now(), int(article.headline_only)),
        )
        return article.id

    def known(self, article_ids: Iterable[str]) -> set[str]:
        """Those of `article_ids` that are stored."""
        return _known(self.db, article_ids, ())

    def features(self, article_ids: Iterable[str], fingerprint: str) -> dict[str, Features]:
        """Stored features of these articles made with `fingerprint` (others must be redone)."""
        found = {}
        for chunk in _chunks(list(article_ids)):
            rows = self.db.execute(
                f"SELECT article_id, features FROM article_features WHERE fingerprint = ? AND article_id IN ({_marks(chunk)})",
                [fingerprint, *chunk])
            found.update((row[0], Features.from_json(row[1])) for row in rows)
        return found

    def save_features(self, features: Mapping[str, Features], fingerprint: str) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO article_features (article_id, fingerprint, features) VALUES (?, ?, ?)",
            [(article_id, fingerprint, f.to_json()) for article_id, f in features.items()])

    def mark_duplicate(self, article_id: str, original_id: str) -> None:
        self.db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (original_id, article_id))

    def duplicates(self, article_ids: Iterable[str]) -> dict[str, str]:
        """{article id: id of the article it copies} for the syndicated ones among `article_ids`."""
        ids = list(article_ids)
        rows = self.db.execute(
            f"SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL AND id IN ({_marks(ids)})", ids
        )
        return {row["id"]: row["duplicate_of"] for row in rows}

    def articles_seen_since(self, since: datetime | None) -> list[Article]:
        """Articles first stored at or after `since` (all when None), oldest first."""
        query = "SELECT * FROM articles"
        args: tuple = ()
        if since is not None:
            query, args = query + " WHERE first_seen >= ?", (_iso(since),)
        return [_article(row) for row in self.db.execute(query + " ORDER BY first_seen, id", args)]

    # --- stories ------------------------------------------------------------------------

    def story_of(self, article_id: str) -> str | None:
        row = self.db.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
        return row["story_id"] if row else None

    def story_articles(self, story_id: str) -> list[Article]:
        rows = self.db.execute(
            """SELECT a.* FROM articles a JOIN story_articles s ON s.article_id = a.id
               WHERE s.story_id = ? ORDER BY a.published, a.id""",
            (story_id,),
        )
        return [_article(row) for row in rows]

    def stories_updated_since(self, since: datetime | None) -> list[str]:
        query, args = "SELECT id FROM stories", ()
        if since is not None:
            query, args = query + " WHERE updated_at >= ?", (_iso(since),)
        return [row["id"] for row in self.db.execute(query + " ORDER BY updated_at DESC, id", args)]

    def add_to_story(self, story_id: str, article_ids: Iterable[str]) -> None:
        """Create the story if new, attach the articles, and mark it updated."""
        now = _now()
        self.db.execute(
            "INSERT INTO stories (id, created_at, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
            (story_id, now, now),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO story_articles (article_id, story_id, added_at) VALUES (?, ?, ?)",
            [(article_id, story_id, now) for article_id in article_ids],
        )

    def summaries(self, story_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """{story id: (what its stored summary was made from, the summary)} of these stories."""
        found = {}
        for chunk in _chunks(list(story_ids)):
            rows = self.db.execute(
                f"SELECT story_id, made_from, summary FROM story_summaries WHERE story_id IN ({_marks(chunk)})", chunk)
            found.update((row[0], (row[1], row[2])) for row in rows)
        return found

    def save_summaries(self, summaries: Mapping[str, tuple[str, str]]) -> None:
        # One transaction: committed row by row, 1,000 summaries took 4 s (about 4 ms a commit).
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO story_summaries (story_id, made_from, summary) VALUES (?, ?, ?)",
                [(story_id, made_from, summary) for story_id, (made_from, summary) in summaries.items()])

    # --- the rolling feed ----------------------------------------------------------------

    def add_feed_item(self, guid: str, story_id: str, published: datetime, link: str | None, snapshot: str) -> bool:
        """Remember a story as a brief showed it; False when that exact item exists already."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO feed_items (guid, story_id, added_at, published, link, snapshot) VALUES (?, ?, ?, ?, ?, ?)",
            (guid, story_id, _now(), _iso(published), link, snapshot),
        )
        return cursor.rowcount == 1

    def recent_feed_items(self, limit: int) -> list[sqlite3.Row]:
        """The newest items first, at most `limit`; older ones drop out of the feed."""
        return self.db.execute(
            "SELECT * FROM feed_items ORDER BY added_at DESC, published DESC, guid LIMIT ?", (limit,)
        ).fetchall()

    # --- runs ---------------------------------------------------------------------------

    def start_run(self) -> int:
        cursor = self.db.execute("INSERT INTO runs (started_at, status) VALUES (?, 'running')", (_now(),))
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str, report: dict) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, report = ? WHERE id = ?",
            (_now(), status, json.dumps(report, ensure_ascii=False), run_id),
        )

    def last_run(self, status: str = "ok") -> dict | None:
        row = self.db.execute(
            "SELECT * FROM runs WHERE status = ? ORDER BY id DESC LIMIT 1", (status,)
        ).fetchone()
        return dict(row) if row else None

    # --- deliveries ---------------------------------------------------------------------

    def record_delivery(self, brief_date: str, channel: str, recipients: Iterable[str], attempt: int,
                        status: str, error: str | None, message_id: str | None) -> None:
        """Record one delivery attempt: status is sent, partial (some recipients refused) or failed."""
        self.db.execute(
            """INSERT INTO deliveries (brief_date, channel, recipients, attempt, status, error, message_id,
                                       attempted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (brief_date, channel, json.dumps(list(recipients)), attempt, status, error, message_id, _now()),
        )

    def deliveries(self, brief_date: str | None = None) -> list[dict]:
        """Delivery attempts, oldest first; only those of one brief when `brief_date` is given."""
        query, args = "SELECT * FROM deliveries", ()
        if brief_date is not None:
            query, args = query + " WHERE brief_date = ?", (brief_date,)
        rows = self.db.execute(query + " ORDER BY id", args)
        return [{**dict(row), "recipients": json.loads(row["recipients"])} for row in rows]


def stored_documents(database: str | Path, ids: Iterable[str], urls: Iterable[str]) -> set[str]:
    """Those of `ids` and `urls` whose article `database` has (a URL by its canonical key), read
    over a connection of its own, read-only, as a worker process can: a database in memory
    is its process's alone (and new with each run), so nothing is known of it."""
    path = sqlite_path(str(database))
    if path == ":memory:" or not Path(path).exists():
        return set()
    try:
        with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)) as db:
            return _known(db, ids, urls)
    except sqlite3.Error as exc:
        raise StoreError(f"{database}: {exc}") from exc


def _known(db: sqlite3.Connection, ids: Iterable[str], urls: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(ids)):
        found.update(r[0] for r in db.execute(f"SELECT id FROM articles WHERE id IN ({_marks(chunk)})", chunk))
    keys = {url_key(url): url for url in urls}
    for chunk in _chunks(list(keys)):
        rows = db.execute(f"SELECT url_key FROM articles WHERE url_key IN ({_marks(chunk)})", chunk)
        found.update(keys[r[0]] for r in rows)
    return found


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _chunks(values: list, size: int = 500) -> Iterator[list]:
    """Slices short enough for SQLite's limit on variables per statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _article(row: sqlite3.Row) -> Article:
    published = datetime.fromisoformat(row["published"]) if row["published"] else None
    return Article(
        id=row["id"], title=row["title"], text=row["text"], outlet=row["outlet"], language=row["language"],
        source=row["source"], url=row["url"], published=published, headline_only=bool(row["headline_only"]),
    )
