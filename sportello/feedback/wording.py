"""What the customer reads in the survey's message, in their language, and the link.

The texts are the interface's (translated in the Italian catalogue); the question is the
business's own (``FeedbackSettings``)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sportello.feedback.models import SurveyKind

TOKEN_BYTES = 24
# A token as the link carries it: 32 URL-safe characters (24 random bytes).
TOKEN_LENGTH = 32


def new_token() -> tuple[str, str]:
    """A fresh token and the hash that is stored (the token itself is only in the link)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(workspace_slug: str, token: str) -> str:
    return f"{settings.BASE_URL.rstrip('/')}/feedback/{workspace_slug}/{token}/"


def csat_labels() -> dict[int, Promise]:
    """Each rating's word, translated when it is shown (the page's language)."""
    return {
        5: gettext_lazy("Excellent"),
        4: gettext_lazy("Good"),
        3: gettext_lazy("Okay"),
        2: gettext_lazy("Poor"),
        1: gettext_lazy("Very poor"),
    }


def survey_text(kind: str, question: str, url: str, *, language: str, one_click: bool) -> str:
    """The message: the question and the link. By email (``one_click``) a CSAT message
    lists a link per rating, so the customer answers from the email with one click (the
    page opens with that rating chosen, to add a comment and send)."""
    with translation.override(language):
        if kind == SurveyKind.NPS:
            scale = _("From 0 (not at all likely) to 10 (extremely likely).")
            answer = _("Answer here: %(url)s") % {"url": url}
            return f"{question}\n{scale}\n\n{answer}"
        if not one_click:
            return f"{question}\n" + _("Answer here: %(url)s") % {"url": url}
        lines = [question, "", _("Choose your rating with one click:")]
        lines += [
            f"{score} – {label}: {url}?score={score}" for score, label in csat_labels().items()
        ]
        lines += ["", _("Thank you for your time.")]
        return "\n".join(lines)
