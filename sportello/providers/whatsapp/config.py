"""A WhatsApp channel's settings, checked when the channel is saved.

``webhook_key`` is made here, once, and names the channel in its webhook URL
(``/hooks/whatsapp/<key>/``): a row id would be guessable and the same in every
installation; a random key tells nothing and can be rotated by saving a new one. It is
kept with the secrets (never shown in the config, kept when a config is sent back without
it) and shown only inside the channel's ``webhook_url``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import ConfigField
from sportello.core.errors import InvalidInput

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
SECRET_KEYS = frozenset({"access_token", "app_secret", "webhook_key"})
_REQUIRED = ("phone_number_id", "access_token", "app_secret", "verify_token")
_OPTIONAL = ("graph_url", "waba_id", "webhook_key")
_NUMBER_ID = re.compile(r"^\d{5,20}$")
WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class WhatsAppConfig:
    phone_number_id: str
    access_token: str
    app_secret: str
    verify_token: str
    graph_url: str
    webhook_key: str
    waba_id: str = ""

    def endpoint(self, path: str) -> str:
        return f"{self.graph_url}/{path.lstrip('/')}"


def _text(config: dict[str, Any], key: str) -> str:
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"config.{key}: required, a non-empty string")
    if len(value) > 1000 or any(c < " " for c in value):
        raise InvalidInput(f"config.{key}: at most 1000 characters, no control characters")
    return value.strip()


def graph_url(value: Any) -> str:
    if value in (None, ""):
        return DEFAULT_GRAPH_URL
    if not isinstance(value, str):
        raise InvalidInput("config.graph_url: a URL such as " + DEFAULT_GRAPH_URL)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise InvalidInput("config.graph_url: an http(s) URL such as " + DEFAULT_GRAPH_URL)
    return value.strip().rstrip("/")


def validate_config(config: Any) -> dict[str, Any]:
    """What a WhatsApp channel stores: the four values Meta's dashboard gives, the
    business account's id (optional: without it the templates cannot be synced), the Graph
    API's base URL (the real one unless a test or a proxy says otherwise) and the webhook
    key (made on first save)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise InvalidInput(
            f"config: unknown key {unknown[0]!r}; use {', '.join(_REQUIRED + _OPTIONAL)}"
        )
    cleaned = {key: _text(config, key) for key in _REQUIRED}
    if not _NUMBER_ID.match(cleaned["phone_number_id"]):
        raise InvalidInput(
            "config.phone_number_id: the digits of the Phone number ID in Meta's "
            "WhatsApp > API Setup (not the phone number itself)"
        )
    cleaned["graph_url"] = graph_url(config.get("graph_url"))
    waba_id = config.get("waba_id")
    if waba_id not in (None, ""):
        if not isinstance(waba_id, str) or not _NUMBER_ID.match(waba_id.strip()):
            raise InvalidInput(
                "config.waba_id: the digits of the WhatsApp Business Account ID in Meta's "
                "WhatsApp > API Setup"
            )
        cleaned["waba_id"] = waba_id.strip()
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not isinstance(key, str) or not WEBHOOK_KEY.match(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    cleaned["webhook_key"] = key
    return cleaned


def read_config(config: dict[str, Any]) -> WhatsAppConfig:
    """A stored config as settings (``InvalidInput`` if it was stored before the rules)."""
    return WhatsAppConfig(**validate_config(config))


def webhook_path(config: dict[str, Any]) -> str | None:
    key = config.get("webhook_key") if isinstance(config, dict) else None
    return f"/hooks/whatsapp/{key}/" if isinstance(key, str) and WEBHOOK_KEY.match(key) else None


# The settings page's form (``channels.registry.ConfigField``).
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "phone_number_id",
        _("Phone number ID"),
        required=True,
        help=_("In Meta's dashboard: WhatsApp > API Setup (digits, not the number itself)."),
    ),
    ConfigField("access_token", _("Access token"), "secret", required=True),
    ConfigField("app_secret", _("App secret"), "secret", required=True),
    ConfigField(
        "verify_token",
        _("Verify token"),
        "secret",
        required=True,
        help=_("Any phrase; type the same in Meta's webhook settings."),
    ),
    ConfigField(
        "waba_id",
        _("WhatsApp Business Account ID"),
        help=_("In Meta's dashboard: WhatsApp > API Setup. Needed to sync message templates."),
    ),
    ConfigField("graph_url", _("Graph API address"), "url", help=_("Leave empty for Meta's.")),
)
