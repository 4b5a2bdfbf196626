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
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation

from sportello.accounts.actions import create_agent, create_team
from sportello.accounts.models import Agent, Role
from sportello.automation.models import Rule
from sportello.automation.replies import create_canned_reply, create_macro
from sportello.automation.rules.actions import ensure_default_rules
from sportello.channels.actions import create_channel
from sportello.conversations import actions as conversations
from sportello.conversations.models import Conversation
from sportello.customers.actions.lifecycle import (
    ConsentChange,
    OrderIn,
    record_order,
    set_consents,
)
from sportello.feedback.actions import answer_survey, update_feedback_settings
from sportello.knowledge.actions import create_article, create_category
from sportello.providers.reviews.importing import import_reviews
from sportello.providers.reviews.parse import parse_json
from sportello.sla.actions import create_calendar, create_policy
from sportello.web.views import errors
from tests.feedback.helpers import sent_survey
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
    # Rules (the default ones), a shared canned reply and a macro, a calendar with its
    # policy, a customer with a paid order and a consent, for the pages that show them.
    ensure_default_rules(workspace.pk)
    rule = Rule.objects.filter(workspace=workspace).order_by("position").first()
    assert rule is not None
    reply = create_canned_reply(
        admin, title="Ringraziamento", shortcut="grazie", body="Grazie!", shared=True
    )
    create_macro(admin, name="Reso ricevuto", reply_text="Reso ricevuto.", status="resolved")
    calendar = create_calendar(
        workspace.pk, name="Negozio", time_zone="Europe/Rome", hours={"mon": [["09:00", "18:00"]]}
    )
    policy = create_policy(workspace.pk, calendar, name="Standard", first_reply_minutes=60)
    order = OrderIn(
        number="A-1001",
        total="49.90",
        currency="EUR",
        status="paid",
        placed_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        email="luca.bianchi@libero.it",
        name="Luca Bianchi",
    )
    buyer = record_order(workspace.pk, order).order.customer
    set_consents(buyer, [ConsentChange("marketing", "email", True)], source="web_form")
    # Surveys on, one answered (the side panel, the timeline, the answer page), one skipped.
    update_feedback_settings(
        workspace.pk,
        csat_enabled=True,
        csat_delay_minutes=60,
        csat_days_between=7,
        csat_question_it="Come valuti l'assistenza?",
        csat_question_en="How would you rate our support?",
        nps_enabled=True,
        nps_recent_days=30,
    )
    survey, survey_token = sent_survey(conversation, sent_at=datetime.now(UTC))
    answer_survey(survey, score=4, comment="Gentili")
    conversations.record_event(review_conversation.pk, "survey_skipped", kind="csat", reason="spam")
    help_center = f"/help/{workspace.slug}/it"
    return [
        "/",
        "/?view=all",
        f"/customers/{buyer.pk}/",
        "/customers/duplicates/",
        "/notifications/",
        "/new/email/",
        f"/settings/sla/calendars/{calendar.pk}/",
        f"/settings/sla/policies/{policy.pk}/",
        "/canned/",
        f"/canned/{reply.pk}/",
        "/rules/",
        "/rules/new/",
        f"/rules/{rule.pk}/",
        "/kb/new/",
        "/kb/report/",
        f"{help_center}/",
        f"{help_center}/a/{article.pk}/{article.slug}/",
        f"{help_center}/c/{category.slug}/",
        f"{help_center}/search/?q=resi",
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
        "/settings/feedback/",
        f"/feedback/{workspace.slug}/{survey_token}/",
        f"/feedback/{workspace.slug}/{'A' * 32}/",
    ], admin


