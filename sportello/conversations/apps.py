from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "sportello.conversations"
    label = "conversations"
    verbose_name = "Conversations"
