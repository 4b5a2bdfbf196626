from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, Starting, register


def send(delivery: Any) -> str:
    # Imported on first use: sending loads the SMTP and MIME code and outbound's actions,
    # which a web process that never sends need not load at start-up.
    from sportello.providers.email.send import send_email

    return send_email(delivery)


def test_connection(channel: Any) -> Any:
    # Imported on first use, as ``send``: only the settings page's button needs it.
    from sportello.providers.email.check import test_connection as check

    return check(channel)


def send_unready(channel: Any) -> str | None:
    from django.utils.translation import gettext

    if not isinstance(channel.config, dict) or not channel.config.get("smtp"):
        return gettext("This email channel has no outgoing mail server (SMTP) set up.")
    return None


class EmailConfig(AppConfig):
    name = "sportello.providers.email"
    label = "provider_email"
    verbose_name = _("Email channel")

    def ready(self) -> None:
        from sportello.providers.email.config import CONFIG_FIELDS, validate_config

        register(
            Provider(
                kind="email",
                label=_("Email"),
                identity_kind="email",
                validate_config=validate_config,
                secret_keys=frozenset({"password"}),
                config_fields=CONFIG_FIELDS,
                test_connection=test_connection,
                send=send,
                send_unready=send_unready,
                starting=Starting(("email",), needs_subject=True),
                jobs=("sportello.providers.email.jobs",),
                services=(
                    "sportello.providers.email.services.start_idle",
                    "sportello.providers.email.services.start_lmtp",
                ),
            )
        )
