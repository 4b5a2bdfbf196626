"""A server process loads the language model before its first message, not inside it.

Detection runs inside the ingest transaction: loaded lazily, the model held the first
message's transaction open, and every other writer waiting behind it, for the seconds it
takes to load (``bench/chaos.py`` saw it after each restart). Run in a fresh interpreter:
in this one an earlier test may already have loaded it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOADED = "from sportello.language.detection import _loaded; print(_loaded.cache_info().currsize)"


def _fresh(code: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "sportello.config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_a_web_process_has_the_model_before_its_first_request():
    code = f"import django; django.setup(); import sportello.config.asgi; {LOADED}"
    assert _fresh(code) == "1"


def test_nothing_loads_it_on_import_alone():
    code = f"import django; django.setup(); import sportello.ingest.pipeline; {LOADED}"
    assert _fresh(code) == "0"
