"""The words stockingsim speaks: measuring points, styles, units, the default standard, methods.

Every module that needs one of these facts imports it from here, so a fact is defined once
(as trimesh keeps its tolerances in ``trimesh.constants``). The module imports nothing from the
rest of the package and is safe to import anywhere.

Attributes
----------
LANDMARKS : tuple of str
    The RAL-GZ 387 / ENV 12718 measuring points of the leg from the ankle upward: B (smallest
    girth above the ankle bones), B1 (where the Achilles tendon meets the calf), C (largest calf
    girth), D (below the knee), E (knee), F (mid-thigh), G (upper thigh, below the gluteal fold).
STYLES : mapping of str to str
    Stocking style -> the highest measuring point it is specified at: AD knee-high (D), AF
    mid-thigh (F), AG thigh-high (G), AT tights (G). A pair of tights goes on to the waist,
    but its leg is specified at the same points as a thigh-high: the RAL measuring sheet has no
    leg point above G (the hip and waist girths of tights are not leg points).
STYLE_NAMES : mapping of str to str
    Style -> what the trade calls it.
OPEN_TOP_STYLES : frozenset of str
    Styles that do not end at their top measuring point (tights continue above G).
PA_PER_MMHG : float
    1 mmHg in pascal, 101325 / 760 = 133.322 Pa (the standard atmosphere is 760 mmHg).
M_PER_CM, CM_PER_M, MM_PER_M : float
    Length factors between the SI lengths inside and the cm / mm of tables for people.
DEFAULT_STANDARD : str
    The standard used when none is named: RAL-GZ 387 (German quality mark, the reference
    for European compression classes).
DEFAULT_TARGET : str
    The design target used when none is given: RAL-GZ 387 class II (23-32 mmHg at B).
METHODS : tuple of str
    The pressure methods of :func:`stockingsim.simulate`.

Examples
--------
>>> from stockingsim import vocabulary as vocab
>>> vocab.LANDMARKS.index("C") < vocab.LANDMARKS.index("D")
True
>>> vocab.STYLES["AT"], round(vocab.PA_PER_MMHG, 3)
('G', 133.322)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "LANDMARKS",
    "STYLES",
    "STYLE_NAMES",
    "OPEN_TOP_STYLES",
    "PA_PER_MMHG",
    "M_PER_CM",
    "CM_PER_M",
    "MM_PER_M",
    "DEFAULT_STANDARD",
    "DEFAULT_TARGET",
    "DEFAULT_STYLE",
    "METHODS",
]

LANDMARKS: tuple[str, ...] = ("B", "B1", "C", "D", "E", "F", "G")

STYLES: Mapping[str, str] = MappingProxyType({"AD": "D", "AF": "F", "AG": "G", "AT": "G"})
STYLE_NAMES: Mapping[str, str] = MappingProxyType(
    {"AD": "knee-high", "AF": "mid-thigh", "AG": "thigh-high", "AT": "tights"}
)
OPEN_TOP_STYLES: frozenset[str] = frozenset({"AT"})
DEFAULT_STYLE = "AD"

PA_PER_MMHG = 101325.0 / 760.0
M_PER_CM = 0.01
CM_PER_M = 100.0
MM_PER_M = 1000.0

DEFAULT_STANDARD = "RAL-GZ 387"
DEFAULT_TARGET = f"{DEFAULT_STANDARD}:II"

METHODS: tuple[str, ...] = ("laplace", "membrane", "bridging", "contact")
