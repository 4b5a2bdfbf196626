"""Finding a customer by any part of their name or of an address, through the trigram
indexes (migration 0003, docs/adr/0011), as the plain substring scan found them."""

from __future__ import annotations

import pytest
from django.db import connection

from sportello.accounts.bootstrap import ensure_default_workspace
from sportello.core.models import Workspace
from sportello.customers.actions import add_identities, create_customer, update_customer
from sportello.customers.models import Customer
from sportello.customers.queries import HOLDS, HOLDS_FOLDED, search_customers

pytestmark = pytest.mark.django_db


def _names(workspace_id: int, q: str) -> list[str]:
    return sorted(c.name for c in search_customers(workspace_id, q))


@pytest.fixture
def people(workspace):
    made = [
        ("Niccolò Santoro", [("email", "niccolo.santoro@studio.example.it")]),
        ("Elena Fontana", [("phone", "+393331234567"), ("telegram", "elenafontana")]),
        ("Paolo Ferrari", [("email", "p.ferrari@posta.example.it")]),
        ("100% Bio_Shop", [("email", "ordini@bio-shop.example.com")]),
        ('Il "Gatto" Nero', []),
    ]
    for name, identities in made:
        create_customer(workspace.pk, name=name, identities=identities)
    return workspace


def test_a_name_or_an_address_is_found_by_any_part_of_it_whatever_the_case(people):
    ws = people.pk
    assert _names(ws, "santoro") == ["Niccolò Santoro"]
    assert _names(ws, "SANTORO") == ["Niccolò Santoro"]
    assert _names(ws, "tana") == ["Elena Fontana"]
    assert _names(ws, "@posta.example") == ["Paolo Ferrari"]
    assert _names(ws, "3331234") == ["Elena Fontana"]
    assert _names(ws, "elenafont") == ["Elena Fontana"]
    assert _names(ws, "example") == ["100% Bio_Shop", "Niccolò Santoro", "Paolo Ferrari"]
    assert _names(ws, "nobody here") == []


def test_like_wildcards_and_quotes_are_plain_text(people):
    ws = people.pk
    assert _names(ws, "100%") == ["100% Bio_Shop"]
    assert _names(ws, "o_s") == ["100% Bio_Shop"]
    assert _names(ws, "%") == ["100% Bio_Shop"]
    assert _names(ws, "_") == ["100% Bio_Shop"]
    assert _names(ws, '"Gatto"') == ['Il "Gatto" Nero']
    assert _names(ws, '"') == ['Il "Gatto" Nero']
    assert _names(ws, "a%o") == []


def test_text_shorter_than_a_trigram_is_still_found(people):
    ws = people.pk
    assert _names(ws, "Ni") == ["100% Bio_Shop", "Niccolò Santoro"]
    assert _names(ws, "+") == ["Elena Fontana"]


def test_the_index_follows_renames_new_addresses_and_deletions(people):
    ws = people.pk
    paolo = Customer.objects.get(workspace_id=ws, name="Paolo Ferrari")
    update_customer(paolo, name="Paolo Esposito")
    assert _names(ws, "ferrari") == ["Paolo Esposito"]  # still his address
    assert _names(ws, "esposito") == ["Paolo Esposito"]
    paolo.identities.all().delete()
    assert _names(ws, "ferrari") == []
    add_identities(paolo, [("whatsapp", "+393479876543")])
    assert _names(ws, "9876") == ["Paolo Esposito"]
    paolo.delete()
    assert _names(ws, "esposito") == []
    assert _names(ws, "9876") == []


def test_another_workspaces_customers_are_not_found(people):
    other = Workspace.objects.create(name="Altro negozio", slug="altro")
    create_customer(other.pk, name="Mario Santoro", identities=[("email", "mario@altro.it")])
    assert _names(people.pk, "santoro") == ["Niccolò Santoro"]
    assert _names(other.pk, "santoro") == ["Mario Santoro"]
    assert ensure_default_workspace().pk == people.pk


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_the_trigram_tables_and_their_triggers_exist_after_every_migration():
    # A later migration that remakes either table on SQLite drops its triggers: this fails.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    for fts in ("customers_customer_trigrams", "customers_identity_trigrams"):
        assert {f"{fts}_ai", f"{fts}_ad", f"{fts}_au"} <= triggers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pg_trgm")
