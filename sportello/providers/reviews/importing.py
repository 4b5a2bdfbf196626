"""Reviews into conversations: each through the ingest pipeline, in a conversation of its
own, once per (channel, source, the source's id), so a feed read twice, a CSV uploaded
again or a push repeated never makes a second one. What cannot be taken is recorded
(``ingest.RejectedInbound``, source ``reviews``) with where it was and why; the reviews
around it are taken all the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from sportello.automation.rules.actions import ensure_default_rules
from sportello.channels.models import Channel
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.customers.identities import normalize_email
from sportello.ingest.inbound import InboundMessage, Sender, sent_at_refusal
from sportello.ingest.pipeline import IngestFailed, ingest
from sportello.providers.common.webhooks import ignore
from sportello.providers.reviews.config import SOURCE
from sportello.providers.reviews.parse import NotAFeed, Parsed, Problem, Review, parse_csv
from sportello.providers.reviews.reasons import Reason, reason


@dataclass
class Imported:
    """What one import did: conversations opened, reviews already there, and what was
    refused (with where and why, also recorded as rejected input)."""

    taken: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    conversation_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "imported": self.taken,
            "duplicates": self.duplicates,
            "rejected": [{"where": p.where, "reason": p.reason} for p in self.problems],
        }


def handle(review: Review) -> str:
    """The reviewer's identity on the site: "google:mario rossi"; an anonymous review is
    its own (a new contact, never a guess on somebody else)."""
    who = " ".join(review.author.split()).casefold() or f"anonymous {review.external_id}"
    return f"{review.source}:{who}"[:255]


def inbound_message(channel: Channel, review: Review) -> InboundMessage:
    sent_at = review.published_at
    if sent_at is not None and sent_at_refusal(sent_at, clock.now()) is not None:
        sent_at = None
    details = {
        "id": review.external_id,
        "source": review.source,
        "rating": review.rating,
        "author": review.author,
        "url": review.url,
        "title": review.title,
        "kind": "review" if review.rating is not None else "mention",
    }
    if review.resource:
        details["resource"] = review.resource
    if review.rating is not None:
        subject = review.title or f"{review.source} {review.rating}/5"
    else:
        subject = review.title or review.source
    email = review.email
    if email:
        try:
            normalize_email(email)
        except InvalidInput:
            email = ""  # a site's bad address must not lose the review: its handle finds it
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=Sender(name=review.author, email=email, handles={"other": handle(review)}),
        text=review.text,
        subject=subject[:200],
        external_id=review.key,
        sent_at=sent_at,
        # ``rating`` at the top is what the rules' "rating" condition reads.
        data={"review": details, "rating": review.rating},
        own_conversation=True,
    )


def record_problem(channel: Channel, problem: Problem, origin: str) -> None:
    ignore(
        source=SOURCE,
        reason=f"{origin}, {problem.where}: {problem.reason}"[:1000],
        raw=problem.raw.encode(),
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
    )


def import_reviews(channel: Channel, parsed: Parsed, *, origin: str) -> Imported:
    """Take what ``parse`` read from ``origin`` (a feed's address, "CSV", "webhook")."""
    ensure_default_rules(channel.workspace_id)
    done = Imported(problems=list(parsed.problems))
    for problem in parsed.problems:
        record_problem(channel, problem, origin)
    for review in parsed.reviews:
        try:
            result = ingest(inbound_message(channel, review), source=SOURCE, channel=channel)
        except IngestFailed as exc:
            # Kept by the pipeline, retryable, in RejectedInbound; told to the uploader.
            place = reason("review", key=review.key)
            done.problems.append(Problem(place, reason("not_stored", detail=exc.message[:200])))
            continue
        if result.duplicate:
            done.duplicates += 1
        else:
            done.taken += 1
            done.conversation_ids.append(result.conversation_id)
    return done


MAX_UPLOAD = 5 * 1024 * 1024


class FileRefused(InvalidInput):
    """A CSV that cannot be read as a whole: the message is the English (the API's), the
    ``reason`` is worded in the reader's language where the page shows it."""

    def __init__(self, why: Reason) -> None:
        super().__init__(why.english())
        self.reason = why


def import_csv(channel: Channel, raw: bytes, *, filename: str = "") -> Imported:
    """An uploaded CSV: ``FileRefused`` (recorded) when the file as a whole cannot be
    read, else what ``import_reviews`` did, bad rows told by line."""
    origin = f"CSV {filename}".strip()
    if channel.kind != "reviews":
        raise FileRefused(reason("not_a_reviews_channel"))
    if len(raw) > MAX_UPLOAD:
        why = reason("file_too_large", megabytes=MAX_UPLOAD // (1024 * 1024))
        ignore(
            source=SOURCE,
            reason=f"{origin}: {why}",
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
        raise FileRefused(why)
    try:
        parsed = parse_csv(raw)
    except NotAFeed as exc:
        ignore(
            source=SOURCE,
            reason=f"{origin}: {exc}",
            raw=raw[:500],
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
        raise FileRefused(exc.reason) from None
    return import_reviews(channel, parsed, origin=origin)
