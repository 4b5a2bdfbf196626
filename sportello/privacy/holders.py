"""Other holders of a customer's personal data: rows kept by apps on a floor above
privacy (a provider's calls and callbacks), which privacy may not import. Each registers
itself at start-up (``AppConfig.ready``), as providers register in the channels'
registry, with how to list the customer's rows for an export and how to erase them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subject:
    """Whose data: the customer, their conversations and their identity values (email
    addresses, phone numbers...) as they were before an erasure blanked them."""

    workspace_id: int
    customer_id: int
    conversation_ids: list[int]
    identity_values: list[str]


Export = Callable[[Subject], list[dict[str, Any]]]
Erase = Callable[[Subject], int]


@dataclass(frozen=True)
class PersonalData:
    """``name`` is the key of the rows in the export's ``customer.json`` and of the count
    in the erasure's audit entry. ``erase`` runs inside the erasure's transaction and
    returns how many rows it changed; it must be idempotent."""

    name: str
    export: Export
    erase: Erase


_holders: dict[str, PersonalData] = {}


def register(holder: PersonalData) -> None:
    _holders[holder.name] = holder


def holders() -> list[PersonalData]:
    return [_holders[name] for name in sorted(_holders)]
