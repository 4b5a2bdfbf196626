"""CSAT as a customer lives it: an email conversation is answered and resolved, the survey
goes out over SMTP after the workspace's delay, the customer rates from the link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sportello.conversations.models import Direction, Kind, Message
from sportello.feedback import jobs
from sportello.feedback.models import Survey, SurveyStatus
from sportello.outbound.models import Delivery, DeliveryStatus
from tests.feedback.conftest import token_in

pytestmark = pytest.mark.django_db


def survey_messages(conversation) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation=conversation,
            kind=Kind.MESSAGE,
            direction=Direction.OUTBOUND,
            data__automatic="csat_survey",
        )
    )


def skipped(conversation) -> list[str]:
    return [
        m.data["reason"]
        for m in Message.objects.filter(
            conversation=conversation, kind=Kind.EVENT, event="survey_skipped"
        )
    ]


def test_resolved_email_conversation_gets_the_survey_by_email_after_the_delay(
    surveys_on,
    write,
    answer_and_resolve,
    giulia,
    sink,
    moving_clock,
    django_capture_on_commit_callbacks,
    client,
):
    """GIVEN surveys on with a 60-minute delay
    WHEN Giulia answers and resolves an Italian customer's email
    THEN nothing goes at once; 60 minutes later the job sends one email, marked
    Auto-Submitted, with the Italian question and a link per rating; the customer's click
    on "4" opens the page with 4 chosen, and sending keeps 4 with the comment, shown on
    the timeline, credited to Giulia."""
    conversation = write()
    conversation = answer_and_resolve(conversation, giulia)
    sent_before = len(sink.messages())
    (survey,) = Survey.objects.filter(conversation_id=conversation.pk)
    assert survey.status == SurveyStatus.SCHEDULED and survey.agent_id == giulia.pk

    moving_clock.advance(timedelta(minutes=59))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.send_due()
    assert len(sink.messages()) == sent_before

    moving_clock.advance(timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_due() == 1
    (message,) = survey_messages(conversation)
    assert Delivery.objects.get(message=message).status == DeliveryStatus.SENT
    email = sink.messages()[-1]
    assert email["To"] == "mario.rossi@example.it"
    assert email["Auto-Submitted"] == "auto-replied"
    body = email.get_content()
    assert "Come valuti l'assistenza che hai ricevuto?" in body
    assert "?score=5" in body and "?score=1" in body
    token = token_in(body)

    page = client.get(f"/feedback/{conversation.workspace.slug}/{token}/?score=4")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="it"' in html and 'value="4" checked' in html
    survey.refresh_from_db()
    assert survey.score is None  # opening the link (a mail scanner does) answers nothing

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/feedback/{conversation.workspace.slug}/{token}/",
            {"score": "4", "comment": "Gentili, ma il pacco era in ritardo"},
        )
    assert sent.status_code == 302
    thanks = client.get(sent["Location"])
    assert "Grazie per la tua risposta" in thanks.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Gentili, ma il pacco era in ritardo")
    assert survey.answered_at == moving_clock.now
    assert survey.agent_id == giulia.pk and survey.channel_id == conversation.channel_id
    event = Message.objects.get(conversation=conversation, event="survey_answered")
    assert event.data["score"] == 4


def test_english_customer_gets_and_answers_in_english(
    surveys_on,
    write,
    answer_and_resolve,
    giulia,
    sink,
    moving_clock,
    django_capture_on_commit_callbacks,
    client,
):
    surveys_on(csat_delay_minutes=0)
    conversation = write(
        "Hello, my order 4411 has not arrived yet. Could you please check where it is?",
        sender="Jane Smith <jane@example.co.uk>",
    )
    answer_and_resolve(conversation, giulia)
    body = sink.messages()[-1].get_content()
    assert "How would you rate our support?" in body
    token = token_in(body)
    url = f"/feedback/{conversation.workspace.slug}/{token}/"
    page = client.get(url).content.decode()
    assert 'lang="en"' in page and "Excellent" in page
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"score": "5"})
    assert "Thank you for your answer" in client.get(sent["Location"]).content.decode()
    assert Survey.objects.get(conversation_id=conversation.pk).score == 5


def test_conversation_reopened_before_the_delay_is_not_asked(
    surveys_on,
    write,
    answer_and_resolve,
    giulia,
    sink,
    moving_clock,
    django_capture_on_commit_callbacks,
):
    from sportello.conversations.actions import set_status

    conversation = answer_and_resolve(write(), giulia)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(conversation, giulia, "open")
    moving_clock.advance(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.send_due()
    survey = Survey.objects.get(conversation_id=conversation.pk)
    assert (survey.status, survey.skip_reason) == ("skipped", "reopened")
    assert survey_messages(conversation) == []


def test_no_survey_when_no_agent_replied_or_a_machine_wrote(
    surveys_on,
    write,
    answer_and_resolve,
    giulia,
    moving_clock,
    django_capture_on_commit_callbacks,
):
    surveys_on(csat_delay_minutes=0)
    unanswered = answer_and_resolve(write(), giulia, reply=False)
    assert skipped(unanswered) == ["no_agent_reply"]

    robot = write(
        "Sono fuori ufficio fino al 10.",
        sender="Ufficio <ufficio@example.it>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    answer_and_resolve(robot, giulia)
    assert skipped(robot) == ["auto_reply"]
    assert survey_messages(unanswered) == survey_messages(robot) == []


def test_spam_conversation_is_not_asked(
    surveys_on, write, answer_and_resolve, giulia, django_capture_on_commit_callbacks
):
    from sportello.conversations.actions import set_tags

    surveys_on(csat_delay_minutes=0)
    conversation = write()
    with django_capture_on_commit_callbacks(execute=True):
        set_tags(conversation, giulia, ["spam"])
    answer_and_resolve(conversation, giulia)
    assert skipped(conversation) == ["spam"]


def test_one_survey_per_customer_within_the_days_between(
    surveys_on,
    write,
    answer_and_resolve,
    giulia,
    sink,
    moving_clock,
):
    """GIVEN at most one survey per customer every 7 days
    WHEN the same customer's conversations are resolved on day 0, day 3 and day 8
    THEN the first and the third are asked, the second is skipped (on its timeline)."""
    surveys_on(csat_delay_minutes=0)
    first = answer_and_resolve(write(), giulia)
    moving_clock.advance(timedelta(days=3))
    second = answer_and_resolve(write("Un'altra domanda sul reso"), giulia)
    moving_clock.advance(timedelta(days=5))
    third = answer_and_resolve(write("E una terza domanda"), giulia)

    assert len(survey_messages(first)) == 1
    assert survey_messages(second) == [] and skipped(second) == ["recently_surveyed"]
    assert len(survey_messages(third)) == 1


def test_a_conversation_resolved_twice_is_asked_once(
    surveys_on, write, answer_and_resolve, giulia, django_capture_on_commit_callbacks
):
    from sportello.conversations.actions import set_status

    surveys_on(csat_delay_minutes=0, csat_days_between=0)
    conversation = answer_and_resolve(write(), giulia)
    with django_capture_on_commit_callbacks(execute=True):
        set_status(conversation, giulia, "open")
    answer_and_resolve(conversation, giulia, reply=False)
    assert len(survey_messages(conversation)) == 1


def test_surveys_off_by_default_send_nothing(write, answer_and_resolve, giulia, sink):
    conversation = answer_and_resolve(write(), giulia)
    assert not Survey.objects.filter(conversation_id=conversation.pk).exists()
    assert survey_messages(conversation) == []
