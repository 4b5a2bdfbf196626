"""A web chat channel's settings, checked when the channel is saved.

``webhook_key`` is the channel's *public* key: it is written in the embed snippet on the
business's site, names the channel in the widget's URLs (``/hooks/webchat/<key>/``) and
is no secret (the allow-list of origins is what keeps other sites out). It is made here
when left empty. ``allowed_origins`` lists the sites allowed to embed the widget, each an
origin such as ``https://www.negozio.it`` (scheme, host and port only); a request or a
websocket whose ``Origin`` is not one of them is refused.

The look and words of the widget: ``color`` (a ``#rrggbb`` colour), ``position``
(``right`` or ``left``), ``greeting`` and ``offline_text`` (each ``{"it": ..., "en": ...}``,
or a plain string for both), ``email_channel`` (the slug of an email channel of the
workspace: an agent's reply to a visitor who has left goes out through it) and
``video_base_url`` (where the per-conversation meeting rooms live, Jitsi Meet by default).
``help_search`` (``true`` or ``false``, the default): the launcher opens a search of the
workspace's public help center first, with "Chat with us" below the answers.
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

SOURCE = "webchat"
DEFAULT_COLOR = "#1f6feb"
DEFAULT_VIDEO_BASE_URL = "https://meet.jit.si"
POSITIONS = ("right", "left")
LANGUAGES = ("it", "en")
WEBHOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEYS = (
    "webhook_key",
    "allowed_origins",
    "color",
    "position",
    "greeting",
    "offline_text",
    "email_channel",
    "video_base_url",
    "help_search",
)
MAX_ORIGINS = 20
MAX_TEXT = 500


@dataclass(frozen=True)
class WebchatConfig:
    webhook_key: str
    allowed_origins: tuple[str, ...]
    color: str
    position: str
    greeting: dict[str, str]
    offline_text: dict[str, str]
    email_channel: str
    video_base_url: str
    help_search: bool = False

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and normal_origin(origin or "") in self.allowed_origins


def normal_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, the form a browser sends in ``Origin``;
    ``""`` for anything that is not an http(s) origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _origins(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(
            "config.allowed_origins: a list of the sites that embed the chat, such as "
            '["https://www.negozio.it"]'
        )
    if len(value) > MAX_ORIGINS:
        raise InvalidInput(f"config.allowed_origins: at most {MAX_ORIGINS} origins")
    origins: list[str] = []
    for item in value:
        origin = normal_origin(item) if isinstance(item, str) else ""
        if not origin:
            raise InvalidInput(
                f"config.allowed_origins: {item!r} is not an origin such as "
                "https://www.negozio.it (scheme and host, no path)"
            )
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def _texts(value: Any, name: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        value = {lang: value for lang in LANGUAGES}
    if not isinstance(value, dict) or not all(
        lang in LANGUAGES and isinstance(text, str) for lang, text in value.items()
    ):
        raise InvalidInput(f'config.{name}: a text, or {{"it": "...", "en": "..."}}')
    texts = {lang: text.strip()[:MAX_TEXT] for lang, text in value.items() if text.strip()}
    return texts


def _url(value: Any, name: str, default: str) -> str:
    if value in (None, ""):
        return default
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"config.{name}: an http(s) URL such as {default}")
    return str(value).strip().rstrip("/")


def validate_config(config: Any) -> dict[str, Any]:
    """What a web chat channel stores (see the module's docstring)."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    unknown = sorted(set(config) - set(_KEYS))
    if unknown:
        raise InvalidInput(f"config: unknown key {unknown[0]!r}; use {', '.join(_KEYS)}")
    key = config.get("webhook_key") or secrets.token_urlsafe(24)
    if not isinstance(key, str) or not WEBHOOK_KEY.match(key):
        raise InvalidInput("config.webhook_key: 20-64 letters, digits, '-' or '_'")
    color = config.get("color") or DEFAULT_COLOR
    if not isinstance(color, str) or not _COLOR.match(color):
        raise InvalidInput("config.color: a colour such as #1f6feb")
    position = config.get("position") or "right"
    if position not in POSITIONS:
        raise InvalidInput("config.position: 'right' or 'left'")
    email_channel = config.get("email_channel") or ""
    if not isinstance(email_channel, str) or len(email_channel) > 60:
        raise InvalidInput("config.email_channel: the slug of an email channel")
    help_search = config.get("help_search", False)
    if not isinstance(help_search, bool):
        raise InvalidInput("config.help_search: true or false")
    return {
        "webhook_key": key,
        "allowed_origins": list(_origins(config.get("allowed_origins"))),
        "color": color.lower(),
        "position": position,
        "greeting": _texts(config.get("greeting"), "greeting"),
        "offline_text": _texts(config.get("offline_text"), "offline_text"),
        "email_channel": email_channel,
        "video_base_url": _url(
            config.get("video_base_url"), "video_base_url", DEFAULT_VIDEO_BASE_URL
        ),
        "help_search": help_search,
    }


def read_config(config: dict[str, Any]) -> WebchatConfig:
    """A stored config as settings (``InvalidInput`` if it was stored before the rules)."""
    valid = validate_config(config)
    valid["allowed_origins"] = tuple(valid["allowed_origins"])
    return WebchatConfig(**valid)


def webhook_path(config: dict[str, Any]) -> str | None:
    key = config.get("webhook_key") if isinstance(config, dict) else None
    return f"/hooks/webchat/{key}/" if isinstance(key, str) and WEBHOOK_KEY.match(key) else None


# The settings page's form (``channels.registry.ConfigField``). ``webhook_key`` is not
# one of them: it is made once and kept (a secret key to ``merge_secrets``), so saving
# the page never changes the snippet pasted in the site.
_SITES = _("Sites")
_LOOK = _("Look")
_TEXTS = _("Texts")
_OFFLINE = _("When nobody is online")
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "allowed_origins",
        _("Sites that show the chat"),
        "list",
        required=True,
        help=_("One per line, such as https://www.negozio.it: scheme and host, no path."),
        invalid=_(
            "Write each site as https://www.negozio.it: http or https, the host and a port "
            "if any, no path."
        ),
        group=_SITES,
    ),
    ConfigField(
        "color",
        _("Colour"),
        "color",
        initial=DEFAULT_COLOR,
        help=_("Of the button, the chat's header and its buttons."),
        invalid=_("A colour such as #1f6feb."),
        group=_LOOK,
    ),
    ConfigField(
        "position",
        _("Position of the button"),
        "choice",
        choices=(("right", _("Bottom right")), ("left", _("Bottom left"))),
        initial="right",
        group=_LOOK,
    ),
    ConfigField(
        "help_search",
        _("Open the help center search first"),
        "bool",
        help=_("Visitors look for an answer in your articles, with “Chat with us” below."),
        group=_LOOK,
    ),
    ConfigField(
        "greeting.it",
        _("Greeting in Italian"),
        help=_("Under the chat's title while someone is online. Empty: the usual greeting."),
        group=_TEXTS,
    ),
    ConfigField("greeting.en", _("Greeting in English"), group=_TEXTS),
    ConfigField(
        "offline_text.it",
        _("Message in Italian"),
        "longtext",
        help=_("Shown with when a reply will come, before the visitor leaves an email."),
        group=_OFFLINE,
    ),
    ConfigField("offline_text.en", _("Message in English"), "longtext", group=_OFFLINE),
    ConfigField(
        "email_channel",
        _("Email channel for later replies"),
        "channel",
        channel_kind="email",
        help=_("A reply to a visitor who has left goes to their email through it."),
        group=_OFFLINE,
    ),
    ConfigField(
        "video_base_url",
        _("Video call address"),
        "url",
        help=_("Where the meeting rooms are made. Empty: Jitsi Meet (https://meet.jit.si)."),
        invalid=_("An http(s) address such as https://meet.jit.si."),
        group=_("Video calls"),
    ),
)
