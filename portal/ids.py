"""Object ids read from request data (query strings, form fields, session values).

An id in a request is untrusted text. Only ASCII digits naming a value a `BigAutoField` can hold
(1 to 2**63 - 1) are ids: anything else (a sign, a decimal point, superscript or other non-ASCII digits,
a number wider than 64 bits) is bad input that must be answered as such, not passed to the database,
where SQLite raises an overflow and PostgreSQL a numeric-range error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ID_MAX = 2**63 - 1
_ID_TEXT = re.compile(r"[0-9]{1,19}")


class InvalidIds(ValueError):
    """Some values of a list are not ids; `values` holds them (as given)."""

    def __init__(self, values: list[str]):
        self.values = values
        super().__init__(f"not ids: {values!r}")


def id_parse(value: object) -> int | None:
    """`value` as an id, or None if it is not one (see the module docstring)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= ID_MAX else None
    if not isinstance(value, str) or not _ID_TEXT.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if 1 <= number <= ID_MAX else None


def ids_parse(values: Iterable[str], *, limit: int) -> list[int]:
    """The ids of `values`, in order and without repeats, at most `limit` of them.

    Raises `InvalidIds` naming every value that is not an id, so the caller can say which.
    """
    ids: dict[int, None] = {}
    invalid: list[str] = []
    for value in values:
        number = id_parse(value)
        if number is None:
            invalid.append(value)
        elif len(ids) < limit:
            ids[number] = None
    if invalid:
        raise InvalidIds(invalid)
    return list(ids)
