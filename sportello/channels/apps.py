from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """The Channel model and the provider registry. The providers' own apps, listed after
    this one in INSTALLED_APPS, fill the registry from their ``ready()``."""

    name = "sportello.channels"
    label = "sportello_channels"  # "channels" is Django Channels' own label
    verbose_name = _("Channels")
