"""The web chat channel: the widget on the business's own site.

A script tag (``embed_snippet``) loads ``static/webchat/widget.js``, which talks to the
endpoints under ``/hooks/webchat/<public key>/`` and to the websocket
``/ws/webchat/<public key>/`` (docs/architecture/webchat.md). A visitor's message goes
through the ingest pipeline like any other; an agent's reply is "sent" by ``send.py``:
shown in the widget, or by email to a visitor who has left.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


def send(delivery: Any) -> str:
    from sportello.providers.webchat.send import send_webchat

    return send_webchat(delivery)


def embed_snippet(config: dict[str, Any]) -> str | None:
    """The HTML to paste in the site's pages, before ``</body>``."""
    key = config.get("webhook_key") if isinstance(config, dict) else None
    if not isinstance(key, str) or not key:
        return None
    base = settings.BASE_URL.rstrip("/")
    src = f"{base}{settings.STATIC_URL}webchat/widget.js"
    return f'<script src="{escape(src)}" data-channel="{escape(key)}" async></script>'


class WebchatConfig(AppConfig):
    name = "sportello.providers.webchat"
    label = "provider_webchat"
    verbose_name = _("Web chat channel")

    def ready(self) -> None:
        from sportello.providers.webchat.config import (
            CONFIG_FIELDS,
            validate_config,
            webhook_path,
        )

        register(
            Provider(
                kind="webchat",
                label=_("Web chat"),
                identity_kind="webchat",
                validate_config=validate_config,
                config_fields=CONFIG_FIELDS,
                # Public (it is in the snippet), but kept like a secret when the settings
                # page saves a config without it.
                secret_keys=frozenset({"webhook_key"}),
                send=send,
                urls="sportello.providers.webchat.urls",
                webhook_path=webhook_path,
                embed_snippet=embed_snippet,
            )
        )
