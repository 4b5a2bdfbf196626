"""The handlers that answer pre-serialised JSON (``present.answer``) still keep their schema.

django-ninja does not validate those answers at run time, so this is where the contract
holds: every field the schema declares, of its type, and nothing it does not declare,
with datetimes written the way pydantic writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from sportello.accounts.actions import create_team
from sportello.api import present, schemas
from sportello.conversations.actions import reply, set_tags, update_conversation
from sportello.conversations.models import Conversation

pytestmark = pytest.mark.django_db


def _assert_valid(schema: type[BaseModel], body: dict) -> None:
    validated = schema.model_validate(body)
    assert validated.model_dump(mode="json", by_alias=True) == body


def _conversation(api, agent) -> Conversation:
    answer = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "external_id": "schema-1",
            "sender": {"email": "anna@example.it", "name": "Anna Verdi"},
            "subject": "Teiera scheggiata",
            "text": "La teiera è arrivata scheggiata: si può sostituire?",
        },
    ).json()
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    team = create_team(agent.workspace, "Assistenza", [agent])
    update_conversation(conversation, agent, assignee=agent, team=team)
    set_tags(conversation, agent, ["reso", "urgente"])
    reply(conversation, agent, "Ci scusiamo: la sostituiamo subito.")
    return conversation


def test_conversation_list_answers_its_schema(api, agent):
    _conversation(api, agent)
    response = api.get("/api/v1/conversations")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["items"][0]["tags"] == ["reso", "urgente"]
    assert body["items"][0]["assignee"]["display_name"] == agent.display_name
    _assert_valid(schemas.ConversationPage, body)


def test_conversation_detail_answers_its_schema(api, agent):
    conversation = _conversation(api, agent)
    body = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    assert len(body["messages"]) >= 2
    _assert_valid(schemas.ConversationDetail, body)
    patched = api.patch(f"/api/v1/conversations/{conversation.pk}", {"priority": 3})
    assert patched.status_code == 200
    _assert_valid(schemas.ConversationDetail, patched.json())


def test_customer_answers_their_schema(api, agent):
    conversation = _conversation(api, agent)
    page = api.get("/api/v1/customers").json()
    _assert_valid(schemas.CustomerPage, page)
    one = api.get(f"/api/v1/customers/{conversation.customer_id}").json()
    _assert_valid(schemas.CustomerOut, one)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 9, 30, 5, 120000, tzinfo=UTC),
    ],
)
def test_datetimes_are_written_as_pydantic_writes_them(moment):
    class Moment(BaseModel):
        at: datetime

    expected = Moment(at=moment).model_dump_json()
    assert present.answer({"at": moment}).content.decode() == expected.replace(" ", "")
