"""Fabric.from_tensile_test: reading, branch splitting, fitting accuracy, bad input."""

from pathlib import Path

import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.fabric import (
    ExponentialModel,
    LinearModel,
    PolynomialModel,
    TwoPhaseModel,
    read_tensile_csv,
    split_cycles,
    write_synthetic_test,
)

DATA = Path(__file__).parent / "data"
W, G = 50.0, 100.0  # specimen width and gauge, mm

# known curves (N/m) with an unloading branch that is NOT just a scaled loading curve
TRUE = {
    "two_phase": (
        TwoPhaseModel(110.0, 500.0, 0.9, 0.1, 80.0, 0.06, 0.0, 1.2),
        TwoPhaseModel(80.0, 450.0, 0.95, 0.09, 55.0, 0.05, 0.0, 1.2),
    ),
    "polynomial": (
        PolynomialModel((260.0, -180.0, 90.0), 0.0, 1.2),
        PolynomialModel((150.0, -60.0, 60.0), 0.0, 1.2),
    ),
    "exponential": (ExponentialModel(40.0, 2.2, 0.0, 1.2), ExponentialModel(25.0, 2.5, 0.0, 1.2)),
    "linear": (LinearModel(150.0, 0.0, 1.2), LinearModel(120.0, 0.0, 1.2)),
}


def max_rel_error(fit, true, top=1.2):
    eps = np.linspace(0.1 * top, top, 200)
    return float(np.max(np.abs(fit(eps) - true.tension(eps)) / true.tension(eps)))


@pytest.mark.parametrize("model", list(TRUE))
def test_recovers_known_curves_from_noisy_cycles(tmp_path, model):
    load, unl = TRUE[model]
    noise = 0.015  # force noise, fraction of the peak force
    path = write_synthetic_test(tmp_path / "t.csv", load, unl, cycles=3, noise=noise, seed=3)
    f = ss.Fabric.from_tensile_test(path, width_mm=W, gauge_mm=G, model=model)
    assert max_rel_error(lambda e: f.tension(e, branch="loading"), load) < 0.03
    assert max_rel_error(lambda e: f.tension(e, branch="unloading"), unl) < 0.05
    assert f.valid_strain_range() == (0.0, pytest.approx(1.2))
    rep = f.fit_report.table()
    sigma = noise * float(load.tension(1.2))  # noise standard deviation in N/m
    for branch in ("loading", "unloading"):
        row = rep.loc[("course", branch)]
        assert row["r2"] > 0.98
        assert row["rmse_n_per_m"] == pytest.approx(sigma, rel=0.15)  # residual = the noise
        assert row["n_points"] >= 3 * 399 - 3
    assert ss.Fabric.from_json(f.to_json()) == f  # fit report survives the round trip


def synthetic(tmp_path, name="t.csv", **kw):
    load, unl = TRUE["polynomial"]
    return write_synthetic_test(tmp_path / name, load, unl, cycles=2, n_per_branch=150, **kw)


@pytest.mark.parametrize(
    "headers, sep, decimal",
    [
        (("Extension (mm)", "Force (N)"), ",", "."),
        (("extension_mm", "force_n"), ",", "."),
        (("Dehnung", "Kraft"), ";", ","),
        (("Elongation [mm]", "Load [N]"), ";", ","),
        (("Verlängerung in mm", "Standardkraft in N"), "\t", "."),
    ],
)
def test_header_spellings_and_separators(tmp_path, headers, sep, decimal):
    ref = ss.Fabric.from_tensile_test(synthetic(tmp_path, "ref.csv"), W, G)
    path = synthetic(tmp_path, headers=headers, sep=sep, decimal=decimal)
    f = ss.Fabric.from_tensile_test(path, width_mm=W, gauge_mm=G)
    eps = np.linspace(0, 1.2, 50)
    np.testing.assert_allclose(f.tension(eps), ref.tension(eps), rtol=1e-6, atol=1e-6)


