"""What every messaging provider reuses: not a provider itself (no app, no kind).

``storage`` keeps attachment files, ``webhooks`` answers and records what a webhook refuses,
``meta`` checks Meta's signature and subscription handshake (WhatsApp, Messenger,
Instagram), ``http`` calls a provider's HTTP API with retries on 429 and 5xx. A provider
package imports these and no other provider, so each stays self-contained.
"""
