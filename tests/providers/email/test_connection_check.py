"""The settings page's "Test connection" against a real Dovecot (IMAP) on loopback.

Skipped where Debian's Dovecot cannot be installed (see scripts/ensure-mailserver.sh)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from sportello.channels.models import Channel
from sportello.providers.email.check import test_connection as check_connection
from tests.e2e.mailserver import MailServer, free_port, running_mail_server, unavailable_reason

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db]

BOX, PASSWORD = "prova@negozio.test", "segreta-di-prova"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[MailServer]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    try:
        with running_mail_server(
            users={BOX: PASSWORD}, dovecot_domains=["negozio.test"], with_postfix=False
        ) as server:
            yield server
    except RuntimeError as exc:
        pytest.skip(f"Dovecot did not start: {exc}")


def imap_channel(workspace, port: int, password: str) -> Channel:
    return Channel(
        workspace=workspace,
        kind="email",
        name="Posta",
        slug="posta",
        config={
            "address": BOX,
            "imap": {
                "host": "127.0.0.1",
                "port": port,
                "ssl": False,
                "starttls": False,
                "user": BOX,
                "password": password,
            },
        },
    )


def test_imap_sign_in_then_out_works_with_the_right_password(workspace, dovecot):
    [result] = check_connection(imap_channel(workspace, dovecot.imap_port, PASSWORD))
    assert result.name == "IMAP" and result.ok, result.detail


def test_a_wrong_imap_password_is_reported_in_italian(workspace, dovecot):
    with translation.override("it"):
        [result] = check_connection(imap_channel(workspace, dovecot.imap_port, "sbagliata"))
    assert not result.ok
    assert result.detail == "127.0.0.1 ha rifiutato il nome utente o la password."


def test_nobody_listening_is_reported(workspace):
    with translation.override("en"):
        [result] = check_connection(imap_channel(workspace, free_port(), PASSWORD))
    assert not result.ok and "refused the connection" in result.detail
