"""The audit log page: admins read it in their language; others find no way in."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.channels.actions import create_channel, update_channel
from sportello.privacy.actions import erase_customer_data
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(workspace) -> Client:
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Amministratrice")
    client = Client()
    client.force_login(admin.user)
    return client


def test_an_admin_reads_the_log_in_italian_and_filters_it(admin_client, workspace):
    channel = create_channel(workspace.pk, kind="api", name="Negozio", slug="negozio", config={})
    update_channel(channel, name="Negozio online")

    page = admin_client.get("/audit/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Registro attività" in html and "Canale aggiunto" in html and "Canale modificato" in html
    assert 'href="/audit/"' in admin_client.get("/").content.decode()  # in the menu
    only_added = admin_client.get("/audit/?action=channel.created").content.decode()
    assert only_added.count('class="audit-entry"') == 1
    assert '<span class="audit-action">Canale aggiunto</span>' in only_added
    assert "Sistema" in html  # no request: the system acted


def test_the_log_speaks_english_to_an_english_admin(workspace):
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, language="en")
    issue_token(admin)
    client = Client()
    client.force_login(admin.user)
    html = client.get("/audit/").content.decode()
    assert "Audit log" in html and "API token issued" in html and "Registro" not in html


def test_agents_and_supervisors_have_no_link_and_no_access(agent_client, workspace):
    assert 'href="/audit/"' not in agent_client.get("/").content.decode()
    assert agent_client.get("/audit/").status_code == 403
    supervisor = AgentFactory(workspace=workspace, role=Role.SUPERVISOR)
    client = Client()
    client.force_login(supervisor.user)
    assert client.get("/audit/").status_code == 403


@pytest.mark.parametrize(
    "query", ["since=ieri", "until=2026-13-45", "cursor=¹", "actor=x", "action=%00"]
)
def test_odd_filters_are_dropped_not_refused(admin_client, query):
    assert admin_client.get(f"/audit/?{query}").status_code == 200


def test_an_erased_customers_page_shows_the_tombstone(
    admin_client, workspace, customer_writes, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    conversation = customer_writes("Sono Mario, 3331234567", name="Mario Rossi")
    erase_customer_data(workspace.pk, conversation.customer_id)

    html = admin_client.get(f"/customers/{conversation.customer_id}/").content.decode()
    assert "Cliente cancellato" in html and "Mario Rossi" not in html
    page = admin_client.get(f"/c/{conversation.number}/").content.decode()
    assert "3331234567" not in page and "Mario Rossi" not in page
    assert "Dati personali rimossi da questa conversazione" in page
    assert "Contenuto rimosso (dati personali)" in page
    log = admin_client.get("/audit/?action=customer").content.decode()
    assert "Dati del cliente cancellati" in log


def test_an_admin_erases_a_customer_from_their_page_once_confirmed(
    admin_client, customer_writes, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    conversation = customer_writes("Sono Mario", name="Mario Rossi")
    page = f"/customers/{conversation.customer_id}/"
    html = admin_client.get(page).content.decode()
    assert "Cancella i dati personali" in html and "Esporta i dati (ZIP)" in html

    unconfirmed = admin_client.post(f"{page}erase/", follow=True).content.decode()
    assert "Spunta la casella" in unconfirmed and "Mario Rossi" in unconfirmed

    done = admin_client.post(f"{page}erase/", {"confirm": "yes"}, follow=True)
    html = done.content.decode()
    assert "Dati personali cancellati." in html and "Mario Rossi" not in html
    assert "Cancella i dati personali" not in html  # nothing left to erase
    export = admin_client.get(f"/api/v1/customers/{conversation.customer_id}/export")
    assert export.status_code == 200  # the session works for the API's download


def test_an_agent_sees_no_privacy_tools_and_may_not_erase(agent_client, customer_writes):
    conversation = customer_writes("Sono Mario", name="Mario Rossi")
    page = f"/customers/{conversation.customer_id}/"
    html = agent_client.get(page).content.decode()
    assert "Esporta i dati" not in html and "Cancella i dati personali" not in html
    assert agent_client.post(f"{page}erase/", {"confirm": "yes"}).status_code == 403
    assert "Mario Rossi" in agent_client.get(page).content.decode()
