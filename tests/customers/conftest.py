from __future__ import annotations

from tests.sla.conftest import admin_api, moving_clock, write

__all__ = ["admin_api", "moving_clock", "write"]
