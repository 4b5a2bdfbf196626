"""Why a review, a row or a feed was not taken, in the reader's language.

A reason is a code with its parameters (``Reason("rating_range", {"value": "7"})``), never a
finished sentence: the settings page words it in the agent's language when it shows it
(``text``), while the API, the log and the rejected-input records read the English
(``english``), as delivery failures are (``web.reasons``). A feed's last error is stored
as that code and those parameters (``as_stored``), so a feed that failed while an English
admin looked still reads in Italian to the next one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

MESSAGES: dict[str, str] = {
    # Where a problem was.
    "item": gettext_noop("item %(number)s"),
    "line": gettext_noop("line %(number)s"),
    "feed": gettext_noop("feed"),
    "google_review": gettext_noop("page %(page)s, review %(number)s"),
    "review": gettext_noop("review %(key)s"),
    # One review that could not be taken.
    "rating_not_stars": gettext_noop("rating %(value)s is not a number of stars"),
    "rating_range": gettext_noop("rating %(value)s: a whole number of stars from 1 to 5"),
    "date_unreadable": gettext_noop("date %(value)s does not read (use 2026-12-06 or 06/12/2026)"),
    "date_too_old": gettext_noop("date %(value)s is before 1970"),
    "url_not_http": gettext_noop("url %(value)s is not an http(s) address"),
    "no_source": gettext_noop("no source (the site the review is on), and no url to tell it by"),
    "no_text": gettext_noop("no text and no rating"),
    "text_too_long": gettext_noop("the text is longer than %(limit)s characters"),
    "not_an_object": gettext_noop("an item is not a JSON object"),
    "not_text": gettext_noop("%(name)s is not a text or a number"),
    "too_many_items": gettext_noop("only the first %(limit)s items are read"),
    "too_many_rows": gettext_noop("only the first %(limit)s rows are read"),
    "row_unreadable": gettext_noop("does not read: %(detail)s"),
    "too_many_cells": gettext_noop(
        "%(cells)s cells for %(columns)s columns (a separator in the text? put the text in "
        "double quotes)"
    ),
    "not_stored": gettext_noop("could not be stored: %(detail)s"),
    # A whole document that could not be read.
    "xml_refused": gettext_noop("the XML was refused (%(detail)s): entities are not read"),
    "xml_malformed": gettext_noop("the XML is malformed: %(detail)s"),
    "xml_unknown": gettext_noop(
        "an XML document of <%(name)s>, neither RSS (<rss>) nor Atom (<feed>)"
    ),
    "json_malformed": gettext_noop("the JSON is malformed: %(detail)s"),
    "json_unknown": gettext_noop("the JSON is neither a feed, a review nor a list of reviews"),
    "unknown_shape": gettext_noop("neither XML (RSS, Atom) nor JSON"),
    "not_utf8": gettext_noop("the file is not UTF-8 text (byte %(byte)s)"),
    "empty_file": gettext_noop("the file is empty"),
    "header_unreadable": gettext_noop("the header does not read: %(detail)s"),
    "no_columns": gettext_noop(
        "no column of text or rating in the header; name them source, rating, author, url, "
        "text, date (or fonte, voto, autore, link, testo, data)"
    ),
    "file_too_large": gettext_noop("the file is larger than %(megabytes)s MB"),
    "not_a_reviews_channel": gettext_noop("reviews are imported into a reviews channel"),
    # A feed that could not be fetched.
    "http_status": gettext_noop("the site answered HTTP %(status)s"),
    "feed_too_large": gettext_noop("the feed is larger than %(megabytes)s MB"),
    "fetch_failed": gettext_noop("could not read the feed: %(detail)s"),
    "google_failed": gettext_noop("Google did not give the reviews: %(detail)s"),
    "feed_failed": gettext_noop("the feed could not be read"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return MESSAGES[self.code] % dict(self.params)

    def text(self) -> str:
        """In the active language (the page's)."""
        return gettext(MESSAGES[self.code]) % dict(self.params)

    def __str__(self) -> str:
        return self.english()

    def as_stored(self) -> str:
        return json.dumps({"code": self.code, "params": dict(self.params)}, ensure_ascii=False)


def reason(code: str, **params: Any) -> Reason:
    assert code in MESSAGES, code
    return Reason(code, params)


def stored_text(stored: str) -> str:
    """A reason ``as_stored`` in the active language; text stored otherwise (before
    reasons were codes) as it is."""
    try:
        data = json.loads(stored)
        found = Reason(str(data["code"]), dict(data.get("params") or {}))
        return found.text()
    except (ValueError, TypeError, KeyError):
        return stored


class ReasonError(ValueError):
    """A ``ValueError`` that carries its ``Reason``; its message is the English."""

    def __init__(self, code: str, **params: Any) -> None:
        self.reason = reason(code, **params)
        super().__init__(self.reason.english())


def reason_of(error: ValueError) -> Reason:
    """The reason an item was refused: its own, or the error's English as a detail (a
    ``ValueError`` from a library, such as an address ``urlsplit`` cannot split)."""
    if isinstance(error, ReasonError):
        return error.reason
    return reason("row_unreadable", detail=str(error)[:200])
