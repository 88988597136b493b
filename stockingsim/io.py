"""Deprecated alias of :mod:`stockingsim.exports` (renamed: ``io`` shadowed the stdlib name).

Kept for one release; import :mod:`stockingsim.exports` instead.
"""

import warnings

from stockingsim import exports as _exports

warnings.warn(
    "stockingsim.io is renamed stockingsim.exports; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name):
    return getattr(_exports, name)
