from __future__ import annotations

from tests.sla.conftest import moving_clock

__all__ = ["moving_clock"]
