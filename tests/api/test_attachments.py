"""Attachments through the API: base64 files on a reply or a note, stored with the type
their bytes prove, refused when too large or not base64, and sent by email as MIME parts
to a real SMTP server."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.outbound.models import Delivery, DeliveryStatus
from tests.attachment_files import HTML_PAGE, png
from tests.conftest import ApiClient
from tests.factories import AgentFactory
from tests.outbound.helpers import customer_email, make_email_channel, smtp_sink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def file_of(name: str, content: bytes) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(content).decode()}


def test_a_reply_by_email_carries_its_files_as_mime_parts(
    api, agent, workspace, django_capture_on_commit_callbacks
):
    image, invoice = png(), b"%PDF-1.4 fattura 4411"
    with smtp_sink() as sink:
        channel = make_email_channel(workspace.pk, smtp_port=sink.port)
        conversation = customer_email(channel)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/conversations/{conversation.pk}/reply",
                {
                    "text": "Ecco la foto e la fattura.",
                    "attachments": [file_of("foto.png", image), file_of("fattura.pdf", invoice)],
                },
            )
        [sent] = sink.messages()
    assert response.status_code == 201
    body = response.json()
    assert [(a["filename"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("foto.png", "image/png", len(image)),
        ("fattura.pdf", "application/pdf", len(invoice)),
    ]
    assert Delivery.objects.get(message_id=body["id"]).status == DeliveryStatus.SENT
    parts = {
        p.get_filename(): (p.get_content_type(), p.get_content()) for p in sent.iter_attachments()
    }
    assert parts == {"foto.png": ("image/png", image), "fattura.pdf": ("application/pdf", invoice)}
    assert "Ecco la foto e la fattura." in sent.get_body(("plain",)).get_content()

    # the agent downloads back what was sent
    browser = Client()
    browser.force_login(agent.user)
    download = browser.get(f"/attachments/{body['id']}/1/")
    assert b"".join(download.streaming_content) == invoice
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="fattura.pdf"')


def test_a_note_takes_files_too_and_the_type_is_never_the_clients(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    response = api.post(
        f"/api/v1/conversations/{conversation_id}/notes",
        {"text": "La pagina che ha mandato", "attachments": [file_of("foto.png", HTML_PAGE)]},
    )
    assert response.status_code == 201
    [meta] = response.json()["attachments"]
    assert meta["content_type"] == "application/octet-stream"


def test_a_file_that_is_not_base64_is_refused(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    response = api.post(
        f"/api/v1/conversations/{conversation_id}/reply",
        {"text": "Ecco", "attachments": [{"filename": "x.pdf", "content_base64": "non è base64"}]},
    )
    assert response.status_code == 422
    assert "base64" in response.content.decode()


def test_files_over_the_limits_are_refused_and_nothing_is_stored(api, inbound, settings):
    conversation_id = inbound().json()["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/reply"
    settings.ATTACHMENT_MAX_FILE_BYTES = 10
    too_big = api.post(url, {"text": "Ecco", "attachments": [file_of("a.pdf", b"x" * 11)]})
    assert too_big.status_code == 422 and "larger than 10 bytes" in too_big.content.decode()
    settings.ATTACHMENT_MAX_FILE_BYTES = 100
    settings.ATTACHMENT_MAX_REPLY_BYTES = 15
    files = [file_of("a.pdf", b"x" * 10), file_of("b.pdf", b"x" * 10)]
    together = api.post(url, {"text": "Ecco", "attachments": files})
    assert together.status_code == 422 and "together" in together.content.decode()
    settings.ATTACHMENT_MAX_FILES = 1
    many = api.post(url, {"text": "Ecco", "attachments": files})
    assert many.status_code == 422 and "at most 1 attachments" in many.content.decode()
    detail = api.get(f"/api/v1/conversations/{conversation_id}").json()
    assert not [m for m in detail["messages"] if m["direction"] == "out"]


def test_another_workspace_cannot_download_what_was_sent(api, inbound):
    conversation_id = inbound().json()["conversation_id"]
    reply = api.post(
        f"/api/v1/conversations/{conversation_id}/reply",
        {"text": "Ecco", "attachments": [file_of("foto.png", png())]},
    ).json()
    stranger = AgentFactory()
    assert (
        ApiClient(issue_token(stranger)).get(f"/api/v1/conversations/{conversation_id}").status_code
        == 404
    )
    browser = Client()
    browser.force_login(stranger.user)
    assert browser.get(f"/attachments/{reply['id']}/0/").status_code == 404
