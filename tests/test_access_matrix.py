"""Who may do what, on every route: each role × every API operation, web page and admin page.

The routes are enumerated from the running code: the API's operations from the NinjaAPI's
own OpenAPI document, the web's from Django's URL resolver, the admin's from its registry.
A route that is not in the tables below fails with its name, so a new endpoint is
classified once, here, before it ships: who may call it, what it answers when allowed,
and which rows of a workspace it names.

The callers, all against shop Alfa's rows:
- ``admin``, ``supervisor``, ``agent``: Alfa's own agents (a token in the API, a session in
  the web and the admin);
- ``anonymous``: no token, no session;
- ``outsider``: the admin of another workspace, Beta, the strongest caller that must still
  see nothing of Alfa: its ids are not found (404), its lists show only Beta's rows.

What each expects, written down once (``expected``):

| caller | API | web | admin |
|---|---|---|---|
| admin | allowed | allowed | allowed |
| supervisor, agent | allowed; 403 where admin only | allowed | sent to the admin's login |
| (admin, outsider) | | | 403 on what only the operator manages |
| anonymous | 401 | sent to the login | sent to the admin's login |
| outsider | 404 for Alfa's ids; else allowed, showing none of Alfa | the same | the same |

A public route (the token exchange, the login page, health) answers everyone alike.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from sportello.accounts.actions import create_agent, issue_token
from sportello.accounts.models import Agent, Role, Team
from sportello.api.api import api
from sportello.audit.models import AuditEntry
from sportello.automation.models import CannedReply, Macro, Notification, Rule
from sportello.automation.replies import create_canned_reply, create_macro
from sportello.automation.rules.actions import create_rule
from sportello.conversations.models import Conversation, Message, Tag
from sportello.customers.models import Customer, Organization
from sportello.ingest.models import InboundRecord
from sportello.knowledge.actions import create_article, create_category
from sportello.knowledge.models import Article, Category
from sportello.sla.actions import create_calendar, create_policy
from sportello.sla.models import Calendar, SlaPolicy
from sportello.webhooks.actions import create_subscription, ping
from sportello.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.accounts.test_admin_isolation import PASSWORD, Shop, make_shop
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

ROLES = ("admin", "supervisor", "agent", "anonymous", "outsider")
# Who may act where a route names the least role it serves (the outsider is an admin).
RANK = {"agent": 0, "supervisor": 1, "admin": 2}
# Text only Alfa's rows hold: an outsider's page or list showing one has leaked.
ALFA_MARKERS = ("Alfa", "alfa.it")


# --- the world: two shops ---------------------------------------------------------------------


@dataclass
class World:
    alfa: Shop
    beta: Shop
    conversation: Conversation  # Alfa's, with a number Beta has no conversation under
    customer: Customer
    agents: dict[str, Agent]
    category: Category  # Alfa's knowledge base: a shelf with one published article
    article: Article
    calendar: Calendar  # Alfa's own opening hours, used by its own SLA policy
    policy: SlaPolicy
    tokens: dict[str, str] = field(default_factory=dict)
    attached_message_id: int = 0  # Alfa's note with one file


@pytest.fixture(scope="module")
def _world_once(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, Path]]:
    """The two shops, built once for the module's thousand-odd tests rather than once each
    (a third of a second apiece, most of the module's time), inside a transaction rolled
    back after the last. Each test runs in a savepoint within it (pytest-django's ``db``,
    as Django's ``TestCase.setUpTestData``), so what one test writes, the next never sees;
    ``world`` gives each test its own copy of the objects and of the stored files."""
    media = tmp_path_factory.mktemp("access-media")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(MEDIA_ROOT=media):
                built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built, media
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(_world_once, db, settings, tmp_path) -> World:
    built, media = _world_once
    settings.MEDIA_ROOT = tmp_path / "media"
    shutil.copytree(media, settings.MEDIA_ROOT)
    return copy.deepcopy(built)


def build_world() -> World:
    alfa, beta = make_shop("Alfa"), make_shop("Beta")
    agents = {
        "admin": alfa.admin,
        "supervisor": create_agent(
            alfa.workspace, email="vice@alfa.it", password=PASSWORD, role=Role.SUPERVISOR
        ),
        "agent": create_agent(alfa.workspace, email="banco@alfa.it", password=PASSWORD),
        "outsider": beta.admin,
    }
    tokens = {role: issue_token(agent) for role, agent in agents.items()}
    body = {
        "channel": "api",
        "sender": {"name": "Zefiro Alfa", "email": "zefiro@alfa.it"},
        "text": "Seconda domanda di Alfa",
        "external_id": "m-Alfa-2",
    }
    answer = ApiClient(tokens["admin"]).post("/api/v1/inbound", body).json()
    conversation = Conversation.objects.get(pk=answer["conversation_id"])
    assert not Conversation.objects.filter(
        workspace=beta.workspace, number=conversation.number
    ).exists()
    ApiClient(tokens["admin"]).patch(f"/api/v1/conversations/{conversation.pk}", {"tags": ["alfa"]})
    note = ApiClient(tokens["admin"]).post(
        f"/api/v1/conversations/{conversation.pk}/notes",
        {
            "text": "Foto di Alfa",
            "attachments": [{"filename": "alfa.pdf", "content_base64": "JVBERi0xLjQ="}],
        },
    )
    Organization.objects.create(workspace=alfa.workspace, name="Ditta Alfa")
    Group.objects.create(name="Redattori")
    category = create_category(alfa.workspace.pk, name="Spedizioni Alfa")
    article = create_article(
        alfa.workspace.pk,
        title="Resi da Alfa",
        body="<p>I resi sono gratuiti entro 30 giorni.</p>",
        language="it",
        category_id=category.pk,
        status="published",
    )
    calendar = create_calendar(
        alfa.workspace.pk,
        name="Orario Alfa",
        hours={day: [["09:00", "13:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    )
    policy = create_policy(
        alfa.workspace.pk, calendar, name="Urgenti Alfa", position=1, first_reply_minutes=30
    )
    canned = create_canned_reply(
        alfa.admin, title="Spedizione Alfa", shortcut="spedizione", body="Da Alfa", shared=True
    )
    create_macro(alfa.admin, name="Chiudi Alfa", canned_reply_id=canned.pk, status="resolved")
    create_rule(
        alfa.workspace.pk,
        name="Regola Alfa",
        event="message_received",
        actions=[{"type": "add_tags", "tags": ["alfa"]}],
    )
    alfa_hook = create_subscription(
        alfa.workspace.pk,
        url="https://hooks.alfa.it/sportello",
        events=["message.received"],
        description="Webhook Alfa",
    ).subscription
    ping(alfa_hook)
    return World(
        alfa=alfa,
        beta=beta,
        conversation=conversation,
        customer=Customer.objects.get(pk=answer["customer_id"]),
        agents=agents,
        category=category,
        article=article,
        calendar=calendar,
        policy=policy,
        tokens=tokens,
        attached_message_id=note.json()["id"],
    )


def expected(
    role: str,
    *,
    allowed: frozenset[int],
    least_role: str,
    names_a_row: bool,
    public: bool,
    anonymous: int,
    refused: int = 403,
) -> frozenset[int]:
    """The one rule every table below is read with."""
    if public:
        return allowed
    if role == "anonymous":
        return frozenset({anonymous})
    if role == "outsider" and names_a_row:
        return frozenset({404})
    if role in RANK and RANK[role] < RANK[least_role]:
        return frozenset({refused})
    return allowed


def statuses(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def assert_shows_nothing_of_alfa(content: bytes, what: str) -> None:
    text = content.decode(errors="replace")
    for marker in ALFA_MARKERS:
        assert marker not in text, f"{what} shows {marker!r} to another workspace's admin"


# --- the API ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRule:
    allowed: frozenset[int]
    body: Callable[[str], dict[str, Any]] | None = None
    least_role: str = "agent"
    public: bool = False
    # Whether the answer lists the workspace's rows (the admin's must show Alfa's).
    shows_rows: bool = True
    query: str = ""  # what a GET needs in its query string
    # How a lesser role is refused: 403, or 404 where the row is one only its owner (and an
    # admin) may see, such as another agent's token.
    refused: int = 403


def _inbound(role: str) -> dict[str, Any]:
    sender = {"name": "Cliente Matrice", "email": "matrice@example.it"}
    return {"channel": "api", "sender": sender, "text": "Ciao", "external_id": f"x-{role}"}


API: dict[str, ApiRule] = {
    "POST /api/v1/auth/token": ApiRule(
        statuses(200), lambda role: {"email": "capo@alfa.it", "password": PASSWORD}, public=True
    ),
    "POST /api/v1/inbound": ApiRule(statuses(201), _inbound),
    "GET /api/v1/conversations": ApiRule(statuses(200)),
    # A new outgoing email: Alfa's only channel cannot start one (422 for everyone).
    "POST /api/v1/conversations": ApiRule(
        statuses(422),
        lambda role: {"channel_id": 1, "to": "nuovo@example.it", "subject": "Ciao", "text": "Ciao"},
    ),
    "GET /api/v1/conversations/{conversation_id}": ApiRule(statuses(200)),
    # Ids of another workspace are refused one by one (not found): the call itself succeeds.
    "POST /api/v1/conversations/bulk": ApiRule(
        statuses(200), lambda role: {"ids": [1], "add_tags": [f"da-{role}"]}
    ),
    "PATCH /api/v1/conversations/{conversation_id}": ApiRule(
        statuses(200), lambda role: {"priority": 2}
    ),
    "POST /api/v1/conversations/{conversation_id}/reply": ApiRule(
        statuses(201), lambda role: {"text": f"Risposta di {role}"}
    ),
    "POST /api/v1/conversations/{conversation_id}/video-call": ApiRule(statuses(201)),
    "POST /api/v1/conversations/{conversation_id}/snooze": ApiRule(
        statuses(200), lambda role: {"preset": "tomorrow"}
    ),
    "POST /api/v1/conversations/{conversation_id}/notes": ApiRule(
        statuses(201), lambda role: {"text": f"Nota di {role}"}
    ),
    # An agent's call to the customer, logged; the callback owed (Alfa's conversation has
    # none: 404 for everyone who may see the conversation).
    "POST /api/v1/conversations/{conversation_id}/calls": ApiRule(
        statuses(201), lambda role: {"outcome": "no_answer", "note": f"Chiamato da {role}"}
    ),
    "GET /api/v1/conversations/{conversation_id}/callback": ApiRule(
        statuses(404), shows_rows=False
    ),
    "GET /api/v1/customers": ApiRule(statuses(200)),
    "GET /api/v1/customers/{customer_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/customers/{customer_id}": ApiRule(
        statuses(200), lambda role: {"name": f"Rinominato da {role}"}
    ),
    "GET /api/v1/channels": ApiRule(statuses(200)),
    "POST /api/v1/channels": ApiRule(
        statuses(201),
        lambda role: {"kind": "api", "name": f"Canale {role}", "slug": f"canale-{role}"},
        least_role="admin",
    ),
    "PATCH /api/v1/channels/{channel_id}": ApiRule(
        statuses(200), lambda role: {"name": f"Posta di {role}"}, least_role="admin"
    ),
    "GET /api/v1/tokens": ApiRule(statuses(200)),
    "POST /api/v1/tokens": ApiRule(statuses(201), lambda role: {"name": f"Gestionale {role}"}),
    # Alfa's admin's own token: its owner (and any admin) revokes it, another agent is not
    # told it exists.
    "DELETE /api/v1/tokens/{token_id}": ApiRule(statuses(204), least_role="admin", refused=404),
    # Alfa's channel has conversations: it is switched off, never deleted (409).
    "DELETE /api/v1/channels/{channel_id}": ApiRule(statuses(409), least_role="admin"),
    # WhatsApp's templates (issue 15): the world's channel is not WhatsApp, hence 422.
    "GET /api/v1/channels/{channel_id}/whatsapp/templates": ApiRule(
        statuses(422), shows_rows=False
    ),
    "POST /api/v1/channels/{channel_id}/whatsapp/templates/sync": ApiRule(
        statuses(422), least_role="admin", shows_rows=False
    ),
    "POST /api/v1/conversations/{conversation_id}/whatsapp/template": ApiRule(
        statuses(422), lambda role: {"name": "conferma_ordine", "language": "it"}, shows_rows=False
    ),
    # Alfa's channel is not a reviews channel: nothing to import into (404).
    "POST /api/v1/channels/{channel_id}/reviews/import": ApiRule(
        statuses(404), least_role="admin", shows_rows=False
    ),
    "GET /api/v1/audit": ApiRule(statuses(200), least_role="admin"),
    "GET /api/v1/customers/{customer_id}/export": ApiRule(statuses(200), least_role="supervisor"),
    "POST /api/v1/customers/{customer_id}/erase": ApiRule(statuses(200), least_role="admin"),
    "GET /api/v1/kb/search": ApiRule(statuses(200), query="?q=resi+gratuiti"),
    "GET /api/v1/kb/articles": ApiRule(statuses(200)),
    "GET /api/v1/kb/report": ApiRule(statuses(200), least_role="supervisor"),
    "POST /api/v1/bot/answer": ApiRule(
        statuses(200), lambda role: {"question": "Quanto costa la spedizione?"}
    ),
    "POST /api/v1/kb/articles": ApiRule(
        statuses(201),
        lambda role: {"title": f"Guida di {role}", "body": "Testo", "language": "it"},
        least_role="supervisor",
    ),
    "GET /api/v1/kb/articles/{article_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/kb/articles/{article_id}": ApiRule(
        statuses(200), lambda role: {"title": f"Resi, da {role}"}, least_role="supervisor"
    ),
    "DELETE /api/v1/kb/articles/{article_id}": ApiRule(statuses(204), least_role="supervisor"),
    "GET /api/v1/kb/articles/{article_id}/versions": ApiRule(statuses(200)),
    "GET /api/v1/kb/categories": ApiRule(statuses(200)),
    "POST /api/v1/kb/categories": ApiRule(
        statuses(201), lambda role: {"name": f"Scaffale {role}"}, least_role="supervisor"
    ),
    "GET /api/v1/kb/categories/{category_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/kb/categories/{category_id}": ApiRule(
        statuses(200), lambda role: {"description": f"Di {role}"}, least_role="supervisor"
    ),
    # Alfa's category holds an article: refused (409) until it is moved.
    "DELETE /api/v1/kb/categories/{category_id}": ApiRule(statuses(409), least_role="supervisor"),
    "GET /api/v1/calendars": ApiRule(statuses(200)),
    "POST /api/v1/calendars": ApiRule(
        statuses(201),
        lambda role: {"name": f"Orario di {role}", "hours": {"mon": [["09:00", "12:00"]]}},
        least_role="admin",
    ),
    "GET /api/v1/calendars/{calendar_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/calendars/{calendar_id}": ApiRule(
        statuses(200), lambda role: {"holiday_subdivision": "MI"}, least_role="admin"
    ),
    # Alfa's own policy uses the calendar: it is kept (409) until the policy goes.
    "DELETE /api/v1/calendars/{calendar_id}": ApiRule(statuses(409), least_role="admin"),
    "GET /api/v1/sla-policies": ApiRule(statuses(200)),
    "POST /api/v1/sla-policies": ApiRule(
        statuses(201), lambda role: {"name": f"Regola di {role}"}, least_role="admin"
    ),
    "GET /api/v1/sla-policies/{policy_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/sla-policies/{policy_id}": ApiRule(
        statuses(200), lambda role: {"warn_minutes": 10}, least_role="admin"
    ),
    "DELETE /api/v1/sla-policies/{policy_id}": ApiRule(statuses(204), least_role="admin"),
    "GET /api/v1/repeat-contacts": ApiRule(statuses(200), shows_rows=False),
    "PUT /api/v1/repeat-contacts": ApiRule(
        statuses(200),
        lambda role: {"is_enabled": True, "window_days": 10},
        least_role="admin",
        shows_rows=False,
    ),
    "GET /api/v1/acknowledgement": ApiRule(statuses(200), least_role="admin", shows_rows=False),
    "PUT /api/v1/acknowledgement": ApiRule(
        statuses(200),
        lambda role: {
            "is_enabled": True,
            "template_it": f"Grazie da {role}: entro le {{time}} di {{date}}.",
            "template_en": f"Thanks from {role}: by {{time}} on {{date}}.",
            "min_hours_between": 12,
        },
        least_role="admin",
    ),
    "GET /api/v1/canned-replies": ApiRule(statuses(200)),
    # A personal reply: any agent keeps their own.
    "POST /api/v1/canned-replies": ApiRule(
        statuses(201), lambda role: {"title": f"Mia {role}", "shortcut": role, "body": "Ciao"}
    ),
    "GET /api/v1/canned-replies/{reply_id}": ApiRule(statuses(200)),
    # Alfa's shared reply: only an admin changes it.
    "PATCH /api/v1/canned-replies/{reply_id}": ApiRule(
        statuses(200), lambda role: {"title": f"Spedizione di {role}"}, least_role="admin"
    ),
    "DELETE /api/v1/canned-replies/{reply_id}": ApiRule(statuses(204), least_role="admin"),
    "POST /api/v1/canned-replies/{reply_id}/render": ApiRule(
        statuses(200), lambda role: {"conversation_id": _alfa_conversation_id()}
    ),
    "GET /api/v1/macros": ApiRule(statuses(200)),
    "POST /api/v1/macros": ApiRule(
        statuses(201), lambda role: {"name": f"Di {role}", "status": "pending"}, least_role="admin"
    ),
    "GET /api/v1/macros/{macro_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/macros/{macro_id}": ApiRule(
        statuses(200), lambda role: {"note": f"Nota di {role}"}, least_role="admin"
    ),
    "DELETE /api/v1/macros/{macro_id}": ApiRule(statuses(204), least_role="admin"),
    "POST /api/v1/conversations/{conversation_id}/macros/{macro_id}": ApiRule(statuses(200)),
    # Duplicates, merge and unmerge (issue 18): any agent; a merge is undone as easily.
    # Alfa's world has no suggestion to show (tests/customers/test_duplicates.py checks
    # that another workspace's queue lists none of Alfa's).
    "GET /api/v1/customers/duplicates": ApiRule(statuses(200), shows_rows=False),
    "GET /api/v1/customers/{customer_id}/duplicates": ApiRule(statuses(200)),
    "POST /api/v1/customers/{customer_id}/duplicates/dismiss": ApiRule(
        statuses(204), lambda role: {"other_id": _alfa_twin(role, suggested=True)}
    ),
    "POST /api/v1/customers/{customer_id}/merge": ApiRule(
        statuses(200), lambda role: {"other_id": _alfa_twin(role)}
    ),
    "POST /api/v1/customers/{customer_id}/unmerge": ApiRule(
        statuses(200), lambda role: {"merge_id": _alfa_merge(role)}
    ),
    # Merging conversations (issue 18 point 4): Alfa has one conversation, so a merge
    # into itself is refused (422); no merge to undo (404).
    "POST /api/v1/conversations/{conversation_id}/merge": ApiRule(
        statuses(422), lambda role: {"other_id": _alfa_conversation_id()}
    ),
    "POST /api/v1/conversations/{conversation_id}/unmerge": ApiRule(
        statuses(404), lambda role: {"other_id": _alfa_conversation_id()}
    ),
    # Lifecycle, orders, consent, look-up (issue 18 point 5): any agent, as customers are.
    "GET /api/v1/customers/lookup": ApiRule(statuses(200), query="?email=zefiro@alfa.it"),
    "GET /api/v1/customers/{customer_id}/orders": ApiRule(statuses(200), shows_rows=False),
    "GET /api/v1/customers/{customer_id}/consents": ApiRule(statuses(200), shows_rows=False),
    "PUT /api/v1/customers/{customer_id}/consents": ApiRule(
        statuses(200),
        lambda role: {
            "consents": [{"purpose": "marketing", "channel_kind": "email", "granted": True}]
        },
        shows_rows=False,
    ),
    "POST /api/v1/customers/{customer_id}/identities": ApiRule(
        statuses(201), lambda role: {"kind": "email", "value": f"{role}@alfa-bis.it"}
    ),
    "DELETE /api/v1/customers/{customer_id}/identities/{identity_id}": ApiRule(statuses(204)),
    "POST /api/v1/orders": ApiRule(
        statuses(201),
        lambda role: {
            "customer": {"email": f"ordine-{role}@example.it"},
            "number": f"M-{role}",
            "total": "10.00",
            "status": "paid",
            "placed_at": "2026-12-01T10:00:00Z",
        },
        shows_rows=False,
    ),
    "GET /api/v1/privacy/retention": ApiRule(statuses(200), least_role="admin", shows_rows=False),
    "PUT /api/v1/privacy/retention": ApiRule(
        statuses(200), lambda role: {"months": 24, "action": "anonymise"}, least_role="admin"
    ),
    # Reports: supervisors and admins read the workspace's figures.
    "GET /api/v1/reports/repeat-contacts": ApiRule(
        statuses(200), least_role="supervisor", shows_rows=False
    ),
    "GET /api/v1/reports/overview": ApiRule(
        statuses(200), least_role="supervisor", shows_rows=False
    ),
    "GET /api/v1/reports/csat": ApiRule(statuses(200), least_role="supervisor", shows_rows=False),
    "GET /api/v1/reports/nps": ApiRule(statuses(200), least_role="supervisor", shows_rows=False),
    # Feedback: every agent reads the customers' answers; admins set the surveys.
    "GET /api/v1/feedback": ApiRule(statuses(200), shows_rows=False),
    "GET /api/v1/feedback/settings": ApiRule(statuses(200), least_role="admin", shows_rows=False),
    "PUT /api/v1/feedback/settings": ApiRule(
        statuses(200),
        lambda role: {
            "csat_enabled": True,
            "csat_delay_minutes": 30,
            "csat_days_between": 7,
            "csat_question_it": f"Come è andata con {role}?",
            "csat_question_en": f"How was it with {role}?",
            "nps_enabled": False,
            "nps_recent_days": 30,
        },
        least_role="admin",
        shows_rows=False,
    ),
    "POST /api/v1/feedback/nps/send": ApiRule(statuses(200), least_role="admin", shows_rows=False),
    # Rules: every agent reads them, admins write. Alfa's rule is "Regola Alfa".
    # Notifications: each agent reads and marks only their own (the world has none).
    "GET /api/v1/notifications": ApiRule(statuses(200), shows_rows=False),
    "POST /api/v1/notifications/read": ApiRule(
        statuses(200), lambda role: {"ids": None}, shows_rows=False
    ),
    "GET /api/v1/rules": ApiRule(statuses(200)),
    "POST /api/v1/rules": ApiRule(
        statuses(201),
        lambda role: {
            "name": f"Regola di {role}",
            "event": "message_received",
            "actions": [{"type": "set_priority", "priority": 2}],
        },
        least_role="admin",
    ),
    # An order that leaves rules out is refused: the body cannot name the world's ids.
    "POST /api/v1/rules/reorder": ApiRule(
        statuses(422), lambda role: {"order": []}, least_role="admin"
    ),
    "GET /api/v1/rules/{rule_id}": ApiRule(statuses(200)),
    "PATCH /api/v1/rules/{rule_id}": ApiRule(
        statuses(200), lambda role: {"is_enabled": False}, least_role="admin"
    ),
    "DELETE /api/v1/rules/{rule_id}": ApiRule(statuses(204), least_role="admin"),
    # A dry run on a conversation the body names: none of Alfa's, so not found.
    "POST /api/v1/rules/{rule_id}/test": ApiRule(
        statuses(404), lambda role: {"conversation_id": 10**12}, least_role="admin"
    ),
    # Webhooks: admins only. Alfa's is "Webhook Alfa", with a ping in its log.
    "GET /api/v1/webhooks": ApiRule(statuses(200), least_role="admin"),
    "POST /api/v1/webhooks": ApiRule(
        statuses(201),
        lambda role: {"url": f"https://hooks.example.com/{role}", "events": ["reply.sent"]},
        least_role="admin",
    ),
    "GET /api/v1/webhooks/{webhook_id}": ApiRule(statuses(200), least_role="admin"),
    "PATCH /api/v1/webhooks/{webhook_id}": ApiRule(
        statuses(200), lambda role: {"is_enabled": False}, least_role="admin"
    ),
    "DELETE /api/v1/webhooks/{webhook_id}": ApiRule(statuses(204), least_role="admin"),
    "POST /api/v1/webhooks/{webhook_id}/rotate-secret": ApiRule(statuses(200), least_role="admin"),
    "POST /api/v1/webhooks/{webhook_id}/ping": ApiRule(statuses(202), least_role="admin"),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": ApiRule(statuses(200), least_role="admin"),
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": ApiRule(
        statuses(202), least_role="admin"
    ),
}


def _alfa_twin(role: str, *, suggested: bool = False) -> int:
    """Another of Alfa's customers, perhaps suggested as the world's customer's duplicate."""
    from sportello.customers.actions import create_customer
    from sportello.customers.models import DuplicateSuggestion

    zefiro = Customer.objects.get(name="Zefiro Alfa")
    twin = create_customer(zefiro.workspace_id, name=f"Zefiro {role}")
    if suggested:
        DuplicateSuggestion.objects.update_or_create(
            workspace_id=zefiro.workspace_id,
            customer_a_id=zefiro.pk,
            customer_b_id=twin.pk,
            defaults={"score": 0.7, "reasons": ["similar_name"], "state": "open"},
        )
    return twin.pk


def _alfa_identity() -> int:
    """A fresh address of the world's customer, to remove."""
    from sportello.customers.models import Identity

    zefiro = Customer.objects.get(name="Zefiro Alfa")
    count = Identity.objects.filter(customer=zefiro).count()
    return Identity.objects.create(
        workspace_id=zefiro.workspace_id,
        customer=zefiro,
        kind="email",
        value=f"vecchio{count}@alfa.it",
    ).pk


def _alfa_merge(role: str) -> int:
    """A merge of a twin into the world's customer, to undo."""
    from sportello.customers.actions.merge import merge_customers

    zefiro = Customer.objects.get(name="Zefiro Alfa")
    return merge_customers(zefiro.workspace_id, zefiro.pk, _alfa_twin(role)).pk


# An id in a path names one of Alfa's rows.
API_IDS: dict[str, Callable[[World], int]] = {
    "conversation_id": lambda world: world.conversation.pk,
    "customer_id": lambda world: world.customer.pk,
    "channel_id": lambda world: world.alfa.channel.pk,
    "token_id": lambda world: world.alfa.token.pk,
    "article_id": lambda world: world.article.pk,
    "category_id": lambda world: world.category.pk,
    "calendar_id": lambda world: world.calendar.pk,
    "policy_id": lambda world: world.policy.pk,
    "reply_id": lambda world: (
        CannedReply.objects.get(workspace=world.alfa.workspace, shortcut="spedizione").pk
    ),
    "macro_id": lambda world: Macro.objects.get(workspace=world.alfa.workspace).pk,
    "identity_id": lambda world: _alfa_identity(),
    "rule_id": lambda world: (
        Rule.objects.get(workspace=world.alfa.workspace, name="Regola Alfa").pk
    ),
    "webhook_id": lambda world: WebhookSubscription.objects.get(workspace=world.alfa.workspace).pk,
    "delivery_id": lambda world: WebhookDelivery.objects.get(workspace=world.alfa.workspace).pk,
}


def _alfa_conversation_id() -> int:
    return Conversation.objects.get(customer__name="Zefiro Alfa").pk


def api_operations() -> list[str]:
    document = api.get_openapi_schema()
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    )


def test_every_api_operation_is_classified():
    operations = set(api_operations())
    assert not operations - set(API), f"classify in API: {sorted(operations - set(API))}"
    assert not set(API) - operations, f"gone from the API: {sorted(set(API) - operations)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", api_operations())
