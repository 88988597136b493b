"""Interface pressure of a stocking on a leg: four methods, one signature.

=============  ===========================================================================
method         what it does
=============  ===========================================================================
``laplace``    ``p = T / r`` per section, ``r = C_hull / 2 pi``: the clinical reference
``membrane``   ``p = T_c k_hoop + T_w k_axial`` per vertex from the skin curvature
``bridging``   the fabric follows the convex hull of each section; zero in the hollows
``contact``    3D membrane equilibrium, Coulomb friction on the skin, Winkler soft tissue
=============  ===========================================================================

All return a :class:`PressureResult`. See ``docs/methods.md`` for when to use which and the
accuracy measured against analytic cases.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from stockingsim import errors
from stockingsim import vocabulary as vocab
from stockingsim._checks import require_leg, require_stocking
from stockingsim.solvers import _bridging, _contact, _laplace, _membrane
from stockingsim.solvers._bend import bent_joint_pressure, folded_section_stats
from stockingsim.solvers._result import PROFILE_COLUMNS, PressureResult, build_result
from stockingsim.solvers._setup import DEFAULT_STEP_M, check_options, prepare, vertex_heights
from stockingsim.vocabulary import PA_PER_MMHG

__all__ = ["simulate", "PressureResult", "METHODS", "PA_PER_MMHG", "PROFILE_COLUMNS"]

_MODULES = {
    "laplace": _laplace,
    "membrane": _membrane,
    "bridging": _bridging,
    "contact": _contact,
}
#: The method names accepted by :func:`simulate` (:data:`stockingsim.vocabulary.METHODS`).
METHODS: tuple[str, ...] = vocab.METHODS
assert tuple(_MODULES) == METHODS, "every method of the vocabulary has one solver module"


def simulate(leg: Any, stocking: Any, method: str = "membrane", **options: Any) -> PressureResult:
    """Interface pressure of ``stocking`` worn on ``leg``.

    Parameters
    ----------
    leg : Leg
        The leg surface (any tube-like surface; landmarks optional).
    stocking : Stocking
        Fabric, relaxed circumference profile, style and axial pre-strain.
    method : {"laplace", "membrane", "bridging", "contact"}
        Pressure method (see the module docstring and ``docs/methods.md``).
    **options
        ``step_m`` (all methods): height step of the section grid, default 0.005 m.
        ``bridging``: ``spread_m`` (0.01), ``touch_tol_m`` (0.0005), ``n_theta`` (360),
        ``n_samples`` (720).
        ``contact``: ``tissue`` (a :class:`~stockingsim.Tissue`, default rigid), ``n_theta``
        (64 nodes per ring), ``ring_step_m`` (0.01), ``n_theta_map`` (256),
        ``rigid_stiffness_pa_per_m`` (1e8), ``max_iter`` (3000), ``tol`` (3e-2),
        ``start_sink_m`` (0.0005), ``friction`` (Coulomb coefficient fabric-skin, default 0.5
        for dry skin; 0 frictionless), ``friction_slip_m`` (5e-4, the regularization slip).
        The friction between the layers of a :class:`~stockingsim.Kit` is the kit's own
        (``Kit(..., friction=mu)``): each outer layer slides on the layers below as its own
        tube (``solvers/_layers.py``); ``info["layers"]`` gives each layer's slip.

    Returns
    -------
    PressureResult
        Per-vertex pressure in mmHg (0 where the fabric does not touch or the stocking does
        not cover), the landmark profile and the section table.

    Raises
    ------
    SolverError
        Unknown method or option, NaN/inf option values.
    StyleError
        The stocking style ends at a landmark the leg does not reach.
    ConvergenceError
        The contact solve did not converge (the message gives the residual).

    Warns
    -----
    NoContactWarning
        The stocking is looser than the leg somewhere it covers (zero pressure there).
    ExtrapolationWarning
        The fabric is stretched beyond its valid strain range (from the fabric).

    Examples
    --------
    A stocking 40 % smaller than the leg at every landmark, of a linear 250 N/m fabric, has a
    hoop tension of 100 N/m; Laplace's law gives ``p = 2 pi T / C`` at each landmark:

    >>> import math
    >>> import stockingsim as ss
    >>> leg = ss.bundled_leg()
    >>> relaxed = {k: lm.circumference_m / 1.4 for k, lm in leg.landmarks.items()}
    >>> result = ss.simulate(leg, ss.Stocking(ss.Fabric.linear(250.0), relaxed), "laplace")
    >>> c_b = leg.landmarks["B"].circumference_m
    >>> round(result.pressure_at("B") / (2 * math.pi * 100.0 / c_b / (101325 / 760)), 3)
    1.0
    """
    t0 = time.perf_counter()
    if method not in _MODULES:
        raise errors.SolverError(
            f"unknown pressure method {method!r}; use one of {', '.join(METHODS)}."
        )
    module = _MODULES[method]
    allowed = {"step_m": DEFAULT_STEP_M, **module.OPTIONS}
    opts = check_options(method, options, allowed)
    if opts["step_m"] > 0.05:
        raise errors.SolverError(
            f"step_m={opts['step_m']} m is too coarse for a pressure profile; use <= 0.05 m."
        )
    require_leg(leg, "simulate()", errors.SolverError)
    require_stocking(stocking, "simulate()", errors.SolverError)
    setup = prepare(leg, stocking, step_m=opts.pop("step_m"))
    pressure_pa, stats_pa, info = module.solve(leg, setup, **opts)
    posed = getattr(leg, "standing", None) is not None
    if posed:  # the wale tension over the bent knee, and the fold it bridges (per vertex)
        covered = setup.covers(vertex_heights(leg))
        hoop = _membrane.hoop_pressure(leg, setup) if method == "membrane" else None
        before = np.where(covered, np.maximum(pressure_pa, 0.0), 0.0)
        pressure_pa, bridged = bent_joint_pressure(leg, stocking, before, hoop)
        stats_pa = folded_section_stats(leg, setup, stats_pa, before, pressure_pa)
    info = {
        "method": method,
        "n_sections": len(setup.heights_m),
        "style_complete": bool(getattr(stocking, "style_is_complete", lambda _leg: True)(leg)),
        **info,
    }
    if posed:
        info["fold_bridged_vertices"] = int(bridged.sum())
    return build_result(
        leg, stocking, method, setup, pressure_pa, stats_pa, time.perf_counter() - t0, info
    )
