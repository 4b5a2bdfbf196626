"""Customer names indexed without their accents, so "Niccolo" finds "Niccolò".

The trigram index of names (migration 0003) held the names as written. Now it holds them
folded by ``FOLDED_LETTERS`` (``customers.queries`` folds the searched words the same way).
On SQLite FTS5's trigram tokenizer cannot drop accents before 3.45 (Debian 12 has 3.40),
so the name table keeps its own folded copy, written by triggers through nested
``REPLACE``; on PostgreSQL an immutable ``customers_fold`` (``translate``) is indexed with
``pg_trgm``. docs/adr/0011.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

# A frozen copy of customers.queries.FOLDED_LETTERS (tests/customers compares them).
FOLDED_LETTERS = (
    "àáèéìíòóùúäöüçñÀÁÈÉÌÍÒÓÙÚ",
    "aaeeiioouuaoucnAAEEIIOOUU",
)
FTS = "customers_customer_trigrams"


def sqlite_fold(column: str) -> str:
    expression = column
    for accented, plain in zip(*FOLDED_LETTERS, strict=True):
        expression = f"REPLACE({expression}, '{accented}', '{plain}')"
    return expression


def sqlite_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {FTS}_au",
        f"DROP TRIGGER IF EXISTS {FTS}_ad",
        f"DROP TRIGGER IF EXISTS {FTS}_ai",
        f"DROP TABLE IF EXISTS {FTS}",
    ]


def sqlite_folded() -> list[str]:
    """The name index with its own content (no ``content=``): what it holds is not the
    column's text, so FTS5 must not read the column back ('rebuild', 'delete')."""
    return [
        *sqlite_drop(),
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, tokenize='trigram')",
        f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON customers_customer BEGIN
            INSERT INTO {FTS}(rowid, name) VALUES (new.id, {sqlite_fold("new.name")}); END""",
        f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON customers_customer BEGIN
            DELETE FROM {FTS} WHERE rowid = old.id; END""",
        f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF name ON customers_customer BEGIN
            UPDATE {FTS} SET name = {sqlite_fold("new.name")} WHERE rowid = new.id; END""",
        f"INSERT INTO {FTS}(rowid, name) SELECT id, {sqlite_fold('name')} FROM customers_customer",
    ]


def sqlite_as_written() -> list[str]:
    """Migration 0003's index, back."""
    return [
        *sqlite_drop(),
        f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
            name, content='customers_customer', content_rowid='id', tokenize='trigram')""",
        f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON customers_customer BEGIN
            INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END""",
        f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON customers_customer BEGIN
            INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END""",
        f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF name ON customers_customer BEGIN
            INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
            INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END""",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


POSTGRES_FORWARD = [
    "CREATE OR REPLACE FUNCTION customers_fold(text) RETURNS text"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    f" AS $$ SELECT translate($1, '{FOLDED_LETTERS[0]}', '{FOLDED_LETTERS[1]}') $$",
    "CREATE INDEX IF NOT EXISTS customer_folded_name_trgm ON customers_customer"
    " USING gin ((UPPER(customers_fold(name::text))) gin_trgm_ops)",
    "DROP INDEX IF EXISTS customer_name_trgm",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS customer_folded_name_trgm",
    "DROP FUNCTION IF EXISTS customers_fold(text)",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in sqlite_folded():
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        # The function is needed by the query whether or not pg_trgm can index it.
        schema_editor.execute(POSTGRES_FORWARD[0])
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # no contrib package, or no right to create it
            logger.warning("pg_trgm unavailable (%s): customer search stays a scan", exc)
            return
        for sql in POSTGRES_FORWARD[1:]:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in sqlite_as_written():
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
            "USING gin ((UPPER(name::text)) gin_trgm_ops)"
        )
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_customer_no_automatic_replies")]
    operations = [migrations.RunPython(forward, backward)]
