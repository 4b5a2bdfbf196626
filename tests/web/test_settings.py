"""The settings pages through the web client: channels with proper fields and write-only
secrets, a real connection test, agents invited by email, roles, teams."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.core import mail
from django.test import Client

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role, Team
from sportello.channels.models import Channel
from tests.e2e.mailserver import free_port
from tests.outbound.helpers import SmtpSink

pytestmark = pytest.mark.django_db

PASSWORD = "password-123"


@pytest.fixture
def admin(workspace) -> Agent:
    return create_agent(
        workspace,
        email="titolare@negozio.it",
        password=PASSWORD,
        role=Role.ADMIN,
        display_name="Titolare",
    )


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    client.force_login(admin.user)
    return client


EMAIL_FORM = {
    "name": "Assistenza",
    "slug": "assistenza",
    "is_active": "on",
    "config__address": "assistenza@negozio.it",
    "config__imap__host": "",
    "config__imap__folder": "INBOX",
    "config__imap__ssl": "on",
    "config__smtp__host": "smtp.negozio.it",
    "config__smtp__port": "587",
    "config__smtp__starttls": "on",
    "config__smtp__user": "assistenza@negozio.it",
    "config__smtp__password": "segretissima",
    "config__reopen_days": "30",
}


def test_an_admin_creates_an_email_channel_with_proper_fields(admin_client, workspace):
    page = admin_client.get("/settings/channels/new/?kind=email").content.decode()
    assert 'name="config__smtp__host"' in page and "<textarea" not in page  # no JSON box
    created = admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    assert created.status_code == 302
    channel = Channel.objects.get(workspace=workspace, slug="assistenza")
    assert channel.config["smtp"] == {
        "host": "smtp.negozio.it",
        "port": 587,
        "ssl": False,
        "starttls": True,
        "user": "assistenza@negozio.it",
        "password": "segretissima",
    }
    assert "imap" not in channel.config  # an empty section is left out


def test_a_stored_secret_is_never_shown_and_empty_keeps_it(admin_client, workspace):
    admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    channel = Channel.objects.get(workspace=workspace, slug="assistenza")
    page = admin_client.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert "segretissima" not in page
    assert "•••• (impostata)" in page
    kept = {**EMAIL_FORM, "name": "Assistenza clienti", "config__smtp__password": ""}
    assert admin_client.post(f"/settings/channels/{channel.pk}/", kept).status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Assistenza clienti"
    assert channel.config["smtp"]["password"] == "segretissima"
    changed = {**EMAIL_FORM, "config__smtp__password": "nuova-segreta"}
    admin_client.post(f"/settings/channels/{channel.pk}/", changed)
    channel.refresh_from_db()
    assert channel.config["smtp"]["password"] == "nuova-segreta"


def test_the_django_admin_masks_the_secret_too(admin, admin_client, workspace):
    admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    channel = Channel.objects.get(workspace=workspace, slug="assistenza")
    page = admin_client.get(f"/admin/sportello_channels/channel/{channel.pk}/change/")
    assert page.status_code == 200
    assert "segretissima" not in page.content.decode()
    add = admin_client.get("/admin/sportello_channels/channel/add/").content.decode()
    assert "Aggiungi canale" in add and "Aggiungi channel" not in add
    index = admin_client.get("/admin/").content.decode()
    for italian in ("Agenti e team", "Canali", "Token API"):
        assert italian in index
    assert "Agents and teams" not in index and "Api tokens" not in index


def test_bad_fields_get_translated_errors_not_a_500(admin_client):
    bad = {**EMAIL_FORM, "config__address": "non-un-indirizzo", "config__smtp__port": "99999"}
    answer = admin_client.post("/settings/channels/new/?kind=email", bad)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Inserisci un indirizzo email valido." in html
    assert "65535" in html


def test_a_channel_can_be_switched_off(admin_client, workspace):
    admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    channel = Channel.objects.get(workspace=workspace, slug="assistenza")
    off = {k: v for k, v in EMAIL_FORM.items() if k != "is_active"}
    admin_client.post(f"/settings/channels/{channel.pk}/", off)
    channel.refresh_from_db()
    assert channel.is_active is False
    listing = admin_client.get("/settings/channels/").content.decode()
    assert "Assistenza" in listing and "Disattivato" in listing


def test_a_whatsapp_channel_shows_its_webhook_url_to_copy(admin_client, workspace):
    form = {
        "name": "WhatsApp negozio",
        "slug": "whatsapp",
        "is_active": "on",
        "config__phone_number_id": "1234567890",
        "config__access_token": "EAAG-token",
        "config__app_secret": "app-segreto",
        "config__verify_token": "frase-verifica",
        "config__graph_url": "",
    }
    assert admin_client.post("/settings/channels/new/?kind=whatsapp", form).status_code == 302
    channel = Channel.objects.get(workspace=workspace, slug="whatsapp")
    page = admin_client.get(f"/settings/channels/{channel.pk}/").content.decode()
    key = channel.config["webhook_key"]
    assert f"/hooks/whatsapp/{key}/" in page and "data-copy" in page
    for secret in ("EAAG-token", "app-segreto", "frase-verifica"):
        assert secret not in page


def test_agents_and_supervisors_cannot_open_settings(agent_client):
    assert agent_client.get("/settings/channels/").status_code == 403
    assert agent_client.get("/settings/agents/").status_code == 403


def _smtp_with_login(password: bytes) -> tuple[Controller, int]:
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == password, handled=False)

    port = free_port()
    controller = Controller(
        SmtpSink(port=port),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    return controller, port


def _smtp_channel(workspace, port: int, password: str) -> Channel:
    return Channel.objects.create(
        workspace=workspace,
        kind="email",
        name="Posta",
        slug="posta",
        config={
            "address": "assistenza@negozio.it",
            "smtp": {
                "host": "127.0.0.1",
                "port": port,
                "ssl": False,
                "starttls": False,
                "user": "assistenza@negozio.it",
                "password": password,
            },
        },
    )


def test_test_connection_signs_in_to_a_real_smtp_server(admin_client, workspace):
    controller, port = _smtp_with_login(b"giusta")
    try:
        good = _smtp_channel(workspace, port, "giusta")
        answer = admin_client.post(f"/settings/channels/{good.pk}/test/")
        assert answer.status_code == 200
        assert "SMTP</strong> funziona: Accesso eseguito su 127.0.0.1." in answer.content.decode()
        good.config["smtp"]["password"] = "sbagliata"
        good.save()
        refused = admin_client.post(f"/settings/channels/{good.pk}/test/").content.decode()
        assert "127.0.0.1 ha rifiutato il nome utente o la password." in refused
    finally:
        controller.stop()


def test_test_connection_reports_a_closed_port(admin_client, workspace):
    channel = _smtp_channel(workspace, free_port(), "x")
    page = admin_client.post(f"/settings/channels/{channel.pk}/test/").content.decode()
    assert "ha rifiutato la connessione" in page


def test_an_invitation_email_lets_the_agent_choose_a_password_once(admin_client, workspace):
    team = Team.objects.create(workspace=workspace, name="Resi")
    sent = admin_client.post(
        "/settings/agents/invite/",
        {"email": "Nuova@Negozio.it", "display_name": "Anna", "role": "agent", "teams": [team.pk]},
    )
    assert sent.status_code == 302
    agent = Agent.objects.get(workspace=workspace, user__email="nuova@negozio.it")
    assert list(agent.teams.all()) == [team]
    assert not agent.user.has_usable_password()
    [email] = mail.outbox
    assert email.to == ["nuova@negozio.it"] and "Titolare" in email.subject
    link = re.search(r"http://testserver(/password-reset/\S+/)", email.body)[1]
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Una-nuova-parola-1", "new_password2": "Una-nuova-parola-1"},
    )
    assert done.status_code == 302
    login = Client().post(
        "/login/", {"username": "nuova@negozio.it", "password": "Una-nuova-parola-1"}
    )
    assert login.status_code == 302 and login["Location"] == "/"
    again = Client().get(link, follow=True).content.decode()
    assert 'name="new_password1"' not in again  # the link worked once


def test_inviting_an_agent_twice_is_a_clear_error(admin_client, admin):
    answer = admin_client.post(
        "/settings/agents/invite/", {"email": admin.user.email, "role": "agent"}
    )
    assert answer.status_code == 422
    assert "già un agente" in answer.content.decode()


def test_an_admin_changes_role_teams_and_switches_an_agent_off(admin_client, agent, workspace):
    team = Team.objects.create(workspace=workspace, name="Vendite")
    prefix = f"a{agent.pk}"
    answer = admin_client.post(
        f"/settings/agents/{agent.pk}/",
        {f"{prefix}-role": "supervisor", f"{prefix}-teams": [team.pk]},
    )
    assert answer.status_code == 302
    agent.refresh_from_db()
    assert agent.role == "supervisor" and agent.is_active is False
    assert list(agent.teams.all()) == [team]


def test_the_last_admin_cannot_be_demoted(admin_client, admin):
    prefix = f"a{admin.pk}"
    answer = admin_client.post(
        f"/settings/agents/{admin.pk}/", {f"{prefix}-role": "agent", f"{prefix}-is_active": "on"}
    )
    assert answer.status_code == 422
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_teams_are_created_renamed_and_deleted(admin_client, workspace):
    assert admin_client.post("/settings/teams/", {"name": "Resi"}).status_code == 302
    team = Team.objects.get(workspace=workspace, name="Resi")
    assert admin_client.post("/settings/teams/", {"name": "resi"}).status_code == 422
    admin_client.post(f"/settings/teams/{team.pk}/", {"name": "Resi e rimborsi"})
    team.refresh_from_db()
    assert team.name == "Resi e rimborsi"
    admin_client.post(f"/settings/teams/{team.pk}/", {"name": team.name, "delete": "1"})
    assert not Team.objects.filter(pk=team.pk).exists()


def test_another_workspaces_channel_is_not_found(admin_client):
    from tests.factories import WorkspaceFactory

    other = Channel.objects.create(workspace=WorkspaceFactory(), kind="api", name="Altro", slug="x")
    assert admin_client.get(f"/settings/channels/{other.pk}/").status_code == 404


def test_a_providers_refusal_is_said_in_italian(admin_client):
    both = {**EMAIL_FORM, "config__smtp__ssl": "on"}  # SSL/TLS and STARTTLS together
    answer = admin_client.post("/settings/channels/new/?kind=email", both)
    assert answer.status_code == 422
    assert "SMTP: scegli SSL/TLS o STARTTLS, non entrambi" in answer.content.decode()


def test_a_taken_identifier_is_a_clear_error(admin_client):
    admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    again = admin_client.post("/settings/channels/new/?kind=email", EMAIL_FORM)
    assert again.status_code == 422
    assert "un altro canale ha questo identificativo" in again.content.decode()
