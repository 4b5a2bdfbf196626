"""SLA clocks as customers and agents move them: through the API, on a moving clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.conversations.models import Conversation
from sportello.core.events import subscribe, unsubscribe
from sportello.sla.actions import escalate_due
from sportello.sla.events import SlaBreached, SlaWarning

pytestmark = pytest.mark.django_db


def detail(api, conversation_id: int) -> dict:
    response = api.get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200
    return response.json()


def test_christmas_eve_at_1745_is_due_monday_28_at_0945_warned_then_breached(
    api, write, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN the default policy (first reply within one business hour, Mon-Fri 09-18 Rome)
    WHEN a customer writes at 17:45 on Thursday 24 December 2026
    THEN the first reply is due at 09:45 on Monday 28 December; the scanner warns at 09:30
    (15 minutes before) and records the breach at 09:45, on the timeline and as events."""
    moving_clock.set(2026, 12, 24, 17, 45)
    created = write(sent_at=moving_clock.now.isoformat())
    body = detail(api, created["conversation_id"])
    assert body["first_reply_due_at"] == "2026-12-28T08:45:00Z"
    assert body["first_reply_sla"] == "running"
    assert body["next_reply_due_at"] is None and body["resolution_due_at"] is None

    seen: list = []
    subscribe(SlaWarning, seen.append)
    subscribe(SlaBreached, seen.append)
    try:
        for moment, expected in [
            ((2026, 12, 25, 10, 0), (0, 0)),  # Christmas: closed, nothing counts
            ((2026, 12, 28, 9, 29), (0, 0)),
            ((2026, 12, 28, 9, 30), (1, 0)),
            ((2026, 12, 28, 9, 31), (0, 0)),  # warned once
            ((2026, 12, 28, 9, 45), (0, 1)),
            ((2026, 12, 28, 10, 0), (0, 0)),  # breached once
        ]:
            moving_clock.set(*moment)
            with django_capture_on_commit_callbacks(execute=True):
                assert escalate_due() == expected, moment
    finally:
        unsubscribe(SlaWarning, seen.append)
        unsubscribe(SlaBreached, seen.append)

    assert [type(e) for e in seen] == [SlaWarning, SlaBreached]
    assert seen[1].target == "first_reply" and seen[1].conversation_id == created["conversation_id"]
    body = detail(api, created["conversation_id"])
    assert body["first_reply_sla"] == "breached"
    events = [
        (m["event"], m["data"].get("target")) for m in body["messages"] if m["kind"] == "event"
    ]
    assert ("sla_warning", "first_reply") in events and ("sla_breached", "first_reply") in events


def test_a_reply_in_time_meets_the_first_reply_target(
    api, write, moving_clock, django_capture_on_commit_callbacks
):
    created = write()
    moving_clock.advance(timedelta(minutes=40))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/conversations/{created['conversation_id']}/reply", {"text": "Eccomi"}
        )
    assert response.status_code == 201
    body = detail(api, created["conversation_id"])
    assert body["first_reply_sla"] == "met"
    moving_clock.advance(timedelta(hours=3))
    assert escalate_due() == (0, 0)


def test_a_late_reply_breaches_and_the_scanner_does_not_breach_again(
    api, agent, write, moving_clock, django_capture_on_commit_callbacks
):
    from sportello.conversations.actions import reply

    created = write()
    moving_clock.advance(timedelta(hours=2))
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    with django_capture_on_commit_callbacks(execute=True):
        reply(conversation, agent, "Scusi il ritardo")
    assert detail(api, conversation.pk)["first_reply_sla"] == "breached"
    assert escalate_due() == (0, 0)


def test_the_clock_starts_when_the_customer_sent_the_message_never_after_arrival(
    api, write, moving_clock
):
    moving_clock.set(2026, 12, 2, 12, 0)
    early = write(sent_at="2026-12-02T10:30:00+01:00", external_id="early")
    assert detail(api, early["conversation_id"])["first_reply_due_at"] == "2026-12-02T10:30:00Z"
    late = write(
        sent_at="2026-12-02T12:00:30+01:00",
        external_id="late",
        sender={"email": "altro@example.it"},
    )
    assert detail(api, late["conversation_id"])["first_reply_due_at"] == "2026-12-02T12:00:00Z"


