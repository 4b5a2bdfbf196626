from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class TelegramConfig(AppConfig):
    name = "sportello.providers.telegram"
    label = "provider_telegram"
    verbose_name = "Telegram channel"

    def ready(self) -> None:
        register(Provider(kind="telegram", label=_("Telegram"), identity_kind="telegram"))
