"""Compression classes and pressure-gradient rules of the hosiery standards.

The tables are data, not code: they live in ``stockingsim/data/standards.json`` with the source of
every number, and are exposed read-only as :data:`STANDARDS` (ankle classes) and
:data:`GRADIENTS` (gradient rules). Five tables are known:

========================  =====  =====  =========  =========  =====
standard                  A      I      II         III        IV
========================  =====  =====  =========  =========  =====
RAL-GZ 387/1 (Germany)    -      18-21  23-32      34-46      >= 49
ENV 12718 (Europe)        10-14  15-21  23-32      34-46      >= 49
AFNOR NF G30-102          -      10-15  15.1-20    20.1-36    > 36
BS 6612 / UK Drug Tariff  -      14-17  18-24      25-35      -
US market (no standard)   8-15   15-20  20-30      30-40      40-50
========================  =====  =====  =========  =========  =====

Pressures between two classes (22 mmHg under RAL) belong to no class: :func:`classify` returns
``None`` and never rounds.

Gradient rules (:func:`gradient_rules`) come in two kinds, labelled in every table:

* *confirmed* RAL-GZ 387/1 rules: pressure falls continuously upward, at most 70 % of B below the
  knee (C, D), at most 40 % of B at the thigh (F, G);
* *unconfirmed* per-point ranges that are often quoted but could not be checked against the
  standard's text: B1 70-100 %, C 50-80 %, G 20-40 % of B.

Every range is a parameter: pass ``ranges={"C": (0.5, 0.7)}`` to :func:`check_gradient` to use
your own. The other standards use the RAL gradient rules by default (an assumption, stated in the
data file).

Where the gradient is reversed (a fold, a rolled top, a tight band) is found by one detector for
section tables (:func:`find_reversals`) and for profiles given as arrays
(:func:`gradient_reversals`): a band where the pressure is more than a tolerance above the lowest
pressure below it.

References
----------
RAL-GZ 387/1:2008 Medical compression hosiery, quality assurance. RAL, Germany.
ENV 12718:2001 Medical compression hosiery (withdrawn); CEN/TR 15831:2009 test method.
AFNOR NF G30-102 Articles de bonneterie, determination de la pression de contention.
BS 6612:1985 Specification for graduated compression hosiery; UK Drug Tariff Part IXA.
Lim C.S., Davies A.H. (2014) Graduated compression stockings. CMAJ 186(10):E391-E398,
doi:10.1503/cmaj.131281 (table of national classes).
"""

from stockingsim.standards._gradient import (
    GradientVerdict,
    check_gradient,
    default_fractions,
    gradient_rules,
    gradient_verdict,
)
from stockingsim.standards._reversals import (
    HEM_EDGE_M,
    REVERSAL_RISE_MMHG,
    find_reversals,
    gradient_reversals,
)
from stockingsim.standards._tables import (
    GRADIENTS,
    LANDMARK_ORDER,
    STANDARDS,
    canonical_standard,
    class_names,
    class_range,
    classify,
    design_pressure,
    parse_target,
    split_target,
    standards_table,
)
from stockingsim.vocabulary import DEFAULT_STANDARD  # noqa: F401 (read as standards.DEFAULT_STANDARD)

__all__ = [
    "STANDARDS",
    "GRADIENTS",
    "LANDMARK_ORDER",
    "canonical_standard",
    "class_names",
    "class_range",
    "classify",
    "design_pressure",
    "parse_target",
    "split_target",
    "GradientVerdict",
    "gradient_verdict",
    "gradient_rules",
    "default_fractions",
    "check_gradient",
    "find_reversals",
    "REVERSAL_RISE_MMHG",
    "HEM_EDGE_M",
    "gradient_reversals",
    "standards_table",
]
