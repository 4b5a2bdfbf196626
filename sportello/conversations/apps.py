from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "sportello.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from sportello.conversations import jobs  # noqa: F401  (registers the periodic jobs)
        from sportello.conversations.actions.customer_merge import (
            move_conversations,
            return_conversations,
        )
        from sportello.customers.merging import MergeParticipant, register_merge_participant

        register_merge_participant(
            MergeParticipant("conversations", move_conversations, return_conversations)
        )
