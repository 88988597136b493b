"""Row blocks for the per-face and per-vertex passes of large meshes.

A pass over millions of rows in one go allocates face-sized temporaries, which the system must
fault in afresh each time (glibc gives back every freed block over 32 MB), and its column passes
over (M, 3) rows fall out of the cache. The same pass ``BLOCK`` rows at a time keeps its work
arrays small. ``BLOCK`` is a power of two, so a row keeps its place in a BLAS kernel's unrolled
loop and a blocked matrix-vector product gives the same bits as the one-line form.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["BLOCK", "row_blocks"]

#: rows per block (~3 MB of (BLOCK, 3) float64 work arrays: in the cache)
BLOCK = 1 << 15


def row_blocks(n: int, block: int = BLOCK) -> Iterator[slice]:
    """Slices of ``block`` rows covering ``range(n)``, in order (the last one shorter)."""
    for lo in range(0, n, block):
        yield slice(lo, min(lo + block, n))
