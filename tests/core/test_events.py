from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from sportello.core.events import Event, publish, subscribe, unsubscribe


@dataclass(frozen=True)
class Happened(Event):
    what: str


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit_in_order_and_a_failure_does_not_stop_the_rest():
    calls: list[str] = []

    def first(event):
        calls.append(f"first:{event.what}")

    def broken(event):
        raise RuntimeError("handler bug")

    def last(event):
        calls.append(f"last:{event.what}")

    for handler in (first, broken, last):
        subscribe(Happened, handler)
    try:
        with transaction.atomic():
            publish(Happened(workspace_id=1, what="x"))
            assert calls == []
        assert calls == ["first:x", "last:x"]

        with pytest.raises(ZeroDivisionError), transaction.atomic():
            publish(Happened(workspace_id=1, what="rolled back"))
            raise ZeroDivisionError
        assert calls == ["first:x", "last:x"]
    finally:
        for handler in (first, broken, last):
            unsubscribe(Happened, handler)
