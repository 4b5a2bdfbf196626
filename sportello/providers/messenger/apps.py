from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class MessengerConfig(AppConfig):
    name = "sportello.providers.messenger"
    label = "provider_messenger"
    verbose_name = "Messenger channel"

    def ready(self) -> None:
        register(Provider(kind="messenger", label=_("Messenger"), identity_kind="messenger"))
