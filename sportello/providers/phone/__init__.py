"""The phone channel: calls and voicemail, a caller's handle being their number.

No webhook and no sender yet: messages arrive through ``/api/v1/inbound`` like the API
channel's, and replies stay in Sportello."""
