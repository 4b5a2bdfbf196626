from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "sportello.outbound"
    label = "outbound"
    verbose_name = "Outbound deliveries"
