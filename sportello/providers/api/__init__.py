"""The generic API channel: an integration posts JSON to ``/api/v1/inbound`` and ``adapter``
turns it into an InboundMessage. Channels of the kinds that have no webhook of their own
yet (WhatsApp, Messenger, Telegram...) take their messages the same way."""
