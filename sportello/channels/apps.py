from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "sportello.channels"
    label = "sportello_channels"  # "channels" is Django Channels' own label
    verbose_name = "Channels"
