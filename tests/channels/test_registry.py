"""The provider registry is the one place a channel kind is declared: a provider registered
there, and nowhere else, is a kind the API accepts, whose config is checked, whose handles
find customers and whose replies are sent."""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import include, path

import sportello.channels
from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.channels import registry
from sportello.channels.actions import create_channel
from sportello.channels.models import Channel
from sportello.channels.registry import Provider
from sportello.config.urls import provider_hooks
from sportello.conversations.models import Conversation
from sportello.core.errors import InvalidInput
from sportello.customers.models import Identity
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery, DeliveryStatus
from tests.channels import fax_provider
from tests.conftest import ApiClient
from tests.core.test_layers import ROOT, imported_modules
from tests.factories import AgentFactory

KINDS = [
    "email",
    "webchat",
    "whatsapp",
    "messenger",
    "instagram",
    "telegram",
    "phone",
    "sms",
    "reviews",
    "api",
]
# Built in first (email, phone), then the providers' own, then any other handle.
IDENTITY_KINDS = [
    "email",
    "phone",
    "webchat",
    "whatsapp",
    "messenger",
    "instagram",
    "telegram",
    "other",
]


@pytest.fixture
def fax() -> Iterator[Provider]:
    """A provider the house has never heard of, registered for one test."""
    provider = registry.register(
        Provider(
            kind="fax",
            label="Fax",
            identity_kind="fax",
            normalize_handle=fax_provider.normalize_fax_number,
            validate_config=fax_provider.validate_config,
            secret_keys=frozenset({"pin"}),
            send=fax_provider.send,
            urls="tests.channels.fax_provider",
            webhook_path=fax_provider.webhook_path,
            reply_refusal=fax_provider.reply_refusal,
            jobs=("tests.channels.fax_jobs",),
            services=("tests.channels.fax_provider.start_modem",),
        )
    )
    fax_provider.sent.clear()
    yield provider
    registry.unregister("fax")


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


def test_kinds_come_from_the_registry_in_the_order_of_installed_apps():
    assert registry.kinds() == KINDS
    assert [kind for kind, _ in Channel._meta.get_field("kind").choices] == KINDS
    identity_kinds = [kind for kind, _ in Identity._meta.get_field("kind").choices]
    assert identity_kinds == IDENTITY_KINDS
    assert registry.provider("api").identity_kind == "other"
    assert registry.provider("reviews").identity_kind == "other"


def test_channels_import_no_provider_nor_any_higher_floor():
    """Channels is the low floor that ingest and conversations import: providers come to its
    registry, it never goes to them (a static scan, as for core)."""
    higher = {"providers", "ingest", "conversations", "outbound", "customers", "api", "web"}
    higher |= {"config", "demo"}
    channels = Path(sportello.channels.__path__[0])
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in channels.rglob("*.py")
        if "migrations" not in path.parts
        for line, name in imported_modules(path)
        if name.startswith("sportello.") and name.split(".")[1] in higher
    ]
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_with_a_clear_422(admin_api):
    response = admin_api.post(
        "/api/v1/channels", {"kind": "fax", "name": "Fax", "slug": "fax", "config": {}}
    )
    assert response.status_code == 422
    assert "unknown kind 'fax'; use one of email, webchat" in response.json()["detail"]
    assert not Channel.objects.filter(slug="fax").exists()
    with pytest.raises(InvalidInput, match="unknown kind 'fax'"):
        registry.provider("fax")


def test_a_provider_cannot_take_a_kind_already_registered():
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        registry.register(Provider(kind="email", label="Another email"))
    with pytest.raises(ImproperlyConfigured, match="lower-case"):
        Provider(kind="Fax Machine", label="Fax")
    with pytest.raises(ImproperlyConfigured, match="normalised by customers"):
        Provider(kind="sms", label="SMS", identity_kind="phone", normalize_handle=str.strip)


