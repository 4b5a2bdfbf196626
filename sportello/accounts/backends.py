"""How Django finds the signed-in user of a session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from sportello.accounts.queries import user_with_agent


class AgentBackend(ModelBackend):
    """Django's email-and-password backend, whose ``get_user`` also finds the user's agent
    profile in the same query (``accounts.queries.user_with_agent``). Django still checks
    the session's password hash and ``is_active`` as it does for ``ModelBackend``."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user = user_with_agent(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
