"""The webhooks settings pages as an admin uses them, in Italian: add a webhook and copy
its secret, see a failing delivery and send it again, switch a failing webhook on again."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.webhooks import actions
from sportello.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.factories import AgentFactory, WorkspaceFactory
from tests.providers.fake_http import Reply
from tests.web.test_untranslated import english_texts, leaks
from tests.webhooks.conftest import HOOK

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(workspace) -> Agent:
    return create_agent(
        workspace, email="titolare@negozio.it", password="x-pass-123", role=Role.ADMIN
    )


@pytest.fixture
def italian(admin) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="it")
    client.force_login(admin.user)
    return client


def test_an_admin_adds_a_webhook_and_is_shown_its_secret_once(italian):
    listed = italian.get("/settings/webhooks/")
    assert listed.status_code == 200
    html = listed.content.decode()
    assert 'href="/settings/webhooks/" aria-current="page"' in html
    assert "Nessun webhook" in html

    answer = italian.post(
        "/settings/webhooks/new/",
        {
            "description": "Negozio online",
            "url": "https://shop.negozio.example/sportello",
            "events": ["message.received", "conversation.status_changed"],
            "is_enabled": "on",
        },
    )
    assert answer.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["message.received", "conversation.status_changed"]
    html = answer.content.decode()
    assert subscription.secret in html and "non sarà più mostrato" in html
    assert (
        subscription.secret
        not in italian.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    )

    listed = italian.get("/settings/webhooks/").content.decode()
    assert "Negozio online" in listed and "Messaggio ricevuto" in listed


def test_refusals_are_said_on_the_field_in_italian(italian, settings):
    answer = italian.post(
        "/settings/webhooks/new/",
        {"url": "http://shop.negozio.example/sportello", "events": []},
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "https è obbligatorio" in html and "Scegli almeno un evento" in html
    answer = italian.post(
        "/settings/webhooks/new/", {"url": "https://10.0.0.5/x", "events": ["reply.sent"]}
    )
    assert answer.status_code == 422 and "indirizzi locali e privati" in answer.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_deliveries_show_their_outcome_and_can_be_sent_again(
    italian, workspace, receiver, django_capture_on_commit_callbacks
):
    receiver.then("POST", HOOK, Reply(500, body=b"errore interno"))
    receiver.route("POST", HOOK, Reply(400, body=b"campo sconosciuto"))
    subscription = actions.create_subscription(
        workspace.pk, url=receiver.url + HOOK, events=["reply.sent"]
    ).subscription
    page = f"/settings/webhooks/{subscription.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        sent = italian.post(f"{page}ping/")
    assert sent.status_code == 302
    html = italian.get(page).content.decode()
    assert "Evento di prova inviato" in html
    assert "HTTP 500" in html and "tentativo 1 di 8" in html
    assert "In attesa" in html and "errore interno" in html

    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        again = italian.post(f"{page}deliveries/{delivery.pk}/redeliver/")
    assert again.status_code == 302
    html = italian.get(page).content.decode()
    assert "Evento inviato di nuovo" in html and "campo sconosciuto" in html
    newest = WebhookDelivery.objects.latest("pk")
    assert newest.redelivery_of_id == delivery.pk and newest.status == DeliveryStatus.FAILED
    assert "Ultima consegna: Non riuscito" in italian.get("/settings/webhooks/").content.decode()


def test_a_webhook_switched_off_for_failing_says_so_and_is_switched_on_again(italian, workspace):
    subscription = actions.create_subscription(
        workspace.pk, url="https://shop.negozio.example/x", events=["reply.sent"]
    ).subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_enabled=False,
        consecutive_failures=15,
        disabled_reason="switched off after 15 or more failed attempts",
        disabled_at=subscription.created_at,
    )
    page = f"/settings/webhooks/{subscription.pk}/"
    assert "Webhook disattivato" in italian.get(page).content.decode()
    assert "ogni tentativo falliva" in italian.get("/settings/webhooks/").content.decode()
    italian.post(f"{page}enable/")
    subscription.refresh_from_db()
    assert subscription.is_enabled and subscription.consecutive_failures == 0


def test_edit_rotate_and_delete(italian, workspace):
    created = actions.create_subscription(
        workspace.pk, url="https://shop.negozio.example/x", events=["reply.sent"]
    )
    page = f"/settings/webhooks/{created.subscription.pk}/"
    saved = italian.post(
        page,
        {
            "description": "CRM",
            "url": "https://crm.negozio.example/in",
            "events": ["customer.created"],
        },
    )
    assert saved.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.url == "https://crm.negozio.example/in" and not subscription.is_enabled
    rotated = italian.post(f"{page}rotate/")
    subscription.refresh_from_db()
    assert subscription.secret != created.secret and subscription.secret in rotated.content.decode()
    assert italian.post(f"{page}delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_only_the_workspaces_admins_see_the_pages(workspace, admin):
    subscription = actions.create_subscription(
        workspace.pk, url="https://shop.negozio.example/x", events=["reply.sent"]
    ).subscription
    agent = AgentFactory(workspace=workspace, role=Role.AGENT)
    client = Client()
    client.force_login(agent.user)
    assert client.get("/settings/webhooks/").status_code == 403
    assert client.post(f"/settings/webhooks/{subscription.pk}/ping/").status_code == 403
    stranger = AgentFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    client.force_login(stranger.user)
    assert client.get(f"/settings/webhooks/{subscription.pk}/").status_code == 404
    assert client.post(f"/settings/webhooks/{subscription.pk}/delete/").status_code == 404
    assert WebhookSubscription.objects.filter(pk=subscription.pk).exists()


def test_no_english_is_left_on_the_italian_pages(italian, workspace):
    subscription = actions.create_subscription(
        workspace.pk, url="https://shop.negozio.example/x", events=["reply.sent"]
    ).subscription
    actions.ping(subscription)
    whole, inside = english_texts()
    for path in (
        "/settings/webhooks/",
        "/settings/webhooks/new/",
        f"/settings/webhooks/{subscription.pk}/",
    ):
        answer = italian.get(path)
        assert answer.status_code == 200
        assert leaks(answer.content.decode(), whole, inside) == [], path


def test_the_list_costs_the_same_queries_for_one_webhook_or_many(italian, workspace):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def webhook(n: int) -> None:
        created = actions.create_subscription(
            workspace.pk, url=f"https://shop.negozio.example/{n}", events=["reply.sent"]
        )
        actions.ping(created.subscription)

    webhook(0)
    italian.get("/settings/webhooks/")  # the sidebar's counts cached, as on any page
    with CaptureQueriesContext(connection) as one:
        italian.get("/settings/webhooks/")
    for n in range(1, 6):
        webhook(n)
    with CaptureQueriesContext(connection) as six:
        answer = italian.get("/settings/webhooks/")
    assert answer.content.decode().count("Ultima consegna: In attesa") == 6
    assert len(six) <= len(one)
