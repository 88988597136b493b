"""The preset library's records (description, provenance, look-up) and ``compare_fabrics``.

The presets are built once and cached; these tests build each one again from its entry in
``stockingsim/data/fabric_presets.json`` and check what the docs promise its description and
``info`` state. ``compare_fabrics`` is checked on linear fabrics, whose tension ``k s`` and
stiffness ``k`` are known exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric._library import (
    PRESET_ANKLE_CIRCUMFERENCE_M,
    _description,
    _preset,
    fabric_library,
    preset_table,
)

PRESETS = preset_table()["presets"]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_states_its_composition_knit_claim_and_sources(name):
    entry = PRESETS[name]
    blend, cal, st = entry["blend"], entry["calibration"], entry["stiffness"]
    text = _description(name, entry)
    assert text.startswith(f"{name}: {entry['use']}. Composition ")
    for fibre in ("elastane", "polyamide", "cotton"):
        share = blend.get(fibre, 0.0)
        assert (f"{round(100 * share)}% {fibre}" in text) is bool(share)
    assert f"{blend.get('machine', 'circular')}-knit inlay jersey" in text
    assert f"covered elastane inlay {blend['inlay_dtex']:g} dtex" in text
    assert f"ground {blend.get('ground_dtex', 78.0):g} dtex" in text
    assert f"{blend['courses_per_cm']:g} courses/cm, {blend['thickness_mm']:g} mm." in text
    claim = (
        f"{round(100 * cal['strain_min'])}%-{round(100 * cal['strain_max'])}% course strain on a "
        f"{PRESET_ANKLE_CIRCUMFERENCE_M * 100:g} cm ankle gives {cal['mmhg_min']:g}-"
        f"{cal['mmhg_max']:g} mmHg on the unloading branch (Laplace, p = T / r)"
    )
    assert claim in text
    assert text.endswith(f"Stiffness of its kind ({st['kind']}) from: {'; '.join(st['sources'])}.")
    assert "Illustrative (not measured data)" in text


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_keeps_its_calibration_claim_in_info(name):
    entry = PRESETS[name]
    cal, st = entry["calibration"], entry["stiffness"]
    fabric = _preset(name, entry)
    assert fabric.name == name
    assert fabric.description == _description(name, entry)
    info = fabric.info
    assert info["preset"] == name
    assert info["calibration_circumference_m"] == PRESET_ANKLE_CIRCUMFERENCE_M == 0.22
    for key in ("strain_min", "strain_max", "mmhg_min", "mmhg_max"):
        assert info[f"calibration_{key}"] == cal[key]
    assert info["stiffness_kind"] == st["kind"]
    assert info["stiffness_sources"] == " | ".join(st["sources"])
    assert "RAL-GZ 387" in info["calibrated_to"] and "22 cm" in info["calibrated_to"]
    # the same curves as the library's cached preset
    strains = np.linspace(0.05, 0.6, 12)
    for branch in ("loading", "unloading"):
        np.testing.assert_array_equal(
            fabric.tension(strains, "course", branch),
            fabric_library()[name].tension(strains, "course", branch),
        )


def test_presets_are_found_ignoring_case_and_spacing():
    lib = fabric_library()
    name = "circular class II"
    assert lib["  Circular   CLASS ii "] is lib[name]
    assert lib["CIRCULAR\tclass\nII"] is lib[name]
    with pytest.raises(errors.FabricError) as info:
        lib["circular class V"]
    text = str(info.value)
    assert "unknown fabric preset 'circular class V'" in text
    assert ", ".join(repr(k) for k in lib) in text
    assert "ss.Fabric.from_blend(...)" in text


def _linear(k, top=0.5, name=None, wale=None):
    return ss.Fabric.linear(
        stiffness_n_per_m=k, max_strain=top, name=name, wale_stiffness_n_per_m=wale
    )


def test_compare_fabrics_tabulates_the_exact_tension_and_stiffness_of_linear_fabrics():
    fabrics = {"soft": _linear(100.0, wale=50.0), "stiff": _linear(400.0, top=0.7)}
    table = ss.compare_fabrics(fabrics, strains=(0.2, 0.6))
    assert list(table.index) == ["soft", "stiff"] and table.index.name == "fabric"
    for name, k, k_w, top in (("soft", 100.0, 50.0, 0.5), ("stiff", 400.0, 400.0, 0.7)):
        row = table.loc[name]
        for branch in ("loading", "unloading"):
            assert row[f"tension_course_{branch}_20pct_n_per_m"] == pytest.approx(0.2 * k)
            assert row[f"tension_wale_{branch}_20pct_n_per_m"] == pytest.approx(0.2 * k_w)
        assert row["stiffness_course_unloading_20pct_n_per_m"] == pytest.approx(k)
        assert row["stiffness_wale_unloading_20pct_n_per_m"] == pytest.approx(k_w)
        assert row["hysteresis_loss_course"] == row["hysteresis_loss_wale"] == 0.0
        assert row["max_strain_course"] == row["max_strain_wale"] == top
    # 60 % is beyond the soft fabric's range (NaN, not extrapolated) and inside the stiff one's
    assert np.isnan(table.loc["soft", "tension_course_unloading_60pct_n_per_m"])
    assert np.isnan(table.loc["soft", "stiffness_wale_unloading_60pct_n_per_m"])
    assert table.loc["stiff", "tension_course_loading_60pct_n_per_m"] == pytest.approx(240.0)
    per_strain = [c for c in table.columns if c.endswith("20pct_n_per_m")]
    assert len(per_strain) == 6 and len(table.columns) == 2 * 6 + 4


def test_compare_fabrics_default_strains_and_the_range_ends():
    table = ss.compare_fabrics(_linear(100.0, top=0.8, name="edge"))
    assert list(table.index) == ["edge"]
    for pct in (20, 40, 60, 80):  # the default strains; 80 % is the range's end, inside it
        assert table.loc["edge", f"tension_course_unloading_{pct}pct_n_per_m"] == pytest.approx(pct)
    low = ss.compare_fabrics([_linear(100.0, name="lo")], strains=[0.0, -0.01])
    assert low.loc["lo", "tension_course_unloading_0pct_n_per_m"] == 0.0
    assert np.isnan(low.loc["lo", "tension_course_unloading_-1pct_n_per_m"])


def test_compare_fabrics_names_a_list_by_the_fabrics_names():
    table = ss.compare_fabrics((_linear(100.0, name="a"), _linear(200.0, name="b")))
    assert list(table.index) == ["a", "b"]


@pytest.mark.parametrize(
    ("fabrics", "strains", "match"),
    [
        (3.0, (0.2,), "needs Fabric objects or preset names .* got float"),
        ("circular", (0.2,), "unknown fabric 'circular'"),
        ([], (0.2,), "at least one fabric"),
        ({"x": 3.0}, (0.2,), "'x' is a float, not a Fabric"),
        ([_linear(1.0, name="a"), _linear(2.0, name="a")], (0.2,), "not unique"),
        ([_linear(1.0)], ("a",), "sequence of numbers"),
        ([_linear(1.0)], 0.2, "sequence of numbers"),
        ([_linear(1.0)], (), "non-empty 1-D"),
        ([_linear(1.0)], (0.2, np.nan), "finite"),
        ([_linear(1.0)], [[0.2, 0.4]], "1-D"),
    ],
)
def test_compare_fabrics_rejects_what_it_cannot_tabulate(fabrics, strains, match):
    with pytest.raises(errors.FabricError, match=match):
        ss.compare_fabrics(fabrics, strains=strains)


def test_compare_fabrics_reads_each_branch_of_a_knit_with_hysteresis():
    """A preset: loading above unloading, and the stiffness column is the unloading slope."""
    fabric = fabric_library()["circular class II"]
    table = ss.compare_fabrics({"knit": fabric}, strains=(0.3, 0.5))
    for s, pct in ((0.3, "30pct"), (0.5, "50pct")):
        for d in ("course", "wale"):
            load = table.loc["knit", f"tension_{d}_loading_{pct}_n_per_m"]
            unload = table.loc["knit", f"tension_{d}_unloading_{pct}_n_per_m"]
            assert load == float(fabric.tension(s, d, "loading"))
            assert unload == float(fabric.tension(s, d, "unloading"))
            assert load > unload
            assert table.loc["knit", f"stiffness_{d}_unloading_{pct}_n_per_m"] == float(
                fabric.stiffness(s, d, "unloading")
            )
    assert table.loc["knit", "hysteresis_loss_course"] == fabric.hysteresis_loss("course") > 0


def test_a_preset_description_lists_its_fibres_in_one_phrase():
    entry = PRESETS["circular class II"]
    blend = entry["blend"]
    parts = [
        f"{round(100 * blend[k])}% {k}" for k in ("elastane", "polyamide", "cotton") if blend.get(k)
    ]
    assert f"Composition {', '.join(parts)}; " in _description("circular class II", entry)
    assert len(parts) >= 2


def test_compare_fabrics_names_what_is_not_a_fabric_in_a_list():
    with pytest.raises(errors.FabricError, match="is a float, not a Fabric"):
        ss.compare_fabrics([_linear(1.0, name="a"), 3.0])


def _entry_points():
    """Every entry that takes a preset by name: (label, call(name) -> the Fabric it used)."""
    from stockingsim.app._session import Choices, fabric_of
    from stockingsim.cli._inputs import fabric_named

    leg = ss.parametric_leg({"cB": 22, "cC": 36, "cD": 33}, n_theta=32, step_m=0.01)
    return leg, {
        "fabric_library()[...]": lambda n: ss.fabric_library()[n],
        "Stocking": lambda n: ss.Stocking(n, 0.2, style="AD").fabric,
        "design_stocking": lambda n: ss.design_stocking(leg, n, "II")[0].fabric,
        "compare_fabrics": lambda n: ss.compare_fabrics([n]).index[0],
        "CLI --fabric": fabric_named,
        "app": lambda n: fabric_of(Choices(preset=n)),
    }


@pytest.mark.parametrize("label", list(_entry_points()[1]))
def test_every_entry_takes_a_preset_in_any_case_and_names_a_near_miss(label):
    # "Circular  CLASS ii" is the preset, as fabric_library()[...] has always read it; a near
    # miss or a part of a name is refused with the presets it probably meant
    from stockingsim.cli._inputs import UsageError

    _, calls = _entry_points()
    call = calls[label]
    want = ss.fabric_library()["circular class II"]
    got = call("  Circular   CLASS ii ")
    assert got == want.name if isinstance(got, str) else got is want
    refused = (errors.FabricError, UsageError)
    with pytest.raises(refused, match=r"Did you mean 'cotton-rich class I-II'\?"):
        call("cotton rich")
    with pytest.raises(refused, match=r"Did you mean 'flat-knit class III' or 'flat-knit class"):
        call("flat-knit")
    with pytest.raises(refused) as info:
        call("velvet")
    assert "Did you mean" not in str(info.value) and "sheer PA/EL class I" in str(info.value)