def test_pending_pauses_the_clock_and_the_customers_answer_resumes_it(
    api, agent, write, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN a conversation opened Wednesday 10:00 (first reply due 11:00)
    WHEN an agent sets it pending at 10:30 and the customer answers Thursday at 10:00
    THEN the 30 minutes left count from Thursday 10:00: due 10:30, and the scanner left
    it alone while it was pending."""
    created = write()
    moving_clock.advance(timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/v1/conversations/{created['conversation_id']}", {"status": "pending"}
        )
    assert response.status_code == 200
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    assert conversation.sla_paused_at is not None and conversation.sla_check_at is None
    moving_clock.set(2026, 12, 3, 9, 59)
    assert escalate_due() == (0, 0)
    moving_clock.set(2026, 12, 3, 10, 0)
    write("Ecco il numero d'ordine: 1042")
    body = detail(api, created["conversation_id"])
    assert body["status"] == "open"
    assert body["first_reply_due_at"] == "2026-12-03T09:30:00Z"
    assert body["first_reply_sla"] == "running"


def test_an_agent_leaving_pending_resumes_the_clock(
    api, write, moving_clock, django_capture_on_commit_callbacks
):
    created = write()
    path = f"/api/v1/conversations/{created['conversation_id']}"
    moving_clock.advance(timedelta(minutes=45))
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(path, {"status": "pending"})
    moving_clock.set(2026, 12, 4, 17, 0)  # Friday
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(path, {"status": "open"})
    # 15 minutes were left: Friday 17:15 Rome.
    assert detail(api, created["conversation_id"])["first_reply_due_at"] == "2026-12-04T16:15:00Z"


def test_a_policy_with_conditions_sets_next_reply_and_resolution_in_calendar_time(
    api, admin_api, agent, write, moving_clock, api_channel, django_capture_on_commit_callbacks
):
    from sportello.conversations.actions import reply

    response = admin_api.post(
        "/api/v1/sla-policies",
        {
            "name": "API 24/7",
            "conditions": {"channels": [api_channel.pk]},
            "first_reply_minutes": 30,
            "first_reply_business": False,
            "next_reply_minutes": 120,
            "next_reply_business": False,
            "resolution_minutes": 24 * 60,
            "resolution_business": False,
        },
    )
    assert response.status_code == 201, response.content
    moving_clock.set(2026, 12, 5, 23, 0)  # Saturday night: calendar time counts
    created = write()
    body = detail(api, created["conversation_id"])
    assert body["first_reply_due_at"] == "2026-12-05T22:30:00Z"
    assert body["resolution_due_at"] == "2026-12-06T22:00:00Z"
    moving_clock.advance(timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        reply(Conversation.objects.get(pk=created["conversation_id"]), agent, "Ci pensiamo noi")
    moving_clock.advance(timedelta(minutes=10))
    write("Grazie, e la fattura?")
    body = detail(api, created["conversation_id"])
    assert body["first_reply_sla"] == "met"
    assert body["next_reply_due_at"] == "2026-12-06T00:20:00Z"
    assert body["next_reply_sla"] == "running"
    moving_clock.advance(timedelta(hours=3))
    assert escalate_due() == (0, 1)
    assert detail(api, created["conversation_id"])["next_reply_sla"] == "breached"

    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/conversations/{created['conversation_id']}", {"status": "resolved"})
    body = detail(api, created["conversation_id"])
    assert body["resolution_sla"] == "met"
    assert Conversation.objects.get(pk=created["conversation_id"]).sla_check_at is None


def test_the_scanner_reads_only_the_conversations_due(
    write, moving_clock, django_assert_max_num_queries
):
    for n in range(3):
        write(sender={"email": f"cliente{n}@example.it"})
    moving_clock.advance(timedelta(minutes=10))
    # The index range, and the batch's transaction (a savepoint and its release here).
    with django_assert_max_num_queries(3):
        assert escalate_due() == (0, 0)


def test_the_periodic_job_runs_the_scan(api, write, moving_clock):
    from sportello.sla.jobs import escalate_breaches

    created = write()
    moving_clock.advance(timedelta(hours=2))
    escalate_breaches.call_local()
    assert detail(api, created["conversation_id"])["first_reply_sla"] == "breached"


def test_a_decision_on_clocks_that_moved_meanwhile_is_not_written(write, moving_clock):
    """A breach decided on a running clock is dropped if a reply met it in between."""
    from sportello.conversations.actions import SlaChange, update_sla_many
    from sportello.conversations.models import Kind, Message

    first = Conversation.objects.get(pk=write()["conversation_id"])
    second = Conversation.objects.get(
        pk=write(sender={"email": "altro@example.it"})["conversation_id"]
    )
    Conversation.objects.filter(pk=first.pk).update(first_reply_sla="met")  # the reply
    breach = ("sla_breached", {"target": "first_reply", "due_at": "2026-12-02T10:00:00+00:00"})
    written = update_sla_many(
        [
            SlaChange(
                c,
                {"first_reply_sla": "breached", "sla_check_at": None},
                {"first_reply_sla": "running", "sla_check_at": c.sla_check_at},
                [breach],
            )
            for c in (first, second)
        ]
    )
    assert written == [False, True]
    assert Conversation.objects.get(pk=first.pk).first_reply_sla == "met"
    assert Conversation.objects.get(pk=second.pk).first_reply_sla == "breached"
    events = Message.objects.filter(kind=Kind.EVENT, event="sla_breached")
    assert [m.conversation_id for m in events] == [second.pk]


def test_raising_the_priority_to_urgent_applies_the_urgent_policy(
    api, admin_api, write, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN an "Urgenti" policy (priority urgent: first reply within 15 minutes)
    WHEN a conversation opened at 10:00 under the default policy is made urgent at 10:05
    THEN its first reply is due at 10:15, counted from its opening."""
    response = admin_api.post(
        "/api/v1/sla-policies",
        {"name": "Urgenti", "conditions": {"priorities": [3]}, "first_reply_minutes": 15},
    )
    assert response.status_code == 201, response.content
    created = write()
    path = f"/api/v1/conversations/{created['conversation_id']}"
    assert detail(api, created["conversation_id"])["first_reply_due_at"] == "2026-12-02T10:00:00Z"
    moving_clock.advance(timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.patch(path, {"priority": 3}).status_code == 200
    body = detail(api, created["conversation_id"])
    assert body["first_reply_due_at"] == "2026-12-02T09:15:00Z"
    assert body["first_reply_sla"] == "running"
    moving_clock.advance(timedelta(minutes=6))
    assert escalate_due() == (1, 0)  # 10:11: within the urgent policy's 15-minute warning
