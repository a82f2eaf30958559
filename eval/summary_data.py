"""The labelled summary sets of shared/eval, loaded as stories, and their tune/check halves.

Every set is scored as ROUGE recall (and F) against its human summaries with every system cut
to the same word budget (the DUC convention):
- multinews: Multi-News validation sample, 250 stories of 1-9 web articles, one professional
  summary each (about 230 words): 250 words, stemmed (rouge-score's Porter stemmer).
- indosum-large: IndoSum dev large, 1,000 single Indonesian articles: 60 words, unstemmed.
- multiling-<language>: MultiLing 2011, 10 events x 10 articles, 3 human summaries per event
  (French 2-5): 250 words, stemmed (Porter for English; for the other languages, whose letters
  rouge-score's tokenizer drops, digest's Unicode tokenizer and Snowball stemmer; Hebrew has
  none). Each text opens with its date, removed here; articles are dated from the English
  edition's date line, the editions being translations of one another.
- indosum: IndoSum dev sample, 270 single Indonesian articles: 60 words, unstemmed.

Halves: each set's stories are shuffled with a fixed seed and cut in two, by story id; every
weight is chosen on `tune` and figures are reported on `check`. MultiLing's events carry the
same id in every language, so an event is in the same half in all seven.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from dateutil import parser as dateparser
from rouge_score import rouge_scorer

from digest.language import get_language
from digest.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
MULTILING = {"english": "en", "french": "fr", "czech": "cs", "greek": "el", "arabic": "ar",
             "hebrew": "he", "hindi": "hi"}
DATASETS = ("multinews", "indosum-large", *(f"multiling-{name}" for name in MULTILING), "indosum")
METRICS = ("rouge1", "rouge2", "rougeL")
HALVES = ("tune", "check")
SEED = 16


@dataclass(frozen=True)
class Case:
    id: str
    articles: tuple[Article, ...]
    references: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str
    language: str
    cases: tuple[Case, ...]
    words: int  # every system's summary is cut to this many words
    scorer: rouge_scorer.RougeScorer


class UnicodeTokenizer:
    """rouge-score's tokenizer duck type for any script: lowercased digest words, stemmed."""

    def __init__(self, code: str) -> None:
        self.lang = get_language(code)

    def tokenize(self, text: str) -> list[str]:
        return [self.lang.stem(w) for w in self.lang.words(text)]


_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\S+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DAY = re.compile(r"(?<!\d)\d{1,2}(?!\d)")
_EN_DATE = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November"
                      r"|December) \d{1,2}, \d{4}")


def strip_date(text: str, year: int) -> str:
    """The text after its opening date: the first year among the opening words that is the
    edition's year or follows a day number (whatever the script of its digits)."""
    head = _DIGIT.sub(lambda m: str(unicodedata.digit(m.group())), text[:200])  # "२०१०" -> "2010"
    tokens = list(_TOKEN.finditer(head))[:20]
    for j, token in enumerate(tokens):
        found = _YEAR.search(token.group())
        if not found:
            continue
        before = " ".join(t.group() for t in tokens[max(0, j - 3):j]) + token.group()[:found.start()]
        if found.group() == str(year) or _DAY.search(before):
            return text[token.start() + found.end():].lstrip(" .,\u200b\n")
    return text


def _lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _multiling_dates(shared: Path) -> dict[str, datetime]:
    """Publication date of every MultiLing document number, from the English date lines."""
    dates = {}
    for event in _lines(shared / "eval" / "multiling2011" / "english.clusters.jsonl"):
        for doc in event["docs"]:
            found = _EN_DATE.search(doc["text"][:200])
            dates[doc["doc_id"].split(".")[0]] = dateparser.parse(found.group()).replace(tzinfo=timezone.utc)
    return dates


def _multiling(shared: Path, name: str) -> Dataset:
    code, dates, cases = MULTILING[name], _multiling_dates(shared), []
    for event in _lines(shared / "eval" / "multiling2011" / f"{name}.clusters.jsonl"):
        articles = []
        for doc in event["docs"]:
            published = dates[doc["doc_id"].split(".")[0]]
            text = strip_date(doc["text"], published.year)
            articles.append(Article(id=doc["doc_id"], title=doc["title"], text=text, outlet=doc["source"],
                                    language=code, source=name, published=published))
        cases.append(Case(event["cluster_id"], tuple(articles), tuple(event["reference_summaries"])))
    scorer = (rouge_scorer.RougeScorer(METRICS, use_stemmer=True) if code == "en"
              else rouge_scorer.RougeScorer(METRICS, tokenizer=UnicodeTokenizer(code)))
    return Dataset(f"multiling-{name}", code, tuple(cases), 250, scorer)


def _stories(path: Path, language: str) -> tuple[Case, ...]:
    """Stories of a clusters.jsonl in its order; a document without a source is its own outlet
    (Multi-News names none), dated by its `date` when it has one."""
    cases = []
    for story in _lines(path):
        articles = tuple(Article(id=d["doc_id"], title=d.get("title") or "", text=d["text"],
                                 outlet=d.get("source") or d["doc_id"], language=language, source=path.parent.name,
                                 url=d.get("url"), published=dateparser.parse(d["date"]) if d.get("date") else None)
                         for d in story["docs"])
        cases.append(Case(story["cluster_id"], articles, tuple(story["reference_summaries"])))
    return tuple(cases)


def load(dataset: str, shared: Path = SHARED, limit: int | None = None) -> Dataset:
    folder = shared / "eval"
    if dataset == "multinews":
        loaded = Dataset(dataset, "en", _stories(folder / "multinews_val_sample" / "clusters.jsonl", "en"), 250,
                         rouge_scorer.RougeScorer(METRICS, use_stemmer=True))
    elif dataset in ("indosum", "indosum-large"):
        name = "indosum_dev_sample" if dataset == "indosum" else "indosum_dev_large"
        loaded = Dataset(dataset, "id", _stories(folder / name / "clusters.jsonl", "id"), 60,
                         rouge_scorer.RougeScorer(METRICS))
    elif dataset.startswith("multiling-") and dataset[10:] in MULTILING:
        loaded = _multiling(shared, dataset[10:])
    else:
        raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
    return replace(loaded, cases=loaded.cases[:limit])


def halves(dataset: Dataset) -> dict[str, Dataset]:
    """The dataset's tune and check halves: its story ids shuffled with SEED, cut in two."""
    ids = sorted({case.id for case in dataset.cases})
    random.Random(SEED).shuffle(ids)
    tune = set(ids[:len(ids) // 2])
    return {"tune": replace(dataset, cases=tuple(c for c in dataset.cases if c.id in tune)),
            "check": replace(dataset, cases=tuple(c for c in dataset.cases if c.id not in tune))}
