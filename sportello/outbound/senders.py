"""Which channel kinds can send an agent's reply, and the function that sends it.

A sender takes a claimed :class:`~sportello.outbound.models.Delivery`, sends its message
through the provider and returns the provider's id for it; it raises
:class:`~sportello.outbound.errors.DeliveryError` on failure. A channel kind missing here
has no outbound path yet: its replies stay in Sportello and no Delivery is created.
"""

from __future__ import annotations

from collections.abc import Callable

from sportello.outbound.models import Delivery

Sender = Callable[[Delivery], str]


def send_email(delivery: Delivery) -> str:
    # Imported on use: the providers' modules use outbound's actions, and startup (the
    # event handlers import outbound) should not load every provider's libraries.
    from sportello.providers.email.send import send_email as send

    return send(delivery)


SENDERS: dict[str, Sender] = {
    "email": send_email,
}


def sender_for(kind: str) -> Sender | None:
    return SENDERS.get(kind)
