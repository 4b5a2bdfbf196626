from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "sportello.privacy"
    label = "privacy"
    verbose_name = "Privacy (GDPR)"

    def ready(self) -> None:
        from sportello.privacy import jobs  # noqa: F401  (registers the periodic jobs)
