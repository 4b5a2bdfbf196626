"""Reactions of customers to events (registered in config/event_handlers.py)."""

from __future__ import annotations

from sportello.conversations.events import StatusChanged
from sportello.conversations.models import DONE_STATUSES
from sportello.conversations.queries import customer_of
from sportello.customers.actions.segments import refresh_segment
from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.customers.jobs import suggest_duplicates

# Changes that cannot alter a suggestion.
_IRRELEVANT = frozenset({"language", "no_automatic_replies", "segment"})


def suggest_duplicates_of_customer(event: CustomerCreated | CustomerUpdated) -> None:
    """A new customer, or a changed name, custom field or merge: her duplicate suggestions
    are recomputed by a job, within seconds of the change."""
    if isinstance(event, CustomerUpdated) and set(event.fields) <= _IRRELEVANT:
        return
    suggest_duplicates(event.customer_id)


def segment_after_closed_conversation(event: StatusChanged) -> None:
    """A conversation resolved or closed: its breaches and its being a repeat contact are
    now part of the customer's history, and may move her segment (at risk)."""
    if event.new not in DONE_STATUSES or event.old in DONE_STATUSES:
        return
    customer_id = customer_of(event.conversation_id)
    if customer_id is not None:
        refresh_segment(customer_id)