def test_postgres_can_find_names_and_addresses_through_their_trigram_indexes(people):
    # The indexes are on expressions: the query must write exactly those.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for table, holds, index in (
            ("customers_customer", HOLDS_FOLDED["postgresql"], "customer_folded_name_trgm"),
            (
                "customers_identity",
                HOLDS["postgresql"].format(column="value"),
                "identity_value_trgm",
            ),
        ):
            cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE {holds}", ["%SANTORO%"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
    assert _names(people.pk, "santoro") == ["Niccolò Santoro"]


@pytest.fixture
def callers(workspace):
    """Customers whose numbers arrived in E.164 (as every channel stores them)."""
    made = [
        ("Chiara Fontana", [("phone", "+393471234567"), ("whatsapp", "+393471234567")]),
        ("Studio Bianchi", [("phone", "+390212345678")]),
        ("Mario Rossi", [("email", "mario.rossi@example.it"), ("phone", "+393490001103")]),
    ]
    for name, identities in made:
        create_customer(workspace.pk, name=name, identities=identities)
    return workspace


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("347 123 4567", "Chiara Fontana"),
        ("3471234567", "Chiara Fontana"),
        ("+39 347 123 4567", "Chiara Fontana"),
        ("0039 347 1234567", "Chiara Fontana"),
        ("(347) 123-4567", "Chiara Fontana"),
        ("0039 02 12345678", "Studio Bianchi"),
        ("+39 02 1234 5678", "Studio Bianchi"),
        ("02 1234 5678", "Studio Bianchi"),
        ("02/12345678", "Studio Bianchi"),
        ("349 000 1103", "Mario Rossi"),
        ("+39 349 0001103", "Mario Rossi"),
        ("000 1103", "Mario Rossi"),  # a part of a number, as written
    ],
)
def test_any_italian_way_of_writing_a_number_finds_its_customer(callers, written, found):
    assert _names(callers.pk, written) == [found]


def test_a_number_of_another_country_or_nobody_finds_nobody(callers):
    assert _names(callers.pk, "+44 20 7946 0958") == []
    assert _names(callers.pk, "555 999 8888") == []


def test_the_words_of_a_name_are_found_in_any_order_and_case(callers, people):
    ws = callers.pk
    assert _names(ws, "Fontana Chiara") == ["Chiara Fontana"]
    assert _names(ws, "  fontana   CHIARA ") == ["Chiara Fontana"]
    assert _names(ws, "rossi mario") == ["Mario Rossi"]
    assert _names(ws, "fontana") == ["Chiara Fontana", "Elena Fontana"]
    assert _names(ws, "fontana mario") == []
    assert _names(ws, "Fontana C") == ["Chiara Fontana"]  # a short word beside a long one


def test_accents_are_folded_both_ways(people):
    ws = people.pk
    create_customer(ws, name="Nicolo Lucà", identities=[])
    assert _names(ws, "niccolo") == ["Niccolò Santoro"]
    assert _names(ws, "NICCOLÒ santoro") == ["Niccolò Santoro"]
    assert _names(ws, "luca nicolò") == ["Nicolo Lucà"]
    assert _names(ws, "LUCA") == ["Nicolo Lucà"]


def test_a_renamed_customer_is_found_by_the_folded_new_name_only(people):
    paolo = Customer.objects.get(workspace_id=people.pk, name="Paolo Ferrari")
    update_customer(paolo, name="Paolò Èsposito")
    assert _names(people.pk, "esposito paolo") == ["Paolò Èsposito"]
    assert _names(people.pk, "paolo ferrari") == []


def test_emails_are_found_whatever_their_case_or_brackets(callers):
    assert _names(callers.pk, "Mario.Rossi@Example.IT") == ["Mario Rossi"]
    assert _names(callers.pk, "<mario.rossi@example.it>") == ["Mario Rossi"]


def test_the_migration_folds_names_with_the_letters_the_search_folds():
    from importlib import import_module

    from sportello.customers.queries import FOLDED_LETTERS, fold_name

    migration = import_module("sportello.customers.migrations.0008_search_folded_names")
    assert migration.FOLDED_LETTERS == FOLDED_LETTERS
    assert fold_name("Niccolò Lucà ÈLIA") == "Niccolo Luca ELIA"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 plan")
def test_sqlite_finds_words_and_numbers_through_the_trigram_tables(callers):
    for q in ("fontana chiara", "+39 347 123 4567"):
        queryset = search_customers(callers.pk, q)
        sql_text, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql_text}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        scans = [line for line in plan.splitlines() if line.startswith("SCAN")]
        assert scans and all("VIRTUAL TABLE INDEX" in line for line in scans), plan
