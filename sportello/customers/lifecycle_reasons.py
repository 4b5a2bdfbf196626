"""Why a customer's lifecycle stage changed, when Sportello changed it.

An agent's reason is kept as typed. A reason Sportello gives itself ("order A-1042" made
her a customer) is stored as a code and its parameters, never as a sentence, so the
customer page words it in the reader's language (``text``) and the API in English
(``english``), as delivery failures and review import errors are."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext, gettext_noop

MESSAGES = {
    "order": gettext_noop("order %(number)s"),
}


def stored(code: str, **params: Any) -> str:
    """The reason as ``LifecycleChange.reason`` and ``Customer.lifecycle_reason`` keep it."""
    assert code in MESSAGES, code
    return json.dumps({"code": code, "params": params}, ensure_ascii=False)


def _read(value: str) -> tuple[str, dict[str, Any]] | None:
    if not value.startswith("{"):
        return None
    try:
        data = json.loads(value)
        code, params = data["code"], dict(data.get("params") or {})
    except (ValueError, TypeError, KeyError):
        return None
    return (code, params) if code in MESSAGES else None


def text(value: str) -> str:
    """A stored reason in the active language; an agent's own words as typed."""
    found = _read(value)
    if found is None:
        return value
    code, params = found
    try:
        return gettext(MESSAGES[code]) % params
    except (KeyError, TypeError):
        return value


def english(value: str) -> str:
    """A stored reason in English (the API's); an agent's own words as typed."""
    found = _read(value)
    if found is None:
        return value
    code, params = found
    try:
        return MESSAGES[code] % params
    except (KeyError, TypeError):
        return value
