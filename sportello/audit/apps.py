from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sportello.audit"
    label = "audit"
    verbose_name = "Audit log"
