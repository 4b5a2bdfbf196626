from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "sportello.channels"
    label = "sportello_channels"  # "channels" is Django Channels' own label
    verbose_name = "Channels"

    def ready(self) -> None:
        # Huey's consumer knows only the tasks of imported modules: import each channel's jobs.
        from sportello.providers.email import jobs  # noqa: F401
