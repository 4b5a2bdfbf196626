"""The admin's channel form: secrets are write-only."""

from __future__ import annotations

import json

import pytest

from sportello.channels.actions import create_channel
from sportello.channels.forms import ChannelForm

pytestmark = pytest.mark.django_db

CONFIG = {
    "address": "assistenza@negozio.it",
    "smtp": {"host": "smtp.negozio.it", "user": "assistenza", "password": "segretissima"},
}


def test_the_form_shows_secrets_masked_and_keeps_them_when_not_retyped(workspace):
    channel = create_channel(workspace.pk, kind="email", name="Posta", slug="posta", config=CONFIG)
    form = ChannelForm(instance=channel)
    assert "segretissima" not in str(form["config"])
    shown = json.loads(form["config"].value())
    assert shown["smtp"]["password"] == "***"
    shown["smtp"]["host"] = "smtp2.negozio.it"
    data = {
        "workspace": workspace.pk,
        "kind": "email",
        "name": "Posta",
        "slug": "posta",
        "is_active": True,
        "config": json.dumps(shown),
    }
    form = ChannelForm(data=data, instance=channel)
    assert form.is_valid(), form.errors
    saved = form.save().config["smtp"]
    assert saved["password"] == "segretissima" and saved["host"] == "smtp2.negozio.it"
