"""Event handlers are registered once by the top floor, in every kind of process."""

from __future__ import annotations

import os
import subprocess
import sys

from sportello.config.event_handlers import HANDLERS
from sportello.core.events import handlers_for


def test_every_listed_handler_is_registered_once_at_start_up():
    for event_type, handler in HANDLERS:
        assert handlers_for(event_type).count(handler) == 1, handler


def test_a_bare_django_process_registers_the_handlers():
    """GIVEN a process that only runs django.setup(), as a worker or a management command does
    THEN the handlers are registered, without anything importing sportello.config by hand."""
    script = (
        "import django; django.setup()\n"
        "from sportello.config.event_handlers import HANDLERS\n"
        "from sportello.core.events import handlers_for\n"
        "print(all(handlers_for(e).count(h) == 1 for e, h in HANDLERS))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sportello.config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
