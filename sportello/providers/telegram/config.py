"""A Telegram channel's settings, checked when the channel is saved.

``bot_token`` is what @BotFather gives; ``secret_token`` is the value Telegram sends back
in ``X-Telegram-Bot-Api-Secret-Token`` on every webhook call (made here when left empty,
so that an admin never has to invent one); ``webhook_key`` names the channel in its
webhook URL (``/hooks/telegram/<key>/``), random for the same reason as WhatsApp's. The
three are secrets: never shown back, kept when a config is sent back without them.

``mode`` is ``webhook`` (Telegram calls Sportello: needs a public HTTPS URL) or
``polling`` (Sportello asks Telegram every minute with ``getUpdates``: for a server that
nobody can reach from the internet).
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

# The source named in RejectedInbound for whatever the channel could not take.
SOURCE = "telegram"
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_KEYS = frozenset({"bot_token", "secret_token", "webhook_key"})
MODES = ("webhook", "polling")
_KEYS = ("bot_token", "secret_token", "api_url", "mode", "webhook_key")
# "123456789:AA..." as BotFather writes it.
_BOT_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
# Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class TelegramConfig:
    bot_token: str
    secret_token: str
    api_url: str
    mode: str
    webhook_key: str

    def method(self, name: str) -> str:
        """The URL of a Bot API method: the token is part of the path, by Telegram's design."""
        return f"{self.api_url}/bot{self.bot_token}/{name}"

    def file_url(self, file_path: str) -> str:
        return f"{self.api_url}/file/bot{self.bot_token}/{file_path.lstrip('/')}"


def api_url(value: Any) -> str:
    if value in (None, ""):
        return DEFAULT_API_URL
    if not isinstance(value, str):
        raise InvalidInput("config.api_url: a URL such as " + DEFAULT_API_URL)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise InvalidInput("config.api_url: an http(s) URL such as " + DEFAULT_API_URL)
    return value.strip().rstrip("/")


def validate_config(config: Any) -> dict[str, Any]:
    """What a Telegram channel stores (see the module's docstring)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise InvalidInput(f"config: unknown key {unknown[0]!r}; use {', '.join(_KEYS)}")
    token = config.get("bot_token")
    if not isinstance(token, str) or not _BOT_TOKEN.match(token.strip()):
        raise InvalidInput(
            "config.bot_token: the token @BotFather gave the bot, such as 123456789:AAE..."
        )
    secret = config.get("secret_token") or secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not _SECRET_TOKEN.match(secret):
        raise InvalidInput("config.secret_token: 1-256 letters, digits, '-' or '_'")
    mode = config.get("mode") or "webhook"
    if mode not in MODES:
        raise InvalidInput("config.mode: 'webhook' or 'polling'")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not isinstance(key, str) or not WEBHOOK_KEY.match(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    return {
        "bot_token": token.strip(),
        "secret_token": secret,
        "api_url": api_url(config.get("api_url")),
        "mode": mode,
        "webhook_key": key,
    }


def read_config(config: dict[str, Any]) -> TelegramConfig:
    """A stored config as settings (``InvalidInput`` if it was stored before the rules)."""
    return TelegramConfig(**validate_config(config))


def webhook_path(config: dict[str, Any]) -> str | None:
    if not isinstance(config, dict) or config.get("mode") == "polling":
        return None
    key = config.get("webhook_key")
    return f"/hooks/telegram/{key}/" if isinstance(key, str) and WEBHOOK_KEY.match(key) else None


# The settings page's form (``channels.registry.ConfigField``).
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "bot_token",
        _("Bot token"),
        "secret",
        required=True,
        help=_("What @BotFather gave the bot, such as 123456789:AAE…"),
    ),
    ConfigField(
        "mode",
        _("How messages arrive"),
        "choice",
        choices=(
            ("webhook", _("Webhook (Telegram calls this server)")),
            ("polling", _("Polling (this server asks Telegram every minute)")),
        ),
        initial="webhook",
    ),
    ConfigField("api_url", _("Bot API address"), "url", help=_("Leave empty for Telegram's.")),
)
