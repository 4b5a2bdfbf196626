#!/usr/bin/env bash
# Runs the suite on SQLite, then again on PostgreSQL when one answers on 127.0.0.1:5432.
# Installs what the browser tests need (Debian's Chromium) when apt is available.
# Ends with the dependency audit (scripts/audit.sh): a known vulnerability fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# One worker per CPU (pytest-xdist), each with its own test database; a test module stays
# on one worker, so its mail server or browser starts once. Modules are handed out in the
# order tests/conftest.py gives them, costliest first (servers, processes, browsers), so the
# long ones do not end the run on one worker while the other idles; xdist's own order (most
# tests first) is turned off. SPORTELLO_TEST_WORKERS=0 runs everything in this process.
WORKERS=(-n "${SPORTELLO_TEST_WORKERS:-auto}" --dist loadfile --no-loadscope-reorder)

scripts/ensure-chromium.sh || echo "chromium unavailable: browser tests will be skipped"

echo "== tests on SQLite"
SPORTELLO_TEST_DATABASE_URL= $BIN/python -m pytest "${WORKERS[@]}" "$@"

PG_URL=${SPORTELLO_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
from sportello.config.parsers import parse_database_url
db = parse_database_url(sys.argv[1])
try:
    psycopg.connect(dbname=db.name, user=db.user, password=db.password, host=db.host,
                    port=db.port or 5432, connect_timeout=3).close()
except Exception:
    sys.exit(1)
PY
then
  # Only the tests that reach the database (tests/conftest.py): the others ran the same
  # code on SQLite just above.
  echo "== tests on PostgreSQL ($PG_URL)"
  SPORTELLO_TEST_DATABASE_URL=$PG_URL $BIN/python -m pytest "${WORKERS[@]}" -m "not browser" "$@"
else
  echo "== PostgreSQL not answering: PostgreSQL run skipped"
fi

echo "== dependency audit"
BIN=$BIN scripts/audit.sh
