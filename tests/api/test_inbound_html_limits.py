"""A megabyte of nested tags posted to /api/v1/inbound is stored flattened to the depth cap
(what keeps its sanitising linear; the time is a figure of ``bench/html_limits.py``), with a
warning an agent can see."""

from __future__ import annotations

import pytest

from sportello.conversations.models import Message
from sportello.core.html import MAX_DEPTH

pytestmark = pytest.mark.django_db

NESTED_DIVS = "<div>" * 200_000  # 1 MB: 121 s in nh3 before the caps


def test_inbound_with_a_megabyte_of_nested_divs_is_stored_flattened(inbound):
    """GIVEN 1 MB of nested <div>s (two minutes in the sanitiser before the caps) WHEN an
    integration posts it THEN it is stored, flattened to the cap, and the message notes it."""
    response = inbound(external_id="bomb", html=NESTED_DIVS + "Ordine 1042")

    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.html.count("<div>") == MAX_DEPTH
    assert any("flattened" in warning for warning in message.data["warnings"])
    assert any("elements" in warning for warning in message.data["warnings"])


def test_ordinary_html_adds_no_warnings(inbound):
    response = inbound(html="<p>Buongiorno, <b>ordine 1042</b></p>")
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.html == "<p>Buongiorno, <b>ordine 1042</b></p>"
    assert "warnings" not in message.data
