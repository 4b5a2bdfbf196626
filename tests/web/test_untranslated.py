"""No English leaks into an Italian page: the main pages are rendered for an agent whose
language is Italian, and any text of the page that is a catalogue msgid whose Italian
translation differs from it (the English text shown as is) fails the test.

What is compared is what a person reads: text nodes and the ``title``, ``placeholder``,
``aria-label`` and ``alt`` attributes, outside scripts and styles. A one- or two-word
msgid ("Open", "Active") counts only as a whole text; a longer one also inside a text,
and a msgid with placeholders by its longest literal part."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client

from sportello.accounts.actions import create_agent, create_team
from sportello.accounts.models import Agent, Role
from sportello.channels.actions import create_channel
from sportello.conversations import actions as conversations
from sportello.conversations.models import Conversation
from sportello.knowledge.actions import create_article, create_category
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.parse import parse_json
from tests.outbound.helpers import make_email_channel

pytestmark = pytest.mark.django_db

PO = Path(__file__).parents[2] / "sportello" / "locale" / "it" / "LC_MESSAGES" / "django.po"
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[sdif]|\{[^}]*\}")


def english_texts() -> tuple[set[str], list[str]]:
    """(msgids matched whole, msgids or their longest literal part matched inside a text),
    for every catalogue entry whose Italian differs from the English."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    whole, inside = set(), []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or not all(strings):
            continue
        for msgid in ids:
            if msgid in strings:
                continue
            parts = [p.strip(" .,:;") for p in _PLACEHOLDER.split(msgid)]
            literal = max(parts, key=len)
            if len(parts) == 1:
                whole.add(" ".join(msgid.split()))
            if len(literal.split()) >= 3 and literal not in "".join(strings):
                inside.append(" ".join(literal.split()))
    # A language shown by its code ("it") rather than its name ("Italiano").
    whole.update(code for code, _name in settings.LANGUAGES)
    # A language picker names each language in its own language ("English" on an Italian
    # page is right there), which the catalogue also translates for other uses.
    whole.difference_update(str(name) for _code, name in settings.LANGUAGES)
    return whole, inside


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.texts.append(text)


def leaks(html: str, whole: set[str], inside: list[str]) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    found = []
    for text in parser.texts:
        bare = text.strip(" .,:;·—–-()")
        if text in whole or bare in whole:
            found.append(text)
            continue
        found.extend(f"{part!r} in {text!r}" for part in inside if part in text)
    return sorted(set(found))


@pytest.fixture
def italian_pages(workspace, agent, customer_writes) -> tuple[list[str], Agent]:
    admin = create_agent(
        workspace, email="titolare@negozio.it", password="x-pass-123", role=Role.ADMIN
    )
    create_team(workspace, "Resi", [agent])
    conversation = customer_writes("Il pacco è arrivato rotto", subject="Reso")
    conversations.assign(conversation, admin, assignee=agent)
    conversations.add_note(conversation, admin, "Chiamare domani")
    conversations.reply(conversation, agent, "Ci scusiamo, lo sostituiamo subito.")
    email = make_email_channel(workspace.pk)
    # A review answered by hand: its stars, its link and the reply's note are in Italian.
    reviews = create_channel(
        workspace.pk, kind="reviews", name="Recensioni", slug="recensioni", config={}
    )
    review = {"id": "r1", "source": "google", "rating": 2, "author": "Ada", "text": "Lento"}
    import_reviews(reviews, parse_json(json.dumps(review).encode()), origin="test")
    review_conversation = Conversation.objects.get(channel=reviews)
    conversations.reply(review_conversation, agent, "Ci scusi, rimediamo.")
    category = create_category(workspace.pk, name="Spedizioni")
    article = create_article(
        workspace.pk,
        title="Resi gratuiti",
        body="<p>Entro 30 giorni.</p>",
        language="it",
        category_id=category.pk,
        status="published",
    )
    return [
        "/",
        "/?view=all",
        f"/c/{conversation.number}/",
        "/customers/",
        f"/customers/{conversation.customer_id}/",
        "/profile/",
        "/audit/",
        "/settings/channels/",
        f"/settings/channels/{email.pk}/",
        f"/c/{review_conversation.number}/",
        f"/settings/channels/{reviews.pk}/",
        "/settings/agents/",
        "/settings/channels/new/?kind=email",
        "/settings/channels/new/?kind=whatsapp",
        "/settings/channels/new/?kind=telegram",
        "/settings/sla/",
        "/settings/sla/calendars/new/",
        "/settings/sla/policies/new/",
        "/settings/channels/new/?kind=reviews",
        "/nessuna-pagina/",
        "/kb/",
        "/kb/categories/",
        f"/kb/{article.pk}/",
    ], admin


def test_no_english_catalogue_text_on_italian_pages(workspace, italian_pages):
    paths, admin = italian_pages
    whole, inside = english_texts()
    client = Client()
    client.force_login(admin.user)
    found = {}
    for path in paths:
        answer = client.get(path)
        assert answer.status_code in (200, 404), path
        found[path] = leaks(answer.content.decode(), whole, inside)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="it")
    for path in ("/login/", "/password-reset/", f"/help/{workspace.slug}/it/"):
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        found[path] = leaks(answer.content.decode(), whole, inside)
    assert {path: texts for path, texts in found.items() if texts} == {}


def test_the_check_catches_a_leak():
    whole, inside = english_texts()
    assert leaks("<p>Sign out</p>", whole, inside) == ["Sign out"]
    assert leaks('<input placeholder="Sign out">', whole, inside) == ["Sign out"]
    assert leaks("<dt>Lingua</dt><dd>it</dd>", whole, inside) == ["it"]
    assert leaks("<p>Esci</p><script>var a = 'Sign out';</script>", whole, inside) == []


def test_a_failed_deliverys_reason_is_in_italian(
    workspace, agent, agent_client, django_capture_on_commit_callbacks
):
    from sportello.outbound import actions as outbound
    from tests.outbound.helpers import customer_email, free_port, lose_smtp

    channel = make_email_channel(workspace.pk, smtp_port=free_port())
    conversation = customer_email(channel)
    with django_capture_on_commit_callbacks(execute=True):
        outbound.send_reply(conversation, agent, "Gentile Mario, arriva domani.")
        lose_smtp(channel)  # before the job runs: the reply cannot leave
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "Non consegnato: il canale non ha un server SMTP configurato" in page
    assert "the channel has no SMTP server configured" not in page