def test_api_operation_answers_each_caller_as_classified(world, operation, role):
    rule = API.get(operation)
    if rule is None:
        pytest.fail(f"{operation} is not in the access table API: classify it")
    method, template = operation.split(" ", 1)
    names = re.findall(r"{(\w+)}", template)
    unknown = [name for name in names if name not in API_IDS]
    assert not unknown, f"{operation}: say which of Alfa's rows {unknown} names in API_IDS"
    path = template
    for name in names:
        path = path.replace(f"{{{name}}}", str(API_IDS[name](world)))
    path += rule.query
    client = ApiClient(world.tokens.get(role))
    body = rule.body(role) if rule.body else None
    response = getattr(client.client, method.lower())(
        path,
        **({"data": body, "content_type": "application/json"} if body is not None else {}),
        **client.headers,
    )
    want = expected(
        role,
        allowed=rule.allowed,
        least_role=rule.least_role,
        names_a_row=bool(names),
        public=rule.public,
        anonymous=401,
        refused=rule.refused,
    )
    assert response.status_code in want, (operation, role, response.content[:300])
    if role == "outsider" and response.status_code < 400:
        assert_shows_nothing_of_alfa(response.content, operation)
    if role == "admin" and method == "GET" and not names and rule.shows_rows:
        # the check above can fail
        assert ALFA_MARKERS[0] in response.content.decode(), operation


