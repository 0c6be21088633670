"""A command's start-up with the cyclic garbage collector paused.

Starting a command allocates almost only what lives until the process ends: modules, classes,
functions, and the knowledge base (tens of thousands of objects). The collector, run every 700
allocations, walks them again and again and finds nothing to free: about 7 ms of a quick
consult's CPU. So it is paused while a command starts (its imports and its knowledge), and
resumed after, whatever happens; nothing else changes, and reference counting frees everything
as before.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for the block; resume it after (if it was running).

    `freeze` moves what the block kept to the collector's permanent generation, so no later
    collection walks it: only for a process's own start-up (`cli/entry.py`), never in a process
    that runs many commands, whose garbage would be kept with it.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if running:
            gc.enable()
