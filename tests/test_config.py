"""feeds.yaml: loading, defaults, path resolution, and an error naming the key for each mistake."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import Config, ConfigError, Email, load_config
from digest.cron import cron_trigger

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
INTERFACE = ROOT.parent / "shared" / "INTERFACE.md"
SEEDS = ROOT.parent / "shared" / "seeds"

MINIMAL = "feeds:\n  - name: Antara\n    url: https://www.antaranews.com/rss/terkini.xml\n"


@pytest.fixture
def write(tmp_path, monkeypatch):
    """Write feeds.yaml in a temporary folder that is also the working directory."""
    monkeypatch.chdir(tmp_path)

    def write(text: str, name: str = "feeds.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def problem(text: str, write) -> str:
    write(text)
    with pytest.raises(ConfigError) as info:
        load_config("feeds.yaml")
    return str(info.value)


# --- the project's own configs -------------------------------------------------------------


def test_repository_feeds_yaml_is_a_real_default():
    config = load_config(ROOT / "feeds.yaml")
    assert config.title == "Daily Brief"
    assert config.timezone == "Asia/Jakarta" and config.zone == ZoneInfo("Asia/Jakarta")
    assert config.schedule == "0 6 * * *"
    assert config.database == ROOT / "var" / "digest.db"
    assert config.out == ROOT / "out"
    assert config.window == timedelta(hours=48)
    assert (config.briefing.max_stories, config.briefing.min_articles) == (20, 2)
    assert (config.summary.algorithm, config.summary.sentences, config.summary.max_words) == ("lexrank", 5, 120)
    assert config.delivery is None
    assert len(config.feeds) >= 10
    assert all(feed.url.startswith("https://") and feed.language in ("id", "en") for feed in config.feeds)
    assert {"id", "en"} == {feed.language for feed in config.feeds}
    assert "https://www.antaranews.com/rss/terkini.xml" in {feed.url for feed in config.feeds}


def test_demo_config_is_offline_and_lands_in_the_ignored_folders():
    config = load_config(DEMO / "feeds.yaml")
    assert config.window is None
    assert config.out == ROOT / "out" / "demo"
    assert config.database == ROOT / "var" / "demo.db"
    assert config.briefing.min_articles == 2
    assert config.feeds and not any(feed.is_url for feed in config.feeds)
    for feed in config.feeds:
        assert Path(feed.url).is_absolute() and Path(feed.url).exists(), feed.url


def test_every_demo_source_reads_into_documents():
    from digest.articles import to_article
    from digest.readers import InputSpec, read_input

    config = load_config(DEMO / "feeds.yaml")
    kinds = set()
    articles = []
    for feed in config.feeds:
        path = Path(feed.url)
        kinds.add("folder" + "".join(sorted({p.suffix for p in path.iterdir()})) if path.is_dir() else path.suffix)
        documents = read_input(InputSpec(feed.url, name=feed.name), config.zone).documents
        assert documents, feed.name
        articles += [to_article(doc, config.zone) for doc in documents]
    assert {".xml", ".atom", ".jsonl", "folder.html", "folder.txt"} <= kinds
    assert all(a is not None and a.published is not None for a in articles)
    debris = re.compile(r"Baca juga|Read more|Copyright|Google News|Pewarta:|\((FOTO: )?(LINTAS|Harian Pesisir|Nusantara Pagi)/")
    for article in articles:
        assert not debris.search(article.text), (article.outlet, debris.search(article.text)[0])


def test_demo_carries_the_sample_articles_unchanged():
    copies = sorted((DEMO / "articles" / "putin").glob("*.txt"))
    assert [p.name for p in copies] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for copy in copies:
        assert copy.read_bytes() == (SEEDS / copy.name).read_bytes()


def test_interface_example_loads_with_every_key(write):
    text = INTERFACE.read_text("utf-8")
    example = re.search(r"## feeds\.yaml.*?```yaml\n(.*?)```", text, re.S)[1]
    path = write(example, "site/feeds.yaml")
    config = load_config(path)
    site = path.parent
    assert config.config_path == path
    assert (config.title, config.timezone, config.schedule) == ("Daily Brief", "Asia/Jakarta", "0 6 * * *")
    assert config.database == site / "var" / "digest.db"
    assert config.database_url == f"sqlite:///{site / 'var' / 'digest.db'}"
    assert config.out == site / "out"
    assert config.base_url == "https://news.example.org/brief/"
    assert config.page_size == "A4"
    assert config.window == timedelta(hours=48)
    assert config.formats == ["html", "pdf", "rss", "json"]
    assert (config.briefing.max_stories, config.briefing.min_articles) == (20, 2)
    assert (config.summary.algorithm, config.summary.sentences, config.summary.max_words) == ("lexrank", 5, 120)
    email = config.delivery.email
    assert (email.host, email.port, email.security, email.username) == ("smtp.example.org", 587, "starttls", "brief")
    assert (email.password_env, email.from_addr, email.to) == ("DIGEST_SMTP_PASSWORD", "brief@example.org", ["reader@example.org"])
    assert [(f.name, f.url, f.language) for f in config.feeds] == [
        ("Antara", "https://www.antaranews.com/rss/terkini.xml", "id"),
        ("Archive", str(site / "articles"), None),
        ("Export", str(site / "export.jsonl"), None),
    ]


# --- defaults and values ---------------------------------------------------------------------


def test_defaults(write):
    config = load_config(write(MINIMAL))
    assert config.title == "Daily Brief" and config.timezone == "UTC" and config.schedule == "0 6 * * *"
    assert config.database == Path.cwd() / "var" / "digest.db"
    assert config.out == Path.cwd() / "out" and config.base_url is None and config.page_size == "A4"
    assert config.window == timedelta(hours=48) and config.formats == ["html", "pdf", "rss", "json"]
    assert (config.briefing.max_stories, config.briefing.min_articles) == (20, 2)
    assert (config.summary.algorithm, config.summary.sentences, config.summary.max_words) == ("lexrank", 5, 120)
    assert config.delivery is None and config.feeds[0].language is None


@pytest.mark.parametrize("text, expected", [
    ("90m", timedelta(minutes=90)), ("48h", timedelta(hours=48)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), (" 36 H ", timedelta(hours=36)), ("all", None), ("ALL", None),
])
def test_window_forms(write, text, expected):
    assert load_config(write(f"window: '{text}'\n" + MINIMAL)).window == expected


def test_empty_sections_mean_their_defaults_and_formats_take_a_comma_list(write):
    config = load_config(write("briefing:\nsummary:\nformats: html, JSON\npage_size: letter\n" + MINIMAL))
    assert config.briefing.max_stories == 20 and config.summary.sentences == 5
    assert config.formats == ["html", "json"] and config.page_size == "Letter"


def test_formats_and_page_sizes_match_the_renderer():
    from digest.config import ALL_FORMATS
    from digest.render import FORMATS, PAGE_SIZES

    assert ALL_FORMATS == FORMATS
    assert set(Config.model_fields["page_size"].annotation.__args__) == set(PAGE_SIZES)


def test_email_details(write, monkeypatch):
    base = "delivery:\n  email:\n    host: smtp.example.org\n    from: Brief <brief@example.org>\n    to: reader@example.org\n"
    email = load_config(write(base + "    security: ssl\n    password_env: SMTP_PW\n" + MINIMAL)).delivery.email
    assert email.port == 465 and email.to == ["reader@example.org"] and email.from_addr == "Brief <brief@example.org>"
    monkeypatch.setenv("SMTP_PW", "s3cret")
    assert email.password() == "s3cret"
    assert load_config(write(base + "    security: ssl\n    port: 2465\n" + MINIMAL)).delivery.email.port == 2465
    assert load_config(write(base + MINIMAL)).delivery.email.port == 587
    assert Email(host="h", from_addr="a@b.c", to=["d@e.f"]).password() is None


def test_delivery_is_optional(write):
    assert load_config(write("delivery:\n" + MINIMAL)).delivery is None
    assert load_config(write("delivery: {}\n" + MINIMAL)).delivery.email is None


# --- paths --------------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_config_folder_not_the_working_directory(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "feeds.yaml").write_text(
        "database: data/brief.db\nout: ../public\nfeeds:\n"
        "  - {name: Archive, url: ./articles/}\n  - {name: Export, url: export.jsonl}\n"
        "  - {name: Abs, url: /srv/news/a.txt}\n  - {name: Home, url: ~/news}\n"
        "  - {name: Web, url: 'https://example.org/feed.xml'}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config("../site/feeds.yaml")
    assert config.config_path == site / "feeds.yaml"
    assert config.database == site / "data" / "brief.db"
    assert config.out == tmp_path / "public"
    assert [f.url for f in config.feeds] == [
        str(site / "articles"), str(site / "export.jsonl"), "/srv/news/a.txt", str(tmp_path / "home" / "news"),
        "https://example.org/feed.xml",
    ]


def test_a_database_url_is_kept_as_is(write):
    config = load_config(write("database: postgresql://digest@db.example.org/digest\n" + MINIMAL))
    assert config.database == config.database_url == "postgresql://digest@db.example.org/digest"


def test_a_config_built_in_python_resolves_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config(feeds=[{"name": "A", "url": "a.txt"}])
    assert config.out == tmp_path / "out" and config.feeds[0].url == str(tmp_path / "a.txt")


# --- errors name the file and the key ------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    # unknown keys, at the top and nested, with suggestions
    ("briefng:\n  max_stories: 3\n" + MINIMAL, "feeds.yaml: briefng: unknown key (did you mean 'briefing'?)"),
    ("summary:\n  sentence: 3\n" + MINIMAL, "feeds.yaml: summary.sentence: unknown key (did you mean 'sentences'?)"),
    ("max_stories: 3\n" + MINIMAL, "feeds.yaml: max_stories: unknown key (it belongs under 'briefing')"),
    ("retries: 3\n" + MINIMAL, "feeds.yaml: retries: unknown key (it belongs under 'fetch')"),
    ("delivery:\n  host: smtp.example.org\n" + MINIMAL,
     "feeds.yaml: delivery.host: unknown key (it belongs under 'delivery.email')"),
    (MINIMAL + "    lang: id\n", "feeds.yaml: feeds[0].lang: unknown key"),
    ("delivery:\n  mail: {}\n" + MINIMAL, "feeds.yaml: delivery.mail: unknown key (did you mean 'email'?)"),
    ("config_path: x\n" + MINIMAL, "feeds.yaml: config_path: unknown key"),
    # wrong types
    ("title: 7\n" + MINIMAL, "feeds.yaml: title: input should be a valid string"),
    ("briefing:\n  max_stories: lots\n" + MINIMAL, "feeds.yaml: briefing.max_stories: input should be a valid integer"),
    ("briefing:\n  max_stories: true\n" + MINIMAL, "feeds.yaml: briefing.max_stories: input should be a valid integer"),
    ("briefing: 3\n" + MINIMAL, "feeds.yaml: briefing: expected a mapping of keys (max_stories, min_articles, print_stories)"),
    ("feeds: https://example.org/rss\n", "feeds.yaml: feeds: input should be a valid list"),
    ("feeds:\n  - https://example.org/rss\n", "feeds.yaml: feeds[0]: expected a mapping of keys (name, url, language)"),
    # ranges
    ("briefing:\n  min_articles: 0\n" + MINIMAL, "feeds.yaml: briefing.min_articles: input should be greater than or equal to 1"),
    ("summary:\n  max_words: 5\n" + MINIMAL, "feeds.yaml: summary.max_words: input should be greater than or equal to 10"),
    ("summary:\n  sentences: 0\n" + MINIMAL, "feeds.yaml: summary.sentences: input should be greater than or equal to 1"),
    # values
    ("schedule: '61 * * * *'\n" + MINIMAL, "feeds.yaml: schedule: invalid cron expression '61 * * * *' ("),
    ("schedule: '0 6 * *'\n" + MINIMAL, "feeds.yaml: schedule: invalid cron expression '0 6 * *' (4 fields; cron needs 5"),
    ("schedule: '0 6 30 2 *'\n" + MINIMAL, "feeds.yaml: schedule: cron expression '0 6 30 2 *' never fires"),
    ("timezone: Asia/Jakrta\n" + MINIMAL, "feeds.yaml: timezone: unknown timezone 'Asia/Jakrta'"),
    ("window: 2 days\n" + MINIMAL, "feeds.yaml: window: invalid window '2 days'"),
    ("window: 48\n" + MINIMAL, "feeds.yaml: window: invalid window 48"),
    ("window: 0h\n" + MINIMAL, "feeds.yaml: window: invalid window '0h'"),
    ("window:\n" + MINIMAL, "feeds.yaml: window: invalid window None"),
    ("summary:\n  algorithm: bert\n" + MINIMAL, "feeds.yaml: summary.algorithm: unknown summary algorithm 'bert': choose one of"),
    ("formats: [html, docx]\n" + MINIMAL, "feeds.yaml: formats[1]: input should be 'html', 'pdf', 'rss' or 'json' (got 'docx')"),
    ("formats: [html, pdf, html]\n" + MINIMAL, "feeds.yaml: formats[2]: 'html' is listed twice"),
    ("formats: []\n" + MINIMAL, "feeds.yaml: formats: list should have at least 1 item"),
    ("page_size: A5\n" + MINIMAL, "feeds.yaml: page_size: input should be 'A4' or 'Letter' (got 'A5')"),
    ("base_url: news.example.org/brief\n" + MINIMAL, "feeds.yaml: base_url: 'news.example.org/brief' is not an http(s) URL"),
    ("base_url: ftp://example.org/\n" + MINIMAL, "feeds.yaml: base_url: 'ftp://example.org/' is not an http(s) URL"),
    # feeds
    ("title: x\n", "feeds.yaml: feeds: field required"),
    ("feeds: []\n", "feeds.yaml: feeds: list should have at least 1 item"),
    (MINIMAL + "  - name: Tempo\n  - name: Kompas\n    url: https://x.example/rss\n  - url: https://y.example/rss\n",
     "feeds.yaml: feeds[1].url: field required"),
    (MINIMAL + "  - name: antara\n    url: https://example.org/other.xml\n",
     "feeds.yaml: feeds[1].name: duplicate feed name 'antara' (also feeds[0])"),
    ("feeds:\n  - name: ''\n    url: a.txt\n", "feeds.yaml: feeds[0].name: string should have at least 1 character"),
    ("feeds:\n  - name: A\n    url: ftp://example.org/a.xml\n", "feeds.yaml: feeds[0].url: 'ftp://example.org/a.xml': use an http(s) URL or a local path"),
    ("feeds:\n  - name: A\n    url: https:///a.xml\n", "feeds.yaml: feeds[0].url: 'https:///a.xml': use an http(s) URL"),
    (MINIMAL + "    language: english language\n", "feeds.yaml: feeds[0].language: 'english language' is not a language code"),
    # delivery
    ("delivery:\n  email:\n    host: smtp.example.org\n    password: hunter2\n    from: a@example.org\n    to: [b@example.org]\n" + MINIMAL,
     "feeds.yaml: delivery.email.password: do not write the password in the config; set password_env"),
    ("delivery:\n  email:\n    host: smtp.example.org\n    from: a@example.org\n    to: []\n" + MINIMAL,
     "feeds.yaml: delivery.email.to: list should have at least 1 item"),
    ("delivery:\n  email:\n    host: smtp.example.org\n    to: [b@example.org]\n" + MINIMAL,
     "feeds.yaml: delivery.email.from: field required"),
    ("delivery:\n  email:\n    host: smtp.example.org\n    from: a@example.org\n    to: [someone]\n" + MINIMAL,
     "feeds.yaml: delivery.email.to[0]: 'someone' is not an email address"),
    ("delivery:\n  email:\n    host: h\n    from: a@example.org\n    to: [b@example.org]\n    security: tls\n" + MINIMAL,
     "feeds.yaml: delivery.email.security: input should be 'starttls', 'ssl' or 'none' (got 'tls')"),
    ("delivery:\n  email:\n    host: h\n    from: a@example.org\n    to: [b@example.org]\n    port: 70000\n" + MINIMAL,
     "feeds.yaml: delivery.email.port: input should be less than or equal to 65535"),
    ("delivery:\n  email:\n    host: h\n    from: a@example.org\n    to: [b@example.org]\n    password_env: my password\n" + MINIMAL,
     "feeds.yaml: delivery.email.password_env: 'my password' is not an environment variable name"),
])
def test_each_mistake_is_a_config_error_naming_the_key(write, text, expected):
    assert expected in problem(text, write)


def test_every_problem_is_reported_one_line_each(write):
    message = problem("title: 7\ntimezone: Nowhere/Town\nfeeds:\n  - name: A\n", write)
    lines = message.splitlines()
    assert len(lines) == 3 and all(line.startswith("feeds.yaml: ") for line in lines)
    assert {line.split(": ")[1] for line in lines} == {"title", "timezone", "feeds[0].url"}


def test_the_message_names_the_file_as_given(tmp_path):
    path = tmp_path / "conf" / "news.yaml"
    path.parent.mkdir()
    path.write_text("feeds: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: feeds: ")):
        load_config(path)


@pytest.mark.parametrize("text, expected", [
    ("title: [unclosed\n" + MINIMAL, "feeds.yaml: line 2, column 6: invalid YAML (expected ',' or ']'"),
    ("title: a\n  bad: indent\n", "feeds.yaml: line 2, column 6: invalid YAML (mapping values are not allowed here)"),
    ("title: a\ntitle: b\n" + MINIMAL, "feeds.yaml: line 2, column 1: invalid YAML (key 'title' is given twice)"),
    ("- a\n- b\n", "feeds.yaml: the top level must be a mapping of keys"),
    ("", "feeds.yaml: feeds: field required"),
])
def test_bad_yaml(write, text, expected):
    assert expected in problem(text, write)


def test_yaml_merge_keys_are_not_duplicates(write):
    text = "defaults: &d {url: a.txt, language: id}\n"
    # `defaults` is not a key of feeds.yaml, so only check that parsing got as far as validation
    message = problem(text + "feeds:\n  - <<: *d\n    name: A\n    language: en\n", write)
    assert message == "feeds.yaml: defaults: unknown key"


def test_missing_file_and_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^feeds\.yaml: no such file$"):
        load_config("feeds.yaml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_config_error_is_not_a_pydantic_error(write):
    from pydantic import ValidationError

    write("feeds: []\n")
    with pytest.raises(ConfigError) as info:
        load_config("feeds.yaml")
    assert not isinstance(info.value, ValidationError) and info.value.problems == [str(info.value)]


# --- cron -----------------------------------------------------------------------------------


def fires(expression: str, after: datetime, count: int = 3) -> list[datetime]:
    trigger, times, previous = cron_trigger(expression, "Asia/Jakarta"), [], None
    now = after
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + timedelta(seconds=1)
    return times


START = datetime(2024, 6, 19, 12, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday


def test_cron_weekdays_mean_what_they_mean_in_crontab():
    assert [t.strftime("%a %H:%M") for t in fires("0 6 * * 0", START, 2)] == ["Sun 06:00", "Sun 06:00"]
    assert [t.strftime("%a") for t in fires("0 6 * * 7", START, 1)] == ["Sun"]
    assert [t.strftime("%a") for t in fires("30 7 * * 1-5", START, 4)] == ["Thu", "Fri", "Mon", "Tue"]
    assert [t.strftime("%a") for t in fires("0 6 * * sat,sun", START, 2)] == ["Sat", "Sun"]
    assert [t.strftime("%a") for t in fires("0 6 * * */2", START, 3)] == ["Thu", "Sat", "Sun"]


def test_cron_day_of_month_or_weekday_like_crontab():
    # the 1st of the month OR every Monday
    times = fires("0 6 1 * 1", START, 3)
    assert [t.strftime("%d %a") for t in times] == ["24 Mon", "01 Mon", "08 Mon"]  # July 1st 2024 is a Monday
    times = fires("0 6 21 * 6", START, 3)
    assert [t.strftime("%d %a") for t in times] == ["21 Fri", "22 Sat", "29 Sat"]


def test_config_trigger_uses_the_config_timezone(write):
    config = load_config(write("timezone: Asia/Jakarta\nschedule: '0 6 * * *'\n" + MINIMAL))
    fire = config.trigger().get_next_fire_time(None, START)
    assert fire == datetime(2024, 6, 20, 6, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
