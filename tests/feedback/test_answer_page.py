"""The public answer page: what a customer, a mistyped link, an old link or another shop's
link get. Never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.conversations.models import Message
from sportello.feedback.models import Survey
from tests.factories import WorkspaceFactory
from tests.feedback.helpers import conversation, sent_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(workspace, api_channel, moving_clock):
    found, token = sent_survey(conversation(api_channel), sent_at=moving_clock.now)
    return found, token, f"/feedback/{workspace.slug}/{token}/"


def test_unknown_malformed_or_foreign_links_get_a_clear_404(client, workspace, survey):
    _, token, _url = survey
    other = WorkspaceFactory()
    for address in (
        f"/feedback/{workspace.slug}/{'A' * 32}/",  # well formed, names nothing
        f"/feedback/{workspace.slug}/abc/",  # too short
        f"/feedback/{workspace.slug}/{token[:-1]}%00/",
        f"/feedback/{other.slug}/{token}/",  # the right token under another shop
        f"/feedback/nessun-negozio/{token}/",
    ):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "Questo link non è valido" in response.content.decode()
    english = client.get(f"/feedback/{other.slug}/{token}/?lang=en")
    assert english.status_code == 404 and "This link is not valid" in english.content.decode()
    assert client.post(f"/feedback/{other.slug}/{token}/", {"score": "5"}).status_code == 404
    assert Survey.objects.get(pk=survey[0].pk).score is None


def test_a_link_never_answered_expires_after_30_days(client, survey, moving_clock):
    found, _, url = survey
    moving_clock.advance(timedelta(days=30, minutes=1))
    page = client.get(url)
    assert page.status_code == 410
    assert "Questo sondaggio è scaduto" in page.content.decode()
    assert client.post(url, {"score": "5"}).status_code == 410
    found.refresh_from_db()
    assert found.score is None


def test_an_answer_may_be_changed_for_seven_days_then_the_link_thanks(
    client, survey, moving_clock, django_capture_on_commit_callbacks
):
    found, _, url = survey
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"score": "2", "comment": "Lenti"}).status_code == 302
    moving_clock.advance(timedelta(days=2))
    again = client.get(url).content.decode()
    assert 'value="2" checked' in again and "Lenti" in again
    assert "Puoi cambiare la risposta fino al" in again
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"score": "4", "comment": "Poi hanno risolto"}).status_code == 302
    found.refresh_from_db()
    assert (found.score, found.comment) == (4, "Poi hanno risolto")
    assert (
        Message.objects.filter(
            conversation_id=found.conversation_id, event="survey_answered"
        ).count()
        == 2
    )

    moving_clock.advance(timedelta(days=6))
    late = client.post(url, {"score": "1"})
    assert late.status_code == 200 and "Grazie per la tua risposta" in late.content.decode()
    found.refresh_from_db()
    assert found.score == 4


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"score": ""},
        {"score": "6"},
        {"score": "0"},
        {"score": "-1"},
        {"score": "4.5"},
        {"score": "cinque"},
        {"score": "9" * 400},
        {"score": "3", "comment": "x" * 2001},
    ],
)
def test_bad_answers_get_the_form_again_with_a_400(client, survey, data):
    found, _, url = survey
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    found.refresh_from_db()
    assert found.score is None


def test_a_score_in_the_link_outside_the_scale_chooses_nothing(client, survey):
    _, _, url = survey
    for score in ("9", "x", "", "3" * 50):
        page = client.get(f"{url}?score={score}")
        assert page.status_code == 200 and "checked" not in page.content.decode()


def test_control_characters_in_the_comment_are_dropped(
    client, survey, django_capture_on_commit_callbacks
):
    found, _, url = survey
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"score": "5", "comment": "Bravi\x00\x07 davvero "})
    found.refresh_from_db()
    assert found.comment == "Bravi davvero"


def test_the_page_is_not_indexed_nor_cached(client, survey):
    _, _, url = survey
    page = client.get(url)
    assert page["X-Robots-Tag"] == "noindex"
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "no-referrer"


def test_nps_page_offers_0_to_10(client, workspace, api_channel, moving_clock):
    found, token = sent_survey(conversation(api_channel), kind="nps", sent_at=moving_clock.now)
    url = f"/feedback/{workspace.slug}/{token}/?lang=en"
    page = client.get(url).content.decode()
    assert 'value="0"' in page and 'value="10"' in page
    assert "How likely are you to recommend us" in page
    assert client.post(url, {"score": "11"}).status_code == 400
    assert client.post(url, {"score": "0"}).status_code == 302
    found.refresh_from_db()
    assert found.score == 0


def test_a_browser_without_cookies_may_answer(survey, django_capture_on_commit_callbacks):
    from django.test import Client

    found, _, url = survey
    strict = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert strict.post(url, {"score": "3"}).status_code == 302
    found.refresh_from_db()
    assert found.score == 3
