"""Which segment a customer is in: the rules, in one place, as a small shop owner would
state them (ADR 0025). Pure functions over a customer's history, no database: the
action (``actions.segments``) gathers the history and writes the answer.

In order, the first that holds:

1. **At risk**: she used to buy regularly (at least ``REGULAR_ORDERS`` orders) and her
   last order is long overdue against her own rhythm (more than ``OVERDUE_FACTOR`` times
   her usual interval, and at least ``OVERDUE_SLACK`` beyond it); or she had
   ``TROUBLED_CONTACTS`` bad experiences within ``TROUBLE_WINDOW`` (a conversation whose
   SLA was breached, or a repeat contact about a matter not settled the first time).
2. **New**: no purchase yet (no paid or fulfilled order).
3. **Loyal**: at least ``REGULAR_ORDERS`` orders, the last within ``LOYAL_RECENCY``.
4. **Occasional**: everyone else who bought (one or two orders, or a regular buyer
   whose orders stopped less than "overdue" ago but more than a year ago).

Between two events (an order, a closed conversation) a segment changes only when one of
the instants returned as ``review_at`` passes: the nightly review looks at those alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

from sportello.customers.models import Segment

REGULAR_ORDERS = 3
LOYAL_RECENCY = timedelta(days=365)
OVERDUE_FACTOR = 2
OVERDUE_SLACK = timedelta(days=30)
TROUBLE_WINDOW = timedelta(days=90)
TROUBLED_CONTACTS = 2


@dataclass(frozen=True)
class History:
    """What the rules read: when each paid or fulfilled order was placed, and when each
    troubled contact (breached SLA, repeat contact) of the last ``TROUBLE_WINDOW`` began."""

    orders: Sequence[datetime]
    troubles: Sequence[datetime] = ()


@dataclass(frozen=True)
class Segmentation:
    segment: Segment
    # Why, as a short code the customer page words: no_orders, regular, overdue,
    # troubles, few_orders, lapsed.
    reason: str
    # The next instant time alone may change the answer (None: only an event can).
    review_at: datetime | None
    # Her usual interval between orders (None under ``REGULAR_ORDERS`` orders).
    usual_interval: timedelta | None = None


def usual_interval(orders: Sequence[datetime]) -> timedelta | None:
    """The median time between her consecutive orders (orders on the same day count as
    one visit); None under ``REGULAR_ORDERS`` visits."""
    days = sorted({moment.date(): moment for moment in orders}.values())
    if len(days) < REGULAR_ORDERS:
        return None
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(days)]
    return timedelta(seconds=median(gaps))


def overdue_after(interval: timedelta) -> timedelta:
    """How long after her last order a regular buyer is overdue."""
    return max(interval * OVERDUE_FACTOR, interval + OVERDUE_SLACK)


def classify(history: History, now: datetime) -> Segmentation:
    """The customer's segment at ``now`` and when to look again (module docstring)."""
    recent_troubles = sorted(
        (t for t in history.troubles if now - TROUBLE_WINDOW < t <= now), reverse=True
    )
    # Time alone changes the answer when a trouble leaves the window, and when a last
    # order becomes a year old or overdue.
    moments = [t + TROUBLE_WINDOW for t in recent_troubles]
    interval = usual_interval(history.orders)
    last = max(history.orders, default=None)
    overdue_at = last + overdue_after(interval) if last and interval is not None else None
    if last is not None:
        moments.append(last + LOYAL_RECENCY)
    if overdue_at is not None:
        moments.append(overdue_at)
    review_at = min((m for m in moments if m > now), default=None)

    def answer(segment: Segment, reason: str) -> Segmentation:
        return Segmentation(segment, reason, review_at, interval)

    if len(recent_troubles) >= TROUBLED_CONTACTS:
        return answer(Segment.AT_RISK, "troubles")
    if overdue_at is not None and now > overdue_at:
        return answer(Segment.AT_RISK, "overdue")
    if last is None:
        return answer(Segment.NEW, "no_orders")
    if interval is not None and now - last <= LOYAL_RECENCY:
        return answer(Segment.LOYAL, "regular")
    if interval is not None:
        return answer(Segment.OCCASIONAL, "lapsed")
    return answer(Segment.OCCASIONAL, "few_orders")
