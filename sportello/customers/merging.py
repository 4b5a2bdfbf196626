"""What else moves when two customers become one: apps of the customers' floor and above
that keep rows per customer (conversations) register a participant at start-up, as
providers register with the channels registry, so customers imports none of them.

A participant's ``move`` runs inside the merge's transaction and returns a JSON-able
snapshot; ``restore`` gets it back at an undo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MergeParticipant:
    name: str
    # (workspace_id, from_customer_id, to_customer_id) -> snapshot
    move: Callable[[int, int, int], dict[str, Any]]
    # (workspace_id, snapshot, from_customer_id, to_customer_id) -> rows returned
    restore: Callable[[int, dict[str, Any], int, int], int]


_participants: dict[str, MergeParticipant] = {}


def register_merge_participant(participant: MergeParticipant) -> None:
    _participants[participant.name] = participant


def participants() -> list[MergeParticipant]:
    return list(_participants.values())
