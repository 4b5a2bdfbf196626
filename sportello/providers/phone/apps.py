from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class PhoneConfig(AppConfig):
    name = "sportello.providers.phone"
    label = "provider_phone"
    verbose_name = "Phone channel"

    def ready(self) -> None:
        register(Provider(kind="phone", label=_("Phone"), identity_kind="phone"))
