from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


class ReviewsConfig(AppConfig):
    name = "sportello.providers.reviews"
    label = "provider_reviews"
    verbose_name = "Reviews channel"

    def ready(self) -> None:
        register(Provider(kind="reviews", label=_("Reviews"), identity_kind="other"))
