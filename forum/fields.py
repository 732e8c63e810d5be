"""What every feature's request schemas share: ids in their columns' range, and text that shows something."""

from __future__ import annotations

import functools
import unicodedata
from typing import Annotated

import msgspec
from litestar.params import Parameter
from msgspec import Meta
from msgspec import inspect as types

from forum.errors import FieldError

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# An id outside its column's range (integer or bigint) names nothing, and PostgreSQL refuses even to
# compare it with the column (a DataError, so a 500): it is refused as the request is read, with a 400
# naming the field, like any other invalid value. Meta bounds bodies (msgspec), Parameter path and
# query parameters (Litestar reads only its own).
Id32 = Annotated[int, Meta(ge=1, le=INT32_MAX), Parameter(ge=1, le=INT32_MAX)]
Id64 = Annotated[int, Meta(ge=1, le=INT64_MAX), Parameter(ge=1, le=INT64_MAX)]
# Litestar takes a query parameter's bounds from its outermost Annotated only, not from inside a union.
OptionalId32 = Annotated[int | None, Parameter(ge=1, le=INT32_MAX)]
OptionalId64 = Annotated[int | None, Parameter(ge=1, le=INT64_MAX)]


def looks_like_id(segment: str) -> bool:
    """Only ASCII digits make an id: str.isdigit() also takes '¹', '①', '٣' and '３', which int() reads
    as numbers (or refuses), so they would alias ids or fail."""
    return segment.isascii() and segment.isdigit()


def path_id(segment: str, field: str) -> int | None:
    """The (bigint) id a path segment holding an id or a slug names, as a question's `{ref}`; None for a slug."""
    if not looks_like_id(segment):
        return None
    try:
        number = int(segment)
    except ValueError:  # more digits than int() reads: out of range all the same
        number = INT64_MAX + 1
    try:
        return msgspec.convert(number, Id64)
    except msgspec.ValidationError as exc:
        raise FieldError(field, str(exc), source="path") from None


# Characters that show nothing: besides whitespace (which str.strip() knows), controls (Cc), format
# characters (Cf: zero-width space and joiners, bidi marks, BOM) and the letters made to look empty.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})
_EMPTY_LOOKING = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_blank(text: str) -> bool:
    return all(c.isspace() or c in _EMPTY_LOOKING or unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in text)


@functools.cache
def _text_fields(struct: type[msgspec.Struct]) -> dict[str, bool]:
    """Each field that can hold a string, and whether it may be null."""
    fields = {}
    for field in types.type_info(struct).fields:
        kind = field.type.type if isinstance(field.type, types.Metadata) else field.type
        options = kind.types if isinstance(kind, types.UnionType) else (kind,)
        options = [o.type if isinstance(o, types.Metadata) else o for o in options]
        if any(isinstance(o, types.StrType) for o in options):
            fields[field.name] = any(isinstance(o, types.NoneType) for o in options)
    return fields


class Input(msgspec.Struct, forbid_unknown_fields=True):
    """The base of every request body. Text that shows nothing is no text: where the field may be null
    it becomes null, elsewhere it is refused (400 naming the field), rather than stored as sent."""

    def __post_init__(self) -> None:
        for name, nullable in _text_fields(type(self)).items():
            value = getattr(self, name)
            if isinstance(value, str) and is_blank(value):
                if not nullable:
                    # msgspec turns a ValueError into a validation error of the body as a whole;
                    # forum.errors reads the field's name back from this message.
                    raise ValueError(f"Field `{name}` must not be blank")
                setattr(self, name, None)
