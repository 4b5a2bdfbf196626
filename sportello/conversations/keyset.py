"""Keyset bounds on a view's order (a sort field, then the id): where a cursor page starts,
and how far a search walks."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

_TABLE = '"conversations_conversation"'


def bound(sort_field: str, descending: bool, value: Any, pk: int, *, inclusive: bool) -> Q | RawSQL:
    """The conversations after (value, pk) in the view's order, or up to it when
    ``inclusive``.

    On PostgreSQL a row comparison, which its planner reads as a range of the view's index
    (the same bound written with OR was a filter: a cursor page 5,000 deep read and dropped
    5,000 rows, and a search walk scanned the table). On SQLite the sort field's own range
    comes first, then the tie on the id: with the OR alone and bound parameters its
    planner walked the index from the top and filtered, so a search walk that found too
    few read every conversation."""
    if connection.vendor == "postgresql":
        op = ("<" if descending else ">") if not inclusive else (">=" if descending else "<=")
        return RawSQL(
            f'({_TABLE}."{sort_field}", {_TABLE}."id") {op} (%s, %s)',
            (value, pk),
            BooleanField(),
        )
    if inclusive:
        op = "gt" if descending else "lt"
        tie = Q(**{f"pk__{op}e": pk})
    else:
        op = "lt" if descending else "gt"
        tie = Q(**{f"pk__{op}": pk})
    return Q(**{f"{sort_field}__{op}e": value}) & (Q(**{f"{sort_field}__{op}": value}) | tie)
