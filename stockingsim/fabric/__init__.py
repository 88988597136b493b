"""Knit fabric mechanics: tension-strain curves per direction and branch.

Public API: :class:`Fabric` (constructors ``linear``, ``polynomial``, ``exponential``,
``two_phase``, ``from_models``, ``from_blend``, ``from_tensile_test``, ``from_json``),
:func:`fabric_library`, :func:`compare_fabrics`, the constitutive model classes, and the
tensile-fit record :class:`FitReport`.
"""

from stockingsim.fabric._blend import BLEND_CONSTANTS
from stockingsim.fabric._compare_fabrics import compare_fabrics
from stockingsim.fabric._curves import BRANCHES, DIRECTIONS, SCHEMA, Fabric
from stockingsim.fabric._fit_report import BranchFit, FitReport
from stockingsim.fabric._library import PRESET_ANKLE_CIRCUMFERENCE_M, fabric_library
from stockingsim.fabric._models import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
)
from stockingsim.fabric._tensile import (
    WALE_STRAIN_RATIO,
    read_tensile_csv,
    split_cycles,
    write_synthetic_test,
)

__all__ = [
    "Fabric",
    "fabric_library",
    "compare_fabrics",
    "FitReport",
    "BranchFit",
    "LinearModel",
    "PolynomialModel",
    "ExponentialModel",
    "TwoPhaseModel",
    "read_tensile_csv",
    "split_cycles",
    "write_synthetic_test",
    "WALE_STRAIN_RATIO",
    "BLEND_CONSTANTS",
    "PRESET_ANKLE_CIRCUMFERENCE_M",
    "SCHEMA",
    "DIRECTIONS",
    "BRANCHES",
]
