"""The designer's interactive tools: a notebook widget and a local web app.

:func:`explore` is the widget, :func:`serve` (the ``stockingsim app`` command) the app. Optional extra: ``pip install
"stockingsim[app]"``. Both run on the same functions as the API; nothing here is imported by
``import stockingsim``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "explore": "stockingsim.app._explore",
    "Explorer": "stockingsim.app._explore",
    "Choices": "stockingsim.app._session",
    "evaluate": "stockingsim.app._session",
    "serve": "stockingsim.app._web",
    "build_app": "stockingsim.app._web",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stockingsim.app' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
