"""The report's figures on a small shop whose answers are known."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sportello.conversations.actions import reply
from sportello.conversations.actions.outgoing import open_outgoing
from sportello.customers.models import Segment
from sportello.insights import queries
from sportello.insights.queries import Period
from tests.factories import AgentFactory, ChannelFactory, CustomerFactory, WorkspaceFactory
from tests.insights.conftest import rome

pytestmark = pytest.mark.django_db

DEC_1, DEC_2 = date(2026, 12, 1), date(2026, 12, 2)


@pytest.fixture
def week(shop, write, answer, resolve):
    """GIVEN on Tuesday 1 December (Rome): a conversation by email at 10:00 answered by
    Giulia at 10:20 (first reply target of one business hour met) and resolved at 12:00,
    its customer writing again at 10:10; one by chat at 11:00 answered by Marco at 14:00
    (breached); one by email at 23:30; and on Wednesday at 00:30 (still Tuesday in UTC)
    one by chat, unanswered."""
    a = write(shop.email, rome(2026, 12, 1, 10, 0), email="anna@example.it")
    write(
        shop.email,
        rome(2026, 12, 1, 10, 10),
        "Aggiungo il numero d'ordine",
        email="anna@example.it",
    )
    answer(a, shop.giulia, rome(2026, 12, 1, 10, 20))
    resolve(a, shop.giulia, rome(2026, 12, 1, 12, 0))
    b = write(shop.chat, rome(2026, 12, 1, 11, 0))
    answer(b, shop.marco, rome(2026, 12, 1, 14, 0))
    late = write(shop.email, rome(2026, 12, 1, 23, 30))
    night = write(shop.chat, rome(2026, 12, 2, 0, 30))
    return {"a": a, "b": b, "late": late, "night": night}


def period(shop, first=DEC_1, last=DEC_2, channel=None) -> Period:
    return Period.of_days(shop.workspace.pk, first, last, "Europe/Rome", channel)


def test_conversations_and_messages_are_counted_on_the_workspaces_days(shop, week):
    found = queries.volume(period(shop))

    assert [(d.day, d.opened, d.received) for d in found.days] == [(DEC_1, 3, 4), (DEC_2, 1, 1)]
    assert (found.opened, found.received) == (4, 5)
    assert found.days[0].by_channel == {shop.email.pk: 2, shop.chat.pk: 1}
    assert found.days[1].by_channel == {shop.chat.pk: 1}
    # Busiest first, then by name.
    assert found.channels == [(shop.chat.pk, "Chat"), (shop.email.pk, "Email")]


def test_a_conversation_at_half_past_midnight_rome_is_on_the_rome_day(shop, week):
    """00:30 in Rome on 2 December is 23:30 on the 1st in UTC: the report says the 2nd."""
    only_dec_2 = queries.volume(period(shop, DEC_2, DEC_2))

    assert [(d.day, d.opened) for d in only_dec_2.days] == [(DEC_2, 1)]
    assert only_dec_2.days[0].by_channel == {shop.chat.pk: 1}


def test_first_reply_resolution_and_targets(shop, week):
    found = queries.responsiveness(period(shop))

    assert found.opened == 4
    # 20 minutes and 3 hours: the nearest-rank median is the first, the 90th the second.
    assert found.first_reply == queries.Timing(2, 1200.0, 10800.0)
    assert (found.target_met, found.target_breached, found.target_running) == (1, 1, 2)
    assert found.share_met == 0.5
    assert found.resolution == queries.Timing(1, 7200.0, 7200.0)
    assert found.first_reply_by_day == {DEC_1: 1200.0}


def test_the_channel_filter_narrows_every_figure(shop, week):
    chat = period(shop, channel=shop.chat.pk)

    assert queries.volume(chat).opened == 2
    assert queries.volume(chat).received == 2
    found = queries.responsiveness(chat)
    assert (found.opened, found.first_reply.count, found.target_breached) == (2, 1, 1)
    assert queries.repeats(chat).new_conversations == 2
    assert [a.name for a in queries.agents(chat)] == ["Marco Ferri"]


def test_per_agent_replies_and_median_first_reply(shop, week, answer):
    answer(week["a"], shop.giulia, rome(2026, 12, 1, 12, 30))  # a second reply, after resolving

    rows = queries.agents(period(shop))

    assert [(r.name, r.conversations, r.replies, r.median_first_reply) for r in rows] == [
        ("Giulia Bianchi", 1, 2, 1200.0),
        ("Marco Ferri", 1, 1, 10800.0),
    ]


def test_a_conversation_the_business_opened_has_no_first_reply_time(shop, week, moving_clock):
    """The agent's first message of a conversation they started is no reply to anyone."""
    moving_clock.now = rome(2026, 12, 2, 9, 0)
    customer = CustomerFactory(workspace=shop.workspace)
    started = open_outgoing(
        channel=shop.email,
        customer=customer,
        agent=shop.giulia,
        subject="Il suo reso",
        to="x@example.it",
    )
    moving_clock.now = rome(2026, 12, 2, 9, 1)
    reply(started, shop.giulia, "Le scriviamo per il reso")

    found = queries.responsiveness(period(shop))

    assert found.opened == 5
    assert found.first_reply.count == 2


