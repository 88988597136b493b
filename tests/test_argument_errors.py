"""Swapped or wrong arguments at the public entry points raise stockingsim.errors exceptions
that say what to pass (never an AttributeError from inside)."""

from __future__ import annotations

import re

import pytest

import stockingsim as ss
from stockingsim import design, errors


@pytest.fixture(scope="module")
def things(shared_legs):
    leg = shared_legs["anny_f_avg"]
    return leg, ss.Stocking(ss.Fabric.linear(250.0), 0.18), ss.fabric_library()["circular class II"]


# (what is called, the call, the error, a piece of its message)
CASES = [
    ("simulate(path, stocking)", lambda leg, st, fab: ss.simulate("leg.ply", st),
     errors.SolverError, "ss.load_leg('leg.ply')"),
    ("simulate(stocking, leg)", lambda leg, st, fab: ss.simulate(st, leg),
     errors.SolverError, "the leg comes first"),
    ("simulate(leg, fabric)", lambda leg, st, fab: ss.simulate(leg, fab),
     errors.SolverError, "needs a stockingsim.Stocking"),
    ("design_stocking(path, fabric)", lambda leg, st, fab: ss.design_stocking("leg.stl", fab),
     errors.DesignError, "ss.load_leg('leg.stl')"),
    ("design_stocking(leg, None)", lambda leg, st, fab: ss.design_stocking(leg, None),
     errors.FabricError, "needs a stockingsim.Fabric"),
    ("design_stocking(leg, unknown)", lambda leg, st, fab: ss.design_stocking(leg, "circular"),
     errors.FabricError, "unknown fabric 'circular'"),
    ("stiffness_index(stocking, leg)", lambda leg, st, fab: ss.stiffness_index(st, leg),
     errors.DesignError, "the leg comes first"),
    ("stiffness_index(leg, fabric)", lambda leg, st, fab: ss.stiffness_index(leg, fab),
     errors.DesignError, "needs a stockingsim.Stocking"),
    ("donning(stocking, leg)", lambda leg, st, fab: ss.donning(st, leg),
     errors.DesignError, "the leg comes first"),
    ("compare_stiffness(path, fabrics)",
     lambda leg, st, fab: design.compare_stiffness("leg.ply", {"a": fab}),
     errors.DesignError, "needs a stockingsim.Leg"),
    ("compare_swelling(path, fabrics)",
     lambda leg, st, fab: ss.compare_swelling("leg.ply", [fab]),
     errors.MotionError, "ss.load_leg('leg.ply')"),
    ("compare_swelling(leg, [])", lambda leg, st, fab: ss.compare_swelling(leg, []),
     errors.DesignError, "no fabrics to compare"),
    ("compare_stiffness(leg, misspelt)",
     lambda leg, st, fab: design.compare_stiffness(leg, ["circular class 2"]),
     errors.FabricError, "unknown fabric 'circular class 2'"),
    ("static_stiffness_index(path, stocking)",
     lambda leg, st, fab: ss.static_stiffness_index("leg.ply", st),
     errors.MotionError, "ss.load_leg('leg.ply')"),
    ("swelling_response(path, stocking)",
     lambda leg, st, fab: ss.swelling_response("leg.ply", st),
     errors.MotionError, "swelling_response() needs a stockingsim.Leg"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_arguments_raise_clear_errors(things, call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call(*things)


def test_a_preset_name_is_a_fabric(things):
    """design_stocking takes a preset's name as run_batch's Design does: same stocking."""
    leg, _, fabric = things
    by_name, spec_name = ss.design_stocking(leg, "circular class II")
    by_object, spec_object = ss.design_stocking(leg, fabric)
    assert spec_name["relaxed_circumference_cm"].tolist() == pytest.approx(
        spec_object["relaxed_circumference_cm"].tolist(), rel=1e-12
    )


def test_fabrics_to_compare_as_names_objects_a_mapping_or_one(things):
    """compare_stiffness takes the fabric forms design_stocking takes, one or many: same rows."""
    leg, _, fabric = things
    flat = ss.fabric_library()["flat-knit class III"]
    by_object = design.compare_stiffness(leg, [fabric, flat], landmark="B1")
    by_name = design.compare_stiffness(leg, ["circular class II", "flat-knit class III"],
                                       landmark="B1")  # fmt: skip
    by_mapping = design.compare_stiffness(leg, {"circular class II": fabric,
                                                "flat-knit class III": "flat-knit class III"},
                                          landmark="B1")  # fmt: skip
    for table in (by_name, by_mapping):
        assert list(table.index) == list(by_object.index) == [fabric.name, flat.name]
        assert table.drop(columns="note").to_numpy().tolist() == (
            by_object.drop(columns="note").to_numpy().tolist()
        )
    one = design.compare_stiffness(leg, fabric, landmark="B1")
    assert one.loc[fabric.name].equals(by_object.loc[fabric.name])


def test_more_wrong_arguments(things):
    """Reports, plots, fabric tables and stockings say what they need."""
    leg, stocking, fabric = things
    result = ss.simulate(leg, stocking, method="laplace")
    with pytest.raises(errors.PlotError, match="No results given"):
        ss.report(None, "report.html")
    with pytest.raises(errors.PlotError, match="not a PressureResult"):
        ss.report([result, leg], "report.html")
    with pytest.raises(errors.PlotError, match="Unknown view 'top'"):
        result.plot(None, view="top")
    with pytest.raises(errors.FabricError, match="needs Fabric objects"):
        ss.compare_fabrics(None)
    with pytest.raises(errors.StockingError, match="needs a Fabric, got NoneType"):
        ss.Stocking(None, 0.2)
