"""The settings page's "Test connection" for an email channel: sign in to its IMAP and SMTP
servers with the stored settings, then out, within ``CHECK_TIMEOUT`` seconds each."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl

from django.utils.translation import gettext as _
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError
from imap_tools.mailbox import BaseMailBox

from sportello.channels.models import Channel
from sportello.channels.registry import ConnectionCheck
from sportello.core.errors import InvalidInput
from sportello.providers.email.config import ImapConfig, ServerConfig, read_config

CHECK_TIMEOUT = 10


def test_connection(channel: Channel) -> list[ConnectionCheck]:
    """One result for IMAP and one for SMTP, for those the channel has."""
    try:
        config = read_config(channel)
    except InvalidInput as exc:
        return [ConnectionCheck("config", False, _("The settings are incomplete: %s") % exc)]
    checks = []
    if config.imap is not None:
        checks.append(_check_imap(config.imap))
    if config.smtp is not None:
        checks.append(_check_smtp(config.smtp))
    if not checks:
        checks.append(
            ConnectionCheck("config", False, _("Neither an IMAP nor an SMTP server is set."))
        )
    return checks


def _failure(name: str, server: ServerConfig, exc: BaseException) -> ConnectionCheck:
    where = {"host": server.host, "port": server.port}
    if isinstance(exc, MailboxLoginError | smtplib.SMTPAuthenticationError):
        text = _("%(host)s refused the user name or the password.") % where
    elif isinstance(exc, TimeoutError | socket.timeout):
        text = _("%(host)s:%(port)s did not answer in time.") % where
    elif isinstance(exc, ssl.SSLError):
        text = _("The secure connection to %(host)s:%(port)s failed: check SSL/STARTTLS.") % where
    elif isinstance(exc, ConnectionRefusedError):
        text = _("%(host)s:%(port)s refused the connection: check the port.") % where
    elif isinstance(exc, socket.gaierror):
        text = _("The server %(host)s was not found.") % where
    else:
        text = _("Could not connect to %(host)s:%(port)s (%(error)s).") % {
            **where,
            "error": exc.__class__.__name__,
        }
    return ConnectionCheck(name, False, text)


def _check_imap(imap: ImapConfig) -> ConnectionCheck:
    mailbox: BaseMailBox
    try:
        if imap.ssl:
            mailbox = MailBox(imap.host, imap.port, timeout=CHECK_TIMEOUT)
        elif imap.starttls:
            mailbox = MailBoxStartTls(imap.host, imap.port, timeout=CHECK_TIMEOUT)
        else:
            mailbox = MailBoxUnencrypted(imap.host, imap.port, timeout=CHECK_TIMEOUT)
        mailbox.login(imap.user, imap.password, initial_folder=imap.folder)
        mailbox.logout()
    except (OSError, imaplib.IMAP4.error, MailboxLoginError) as exc:
        return _failure("IMAP", imap, exc)
    except Exception as exc:  # a folder that does not exist, an odd server answer
        return _failure("IMAP", imap, exc)
    return ConnectionCheck("IMAP", True, _("Signed in to %(host)s.") % {"host": imap.host})


def _check_smtp(smtp: ServerConfig) -> ConnectionCheck:
    """smtplib directly rather than the sending backend: one sign-in attempt with the
    server's preferred mechanism (smtplib's ``login`` would go on trying the others, which
    some servers answer by waiting, and a mail provider counts each as a failure)."""
    try:
        connection: smtplib.SMTP
        if smtp.ssl:
            connection = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=CHECK_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=CHECK_TIMEOUT)
        with connection:
            if smtp.starttls:
                connection.starttls(context=ssl.create_default_context())
            connection.ehlo_or_helo_if_needed()
            if smtp.user:
                _one_mechanism(connection)
                connection.login(smtp.user, smtp.password)
    except (OSError, smtplib.SMTPException) as exc:
        return _failure("SMTP", smtp, exc)
    if smtp.user:
        text = _("Signed in to %(host)s.") % {"host": smtp.host}
    else:
        text = _("Connected to %(host)s (no sign-in asked for).") % {"host": smtp.host}
    return ConnectionCheck("SMTP", True, text)


def _one_mechanism(connection: smtplib.SMTP) -> None:
    offered = connection.esmtp_features.get("auth", "").upper().split()
    for mechanism in ("CRAM-MD5", "PLAIN", "LOGIN"):  # smtplib's own preference
        if mechanism in offered:
            connection.esmtp_features["auth"] = mechanism
            return
