"""Preset library claims and the comparison table."""

import math
from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors

MMHG = 101325 / 760
LIB = ss.fabric_library()


def test_library_spans_families():
    assert len(LIB) >= 6
    names = " ".join(LIB).lower()
    for word in ("sheer", "cotton", "microfibre", "flat", "class i", "class ii", "class iii"):
        assert word in names
    for name, f in LIB.items():
        assert f.name == name
        for word in ("Composition", "knit", "Illustrative", "calibrated"):
            assert word in f.description, (name, word)


@pytest.mark.parametrize("name", list(LIB))
def test_preset_calibration_claim(name):
    # Laplace on the 22 cm reference circle: p = T / r, checked over the whole claimed window
    f = LIB[name]
    info = f.info
    radius = info["calibration_circumference_m"] / (2 * math.pi)
    eps = np.linspace(info["calibration_strain_min"], info["calibration_strain_max"], 31)
    p = f.tension(eps, "course", "unloading") / radius / MMHG
    assert p.min() >= info["calibration_mmhg_min"] and p.max() <= info["calibration_mmhg_max"]
    assert (
        f"{info['calibration_mmhg_min']:g}-{info['calibration_mmhg_max']:g} mmHg" in f.description
    )


def test_class_order():
    p = {n: float(f.tension(0.35)) for n, f in LIB.items()}
    assert p["circular class I"] < p["circular class II"] < p["circular class III"]
    assert p["flat-knit class III"] < p["flat-knit class IV"]
    assert (
        LIB["cotton-rich class I-II"].hysteresis_loss()
        > LIB["microfibre class II"].hysteresis_loss()
    )


def test_library_is_fresh_dict_and_round_trips():
    lib = ss.fabric_library()
    lib.clear()
    assert len(ss.fabric_library()) == len(LIB)
    for f in LIB.values():
        assert ss.Fabric.from_json(f.to_json()) == f


def test_compare_fabrics_table():
    fabrics = {"lin": ss.Fabric.linear(stiffness_n_per_m=200.0, max_strain=0.7), **LIB}
    table = ss.compare_fabrics(fabrics)
    assert list(table.index) == list(fabrics)
    assert table.loc["lin", "tension_course_loading_40pct_n_per_m"] == pytest.approx(80.0)
    assert table.loc["lin", "tension_wale_unloading_20pct_n_per_m"] == pytest.approx(40.0)
    assert table.loc["lin", "stiffness_course_unloading_60pct_n_per_m"] == pytest.approx(200.0)
    assert np.isnan(table.loc["lin", "tension_course_loading_80pct_n_per_m"])  # beyond range
    assert table.loc["lin", "hysteresis_loss_course"] == 0.0
    f = LIB["circular class II"]
    row = table.loc["circular class II"]
    assert row["tension_course_unloading_40pct_n_per_m"] == pytest.approx(float(f.tension(0.4)))
    assert row["hysteresis_loss_wale"] == pytest.approx(f.hysteresis_loss("wale"))
    for s in ("20", "40", "60", "80"):
        for d in ("course", "wale"):
            for b in ("loading", "unloading"):
                assert f"tension_{d}_{b}_{s}pct_n_per_m" in table.columns
    # a list of fabrics is indexed by name
    t2 = ss.compare_fabrics(list(LIB.values()), strains=[0.3])
    assert list(t2.index) == list(LIB)
    # preset names are the presets (one, or a list mixed with Fabric objects)
    t3 = ss.compare_fabrics([*LIB][:2] + [LIB[[*LIB][2]]], strains=[0.3])
    assert t3.equals(t2.iloc[:3])
    assert ss.compare_fabrics("circular class II").equals(table.loc[["circular class II"]])


def test_compare_fabrics_bad_input():
    with pytest.raises(errors.FabricError):
        ss.compare_fabrics([])
    with pytest.raises(errors.FabricError, match="not a Fabric"):
        ss.compare_fabrics({"x": 3})
    with pytest.raises(errors.FabricError, match="unknown fabric 'circular'"):
        ss.compare_fabrics(["circular"])
    with pytest.raises(errors.FabricError):
        ss.compare_fabrics(LIB, strains=["a"])


def test_docs_example_runs(tmp_path, monkeypatch):
    # docs/fabric.md must not rot: run its Python block
    docs = Path(__file__).resolve().parents[1] / "docs" / "fabric.md"
    code = docs.read_text(encoding="utf-8").split("```python")[1].split("```")[0]
    code = code.replace('"tests/data/', f'"{docs.parents[1] / "tests" / "data"}/')
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, str(docs), "exec"), namespace)
    assert float(namespace["lin"].tension(0.4)) == pytest.approx(100.0)
    assert (tmp_path / "mine.fabric.json").is_file()


def test_docs_preset_table_matches_library():
    # the table in docs/fabric.md states tension at 40 % strain; it must match the presets
    docs = Path(__file__).resolve().parents[1] / "docs" / "fabric.md"
    rows = [ln for ln in docs.read_text(encoding="utf-8").splitlines() if ln.startswith("| ")]
    seen = 0
    for ln in rows:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if cells[0] in LIB:
            f = LIB[cells[0]]
            values = [
                float(f.tension(0.4, d, b))
                for d in ("course", "wale")
                for b in ("loading", "unloading")
            ]
            assert [float(c) for c in cells[1:5]] == pytest.approx(values, abs=0.51)
            seen += 1
    assert seen == len(LIB)


def test_presets_come_from_the_data_file_with_sources():
    from stockingsim.fabric._library import identify_inlay_dtex, preset_table

    table = preset_table()["presets"]
    assert list(table) == list(LIB)
    for name, entry in table.items():
        st = entry["stiffness"]
        assert st["sources"] and all("doi" in s or "Phlebology" in s for s in st["sources"])
        assert LIB[name].info["stiffness_kind"] == st["kind"]
        # the stored inlay dtex is what the identification rule gives for the current blend model
        assert entry["blend"]["inlay_dtex"] == identify_inlay_dtex(name), name


def test_elastic_presets_are_elastic_and_flat_knits_stiffer(leg_f_avg):
    # SSI < 10 mmHg for elastic round-knit stockings (Partsch et al. 2008); flat-knit several
    # times stiffer at the same class
    ssi, cache = {}, {}
    for name, fabric in LIB.items():
        cls = "IV" if "IV" in name else "III" if "III" in name else "II" if "II" in name else "I"
        st, _ = ss.design_stocking(leg_f_avg, fabric, f"RAL-GZ 387:{cls}", method="laplace")
        ssi[name] = ss.static_stiffness_index(leg_f_avg, st, deformed_legs=cache)
    for name, value in ssi.items():
        if "flat" not in name:
            assert 2.0 < value < 10.0, (name, value)
    assert ssi["flat-knit class III"] > 2 * ssi["circular class III"]
