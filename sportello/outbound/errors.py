"""What a channel's sender raises when a delivery attempt fails."""

from __future__ import annotations


class DeliveryError(Exception):
    """A failed attempt. ``permanent`` failures (the provider refused the recipient, the
    channel is not configured) are not retried: trying again cannot help and would only
    delay telling the agent."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class AttemptSuperseded(Exception):
    """The delivery is no longer this attempt's (it was taken for interrupted and queued
    again, maybe claimed by another worker): this attempt must not hand the message over."""