def test_units_and_explicit_columns(tmp_path):
    ref = ss.Fabric.from_tensile_test(synthetic(tmp_path, "ref.csv"), W, G)
    lines = (tmp_path / "ref.csv").read_text(encoding="utf-8").splitlines()[1:]
    rows = [tuple(float(v) for v in ln.split(",")) for ln in lines]
    # cm and kN, plus metadata lines and a units row
    text = "Machine: Z010\nSpecimen: 1\nchannel a;Weg;Kraft\n;[cm];[kN]\n" + "".join(
        f"0;{e / 10:.7f};{f / 1000:.9f}\n".replace(".", ",") for e, f in rows
    )
    (tmp_path / "units.csv").write_text(text)
    f = ss.Fabric.from_tensile_test(tmp_path / "units.csv", W, G)
    eps = np.linspace(0, 1.2, 50)
    np.testing.assert_allclose(f.tension(eps), ref.tension(eps), rtol=1e-4, atol=1e-3)
    # columns that no alias matches: name them
    (tmp_path / "odd.csv").write_text("ch1,ch2\n" + "".join(f"{e},{f}\n" for e, f in rows))
    with pytest.raises(errors.TensileDataError, match="extension_column"):
        ss.Fabric.from_tensile_test(tmp_path / "odd.csv", W, G)
    f2 = ss.Fabric.from_tensile_test(
        tmp_path / "odd.csv", W, G, extension_column="CH1", force_column="ch2"
    )
    np.testing.assert_allclose(f2.tension(eps), ref.tension(eps), rtol=1e-6, atol=1e-6)
    with pytest.raises(errors.TensileDataError, match="ch9"):
        ss.Fabric.from_tensile_test(
            tmp_path / "odd.csv", W, G, extension_column="ch1", force_column="ch9"
        )


def test_percent_strain_column(tmp_path):
    load = LinearModel(150.0, 0.0, 1.0)
    s = np.concatenate([np.linspace(0, 1, 50), np.linspace(1, 0, 50)[1:]])
    t = np.where(np.arange(s.size) < 50, 150 * s, 120 * s)
    (tmp_path / "pct.csv").write_text(
        "Dehnung (%);Kraft (N)\n"
        + "".join(f"{100 * a:.5f};{b * W / 1000:.6f}\n".replace(".", ",") for a, b in zip(s, t))
    )
    f = ss.Fabric.from_tensile_test(tmp_path / "pct.csv", W, gauge_mm=250.0, model="linear")
    assert float(f.tension(0.5, branch="loading")) == pytest.approx(load.tension(0.5), rel=1e-4)
    assert float(f.tension(0.5)) == pytest.approx(60.0, rel=1e-4)


def test_split_cycles_ignores_noise():
    up = np.linspace(0, 100, 200)
    x = np.concatenate([up, up[::-1], up, up[::-1]])
    x = x + np.random.default_rng(0).normal(0, 0.2, x.size)  # 0.2 mm jitter
    segs = split_cycles(x)
    assert [s for _, _, s in segs] == [1, -1, 1, -1]
    assert segs[0][1] in range(195, 205) and segs[1][1] in range(395, 405)


def test_cycles_selection(tmp_path):
    # first (conditioning) cycle 20 % stiffer; cycles 2 and 3 follow the true curves
    load, unl = TRUE["polynomial"]
    p1 = write_synthetic_test(tmp_path / "c1.csv", load.scaled(1.2), unl.scaled(1.2), noise=0.0)
    p2 = write_synthetic_test(tmp_path / "c2.csv", load, unl, cycles=2, noise=0.0)
    text = p1.read_text(encoding="utf-8") + "".join(
        p2.read_text(encoding="utf-8").splitlines(keepends=True)[2:]
    )
    (tmp_path / "all.csv").write_text(text)
    eps = np.linspace(0.1, 1.2, 20)
    for cycles in (2, 3, "last"):
        f = ss.Fabric.from_tensile_test(tmp_path / "all.csv", W, G, cycles=cycles)
        np.testing.assert_allclose(f.tension(eps, branch="loading"), load.tension(eps), rtol=1e-3)
        np.testing.assert_allclose(f.tension(eps), unl.tension(eps), rtol=1e-3)
    first = ss.Fabric.from_tensile_test(tmp_path / "all.csv", W, G, cycles=1)
    np.testing.assert_allclose(
        first.tension(eps, branch="loading"), 1.2 * load.tension(eps), rtol=1e-3
    )
    mixed = ss.Fabric.from_tensile_test(tmp_path / "all.csv", W, G)  # all: in between
    t = mixed.tension(0.8, branch="loading")
    assert load.tension(0.8) < t < 1.2 * load.tension(0.8)
    with pytest.raises(errors.FabricError, match="3 loading cycle"):
        ss.Fabric.from_tensile_test(tmp_path / "all.csv", W, G, cycles=5)


def test_directions(tmp_path):
    path = synthetic(tmp_path, noise=0.0)
    f = ss.Fabric.from_tensile_test(path, W, G)
    eps = np.linspace(0, 0.8, 20)
    np.testing.assert_allclose(f.tension(eps, "wale"), f.tension(1.5 * eps, "course"), rtol=1e-12)
    assert f.valid_strain_range("wale")[1] == pytest.approx(1.2 / 1.5)
    assert any("wale not measured" in n for n in f.fit_report.notes)
    w = ss.Fabric.from_tensile_test(path, W, G, direction="wale")
    np.testing.assert_allclose(w.tension(eps, "wale"), f.tension(eps, "course"), rtol=1e-12)
    # a measured second direction
    load, unl = TRUE["linear"]
    other = write_synthetic_test(tmp_path / "wale.csv", load, unl, noise=0.0)
    both = ss.Fabric.from_tensile_test(path, W, G, other_path=other)
    np.testing.assert_allclose(both.tension(eps, "wale"), unl.tension(eps), rtol=1e-3)
    assert len(both.fit_report.fits) == 4


