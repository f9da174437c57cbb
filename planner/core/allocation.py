"""Building a large estate without the cyclic garbage collector's repeated passes.

Decoding or analysing a 100,000-VM inventory allocates millions of small
objects and no reference cycles; the collector, triggered by the allocations,
walks the growing heap again and again and frees nothing (at 100,000 VMs it
made decoding a stored document six times slower: bench/README.md). Reference
counting still frees everything; the collector runs again afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (nested blocks, and other threads'
    blocks, leave it as they found it; at worst it stays on, never off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
