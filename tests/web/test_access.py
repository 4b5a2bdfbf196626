"""Who may see the agent UI: signed-in agents of the workspace, nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import Role
from tests.factories import AgentFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/?view=mine", "/c/1/", "/customers/", "/customers/1/"])
def test_anonymous_visitor_is_sent_to_the_login_page(client: Client, workspace, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_anonymous_post_changes_nothing_and_is_sent_to_login(client, customer_writes):
    conversation = customer_writes()
    response = client.post(f"/c/{conversation.number}/reply/", {"text": "Ciao"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert conversation.messages.filter(direction="out", kind="message").count() == 0


def test_agent_signs_in_with_email_and_password_and_lands_in_the_inbox(client, agent):
    page = client.get("/login/")
    assert page.status_code == 200 and b'type="email"' in page.content

    response = client.post(
        "/login/", {"username": "giulia@negozio.it", "password": "password-123"}, follow=True
    )
    assert response.redirect_chain[-1] == ("/", 302)
    assert response.status_code == 200
    assert b"Giulia Bianchi" in response.content


def test_login_goes_back_to_the_page_asked_for(client, agent, customer_writes):
    conversation = customer_writes()
    target = f"/c/{conversation.number}/"
    response = client.post(
        f"/login/?next={target}",
        {"username": "GIULIA@negozio.it", "password": "password-123", "next": target},
    )
    assert response.status_code == 302 and response["Location"] == target


def test_wrong_password_shows_an_error_and_does_not_sign_in(client, agent):
    response = client.post("/login/", {"username": "giulia@negozio.it", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert client.get("/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(agent_client):
    assert agent_client.get("/").status_code == 200
    response = agent_client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert agent_client.get("/").status_code == 302


def test_signed_in_user_without_an_agent_profile_gets_a_clear_403(client, workspace):
    user = UserFactory(email="nobody@example.it")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"nobody@example.it" in response.content
    assert b'action="/logout/"' in response.content


def test_conversation_of_another_workspace_is_not_found(agent_client, agent, customer_writes):
    conversation = customer_writes()
    outsider = AgentFactory(workspace=WorkspaceFactory(), user__email="altro@example.it")
    other = Client()
    other.force_login(outsider.user)
    assert other.get(f"/c/{conversation.number}/").status_code == 404
    assert other.post(f"/c/{conversation.number}/reply/", {"text": "x"}).status_code == 404
    assert other.get(f"/customers/{conversation.customer_id}/").status_code == 404
    assert agent_client.get("/c/999/").status_code == 404


def test_posts_need_the_csrf_token(agent, customer_writes):
    conversation = customer_writes()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    response = client.post(f"/c/{conversation.number}/reply/", {"text": "Ciao"})
    assert response.status_code == 403


def test_settings_link_is_shown_to_admins_only(client, agent, workspace):
    client.force_login(agent.user)
    assert b'href="/settings/"' not in client.get("/").content
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, user__email="capo@negozio.it")
    client.force_login(admin.user)
    assert b'href="/settings/"' in client.get("/").content