# --- the web pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebRequest:
    method: str
    allowed: frozenset[int]
    data: dict[str, str] | None = None


@dataclass(frozen=True)
class WebRule:
    requests: tuple[WebRequest, ...]
    public: bool = False
    # A row only its owner acts on (one's own token): Alfa's admin owns the one named, the
    # other agents are not told it exists.
    owner_only: bool = False
    least_role: str = "agent"
    # Whether the page shows the workspace's rows (the admin's view must show Alfa's).
    shows_rows: bool = True


def _get(*allowed: int) -> WebRequest:
    return WebRequest("GET", frozenset(allowed or (200,)))


def _post(data: dict[str, str], *allowed: int) -> WebRequest:
    return WebRequest("POST", frozenset(allowed or (302,)), data)


RULE_FORM = {
    "name": "Regola Alfa",
    "event": "message_received",
    "action-0-type": "set_priority",
    "action-0-value": "2",
}
# Every URL pattern outside the API and the admin (each has its own table), by its route.
WEB: dict[str, WebRule] = {
    "healthz": WebRule((_get(),), public=True),
    "login/": WebRule((_get(200, 302),), public=True),  # signed in: on to the inbox
    "logout/": WebRule((_post({}),), public=True),
    "": WebRule((_get(),)),
    # The inbox's bulk bar: back to the inbox; ids of another workspace are refused there.
    "bulk/": WebRule((_post({"ids": "1", "status": "pending"}),), shows_rows=False),
    "c/<rowid:number>/": WebRule((_get(),)),
    # A new outgoing email (Alfa has no email channel that can send: refused, 422).
    "new/email/": WebRule((_get(), _post({"to": "nuovo@example.it", "subject": "Ciao"}, 422))),
    # A new conversation on any channel that can write first (Alfa has none: refused, 422).
    "new/message/": WebRule((_get(), _post({"to": "+393471234567", "text": "Ciao"}, 422))),
    "c/<rowid:number>/reply/": WebRule((_post({"text": "Risposta"}),)),
    "c/<rowid:number>/note/": WebRule((_post({"text": "Nota"}),)),
    "c/<rowid:number>/assign/": WebRule((_post({"assignee": ""}),)),
    "c/<rowid:number>/status/": WebRule((_post({"status": "pending"}),)),
    "c/<rowid:number>/priority/": WebRule((_post({"priority": "2"}),)),
    "c/<rowid:number>/tags/": WebRule((_post({"tags": "urgente"}),)),
    "c/<rowid:number>/calls/": WebRule((_post({"outcome": "no_answer"}),)),
    # Alfa's conversation is no web chat: refused with a message, back to the page.
    "c/<rowid:number>/video/": WebRule((_post({}),)),
    "customers/": WebRule((_get(),)),
    "customers/<rowid:customer_id>/": WebRule((_get(), _post({"name": "Nuovo nome"}))),
    # A message's file: any agent of the workspace downloads it.
    "attachments/<rowid:message_id>/<int:index>/": WebRule((_get(),)),
    # The API's interactive docs: an agent's page, as the UI's are.
    "api/v1/docs": WebRule((_get(),), shows_rows=False),
    "password-reset/": WebRule((_get(),), public=True),
    "password-reset/sent/": WebRule((_get(),), public=True),
    "password-reset/<uidb64>/<token>/": WebRule((_get(),), public=True),  # a stale link
    "password-reset/done/": WebRule((_get(),), public=True),
    "profile/": WebRule((_get(), _post({"display_name": "Io"}, 422))),
    "profile/password/": WebRule((_post({"old_password": "sbagliata"}, 422),)),
    "profile/avatar/": WebRule((_post({}, 422),)),
    # Two-factor: the sign-in's second step (no password passed yet: back to the login),
    # and one's own enrolment and removal on the profile page.
    "login/code/": WebRule((_get(302),), public=True),
    "profile/two-factor/": WebRule((_post({}),)),
    "profile/two-factor/confirm/": WebRule((_post({"code": "x"}, 422),)),
    "profile/two-factor/disable/": WebRule((_post({"password": "x"}, 422),)),
    "profile/two-factor/recovery-codes/": WebRule((_post({"code": "x"}, 422),)),
    "profile/tokens/": WebRule((_post({"name": "Gestionale", "lifetime_days": "30"}, 201),)),
    "profile/tokens/<rowid:token_id>/revoke/": WebRule((_post({}),), owner_only=True),
    # Duplicates, merge and unmerge (issue 18): any agent. The world has no suggestion to
    # list (tests/web/test_duplicates.py lists some).
    "customers/duplicates/": WebRule((_get(),), shows_rows=False),
    "customers/<rowid:customer_id>/merge/<rowid:other_id>/": WebRule(
        (_get(), _post({"reason": "stessa persona"}))
    ),
    "customers/<rowid:customer_id>/unmerge/<rowid:merge_id>/": WebRule((_post({}),)),
    "customers/<rowid:customer_id>/dismiss/<rowid:other_id>/": WebRule((_post({}),)),
    # Lifecycle, contacts and consent edits on the customer page: any agent.
    "customers/<rowid:customer_id>/lifecycle/": WebRule(
        (_post({"stage": "customer", "reason": "ha comprato"}),)
    ),
    "customers/<rowid:customer_id>/contacts/": WebRule(
        (_post({"kind": "phone", "value": "ciao"}, 422),)
    ),
    "customers/<rowid:customer_id>/contacts/<rowid:identity_id>/remove/": WebRule((_post({}),)),
    "customers/<rowid:customer_id>/consents/": WebRule((_post({"do_not_contact": "on"}),)),
    # Alfa's customer has one conversation: nothing to merge, a message, back to the page.
    "customers/<rowid:customer_id>/merge-conversations/": WebRule(
        (_post({"kept": "1", "other": "1"}),)
    ),
    "customers/<rowid:customer_id>/erase/": WebRule(
        (_post({"confirm": "yes"}),), least_role="admin"
    ),
    "audit/": WebRule((_get(),), least_role="admin"),
    # Notifications: one's own only; opening one marks it read and goes to its conversation.
    "notifications/": WebRule((_get(),), shows_rows=False),
    "notifications/read/": WebRule((_post({}),)),
    "notifications/<rowid:notification_id>/": WebRule((_get(302),), owner_only=True),
    # The knowledge base in the agent UI: suggestions for a conversation's reply.
    "c/<rowid:number>/articles/": WebRule((_get(),), shows_rows=False),
    # Not a WhatsApp conversation: refused with a message, back to the page.
    "c/<rowid:number>/whatsapp-template/": WebRule(
        (_post({"name": "conferma", "language": "it"}, 302),)
    ),
    "kb/": WebRule((_get(),)),
    "kb/new/": WebRule(
        (_get(), _post({"title": "Nuova", "body": "Testo", "language": "it", "status": "draft"})),
        least_role="supervisor",
        shows_rows=False,
    ),
    "kb/<rowid:article_id>/": WebRule(
        (_get(), _post({"title": "Resi", "body": "Testo", "status": "published"})),
        least_role="supervisor",
    ),
    "kb/report/": WebRule((_get(),), least_role="supervisor"),
    # Reports (the workspace's figures and its customers at risk; Alfa has none at risk).
    "reports/": WebRule((_get(),), least_role="supervisor", shows_rows=False),
    "reports/export.csv": WebRule((_get(),), least_role="supervisor", shows_rows=False),
    "kb/categories/": WebRule(
        (_get(), _post({"do": "create", "name": "Nuova categoria"})),
        least_role="supervisor",
    ),
    # The workspace's settings: admins only; a channel, agent or team is the workspace's.
    "settings/": WebRule((_get(302),), least_role="admin", shows_rows=False),
    "settings/channels/": WebRule((_get(),), least_role="admin"),
    "settings/channels/new/": WebRule((_get(404),), least_role="admin", shows_rows=False),
    "settings/channels/<rowid:channel_id>/": WebRule(
        (_get(), _post({"name": ""}, 422)), least_role="admin"
    ),
    "settings/channels/<rowid:channel_id>/test/": WebRule((_post({}, 200),), least_role="admin"),
    # The world's channel is not WhatsApp: nothing to sync.
    "settings/channels/<rowid:channel_id>/whatsapp/sync/": WebRule(
        (_post({}, 404),), least_role="admin"
    ),
    "settings/channels/<rowid:channel_id>/reviews/import/": WebRule(
        (_post({}, 404),), least_role="admin", shows_rows=False
    ),
    "settings/agents/": WebRule((_get(),), least_role="admin"),
    "settings/agents/invite/": WebRule(
        (_post({"email": "nuovo@alfa.it", "role": "agent"}),), least_role="admin"
    ),
    "settings/agents/<rowid:agent_id>/": WebRule(
        # The form's fields carry the agent's id: this one is refused as incomplete.
        (_post({"role": "agent"}, 422),),
        least_role="admin",
    ),
    "settings/teams/": WebRule((_post({"name": "Resi"}),), least_role="admin"),
    "settings/teams/<rowid:team_id>/": WebRule((_post({"name": "Resi Alfa"}),), least_role="admin"),
    "settings/sign-in/": WebRule((_post({}),), least_role="admin"),
    # Business hours and SLA: Alfa's calendar and policy are "Orario Alfa" and "Urgenti Alfa".
    # Webhooks: Alfa's is "Webhook Alfa" with a ping in its log; a form left empty is 422.
    "settings/webhooks/": WebRule((_get(),), least_role="admin"),
    "settings/webhooks/new/": WebRule(
        (_get(), _post({"url": ""}, 422)), least_role="admin", shows_rows=False
    ),
    "settings/webhooks/<rowid:webhook_id>/": WebRule(
        (_get(), _post({"url": ""}, 422)), least_role="admin"
    ),
    "settings/webhooks/<rowid:webhook_id>/enable/": WebRule((_post({}),), least_role="admin"),
    "settings/webhooks/<rowid:webhook_id>/rotate/": WebRule((_post({}, 200),), least_role="admin"),
    "settings/webhooks/<rowid:webhook_id>/ping/": WebRule((_post({}),), least_role="admin"),
    "settings/webhooks/<rowid:webhook_id>/delete/": WebRule((_post({}),), least_role="admin"),
    "settings/webhooks/<rowid:webhook_id>/deliveries/<rowid:delivery_id>/redeliver/": WebRule(
        (_post({}),), least_role="admin"
    ),
    "settings/sla/": WebRule((_get(),), least_role="admin"),
    "settings/sla/repeat/": WebRule(
        (_post({"is_enabled": "on", "window_days": "7"}),), least_role="admin"
    ),
    "settings/sla/calendars/new/": WebRule(
        (_get(), _post({"name": ""}, 422)), least_role="admin", shows_rows=False
    ),
    "settings/sla/calendars/<rowid:calendar_id>/": WebRule(
        (_get(), _post({"name": ""}, 422)), least_role="admin"
    ),
    "settings/sla/policies/new/": WebRule((_get(),), least_role="admin"),
    "settings/sla/policies/<rowid:policy_id>/": WebRule(
        (_get(), _post({"name": ""}, 422)), least_role="admin"
    ),
    # The surveys' settings (CSAT, NPS): admins only.
    "settings/feedback/": WebRule(
        (
            _get(),
            _post(
                {
                    "csat_enabled": "on",
                    "csat_delay_minutes": "60",
                    "csat_days_between": "7",
                    "csat_question_it": "Come valuti l'assistenza?",
                    "csat_question_en": "How would you rate our support?",
                    "nps_recent_days": "30",
                    "nps_question_it": "Ci consiglieresti?",
                    "nps_question_en": "Would you recommend us?",
                }
            ),
        ),
        least_role="admin",
        shows_rows=False,
    ),
    # NPS is off in the world: refused with a message, back to the page.
    "settings/feedback/nps/": WebRule((_post({}),), least_role="admin", shows_rows=False),
    # Canned replies: anyone keeps their own; Alfa's shared one is an admin's to change.
    "canned/": WebRule((_get(), _post({"title": "Mia", "shortcut": "mia", "body": "Ciao"}))),
    "canned/<rowid:reply_id>/": WebRule(
        (_get(), _post({"title": "Sped", "shortcut": "spedizione", "body": "Testo"})),
        least_role="admin",
    ),
    "canned/<rowid:reply_id>/delete/": WebRule((_post({}),), least_role="admin"),
    "c/<rowid:number>/canned/": WebRule((_get(),)),
    "c/<rowid:number>/canned/<rowid:reply_id>/": WebRule((_get(),)),
    "c/<rowid:number>/macros/<rowid:macro_id>/": WebRule((_post({}),)),
    # Macros: every agent sees the list; building, changing and deleting are an admin's.
    "macros/": WebRule((_get(),)),
    "macros/new/": WebRule(
        (_get(), _post({"name": "Nuova", "status": "open"})), least_role="admin", shows_rows=False
    ),
    "macros/preview/": WebRule(
        (_post({"reply_text": "Ciao"}, 200),), least_role="admin", shows_rows=False
    ),
    "macros/<rowid:macro_id>/": WebRule(
        (_get(), _post({"name": "Chiudi Alfa", "status": "closed"})), least_role="admin"
    ),
    "macros/<rowid:macro_id>/delete/": WebRule((_post({}),), least_role="admin"),
    # The sidebar's counts again, for a live page (its websocket is tests/web/test_live.py's).
    "live/nav/": WebRule((_get(),), shows_rows=False),
    # Rules: admins only. A rule as the editor posts it (a name, an event, one action).
    "rules/": WebRule((_get(),), least_role="admin"),
    "rules/new/": WebRule((_get(), _post(RULE_FORM)), least_role="admin", shows_rows=False),
    # A row of the editor needs its group: without one, a bad request.
    "rules/row/": WebRule((_get(400),), least_role="admin", shows_rows=False),
    "rules/<rowid:rule_id>/": WebRule((_get(), _post(RULE_FORM)), least_role="admin"),
    "rules/<rowid:rule_id>/move/": WebRule((_post({"direction": "up"}),), least_role="admin"),
    "rules/<rowid:rule_id>/toggle/": WebRule((_post({}),), least_role="admin"),
    "rules/<rowid:rule_id>/delete/": WebRule((_post({}),), least_role="admin"),
    # The public help center: Alfa's published articles, the same for everyone.
    "help/<slug:workspace>/": WebRule((_get(302),), public=True),
    "help/<slug:workspace>/<str:lang>/": WebRule((_get(),), public=True),
    "help/<slug:workspace>/<str:lang>/search/": WebRule((_get(),), public=True),
    "help/<slug:workspace>/<str:lang>/a/<rowid:article_id>/": WebRule(
        (_get(200, 301),), public=True
    ),
    "help/<slug:workspace>/<str:lang>/a/<rowid:article_id>/<slug:slug>/": WebRule(
        (_get(200, 301),), public=True
    ),
    "help/<slug:workspace>/<str:lang>/vote/<rowid:article_id>/": WebRule(
        (_post({"helpful": "yes"}),), public=True
    ),
    "help/<slug:workspace>/<str:lang>/c/<slug:category>/": WebRule((_get(),), public=True),
    # A survey's answer page: the link's token names the survey; one that names none (this
    # one) is not found for anyone (tests/feedback/ answers real ones).
    "feedback/<slug:workspace>/<str:token>/": WebRule((_get(404),), public=True),
    # Providers' webhooks answer the provider, not a person: no session, only the
    # provider's proof (a signature, Telegram's secret token, tested in tests/providers/)
    # and a key; a key that names no channel is not found for anyone.
    "hooks/whatsapp/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/messenger/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/instagram/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/telegram/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/phone/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/sms/<str:key>/": WebRule((_get(404),), public=True),
    "hooks/reviews/<str:key>/": WebRule((_get(404),), public=True),
    # The web chat widget's endpoints: public, checked by the channel's allowed origins
    # and the visitor's token (tests/providers/webchat/).
    "hooks/webchat/avatars/<str:name>": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/config": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/session": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/messages": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/read": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/typing": WebRule((_get(404),), public=True),
    "hooks/webchat/<str:key>/search": WebRule((_get(404),), public=True),
}


