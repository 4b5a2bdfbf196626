from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sportello.accounts"
    label = "accounts"
    verbose_name = "Agents and teams"

    def ready(self) -> None:
        from sportello.accounts import jobs  # noqa: F401  (registers the periodic jobs)
