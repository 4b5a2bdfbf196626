"""The survey on the web chat (the widget shows it like any reply), and the NPS survey by
email, at most once every 90 days per customer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Customer
from sportello.feedback import actions
from sportello.feedback.models import Survey
from tests.feedback.conftest import token_in
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = pytest.mark.django_db


def test_a_web_chat_conversation_gets_the_survey_in_the_widget(
    surveys_on,
    workspace,
    giulia,
    answer_and_resolve,
    client,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    surveys_on(csat_delay_minutes=0)
    channel = make_webchat_channel(workspace.pk)
    widget = Widget(channel)
    widget.open()
    said = widget.say("Avete la taglia 42?").json()
    conversation = Conversation.objects.get(pk=Message.objects.get(pk=said["id"]).conversation_id)
    answer_and_resolve(conversation, giulia)

    polled = widget.get(f"messages?after={said['id']}").json()["messages"]
    survey_line = polled[-1]
    assert "Come valuti l'assistenza che hai ricevuto?" in survey_line["text"]
    assert "?score=" not in survey_line["text"]  # one link on a chat, not five
    token = token_in(survey_line["text"])
    assert client.get(f"/feedback/{workspace.slug}/{token}/").status_code == 200


@pytest.fixture
def nps_on(surveys_on):
    return surveys_on(csat_enabled=False, nps_enabled=True, nps_recent_days=30)


def test_nps_goes_by_email_to_recent_customers_once_every_90_days(
    nps_on,
    workspace,
    write,
    giulia,
    sink,
    moving_clock,
    django_capture_on_commit_callbacks,
    client,
):
    """GIVEN NPS on for customers who wrote in the last 30 days
    WHEN the daily run goes on day 0, day 1 and day 91 (she wrote again on day 85)
    THEN Mario gets the NPS email on day 0 only, and again on day 91; Lucia, who wrote 40
    days before day 0, is not asked; Paola, who asked not to be contacted, is skipped."""
    old = write("Domanda di tanto tempo fa", sender="Lucia <lucia@example.it>")
    moving_clock.advance(timedelta(days=40))
    mario = write()
    paola = write("Una domanda", sender="Paola <paola@example.it>")
    Customer.objects.filter(pk=paola.customer_id).update(do_not_contact=True)
    before = len(sink.messages())

    with django_capture_on_commit_callbacks(execute=True):
        run = actions.send_nps_surveys(workspace.pk)
    assert (run.sent, run.skipped) == (1, 1)
    email = sink.messages()[before]
    assert email["To"] == "mario.rossi@example.it"
    body = email.get_content()
    assert "Quanto è probabile che ci consiglieresti" in body and "Da 0" in body
    token = token_in(body)
    assert client.post(f"/feedback/{workspace.slug}/{token}/", {"score": "9"}).status_code == 302
    assert Survey.objects.get(kind="nps", customer_id=mario.customer_id).score == 9
    assert not Survey.objects.filter(kind="nps", customer_id=old.customer_id).exists()

    moving_clock.advance(timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_nps_surveys(workspace.pk) == actions.NpsRun(0, 0)

    moving_clock.advance(timedelta(days=84))
    write("Ciao, un'altra domanda")
    moving_clock.advance(timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.send_nps_surveys(workspace.pk)
    assert run.sent == 1
    assert Survey.objects.filter(kind="nps", customer_id=mario.customer_id).count() == 2


def test_nps_off_sends_nothing_and_admins_may_send_it_now(
    surveys_on, workspace, write, sink, django_capture_on_commit_callbacks
):
    from sportello.accounts.actions import issue_token
    from sportello.accounts.models import Role
    from tests.conftest import ApiClient
    from tests.factories import AgentFactory

    write()
    admin = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))
    assert admin.post("/api/v1/feedback/nps/send").json() == {"sent": 0, "skipped": 0}
    surveys_on(nps_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post("/api/v1/feedback/nps/send").json() == {"sent": 1, "skipped": 0}
    assert Survey.objects.filter(kind="nps").count() == 1


def test_the_nps_question_is_the_workspaces_own(
    surveys_on, workspace, write, sink, client, django_capture_on_commit_callbacks
):
    """An admin words the NPS question through the API; the email and the answer page ask
    it (English for an English-speaking customer would read nps_question_en)."""
    from sportello.accounts.actions import issue_token
    from sportello.accounts.models import Role
    from tests.conftest import ApiClient
    from tests.factories import AgentFactory

    admin = ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))
    current = admin.get("/api/v1/feedback/settings").json()
    assert current["nps_question_it"].startswith("Quanto è probabile")
    changed = admin.put(
        "/api/v1/feedback/settings",
        {
            **current,
            "nps_enabled": True,
            "nps_question_it": "Consiglieresti la Bottega a un amico?",
        },
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["nps_question_it"] == "Consiglieresti la Bottega a un amico?"
    blank = admin.put("/api/v1/feedback/settings", {**current, "nps_question_en": "  "})
    assert blank.status_code == 422 and "nps_question_en" in blank.json()["detail"]
    write()
    before = len(sink.messages())

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.send_nps_surveys(workspace.pk).sent == 1

    body = sink.messages()[before].get_content()
    assert "Consiglieresti la Bottega a un amico?" in body
    page = client.get(f"/feedback/{workspace.slug}/{token_in(body)}/").content.decode()
    assert "Consiglieresti la Bottega a un amico?" in page
