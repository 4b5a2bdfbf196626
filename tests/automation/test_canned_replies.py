"""Canned replies through the API: who keeps which, the search, and the text each
renders for a conversation, in Italian and English, variables filled safely."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.models import CannedReply
from sportello.automation.variables import render
from sportello.conversations.models import Conversation
from tests.conftest import ApiClient
from tests.factories import AgentFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Anna Capo")
    return ApiClient(issue_token(admin))


@pytest.fixture
def colleague_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, display_name="Marco Verdi")))


def _create(client: ApiClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Spedizione", "shortcut": "/spedizione", "body": "Ciao!"} | fields
    response = client.post("/api/v1/canned-replies", body)
    assert response.status_code == 201, response.content
    return response.json()


def _conversation(inbound, name: str = "Mario Rossi", **fields: Any) -> Conversation:
    body = {"sender": {"name": name, "email": f"{name.split()[0].lower()}@example.it"}}
    response = inbound(**(body | fields))
    assert response.status_code == 201, response.content
    return Conversation.objects.get(pk=response.json()["conversation_id"])


def test_an_agent_keeps_personal_replies_that_colleagues_do_not_see(api, colleague_api):
    mine = _create(api, title="Mia firma", shortcut="Firma")
    assert mine["shortcut"] == "firma" and not mine["shared"] and mine["can_edit"]

    assert colleague_api.get(f"/api/v1/canned-replies/{mine['id']}").status_code == 404
    patched = colleague_api.patch(f"/api/v1/canned-replies/{mine['id']}", {"title": "Presa"})
    assert patched.status_code == 404
    assert colleague_api.delete(f"/api/v1/canned-replies/{mine['id']}").status_code == 404
    assert colleague_api.get("/api/v1/canned-replies").json() == []

    changed = api.patch(f"/api/v1/canned-replies/{mine['id']}", {"body": "Giulia"})
    assert changed.status_code == 200 and changed.json()["body"] == "Giulia"
    assert api.delete(f"/api/v1/canned-replies/{mine['id']}").status_code == 204
    assert not CannedReply.objects.exists()


def test_only_an_admin_adds_or_changes_a_shared_reply(api, admin_api):
    refused = api.post(
        "/api/v1/canned-replies",
        {"title": "Resi", "shortcut": "resi", "body": "Resi gratuiti", "shared": True},
    )
    assert refused.status_code == 403

    shared = _create(admin_api, title="Resi", shortcut="resi", body="Resi gratuiti", shared=True)
    seen = api.get("/api/v1/canned-replies").json()
    assert [r["shortcut"] for r in seen] == ["resi"] and seen[0]["can_edit"] is False
    assert api.patch(f"/api/v1/canned-replies/{shared['id']}", {"body": "x"}).status_code == 403
    assert api.delete(f"/api/v1/canned-replies/{shared['id']}").status_code == 403
    assert (
        admin_api.patch(
            f"/api/v1/canned-replies/{shared['id']}", {"body": "Resi in 30 giorni"}
        ).json()["body"]
        == "Resi in 30 giorni"
    )


def test_another_workspace_sees_none_of_the_replies(api, admin_api):
    shared = _create(admin_api, shortcut="resi", shared=True)
    other = ApiClient(issue_token(AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)))
    assert other.get("/api/v1/canned-replies").json() == []
    assert other.get(f"/api/v1/canned-replies/{shared['id']}").status_code == 404
    assert other.delete(f"/api/v1/canned-replies/{shared['id']}").status_code == 404
    # the same shortcut is free in another workspace
    assert (
        other.post(
            "/api/v1/canned-replies",
            {"title": "Resi", "shortcut": "resi", "body": "Altro", "shared": True},
        ).status_code
        == 201
    )


def test_search_finds_words_of_shortcut_title_and_text_in_a_language(api, admin_api):
    _create(
        admin_api,
        shortcut="spedizione",
        title="Spedizione",
        body="Il pacco parte",
        language="it",
        shared=True,
    )
    _create(
        admin_api,
        shortcut="shipping",
        title="Shipping",
        body="Your parcel ships",
        language="en",
        shared=True,
    )
    _create(api, shortcut="saluti", title="Saluti", body="Buona giornata")

    def shortcuts(query: str) -> list[str]:
        response = api.get(f"/api/v1/canned-replies{query}")
        assert response.status_code == 200, response.content
        return [r["shortcut"] for r in response.json()]

    assert shortcuts("") == ["saluti", "shipping", "spedizione"]  # personal first
    assert shortcuts("?q=/sped") == ["spedizione"]
    assert shortcuts("?q=PARCEL") == ["shipping"]
    assert shortcuts("?lang=en") == ["saluti", "shipping"]  # "any language" stays
    assert shortcuts("?q=nulla") == []
    assert api.get("/api/v1/canned-replies?lang=fr").status_code == 422


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"shortcut": "/"}, "shortcut"),
        ({"shortcut": "due parole"}, "shortcut"),
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"language": "fr"}, "language"),
    ],
)
def test_a_bad_reply_is_refused_naming_the_field(api, fields, says):
    body = {"title": "T", "shortcut": "ok", "body": "Testo"} | fields
    response = api.post("/api/v1/canned-replies", body)
    assert response.status_code == 422, response.content
    assert says in response.json()["detail"]


def test_a_shortcut_is_used_once_among_the_shared_and_once_per_agent(api, colleague_api):
    _create(api, shortcut="ciao")
    again = api.post("/api/v1/canned-replies", {"title": "T", "shortcut": "/Ciao", "body": "B"})
    assert again.status_code == 422 and "/ciao" in again.json()["detail"]
    assert (
        colleague_api.post(
            "/api/v1/canned-replies", {"title": "T", "shortcut": "ciao", "body": "B"}
        ).status_code
        == 201
    )


def test_render_fills_the_variables_in_italian(api, inbound, moving_clock):
    moving_clock.set(2026, 12, 24, 17, 45)  # Christmas Eve, after closing: due Monday
    conversation = _conversation(inbound, "Chiara Fontana")
    reply = _create(
        api,
        body=(
            "Ciao {{ customer.first_name }}, sono {{agent.name}}. La pratica n. "
            "{{ conversation.number }} avrà risposta {{ conversation.due }}."
        ),
    )
    response = api.post(
        f"/api/v1/canned-replies/{reply['id']}/render", {"conversation_id": conversation.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "text": (
            f"Ciao Chiara, sono Giulia Bianchi. La pratica n. {conversation.number} "
            "avrà risposta lunedì 28 dicembre alle 09:45."
        ),
        "language": "it",
        "unknown": [],
        "missing": [],
    }


def test_render_speaks_english_to_an_english_customer(api, inbound, moving_clock):
    moving_clock.set(2026, 12, 2, 10, 0)  # a Wednesday morning: due within the hour
    conversation = _conversation(
        inbound, "John Smith", text="Hello, my parcel has not arrived yet, could you check?"
    )
    assert conversation.language == "en"
    reply = _create(api, body="Dear {{ customer.name }}, we will reply {{ conversation.due }}.")
    text = api.post(
        f"/api/v1/canned-replies/{reply['id']}/render", {"conversation_id": conversation.pk}
    ).json()["text"]
    assert text == "Dear John Smith, we will reply today at 11:00."


def test_unknown_and_empty_variables_stay_visible_and_are_reported(api, inbound):
    conversation = _conversation(inbound, "Mario Rossi")
    reply = _create(
        api, body="Ciao {{ customer.name }} {{ ordine.numero }} {{ customer.__class__ }}"
    )
    assert reply["unknown_variables"] == ["ordine.numero", "customer.__class__"]
    rendered = render(reply["body"], conversation, None)
    assert rendered.text == "Ciao Mario Rossi {{ ordine.numero }} {{ customer.__class__ }}"
    assert rendered.unknown == ["ordine.numero", "customer.__class__"]
    # A customer who quoted no order number: the variable has no value here.
    no_order = render("Ordine {{ order.number }}", conversation, None)
    assert no_order.text == "Ordine {{ order.number }}" and no_order.missing == ["order.number"]

    conversation.customer.name = ""
    empty = render("Ciao {{ customer.first_name }}!", conversation, None)
    assert empty.text == "Ciao {{ customer.first_name }}!" and empty.missing == [
        "customer.first_name"
    ]
    assert (
        render("Ciao {{ customer.first_name }}!", conversation, None, blank_missing=True).text
        == "Ciao !"
    )


def test_a_customer_name_that_looks_like_a_variable_is_not_filled_again(api, inbound):
    conversation = _conversation(inbound, "{{ agent.name }} {0.__class__}")
    rendered = render("Ciao {{ customer.name }}", conversation, None)
    assert rendered.text == "Ciao {{ agent.name }} {0.__class__}"


def test_render_of_a_conversation_in_another_workspace_is_not_found(api, inbound):
    reply = _create(api)
    other_admin = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    other_api = ApiClient(issue_token(other_admin))
    other_api.post("/api/v1/channels", {"kind": "api", "name": "API", "slug": "api"})
    theirs = other_api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"name": "X", "email": "x@example.it"}, "text": "Ciao"},
    )
    assert theirs.status_code == 201, theirs.content
    response = api.post(
        f"/api/v1/canned-replies/{reply['id']}/render",
        {"conversation_id": theirs.json()["conversation_id"]},
    )
    assert response.status_code == 404
