"""Turn the frozen domain dataclasses into JSON-ready dicts and back.

Used to store canonical events and to read them from the native API; it understands
nested dataclasses, optionals, tuples, enums and datetimes, which is all core uses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from forgehooks.core.errors import InvalidInput

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    """A dataclass tree as plain dicts, lists, strings and numbers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(cls: type[T], data: Any, path: str = "") -> T:
    """Build `cls` from plain data; raises InvalidInput naming the bad field."""
    return typing.cast(T, _convert(cls, data, path or cls.__name__))


@cache
def _shape(tp: Any) -> str:
    """What kind of type `tp` is, worked out once per type (every publish parses a body)."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return "union"
    if origin is tuple:
        return "tuple"
    return "dataclass" if dataclasses.is_dataclass(tp) else "scalar"


def _convert(tp: Any, value: Any, path: str) -> Any:
    shape = _shape(tp)
    if shape == "union":
        return _union(tp, value, path)
    if shape == "tuple":
        if not isinstance(value, list | tuple):
            raise InvalidInput(path, "must be a list")
        item = get_args(tp)[0]
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if shape == "dataclass":
        return _dataclass(tp, value, path)
    return _scalar(tp, value, path)


@cache
def _fields(tp: Any) -> tuple[dict[str, Any], frozenset[str], tuple[str, ...]]:
    """A dataclass's field types, names and required names, worked out once per type."""
    fields = dataclasses.fields(tp)
    missing = dataclasses.MISSING
    required = tuple(f.name for f in fields if f.default is missing and f.default_factory is missing)
    return _hints(tp), frozenset(f.name for f in fields), required


def _union(tp: Any, value: Any, path: str) -> Any:
    args = [a for a in get_args(tp) if a is not type(None)]
    if value is None:
        if len(args) < len(get_args(tp)):
            return None
        raise InvalidInput(path, "must not be null")
    if len(args) == 1:
        return _convert(args[0], value, path)
    for arg in args:
        try:
            return _convert(arg, value, path)
        except InvalidInput:
            continue
    raise InvalidInput(path, "matches none of the allowed shapes")


def _dataclass(tp: Any, value: Any, path: str) -> Any:
    if isinstance(value, str) and hasattr(tp, "from_text"):
        return tp.from_text(value)  # a shorthand the type allows, e.g. a label by its title
    if not isinstance(value, dict):
        raise InvalidInput(path, "must be an object")
    hints, names, required = _fields(tp)
    unknown = value.keys() - names
    if unknown:
        raise InvalidInput(f"{path}.{sorted(unknown)[0]}", "unknown field")
    missing = [name for name in required if name not in value]
    if missing:
        raise InvalidInput(f"{path}.{missing[0]}", "is required")
    kwargs = {k: _convert(hints[k], v, f"{path}.{k}") for k, v in value.items()}
    return tp(**kwargs)


def _scalar(tp: Any, value: Any, path: str) -> Any:
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError as exc:
            raise InvalidInput(path, f"unknown value {value!r}") from exc
    if tp is datetime:
        return _datetime(value, path)
    expected = {bool: "a boolean", int: "an integer", str: "a string", float: "a number"}
    if tp in expected:
        ok = isinstance(value, tp) and not (tp is int and isinstance(value, bool))
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise InvalidInput(path, f"must be {expected[tp]}")
        return value
    if tp is Any or tp is object:
        return value
    raise InvalidInput(path, f"unsupported type {tp!r}")


def _datetime(value: Any, path: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidInput(path, "must be an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(path, "must be an ISO-8601 time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
