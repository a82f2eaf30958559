"""How likely an article belongs to a story: a logistic model over a few features of the pair.

The features compare the article with the story's latest articles (digest.cluster keeps
them): in the article's language, the mean and the best cosine of their words, the best of
their title trigrams, of names as written and of script-independent name keys; in other
languages, the best of names, of keys and of the number of names or keys met (log; when two
or more meet); then the hours since the story's last article and its size. Whether one of
its outlets wrote it is left out: the labelled sets hardly vary it (MultiLing is all
WikiNews, Multi-News unnamed), so its weight would learn the sets, not the news. The weights
and the two thresholds are fitted by eval/fit_cluster.py on the tune halves of the labelled
sets and shipped in data/linking.yaml; nothing here is set by hand.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml

FEATURES = ("words_mean", "words_best", "title_best", "names_best", "keys_best", "foreign_names", "foreign_keys",
            "foreign_shared", "log_hours", "log_size")


@dataclass(frozen=True)
class LinkModel:
    """P(article belongs to story) = sigmoid(weights . features + bias): an article joins its
    likeliest story at `threshold`; a new story joins another when its first articles do on
    average at `second_look` (digest.cluster)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    second_look: float

    def probability(self, features: np.ndarray) -> np.ndarray:
        """One probability per row of `features` (columns in FEATURES order)."""
        logits = features @ np.asarray(self.weights, dtype=np.float64) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def to_yaml(self, note: str) -> str:
        data = {"note": note, "features": dict(zip(FEATURES, map(float, self.weights))),
                "bias": float(self.bias), "threshold": float(self.threshold), "second_look": float(self.second_look)}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def from_yaml(text: str) -> LinkModel:
    data = yaml.safe_load(text)
    missing = [name for name in FEATURES if name not in data["features"]]
    if missing:
        raise ValueError(f"linking weights lack {', '.join(missing)}")
    return LinkModel(tuple(float(data["features"][name]) for name in FEATURES), float(data["bias"]),
                     float(data["threshold"]), float(data["second_look"]))


@functools.lru_cache(maxsize=1)
def shipped_model() -> LinkModel:
    """The fitted model of data/linking.yaml."""
    return from_yaml(resources.files("digest.data").joinpath("linking.yaml").read_text("utf-8"))


def log_hours(hours: float) -> float:
    """Hours since the story's last article as the model sees them; unknown dates count as none."""
    return math.log1p(max(hours, 0.0)) if not math.isnan(hours) else 0.0
