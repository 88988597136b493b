"""``stockingsim design --liner``: the outer layer of a kit designed from the command line."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _cli_run import LEG, run

import stockingsim as ss
from stockingsim.design._core import DEFAULT_TOL_MMHG

LANDMARKS = ("B", "B1", "C", "D")


def _outer_from_sheet(sheet: pd.DataFrame, fabric: str) -> ss.Stocking:
    """The designed outer layer, rebuilt from the spec sheet's relaxed circumferences."""
    relaxed = {lm: sheet.loc[lm, "relaxed_circumference_cm"] / 100 for lm in LANDMARKS}
    return ss.Stocking(ss.fabric_library()[fabric], relaxed, style="AD")


# the outer layer rebuilt from its landmark sizes does not touch the leg just under E (the
# design's 1 cm grid is finer there): only the pressure at B is checked
@pytest.mark.filterwarnings("ignore::stockingsim.errors.NoContactWarning")
def test_design_over_a_preset_liner_reaches_the_target_at_b(capsys, tmp_path):
    out_csv = tmp_path / "spec.csv"
    code, out, err = run(
        capsys, "design", LEG, "--fabric", "circular class I", "--liner", "circular class I",
        "--target", "RAL-GZ 387:II", "--out", out_csv,
    )  # fmt: skip
    assert code == 0, err
    assert "over 1 liner(s)" in out
    sheet = pd.read_csv(out_csv, index_col=0)
    # the liner the command designs: the preset's own class (I) on the same leg
    leg = ss.load_leg(LEG, units="m")
    liner, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    kit = ss.Kit([liner, _outer_from_sheet(sheet, "circular class I")])
    got = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    # the design's own tolerance (laplace: 0.1 mmHg); class II mid-range at B is 27.5 mmHg
    assert got["B"] == pytest.approx(sheet.loc["B", "target_mmhg"], abs=DEFAULT_TOL_MMHG["laplace"])
    assert sheet.loc["B", "target_mmhg"] == pytest.approx(27.5)
    # the outer layer alone is far below class II: the liner carries part of the pressure
    alone = ss.simulate(leg, kit.layers[1], method="laplace").profile["pressure_mmhg"]
    assert alone["B"] < 0.8 * got["B"]


def test_design_over_two_stocking_file_liners(capsys, tmp_path):
    leg = ss.load_leg(LEG, units="m")
    girth = {lm: leg.landmarks[lm].circumference_m * 100 for lm in LANDMARKS}
    files = []
    for i, shrink in enumerate((1.1, 1.15)):  # two given liners, 10 % and 15 % under the leg
        relaxed = {lm: c / shrink for lm, c in girth.items()}
        path = tmp_path / f"liner{i}.json"
        path.write_text(json.dumps({"fabric": "circular class I", "relaxed_cm": relaxed}))
        files.append(path)
    out_csv = tmp_path / "spec.csv"
    code, out, err = run(
        capsys, "design", LEG, "--fabric", "circular class II", "--liner", files[0],
        "--liner", files[1], "--target", "RAL-GZ 387:III", "--out", out_csv,
    )  # fmt: skip
    assert code == 0, err
    sheet = pd.read_csv(out_csv, index_col=0)
    lib = ss.fabric_library()
    liners = [
        ss.Stocking(lib["circular class I"], {lm: c / s / 100 for lm, c in girth.items()})
        for s in (1.1, 1.15)
    ]
    kit = ss.Kit([*liners, _outer_from_sheet(sheet, "circular class II")])
    got = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    assert got["B"] == pytest.approx(sheet.loc["B", "target_mmhg"], abs=DEFAULT_TOL_MMHG["laplace"])


@pytest.mark.parametrize(
    ("liner", "match"),
    [
        ("no such knit", "unknown fabric"),
        ("circular class I@RAL-GZ 387:IX", "class"),
    ],
)
def test_a_bad_liner_is_a_usage_error(capsys, liner, match):
    code, _, err = run(capsys, "design", LEG, "--fabric", "circular class I", "--liner", liner)
    assert code != 0 and match in err


def test_a_fabric_json_without_a_size_is_not_a_liner(capsys, tmp_path):
    fabric = tmp_path / "knit.json"
    ss.fabric_library()["circular class I"].to_json(fabric)
    code, _, err = run(capsys, "design", LEG, "--fabric", "circular class I", "--liner", fabric)
    assert code == 2 and "no size" in err
    # with a class it is designed as a liner
    code, out, err = run(
        capsys, "design", LEG, "--fabric", "circular class I", "--liner",
        f"{fabric}@RAL-GZ 387:I",
    )  # fmt: skip
    assert code == 0, err


def test_layer_friction_reaches_the_kit_and_is_checked(capsys):
    code, out, err = run(
        capsys, "design", LEG, "--fabric", "circular class I", "--liner", "circular class I",
        "--layer-friction", "inf", "--simulate", "laplace",
    )  # fmt: skip
    assert code == 0, err
    assert "friction between layers inf" in out
    code, out, _ = run(capsys, "design", LEG, "--fabric", "circular class I", "--liner",
                       "circular class I")  # fmt: skip
    assert code == 0 and "friction between layers 0.5" in out  # the kit's default
    for bad, why in (("50", "friction"), ("dry", "friction")):
        code, _, err = run(
            capsys, "design", LEG, "--fabric", "circular class I", "--liner", "circular class I",
            "--layer-friction", bad,
        )  # fmt: skip
        assert code == 2 and why in err
    code, _, err = run(capsys, "design", LEG, "--fabric", "circular class I",
                       "--layer-friction", "0.3")  # fmt: skip
    assert code == 2 and "--liner" in err
