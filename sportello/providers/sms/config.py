"""An SMS channel's settings, checked when the channel is saved.

A generic HTTP SMS gateway: Sportello sends with ``POST {api_url}/messages`` and the
bearer ``api_key``, from ``sender`` (a number or an alphanumeric sender id the gateway
allows); the gateway posts inbound messages and delivery reports to the channel's webhook
(``/hooks/sms/<webhook_key>/``), signed with ``secret`` (``providers/common/signed.py``;
made here when left empty). ``region`` reads numbers written without a prefix.
``api_key``, ``secret`` and ``webhook_key`` are write-only.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings

from sportello.core.errors import InvalidInput

SOURCE = "sms"
SECRET_KEYS = frozenset({"api_key", "secret", "webhook_key"})
_KEYS = ("api_url", "api_key", "sender", "secret", "webhook_key", "region")
_WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# E.164, or an alphanumeric sender id (GSM: up to 11 letters and digits).
_SENDER = re.compile(r"^(\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11})$")


@dataclass(frozen=True)
class SmsConfig:
    api_url: str
    api_key: str
    sender: str
    secret: str
    webhook_key: str
    region: str


def is_webhook_key(value: object) -> bool:
    return isinstance(value, str) and bool(_WEBHOOK_KEY.match(value))


def validate_config(config: Any) -> dict[str, Any]:
    """What an SMS channel stores (see the module's docstring)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise InvalidInput(f"config: unknown key {unknown[0]!r}; use {', '.join(_KEYS)}")
    api_url = config.get("api_url")
    api_url = api_url.strip() if isinstance(api_url, str) else ""
    parts = urlsplit(api_url) if api_url else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise InvalidInput(
            "config.api_url: the gateway's http(s) URL, such as https://sms.example/v1"
        )
    api_key = config.get("api_key")
    if not isinstance(api_key, str) or not 8 <= len(api_key.strip()) <= 500:
        raise InvalidInput("config.api_key: the gateway's key, 8-500 characters")
    sender = config.get("sender")
    if not isinstance(sender, str) or not _SENDER.match(sender.strip()):
        raise InvalidInput(
            "config.sender: a number in E.164 (+393331234567) or a sender id of up to "
            "11 letters and digits"
        )
    secret = config.get("secret") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 256:
        raise InvalidInput("config.secret: 16-256 characters")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not is_webhook_key(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    region = config.get("region") or settings.DEFAULT_PHONE_REGION
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"config.region: {region!r} is not a region code such as IT")
    return {
        "api_url": api_url.rstrip("/"),
        "api_key": api_key.strip(),
        "sender": sender.strip(),
        "secret": secret,
        "webhook_key": key,
        "region": region.upper(),
    }


def read_config(config: dict[str, Any]) -> SmsConfig:
    return SmsConfig(**validate_config(config))


def webhook_path(config: dict[str, Any]) -> str | None:
    key = config.get("webhook_key") if isinstance(config, dict) else None
    return f"/hooks/sms/{key}/" if is_webhook_key(key) else None
