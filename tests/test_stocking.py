"""Stocking and Tissue: relaxed circumference profiles, coverage by style, bad input."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.leg import Landmark


def _leg(landmarks: dict[str, float], length=0.8):
    lm = {k: Landmark(k, h, 0.2, 0.2) for k, h in landmarks.items()}
    return SimpleNamespace(landmarks=lm, length_m=length, name="fake")


FULL = {"B": 0.10, "B1": 0.18, "C": 0.32, "D": 0.45, "E": 0.50, "F": 0.62, "G": 0.75}
FABRIC = ss.Fabric.linear(200.0)


def test_number_profile_is_constant():
    st = ss.Stocking(FABRIC, 0.2)
    assert np.all(st.relaxed_circumference_at(_leg(FULL), [0.1, 0.5]) == 0.2)
    assert np.all(st.flat_width_at(_leg(FULL), [0.3]) == 0.1)  # flat width = half


def test_mapping_hits_landmarks_and_is_monotone_between():
    st = ss.Stocking(FABRIC, {"B": 0.16, "C": 0.25, "D": 0.24})
    leg = _leg(FULL)
    assert st.relaxed_circumference_at(leg, [0.10, 0.32, 0.45]) == pytest.approx([0.16, 0.25, 0.24])
    h = np.linspace(0.10, 0.32, 50)
    c = st.relaxed_circumference_at(leg, h)
    assert np.all(np.diff(c) >= -1e-12)  # PCHIP: no overshoot between rising points
    h2 = np.linspace(0.32, 0.45, 50)
    c2 = st.relaxed_circumference_at(leg, h2)
    assert np.all(c2 <= 0.25 + 1e-12) and np.all(c2 >= 0.24 - 1e-12)
    # held constant beyond the first and last landmark
    assert st.relaxed_circumference_at(leg, [0.0, 0.9]) == pytest.approx([0.16, 0.24])


def test_function_profile():
    st = ss.Stocking(FABRIC, lambda h: 0.15 + 0.1 * h)
    assert st.relaxed_circumference_at(_leg({}), [0.0, 1.0]) == pytest.approx([0.15, 0.25])


# the welt ends 1 cm above the style's landmark (D 0.45, F 0.62, G 0.75); AT: 2 cm above G
@pytest.mark.parametrize(("style", "top"), [("AD", 0.46), ("AF", 0.63), ("AG", 0.76), ("AT", 0.77)])
def test_coverage_by_style(style, top):
    bottom, t = ss.Stocking(FABRIC, 0.2, style=style).coverage_m(_leg(FULL))
    assert t == pytest.approx(top)
    assert bottom == pytest.approx(0.09)  # 1 cm below B


def test_tube_without_landmarks_is_covered_entirely():
    assert ss.Stocking(FABRIC, 0.2, style="AD").coverage_m(_leg({}, 0.6)) == (0.0, 0.6)


def test_style_the_leg_does_not_reach_covers_the_mesh_with_a_warning():
    leg = _leg({k: v for k, v in FULL.items() if k not in ("F", "G")})
    st = ss.Stocking(FABRIC, 0.2, style="AG")
    with pytest.warns(errors.StyleWarning, match=r"landmark G.*now ends .*0\.800 m"):
        bottom, top = st.coverage_m(leg)
    assert (bottom, top) == (pytest.approx(0.09), 0.8)  # up to the top of the (fake) mesh
    assert not st.style_is_complete(leg)
    assert ss.Stocking(FABRIC, 0.2, style="AD").style_is_complete(leg)


@pytest.mark.parametrize(
    "bad",
    [float("nan"), -0.2, 0.0, 25.0, "big", {"Z": 0.2}, {"B": float("nan")}, {}],
)
def test_bad_relaxed_circumference(bad):
    with pytest.raises(errors.StockingError):
        ss.Stocking(FABRIC, bad)


def test_bad_style_and_prestrain():
    with pytest.raises(errors.StyleError, match="AD"):
        ss.Stocking(FABRIC, 0.2, style="knee")
    for bad in (float("nan"), -0.1, 1.5):
        with pytest.raises(errors.StockingError, match="axial_prestrain"):
            ss.Stocking(FABRIC, 0.2, axial_prestrain=bad)


def test_function_returning_garbage():
    st = ss.Stocking(FABRIC, lambda h: -h)
    with pytest.raises(errors.StockingError, match="non-positive"):
        st.relaxed_circumference_at(_leg({}), [0.1])


@pytest.mark.parametrize(
    ("profile", "mistake"),
    [(lambda h: 16.0 + 10 * h, "centimetres"), (lambda h: 160.0 + 0 * h, "millimetres")],
)
def test_function_returning_another_unit_says_which(profile, mistake):
    """A profile in cm would be a stocking 16 m round: no pressure, silently, before."""
    st = ss.Stocking(FABRIC, profile)
    with pytest.raises(errors.StockingError, match=f"did you give {mistake}"):
        st.relaxed_circumference_at(_leg({}), [0.1, 0.5])
    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33})
    with pytest.raises(errors.StockingError, match=f"did you give {mistake}"):
        ss.simulate(leg, st, method="laplace")


def test_a_preset_name_is_its_fabric():
    by_name = ss.Stocking("circular class II", {"B": 0.16, "C": 0.25})
    assert by_name.fabric == ss.fabric_library()["circular class II"]
    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33})
    by_object = ss.Stocking(ss.fabric_library()["circular class II"], {"B": 0.16, "C": 0.25})
    assert ss.simulate(leg, by_name, "laplace").pressure_at("B") == ss.simulate(
        leg, by_object, "laplace"
    ).pressure_at("B")
    with pytest.raises(errors.FabricError, match="unknown fabric 'circular'"):
        ss.Stocking("circular", 0.2)


def test_kit_thicknesses_must_be_one_number_per_layer():
    a, b = ss.Stocking(FABRIC, 0.2), ss.Stocking(FABRIC, 0.25)
    for bad in ("0.6mm", [0.6, 0.6], [0.0006]):
        with pytest.raises(errors.StockingError, match="one thickness per layer"):
            ss.Kit([a, b], thicknesses_m=bad)


def test_mapping_without_any_leg_landmark():
    st = ss.Stocking(FABRIC, {"G": 0.4})
    with pytest.raises(errors.LandmarkError, match="G"):
        st.relaxed_circumference_at(_leg({"B": 0.1}), [0.1])


# --- tissue ---------------------------------------------------------------------------------
def test_tissue_units_kpa_per_mm_to_pa_per_m():
    # 1 kPa/mm = 1000 Pa / 0.001 m = 1e6 Pa/m
    assert ss.Tissue(1.0).stiffness_pa_per_m(2) == pytest.approx([1e6, 1e6])
    assert ss.Tissue().rigid
    assert ss.Tissue().stiffness_pa_per_m(1, rigid_pa_per_m=3e8)[0] == 3e8


@pytest.mark.parametrize("bad", [float("nan"), -1.0, 0.0, [[1.0]], [1.0, math.inf]])
def test_tissue_bad_values(bad):
    with pytest.raises(errors.SolverError):
        ss.Tissue(bad)


def test_tissue_per_vertex_length_is_checked():
    with pytest.raises(errors.SolverError, match="vertices"):
        ss.Tissue(np.ones(3)).stiffness_pa_per_m(4)


def test_bony_prominences_are_stiffer_on_the_tibial_crest():
    leg = ss.bundled_leg()
    tissue = ss.Tissue.bony_prominences(leg, soft_kpa_per_mm=0.5, bony_kpa_per_mm=20.0)
    k = np.asarray(tissue.stiffness_kpa_per_mm)
    h, theta, _ = leg.cylindrical
    lm = leg.landmarks
    shin = (h > lm["B1"].height_m) & (h < lm["C"].height_m)
    front = shin & (np.abs(theta) < np.radians(5))
    back = shin & (np.abs(theta) > np.radians(150))
    assert np.all(k[front] == 20.0) and np.all(k[back] == 0.5)
    assert (
        ss.Tissue(0.5).stiffened(front, 10.0, leg.n_vertices).stiffness_kpa_per_mm[front][0] == 10.0
    )
