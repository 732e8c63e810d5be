"""What every feature's request schemas share: ids in their columns' range."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import Parameter
from msgspec import Meta

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
