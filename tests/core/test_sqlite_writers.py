"""Writers of one process queue on the backend's lock (sportello.core.sqlite) and all land."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from sportello.customers.actions import create_customer
from sportello.customers.models import Customer
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_threads_writing_at_once_all_commit(workspace):
    def write(n: int) -> None:
        for i in range(25):
            with transaction.atomic():
                create_customer(workspace.pk, name=f"Cliente {n}-{i}")

    assert run_in_threads(write, 6) == []
    assert Customer.objects.filter(name__startswith="Cliente ").count() == 150


def test_a_failed_transaction_lets_the_next_writer_in(workspace):
    with pytest.raises(RuntimeError), transaction.atomic():
        create_customer(workspace.pk, name="Annullato")
        raise RuntimeError("rolled back")
    done = threading.Event()

    def write() -> None:
        with transaction.atomic():
            create_customer(workspace.pk, name="Dopo")
        connection.close()
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(10)
    assert list(
        Customer.objects.filter(name__in=["Annullato", "Dopo"]).values_list("name", flat=True)
    ) == ["Dopo"]
