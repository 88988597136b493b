"""Stockings designed for the bundled leg and their simulated results, computed once per process.

The picture and export tests read the same designs: the ``"circular class II"`` knit designed
for RAL-GZ 387 class II and class I on the bundled leg, simulated by the membrane and Laplace
methods. :func:`result_fixture` makes a module fixture of one of them.
"""

from __future__ import annotations

from functools import cache

import pytest

import stockingsim as ss

FABRIC = "circular class II"


@cache
def design(cls: str):
    """(stocking, spec) of the class ``cls`` ("I" or "II") design on the bundled leg."""
    return ss.design_stocking(bundled_leg(), ss.fabric_library()[FABRIC], f"RAL-GZ 387:{cls}")


@cache
def bundled_leg():
    """The bundled leg, loaded once."""
    return ss.bundled_leg()


@cache
def simulated(cls: str, method: str):
    """The bundled leg under the class ``cls`` design, simulated by ``method``."""
    stocking, _ = design(cls)
    return ss.simulate(bundled_leg(), stocking, method=method)


def result_fixture(cls: str, method: str):
    """A module-scoped fixture returning :func:`simulated` ``(cls, method)``."""

    def fixture():
        return simulated(cls, method)

    fixture.__doc__ = f"The class {cls} design on the bundled leg, {method} method."
    return pytest.fixture(scope="module")(fixture)
