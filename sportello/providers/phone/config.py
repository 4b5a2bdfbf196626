"""A phone channel's settings, checked when the channel is saved.

``secret`` signs the call-event webhook (``providers/common/signed.py``; made here when
left empty); ``webhook_key`` names the channel in its URL (``/hooks/phone/<key>/``);
``answer_within`` is how many seconds a call may ring before it counts as missed and
becomes a callback (default 30); ``region`` reads numbers written without a prefix
(default ``SPORTELLO_PHONE_REGION``). The Asterisk connector is on when ``ari_url`` is
set: ``ari_user``, ``ari_password`` and ``ari_app`` (the Stasis application whose
events are read). ``secret``, ``webhook_key`` and ``ari_password`` are write-only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings

from sportello.core.errors import InvalidInput

SOURCE = "phone"
SECRET_KEYS = frozenset({"secret", "webhook_key", "ari_password"})
DEFAULT_ANSWER_WITHIN = 30
_KEYS = (
    "secret",
    "webhook_key",
    "answer_within",
    "region",
    "ari_url",
    "ari_user",
    "ari_password",
    "ari_app",
)
WEBHOOK_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class PhoneConfig:
    secret: str
    webhook_key: str
    answer_within: int
    region: str
    ari_url: str
    ari_user: str
    ari_password: str
    ari_app: str


def is_webhook_key(value: object) -> bool:
    return isinstance(value, str) and 20 <= len(value) <= 64 and set(value) <= WEBHOOK_KEY_CHARS


def _text(config: dict[str, Any], key: str, limit: int = 200) -> str:
    value = config.get(key)
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"config.{key}: text of at most {limit} characters")
    return value.strip()


def validate_config(config: Any) -> dict[str, Any]:
    """What a phone channel stores (see the module's docstring)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise InvalidInput(f"config: unknown key {unknown[0]!r}; use {', '.join(_KEYS)}")
    secret = config.get("secret") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 256:
        raise InvalidInput("config.secret: 16-256 characters")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not is_webhook_key(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    answer_within = config.get("answer_within", DEFAULT_ANSWER_WITHIN)
    if (
        isinstance(answer_within, bool)
        or not isinstance(answer_within, int)
        or not 5 <= answer_within <= 600
    ):
        raise InvalidInput("config.answer_within: whole seconds from 5 to 600")
    region = (_text(config, "region", 2) or settings.DEFAULT_PHONE_REGION).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"config.region: {region!r} is not a region code such as IT")
    ari_url = _text(config, "ari_url", 300).rstrip("/")
    if ari_url:
        parts = urlsplit(ari_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise InvalidInput("config.ari_url: Asterisk's http(s) URL, such as http://pbx:8088")
    ari_user = _text(config, "ari_user")
    ari_password = _text(config, "ari_password")
    ari_app = _text(config, "ari_app") or "sportello"
    if ari_url and not (ari_user and ari_password):
        raise InvalidInput("config.ari_user, config.ari_password: ARI needs both")
    return {
        "secret": secret,
        "webhook_key": key,
        "answer_within": answer_within,
        "region": region,
        "ari_url": ari_url,
        "ari_user": ari_user,
        "ari_password": ari_password,
        "ari_app": ari_app,
    }


def read_config(config: dict[str, Any]) -> PhoneConfig:
    """A stored config as settings (``InvalidInput`` if it was stored before the rules)."""
    return PhoneConfig(**validate_config(config))


def webhook_path(config: dict[str, Any]) -> str | None:
    key = config.get("webhook_key") if isinstance(config, dict) else None
    return f"/hooks/phone/{key}/" if is_webhook_key(key) else None
