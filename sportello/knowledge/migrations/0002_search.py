"""Full-text index over an article's stemmed title and body (ADR 0001, as for messages).

SQLite: an external-content FTS5 table with two columns, so bm25 can weigh a title match
above a body match; triggers keep it in step. PostgreSQL: a stored ``tsvector`` with the
title at weight A and the body at weight B, and a GIN index on it.
"""

from django.db import migrations

FTS = "knowledge_article_fts"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_title, search_body, content='knowledge_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON knowledge_article BEGIN
        INSERT INTO {FTS}(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON knowledge_article BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au
        AFTER UPDATE OF search_title, search_body ON knowledge_article BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO {FTS}(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_FORWARD = [
    "ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_vector tsvector"
    " GENERATED ALWAYS AS (setweight(to_tsvector('simple', search_title), 'A')"
    " || setweight(to_tsvector('simple', search_body), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin ON knowledge_article"
    " USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_search_gin",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
