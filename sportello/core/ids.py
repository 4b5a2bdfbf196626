"""Row ids read from what a person or a program typed: in a URL, a cursor, a filter.

A primary key is a signed 64-bit integer on SQLite and PostgreSQL alike. A number beyond
``MAX_ID`` names no row, and handing it to the database is an ``OverflowError`` (SQLite)
or a ``DataError`` (PostgreSQL), so it is refused here, once, as "not found". Digits are
ASCII only: ``str.isdigit`` also takes '¹' or '٣', which ``int`` refuses or reads
otherwise.
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))


def parse_id(value: str) -> int | None:
    """``value`` as a row's id (ASCII digits, at most ``MAX_ID``), or None."""
    if not (value.isascii() and value.isdigit()) or len(value) > _MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


class RowIdConverter:
    """``<rowid:name>`` in a URL: a row's id, or no match (a 404) when it cannot be one.

    The web's URLs and the API's paths (``{rowid:name}``) both use it, so no view checks
    its id's range itself."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the URL does not match: Django answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowIdConverter, "rowid")
