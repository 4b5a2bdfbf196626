from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class WhatsappConfig(AppConfig):
    name = "sportello.providers.whatsapp"
    label = "provider_whatsapp"
    verbose_name = "WhatsApp channel"

    def ready(self) -> None:
        from sportello.providers.whatsapp.identities import normalize_whatsapp_id

        register(
            Provider(
                kind="whatsapp",
                label=_("WhatsApp"),
                identity_kind="whatsapp",
                normalize_handle=normalize_whatsapp_id,
            )
        )
