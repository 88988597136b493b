"""Exact behaviour of ``simulate`` itself (solvers/__init__.py), on fast laplace and membrane
cases: the errors and their messages, the coarsest step, what ``info`` holds, the wall time,
and on a posed leg the fold over the bent knee applied to the method's pressure.

The method's own pressure is checked elsewhere against closed forms; here the cylinder gives
Laplace's ``p = T / R`` and the posed leg's pressure is the documented rule of
:func:`~stockingsim.solvers._bend.bent_joint_pressure` applied to the covered, non-negative
pressure of the method (with the membrane's hoop term for ``membrane``).
"""

from __future__ import annotations

import math
import time
import warnings

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import METHODS, PA_PER_MMHG, _laplace, _membrane
from stockingsim.solvers._bend import bent_joint_pressure
from stockingsim.solvers._setup import prepare, vertex_heights

R = 0.05
K = 250.0
MARKS = {"B": 0.10, "B1": 0.18, "C": 0.30, "D": 0.38, "E": 0.45}


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R), name="cylinder")


def _stocking(c0=2 * math.pi * R / 1.4, style="AD"):
    return ss.Stocking(ss.Fabric.linear(K), c0, style=style)


def test_methods_are_the_vocabulary():
    assert METHODS == ("laplace", "membrane", "bridging", "contact")


@pytest.mark.parametrize("method", ["fem", "Laplace", ""])
def test_an_unknown_method_is_a_solver_error_naming_every_method(cylinder, method):
    with pytest.raises(errors.SolverError) as e:
        ss.simulate(cylinder, _stocking(), method=method)
    assert str(e.value) == (
        f"unknown pressure method {method!r}; use one of laplace, membrane, bridging, contact."
    )


def test_step_m_up_to_5_cm_and_no_coarser(cylinder):
    res = ss.simulate(cylinder, _stocking(), "laplace", step_m=0.05)
    steps = np.diff(res.sections["height_m"].to_numpy())[1:-1]  # the ends a hair inside
    assert steps == pytest.approx(np.full(len(steps), 0.05), rel=1e-9) and len(steps) > 5
    for bad in (0.0500001, 0.06):
        with pytest.raises(errors.SolverError) as e:
            ss.simulate(cylinder, _stocking(), "laplace", step_m=bad)
        assert str(e.value) == (
            f"step_m={bad} m is too coarse for a pressure profile; use <= 0.05 m."
        )


def test_step_m_is_an_option_of_every_method(cylinder):
    with pytest.raises(errors.SolverError) as e:
        ss.simulate(cylinder, _stocking(), "membrane", stepm=0.01)
    assert str(e.value) == ("unknown option(s) stepm for method 'membrane'; valid options: step_m.")
    res = ss.simulate(cylinder, _stocking(), "membrane", step_m=0.02)
    assert res.info["n_sections"] == len(prepare(cylinder, _stocking(), step_m=0.02).heights_m)


def test_a_leg_and_a_stocking_are_required_in_that_order(cylinder):
    with pytest.raises(errors.SolverError) as e:
        ss.simulate("leg.ply", _stocking())
    assert str(e.value) == (
        "simulate() needs a stockingsim.Leg, got str. Load the mesh first: "
        "leg = ss.load_leg('leg.ply')."
    )
    with pytest.raises(errors.SolverError) as e:
        ss.simulate(cylinder, ss.Fabric.linear(K))
    assert str(e.value) == (
        "simulate() needs a stockingsim.Stocking with a fabric, got Fabric, e.g. "
        "ss.Stocking(ss.Fabric.linear(250.0), relaxed_circumference_m=0.18)."
    )