def _admins_notification(world: World) -> int:
    """A notification of Alfa's admin about Alfa's conversation."""
    return Notification.objects.get_or_create(
        workspace=world.alfa.workspace,
        agent=world.agents["admin"],
        conversation_id=world.conversation.pk,
        defaults={"text": "Regola Alfa: attenzione", "created_at": timezone.now()},
    )[0].pk


WEB_IDS: dict[str, Callable[[World], int | str]] = {
    "number": lambda world: world.conversation.number,
    "message_id": lambda world: world.attached_message_id,
    "index": lambda world: 0,
    "customer_id": lambda world: world.customer.pk,
    "other_id": lambda world: _alfa_twin("web", suggested=True),
    "merge_id": lambda world: _alfa_merge("web"),
    "identity_id": lambda world: _alfa_identity(),
    "token_id": lambda world: world.alfa.token.pk,
    "reply_id": lambda world: (
        CannedReply.objects.get(workspace=world.alfa.workspace, shortcut="spedizione").pk
    ),
    "macro_id": lambda world: Macro.objects.get(workspace=world.alfa.workspace).pk,
    # A password-reset link that was never issued.
    "uidb64": lambda world: "MQ",
    "token": lambda world: "cn4v1z-0123456789abcdef0123456789abcdef",
    "key": lambda world: "chiave-di-nessun-canale",
    "name": lambda world: "nessuna-immagine-0123456789",  # an agent's picture: none such
    "workspace": lambda world: world.alfa.workspace.slug,
    "lang": lambda world: "it",
    "article_id": lambda world: world.article.pk,
    "slug": lambda world: world.article.slug,
    "category": lambda world: world.category.slug,
    "channel_id": lambda world: world.alfa.channel.pk,
    "agent_id": lambda world: world.agents["agent"].pk,
    "team_id": lambda world: (
        Team.objects.get_or_create(workspace=world.alfa.workspace, name="Alfa")[0].pk
    ),
    "rule_id": API_IDS["rule_id"],
    "calendar_id": API_IDS["calendar_id"],
    "policy_id": API_IDS["policy_id"],
    "notification_id": lambda world: _admins_notification(world),
    "webhook_id": API_IDS["webhook_id"],
    "delivery_id": API_IDS["delivery_id"],
}
# Checked by their own tables: the API (API) and Django's admin (ADMIN).
ELSEWHERE = ("api/v1/", "admin/")


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith(ELSEWHERE):
                found.extend(_routes(pattern.url_patterns, route))
        else:
            found.append(route)
    return found


