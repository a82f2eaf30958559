"""The fidelity corpus (tests/fidelity/): every prose sentence of each case survives
cleaning verbatim, and every piece of its debris is gone."""

from pathlib import Path

import pytest
import yaml

from digest.articles import to_article
from digest.models import Document

CASES = yaml.safe_load((Path(__file__).parent / "fidelity" / "cases.yaml").read_text("utf-8"))


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    spec = CASES[request.param]
    doc = Document(source=f"{request.param}.txt", text=spec["text"], title=spec.get("title"),
                   language=spec["language"])
    return spec, to_article(doc)


def test_every_prose_sentence_survives_verbatim(case):
    spec, article = case
    assert article is not None and not article.headline_only
    missing = [sentence for sentence in spec["prose"] if sentence not in article.text]
    assert not missing, article.text


def test_no_debris_survives(case):
    spec, article = case
    assert article is not None
    assert [d for d in spec["debris"] if d in article.text or d in article.title] == [], article.text


def test_the_dateline_names_the_outlet(case):
    spec, article = case
    if "outlet" not in spec:
        pytest.skip("no dateline")
    assert article.outlet == spec["outlet"]
