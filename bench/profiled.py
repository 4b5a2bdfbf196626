"""Run a module under cProfile in every thread, and write the merged figures on SIGUSR1.

    python -m bench.profiled /tmp/server.prof sportello.config.cli run --no-worker ...
    kill -USR1 <pid>      # writes /tmp/server.prof (pstats format), the process goes on

A benchmark's server spends its time on the event loop's thread *and* in the thread pool
where the consumers' database work runs; ``python -m cProfile`` sees the main thread only.
Here every thread the process starts gets a profiler of its own, and the dump adds them up,
so a figure like "where does a chat message's CPU go" covers the whole process. The clock is
each thread's CPU time (``time.thread_time``), so a thread waiting for a lock, the GIL or
the database costs nothing: what adds up is what used a core. Deterministic profiling
slows Python code down (about 2x): read the shares, not the absolute times.
``bench/chat.py --profile PATH`` starts its server this way.
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

_profiles: list[cProfile.Profile] = []
_guard = threading.Lock()


def _profile_this_thread(frame: FrameType, event: str, arg: Any) -> None:
    """The first profiling call in a new thread: replace itself with a profiler."""
    profile = cProfile.Profile(time.thread_time)
    with _guard:
        _profiles.append(profile)
    profile.enable()


class _Snapshot:
    """One thread's figures so far, in the shape ``pstats.Stats`` reads, without disabling
    the profiler (``create_stats`` would stop the calling thread's instead)."""

    def __init__(self, profile: cProfile.Profile) -> None:
        profile.snapshot_stats()
        self.stats = profile.stats  # type: ignore[attr-defined]

    def create_stats(self) -> None:
        pass


def dump(path: str) -> None:
    with _guard:
        profiles = list(_profiles)
    merged: pstats.Stats | None = None
    for profile in profiles:
        snapshot = _Snapshot(profile)
        if not snapshot.stats:
            continue
        if merged is None:
            merged = pstats.Stats(snapshot)  # type: ignore[arg-type]
        else:
            merged.add(snapshot)
    if merged is not None:
        merged.dump_stats(path)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit("usage: python -m bench.profiled OUT.prof MODULE [ARGS...]")
    out, module = sys.argv[1], sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: dump(out))
    threading.setprofile(_profile_this_thread)
    main_profile = cProfile.Profile(time.thread_time)
    with _guard:
        _profiles.append(main_profile)
    main_profile.enable()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
