"""The full-text index's SQL, shared by the migrations that (re)create it."""

FTS = "conversations_message_fts"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_text, content='conversations_message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', detail='column')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON conversations_message
        WHEN new.search_text != '' BEGIN
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON conversations_message
        WHEN old.search_text != '' BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text ON conversations_message
        BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text)
            SELECT 'delete', old.id, old.search_text WHERE old.search_text != '';
        INSERT INTO {FTS}(rowid, search_text)
            SELECT new.id, new.search_text WHERE new.search_text != '';
        END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS message_search_gin ON conversations_message "
    "USING gin (to_tsvector('simple', search_text))"
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS message_search_gin"]
