"""The Django admin between workspaces: an admin of one workspace sees and changes only
its rows, secrets are write-only, and the operator sees everything (docs/adr/0014)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts.actions import create_agent, create_operator, issue_token
from sportello.accounts.models import Agent, ApiToken, Role, Team, User
from sportello.channels.actions import create_channel, ensure_channel
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Message
from sportello.core.models import Workspace
from sportello.customers.models import Customer
from sportello.ingest.models import RejectedInbound
from sportello.ingest.rejections import record_refusal
from sportello.outbound.models import Delivery
from tests.conftest import ApiClient
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "parola-lunga-123"


def email_config(secret: str) -> dict[str, Any]:
    return {
        "address": "assistenza@negozio.it",
        "smtp": {"host": "smtp.example.it", "user": "assistenza", "password": secret},
    }


@dataclass
class Shop:
    """One workspace with a bit of everything the admin lists."""

    workspace: Workspace
    admin: Agent
    customer: Customer
    conversation: Conversation
    channel: Channel
    delivery: Delivery
    rejected: RejectedInbound
    team: Team
    token: ApiToken


def make_shop(name: str) -> Shop:
    workspace = WorkspaceFactory(name=f"Bottega {name}", slug=name.lower())
    admin = create_agent(
        workspace, email=f"capo@{name.lower()}.it", password=PASSWORD, role=Role.ADMIN
    )
    ensure_channel(workspace.pk, kind="api", name="API", slug="api")
    token_key = issue_token(admin, name=f"token-{name}")
    body = {
        "channel": "api",
        "sender": {"name": f"Cliente {name}", "email": f"cliente@{name.lower()}.it"},
        "text": f"Domanda di {name}",
        "external_id": f"m-{name}",
    }
    assert ApiClient(token_key).post("/api/v1/inbound", body).status_code in (200, 201, 202)
    conversation = Conversation.objects.get(workspace=workspace)
    channel = create_channel(
        workspace.pk,
        kind="email",
        name=f"Posta {name}",
        slug="posta",
        config=email_config(f"smtp-segreta-{name.lower()}"),
    )
    now = timezone.now()
    delivery = Delivery.objects.create(
        workspace=workspace,
        message=Message.objects.filter(conversation=conversation).first(),
        channel=channel,
        last_error=f"errore-{name}",
        created_at=now,
        updated_at=now,
    )
    return Shop(
        workspace=workspace,
        admin=admin,
        customer=Customer.objects.get(workspace=workspace),
        conversation=conversation,
        channel=channel,
        delivery=delivery,
        rejected=record_refusal(source="api", reason=f"rifiuto-{name}", workspace_id=workspace.pk),
        team=Team.objects.create(workspace=workspace, name=f"Squadra {name}"),
        token=ApiToken.objects.get(agent=admin),
    )


@pytest.fixture
def shops(db) -> tuple[Shop, Shop]:
    return make_shop("Alfa"), make_shop("Beta")


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_an_admin_agent_is_staff_but_never_a_superuser(shops):
    alfa, _ = shops
    user = alfa.admin.user
    assert user.is_staff and not user.is_superuser


LISTS = {
    "customers/customer": "Cliente {}",
    "conversations/conversation": "Domanda di {}",
    "conversations/message": "Cliente {}",
    "sportello_channels/channel": "Posta {}",
    "outbound/delivery": "Posta {}",
    "ingest/rejectedinbound": "rifiuto-{}",
    "ingest/inboundrecord": "m-{}",
    "accounts/team": "Squadra {}",
    "accounts/agent": "capo@{}.it",
    "accounts/apitoken": "token-{}",
    "accounts/user": "capo@{}.it",
    "core/workspace": "Bottega {}",
}


@pytest.mark.parametrize("model", sorted(LISTS))
def test_lists_show_only_the_admins_own_workspace(shops, model):
    _, beta = shops
    page = signed_in(beta.admin.user).get(f"/admin/{model}/")
    assert page.status_code == 200
    html = page.content.decode()
    shown = LISTS[model]
    needle = shown.format("beta" if "@" in shown else "Beta")
    assert needle in html, model
    assert shown.format("alfa" if "@" in shown else "Alfa") not in html, model
    assert "Bottega Alfa" not in html  # nor in a filter's choices


def test_an_admin_finds_only_their_customers_identities(shops):
    _, beta = shops
    client = signed_in(beta.admin.user)
    url = f"/admin/customers/customer/{beta.customer.pk}/change/"
    page = client.get(url)
    assert "cliente@beta.it" in page.content.decode()
    found = client.get("/admin/customers/customer/", {"q": "cliente@alfa.it"}).content.decode()
    assert "Cliente Alfa" not in found


def test_another_workspaces_rows_are_not_found(shops):
    alfa, beta = shops
    client = signed_in(beta.admin.user)
    for path in [
        f"/admin/customers/customer/{alfa.customer.pk}/change/",
        f"/admin/conversations/conversation/{alfa.conversation.pk}/change/",
        f"/admin/sportello_channels/channel/{alfa.channel.pk}/change/",
        f"/admin/outbound/delivery/{alfa.delivery.pk}/change/",
        f"/admin/ingest/rejectedinbound/{alfa.rejected.pk}/change/",
        f"/admin/accounts/team/{alfa.team.pk}/change/",
        f"/admin/accounts/agent/{alfa.admin.pk}/change/",
        f"/admin/accounts/apitoken/{alfa.token.pk}/change/",
        f"/admin/core/workspace/{alfa.workspace.pk}/change/",
        f"/admin/accounts/user/{alfa.admin.user.pk}/change/",
        f"/admin/accounts/user/{alfa.admin.user.pk}/password/",
        f"/admin/customers/customer/{alfa.customer.pk}/delete/",
    ]:
        assert client.get(path).status_code == 404, path
    response = client.post(
        f"/admin/accounts/user/{alfa.admin.user.pk}/password/",
        {"password1": "presa-di-potere-1", "password2": "presa-di-potere-1"},
    )
    assert response.status_code == 404
    assert signed_in(alfa.admin.user)  # Alfa's password still works


def test_a_login_shared_with_another_workspace_is_left_to_the_operator(shops):
    """GIVEN an agency's login that is an agent of both workspaces
    WHEN Beta's admin opens its password form THEN it is not found: changing it would
    open Alfa too."""
    alfa, beta = shops
    shared = create_agent(alfa.workspace, email="agenzia@studio.it", password=PASSWORD)
    create_agent(beta.workspace, email="agenzia@studio.it", password=None)
    client = signed_in(beta.admin.user)
    assert client.get(f"/admin/accounts/user/{shared.user.pk}/password/").status_code == 404
    assert "agenzia@studio.it" in client.get("/admin/accounts/agent/").content.decode()


def test_an_admin_cannot_make_anyone_a_superuser(shops):
    _, beta = shops
    colleague = create_agent(beta.workspace, email="collega@beta.it", password=PASSWORD)
    client = signed_in(beta.admin.user)
    page = client.get(f"/admin/accounts/user/{colleague.user.pk}/change/")
    assert page.status_code == 200 and "is_superuser" not in page.content.decode()
    client.post(
        f"/admin/accounts/user/{colleague.user.pk}/change/",
        {"email": "collega@beta.it", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    colleague.user.refresh_from_db()
    assert not colleague.user.is_superuser and not colleague.user.is_staff


def test_a_login_added_by_an_admin_is_an_agent_of_their_workspace(shops):
    _, beta = shops
    client = signed_in(beta.admin.user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "nuova@beta.it",
            "password1": "parola-nuova-456",
            "password2": "parola-nuova-456",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent = Agent.objects.get(user__email="nuova@beta.it")
    assert agent.workspace == beta.workspace and agent.role == Role.AGENT


def test_foreign_key_choices_stay_in_the_workspace(shops):
    alfa, beta = shops
    client = signed_in(beta.admin.user)
    html = client.get(f"/admin/sportello_channels/channel/{beta.channel.pk}/change/")
    html = html.content.decode()
    assert "Squadra Beta" in html and "Squadra Alfa" not in html
    assert 'name="workspace"' not in html  # set on save, never chosen
    when = {"created_at_0": "2026-12-01", "created_at_1": "09:00:00"}
    response = client.post(
        "/admin/accounts/team/add/", {"name": "Rubata", "members": [alfa.admin.pk], **when}
    )
    assert response.status_code == 200  # refused: not a valid choice
    assert not Team.objects.filter(name="Rubata").exists()
    response = client.post("/admin/accounts/team/add/", {"name": "Nuova", **when})
    assert response.status_code == 302
    assert Team.objects.get(name="Nuova").workspace == beta.workspace


def test_a_duplicate_in_the_hidden_workspace_is_a_form_error(shops):
    _, beta = shops
    client = signed_in(beta.admin.user)
    response = client.post(
        "/admin/sportello_channels/channel/add/",
        {"kind": "api", "name": "Doppione", "slug": "posta", "config": "{}", "is_active": "on"},
    )
    assert response.status_code == 200  # the (workspace, slug) constraint, as a form error
    assert response.context["adminform"].form.non_field_errors()
    assert not Channel.objects.filter(name="Doppione").exists()
    response = client.post(
        "/admin/sportello_channels/channel/add/",
        {"kind": "api", "name": "Negozio", "slug": "negozio", "config": "{}", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Channel.objects.get(slug="negozio").workspace == beta.workspace


def test_a_channels_secrets_are_never_shown_and_kept_when_not_retyped(shops):
    _, beta = shops
    client = signed_in(beta.admin.user)
    url = f"/admin/sportello_channels/channel/{beta.channel.pk}/change/"
    html = client.get(url).content.decode()
    assert "smtp-segreta-beta" not in html and "***" in html
    shown = json.loads(json.dumps(beta.channel.config))
    shown["smtp"]["password"] = "***"
    shown["smtp"]["host"] = "smtp2.example.it"
    form = {
        "kind": "email",
        "name": "Posta Beta",
        "slug": "posta",
        "config": json.dumps(shown),
        "is_active": "on",
    }
    assert client.post(url, form).status_code == 302
    beta.channel.refresh_from_db()
    assert beta.channel.config["smtp"] == {
        **beta.channel.config["smtp"],
        "host": "smtp2.example.it",
        "password": "smtp-segreta-beta",
    }
    shown["smtp"]["password"] = "nuova-segreta"
    assert client.post(url, {**form, "config": json.dumps(shown)}).status_code == 302
    beta.channel.refresh_from_db()
    assert beta.channel.config["smtp"]["password"] == "nuova-segreta"
    assert "nuova-segreta" not in client.get(url).content.decode()


def test_no_admin_page_shows_a_token_or_its_hash(shops):
    _, beta = shops
    client = signed_in(beta.admin.user)
    html = client.get(f"/admin/accounts/apitoken/{beta.token.pk}/change/").content.decode()
    assert beta.token.key_hash not in html
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_the_operator_sees_every_workspace(shops):
    alfa, beta = shops
    operator = create_operator("operatore@hosting.it", PASSWORD)
    assert operator.is_superuser and not operator.agents.exists()
    client = signed_in(operator)
    html = client.get("/admin/customers/customer/").content.decode()
    assert "Cliente Alfa" in html and "Cliente Beta" in html
    url = f"/admin/sportello_channels/channel/{alfa.channel.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "smtp-segreta-alfa" not in page.content.decode()
    assert client.get(f"/admin/accounts/user/{beta.admin.user.pk}/password/").status_code == 200


def test_a_demoted_admin_sees_nothing(shops):
    _, beta = shops
    Agent.objects.filter(pk=beta.admin.pk).update(role=Role.AGENT)
    client = signed_in(beta.admin.user)
    assert client.get("/admin/customers/customer/").status_code == 403
    assert "Customers" not in client.get("/admin/").content.decode()


def test_upgrading_turns_admin_agents_into_staff_and_keeps_the_operator():
    """GIVEN an installation from before ADR 0014, where every admin agent was a superuser,
    and an operator made by Django's createsuperuser WHEN the migration runs THEN the
    admin agents are staff of their workspace and the operator is still a superuser."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sportello.accounts.migrations.0002_admins_are_not_superusers")
    shop = WorkspaceFactory()
    admin = create_agent(shop, email="capo@vecchio.it", password=PASSWORD, role=Role.ADMIN)
    User.objects.filter(pk=admin.user_id).update(is_superuser=True)
    operator = User.objects.create_superuser("root@hosting.it", PASSWORD)
    migration.demote_admin_agents(apps, None)
    admin.user.refresh_from_db()
    operator.refresh_from_db()
    assert admin.user.is_staff and not admin.user.is_superuser
    assert operator.is_superuser
    assert signed_in(admin.user).get("/admin/core/workspace/").status_code == 200
