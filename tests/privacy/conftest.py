"""A customer with a history worth exporting and erasing: an email with an attachment,
an API message, an agent's reply and an internal note."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.providers.email.receive import receive_email
from tests.conftest import ApiClient
from tests.factories import AgentFactory
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel

NAME = "Ermenegilda Quaglierini"
EMAIL = "ermenegilda.quaglierini@example.it"
BODY_WORD = "zanzibarite"  # a word nobody else writes: what the search must forget
NOTE_WORD = "tessera-77341"
ATTACHMENT = b"%PDF-1.4 fattura numero 77 di Ermenegilda Quaglierini\n" * 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN, display_name="Amministratrice")
    return ApiClient(issue_token(admin))


@pytest.fixture
def supervisor_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.SUPERVISOR)))


def email_with_attachment(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{NAME} <{EMAIL}>"
    message["To"] = SHOP_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = "<fattura-77@example.it>"
    message["Date"] = "Mon, 03 Nov 2025 10:00:00 +0100"
    message.set_content(body)
    message.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename="fattura 77.pdf"
    )
    return message.as_bytes()


@dataclass
class History:
    customer_id: int
    email_conversation_id: int
    api_conversation_id: int
    attachment_file: Path


@pytest.fixture
def history(workspace, api, media) -> History:
    """GIVEN a customer who wrote an email with an invoice attached and a message through
    the API, got a reply, and has an internal note about them."""
    channel = make_email_channel(workspace.pk)
    outcome = receive_email(
        channel,
        email_with_attachment(
            f"Fattura {BODY_WORD}", f"Buongiorno, allego la fattura {BODY_WORD}. {NAME}"
        ),
        source="test",
    )
    assert outcome.status == "ingested", outcome
    posted = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "sender": {"name": NAME, "email": EMAIL},
            "subject": "Reso",
            "text": f"Vorrei fare un reso del {BODY_WORD}, grazie",
        },
    ).json()
    assert posted["customer_id"]
    conversation = posted["conversation_id"]
    assert (
        api.post(
            f"/api/v1/conversations/{conversation}/reply", {"text": f"Gentile {NAME}, certo"}
        ).status_code
        == 201
    )
    assert (
        api.post(
            f"/api/v1/conversations/{conversation}/notes", {"text": f"Cliente con {NOTE_WORD}"}
        ).status_code
        == 201
    )
    files = list((media / "attachments").rglob("*"))
    stored = [f for f in files if f.is_file()]
    assert len(stored) == 1
    return History(posted["customer_id"], outcome.conversation_id, conversation, stored[0])


def rows_holding(text: str) -> list[str]:
    """Every row of every model, in any text or JSON column, that holds ``text``."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                lookup = {f"{field.attname}__icontains": text}
                if model._default_manager.filter(**lookup).exists():
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found
