"""Reactions of customers to their own events (registered in config/event_handlers.py)."""

from __future__ import annotations

from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.customers.jobs import suggest_duplicates

# Changes that cannot alter a suggestion.
_IRRELEVANT = frozenset({"language", "no_automatic_replies"})


def suggest_duplicates_of_customer(event: CustomerCreated | CustomerUpdated) -> None:
    """A new customer, or a changed name, custom field or merge: her duplicate suggestions
    are recomputed by a job, within seconds of the change."""
    if isinstance(event, CustomerUpdated) and set(event.fields) <= _IRRELEVANT:
        return
    suggest_duplicates(event.customer_id)
