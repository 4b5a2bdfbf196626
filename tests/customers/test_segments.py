"""Customer segments (ADR 0025): the rules as a table, then as a shop meets them through
the API: orders imported, conversations closed, the nightly review on a moving clock,
the list filtered, an SLA policy and a rule that select on the segment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sportello.conversations.models import Conversation, Priority
from sportello.customers.actions.segments import review_due_segments
from sportello.customers.models import Customer, Segment
from sportello.customers.segments import History, classify
from sportello.sla.actions import escalate_due

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def days_ago(*days: int) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


@pytest.mark.parametrize(
    ("orders", "troubles", "segment", "reason"),
    [
        ([], [], Segment.NEW, "no_orders"),
        (days_ago(10), [], Segment.OCCASIONAL, "few_orders"),
        (days_ago(400, 10), [], Segment.OCCASIONAL, "few_orders"),
        # Every month, the last 20 days ago: regular.
        (days_ago(80, 50, 20), [], Segment.LOYAL, "regular"),
        # Every month, the last 59 days ago: not overdue yet (overdue after 60).
        (days_ago(119, 89, 59), [], Segment.LOYAL, "regular"),
        # Every month, the last 61 days ago: overdue against her own rhythm.
        (days_ago(121, 91, 61), [], Segment.AT_RISK, "overdue"),
        # Every week: overdue after 7 + 30 days of slack, not after 14.
        (days_ago(34, 27, 20), [], Segment.LOYAL, "regular"),
        (days_ago(52, 45, 38), [], Segment.AT_RISK, "overdue"),
        # Two orders the same day are one visit.
        (days_ago(80, 80, 20), [], Segment.OCCASIONAL, "few_orders"),
        # Every 200 days, the last 370 days ago: not overdue (400 days), not loyal.
        (days_ago(770, 570, 370), [], Segment.OCCASIONAL, "lapsed"),
        # Every 150 days, the last 370 days ago: overdue (300 days).
        (days_ago(670, 520, 370), [], Segment.AT_RISK, "overdue"),
        # Two bad experiences within 90 days, whatever the orders.
        (days_ago(80, 50, 20), days_ago(40, 5), Segment.AT_RISK, "troubles"),
        ([], days_ago(40, 5), Segment.AT_RISK, "troubles"),
        # One, or two of which one is older than 90 days: not yet.
        (days_ago(80, 50, 20), days_ago(5), Segment.LOYAL, "regular"),
        (days_ago(80, 50, 20), days_ago(95, 5), Segment.LOYAL, "regular"),
    ],
)
def test_segment_rules(orders, troubles, segment, reason):
    found = classify(History(orders=orders, troubles=troubles), NOW)
    assert (found.segment, found.reason) == (segment, reason)


def test_review_at_is_the_next_instant_time_alone_changes_the_segment():
    regular = classify(History(orders=days_ago(80, 50, 20)), NOW)
    # Overdue 60 days after the last order (interval 30 days): 40 days from now.
    assert regular.review_at == NOW + timedelta(days=40)
    assert classify(History(orders=days_ago(80, 50, 20)), regular.review_at).segment == "loyal"
    later = regular.review_at + timedelta(seconds=1)
    assert classify(History(orders=days_ago(80, 50, 20)), later).segment == "at_risk"
    troubled = classify(History(orders=[], troubles=days_ago(40, 5)), NOW)
    assert troubled.review_at == NOW + timedelta(days=50)  # the older one leaves the window
    assert classify(History(orders=[]), NOW).review_at is None


pytestmark_db = pytest.mark.django_db


def post_order(api, email: str, number: str, placed_at: datetime, status: str = "paid") -> dict:
    response = api.post(
        "/api/v1/orders",
        {
            "customer": {"email": email, "name": email.split("@")[0]},
            "number": number,
            "total": "49.90",
            "status": status,
            "placed_at": placed_at.isoformat(),
        },
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def orders_every(api, email: str, *days_before_now: int, now: datetime) -> int:
    customer_id = 0
    now = now.astimezone(UTC)  # whole days of 24 hours, also across the DST change
    for n, days in enumerate(days_before_now):
        posted = post_order(api, email, f"{email[:3]}-{n}", now - timedelta(days=days))
        customer_id = posted["customer_id"]
    return customer_id


@pytestmark_db
def test_orders_imported_through_the_api_set_the_segment_and_the_list_filters_on_it(
    api, moving_clock, write
):
    now = moving_clock.now
    loyal = orders_every(api, "anna@example.it", 70, 40, 10, now=now)
    occasional = orders_every(api, "bruno@example.it", 15, now=now)
    at_risk = orders_every(api, "carla@example.it", 150, 120, 90, now=now)
    # Pending and cancelled orders are no purchase: still new.
    post_order(api, "dario@example.it", "D-1", now - timedelta(days=3), status="pending")
    new = write(sender={"name": "Elena", "email": "elena@example.it"})["customer_id"]

    def segment(customer_id: int) -> str:
        response = api.get(f"/api/v1/customers/{customer_id}")
        assert response.status_code == 200
        return response.json()["segment"]

    assert segment(loyal) == "loyal"
    assert segment(occasional) == "occasional"
    assert segment(at_risk) == "at_risk"
    assert segment(new) == "new"

    listed = api.get("/api/v1/customers?segment=loyal").json()["items"]
    assert [c["id"] for c in listed] == [loyal]
    listed = api.get("/api/v1/customers?segment=new").json()["items"]
    assert {c["name"] for c in listed} == {"dario", "Elena"}
    assert api.get("/api/v1/customers?segment=vip").status_code == 422


@pytestmark_db
def test_the_nightly_review_finds_a_regular_buyer_overdue(api, moving_clock):
    """GIVEN a customer ordering every 30 days, the last order today
    WHEN 60 days pass without an order, then one more day
    THEN she is loyal until the review after day 60 makes her at risk; a new order makes
    her loyal again at once."""
    now = moving_clock.now
    customer_id = orders_every(api, "anna@example.it", 60, 30, 0, now=now)
    customer = Customer.objects.get(pk=customer_id)
    assert customer.segment == "loyal"
    assert customer.segment_review_at == now + timedelta(days=60)

    moving_clock.advance(timedelta(days=59))
    assert review_due_segments() == 0
    moving_clock.advance(timedelta(days=1, minutes=1))
    assert review_due_segments() == 1
    customer.refresh_from_db()
    assert customer.segment == "at_risk" and customer.segment_changed_at == moving_clock.now

    post_order(api, "anna@example.it", "ann-new", moving_clock.now)
    customer.refresh_from_db()
    assert customer.segment == "loyal"


@pytestmark_db
def test_two_breached_conversations_closed_make_a_customer_at_risk(
    api, write, moving_clock, django_capture_on_commit_callbacks
):
    """A customer whose first-reply target was missed twice in 90 days is at risk once
    the second conversation is closed."""
    sender = {"name": "Franca", "email": "franca@example.it"}
    customer_id = None
    for _ in range(2):
        created = write("Nessuno mi risponde", sender=sender)
        customer_id = created["customer_id"]
        moving_clock.advance(timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            escalate_due()
        with django_capture_on_commit_callbacks(execute=True):
            response = api.patch(
                f"/api/v1/conversations/{created['conversation_id']}", {"status": "resolved"}
            )
        assert response.status_code == 200, response.content
        assert Conversation.objects.get(pk=created["conversation_id"]).first_reply_sla == (
            "breached"
        )
        moving_clock.advance(timedelta(days=1))
    assert Customer.objects.get(pk=customer_id).segment == "at_risk"


@pytestmark_db
def test_a_policy_gives_at_risk_customers_a_thirty_minute_first_reply_target(
    api, admin_api, write, moving_clock
):
    """GIVEN a policy "Clienti a rischio": customers at risk get a first reply within 30
    business minutes (the default policy: 60)
    WHEN an at-risk customer and a new one write at 10:00 on a Wednesday
    THEN the at-risk one's reply is due at 10:30, the new one's at 11:00."""
    response = admin_api.post(
        "/api/v1/sla-policies",
        {
            "name": "Clienti a rischio",
            "conditions": {"segments": ["at_risk"]},
            "first_reply_minutes": 30,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["conditions"]["segments"] == ["at_risk"]
    now = moving_clock.set(2026, 12, 2, 10, 0)
    orders_every(api, "carla@example.it", 150, 120, 90, now=now)

    risky = write(sender={"name": "Carla", "email": "carla@example.it"})
    fresh = write(sender={"name": "Elena", "email": "elena@example.it"})
    due = {
        c.pk: c.first_reply_due_at
        for c in Conversation.objects.filter(
            pk__in=[risky["conversation_id"], fresh["conversation_id"]]
        )
    }
    assert due[risky["conversation_id"]] == now + timedelta(minutes=30)
    assert due[fresh["conversation_id"]] == now + timedelta(minutes=60)

    bad = admin_api.post(
        "/api/v1/sla-policies",
        {"name": "VIP", "conditions": {"segments": ["vip"]}, "first_reply_minutes": 10},
    )
    assert bad.status_code == 422


@pytestmark_db
def test_a_rule_on_the_segment_raises_at_risk_customers_to_urgent(
    api, admin_api, write, moving_clock
):
    response = admin_api.post(
        "/api/v1/rules",
        {
            "name": "A rischio: urgente",
            "event": "conversation_created",
            "conditions": {"all": [{"field": "segment", "operator": "is", "value": "at_risk"}]},
            "actions": [{"type": "set_priority", "priority": Priority.URGENT}],
        },
    )
    assert response.status_code == 201, response.content
    orders_every(api, "carla@example.it", 150, 120, 90, now=moving_clock.now)

    risky = write(sender={"name": "Carla", "email": "carla@example.it"})
    fresh = write(sender={"name": "Elena", "email": "elena@example.it"})
    assert Conversation.objects.get(pk=risky["conversation_id"]).priority == Priority.URGENT
    assert Conversation.objects.get(pk=fresh["conversation_id"]).priority == Priority.NORMAL

    bad = admin_api.post(
        "/api/v1/rules",
        {
            "name": "VIP",
            "event": "conversation_created",
            "conditions": {"all": [{"field": "segment", "operator": "is", "value": "vip"}]},
            "actions": [{"type": "set_priority", "priority": Priority.HIGH}],
        },
    )
    assert bad.status_code == 422
    assert "segment" in bad.content.decode()