def test_single_pull_warns(tmp_path):
    s = np.linspace(0, 1, 100)
    (tmp_path / "pull.csv").write_text(
        "Extension (mm),Force (N)\n" + "".join(f"{a * G},{150 * a * W / 1000}\n" for a in s)
    )
    with pytest.warns(errors.StockingSimWarning, match="no unloading branch"):
        f = ss.Fabric.from_tensile_test(tmp_path / "pull.csv", W, G, model="linear")
    assert float(f.tension(0.5)) == pytest.approx(75.0)


def test_sample_files_german_and_english_agree():
    # tests/data/tensile_two_phase_*.csv: recipe in their '#' header lines
    true_load = TwoPhaseModel(110.0, 500.0, 0.9, 0.1, 80.0, 0.06, 0.0, 1.2)
    fits = [
        ss.Fabric.from_tensile_test(DATA / f"tensile_two_phase_{lang}.csv", W, G, model="two_phase")
        for lang in ("de", "en")
    ]
    eps = np.linspace(0.1, 1.0, 40)
    np.testing.assert_allclose(fits[0].tension(eps), fits[1].tension(eps), rtol=1e-9)
    err = np.abs(
        fits[0].tension(eps, branch="loading") - true_load.tension(eps)
    ) / true_load.tension(eps)
    assert err.max() < 0.03
    err_u = np.abs(fits[0].tension(eps) - 0.78 * true_load.tension(eps)) / (
        0.78 * true_load.tension(eps)
    )
    assert err_u.max() < 0.05


