"""Reviews into a reviews channel from a CSV file (issue 15 point 5); the feeds and the
signed push are the provider's own (``providers/reviews``)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.channels.queries import get_channel
from sportello.core.errors import InvalidInput, NotFound, PermissionDenied
from sportello.providers.reviews.importing import MAX_UPLOAD, import_csv

router = Router(tags=["channels"])
# The upload's field, optional so that the caller's role and the channel are checked first.
CSV_FILE = File(None)


class RejectedRow(Schema):
    where: str
    reason: str


class ReviewImportOut(Schema):
    imported: int
    duplicates: int
    rejected: list[RejectedRow]


@router.post(
    "/{rowid:channel_id}/reviews/import",
    response={200: ReviewImportOut, 401: Error, 403: Error, 404: Error, 422: ValidationErrorOut},
)
def import_reviews(  # type: ignore[no-untyped-def]
    request: HttpRequest, channel_id: int, file: UploadedFile | None = CSV_FILE
):
    """Import reviews and mentions from a CSV file (admins), as `multipart/form-data` with
    the field `file`. Columns: source, rating, author, url, text, date, and optionally id
    and email, headed in English or Italian (fonte, voto, autore, link, testo, data);
    separated by `;` or `,`; UTF-8 with or without BOM. Bad rows are listed by line and
    recorded; the good ones are imported. Importing the same file again imports nothing
    twice (a review is one per channel, source and id)."""
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins import reviews")
    channel = get_channel(agent.workspace_id, channel_id)
    if channel.kind != "reviews":
        raise NotFound(f"channel {channel_id} is not a reviews channel")
    if file is None:
        raise InvalidInput("send the CSV file as the multipart field 'file'")
    raw = file.read(MAX_UPLOAD + 1)  # more than the limit is not read
    return import_csv(channel, raw, filename=file.name or "").as_dict()
