"""A web chat channel's settings page through the Django client: the sites, the look, the
texts in Italian and English and the help-center search as proper fields; the public key
(and so the snippet pasted in the shop's site) never changes when the page is saved; a
refusal of the provider's rules is shown on the field it is about."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Role
from sportello.channels.models import Channel
from sportello.channels.queries import embed_snippet
from tests.factories import WorkspaceFactory
from tests.outbound.helpers import make_email_channel

pytestmark = pytest.mark.django_db

NEW = "/settings/channels/new/?kind=webchat"
FORM = {
    "name": "Chat del sito",
    "slug": "chat",
    "is_active": "on",
    "config__allowed_origins": "https://www.negozio.it\r\nHTTPS://Shop.Negozio.it:8443/",
    "config__color": "#AA3300",
    "config__position": "left",
    "config__help_search": "on",
    "config__greeting__it": "Ciao! Siamo in negozio, scrivici pure.",
    "config__greeting__en": "Hi! We are in the shop, write to us.",
    "config__offline_text__it": "Ora siamo chiusi.",
    "config__offline_text__en": "",
    "config__email_channel": "posta",
    "config__video_base_url": "",
}


@pytest.fixture
def admin_client(workspace) -> Client:
    admin = create_agent(
        workspace, email="titolare@negozio.it", password="password-123", role=Role.ADMIN
    )
    client = Client()
    client.force_login(admin.user)
    return client


@pytest.fixture
def email_channel(workspace) -> Channel:
    return make_email_channel(workspace.pk, slug="posta")


def _field(page: str, name: str) -> str:
    """The markup of one field of the settings form (its ``div.field``)."""
    field = rf'<div class="field[^"]*">(?:(?!<div class="field).)*name="{name}"'
    found = re.search(field, page, re.S)
    assert found, f"no field {name}"
    end = page.find('<div class="field', found.end())
    return page[found.start() : end if end > 0 else None]


def test_a_new_web_chat_page_groups_its_fields(admin_client, email_channel):
    other_workspace = make_email_channel(WorkspaceFactory().pk, slug="altrui")
    page = admin_client.get(NEW).content.decode()
    for heading in ("Siti", "Aspetto", "Testi", "Quando non c'è nessuno online"):
        assert f"<h2>{heading}</h2>" in html.unescape(page)
    assert 'type="color"' in page and 'value="#1f6feb"' in page
    choices = _field(page, "config__email_channel")
    assert 'value="posta"' in choices and other_workspace.slug not in choices
    assert 'name="config__webhook_key"' not in page


def test_an_admin_creates_a_web_chat_channel_and_sees_its_snippet(
    admin_client, workspace, email_channel
):
    created = admin_client.post(NEW, FORM)
    assert created.status_code == 302
    channel = Channel.objects.get(workspace=workspace, slug="chat")
    key = channel.config.pop("webhook_key")
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,64}", key)
    assert channel.config == {
        "allowed_origins": ["https://www.negozio.it", "https://shop.negozio.it:8443"],
        "color": "#aa3300",
        "position": "left",
        "greeting": {
            "it": "Ciao! Siamo in negozio, scrivici pure.",
            "en": "Hi! We are in the shop, write to us.",
        },
        "offline_text": {"it": "Ora siamo chiusi."},
        "email_channel": "posta",
        "video_base_url": "https://meet.jit.si",
        "help_search": True,
    }
    page = html.unescape(admin_client.get(created["Location"]).content.decode())
    assert f'data-channel="{key}"' in page and 'data-copy="embed-snippet"' in page
    assert 'id="webhook-url"' not in page  # the widget's own hooks: nothing to paste
    # The stored values are shown back in their fields, the sites one a line.
    assert "https://www.negozio.it\nhttps://shop.negozio.it:8443</textarea>" in page
    assert 'value="#aa3300"' in page


def test_saving_the_page_keeps_the_key_and_the_snippet(admin_client, workspace, email_channel):
    admin_client.post(NEW, FORM)
    channel = Channel.objects.get(workspace=workspace, slug="chat")
    key, snippet = channel.config["webhook_key"], embed_snippet(channel)
    edited = {
        **FORM,
        "config__allowed_origins": "https://www.negozio.it",
        "config__color": "#336699",
        "config__greeting__en": "Hello there!",
        "config__help_search": "",
        "config__email_channel": "",
    }
    del edited["slug"]
    assert admin_client.post(f"/settings/channels/{channel.pk}/", edited).status_code == 302
    channel.refresh_from_db()
    assert channel.config["webhook_key"] == key and embed_snippet(channel) == snippet
    assert channel.config["allowed_origins"] == ["https://www.negozio.it"]
    assert channel.config["color"] == "#336699"
    assert channel.config["greeting"]["en"] == "Hello there!"
    assert channel.config["help_search"] is False and channel.config["email_channel"] == ""


def test_a_bad_site_is_refused_on_its_field_in_italian(admin_client, workspace, email_channel):
    admin_client.post(NEW, FORM)
    channel = Channel.objects.get(workspace=workspace, slug="chat")
    before = dict(channel.config)
    bad = {**FORM, "config__allowed_origins": "https://www.negozio.it\nwww.negozio.it/chat"}
    del bad["slug"]
    answer = admin_client.post(f"/settings/channels/{channel.pk}/", bad)
    assert answer.status_code == 422
    page = html.unescape(answer.content.decode())
    origins = _field(page, "config__allowed_origins")
    assert "has-error" in origins
    assert "Scrivi ogni sito come https://www.negozio.it" in origins
    assert "www.negozio.it/chat</textarea>" in origins  # what was typed is kept to correct
    assert "Le impostazioni non sono state salvate" in page
    assert "has-error" not in _field(page, "config__color")
    channel.refresh_from_db()
    assert channel.config == before


def test_a_web_chat_needs_at_least_one_site(admin_client, workspace):
    answer = admin_client.post(NEW, {**FORM, "config__allowed_origins": " \n "})
    assert answer.status_code == 422
    assert "has-error" in _field(answer.content.decode(), "config__allowed_origins")
    assert not Channel.objects.filter(workspace=workspace, slug="chat").exists()
