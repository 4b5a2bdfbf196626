"""JSON text as the REST API writes it, for the answers it writes itself (``api.present``)
and the webhooks' bodies: compact, UTF-8 as is, times in ISO 8601 with UTC as ``Z`` (as
pydantic writes them)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_json_value, ensure_ascii=False, separators=(",", ":"))
