"""The reviews channel: what customers write about the business on review sites and
elsewhere, read from feeds (RSS, Atom, JSON) by a periodic job, from a CSV upload, or
pushed to a signed webhook. Each review or mention is a conversation of its own on the
customer it names (by email, or by their handle on that site), else on a new contact. An
agent's reply is posted back through a reply webhook where one is configured, otherwise
the conversation links to the review to answer it there by hand.

A reviewer's handle ("google:mario rossi") finds no customer on another channel, so it
is an "other" identity."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from sportello.channels.registry import Provider, register


def send(delivery: Any) -> str:
    from sportello.providers.reviews.send import send_review_reply

    return send_review_reply(delivery)


class ReviewsConfig(AppConfig):
    name = "sportello.providers.reviews"
    label = "provider_reviews"
    verbose_name = _("Reviews channel")

    def ready(self) -> None:
        from sportello.providers.reviews.config import (
            CONFIG_FIELDS,
            SECRET_KEYS,
            validate_config,
            webhook_path,
        )

        register(
            Provider(
                kind="reviews",
                label=_("Reviews"),
                identity_kind="other",
                validate_config=validate_config,
                config_fields=CONFIG_FIELDS,
                secret_keys=SECRET_KEYS,
                send=send,
                urls="sportello.providers.reviews.urls",
                webhook_path=webhook_path,
                jobs=("sportello.providers.reviews.jobs",),
            )
        )