def web_routes() -> list[str]:
    return sorted(set(_routes(get_resolver().url_patterns)))


def test_every_web_route_is_classified():
    routes = set(web_routes())
    assert not routes - set(WEB), f"classify in WEB: {sorted(routes - set(WEB))}"
    assert not set(WEB) - routes, f"gone from the web: {sorted(set(WEB) - routes)}"


def signed_in(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.agents[role].user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", web_routes())
def test_web_route_answers_each_caller_as_classified(world, route, role):
    rule = WEB.get(route)
    if rule is None:
        pytest.fail(f"{route!r} is not in the access table WEB: classify it")
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    unknown = [name for name in names if name not in WEB_IDS]
    assert not unknown, f"{route}: say which of Alfa's rows {unknown} names in WEB_IDS"
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(WEB_IDS[m[1]](world)), route)
    for request in rule.requests:
        client = signed_in(world, role)
        send = client.post if request.method == "POST" else client.get
        response = send(path, request.data) if request.data is not None else send(path)
        want = expected(
            role,
            allowed=request.allowed,
            least_role="admin" if rule.owner_only else rule.least_role,
            refused=404 if rule.owner_only else 403,
            names_a_row=bool(names),
            public=rule.public,
            anonymous=302,
        )
        assert response.status_code in want, (request.method, path, role)
        if role == "anonymous" and not rule.public:
            assert response["Location"].startswith("/login/?next="), path
        if role == "outsider" and response.status_code == 200 and not rule.public:
            assert_shows_nothing_of_alfa(response.content, path)
        shows = rule.shows_rows and not rule.public
        if role == "admin" and request.method == "GET" and not names and shows:
            assert ALFA_MARKERS[0] in response.content.decode(), path


