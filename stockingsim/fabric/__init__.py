"""Knit fabric mechanics: tension-strain curves per direction and branch.

Public API: :class:`Fabric` (constructors ``linear``, ``polynomial``, ``exponential``,
``two_phase``, ``from_blend``, ``from_tensile_test``, ``from_json``), the constitutive model
classes, :class:`FitReport`.
"""

from stockingsim.fabric._fabric import BRANCHES, DIRECTIONS, SCHEMA, BranchFit, Fabric, FitReport
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
)

__all__ = [
    "Fabric",
    "FitReport",
    "BranchFit",
    "LinearModel",
    "PolynomialModel",
    "ExponentialModel",
    "TwoPhaseModel",
    "SCHEMA",
    "DIRECTIONS",
    "BRANCHES",
]
