"""Reading a request's JSON body: one place refuses what no field could hold.

Every JSON body goes through :class:`JsonBody` before a schema sees it. It refuses, with
a 422 naming the problem, a body that is not a JSON object or nests too deeply for the parser
(a RecursionError otherwise), and any text, key or value, holding a NUL character
(PostgreSQL cannot store one) or a lone surrogate such as ``"\\ud800"`` (not Unicode:
encoding it for the database or the response failed with a 500). Checking here rather
than per schema keeps every endpoint, and every field added later, covered.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny


class BodyRefused(ValueError):
    """The body cannot be read as the API's JSON; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refusal_in_text(text: str) -> str | None:
    """Why ``text`` cannot be kept, or None when it can."""
    if "\x00" in text:
        return "text must not contain NUL characters (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode: a lone surrogate such as \\ud800 is not"
    return None


def _check_texts(data: Any) -> None:
    """Every string in ``data``, walked without recursion (the parser bounds its depth)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if (why := refusal_in_text(item)) is not None:
                raise BodyRefused(why)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


class JsonBody(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise BodyRefused("the JSON body is nested too deeply") from None
        except ValueError:  # not JSON, or not UTF-8
            raise BodyRefused("the body is not valid JSON") from None
        if not isinstance(data, dict):
            # Every body the API takes is an object: a list or a bare value would reach a
            # schema whose fields are all optional as if it were ``{}``.
            raise BodyRefused("the JSON body must be an object")
        _check_texts(data)
        return cast(DictStrAny, data)
