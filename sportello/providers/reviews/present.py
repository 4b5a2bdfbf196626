"""How the agent UI shows a review: its stars (with words for a screen reader), its site
and author, and where to answer it; and, under an agent's reply that nobody sends, that
it is to be posted by hand. Made when shown, in the reader's language; every value is
escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.translation import gettext as _

from sportello.conversations.models import Conversation
from sportello.conversations.queries import latest_inbound_data
from sportello.providers.reviews.send import answered_by_hand


def stars_html(rating: Any) -> str:
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        return ""
    words = _("%(rating)s out of 5") % {"rating": rating}
    return (
        f'<span class="review-stars" role="img" aria-label="{escape(words)}" '
        f'title="{escape(words)}">{"★" * rating}{"☆" * (5 - rating)}</span>'
    )


def _link(review: dict[str, Any], by_hand: bool) -> str:
    url = str(review.get("url") or "")
    if not url.startswith(("http://", "https://")):
        return ""
    source = str(review.get("source") or "")
    if by_hand:
        text = _("Answer on %(source)s") % {"source": source}
    else:
        text = _("Open on %(source)s") % {"source": source}
    return (
        f'<a class="review-link" href="{escape(url)}" target="_blank" '
        f'rel="noopener noreferrer">{escape(text)} ↗</a>'
    )


def review_details(review: dict[str, Any], conversation: Conversation) -> str:
    """Under the review's message: stars, "Review on google" or "Mention on ...", the link."""
    by_hand = answered_by_hand(conversation.channel.config, review)
    source = str(review.get("source") or "")
    if review.get("rating") is None:
        kind = _("Mention on %(source)s") % {"source": source}
    else:
        kind = _("Review on %(source)s") % {"source": source}
    parts = [stars_html(review.get("rating")), f'<span class="review-source">{escape(kind)}</span>']
    link = _link(review, by_hand)
    if link:
        parts.append(link)
    return f'  <div class="review-details">{" ".join(p for p in parts if p)}</div>\n'


def reply_footer(conversation: Conversation) -> str | None:
    """What an agent's reply on a review conversation says instead of its delivery, when
    it is posted by hand; None when the reply webhook sends it (the delivery tells), and
    at no query for a conversation of another channel."""
    if conversation.channel.kind != "reviews":
        return None
    review = (latest_inbound_data(conversation.pk) or {}).get("review")
    if not isinstance(review, dict) or not answered_by_hand(conversation.channel.config, review):
        return None
    note = escape(_("To post by hand"))
    link = _link(review, True)
    shown = f"{note} · {link}" if link else note
    return f'  <footer class="delivery delivery-by-hand">{shown}</footer>\n'
