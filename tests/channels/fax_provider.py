"""A provider that exists only in the tests, laid out as a provider's package would be in
one module: config rules, a handle normaliser, a sender, a webhook. It is never installed;
tests/channels/test_registry.py registers it and forgets it again."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path

from sportello.core.errors import InvalidInput

# What the sender was asked to send: (fax number, text).
sent: list[tuple[str, str]] = []


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    number = config.get("number")
    if not isinstance(number, str) or not number.isdigit():
        raise InvalidInput("number must be the fax machine's digits")
    pin = config.get("pin", "")
    if not isinstance(pin, str):
        raise InvalidInput("pin must be text")
    return {"number": number, "pin": pin}


def normalize_fax_number(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        raise InvalidInput(f"{value!r} is not a fax number")
    return digits


def send(delivery: Any) -> str:
    sent.append((delivery.channel.config["number"], delivery.message.text))
    return f"fax-{delivery.pk}"


def webhook_path(config: dict[str, Any]) -> str | None:
    return "/hooks/fax/incoming" if config.get("number") else None


# Why replies are refused now (a test sets it), else None.
refusing: str | None = None


def reply_refusal(conversation: Any, channel: Any) -> str | None:
    return refusing


def incoming(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"received": request.method == "POST"})


urlpatterns = [path("incoming", incoming, name="fax-incoming")]


class Modem:
    """What ``sportello run`` starts for this provider beside the web server."""

    def __init__(self, worker: bool) -> None:
        self.worker = worker
        self.running = True

    def stop(self) -> None:
        self.running = False


def start_modem(*, worker: bool) -> Modem | None:
    return Modem(worker) if worker else None
