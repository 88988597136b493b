"""Content hash of a mesh's arrays (a leg's ``source_hash``), shared by loading and deforming."""

from __future__ import annotations

import hashlib

import numpy as np


def _sha256_arrays(vertices, faces) -> str:
    h = hashlib.sha256()
    for a in (vertices, faces):
        try:
            arr = np.ascontiguousarray(np.asarray(a))
            h.update(str(arr.dtype).encode() + str(arr.shape).encode())
            # the array's own buffer (C-contiguous): the same bytes as tobytes(), no copy
            h.update(arr.reshape(-1).view(np.uint8) if arr.dtype.kind != "O" else repr(a).encode())
        except Exception:  # noqa: BLE001 - hashing must not fail; validation reports later
            h.update(repr(type(a)).encode())
    return h.hexdigest()
