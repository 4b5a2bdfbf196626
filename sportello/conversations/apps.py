from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "sportello.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from sportello.conversations import jobs  # noqa: F401  (registers the periodic jobs)
