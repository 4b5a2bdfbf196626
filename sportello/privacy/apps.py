from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "sportello.privacy"
    label = "privacy"
    verbose_name = _("Privacy (GDPR)")

    def ready(self) -> None:
        from sportello.privacy import jobs  # noqa: F401  (registers the periodic jobs)
