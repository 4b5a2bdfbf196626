from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "sportello.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"
