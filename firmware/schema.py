"""A small typed-schema checker for configuration documents.

A schema is a frozen dataclass whose fields carry type hints (int, float,
str, bool, Literal[...], an Enum, list[...], tuple[..., ...], nested schema
dataclasses, ``X | None``, ``X | Y``: the first that fits) and, where a value
has a range or a form, a ``check`` in the field's metadata. ``parse(Schema, document)`` builds the
dataclass from plain JSON data, rejecting unknown keys, and raises one
``SchemaError`` listing every problem with its place
(``lines[2].recording.mode: ...``); ``to_document`` is its inverse. The
device configuration and the simulator's scenarios are read with it, and
the engine <-> web contract's messages (``firmware.link.contract``).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from firmware.errors import LinerecError

T = TypeVar("T")
Check = Callable[[Any], str | None]  # returns a problem, or None when the value is fine


class SchemaError(LinerecError, ValueError):
    """A document does not fit its schema; ``problems`` lists each with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def setting(default: Any = dataclasses.MISSING, check: Check | None = None, **kwargs: Any) -> Any:
    """A schema field with a default and an optional value check."""
    if isinstance(default, list):
        items = list(default)
        return dataclasses.field(
            default_factory=lambda: list(items), metadata={"check": check}, **kwargs
        )
    return dataclasses.field(default=default, metadata={"check": check}, **kwargs)


def in_range(low: float, high: float) -> Check:
    def check(value: float) -> str | None:
        return None if low <= value <= high else f"{value} is outside {low}..{high}"

    return check


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, dict | list) else type(value).__name__


def _parse_value(  # noqa: PLR0911 - one return per kind of type
    hint: Any, value: Any, place: str, problems: list[str], noun: str
) -> Any:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        inner = [option for option in options if option is not type(None)]
        if len(inner) == 1:
            return _parse_value(inner[0], value, place, problems, noun)
        # One of several (``str | int``: a key or an id): the first the value fits.
        for option in inner:
            tried: list[str] = []
            parsed = _parse_value(option, value, place, tried, noun)
            if not tried:
                return parsed
        kinds = " or ".join(getattr(option, "__name__", str(option)) for option in inner)
        problems.append(f"{place}: expected {kinds}, got {_describe(value)}")
        return value
    enumeration = isinstance(hint, type) and issubclass(hint, enum.Enum)
    if origin is Literal or enumeration:
        allowed = [member.value for member in hint] if enumeration else get_args(hint)
        if value not in allowed:
            choices = ", ".join(repr(choice) for choice in allowed)
            problems.append(f"{place}: {_describe(value)} is not one of {choices}")
            return value
        return hint(value) if enumeration else value
    if origin in (list, tuple):
        if not isinstance(value, list):
            problems.append(f"{place}: expected a list, got {_describe(value)}")
            return []
        item_hint = get_args(hint)[0]  # list[X], or tuple[X, ...]
        return origin(
            _parse_value(item_hint, item, f"{place}[{index}]", problems, noun)
            for index, item in enumerate(value)
        )
    if dataclasses.is_dataclass(hint):
        return _parse_document(hint, value, place, problems, noun)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        problems.append(f"{place}: expected {hint.__name__}, got {_describe(value)}")
    return value


def _parse_document(
    schema: type[T], document: Any, place: str, problems: list[str], noun: str
) -> T:
    prefix = f"{place}." if place else ""
    problems_before = len(problems)
    if not isinstance(document, dict):
        problems.append(f"{place or 'document'}: expected an object, got {_describe(document)}")
        return None  # type: ignore[return-value]
    hints = get_type_hints(schema)
    known = {field.name: field for field in dataclasses.fields(schema)}
    problems.extend(
        f"{prefix}{key}: unknown {noun} (known: {', '.join(known) or 'none'})"
        for key in document
        if key not in known
    )
    values = {}
    for name, field in known.items():
        if name not in document:
            has_default = (
                field.default is not dataclasses.MISSING
                or field.default_factory is not dataclasses.MISSING
            )
            if not has_default:
                problems.append(f"{prefix}{name}: missing")
            continue
        before = len(problems)
        value = _parse_value(hints[name], document[name], f"{prefix}{name}", problems, noun)
        check = field.metadata.get("check")
        if check is not None and len(problems) == before and value is not None:
            problem = check(value)
            if problem:
                problems.append(f"{prefix}{name}: {problem}")
        values[name] = value
    if len(problems) > problems_before:
        return None  # type: ignore[return-value]
    return schema(**values)


def parse(schema: type[T], document: Any, *, place: str = "", noun: str = "setting") -> T:
    """``document`` (plain JSON data) as a ``schema`` instance, or a SchemaError.

    Problems are named from ``place`` down; an unknown key is an unknown ``noun``.
    """
    problems: list[str] = []
    result = _parse_document(schema, document, place, problems, noun)
    if problems:
        raise SchemaError(problems)
    return result


def to_document(instance: Any) -> Any:
    """A schema instance (or any value in one) as plain JSON data: the inverse of ``parse``."""
    if dataclasses.is_dataclass(instance):
        return {
            field.name: to_document(getattr(instance, field.name))
            for field in dataclasses.fields(instance)
        }
    if isinstance(instance, enum.Enum):
        return instance.value
    if isinstance(instance, tuple | list):
        return [to_document(item) for item in instance]
    return instance
