"""Request bodies parsed once."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

_PARSED = "_sportello_parsed_body"


class ParsedOnce(Parser):
    """django-ninja's JSON parser, keeping what it parsed on the request: the inbound
    endpoint's token check reads the channel from the body before the payload is validated
    (``auth.TokenAuth(with_channel=True)``), and a body of up to a megabyte of text should
    not be parsed twice. A body that fails to parse is not kept: the payload's own parsing
    fails again and answers for it."""

    def parse_body(self, request: HttpRequest) -> Any:
        parsed = request.__dict__.get(_PARSED, _PARSED)
        if parsed is _PARSED:
            parsed = super().parse_body(request)
            request.__dict__[_PARSED] = parsed
        return parsed


PARSER = ParsedOnce()
