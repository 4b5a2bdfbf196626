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


def test_a_group_send_reaches_every_member_past_a_full_one():
    channel_layers.backends = {}
    layer = channel_layers["default"]

    async def send() -> tuple[list[int], list[int]]:
        full, other = await layer.new_channel(), await layer.new_channel()
        for name in (full, other):
            await layer.group_add("workspace.2", name)
        for _ in range(layer.get_capacity(full)):  # a socket that stopped reading
            await layer.send(full, {"type": "live.event", "n": -1})
        for n in range(3):
            await layer.group_send("workspace.2", {"type": "live.event", "n": n})
        heard = [(await layer.receive(other))["n"] for _ in range(3)]
        oldest = [(await layer.receive(full))["n"] for _ in range(1)]
        return heard, oldest

    heard, oldest = asyncio.run(send())
    assert heard == [0, 1, 2]
    assert oldest == [-1]  # the full socket's queue kept what it had, and no more
