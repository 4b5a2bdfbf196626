"""An email channel's configuration: its address, its mailbox (IMAP) and its way out (SMTP).

Stored in ``Channel.config`` as JSON, validated here before it is saved (the admin form calls
:func:`validate_config`) and read back as typed values by the code that connects::

    {
      "address": "assistenza@negozio.it",
      "from_name": "Negozio Rossi",                         # optional, else the channel name
      "imap": {"host": "imap.negozio.it", "port": 993, "ssl": true, "starttls": false,
               "user": "assistenza@negozio.it", "password": "…",
               "folder": "INBOX", "processed_folder": "Sportello"},   # optional
      "smtp": {"host": "smtp.negozio.it", "port": 587, "ssl": false, "starttls": true,
               "user": "assistenza@negozio.it", "password": "…"},     # optional
      "reopen_days": 30
    }

``imap`` is absent for mailboxes that arrive by LMTP. Security defaults to implicit TLS for
IMAP and STARTTLS for SMTP when neither flag is given; a plain connection must be asked for
(``"ssl": false, "starttls": false``), as for a mail server on the same machine.
``reopen_days``: a customer's answer to a conversation resolved more than that many days ago
opens a new conversation instead of reopening the old one; ``null`` always reopens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from sportello.channels.models import Channel
from sportello.channels.registry import ConfigField
from sportello.core.errors import InvalidInput
from sportello.customers.identities import normalize_email

DEFAULT_REOPEN_DAYS = 30
MAX_REOPEN_DAYS = 3650
_DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "plain": 143},
    "smtp": {"ssl": 465, "starttls": 587, "plain": 25},
}


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    ssl: bool
    starttls: bool
    user: str
    password: str


@dataclass(frozen=True)
class ImapConfig(ServerConfig):
    folder: str = "INBOX"
    processed_folder: str = ""


@dataclass(frozen=True)
class EmailChannelConfig:
    address: str
    from_name: str
    imap: ImapConfig | None
    smtp: ServerConfig | None
    reopen_days: int | None


def _text(section: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = section.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{where}.{key} must be text")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{where}.{key} is required")
    if any(c in value for c in "\r\n\x00"):
        raise InvalidInput(f"{where}.{key} must be a single line")
    return value


def _flag(section: dict[str, Any], key: str, where: str) -> bool | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidInput(f"{where}.{key} must be true or false")
    return value


def _server(section: Any, where: str) -> dict[str, Any]:
    if not isinstance(section, dict):
        raise InvalidInput(f"{where} must be an object")
    host = _text(section, "host", where, required=True)
    ssl = _flag(section, "ssl", where)
    starttls = _flag(section, "starttls", where)
    if starttls is None:
        starttls = _flag(section, "tls", where)
    if ssl and starttls:
        raise InvalidInput(f"{where}: choose ssl or starttls, not both")
    if ssl is None and starttls is None:
        ssl, starttls = (True, False) if where == "imap" else (False, True)
    ssl, starttls = bool(ssl), bool(starttls)
    mode = "ssl" if ssl else "starttls" if starttls else "plain"
    port = section.get("port") or _DEFAULT_PORTS[where][mode]
    if isinstance(port, str):  # ASCII digits: "¹" is a digit to str.isdigit, not to int
        digits = port.strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 5:
            port = int(digits)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"{where}.port must be a number from 1 to 65535")
    user = _text(section, "user", where)
    password = section.get("password") or ""
    if not isinstance(password, str):
        raise InvalidInput(f"{where}.password must be text")
    if user and not password:
        raise InvalidInput(f"{where}.password is required with a user")
    return {
        "host": host,
        "port": port,
        "ssl": ssl,
        "starttls": starttls,
        "user": user,
        "password": password,
    }


def validate_config(config: Any) -> dict[str, Any]:
    """The normalised configuration to store, or :class:`InvalidInput` naming the field."""
    if not isinstance(config, dict):
        raise InvalidInput("the configuration must be an object")
    try:
        address = normalize_email(_text(config, "address", "config", required=True))
    except InvalidInput:
        raise InvalidInput("address must be the channel's email address") from None
    clean: dict[str, Any] = {"address": address, "from_name": _text(config, "from_name", "config")}
    if config.get("imap"):
        imap = _server(config["imap"], "imap")
        imap["folder"] = _text(config["imap"], "folder", "imap") or "INBOX"
        imap["processed_folder"] = _text(config["imap"], "processed_folder", "imap")
        if imap["processed_folder"] == imap["folder"]:
            raise InvalidInput("imap.processed_folder must differ from imap.folder")
        clean["imap"] = imap
    if config.get("smtp"):
        clean["smtp"] = _server(config["smtp"], "smtp")
    reopen_days = config.get("reopen_days", DEFAULT_REOPEN_DAYS)
    if reopen_days is not None and (
        isinstance(reopen_days, bool)
        or not isinstance(reopen_days, int)
        or not 0 <= reopen_days <= MAX_REOPEN_DAYS
    ):
        raise InvalidInput(f"reopen_days must be a number of days from 0 to {MAX_REOPEN_DAYS}")
    clean["reopen_days"] = reopen_days
    known = {"address", "from_name", "imap", "smtp", "reopen_days"}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InvalidInput(f"unknown setting {unknown[0]!r}")
    return clean


def read_config(channel: Channel) -> EmailChannelConfig:
    """The channel's configuration as typed values (validated again: the JSON may have been
    edited by hand)."""
    clean = validate_config(channel.config or {})
    imap = clean.get("imap")
    smtp = clean.get("smtp")
    return EmailChannelConfig(
        address=clean["address"],
        from_name=clean["from_name"] or channel.name,
        imap=ImapConfig(**imap) if imap else None,
        smtp=ServerConfig(**smtp) if smtp else None,
        reopen_days=clean["reopen_days"],
    )


def _server_fields(section: str, group: Any, *, ssl: bool) -> tuple[ConfigField, ...]:
    return (
        ConfigField(f"{section}.host", _("Server"), group=group, help=_("Leave empty to skip.")),
        ConfigField(f"{section}.port", _("Port"), "number", group=group),
        ConfigField(f"{section}.ssl", _("SSL/TLS"), "bool", initial=ssl, group=group),
        ConfigField(f"{section}.starttls", _("STARTTLS"), "bool", initial=not ssl, group=group),
        ConfigField(f"{section}.user", _("User name"), group=group),
        ConfigField(f"{section}.password", _("Password"), "secret", group=group),
    )


# The settings page's form (``channels.registry.ConfigField``).
CONFIG_FIELDS: tuple[ConfigField, ...] = (
    ConfigField("address", _("Email address"), "email", required=True),
    ConfigField("from_name", _("Sender name"), help=_("Else the channel's name.")),
    *_server_fields("imap", _("Incoming mail (IMAP)"), ssl=True),
    ConfigField("imap.folder", _("Folder"), initial="INBOX", group=_("Incoming mail (IMAP)")),
    ConfigField(
        "imap.processed_folder",
        _("Move processed mail to"),
        group=_("Incoming mail (IMAP)"),
        help=_("Optional: a folder the read messages are moved to."),
    ),
    *_server_fields("smtp", _("Outgoing mail (SMTP)"), ssl=False),
    ConfigField(
        "reopen_days",
        _("Reopen within (days)"),
        "number",
        initial=DEFAULT_REOPEN_DAYS,
        help=_("An answer to a conversation resolved longer ago opens a new one."),
    ),
)
