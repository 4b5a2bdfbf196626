"""The reviews channel: what customers write on review sites. A reviewer's handle
finds no customer on another channel, so it is an "other" identity.

No webhook and no sender yet: messages arrive through ``/api/v1/inbound`` like the API
channel's, and replies stay in Sportello."""
