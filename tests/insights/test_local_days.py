"""``core.local_days``: the local day of a stored instant, in SQL, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.db.models.functions import TruncDate

from sportello.conversations.models import Conversation
from sportello.core.local_days import LocalDate, offsets_between
from tests.factories import ChannelFactory, CustomerFactory, WorkspaceFactory

ROME = ZoneInfo("Europe/Rome")


def test_the_offsets_of_rome_across_the_end_of_summer_time():
    found = offsets_between(
        ROME, datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    )

    assert found == [(None, 120), (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 60)]


def test_a_period_without_a_change_has_one_offset():
    assert offsets_between(
        ROME, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    ) == [(None, 60)]


@pytest.mark.django_db
def test_local_dates_agree_with_djangos_around_midnight_and_dst():
    workspace = WorkspaceFactory()
    channel = ChannelFactory(workspace=workspace)
    customer = CustomerFactory(workspace=workspace)
    instants = [
        datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 23:59 summer time, the 24th
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 00:00, the 25th
        datetime(2026, 10, 25, 0, 59, 59, tzinfo=UTC),  # 02:59:59 summer time
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),  # 02:00 winter time
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 23:59, the 25th
        datetime(2026, 10, 25, 23, 0, 0, 500000, tzinfo=UTC),  # 00:00:00.5, the 26th
    ]
    for n, at in enumerate(instants, start=1):
        Conversation.objects.create(
            workspace=workspace, number=n, customer=customer, channel=channel,
            last_message_at=at, created_at=at,
        )  # fmt: skip
    since, until = datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)

    rows = Conversation.objects.filter(workspace=workspace).order_by("number")
    ours = list(
        rows.annotate(day=LocalDate(F("created_at"), ROME, since, until)).values_list(
            "day", flat=True
        )
    )
    djangos = list(
        rows.annotate(day=TruncDate("created_at", tzinfo=ROME)).values_list("day", flat=True)
    )

    assert ours == djangos == [
        date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 25),
        date(2026, 10, 25), date(2026, 10, 25), date(2026, 10, 26),
    ]  # fmt: skip
