"""Keyset bounds on a view's order (a sort field, then the id): where a cursor page starts,
and how far a search walks."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, DateTimeField, Q, QuerySet
from django.db.models.expressions import RawSQL

from sportello.conversations.models import DUE_SORT_SQL, WAITING_SORT_SQL

_TABLE = '"conversations_conversation"'


def _qualified(expression: str) -> str:
    """An index's expression with its columns named by table, as a query with joins needs
    (both databases match it to the index all the same)."""
    for column in ("status", "waiting_since", "first_reply_at", "first_reply_due_at"):
        expression = expression.replace(f'"{column}"', f'{_TABLE}."{column}"')
    return expression.replace('"next_reply_due_at"', f'{_TABLE}."next_reply_due_at"')


# The sorts on an expression rather than a column (``filters.SORTS``): a queryset sorted by
# one is annotated with it under that name (``annotate_sort``).
EXPRESSIONS = {
    "waiting_sort_at": _qualified(WAITING_SORT_SQL),
    "due_sort_at": _qualified(DUE_SORT_SQL),
}


def sort_sql(sort_field: str) -> str:
    """The SQL of a sort field: its expression, or its column."""
    return EXPRESSIONS.get(sort_field) or f'{_TABLE}."{sort_field}"'


def annotate_sort(queryset: QuerySet[Any], sort_field: str) -> QuerySet[Any]:
    """``queryset`` with the sort field's expression as an annotation, when it is one."""
    if sort_field not in EXPRESSIONS:
        return queryset
    return queryset.annotate(**{sort_field: RawSQL(EXPRESSIONS[sort_field], (), DateTimeField())})


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
            f'({sort_sql(sort_field)}, {_TABLE}."id") {op} (%s, %s)',
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
