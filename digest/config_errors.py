"""A configuration problem as a message that names the key: pydantic's and YAML's errors turned
into "feeds[2].url: field required", with a suggestion for a near-miss or misplaced key.

Generic over the root model (config.Config), so this module knows no section by name.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

HIDDEN_KEYS = ("config_path",)  # set by the loader, never written in a file


def yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}invalid YAML ({problem})"


def describe(error: dict, root: type[BaseModel]) -> str:
    """One pydantic error of validating `root` as "key.path: what is wrong"."""
    ctx = error.get("ctx") or {}
    loc = tuple(error["loc"]) + tuple(ctx.get("at", ()))
    kind = error["type"]
    if kind == "config":
        message = ctx["reason"]
    elif kind == "extra_forbidden":
        return f"{_key_path(loc)}: unknown key{_suggestion(loc, root)}"
    elif kind == "missing":
        message = "field required"
    elif kind in ("model_type", "dict_type"):
        keys = _keys(_model_at(loc, root))
        message = f"expected a mapping of keys ({', '.join(keys)})" if keys else "expected a mapping"
    else:
        message = error["msg"]
        message = message[:1].lower() + message[1:] if message[1:2].islower() else message
        value = error.get("input")
        if kind != "value_error" and not isinstance(value, (dict, list)):
            shown = repr(value)
            message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return f"{_key_path(loc)}: {message}"


def _key_path(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _model_at(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """The section model found at a key path (list indexes skipped), or None."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = _section_in(fields[part].annotation)
        if model is None:
            return None
    return model


def _section_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Annotated, list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _section_in(arg)
            if found is not None:
                return found
    return None


def _keys(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items() if name not in HIDDEN_KEYS]


def _sections(model: type[BaseModel], path: str = "") -> Iterator[tuple[str, type[BaseModel]]]:
    """Every section under `model` with its key path ("delivery.email"); lists of sections
    (feeds) are entries, not places a single key belongs."""
    for name, field in model.model_fields.items():
        if get_origin(field.annotation) is list:
            continue
        section = _section_in(field.annotation)
        if section is not None:
            key = f"{path}.{field.alias or name}" if path else field.alias or name
            yield key, section
            yield from _sections(section, key)


def _suggestion(loc: tuple, root: type[BaseModel]) -> str:
    key = loc[-1]
    if not isinstance(key, str):
        return ""
    close = difflib.get_close_matches(key, _keys(_model_at(loc[:-1], root)), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    # A key written at the wrong level: `max_stories:` at the top instead of under `briefing:`.
    for section, model in _sections(root):
        if key in _keys(model):
            return f" (it belongs under {section!r})"
    return ""
