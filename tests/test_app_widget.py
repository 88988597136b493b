"""The explore() widget, headless: set a control and check the outputs move as they should."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import stockingsim as ss  # noqa: E402
from stockingsim.design import laplace_pressure  # noqa: E402
from stockingsim.standards import class_range, design_pressure  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return ss.explore(ss.bundled_leg("anny_f_avg"), "circular class II", map3d="none")


def test_starts_at_the_mid_class_of_the_default_target(explorer):
    assert explorer.outcome.pressure_b_mmhg == pytest.approx(design_pressure("RAL-GZ 387", "II"))
    assert "class II" in explorer.verdict.value
    assert explorer.profile.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_changing_the_class_redesigns_for_it(explorer):
    before = explorer.spec.value
    explorer.controls["cls"].value = "III"
    out = explorer.outcome
    assert out.pressure_b_mmhg == pytest.approx(design_pressure("RAL-GZ 387", "III"), abs=0.05)
    assert out.class_at_b == "III" and "class III" in explorer.verdict.value
    # a higher class needs a tighter stocking: smaller relaxed ankle on the same leg
    assert explorer.spec.value != before
    assert out.spec.landmarks.loc["B", "strain"] > 0
    explorer.controls["cls"].value = "II"


def test_changing_the_standard_keeps_a_valid_class_and_its_band(explorer):
    explorer.controls["standard"].value = "BS 6612"
    assert tuple(explorer.controls["cls"].options) == ("I", "II", "III")
    lo, hi = class_range("BS 6612", explorer.controls["cls"].value)
    assert lo <= explorer.outcome.pressure_b_mmhg <= hi
    explorer.controls["standard"].value = "RAL-GZ 387/1"
    explorer.controls["cls"].value = "II"


def test_style_sets_the_covered_landmarks(explorer):
    explorer.controls["style"].value = "AG"
    assert list(explorer.outcome.gradient.index) == ["B", "B1", "C", "D", "E", "F", "G"]
    explorer.controls["style"].value = "AD"
    assert list(explorer.outcome.gradient.index) == ["B", "B1", "C", "D"]


def test_blend_parameters_change_the_fabric_not_the_designed_pressure(explorer):
    explorer.controls["preset"].value = "blend (from_blend)"
    s1 = explorer.outcome.spec.landmarks.loc["B", "strain"]
    explorer.controls["elastane"].value = 0.32
    out = explorer.outcome
    assert out.fabric.name == "blend EL 32 %"
    # the design still hits the target; the knit's curve changed, so the strain it needs did
    assert out.pressure_b_mmhg == pytest.approx(design_pressure("RAL-GZ 387", "II"), abs=0.05)
    assert out.spec.landmarks.loc["B", "strain"] != pytest.approx(s1, rel=1e-3)
    explorer.controls["preset"].value = "circular class II"


def test_a_given_relaxed_girth_is_simulated_instead_of_designed(explorer):
    leg = explorer.leg
    explorer.controls["relaxed_B"].value = 16.0
    out = explorer.outcome
    assert out.spec is None
    # one relaxed girth = a tube of 16 cm; Laplace at B in closed form
    fabric = ss.fabric_library()["circular class II"]
    expected = float(laplace_pressure(fabric, 0.16, leg.landmarks["B"].circumference_m))
    assert out.pressure_b_mmhg == pytest.approx(expected, rel=2e-3)
    explorer.controls["relaxed_B"].value = 0.0
    assert explorer.outcome.spec is not None


def test_static_map_image_and_a_given_fabric():
    e = ss.explore(
        ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33}, n_theta=32, step_m=0.01),
        ss.Fabric.linear(400.0),
        map3d="static",
    )
    assert e.controls["preset"].value == "given fabric"
    assert e.map.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert e.outcome.pressure_b_mmhg == pytest.approx(design_pressure("RAL-GZ 387", "II"))


def test_bad_arguments():
    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33}, n_theta=32, step_m=0.01)
    with pytest.raises(ss.errors.FabricError, match="explore: unknown fabric 'no such knit'"):
        ss.explore(leg, "no such knit")
    with pytest.raises(ss.errors.FabricError, match="Did you mean 'cotton-rich class I-II'"):
        ss.explore(leg, "cotton rich")
    with pytest.raises(ss.errors.DesignError, match="needs a stockingsim.Leg"):
        ss.explore("leg.ply")
