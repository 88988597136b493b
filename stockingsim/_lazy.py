"""One mechanism for lazily imported public names (used by every package ``__init__``).

A package lists its public names once, as ``{name: module}``, and calls :func:`attach`; a name
is imported from its module the first time it is used and then cached in the package, so
``import stockingsim`` stays light (no VTK, pyvista, matplotlib.pyplot or Dask). This is the
pattern of scientific Python's ``lazy_loader`` (SPEC 1) without the dependency.

Examples
--------
>>> from stockingsim._lazy import attach
>>> getattr_, dir_, all_ = attach("json", {"dumps": "json"})
>>> getattr_("dumps")({"a": 1})
'{"a": 1}'
>>> all_
['dumps']
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str,
    exports: Mapping[str, str],
    also: Iterable[str] = (),
    submodules: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Module ``__getattr__``, ``__dir__`` and ``__all__`` for lazily imported names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to str
        Public name -> the module that defines it (imported on first use).
    also : iterable of str
        Names the package defines itself (listed in ``__all__`` and ``__dir__`` first).
    submodules : iterable of str
        Sub-packages reachable as attributes without an import (``pkg.viz``), imported on
        first use.

    Returns
    -------
    (__getattr__, __dir__, __all__)
        Assign them in the package: ``__getattr__, __dir__, __all__ = attach(__name__, ...)``.
    """
    names = [*also, *exports]
    subs = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # the next lookup skips __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__, list(names)