@pytest.mark.django_db
def test_a_registered_provider_is_a_kind_whose_config_is_checked_on_create(fax, admin_api):
    refused = admin_api.post(
        "/api/v1/channels",
        {"kind": "fax", "name": "Fax", "slug": "fax", "config": {"number": "not a number"}},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "number must be the fax machine's digits"

    config = {"number": "065551234", "pin": "7"}
    created = admin_api.post(
        "/api/v1/channels", {"kind": "fax", "name": "Fax", "slug": "fax", "config": config}
    )
    assert created.status_code == 201, created.content
    assert created.json()["config"] == {"number": "065551234", "pin": "***"}
    assert Channel.objects.get(slug="fax").config["pin"] == "7"
    assert Channel(kind="fax").get_kind_display() == "Fax"


@pytest.mark.django_db
def test_handles_on_a_registered_provider_get_its_identity_kind(fax, workspace, api):
    create_channel(workspace.pk, kind="fax", name="Fax", slug="fax", config={"number": "0655"})
    response = api.post(
        "/api/v1/inbound",
        {"channel": "fax", "sender": {"handle": "+39 06 555-1234"}, "text": "Vi mando l'ordine"},
    )
    assert response.status_code == 201, response.content
    identity = Identity.objects.get(customer_id=response.json()["customer_id"])
    assert (identity.kind, identity.value) == ("fax", "39065551234")
    assert identity.get_kind_display() == "Fax"


@pytest.mark.django_db
def test_replies_on_a_registered_provider_are_sent_by_its_sender(
    fax, workspace, agent, api, django_capture_on_commit_callbacks
):
    create_channel(workspace.pk, kind="fax", name="Fax", slug="fax", config={"number": "0655"})
    posted = api.post(
        "/api/v1/inbound",
        {"channel": "fax", "sender": {"handle": "06 555 1234"}, "text": "Avete ricevuto?"},
    ).json()
    conversation = Conversation.objects.get(pk=posted["conversation_id"])

    with django_capture_on_commit_callbacks(execute=True):
        message = send_reply(conversation, agent, "Sì, tutto ricevuto.").message

    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_message_id == f"fax-{delivery.pk}"
    assert fax_provider.sent == [("0655", "Sì, tutto ricevuto.")]


def test_a_providers_jobs_are_imported_when_it_registers(fax):
    from huey.contrib.djhuey import HUEY

    assert "tests.channels.fax_jobs.print_fax_log" in HUEY._registry._registry


def test_a_providers_webhooks_are_mounted_under_hooks_and_its_kind(fax, client):
    hooks = provider_hooks()
    assert [str(hook.pattern) for hook in hooks][-1] == "fax/"

    urlconf = types.ModuleType("urlconf_with_fax")
    urlconf.urlpatterns = [path("hooks/", include(hooks))]  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urlconf):
        response = client.post("/hooks/fax/incoming")
    assert response.status_code == 200 and response.json() == {"received": True}


def test_sportello_run_starts_and_stops_a_providers_services(fax, settings):
    settings.IMAP_IDLE, settings.LMTP_PORT = False, None  # email's, not configured here
    started = registry.start_services(worker=True)
    modems = [s for s in started if isinstance(s, fax_provider.Modem)]
    assert len(modems) == 1 and modems[0].worker and modems[0].running
    for service in started:
        service.stop()
    assert not modems[0].running
    # A process that runs no jobs starts what the provider says it should (here, nothing).
    assert not any(isinstance(s, fax_provider.Modem) for s in registry.start_services(worker=False))


def test_a_channels_webhook_url_comes_from_its_providers_webhook_path(fax, admin_api, settings):
    settings.BASE_URL = "https://assistenza.negozio.it/"
    created = admin_api.post(
        "/api/v1/channels",
        {"kind": "fax", "name": "Fax", "slug": "fax", "config": {"number": "0655"}},
    )
    assert created.status_code == 201
    assert created.json()["webhook_url"] == "https://assistenza.negozio.it/hooks/fax/incoming"
    listed = {c["slug"]: c["webhook_url"] for c in admin_api.get("/api/v1/channels").json()}
    assert listed["api"] is None  # a kind without webhooks


def test_a_providers_reply_refusal_stops_the_reply_before_it_is_stored(fax, workspace, admin_api):
    channel = create_channel(
        workspace.pk, kind="fax", name="Fax", slug="fax", config={"number": "0655"}
    )
    received = admin_api.post(
        "/api/v1/inbound",
        {"channel": "fax", "sender": {"handle": "06 55 11"}, "text": "Inviate il listino?"},
    ).json()
    conversation = Conversation.objects.get(pk=received["conversation_id"])
    fax_provider.refusing = "the fax line is busy"
    try:
        answer = admin_api.post(
            f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Eccolo."}
        )
    finally:
        fax_provider.refusing = None
    assert answer.status_code == 422 and "the fax line is busy" in answer.json()["detail"]
    assert not Delivery.objects.filter(channel=channel).exists()
    assert conversation.messages.filter(direction="out").count() == 0
