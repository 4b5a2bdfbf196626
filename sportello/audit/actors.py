"""Who is acting: an agent, the installation's operator, or the system (a job).

Interfaces know who is calling (the API's token, the admin's session, the command line);
the actions that record audit entries do not take it as an argument, so they stay callable
from jobs and imports unchanged. The interface says it once, for the request or the
command, with :func:`acting_as` (a context variable: each thread and task has its own), and
:func:`actor_in` reads it when an entry is recorded. docs/adr/0016.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.translation import gettext

from sportello.audit.models import ActorKind


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str = ""
    agent_id: int | None = None
    ip: str | None = None


SYSTEM = Actor(ActorKind.SYSTEM, "system")


def shown_name(name: str) -> str:
    """A recorded actor's name as a page shows it: Sportello itself and the operator
    (recorded as "system" and "operator") in the reader's language, a person as named."""
    if name == SYSTEM.name:
        return gettext("System")
    if name == "operator":
        return gettext("Operator")
    return name


# Either an actor, or how to find it for a workspace: a user may be an agent of several
# workspaces, and which one acted depends on the workspace the change is in.
ActorSource = Actor | Callable[[int], Actor]

_current: ContextVar[ActorSource | None] = ContextVar("sportello_audit_actor", default=None)


@contextmanager
def acting_as(source: ActorSource) -> Iterator[None]:
    """Entries recorded inside are by ``source`` (outside any, by the system)."""
    token = _current.set(source)
    try:
        yield
    finally:
        _current.reset(token)


def actor_in(workspace_id: int) -> Actor:
    source = _current.get()
    if source is None:
        return SYSTEM
    return source(workspace_id) if callable(source) else source


def operator(name: str = "operator") -> Actor:
    """The installation's operator: the command line, a superuser with no agent."""
    return Actor(ActorKind.OPERATOR, name[:200] or "operator")
