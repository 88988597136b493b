"""Exact behaviour of what every pressure method returns (solvers/_result.py).

``build_result`` on a small set-up whose answers are known: Pa -> mmHg, negative and nan
pressures, coverage of the vertices, strain and tension at the vertex heights (nan sections
filled from their neighbours), the sections table on the grid rows only, the profile per
landmark (off the stocking: pressure 0, strain nan), read-only arrays; ``PressureResult``'s
``pressure_at`` (``LandmarkError``), ``classify``, ``repr`` and its delegates to the plots
and exports.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stockingsim import errors
from stockingsim.solvers import _result as rs
from stockingsim.solvers._setup import Setup
from stockingsim.standards import classify
from stockingsim.vocabulary import PA_PER_MMHG


def _setup():
    k = 5
    return Setup(
        bottom_m=0.1, top_m=0.3, heights_m=np.array([0.1, 0.15, 0.2, 0.25, 0.3]),
        is_grid=np.array([True, True, False, True, True]), landmark_index={"B": 2},
        sections=[None] * k, hull_m=np.array([0.2, 0.21, 0.22, np.nan, 0.24]),
        skin_m=np.ones(k), relaxed_m=np.array([0.18, 0.19, 0.2, 0.21, 0.22]),
        strain=np.array([0.1, 0.2, 0.3, np.nan, 0.5]),
        tension=np.array([10.0, 20.0, 30.0, 0.0, 50.0]), axial_tension=0.0,
        origins=np.zeros((k, 3)), us=np.zeros((k, 3)), vs=np.zeros((k, 3)), fabric=None,
        axial_prestrain=0.0,
    )  # fmt: skip


def _leg():
    return SimpleNamespace(
        name="stand-in",
        heights_m=np.array([0.05, 0.1 - 5e-10, 0.125, 0.25, 0.275, 0.3, 0.35]),
        landmarks={
            "B": SimpleNamespace(height_m=0.2, circumference_m=0.22),
            "G": SimpleNamespace(height_m=0.5, circumference_m=0.5),
        },
    )


def _build(pressure_pa=None, stats_pa=None, leg=None, info=None):
    leg = leg or _leg()
    if pressure_pa is None:
        pressure_pa = np.array([100.0, 200.0, -5.0, np.nan, 400.0, 500.0, 600.0])
    if stats_pa is None:
        stats_pa = np.array(
            [[100, 50, 150], [200, 100, 300], [2000, 1000, 3000], [np.nan, -1, 0], [500, 400, 600]],
            dtype=float,
        )
    return rs.build_result(
        leg, "sock", "laplace", _setup(), pressure_pa, stats_pa, 1.25, info or {}
    )


def test_build_result_per_vertex():
    r = _build()
    assert isinstance(r, rs.PressureResult)
    np.testing.assert_array_equal(r.covered, [False, True, True, True, True, True, False])
    np.testing.assert_allclose(
        r.pressure_mmhg, np.array([0, 200.0, 0, 0, 400, 500, 0]) / PA_PER_MMHG, rtol=1e-15
    )
    # strain at the vertex heights, the nan section filled between its neighbours (0.3, 0.5)
    np.testing.assert_allclose(r.strain[1:6], [0.1, 0.15, 0.4, 0.45, 0.5], rtol=1e-6)
    assert np.isnan(r.strain[0]) and np.isnan(r.strain[6])
    np.testing.assert_allclose(r.tension_n_per_m, [0, 10, 15, 0, 25, 50, 0], rtol=1e-6)
    for arr in (r.pressure_mmhg, r.strain, r.tension_n_per_m, r.covered):
        assert not arr.flags.writeable
    assert r.method == "laplace" and r.stocking == "sock" and r.leg.name == "stand-in"
    assert r.elapsed_s == 1.25 and type(r.elapsed_s) is float
    assert r.covered_range_m == (0.1, 0.3)
    assert r.info == {}


def test_build_result_sections_table_is_the_grid_rows():
    r = _build(info={"n_theta": 64})
    assert r.info == {"n_theta": 64}
    sec = r.sections
    assert list(sec.columns) == rs.PROFILE_COLUMNS
    assert list(sec.index) == [0, 1, 2, 3]
    np.testing.assert_array_equal(sec["height_m"], [0.1, 0.15, 0.25, 0.3])
    np.testing.assert_array_equal(sec["circumference_m"], [0.2, 0.21, np.nan, 0.24])
    np.testing.assert_array_equal(sec["relaxed_circumference_m"], [0.18, 0.19, 0.21, 0.22])
    np.testing.assert_array_equal(sec["strain"], [0.1, 0.2, np.nan, 0.5])
    np.testing.assert_array_equal(sec["tension_n_per_m"], [10.0, 20.0, 0.0, 50.0])
    np.testing.assert_allclose(sec["pressure_mmhg"], np.array([100, 200, 0, 500]) / PA_PER_MMHG)
    np.testing.assert_allclose(sec["pressure_min_mmhg"], np.array([50, 100, 0, 400]) / PA_PER_MMHG)
    np.testing.assert_allclose(sec["pressure_max_mmhg"], np.array([150, 300, 0, 600]) / PA_PER_MMHG)


def test_build_result_profile_per_landmark():
    r = _build()
    prof = r.profile
    assert list(prof.columns) == rs.PROFILE_COLUMNS
    assert list(prof.index) == ["B", "G"] and prof.index.name == "landmark"
    b = prof.loc["B"]
    assert b["height_m"] == 0.2 and b["circumference_m"] == 0.22
    assert b["relaxed_circumference_m"] == 0.2 and b["strain"] == 0.3
    assert b["tension_n_per_m"] == 30.0
    assert b["pressure_mmhg"] == pytest.approx(2000 / PA_PER_MMHG)
    assert b["pressure_min_mmhg"] == pytest.approx(1000 / PA_PER_MMHG)
    assert b["pressure_max_mmhg"] == pytest.approx(3000 / PA_PER_MMHG)
    g = prof.loc["G"]  # off the stocking
    assert g["height_m"] == 0.5 and g["circumference_m"] == 0.5
    assert np.isnan(g["relaxed_circumference_m"]) and np.isnan(g["strain"])
    assert g["tension_n_per_m"] == 0.0
    assert (g["pressure_mmhg"], g["pressure_min_mmhg"], g["pressure_max_mmhg"]) == (0, 0, 0)
    assert r.pressure_at("B") == pytest.approx(2000 / PA_PER_MMHG)
    assert type(r.pressure_at("B")) is float
    assert r.pressure_at("G") == 0.0
    assert r.classify() == classify(2000 / PA_PER_MMHG)
    assert r.classify("RAL-GZ 387") == classify(2000 / PA_PER_MMHG, standard="RAL-GZ 387")
    # 15 mmHg: between classes of RAL-GZ 387, class I of BS 6612
    assert r.classify("BS 6612") == classify(2000 / PA_PER_MMHG, standard="BS 6612")
    assert r.classify("BS 6612") != r.classify()


def test_build_result_without_landmarks_and_with_every_section_nan():
    leg = SimpleNamespace(name="x", heights_m=np.array([0.2]), landmarks=None)
    st = _setup()
    st.strain = np.full(5, np.nan)
    r = rs.build_result(leg, None, "contact", st, np.array([1.0]), np.zeros((5, 3)), 0, {})
    assert len(r.profile) == 0 and list(r.profile.columns) == rs.PROFILE_COLUMNS
    assert r.strain[0] == 0.0  # nothing to fill from: zero
    leg2 = SimpleNamespace(name="x", heights_m=np.array([0.2]))  # no landmarks attribute
    r2 = rs.build_result(leg2, None, "contact", st, np.array([1.0]), np.zeros((5, 3)), 0, {})
    assert len(r2.profile) == 0


def test_build_result_reads_the_section_heights_of_a_bent_leg():
    leg = _leg()
    leg.section_heights_m = np.full(7, 0.2)  # every vertex on the section at B
    r = _build(leg=leg)
    assert r.covered.all()
    np.testing.assert_allclose(r.strain, 0.3)


def test_fill_replaces_nan_by_the_nearest_finite_values():
    np.testing.assert_array_equal(rs._fill([np.nan, 1.0, np.nan, 3.0, np.nan]), [1, 1, 2, 3, 3])
    np.testing.assert_array_equal(rs._fill([1.0, 2.0]), [1.0, 2.0])
    np.testing.assert_array_equal(rs._fill([np.nan, np.nan]), [0.0, 0.0])
    assert rs._fill(np.array([1, 2])).dtype == float  # integers are read as floats


def test_pressure_at_an_unknown_landmark_says_which_are_there():
    r = _build()
    with pytest.raises(errors.LandmarkError) as e:
        r.pressure_at("K")
    assert str(e.value) == (
        "landmark 'K' is not on leg 'stand-in' (landmarks: B, G); give it with "
        "leg.with_landmarks({...}) before simulating."
    )
    leg = SimpleNamespace(heights_m=np.array([0.2]), landmarks={})
    r = rs.build_result(leg, None, "x", _setup(), np.zeros(1), np.zeros((5, 3)), 0, {})
    with pytest.raises(errors.LandmarkError) as e:
        r.classify()
    assert str(e.value).startswith("landmark 'B' is not on leg '' (landmarks: none); ")


def test_repr_lists_the_finite_landmark_pressures():
    r = _build()
    p = 2000 / PA_PER_MMHG
    assert repr(r) == (
        f"PressureResult(method='laplace', leg='stand-in', n_vertices=7, mmHg: B={p:.1f}, "
        "G=0.0, elapsed_s=1.250)"
    )
    prof = r.profile.copy()
    prof["pressure_mmhg"] = np.nan
    r2 = rs.PressureResult(
        leg=SimpleNamespace(), stocking=None, method="m", pressure_mmhg=np.zeros(2),
        strain=np.zeros(2), tension_n_per_m=np.zeros(2), covered=np.ones(2, bool),
        profile=prof, sections=pd.DataFrame(),
    )  # fmt: skip
    assert repr(r2) == "PressureResult(method='m', leg='', n_vertices=2, mmHg: -, elapsed_s=0.000)"
    assert r2.info == {} and r2.covered_range_m is None and r2.elapsed_s == 0.0


@pytest.mark.parametrize(
    ("method", "module", "target", "with_filename"),
    [
        ("plot", "stockingsim.viz", "plot_pressure_map", True),
        ("plot_profile", "stockingsim.viz", "plot_profile", True),
        ("plot_unrolled", "stockingsim.viz", "plot_unrolled", True),
        ("to_vtk", "stockingsim.exports", "to_vtk", False),
        ("to_ply", "stockingsim.exports", "to_ply", False),
        ("to_csv", "stockingsim.exports", "to_csv", False),
        ("to_json", "stockingsim.exports", "to_json", False),
    ],
)
def test_delegates_pass_the_result_and_arguments_through(
    monkeypatch, method, module, target, with_filename
):
    import importlib

    mod = importlib.import_module(module)
    calls = []

    def fake(*args, **kw):
        calls.append((args, kw))
        return "done"

    monkeypatch.setattr(mod, target, fake)
    r = _build()
    if with_filename:
        assert getattr(r, method)("f.png", clim=(0, 40)) == "done"
        assert calls == [((r, "f.png"), {"clim": (0, 40)})]
        calls.clear()
        assert getattr(r, method)() == "done"
        assert calls == [((r, None), {})]
    else:
        assert getattr(r, method)("out.x") == "done"
        assert calls == [((r, "out.x"), {})]
