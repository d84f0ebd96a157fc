"""The one codec of extraction's records (`facts`), for the file cache: JSON-ready data and back.

Records are frozen dataclasses whose fields hold other records, strings, numbers and the constants
of Python literals (tuples, lists, dicts, sets, bytes).  Each record becomes `{"@": type, field: ...}`
with every field, and each non-JSON value a one-key tag, so that decoding gives back records equal to
the originals.  Only the record types listed here can be built from cached data: a cache file is
data, never code.
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from loadlint.facts import (
    Argument,
    CallRecord,
    CallSite,
    FileReport,
    FromCommandLine,
    FromConfig,
    FromParameter,
    Keyword,
    Known,
    Span,
    TraceStep,
    Unknown,
    UseSite,
)

_RECORD_TYPES = (
    Argument, CallRecord, CallSite, FileReport, FromCommandLine, FromConfig, FromParameter, Keyword, Known, Span,
    TraceStep, Unknown,
)
RECORDS: dict[str, type] = {cls.__name__: cls for cls in (*_RECORD_TYPES, UseSite)}


class CodecError(ValueError):
    """Cached data that does not decode into records (a corrupt or foreign entry)."""


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else {"@float": repr(value)}
    if dataclasses.is_dataclass(value) and type(value).__name__ in RECORDS:
        data = {field.name: encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
        return {"@": type(value).__name__, **data}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"@tuple": [encode(item) for item in value]}
    if isinstance(value, frozenset | set):
        return {"@frozenset" if isinstance(value, frozenset) else "@set": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"@dict": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, bytes):
        return {"@bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, complex):
        return {"@complex": [encode(value.real), encode(value.imag)]}
    if value is Ellipsis:
        return {"@ellipsis": None}
    raise CodecError(f"cannot encode a {type(value).__name__}")


def decode(data: Any) -> Any:
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        raise CodecError(f"unexpected {type(data).__name__}")
    if "@" in data:
        record = RECORDS.get(data["@"])
        if record is None:
            raise CodecError(f"unknown record {data['@']!r}")
        try:
            return record(**{key: decode(item) for key, item in data.items() if key != "@"})
        except TypeError as exc:
            raise CodecError(str(exc)) from None
    if len(data) != 1:
        raise CodecError("a tagged value has one key")
    [(tag, item)] = data.items()
    try:
        return _TAGS[tag](item)
    except KeyError:
        raise CodecError(f"unknown tag {tag!r}") from None
    except (TypeError, ValueError) as exc:
        raise CodecError(f"bad {tag}: {exc}") from None


_TAGS = {
    "@tuple": lambda items: tuple(decode(item) for item in items),
    "@frozenset": lambda items: frozenset(decode(item) for item in items),
    "@set": lambda items: {decode(item) for item in items},
    "@dict": lambda pairs: {decode(key): decode(item) for key, item in pairs},
    "@bytes": lambda text: base64.b64decode(text.encode("ascii"), validate=True),
    "@complex": lambda parts: complex(decode(parts[0]), decode(parts[1])),
    "@float": float,
    "@ellipsis": lambda _: Ellipsis,
}