# --- the admin ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminRule:
    """One of Alfa's rows, to open its change page; ``operator_only`` for a model that is
    not a workspace's (Django's groups): a workspace's admin is refused it (403)."""

    row: Callable[[World], int]
    operator_only: bool = False


ADMIN: dict[str, AdminRule] = {
    "auth.group": AdminRule(lambda world: Group.objects.get(name="Redattori").pk, True),
    "core.workspace": AdminRule(lambda world: world.alfa.workspace.pk),
    "accounts.user": AdminRule(lambda world: world.agents["agent"].user_id),
    "accounts.agent": AdminRule(lambda world: world.agents["agent"].pk),
    "accounts.team": AdminRule(lambda world: world.alfa.team.pk),
    "accounts.apitoken": AdminRule(lambda world: world.alfa.token.pk),
    "sportello_channels.channel": AdminRule(lambda world: world.alfa.channel.pk),
    "customers.customer": AdminRule(lambda world: world.customer.pk),
    "customers.organization": AdminRule(
        lambda world: Organization.objects.get(name="Ditta Alfa").pk
    ),
    "conversations.conversation": AdminRule(lambda world: world.conversation.pk),
    "conversations.message": AdminRule(
        lambda world: Message.objects.filter(conversation=world.conversation).values_list(
            "pk", flat=True
        )[0]
    ),
    "conversations.tag": AdminRule(
        lambda world: Tag.objects.get(workspace=world.alfa.workspace).pk
    ),
    "outbound.delivery": AdminRule(lambda world: world.alfa.delivery.pk),
    "ingest.rejectedinbound": AdminRule(lambda world: world.alfa.rejected.pk),
    "audit.auditentry": AdminRule(
        lambda world: AuditEntry.objects.filter(workspace=world.alfa.workspace).values_list(
            "pk", flat=True
        )[0]
    ),
    "knowledge.article": AdminRule(lambda world: world.article.pk),
    "sla.calendar": AdminRule(lambda world: world.calendar.pk),
    "sla.slapolicy": AdminRule(lambda world: world.policy.pk),
    "knowledge.category": AdminRule(lambda world: world.category.pk),
    "ingest.inboundrecord": AdminRule(
        lambda world: InboundRecord.objects.filter(workspace=world.alfa.workspace).values_list(
            "pk", flat=True
        )[0]
    ),
}