def test_an_empty_period_has_zeroes_and_no_times(shop, week):
    quiet = period(shop, date(2026, 11, 1), date(2026, 11, 7))

    volume = queries.volume(quiet)
    assert volume.is_empty and len(volume.days) == 7
    assert all(d.opened == d.received == 0 for d in volume.days)
    found = queries.responsiveness(quiet)
    assert found.opened == 0
    assert found.first_reply == found.resolution == queries.Timing(0, None, None)
    assert found.share_met is None
    assert queries.agents(quiet) == []
    assert queries.repeats(quiet).rate == 0


def test_another_workspaces_conversations_are_not_counted(shop, week, write):
    other = WorkspaceFactory(time_zone="Europe/Rome")
    write(ChannelFactory(workspace=other), rome(2026, 12, 1, 15, 0))

    assert queries.volume(period(shop)).opened == 4
    assert queries.volume(Period.of_days(other.pk, DEC_1, DEC_2, "Europe/Rome")).opened == 1


def test_segments_count_customers_and_list_those_at_risk(shop):
    for segment, how_many in ((Segment.LOYAL, 3), (Segment.OCCASIONAL, 2), (Segment.AT_RISK, 2)):
        for _ in range(how_many):
            CustomerFactory(workspace=shop.workspace, segment=segment)
    CustomerFactory(workspace=shop.workspace, segment=Segment.AT_RISK, erased_at=rome(2026, 1, 1))
    CustomerFactory(workspace=WorkspaceFactory(), segment=Segment.AT_RISK)

    found = queries.segments(shop.workspace.pk, listed=1)

    assert found.counts == {"new": 0, "occasional": 2, "loyal": 3, "at_risk": 2}
    assert len(found.at_risk) == 1


def test_percentiles_by_group_pick_the_nearest_rank(shop, week):
    from django.db.models import F

    rows = queries.opened(period(shop))
    found = queries.percentiles(
        rows, queries.Seconds(F("last_message_at"), F("created_at")), (50, 90), group="channel_id"
    )

    assert {key: ranked.count for key, ranked in found.items()} == {
        shop.email.pk: 2,
        shop.chat.pk: 2,
    }
    assert all(set(ranked.values) == {50, 90} for ranked in found.values())


def test_percentiles_of_ten_values_are_the_fifth_and_the_ninth(shop, write):
    """GIVEN ten conversations whose last message came 1..10 minutes after they opened."""
    from django.db.models import F

    from sportello.conversations.models import Conversation

    for minutes in range(1, 11):
        c = write(shop.email, rome(2026, 12, 1, 10, minutes))
        Conversation.objects.filter(pk=c.pk).update(
            last_message_at=rome(2026, 12, 1, 10, minutes) + timedelta(minutes=minutes)
        )

    found = queries.percentiles(
        queries.opened(period(shop)),
        queries.Seconds(F("last_message_at"), F("created_at")),
        (50, 90, 100),
    )

    assert found[None].count == 10
    assert found[None].values == {50: 300.0, 90: 540.0, 100: 600.0}


def test_the_days_of_a_period_follow_the_zone_across_a_dst_change():
    """The night summer time ends in Rome (25 October 2026) has 25 hours; the period is
    still three days."""
    found = Period.of_days(1, date(2026, 10, 24), date(2026, 10, 26), "Europe/Rome")

    assert found.days == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    assert (found.until - found.since).total_seconds() == 3 * 86400 + 3600


def test_agents_of_another_workspace_are_never_named(shop, week):
    AgentFactory(display_name="Estraneo")

    assert "Estraneo" not in [r.name for r in queries.agents(period(shop))]


def test_the_previous_period_is_as_many_days_just_before(shop):
    found = period(shop, DEC_1, DEC_2).previous()

    assert found.days == [date(2026, 11, 29), date(2026, 11, 30)]
    assert found.until == period(shop).since


def test_totals_of_the_previous_days(shop, week):
    assert queries.totals(period(shop)) == queries.Totals(opened=4, received=5)
    assert queries.totals(period(shop).previous()) == queries.Totals(opened=0, received=0)
