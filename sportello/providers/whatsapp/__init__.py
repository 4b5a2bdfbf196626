"""The WhatsApp channel: a sender's handle is their WhatsApp id, an international phone
number written without the "+", so it is stored in E.164 like any phone number.

No webhook and no sender yet: messages arrive through ``/api/v1/inbound`` like the API
channel's, and replies stay in Sportello."""