@pytest.mark.parametrize(
    "content, match",
    [
        (None, "cannot be read"),
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("Extension (mm),Force (N)\n", "no data rows"),
        ("a,b\n1,2\n", "no header"),
        ("Extension (mm),Time (s)\n1,2\n2,3\n", "no header"),
        (
            "Extension (mm),Force (N)\n0,0\n1,x\n2,2\n3,3\n4,4\n5,5\n",
            "non-numeric value in column 'Force",
        ),
        ("Extension (mm),Force (N)\n0,0\n1,1\n", "only 2 rows"),
        ("Extension (mm),Force (N)\n" + "5,1\n" * 20, "never stretches"),
        ("Extension (mm),Force (N)\n" + "".join(f"{i},-1\n" for i in range(20)), "never positive"),
        (
            "Extension (furlong),Force (N)\n" + "".join(f"{i},{i}\n" for i in range(20)),
            "unknown extension unit",
        ),
    ],
)
def test_bad_files(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(errors.TensileDataError, match=match):
        ss.Fabric.from_tensile_test(path, width_mm=W, gauge_mm=G)


def test_bad_arguments(tmp_path):
    path = synthetic(tmp_path)
    for kw in (
        dict(width_mm=0, gauge_mm=G),
        dict(width_mm=W, gauge_mm=-1),
        dict(width_mm="wide", gauge_mm=G),
        dict(width_mm=W, gauge_mm=float("nan")),
    ):
        with pytest.raises(errors.TensileDataError, match="positive length|must be a number"):
            ss.Fabric.from_tensile_test(path, **kw)
    # a strip in cm or m: said before any fit (the fit would report a strain of 1000)
    for kw, unit in ((dict(width_mm=W / 10, gauge_mm=G / 10), "centimetres"),
                     (dict(width_mm=W, gauge_mm=G / 1000), "metres"),
                     (dict(width_mm=W * 1000, gauge_mm=G), "micrometres")):  # fmt: skip
        with pytest.raises(errors.TensileDataError, match=f"did you give {unit}"):
            ss.Fabric.from_tensile_test(path, **kw)
    with pytest.raises(errors.FabricError, match="model must be one of"):
        ss.Fabric.from_tensile_test(path, W, G, model="spline")
    with pytest.raises(errors.FabricError, match="cycles"):
        ss.Fabric.from_tensile_test(path, W, G, cycles="first")
    for kw, match in (
        (dict(wale_strain_ratio=0.0), "wale_strain_ratio must be positive"),
        (dict(wale_strain_ratio="one and a half"), "wale_strain_ratio must be a number"),
        (dict(degree=9), "degree"),
        (dict(direction="hoop"), "direction"),
    ):
        with pytest.raises(errors.FabricError, match=match):
            ss.Fabric.from_tensile_test(path, W, G, **kw)


def test_the_unmeasured_direction_follows_any_wale_strain_ratio(tmp_path):
    # T_wale(eps) = T_course(r eps) exactly, for a ratio other than the default, and the
    # default of the public signature is the documented constant
    import inspect

    from stockingsim.fabric import WALE_STRAIN_RATIO

    signature = inspect.signature(ss.Fabric.from_tensile_test)
    assert signature.parameters["wale_strain_ratio"].default == WALE_STRAIN_RATIO
    assert list(signature.parameters)[:4] == ["path", "width_mm", "gauge_mm", "model"]
    path = synthetic(tmp_path)
    f = ss.Fabric.from_tensile_test(path, W, G, wale_strain_ratio=2.0)
    eps = np.linspace(0.05, 0.55, 11)
    np.testing.assert_allclose(f.tension(eps, "wale"), f.tension(2.0 * eps, "course"), rtol=1e-12)
    assert f.valid_strain_range("wale")[1] == pytest.approx(f.valid_strain_range()[1] / 2.0)


def test_tension_falling_on_loading_is_rejected(tmp_path):
    # the specimen slips at 60 % strain: force drops by half while the extension still rises
    s = np.linspace(0, 1, 200)
    t = np.where(s < 0.6, 150 * s, 45 + 20 * (s - 0.6))
    (tmp_path / "slip.csv").write_text(
        "Extension (mm),Force (N)\n" + "".join(f"{a * G},{b * W / 1000}\n" for a, b in zip(s, t))
    )
    with pytest.raises(errors.TensileDataError, match="tension falls with strain"):
        ss.Fabric.from_tensile_test(tmp_path / "slip.csv", W, G)


# ----------------------------------------------------------------------------------------------
# files as testing machines export them (tests/data). All five hold the same test: a 50 mm wide
# strip, 100 mm gauge, two cycles 0 -> 120 % -> 0 strain, loading T = 260 e - 180 e^2 + 90 e^3
# N/m and unloading T = 150 e - 60 e^2 + 60 e^3 N/m (illustrative curves, no noise), written with
# 5-6 significant decimals in each file's own units.
def _true_loading(e):
    return 260 * e - 180 * e**2 + 90 * e**3


def _true_unloading(e):
    return 150 * e - 60 * e**2 + 60 * e**3


@pytest.mark.parametrize(
    "name, columns",
    [
        ("tensile_bluehill.csv", ("Extension", "Load")),  # Instron Bluehill: quoted units row
        ("tensile_bluehill_us.csv", ("Extension", "Load")),  # Bluehill in inches and lbf
        ("tensile_strain_percent.csv", ("Strain (%)", "Force (N)")),
        ("tensile_strain_ratio_kgf.csv", ("Strain [mm/mm]", "Force [kgf]")),
        ("tensile_F_dL.csv", ("dL in mm", "F in N")),  # formula symbols, decimal commas
    ],
)
def test_machine_export_files_give_the_known_curve(name, columns):
    data = read_tensile_csv(DATA / name)
    assert (data.extension_column.removesuffix(" [%]"), data.force_column) == columns
    f = ss.Fabric.from_tensile_test(DATA / name, W, G, model="polynomial")
    eps = np.linspace(0.1, 1.19, 23)
    np.testing.assert_allclose(f.tension(eps, branch="loading"), _true_loading(eps), rtol=2e-4)
    np.testing.assert_allclose(f.tension(eps, branch="unloading"), _true_unloading(eps), rtol=2e-4)


def test_unit_conversions_are_exact():
    """The same samples in mm/N and in in/lbf read as the same numbers (1 in = 25.4 mm,
    1 lbf = 4.4482216152605 N); strain in mm/mm is per cent / 100."""
    si = read_tensile_csv(DATA / "tensile_bluehill.csv")
    us = read_tensile_csv(DATA / "tensile_bluehill_us.csv")
    np.testing.assert_allclose(us.extension_mm, si.extension_mm, rtol=2e-6, atol=1e-5)
    np.testing.assert_allclose(us.force_n, si.force_n, rtol=2e-6, atol=1e-5)
    pct = read_tensile_csv(DATA / "tensile_strain_percent.csv")
    ratio = read_tensile_csv(DATA / "tensile_strain_ratio_kgf.csv")
    np.testing.assert_allclose(ratio.extension_mm, pct.extension_mm, atol=1e-4)  # both in %
    np.testing.assert_allclose(ratio.force_n, pct.force_n, rtol=1e-5, atol=1e-5)


def test_strain_column_without_unit_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Strain,Force (N)\n" + "".join(f"{i / 10},{i}\n" for i in range(20)))
    with pytest.raises(errors.TensileDataError, match="has no unit"):
        read_tensile_csv(path)
