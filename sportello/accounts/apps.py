from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sportello.accounts"
    label = "accounts"
    verbose_name = _("Agents and teams")

    def ready(self) -> None:
        from sportello.accounts import jobs  # noqa: F401  (registers the periodic jobs)