def test_no_english_catalogue_text_on_italian_pages(workspace, italian_pages):
    paths, admin = italian_pages
    whole, inside = english_texts()
    client = Client()
    client.force_login(admin.user)
    found, statuses = {}, {}
    for path in paths:
        answer = client.get(path)
        statuses[path] = answer.status_code
        found[path] = leaks(answer.content.decode(), whole, inside)
    # Two-factor enrolment: the page with the QR code and the code to confirm it.
    enrolment = client.post("/profile/two-factor/", follow=True)
    statuses["/profile/two-factor/ (POST)"] = enrolment.status_code
    found["/profile/two-factor/ (POST)"] = leaks(enrolment.content.decode(), whole, inside)
    unexpected = {path: code for path, code in statuses.items() if code not in (200, 404)}
    assert not unexpected, sorted(unexpected.items())
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="it")
    for path in (
        "/login/",
        "/password-reset/",
        "/password-reset/sent/",
        "/password-reset/done/",
        "/password-reset/MQ/link-scaduto/",
        f"/help/{workspace.slug}/it/",
    ):
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        found[path] = leaks(answer.content.decode(), whole, inside)
    # An agent who is not an admin, on an admin's page: the refusal is in Italian too.
    colleague = create_agent(workspace, email="commessa@negozio.it", password="x-pass-123")
    refused = Client()
    refused.force_login(colleague.user)
    for path in ("/settings/channels/", "/rules/", "/audit/"):
        answer = refused.get(path)
        assert answer.status_code == 403, path
        found[f"{path} (agent)"] = leaks(answer.content.decode(), whole, inside)
    # The server's error page, as the handler renders it for an Italian visitor.
    request = RequestFactory(HTTP_ACCEPT_LANGUAGE="it").get("/c/1/")
    with translation.override("it"):
        found["500"] = leaks(errors.server_error(request).content.decode(), whole, inside)
    leaked = {path: texts for path, texts in found.items() if texts}
    assert not leaked, sorted(leaked.items())


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


def test_review_import_problems_and_feed_errors_read_in_the_admins_language(workspace):
    """GIVEN a reviews channel whose feeds are a bomb and a missing page, read by the
    periodic job WHEN an Italian admin opens the channel and uploads a CSV with two bad
    rows THEN the feeds' errors and the bad rows are told in Italian; an English admin
    reads the same stored errors in English."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sportello.providers.reviews.polling import poll_channel
    from tests.providers.reviews import fixtures
    from tests.providers.reviews.helpers import fake_site, make_reviews_channel

    with fake_site() as site:
        bomb = site.serve("/bomb", fixtures.XML_BOMB)
        missing = bomb.replace("/bomb", "/sparito")
        channel = make_reviews_channel(workspace.pk, feeds=[bomb, missing])
        poll_channel(channel.pk)
    admin = create_agent(workspace, email="capo@negozio.it", password="x-pass-123", role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    page = client.post(
        f"/settings/channels/{channel.pk}/reviews/import/",
        {"file": SimpleUploadedFile("recensioni.csv", fixtures.CSV_IT, "text/csv")},
    ).content.decode()
    assert "riga 4</strong>: né testo né voto" in page
    assert "riga 5</strong>: la data &#39;31/02/2026&#39; non si legge" in page
    assert "l&#39;XML è stato rifiutato" in page and "il sito ha risposto HTTP 404" in page
    whole, inside = english_texts()
    assert leaks(page, whole, inside) == []
    refused = client.post(
        f"/settings/channels/{channel.pk}/reviews/import/",
        {"file": SimpleUploadedFile("vuoto.csv", b"", "text/csv")},
    ).content.decode()
    assert "Non è stato possibile leggere il file: il file è vuoto" in refused
    admin.language = "en"
    admin.save(update_fields=["language"])
    english = client.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert "the site answered HTTP 404" in english and "entities are not read" in english


def test_a_customers_stage_changed_by_an_order_reads_in_italian(workspace, agent, agent_client):
    """GIVEN an order posted by the shop's system that made a person a customer, and her
    consent given on a web form WHEN an Italian agent opens her page THEN the change
    reads "(ordine A-1001) · Sistema", nothing in English; the API keeps the English."""
    from datetime import UTC, datetime

    from sportello.customers.actions.lifecycle import (
        ConsentChange,
        OrderIn,
        record_order,
        set_consents,
    )
    from tests.conftest import ApiClient

    placed = datetime(2026, 12, 1, 10, tzinfo=UTC)
    order = OrderIn(
        number="A-1001",
        total="49.90",
        currency="EUR",
        status="paid",
        placed_at=placed,
        email="luca.bianchi@libero.it",
        name="Luca Bianchi",
    )
    customer = record_order(workspace.pk, order).order.customer
    set_consents(customer, [ConsentChange("marketing", "email", True)], source="web_form")
    page = agent_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "(ordine A-1001) · Sistema" in page
    assert "ordine A-1001" in page.split("(ordine A-1001)")[0]  # the stage's "why" too
    whole, inside = english_texts()
    assert leaks(page, whole, inside) == []
    from sportello.accounts.actions import issue_token

    shown = ApiClient(issue_token(agent)).get(f"/api/v1/customers/{customer.pk}").json()
    assert shown["lifecycle_reason"] == "order A-1001"
