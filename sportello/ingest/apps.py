from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "sportello.ingest"
    label = "ingest"
    verbose_name = "Ingest"
