"""Trigram indexes for finding a customer by any part of their name or of an address.

An agent types "santoro", "@studio" or "3331234": a substring, which no B-tree serves. On
SQLite, FTS5 tables with the trigram tokenizer over ``Customer.name`` and ``Identity.value``
(external content, kept by triggers); on PostgreSQL, GIN indexes of ``pg_trgm`` on the
expressions Django's ``icontains`` compares. docs/adr/0011.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

SQLITE_TABLES = (
    ("customers_customer", "name", "customers_customer_trigrams"),
    ("customers_identity", "value", "customers_identity_trigrams"),
)


def sqlite_forward(table: str, column: str, fts: str) -> list[str]:
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(
            {column}, content='{table}', content_rowid='id', tokenize='trigram')""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
            END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN
            INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
            INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column}); END""",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def sqlite_backward(table: str, column: str, fts: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {fts}_au",
        f"DROP TRIGGER IF EXISTS {fts}_ad",
        f"DROP TRIGGER IF EXISTS {fts}_ai",
        f"DROP TABLE IF EXISTS {fts}",
    ]


# The expressions are those of Django's icontains on PostgreSQL: UPPER("name"::text).
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS identity_value_trgm ON customers_identity "
    "USING gin ((UPPER(value::text)) gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS identity_value_trgm",
    "DROP INDEX IF EXISTS customer_name_trgm",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for names in SQLITE_TABLES:
            for sql in sqlite_forward(*names):
                schema_editor.execute(sql)
    elif vendor == "postgresql":
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # no contrib package, or no right to create it
            logger.warning("pg_trgm unavailable (%s): customer search stays a scan", exc)
            return
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for names in SQLITE_TABLES:
            for sql in sqlite_backward(*names):
                schema_editor.execute(sql)
    elif vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_recent_contact")]
    operations = [migrations.RunPython(forward, backward)]
