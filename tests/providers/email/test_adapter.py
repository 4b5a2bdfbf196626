"""Raw emails into conversations: threading, attachments, automated mail, PEC, reopening."""

from __future__ import annotations

import base64
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from sportello.channels.forms import ChannelForm
from sportello.conversations.actions import reply, set_status
from sportello.conversations.models import Conversation, Kind, Message, Status
from sportello.core.errors import InvalidInput
from sportello.ingest import pipeline
from sportello.ingest.models import RejectedInbound
from sportello.providers.email import receive
from sportello.providers.email.config import validate_config
from sportello.providers.email.receive import receive_email
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel, raw_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def channel(workspace):
    return make_email_channel(workspace.pk)


def take(channel, raw: bytes) -> receive.Outcome:
    return receive_email(channel, raw, source="test")


def message_of(outcome: receive.Outcome) -> Message:
    return Message.objects.get(pk=outcome.message_id)


QUOTED = (
    "Va bene, grazie.\n\n"
    "Il giorno lun 3 nov 2025 alle 10:00 Negozio Rossi <assistenza@negozio.it> ha scritto:\n"
    "> Il pacco è partito ieri.\n"
)


def test_an_email_becomes_a_conversation_with_its_visible_text(channel):
    outcome = take(channel, raw_email(body=QUOTED))

    assert outcome.status == receive.INGESTED
    message = message_of(outcome)
    assert message.text == "Va bene, grazie."
    assert "Il pacco è partito ieri." in message.data["email"]["full_text"]
    assert message.external_id == "<ordine-1@cliente.example.it>"
    assert message.sender_customer.identities.get().value == "mario.rossi@example.it"
    assert message.sender_name == "Mario Rossi"
    assert message.conversation.subject == "Ordine 4411 non arrivato"
    assert message.data["email"]["to"] == [SHOP_ADDRESS]
    assert "no_auto_response" not in message.data


def test_the_same_email_twice_is_one_message(channel):
    first = take(channel, raw_email())
    second = take(channel, raw_email())
    assert second.status == receive.DUPLICATE and second.message_id == first.message_id
    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 1


def test_an_email_without_message_id_is_recognised_by_its_bytes(channel):
    raw = raw_email(message_id=None)
    first = take(channel, raw)
    assert message_of(first).external_id.startswith("sha256:")
    assert take(channel, raw).status == receive.DUPLICATE


def test_an_answer_threads_by_in_reply_to(channel):
    first = take(channel, raw_email())
    answer = take(
        channel,
        raw_email(
            subject="Altro argomento",
            sender="Mario <mario@altro-indirizzo.example.it>",
            message_id="<risposta@cliente.example.it>",
            headers={"In-Reply-To": "<ordine-1@cliente.example.it>"},
        ),
    )
    assert answer.conversation_id == first.conversation_id


def test_an_answer_threads_by_the_end_of_a_long_references_chain(channel):
    first = take(channel, raw_email())
    chain = " ".join(f"<old-{n}@elsewhere.example.it>" for n in range(80))
    answer = take(
        channel,
        raw_email(
            message_id="<lungo@cliente.example.it>",
            sender="Mario <mario@altro-indirizzo.example.it>",
            headers={"References": f"{chain} <ordine-1@cliente.example.it>"},
        ),
    )
    assert answer.conversation_id == first.conversation_id


def test_a_number_in_the_subject_threads_only_the_customers_own_conversation(channel, agent):
    first = take(channel, raw_email())
    conversation = Conversation.objects.get(pk=first.conversation_id)
    set_status(conversation, agent, Status.RESOLVED)
    number = conversation.number
    mine = take(channel, raw_email(subject=f"Re: ordine [#{number}]", message_id="<n1@c.it>"))
    assert mine.conversation_id == first.conversation_id
    stranger = take(
        channel,
        raw_email(
            subject=f"Re: [#{number}]", sender="x@estraneo.example.it", message_id="<n2@c.it>"
        ),
    )
    assert stranger.conversation_id != first.conversation_id


