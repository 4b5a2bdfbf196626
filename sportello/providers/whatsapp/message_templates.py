"""Meta's message templates read and filled: the pure part, no database and no HTTP.

A template's BODY text names its variables ``{{1}}``, ``{{2}}``... (Meta numbers them
from 1, without gaps); the agent gives one value per placeholder, and the text the
customer reads is the body with each placeholder replaced. That text is what the
conversation's timeline shows for the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sportello.core.errors import InvalidInput

PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")
# Meta's limits: a template's name, and one parameter's text.
NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
MAX_PARAMETER = 1024
STATUSES = frozenset({"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"})


@dataclass(frozen=True)
class ListedTemplate:
    """One entry of ``GET {waba_id}/message_templates``, as Sportello keeps it."""

    name: str
    language: str
    category: str
    status: str
    body: str
    placeholders: int
    meta_id: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)


def placeholder_count(body: str) -> int:
    """How many values the body asks for: its highest ``{{n}}``."""
    return max((int(n) for n in PLACEHOLDER.findall(body)), default=0)


def read_listed(entry: Any) -> ListedTemplate | None:
    """One listed template, or None for an entry Meta would not send (no name, no
    language): a sync skips it rather than failing on it."""
    if not isinstance(entry, dict):
        return None
    name, language = entry.get("name"), entry.get("language")
    if not isinstance(name, str) or not NAME.match(name):
        return None
    if not isinstance(language, str) or not LANGUAGE.match(language):
        return None
    components = [c for c in entry.get("components") or [] if isinstance(c, dict)]
    body = next(
        (str(c.get("text") or "") for c in components if str(c.get("type")).upper() == "BODY"),
        "",
    )
    status = str(entry.get("status") or "").upper()
    return ListedTemplate(
        name=name,
        language=language,
        category=str(entry.get("category") or "")[:32],
        status=status if status in STATUSES else "OTHER",
        body=body,
        placeholders=placeholder_count(body),
        meta_id=str(entry.get("id") or "")[:64],
        components=components,
    )


def clean_parameters(parameters: Any, expected: int) -> list[str]:
    """The agent's values for the body's placeholders: exactly ``expected`` non-empty
    texts (Meta refuses an empty parameter, and a missing one)."""
    if not isinstance(parameters, list | tuple) or not all(isinstance(p, str) for p in parameters):
        raise InvalidInput("parameters: a list of texts, one for each {{n}} of the template")
    values = [" ".join(p.split()) for p in parameters]
    if len(values) != expected:
        raise InvalidInput(
            f"parameters: this template needs {expected} value(s), {len(values)} given"
        )
    for number, value in enumerate(values, start=1):
        if not value:
            raise InvalidInput(f"parameters: the value for {{{{{number}}}}} is empty")
        if len(value) > MAX_PARAMETER:
            raise InvalidInput(
                f"parameters: the value for {{{{{number}}}}} is longer than "
                f"{MAX_PARAMETER} characters"
            )
    return values


def render(body: str, parameters: list[str]) -> str:
    """The text the customer reads: ``body`` with ``{{n}}`` replaced by the n-th value."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return parameters[index] if 0 <= index < len(parameters) else match.group(0)

    return PLACEHOLDER.sub(value, body)


def template_message(name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    """The ``template`` object of a Cloud API message."""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        ]
    return {"type": "template", "template": template}