def admin_models() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


def test_every_admin_model_is_classified():
    models = set(admin_models())
    assert not models - set(ADMIN), f"classify in ADMIN: {sorted(models - set(ADMIN))}"
    assert not set(ADMIN) - models, f"gone from the admin: {sorted(set(ADMIN) - models)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", admin_models())
def test_admin_pages_answer_each_caller_as_classified(world, model, role):
    rule = ADMIN.get(model)
    if rule is None:
        pytest.fail(f"{model} is not in the access table ADMIN: classify it")
    app_label, model_name = model.split(".")
    changelist = f"/admin/{app_label}/{model_name}/"
    change = f"{changelist}{rule.row(world)}/change/"
    client = signed_in(world, role)
    for path, names_a_row in ((changelist, False), (change, True)):
        response = client.get(path)
        if role in ("supervisor", "agent", "anonymous"):
            # Not staff: Django's admin sends them to its own login.
            assert response.status_code == 302, (path, role)
            assert response["Location"].startswith("/admin/login/"), (path, role)
            continue
        if rule.operator_only:
            assert response.status_code == 403, (path, role)
            continue
        want = expected(
            role,
            allowed=statuses(200),
            least_role="agent",
            names_a_row=names_a_row,
            public=False,
            anonymous=302,
        )
        assert response.status_code in want, (path, role)
        if not names_a_row:  # Alfa's own admin finds the row; Beta's does not
            linked = change in response.content.decode()
            assert linked == (role == "admin"), (changelist, role)
