"""The test provider's jobs module: imported only by registering the provider."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def print_fax_log() -> None:
    """Nothing to do: the test checks that Huey knows this task."""