def test_attachments_are_stored_once_by_content_hash(channel, media):
    pdf = b"%PDF-1.4 fattura 2025/118"
    first = take(channel, raw_email(attachments=(("fattura.pdf", pdf, "application/pdf"),)))
    second = take(
        channel,
        raw_email(
            message_id="<altra@cliente.example.it>",
            attachments=(("copia.pdf", pdf, "application/pdf"),),
        ),
    )
    [meta] = message_of(first).attachments
    assert meta["filename"] == "fattura.pdf" and meta["content_type"] == "application/pdf"
    assert meta["size"] == len(pdf) and not meta["inline"]
    path = media / meta["path"]
    assert meta["path"] == f"attachments/{channel.workspace_id}/{meta['sha256']}"
    assert path.read_bytes() == pdf
    assert message_of(second).attachments[0]["path"] == meta["path"]
    assert len(list(path.parent.iterdir())) == 1


@pytest.mark.parametrize(
    "headers, kind",
    [
        ({"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}, "auto_reply"),
        ({"List-Id": "<offerte.fornitore.example.it>", "Precedence": "list"}, "mailing_list"),
    ],
)
def test_automated_mail_is_ingested_but_never_answered(channel, headers, kind):
    message = message_of(take(channel, raw_email(headers=headers)))
    assert kind in message.data["automated"] and message.data["no_auto_response"] is True


def test_a_bounce_is_flagged(channel):
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.it>"
    bounce["To"] = SHOP_ADDRESS
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<bounce-1@mx.example.it>"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_content("This is the mail system at host mx.example.it. I'm sorry...")
    bounce.make_mixed()
    bounce.replace_header(
        "Content-Type", 'multipart/report; report-type=delivery-status; boundary="b1"'
    )
    message = message_of(take(channel, bounce.as_bytes()))
    assert message.data["no_auto_response"] is True
    assert "bounce" in message.data["automated"] or "auto_reply" in message.data["automated"]


def test_a_broken_outbound_setting_does_not_turn_mail_away(channel):
    channel.config["smtp"] = {"host": "smtp.negozio.it", "port": "non-un-numero"}
    channel.save()
    assert take(channel, raw_email()).status == receive.INGESTED


def test_mail_from_the_channels_own_address_is_never_answered(channel):
    message = message_of(take(channel, raw_email(sender=f"Negozio <{SHOP_ADDRESS}>")))
    assert "from_self" in message.data["automated"]


def _resolved_days_ago(channel, agent, days: int) -> Conversation:
    conversation = Conversation.objects.get(pk=take(channel, raw_email()).conversation_id)
    set_status(conversation, agent, Status.RESOLVED)
    Conversation.objects.filter(pk=conversation.pk).update(
        resolved_at=conversation.resolved_at - timedelta(days=days)
    )
    return conversation


ANSWER = {
    "message_id": "<ancora@cliente.example.it>",
    "headers": {"In-Reply-To": "<ordine-1@cliente.example.it>"},
}


def test_an_answer_within_the_reopen_window_reopens_the_conversation(channel, agent):
    old = _resolved_days_ago(channel, agent, days=5)
    outcome = take(channel, raw_email(subject=f"Re: [#{old.number}]", **ANSWER))
    assert outcome.conversation_id == old.pk
    old.refresh_from_db()
    assert old.status == Status.OPEN


def test_an_answer_after_the_reopen_window_opens_a_new_conversation(channel, agent):
    channel.config["reopen_days"] = 30
    channel.save()
    old = _resolved_days_ago(channel, agent, days=31)
    outcome = take(channel, raw_email(subject=f"Re: [#{old.number}]", **ANSWER))
    assert outcome.conversation_id != old.pk
    assert message_of(outcome).data["follows_conversation"] == old.number
    old.refresh_from_db()
    assert old.status == Status.RESOLVED


def _pec_receipt(refers_to: str, *, kind: str = "avvenuta-consegna", message_id: str) -> bytes:
    receipt = EmailMessage()
    receipt["From"] = "posta-certificata@pec.provider.example.it"
    receipt["To"] = SHOP_ADDRESS
    receipt["Subject"] = "CONSEGNA: Re: Ordine 4411 non arrivato"
    receipt["Message-ID"] = message_id
    receipt["X-Ricevuta"] = kind
    receipt["X-Riferimento-Message-ID"] = refers_to
    receipt.set_content("Il giorno 03/11/2025 alle ore 10:00:00 il messaggio è stato consegnato.")
    daticert = (
        f'<?xml version="1.0" encoding="UTF-8"?><postacert tipo="{kind}" errore="nessuno">'
        "<intestazione><mittente>assistenza@negozio.it</mittente>"
        '<destinatari tipo="esterno">mario.rossi@example.it</destinatari>'
        "<oggetto>Re: Ordine 4411 non arrivato</oggetto></intestazione>"
        "<dati><gestore-emittente>Provider</gestore-emittente>"
        '<data zona="+0100"><giorno>03/11/2025</giorno><ora>10:00:00</ora></data>'
        "<identificativo>opec1.1@pec.provider.example.it</identificativo>"
        f"<msgid>{refers_to}</msgid>"
        "<consegna>mario.rossi@example.it</consegna></dati></postacert>"
    ).encode()
    receipt.add_attachment(daticert, maintype="application", subtype="xml", filename="daticert.xml")
    return receipt.as_bytes()


def test_a_pec_receipt_is_an_event_on_the_conversation_not_a_conversation(channel, agent):
    conversation = Conversation.objects.get(pk=take(channel, raw_email()).conversation_id)
    sent = reply(conversation, agent, "Il pacco è in consegna.")
    Message.objects.filter(pk=sent.pk).update(external_id="<risposta-1@negozio.it>")
    raw = _pec_receipt("<risposta-1@negozio.it>", message_id="<ricevuta-1@pec.example.it>")

    first = take(channel, raw)
    again = take(channel, raw)

    assert first.status == again.status == receive.RECEIPT
    assert first.conversation_id == conversation.pk and again.message_id == first.message_id
    event = Message.objects.get(kind=Kind.EVENT, event="pec_receipt")
    assert event.data["receipt"] == "avvenuta-consegna"
    assert event.data["certified_message_id"] == sent.pk
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 2


def test_a_pec_receipt_for_an_unknown_message_is_kept_aside(channel):
    raw = _pec_receipt("<sconosciuto@negozio.it>", message_id="<ricevuta-2@pec.example.it>")
    outcome = take(channel, raw)
    assert outcome.status == receive.RECEIPT_UNMATCHED
    assert Conversation.objects.count() == 0
    rejected = RejectedInbound.objects.get(pk=outcome.rejected_id)
    assert base64.b64decode(rejected.payload["raw"]) == raw


def test_a_certified_message_is_read_from_inside_its_envelope(channel):
    from email import message_from_bytes, policy

    inner = message_from_bytes(
        raw_email(message_id="<interno@pec.cliente.example.it>", subject="Reclamo"),
        policy=policy.default,
    )
    envelope = EmailMessage()
    envelope["From"] = '"Per conto di: mario.rossi@pec.example.it" <posta-certificata@pec.it>'
    envelope["To"] = SHOP_ADDRESS
    envelope["Subject"] = "POSTA CERTIFICATA: Reclamo"
    envelope["Message-ID"] = "<busta-1@pec.it>"
    envelope["X-Trasporto"] = "posta-certificata"
    envelope.set_content("Messaggio di posta certificata")
    envelope.add_attachment(inner, filename="postacert.eml")
    message = message_of(take(channel, envelope.as_bytes()))
    assert message.external_id == "<interno@pec.cliente.example.it>"
    assert message.sender_customer.identities.get().value == "mario.rossi@example.it"
    assert message.data["pec"]["type"] == "posta-certificata"


def test_an_email_without_sender_is_refused_and_kept(channel):
    raw = raw_email(sender="")
    outcome = take(channel, raw)
    assert outcome.status == receive.REFUSED
    rejected = RejectedInbound.objects.get(pk=outcome.rejected_id)
    assert rejected.channel_id == channel.pk and "sender" in rejected.reason
    assert base64.b64decode(rejected.payload["raw"]) == raw


def test_a_pipeline_failure_is_kept_for_retry_with_its_attachments(channel, monkeypatch, media):
    def broken(self, ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline.DetectLanguage, "run", broken)
    pdf = b"%PDF-1.4 ricevuta"
    outcome = take(channel, raw_email(attachments=(("ricevuta.pdf", pdf, "application/pdf"),)))
    assert outcome.status == receive.FAILED
    assert "disk full" in RejectedInbound.objects.get(pk=outcome.rejected_id).reason
    monkeypatch.undo()

    rejected = pipeline.retry(RejectedInbound.objects.get(pk=outcome.rejected_id))
    message = Message.objects.get(pk=rejected.resolved_message_id)
    assert (media / message.attachments[0]["path"]).read_bytes() == pdf


def test_a_configuration_is_normalised_with_secure_defaults():
    clean = validate_config(
        {
            "address": " Assistenza@Negozio.IT ",
            "imap": {"host": "imap.negozio.it", "user": "a", "password": "p"},
            "smtp": {"host": "smtp.negozio.it", "user": "a", "password": "p"},
        }
    )
    assert clean["address"] == "assistenza@negozio.it" and clean["reopen_days"] == 30
    assert clean["imap"] | {"password": ""} == {
        "host": "imap.negozio.it",
        "port": 993,
        "ssl": True,
        "starttls": False,
        "user": "a",
        "password": "",
        "folder": "INBOX",
        "processed_folder": "",
    }
    assert (clean["smtp"]["port"], clean["smtp"]["starttls"]) == (587, True)


@pytest.mark.parametrize(
    "config, complaint",
    [
        ({}, "address"),
        ({"address": "non-un-indirizzo"}, "address"),
        ({"address": "a@b.it", "imap": {"port": 993}}, "imap.host"),
        ({"address": "a@b.it", "smtp": {"host": "s", "port": 70000}}, "smtp.port"),
        ({"address": "a@b.it", "smtp": {"host": "s", "port": "²⁵"}}, "smtp.port"),
        ({"address": "a@b.it", "smtp": {"host": "s", "port": "9" * 5000}}, "smtp.port"),
        ({"address": "a@b.it", "smtp": {"host": "s", "ssl": True, "starttls": True}}, "smtp"),
        ({"address": "a@b.it", "smtp": {"host": "s", "user": "u"}}, "smtp.password"),
        ({"address": "a@b.it", "smtp": {"host": "s\r\nX: y"}}, "single line"),
        ({"address": "a@b.it", "reopen_days": -1}, "reopen_days"),
        ({"address": "a@b.it", "imap_host": "x"}, "unknown setting"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field(config, complaint):
    with pytest.raises(InvalidInput, match=complaint):
        validate_config(config)


def test_the_admin_form_validates_an_email_channels_configuration(workspace):
    data = {
        "workspace": workspace.pk,
        "kind": "email",
        "name": "Posta",
        "slug": "posta",
        "is_active": True,
        "config": '{"address": "assistenza@negozio.it", "smtp": {"host": "s", "port": 0.5}}',
    }
    form = ChannelForm(data=data)
    assert not form.is_valid() and "smtp.port" in str(form.errors["config"])
    data["config"] = '{"address": "Assistenza@Negozio.it"}'
    form = ChannelForm(data=data)
    assert form.is_valid(), form.errors
    assert form.save().config["address"] == "assistenza@negozio.it"


@pytest.mark.parametrize(
    "date",
    [
        "Thu, 1 Jan 1920 00:00:00 +1400",
        "Fri, 31 Dec 9999 23:59:59 -1400",
        "Tue, 1 Jan 2999 00:00:00 +0000",
    ],
)
def test_an_absurd_date_header_is_dropped_and_the_mail_kept(channel, date):
    import re

    raw = re.sub(rb"^Date: .*$", f"Date: {date}".encode(), raw_email(), count=1, flags=re.M)
    outcome = take(channel, raw)
    assert message_of(outcome).sent_at is None
    assert not RejectedInbound.objects.exists()
