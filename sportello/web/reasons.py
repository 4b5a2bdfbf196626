"""Why a reply was not delivered, in the agent's language.

Delivery errors are recorded in English (``outbound``: the API and the log show them as
written); the reasons an agent meets most are translated here when shown. Any other reason
(a server's own answer, "SMTP 550: …") is shown as recorded."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

KNOWN = frozenset(
    {
        gettext_noop("the channel has no SMTP server configured"),
        gettext_noop("the SMTP connection did not open"),
        gettext_noop("the customer has no email address"),
        gettext_noop("the customer has no WhatsApp number"),
        gettext_noop("the reply has no text and no file to send"),
        gettext_noop("the reply has no text"),
    }
)


def delivery_reason(recorded: str) -> str:
    return gettext(recorded) if recorded in KNOWN else recorded
