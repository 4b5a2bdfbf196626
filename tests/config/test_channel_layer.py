"""The channel layer the settings configure: a socket that falls behind a burst of
notifications (a workspace taking a hundred chat messages a second) gets all of them."""

from __future__ import annotations

import asyncio

from channels.layers import channel_layers


def test_a_socket_a_few_seconds_behind_a_burst_loses_no_notification():
    channel_layers.backends = {}
    layer = channel_layers["default"]

    async def burst() -> list[int]:
        name = await layer.new_channel()
        await layer.group_add("workspace.1", name)
        for n in range(500):  # five seconds of 100 chat messages a second
            await layer.group_send("workspace.1", {"type": "live.event", "n": n})
        got = []
        while True:  # what is queued comes at once; a dropped one never does
            try:
                got.append((await asyncio.wait_for(layer.receive(name), 1))["n"])
            except TimeoutError:
                return got

    assert asyncio.run(burst()) == list(range(500))
