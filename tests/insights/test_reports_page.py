"""The Reports page and its CSV export: who may open them, what they show."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from sportello.accounts.models import Role
from sportello.customers.models import Customer, Segment
from tests.factories import AgentFactory, CustomerFactory
from tests.feedback.helpers import conversation, sent_survey
from tests.insights.conftest import rome, signed_in

pytestmark = pytest.mark.django_db

CUSTOM = {"range": "custom", "start": "2026-12-01", "end": "2026-12-02"}


@pytest.fixture
def figures(shop, write, answer, moving_clock):
    """Three conversations on 1 December (one answered by Giulia in 20 minutes), one at
    00:30 on the 2nd; a customer at risk; the clock on Wednesday 2 December."""
    a = write(shop.email, rome(2026, 12, 1, 10, 0))
    answer(a, shop.giulia, rome(2026, 12, 1, 10, 20))
    write(shop.chat, rome(2026, 12, 1, 11, 0))
    write(shop.email, rome(2026, 12, 1, 23, 30))
    write(shop.chat, rome(2026, 12, 2, 0, 30))
    CustomerFactory(workspace=shop.workspace, name="Lucia Rischio", segment=Segment.AT_RISK)
    moving_clock.now = rome(2026, 12, 2, 18, 0)


def test_an_agent_is_refused_the_reports(shop):
    client = signed_in(AgentFactory(workspace=shop.workspace, role=Role.AGENT))

    page = client.get(reverse("web:reports"))
    export = client.get(reverse("web:reports_export"))

    assert page.status_code == export.status_code == 403
    assert b"reports/export.csv" not in page.content
    assert b"<svg viewBox" not in page.content


def test_the_nav_shows_reports_to_supervisors_only(shop, figures):
    agent_page = signed_in(shop.giulia).get(reverse("web:inbox")).content.decode()
    supervisor_page = signed_in(shop.supervisor).get(reverse("web:inbox")).content.decode()

    assert reverse("web:reports") not in agent_page
    assert reverse("web:reports") in supervisor_page


def test_a_supervisor_sees_the_periods_figures_in_italian(
    shop, figures, django_assert_max_num_queries
):
    client = signed_in(shop.supervisor)

    with django_assert_max_num_queries(32):
        page = client.get(reverse("web:reports"), CUSTOM)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'role="img"' in html
    # Days in Rome: the conversation at 00:30 on the 2nd is on the 2nd.
    assert "mer 2 dic 2026: 1 conversazione" in html
    assert "mar 1 dic 2026: 3 conversazioni" in html
    assert "20 min" in html  # Giulia's first reply
    assert "Giulia Bianchi" in html
    assert "Lucia Rischio" in html
    lucia = Customer.objects.get(name="Lucia Rischio")
    assert reverse("web:customer", args=[lucia.pk]) in html


def test_italian_numbers_use_a_decimal_comma(shop, figures, write, answer):
    for hour in (12, 13):  # answered three hours later: 1 target met of 3, 33,3%
        late = write(shop.email, rome(2026, 12, 1, hour, 0))
        answer(late, shop.marco, rome(2026, 12, 1, hour + 3, 0))
    client = signed_in(shop.supervisor)

    html = client.get(reverse("web:reports"), CUSTOM).content.decode()

    assert "33,3%" in html
    assert "33.3%" not in html


def test_english_for_an_english_speaking_supervisor(shop, figures):
    shop.supervisor.language = "en"
    shop.supervisor.save()

    html = signed_in(shop.supervisor).get(reverse("web:reports"), CUSTOM).content.decode()

    assert "Wed 2 Dec 2026: 1 conversation" in html
    assert "Conversations opened" in html


def test_an_empty_period_says_so_without_a_chart(shop, figures):
    client = signed_in(shop.supervisor)

    page = client.get(
        reverse("web:reports"), {"range": "custom", "start": "2026-11-01", "end": "2026-11-07"}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg viewBox" not in html
    assert "In questo periodo non si è aperta nessuna conversazione" in html


def test_the_last_seven_days_end_today(shop, figures):
    html = signed_in(shop.supervisor).get(reverse("web:reports"), {"range": "7"}).content.decode()

    assert "Dal gio 26 nov 2026 al mer 2 dic 2026" in html


@pytest.mark.parametrize(
    "params",
    [
        {"range": "custom", "start": "2026-12-02", "end": "2026-12-01"},
        {"range": "custom", "start": "2026-12-02"},
        {"range": "custom", "start": "2024-01-01", "end": "2026-12-01"},
        {"range": "365"},
        {"channel": "999999"},
    ],
)
def test_a_bad_period_or_channel_is_refused_with_the_form(shop, params):
    page = signed_in(shop.supervisor).get(reverse("web:reports"), params)

    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.content.decode() or "field-error" in page.content.decode()


def test_another_workspaces_channel_is_not_a_choice(shop, figures):
    other = AgentFactory(role=Role.SUPERVISOR)

    page = signed_in(other).get(reverse("web:reports"), {"channel": str(shop.email.pk)})

    assert page.status_code == 422
    assert "Lucia Rischio" not in page.content.decode()


def test_another_workspaces_supervisor_sees_none_of_its_figures(shop, figures):
    other = AgentFactory(role=Role.SUPERVISOR)

    html = signed_in(other).get(reverse("web:reports"), CUSTOM).content.decode()

    assert "Giulia Bianchi" not in html and "Lucia Rischio" not in html
    assert "<svg viewBox" not in html


def test_the_csv_has_a_row_per_day_in_the_agents_spreadsheet_dialect(shop, figures):
    client = signed_in(shop.supervisor)

    response = client.get(reverse("web:reports_export"), CUSTOM)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == [
        "Giorno",
        "Conversazioni aperte",
        "Messaggi ricevuti dai clienti",
        "Contatti ripetuti",
    ]
    assert rows[1][:4] == ["2026-12-01", "3", "3", "0"]
    assert rows[2][:4] == ["2026-12-02", "1", "1", "0"]
    by_channel = dict(zip(rows[0][4:], rows[1][4:], strict=True))
    assert by_channel == {"Aperte su Email": "2", "Aperte su Chat": "1"}


def test_the_csv_is_comma_separated_in_english(shop, figures):
    shop.supervisor.language = "en"
    shop.supervisor.save()

    text = (
        signed_in(shop.supervisor)
        .get(reverse("web:reports_export"), CUSTOM)
        .content.decode("utf-8-sig")
    )

    assert text.splitlines()[0].startswith("Day,Conversations opened,")


def test_the_csv_refuses_a_bad_period(shop):
    response = signed_in(shop.supervisor).get(
        reverse("web:reports_export"), {"range": "custom", "start": "2026-12-02"}
    )

    assert response.status_code == 422


def test_signed_out_visitors_go_to_the_login(db):
    assert Client().get(reverse("web:reports")).status_code == 302


def test_dates_typed_without_choosing_custom_are_the_period(shop, figures):
    params = {"range": "30", "start": "2026-12-01", "end": "2026-12-01"}

    html = signed_in(shop.supervisor).get(reverse("web:reports"), params).content.decode()

    assert "Dal mar 1 dic 2026 al mar 1 dic 2026" in html


def test_a_preset_shows_its_dates_in_the_boxes(shop, figures):
    html = signed_in(shop.supervisor).get(reverse("web:reports"), {"range": "7"}).content.decode()

    assert 'value="2026-11-26"' in html and 'value="2026-12-02"' in html


def test_the_tiles_compare_with_the_days_before(
    shop, figures, write, answer, django_assert_max_num_queries
):
    """GIVEN two conversations on 29-30 November (one answered) and four on 1-2 December."""
    answer(write(shop.email, rome(2026, 11, 29, 10, 0)), shop.giulia, rome(2026, 11, 30, 9, 0))
    write(shop.email, rome(2026, 11, 30, 10, 0))
    client = signed_in(shop.supervisor)

    with django_assert_max_num_queries(32):
        html = client.get(reverse("web:reports"), CUSTOM).content.decode()

    assert "+100% rispetto ai 2 giorni precedenti" in html


def test_the_satisfaction_section_shows_csat_and_nps_of_the_period(shop, figures):
    """Four CSAT surveys sent on 1 December: three answered, two rating 4 or 5 (67%);
    one on chat. Three NPS answers: a promoter, a passive, a detractor (0)."""
    for channel, score, agent in [
        (shop.email, 5, shop.giulia),
        (shop.email, 2, shop.marco),
        (shop.chat, 4, shop.giulia),
        (shop.email, None, shop.giulia),
    ]:
        sent_survey(
            conversation(channel), sent_at=rome(2026, 12, 1, 12, 0), score=score, agent_id=agent.pk
        )
    for score in (10, 8, 3):
        sent_survey(conversation(shop.email), kind="nps", sent_at=rome(2026, 12, 2, 9), score=score)
    client = signed_in(shop.supervisor)

    html = client.get(reverse("web:reports"), CUSTOM).content.decode()

    assert "Soddisfazione dei clienti" in html
    assert "66,7%" in html  # CSAT: 2 of 3
    assert "75%" in html  # 3 answers of 4 surveys
    assert "Promotori 1 · passivi 1 · detrattori 1" in html
    assert "CSAT per agente" in html and "Marco Ferri" in html
    assert "mar 1 dic 2026: 66,7%" in html  # the chart's point

    chat = client.get(reverse("web:reports"), {**CUSTOM, "channel": str(shop.chat.pk)})
    html = chat.content.decode()
    assert "1 su 1 con voto 4 o 5" in html  # the chat's survey only
    assert "l&#39;NPS riguarda l&#39;attività" in html or "l'NPS riguarda l'attività" in html


def test_no_survey_in_the_period_says_so_and_points_admins_to_the_settings(shop, figures):
    supervisor = signed_in(shop.supervisor).get(reverse("web:reports"), CUSTOM).content.decode()
    admin = signed_in(AgentFactory(workspace=shop.workspace, role=Role.ADMIN))

    assert "non è stato inviato nessun sondaggio" in supervisor
    assert reverse("web:settings_feedback") not in supervisor
    assert (
        reverse("web:settings_feedback")
        in admin.get(reverse("web:reports"), CUSTOM).content.decode()
    )