@pytest.mark.parametrize("method", ["laplace", "membrane"])
def test_the_cylinder_and_what_info_holds(cylinder, method):
    """``p = T / R`` on the covered part, 0 elsewhere; ``info`` has the method, the number of
    sections of the set-up (grid and landmarks), whether the style is complete, and the
    method's own entries; the wall time is the call's."""
    leg = cylinder.with_landmarks(MARKS)
    st = _stocking()
    t0 = time.perf_counter()
    res = ss.simulate(leg, st, method)
    wall = time.perf_counter() - t0
    setup = prepare(leg, st)
    t = K * (2 * math.pi * R / st.relaxed_circumference_m - 1)
    p = res.pressure_mmhg[res.covered]
    assert p == pytest.approx(np.full(p.size, t / R / PA_PER_MMHG), rel=0.01)
    assert np.all(res.pressure_mmhg[~res.covered] == 0) and (~res.covered).any()
    assert res.leg is leg and res.stocking is st and res.method == method
    assert res.info["method"] == method
    assert res.info["n_sections"] == len(setup.heights_m) > len(res.sections)
    assert res.info["style_complete"] is True
    if method == "membrane":
        assert res.info["axial_tension_n_per_m"] == setup.axial_tension > 0
    assert "fold_bridged_vertices" not in res.info
    assert 0.0 < res.elapsed_s <= wall


@pytest.mark.parametrize("kit", [False, True])
def test_style_complete_is_false_where_the_leg_ends_below_the_style(cylinder, kit):
    """A thigh-length stocking (AG) on a leg marked up to E: it ends at the top of the mesh,
    and says so, for a stocking and for a kit (the inner layer sets the style)."""
    leg = cylinder.with_landmarks(MARKS)
    st = _stocking(style="AG")
    wear = ss.Kit([st, st]) if kit else st
    with pytest.warns(errors.StyleWarning, match="ends at landmark G"):
        res = ss.simulate(leg, wear, "laplace")
    assert res.info["style_complete"] is False
    res = ss.simulate(leg, ss.Kit([_stocking(), _stocking()]) if kit else _stocking(), "laplace")
    assert res.info["style_complete"] is True


# --- a posed leg ---------------------------------------------------------------------------


def _thigh(z):
    return 0.05 * (1 + 0.3 * np.clip((z - 0.76) / 0.14, 0, 1) ** 2)


@pytest.fixture(scope="module")
def bent():
    v, f = S.revolution(_thigh, np.linspace(0.0, 0.9, 181), n_theta=48)
    marks = {**MARKS, "F": 0.60, "G": 0.70}
    return S.make_leg(v, f, name="thigh").with_landmarks(marks).posed(knee_flexion_deg=90.0)


@pytest.mark.parametrize("style", ["AG", "AD"])
@pytest.mark.parametrize(("method", "module"), [("laplace", _laplace), ("membrane", _membrane)])
def test_on_a_posed_leg_the_fold_is_applied_to_the_methods_pressure(bent, method, module, style):
    """``bent_joint_pressure`` on the method's pressure, made 0 off the stocking and where
    negative, with the membrane's hoop term for ``membrane`` only; the vertices it bridges
    counted in ``info``. A knee-high stocking (AD) ends below the bent knee: nothing bridged."""
    fabric = ss.Fabric.linear(300.0, wale_stiffness_n_per_m=3000.0)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style=style, axial_prestrain=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", errors.NoContactWarning)
        res = ss.simulate(bent, st, method)
        setup = prepare(bent, st)
    p, _, _ = module.solve(bent, setup)
    covered = setup.covers(vertex_heights(bent))
    before = np.where(covered, np.maximum(p, 0.0), 0.0)
    hoop = _membrane.hoop_pressure(bent, setup) if method == "membrane" else None
    want, bridged = bent_joint_pressure(bent, st, before, hoop)
    want = np.where(covered, np.maximum(want, 0.0), 0.0) / PA_PER_MMHG
    assert res.pressure_mmhg == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert res.info["fold_bridged_vertices"] == int(bridged.sum())
    assert type(res.info["fold_bridged_vertices"]) is int
    if style == "AD":
        assert res.info["fold_bridged_vertices"] == 0
    else:  # the fold changes the pressure over the knee
        assert res.info["fold_bridged_vertices"] > 0
        assert np.any(np.abs(want - np.where(covered, np.maximum(p, 0), 0) / PA_PER_MMHG) > 1e-3)
