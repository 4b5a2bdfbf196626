"""A customer's survey answers are in their GDPR export and go with their erasure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Message
from sportello.feedback.actions import answer_survey
from sportello.privacy.actions import erase_customer_data, export_customer
from tests.feedback.helpers import conversation, sent_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(workspace, api_channel, moving_clock, django_capture_on_commit_callbacks):
    on = conversation(api_channel, "anna@example.it")
    survey, token = sent_survey(on, sent_at=moving_clock.now)
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(survey, score=2, comment="Anna Neri, ordine 4411: mai arrivato")
    return survey, token


def test_export_lists_the_customers_surveys_with_their_words(workspace, answered):
    survey, _ = answered
    _name, chunks = export_customer(workspace.pk, survey.customer_id)
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(chunks))).read("customer.json"))
    (exported,) = data["surveys"]
    assert exported["kind"] == "csat" and exported["score"] == 2
    assert exported["comment"] == "Anna Neri, ordine 4411: mai arrivato"
    assert exported["conversation_id"] == survey.conversation_id


def test_erasure_removes_the_comment_and_the_link_and_keeps_the_score(workspace, answered, client):
    survey, token = answered
    erase_customer_data(workspace.pk, survey.customer_id)
    survey.refresh_from_db()
    assert (survey.comment, survey.token_hash, survey.score) == ("", None, 2)
    event = Message.objects.get(conversation_id=survey.conversation_id, event="survey_answered")
    assert "Anna" not in json.dumps(event.data)
    entry = AuditEntry.objects.filter(action="customer.erased").latest("id")
    assert entry.detail["surveys"] == 1
    assert client.get(f"/feedback/{workspace.slug}/{token}/").status_code == 404

    erase_customer_data(workspace.pk, survey.customer_id)  # again: nothing more to remove
    assert AuditEntry.objects.filter(action="customer.erased").latest("id").detail["surveys"] == 0


def test_the_retention_run_takes_the_comments_of_the_conversations_it_forgot(
    workspace, api_channel, answered, moving_clock, django_capture_on_commit_callbacks
):
    """GIVEN a policy that anonymises conversations finished 12 months ago
    WHEN the retention and the nightly feedback job run 400 days later
    THEN the resolved conversation's survey loses its comment and keeps its score; the
    answer on a conversation still open keeps its comment."""
    from datetime import timedelta

    from sportello.conversations.actions import set_status
    from sportello.feedback import actions
    from sportello.privacy.actions import apply_retention, set_retention_policy

    old, _ = answered
    still_open = conversation(api_channel, "bruno@example.it")
    kept, _ = sent_survey(still_open, sent_at=moving_clock.now, score=5, comment="Top")
    with django_capture_on_commit_callbacks(execute=True):
        set_status(Conversation.objects.get(pk=old.conversation_id), None, "resolved")
    moving_clock.advance(timedelta(days=400))
    set_retention_policy(workspace.pk, months=12, action="anonymise")
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention(workspace.pk)
    assert actions.forget_answers_of_forgotten_conversations() == 1
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.comment, old.score) == ("", 2)
    assert kept.comment == "Top"
    assert actions.forget_answers_of_forgotten_conversations() == 0
