from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class WebchatConfig(AppConfig):
    name = "sportello.providers.webchat"
    label = "provider_webchat"
    verbose_name = "Web chat channel"

    def ready(self) -> None:
        register(Provider(kind="webchat", label=_("Web chat"), identity_kind="webchat"))
