"""User-facing errors: one sentence each, naming the file, the field, the value."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError


class SlipwayError(Exception):
    """A problem the user can fix; the CLI prints it and exits with status 2."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where, by dotted field path, and what."""

    path: str
    message: str


class SpecError(SlipwayError):
    """A spec file that does not validate; carries every problem found."""

    def __init__(self, label: str, problems: list[Problem]) -> None:
        self.label = label
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.label}: {p.path}: {p.message}"
            if p.path
            else f"{self.label}: {p.message}"
            for p in self.problems
        ]


def problems_from_validation(
    error: ValidationError, root: type[BaseModel]
) -> list[Problem]:
    """Translate pydantic's errors into problems that say what is allowed."""
    problems = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        path = _dotted(loc)
        problems.append(Problem(path, _describe(item, root)))
    return problems


def _describe(item: dict, root: type[BaseModel]) -> str:
    kind = item["type"]
    loc = item["loc"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1])
        refused = getattr(_model_at(root, loc[:-1]), "REFUSED_KEYS", {})
        if key in refused:
            return f"{_show(value)} {refused[key]}"
        allowed = _fields_at(root, loc[:-1])
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"unknown key '{key}'{suggestion} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return "is required but missing"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        low, high = _bounds_at(root, loc)
        if low is not None and high is not None:
            allowed = f"{low} to {high}"
        elif low is not None:
            allowed = f"{low} or more"
        else:
            allowed = f"{high} or less"
        return f"{value} is out of range (allowed: {allowed})"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", "")).replace("'", "")
        return (
            f"{_show(value)} is not allowed (allowed: {expected.replace(' or ', ', ')})"
        )
    if kind == "string_pattern_mismatch":
        described = _description_at(root, loc) or f"text matching {ctx.get('pattern')}"
        return f"{_show(value)} is not allowed (allowed: {described})"
    if kind == "too_short":
        return f"must not be empty (got {_show(value)})"
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        allowed = _fields_at(root, loc)
        keys = f" with the keys {', '.join(allowed)}" if allowed else ""
        return f"{_show(value)} is not allowed (allowed: a mapping{keys})"
    if kind == "string_type" and isinstance(value, int | float | bool):
        kind_read = "true or false" if isinstance(value, bool) else "a number"
        return (
            f"{_show(value)} was read as {kind_read}, not text (allowed: text; quote "
            f"it, as in '{_show(value)}')"
        )
    expected = item["msg"].removeprefix("Input should be ").rstrip(".")
    for pydantic_words, ours in _EXPECTED.items():
        expected = expected.replace(pydantic_words, ours)
    return f"{_show(value)} is not allowed (allowed: {expected})"


# pydantic's names for what a field expects, and how deploy.yaml's readers say it.
_EXPECTED = {
    "a valid dictionary": "a mapping",
    "a valid integer": "a whole number",
    "a valid string": "text",
    "a valid list": "a list",
    "a valid boolean": "true or false",
}


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _dotted(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """Follow a pydantic error location through the model tree to a model class."""
    current: object = root
    for part in loc:
        model = _as_model(current)
        if model is None:
            current = _unwrap_container(current)
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        current = field.annotation
    return _as_model(current) or _as_model(_unwrap_container(current))


def _fields_at(root: type[BaseModel], loc: tuple) -> list[str]:
    model = _model_at(root, loc)
    return sorted(model.model_fields) if model else []


def _description_at(root: type[BaseModel], loc: tuple) -> str | None:
    """The field's own description of the form it takes, if it has one."""
    model = _model_at(root, loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    if field is None:
        return None
    # An optional field keeps its description on the alternative that has one.
    inner = [
        meta.description
        for alternative in _alternatives(field.annotation)
        for meta in typing.get_args(alternative)[1:]
        if getattr(meta, "description", None)
    ]
    return field.description or next(iter(inner), None)


def _bounds_at(root: type[BaseModel], loc: tuple) -> tuple[object, object]:
    model = _model_at(root, loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    low = high = None
    for meta in field.metadata if field else []:
        low = (
            getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else low
        )
        high = (
            getattr(meta, "le", None) if getattr(meta, "le", None) is not None else high
        )
    return low, high


def _as_model(annotation: object) -> type[BaseModel] | None:
    for candidate in _alternatives(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _unwrap_container(annotation: object) -> object:
    """The value type of dict[K, V] or list[V], looking through Optional."""
    for candidate in _alternatives(annotation):
        args = typing.get_args(candidate)
        if typing.get_origin(candidate) in {dict, list} and args:
            return args[-1]
    return annotation


def _alternatives(annotation: object) -> list[object]:
    if (
        isinstance(annotation, types.UnionType)
        or typing.get_origin(annotation) is typing.Union
    ):
        return list(typing.get_args(annotation))
    return [annotation]
