"""The crash benchmark runs end to end: the real server, killed twice, loses nothing.

A smoke test of ``bench/chaos.py`` with two kills (the figures come from running it by
hand with twenty or a hundred, docs/performance.md). It asserts what must hold after any
crash, not a speed: every acknowledged message is stored exactly once, and every reply the
API acknowledged is stored. Whether each reply reached the SMTP sink is only reported: a
send interrupted by the kill is sent again by the minute's sweep after 2 or 5 minutes,
longer than a test should wait.

On PostgreSQL it runs against a database of its own beside the test database (kept
between runs: each run's ids are its own).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sportello.config.parsers import parse_database_url

REPO = Path(__file__).resolve().parents[2]


def chaos_database_url() -> str:
    test_url = os.environ.get("SPORTELLO_TEST_DATABASE_URL", "")
    if not test_url.startswith("postgres"):
        return ""
    db = parse_database_url(test_url)
    return test_url.rsplit("/", 1)[0] + f"/{db.name}_chaos"


@pytest.mark.database
@pytest.mark.slow
def test_two_kills_lose_and_duplicate_nothing(tmp_path):
    command = [sys.executable, str(REPO / "bench" / "chaos.py"), "--kills", "2", "--seed", "3"]
    # Each kill once the server answers, so the clients are acknowledged in between.
    command += ["--early", "0", "--min-alive", "1.5", "--max-alive", "2.5"]
    command += ["--home", str(tmp_path), "--drain", "10"]
    if url := chaos_database_url():
        command += ["--database-url", url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])

    assert figures["kills"] == 2 and figures["server_starts"] == 3
    assert figures["acknowledged_api"] > 0 and figures["acknowledged_lmtp"] > 0
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    assert figures["replies_acknowledged_not_stored"] == 0
    assert figures["refused"] == {}
    assert figures["replies_delivered"] + figures["replies_unsent"] == figures["replies_stored"]
