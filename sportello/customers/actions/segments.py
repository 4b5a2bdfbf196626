"""The only writer of customers' segments: recomputed from the customer's history when an
order is recorded, when one of her conversations closes, and by the nightly review at
the instants time alone may change it (``segments.classify`` says which)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from sportello.conversations.queries import troubled_contacts
from sportello.core import clock
from sportello.core.events import publish
from sportello.customers.events import CustomerUpdated
from sportello.customers.models import BOUGHT, Customer, Order
from sportello.customers.segments import TROUBLE_WINDOW, History, Segmentation, classify

REVIEW_BATCH = 500


def history_of(customer_id: int, now: datetime) -> History:
    """Her paid and fulfilled orders, and her troubled contacts of the last window."""
    orders = Order.objects.filter(customer_id=customer_id, status__in=BOUGHT)
    return History(
        orders=list(orders.values_list("placed_at", flat=True)),
        troubles=troubled_contacts(customer_id, now - TROUBLE_WINDOW),
    )


def segmentation_of(customer_id: int, now: datetime | None = None) -> Segmentation:
    """Her segment as the rules see it now, with why (the customer page words it)."""
    now = now or clock.now()
    return classify(history_of(customer_id, now), now)


@transaction.atomic
def refresh_segment(customer_id: int) -> bool:
    """Recompute the customer's segment and its next review; True when the segment
    changed (then ``CustomerUpdated`` with ``segment`` is published on commit). A merged
    or erased customer keeps hers: her history lives on the customer she became."""
    customer = (
        Customer.objects.select_for_update()
        .filter(pk=customer_id, merged_into__isnull=True, erased_at__isnull=True)
        .only("pk", "workspace_id", "segment", "segment_review_at")
        .first()
    )
    if customer is None:
        Customer.objects.filter(pk=customer_id).update(segment_review_at=None)
        return False
    now = clock.now()
    found = segmentation_of(customer_id, now)
    changes: dict[str, object] = {}
    if found.review_at != customer.segment_review_at:
        changes["segment_review_at"] = found.review_at
    changed = found.segment != customer.segment
    if changed:
        changes.update(segment=found.segment, segment_changed_at=now)
    if changes:
        Customer.objects.filter(pk=customer_id).update(**changes)
    if changed:
        publish(
            CustomerUpdated(
                workspace_id=customer.workspace_id, customer_id=customer_id, fields=("segment",)
            )
        )
    return changed


def review_due_segments(*, batches: int = 200) -> int:
    """The nightly review: every customer whose ``segment_review_at`` has passed is
    classified again (each moves her review forward or clears it, so the walk ends); read
    in batches from the partial index ``customer_segment_review``. Returns how many
    changed segment."""
    now = clock.now()
    changed = 0
    for _ in range(batches):
        due = list(
            Customer.objects.filter(segment_review_at__lte=now)
            .order_by("segment_review_at", "pk")
            .values_list("pk", flat=True)[:REVIEW_BATCH]
        )
        for customer_id in due:
            changed += refresh_segment(customer_id)
        if len(due) < REVIEW_BATCH:
            break
    return changed
