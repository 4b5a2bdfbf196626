"""Channels' ``WebsocketCommunicator`` without daphne.

``channels.testing`` imports its live-server test case, which needs daphne (and Twisted);
Sportello serves with uvicorn and its tests start uvicorn themselves, so that one module
is stood in for when daphne is absent. The communicator itself is Channels' own.
"""

from __future__ import annotations

import importlib.util
import sys
import types

if importlib.util.find_spec("daphne") is None and "channels.testing.live" not in sys.modules:
    _live = types.ModuleType("channels.testing.live")
    _live.ChannelsLiveServerTestCase = None  # type: ignore[attr-defined]
    sys.modules["channels.testing.live"] = _live

from channels.testing import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
