"""SQLite writers queue on the backend's lock (sportello.core.sqlite) and all land."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.db import connection, transaction

from sportello.core.sqlite.base import WriterLock
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


HOLDER = """
import sys
from sportello.core.sqlite.base import WriterLock
lock = WriterLock(sys.argv[1])
assert lock.acquire(timeout=5)
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
sys.stdin.readline()
"""


def test_writers_of_two_processes_take_turns_on_the_lock_file(tmp_path):
    """GIVEN another process holding the writer lock of a database file
    WHEN this process asks for it, THEN it waits (and gives up at its timeout), and gets it
    as soon as the other releases it, without SQLite's sleeps."""
    path = str(tmp_path / "sportello.sqlite3-writer")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        lock = WriterLock(path)
        assert lock.acquire(timeout=0.05) is False
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert lock.acquire(timeout=5) is True
        lock.release()
    finally:
        holder.kill()
        holder.wait()


def test_threads_of_one_process_take_turns_on_the_lock_file(tmp_path):
    lock = WriterLock(str(tmp_path / "db-writer"))
    inside: list[int] = []
    overlaps: list[int] = []

    def write(n: int) -> None:
        for _ in range(50):
            assert lock.acquire(timeout=5)
            try:
                if inside:
                    overlaps.append(n)
                inside.append(n)
                inside.remove(n)
            finally:
                lock.release()

    assert run_in_threads(write, 4) == []
    assert overlaps == []
