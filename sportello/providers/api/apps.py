from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class ApiProviderConfig(AppConfig):
    name = "sportello.providers.api"
    label = "provider_api"  # "api" is the REST API's own label
    verbose_name = _("API channel")

    def ready(self) -> None:
        register(Provider(kind="api", label=_("API"), identity_kind="other"))
