"""A customer answers a satisfaction survey on a phone and a desktop, and an admin sees the
answer and the surveys' settings, in a real browser, in Italian and English. Screenshots
are written to /tmp (``sportello-feedback-*.png``) for a person to look at."""

from __future__ import annotations

import pytest

from sportello.accounts.models import Role
from sportello.core import clock
from sportello.feedback.actions import update_feedback_settings
from sportello.feedback.models import DEFAULT_CSAT_QUESTIONS, Survey
from tests.e2e.test_agent_flow import SCREENSHOTS, sign_in
from tests.factories import AgentFactory
from tests.feedback.helpers import conversation, sent_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ((1366, 800, "desktop"), (360, 740, "phone"))
WORDS = {
    "it": {"send": "Invia", "thanks": "Grazie per la tua risposta!", "login": "Accedi"},
    "en": {"send": "Send", "thanks": "Thank you for your answer!", "login": "Sign in"},
}


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_customer_rates_from_the_link_and_the_agent_sees_it(
    chromium, live_server, workspace, api_channel, language
):
    words = WORDS[language]
    update_feedback_settings(
        workspace.pk,
        csat_enabled=True,
        csat_delay_minutes=60,
        csat_days_between=7,
        csat_question_it=DEFAULT_CSAT_QUESTIONS["it"],
        csat_question_en=DEFAULT_CSAT_QUESTIONS["en"],
        nps_enabled=True,
        nps_recent_days=30,
    )
    for width, height, device in SIZES:
        on = conversation(api_channel)
        survey, token = sent_survey(on, sent_at=clock.now())
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{live_server.url}/feedback/{workspace.slug}/{token}/?score=4&lang={language}")
        assert page.locator("input[name=score][value='4']").is_checked()
        page.screenshot(
            path=SCREENSHOTS.format(name=f"feedback-form-{language}-{device}"), full_page=True
        )
        page.locator("label.choice", has_text="5").click()
        page.locator("textarea#comment").fill(
            "Gentilissimi, risolto in un attimo" if language == "it" else "Quick and kind"
        )
        page.get_by_role("button", name=words["send"]).click()
        page.wait_for_url("**thanks=1**")
        assert words["thanks"] in page.content()
        page.screenshot(
            path=SCREENSHOTS.format(name=f"feedback-thanks-{language}-{device}"), full_page=True
        )
        context.close()
        survey.refresh_from_db()
        assert survey.score == 5

    page = chromium.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server.url}/feedback/{workspace.slug}/{'A' * 32}/?lang={language}")
    page.screenshot(path=SCREENSHOTS.format(name=f"feedback-invalid-{language}"), full_page=True)
    _, nps_token = sent_survey(conversation(api_channel), kind="nps", sent_at=clock.now())
    page.goto(f"{live_server.url}/feedback/{workspace.slug}/{nps_token}/?score=8&lang={language}")
    assert page.locator("input[name=score][value='8']").is_checked()
    page.screenshot(path=SCREENSHOTS.format(name=f"feedback-nps-{language}-phone"), full_page=True)
    page.close()

    admin = AgentFactory(
        workspace=workspace, role=Role.ADMIN, display_name="Giulia Bianchi", language=language
    )
    answered = Survey.objects.filter(score=5).first()
    assert answered is not None
    number = on.__class__.objects.get(pk=answered.conversation_id).number
    for width, height, device in SIZES:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="it-IT")
        page = context.new_page()
        sign_in(page, live_server, admin.user.email, to=f"/c/{number}/")
        assert page.locator(".badge-score", has_text="CSAT 5/5").count() == 1
        page.locator("#panel-feedback").scroll_into_view_if_needed()
        page.screenshot(
            path=SCREENSHOTS.format(name=f"feedback-conversation-{language}-{device}"),
            full_page=True,
        )
        page.goto(f"{live_server.url}/settings/feedback/")
        page.screenshot(
            path=SCREENSHOTS.format(name=f"feedback-settings-{language}-{device}"), full_page=True
        )
        context.close()
