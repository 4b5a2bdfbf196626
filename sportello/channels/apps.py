from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """The Channel model and the provider registry. The providers' own apps, listed after
    this one in INSTALLED_APPS, fill the registry from their ``ready()``."""

    name = "sportello.channels"
    label = "sportello_channels"  # "channels" is Django Channels' own label
    verbose_name = "Channels"
