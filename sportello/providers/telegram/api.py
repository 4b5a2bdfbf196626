"""Calling the Telegram Bot API: ``{api_url}/bot<token>/<method>``.

Every answer is ``{"ok": ..., "result": ...}``; an error carries ``error_code``, a
``description`` the agent can read ("Bad Request: chat not found", "Forbidden: bot was
blocked by the user") and, on a 429, ``parameters.retry_after`` in seconds, which
``common.http`` honours like a Retry-After header (slept through when short, handed to
outbound's backoff when long).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sportello.outbound.errors import DeliveryError
from sportello.providers.common import http
from sportello.providers.telegram.config import TelegramConfig


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_text(response: httpx.Response) -> str:
    """Telegram's own description of a refusal, as the agent reads it."""
    description = str(_answer(response).get("description") or "").strip()
    return f"Telegram {response.status_code}: {description or response.text[:300]}"


def wait_asked(response: httpx.Response) -> float | None:
    """``parameters.retry_after`` of a 429, else a Retry-After header, else None."""
    parameters = _answer(response).get("parameters")
    if isinstance(parameters, dict):
        value = parameters.get("retry_after")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
    return http.retry_after(response)


def call(
    config: TelegramConfig,
    method: str,
    *,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    files: Mapping[str, tuple[str, bytes, str]] | None = None,
    before_send: Callable[[], None] | None = None,
) -> Any:
    """The ``result`` of a Bot API method, or :class:`common.http.ProviderRefused`."""
    response = http.call(
        "POST",
        config.method(method),
        json=json,
        data=data,
        files=files,
        error_text=error_text,
        before_send=before_send,
        wait_asked=wait_asked,
    )
    answer = _answer(response)
    if not answer.get("ok") or "result" not in answer:
        raise DeliveryError(f"Telegram's answer to {method} is not ok: {response.text[:200]}")
    return answer["result"]
