"""Turn the frozen domain dataclasses into JSON-ready dicts and back.

Used to store canonical events and to read them from the native API; it understands
nested dataclasses, optionals, tuples, enums and datetimes, which is all core uses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
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


#: A converter: (value, the path of its parent, its key there) -> the converted value. The
#: path string is built only for an error, or once per object for its fields' errors: an
#: f-string per field was a fifth of parsing a push body.
Converter = Callable[[Any, str, str | int | None], Any]


def from_jsonable(cls: type[T], data: Any, path: str = "") -> T:
    """Build `cls` from plain data; raises InvalidInput naming the bad field."""
    convert = _converter(typing.cast(Any, cls))
    return typing.cast(T, convert(data, path or cls.__name__, None))


def _at(parent: str, key: str | int | None) -> str:
    if key is None:
        return parent
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}"


@cache
def _converter(tp: Any) -> Converter:
    """The converter of `tp`, worked out once per type (every publish parses a body)."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(tp)
    if origin is tuple:
        return _tuple(_converter(get_args(tp)[0]))
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp)
    return _scalar(tp)


def _tuple(item: Converter) -> Converter:
    def convert(value: Any, parent: str, key: str | int | None) -> Any:
        if not isinstance(value, list | tuple):
            raise InvalidInput(_at(parent, key), "must be a list")
        path = _at(parent, key)
        return tuple(item(v, path, i) for i, v in enumerate(value))

    return convert


def _union(tp: Any) -> Converter:
    nullable = type(None) in get_args(tp)
    choices = [_converter(a) for a in get_args(tp) if a is not type(None)]

    def convert(value: Any, parent: str, key: str | int | None) -> Any:
        if value is None:
            if nullable:
                return None
            raise InvalidInput(_at(parent, key), "must not be null")
        if len(choices) == 1:
            return choices[0](value, parent, key)
        for choice in choices:
            try:
                return choice(value, parent, key)
            except InvalidInput:
                continue
        raise InvalidInput(_at(parent, key), "matches none of the allowed shapes")

    return convert


def _dataclass(tp: Any) -> Converter:
    fields = dataclasses.fields(tp)
    missing_ = dataclasses.MISSING
    required = tuple(f.name for f in fields if f.default is missing_ and f.default_factory is missing_)
    names = frozenset(f.name for f in fields)
    hints = _hints(tp)
    from_text = getattr(tp, "from_text", None)
    converters: dict[str, Converter] = {}

    def convert(value: Any, parent: str, key: str | int | None) -> Any:
        if from_text is not None and isinstance(value, str):
            return from_text(value)  # a shorthand the type allows, e.g. a label by its title
        if not isinstance(value, dict):
            raise InvalidInput(_at(parent, key), "must be an object")
        unknown = value.keys() - names
        if unknown:
            raise InvalidInput(f"{_at(parent, key)}.{sorted(unknown)[0]}", "unknown field")
        for name in required:
            if name not in value:
                raise InvalidInput(f"{_at(parent, key)}.{name}", "is required")
        if not converters:  # the fields' own converters, made at first use (types may recurse)
            converters.update((name, _converter(hints[name])) for name in names)
        path = _at(parent, key)
        return tp(**{k: converters[k](v, path, k) for k, v in value.items()})

    return convert


_EXPECTED = {bool: "a boolean", int: "an integer", str: "a string", float: "a number"}


def _scalar(tp: Any) -> Converter:
    if isinstance(tp, type) and issubclass(tp, Enum):
        enum = tp

        def convert_enum(value: Any, parent: str, key: str | int | None) -> Any:
            try:
                return enum(value)
            except ValueError as exc:
                raise InvalidInput(_at(parent, key), f"unknown value {value!r}") from exc

        return convert_enum
    if tp is datetime:
        return lambda value, parent, key: (
            _datetime(value, _at(parent, key)) if not isinstance(value, datetime) else value
        )
    if tp is str:

        def convert_text(value: Any, parent: str, key: str | int | None) -> Any:
            if isinstance(value, str):
                return value
            raise InvalidInput(_at(parent, key), "must be a string")

        return convert_text
    if tp in _EXPECTED:
        reason = f"must be {_EXPECTED[tp]}"

        def convert(value: Any, parent: str, key: str | int | None) -> Any:
            ok = isinstance(value, tp) and not (tp is int and isinstance(value, bool))
            if tp is float and isinstance(value, int) and not isinstance(value, bool):
                ok = True
            if not ok:
                raise InvalidInput(_at(parent, key), reason)
            return value

        return convert
    if tp is Any or tp is object:
        return lambda value, parent, key: value
    unsupported = f"unsupported type {tp!r}"

    def refuse(value: Any, parent: str, key: str | int | None) -> Any:
        raise InvalidInput(_at(parent, key), unsupported)

    return refuse


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
