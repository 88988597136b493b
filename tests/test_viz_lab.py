"""What the report pictures show: hem of the unrolled map, profile bands and legend, the lab views.

Each test reads the drawn artists back (data of lines, bands, texts, bounding boxes, colour
limits) and compares them with numbers computed independently from the result.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from _kernel import run_cell

import stockingsim as ss
from stockingsim import viz
from stockingsim.viz._unrolled import unrolled_grid

MMHG = 101325.0 / 760.0
CHART = {"cB": 22, "cB1": 26, "cC": 36, "cD": 33, "cE": 38, "cF": 50, "cG": 58}


@pytest.fixture(scope="module")
def leg():
    return ss.parametric_leg(CHART, name="chart leg")


@pytest.fixture(scope="module")
def fabric():
    return ss.fabric_library()["circular class II"]


@pytest.fixture(scope="module")
def knee(leg, fabric):
    st, _ = ss.design_stocking(leg, fabric, target="RAL-GZ 387:II", style="AD")
    return ss.simulate(leg, st, method="membrane")


@pytest.fixture(scope="module")
def thigh(leg, fabric):
    st, _ = ss.design_stocking(leg, fabric, target="RAL-GZ 387:II", style="AG")
    return ss.simulate(leg, st, method="membrane")


# --------------------------------------------------------------------------- unrolled hem
def test_unrolled_map_shows_the_skin_at_the_hem_not_a_band(knee):
    theta, rows, values = unrolled_grid(knee)
    h = np.asarray(knee.leg.heights_m)
    covered = knee.covered
    bottom, top = h[covered].min(), h[covered].max()
    # the pressure jumps from 0 to the stocking's at the hem: nothing drawn beyond it
    assert np.all(np.isnan(values[rows < bottom - 1e-9]))
    assert np.all(np.isnan(values[rows > top + 1e-9]))
    first = np.flatnonzero(np.isfinite(values).any(axis=1))[0]
    near = covered & (h <= rows[first] + 0.0025) & (h >= rows[first] - 0.0025)
    vertex_spread = np.ptp(knee.pressure_mmhg[near])
    assert vertex_spread > 2.0  # the membrane pressure varies around the ankle section
    row = values[first][np.isfinite(values[first])]
    # the first covered row follows the skin around the leg: no constant band
    assert np.ptp(row) > 0.5 * vertex_spread
    # every drawn cell lies within the pressures of the covered skin in its row
    for i in np.flatnonzero(np.isfinite(values).any(axis=1))[:5]:
        band = covered & (np.abs(h - rows[i]) <= 0.005)
        finite = values[i][np.isfinite(values[i])]
        assert finite.min() >= knee.pressure_mmhg[band].min() - 1e-6
        assert finite.max() <= knee.pressure_mmhg[band].max() + 1e-6


# --------------------------------------------------------------------------- profile
def _band(ax, gid):
    return [c for c in ax.collections if c.get_gid() == gid]


def _x_range_at(collection, y):
    verts = collection.get_paths()[0].vertices
    close = np.abs(verts[:, 1] - y) < 1e-9
    return verts[close, 0].min(), verts[close, 0].max()


def test_profile_band_is_the_chosen_percentiles_and_the_mean_is_on_top(knee):
    fig = viz.plot_profile(knee)
    ax = fig.axes[0]
    (band,) = _band(ax, "spread")
    assert band.get_label() == "10-90 % of the skin around the leg"
    sec = knee.sections
    i = len(sec) // 2
    y = sec["height_m"].iloc[i] * 100
    h = np.asarray(knee.leg.heights_m)
    near = knee.covered & (np.abs(h - sec["height_m"].iloc[i]) <= 0.0025)
    lo, hi = np.percentile(knee.pressure_mmhg[near], [10, 90])
    assert _x_range_at(band, y) == pytest.approx((lo, hi), abs=1e-6)
    assert sec["pressure_min_mmhg"].iloc[i] <= lo and hi <= sec["pressure_max_mmhg"].iloc[i]
    mean = ax.get_lines()[0]
    np.testing.assert_allclose(mean.get_xdata(), sec["pressure_mmhg"])
    assert mean.get_linewidth() >= max(line.get_linewidth() for line in ax.get_lines())
    assert mean.get_zorder() > band.get_zorder()
    fig = viz.plot_profile(knee, band="minmax")
    (band,) = _band(fig.axes[0], "spread")
    assert band.get_label() == "min-max around the leg"
    assert _x_range_at(band, y) == pytest.approx(
        (sec["pressure_min_mmhg"].iloc[i], sec["pressure_max_mmhg"].iloc[i]), abs=1e-6
    )
    with pytest.raises(ss.errors.PlotError, match="band must be"):
        viz.plot_profile(knee, band="sd")


def test_uncovered_landmarks_are_not_drawn(knee, thigh):
    fig = viz.plot_profile([thigh, knee], labels=["thigh-high", "knee-high"])
    ax = fig.axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    knee_heights = set(np.round(dots[1].get_ydata(), 6))
    expected = {round(knee.profile.loc[n, "height_m"] * 100, 6) for n in ("B", "B1", "C", "D")}
    assert knee_heights == expected  # no E, F, G at 0 mmHg for the knee-high
    assert np.all(dots[1].get_xdata() > 0)
    labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == "landmark-label")
    assert labels == sorted(["B", "B1", "C", "D", "E", "F", "G"])  # each once


@pytest.mark.parametrize("target", [None, "RAL-GZ 387:II"])
def test_legend_covers_no_landmark_label(knee, target):
    fig = viz.plot_profile(knee, target=target)
    ax = fig.axes[0]
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert not legend.overlaps(box), f"legend covers {text.get_text()!r}"


def test_profile_draws_the_uncertainty_band(knee):
    band_result = ss.pressure_uncertainty(knee, girth_sd_mm=5.0, n_samples=400)
    fig = viz.plot_profile(band_result)
    ax = fig.axes[0]
    (hatched,) = _band(ax, "uncertainty")
    assert hatched.get_label() == "5-95 % uncertainty of the mean"
    sec = band_result.sections
    i = len(sec) // 2
    assert _x_range_at(hatched, sec["height_m"].iloc[i] * 100) == pytest.approx(
        (sec["pressure_p05_mmhg"].iloc[i], sec["pressure_p95_mmhg"].iloc[i]), abs=1e-6
    )


# --------------------------------------------------------------------------- lab views
def test_plot_agreement_draws_bias_limits_and_identity():
    meas = pd.DataFrame(
        {
            "leg": "w",
            "point": ["B", "B1", "C", "B", "B1", "C"],
            "girth": [22, 26, 36, 23, 27, 37],
            "relaxed": [16, 19, 27, 16, 19, 27],
            "pressure": [30.0, 25.0, 18.0, 32.0, 27.0, 19.0],
            "device": "MST",
        }
    )
    pred = np.array([31.0, 24.0, 19.5, 30.5, 28.0, 18.0])
    a = ss.agreement(pred, meas)
    fig = viz.plot_agreement(a, reference=(-10.1, 5.8, "Partsch et al. 2006"))
    ba, pm = fig.axes[:2]
    d = pred - meas["pressure"].to_numpy()
    lines = {line.get_gid(): line for line in ba.get_lines() if line.get_gid()}
    assert lines["line-bias"].get_ydata()[0] == pytest.approx(d.mean())
    sd = d.std(ddof=1)
    assert lines["line--1.96 SD"].get_ydata()[0] == pytest.approx(d.mean() - 1.96 * sd)
    assert lines["line-+1.96 SD"].get_ydata()[0] == pytest.approx(d.mean() + 1.96 * sd)
    points = np.concatenate([ln.get_ydata() for ln in ba.get_lines() if ln.get_marker() == "o"])
    assert sorted(points) == pytest.approx(sorted(d))
    identity = [ln for ln in pm.get_lines() if ln.get_gid() == "identity"][0]
    assert list(identity.get_xdata()) == list(identity.get_ydata())
    assert "r = " in pm.get_title()


def test_pressure_vs_girth_is_laplace_on_the_girth(leg, fabric):
    st, _ = ss.design_stocking(leg, fabric, target="RAL-GZ 387:II", style="AD")
    laplace = ss.simulate(leg, st, method="laplace")
    fig = viz.plot_pressure_vs_girth(leg, st)
    ax = fig.axes[0]
    for name in ("B", "B1", "C"):
        (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == name]
        x, y = line.get_xdata(), line.get_ydata()
        own = leg.landmarks[name].circumference_m * 100
        assert x.min() == pytest.approx(0.9 * own) and x.max() == pytest.approx(1.1 * own)
        # at the leg's own girth: the simulated laplace pressure there
        assert np.interp(own, x, y) == pytest.approx(laplace.pressure_at(name), rel=0.01)
        c0 = laplace.profile.loc[name, "relaxed_circumference_m"]
        girth = x[-1] / 100
        expected = float(fabric.tension(girth / c0 - 1)) * 2 * math.pi / girth / MMHG
        assert y[-1] == pytest.approx(expected, rel=1e-9)
    band = [p for p in ax.patches if "class II" in str(p.get_label())]
    assert band and band[0].get_y() == pytest.approx(23.0)
    assert band[0].get_height() == pytest.approx(9.0)


def test_hysteresis_marks_the_working_points_on_the_unloading_branch(knee, fabric):
    fig = viz.plot_hysteresis(fabric, knee)
    ax = fig.axes[0]
    (points,) = [ln for ln in ax.get_lines() if ln.get_gid() == "working-points"]
    (unloading,) = [ln for ln in ax.get_lines() if ln.get_gid() == "unloading"]
    (loading,) = [ln for ln in ax.get_lines() if ln.get_gid() == "loading"]
    strain = knee.profile.loc[["B", "B1", "C", "D"], "strain"].to_numpy()
    np.testing.assert_allclose(sorted(points.get_xdata()), sorted(strain * 100))
    on_unloading = np.interp(points.get_xdata(), unloading.get_xdata(), unloading.get_ydata())
    on_loading = np.interp(points.get_xdata(), loading.get_xdata(), loading.get_ydata())
    np.testing.assert_allclose(points.get_ydata(), on_unloading, rtol=2e-3)
    assert np.all(on_loading > points.get_ydata() * 1.05)
    names = {t.get_text() for t in ax.texts}
    assert {"B", "B1", "C", "D"} <= names and "E" not in names


def test_comparison_sheet_is_one_page_with_one_colour_scale(knee, leg, tmp_path):
    lib = ss.fabric_library()
    st3, _ = ss.design_stocking(leg, lib["flat-knit class III"], "RAL-GZ 387:III", style="AD")
    r3 = ss.simulate(leg, st3, method="membrane")
    laplace = ss.simulate(leg, knee.stocking, method="laplace")
    items = {"II membrane": knee, "II laplace": laplace, "III flat-knit": r3}
    fig = viz.compare_sheet(items, tmp_path / "sheet.pdf")
    pdf = (tmp_path / "sheet.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one page
    meshes = [a.collections[0] for a in fig.axes if a.get_title() in items]
    assert len(meshes) == 3 and len({m.get_clim() for m in meshes}) == 1
    colorbars = [a for a in fig.axes if "one scale" in a.get_ylabel()]
    assert len(colorbars) == 1
    table = fig.comparison_table
    for label, result in items.items():
        for name in ("B", "B1", "C", "D"):
            assert table.loc[(label, name), "pressure_mmhg"] == pytest.approx(
                result.pressure_at(name)
            )
        assert np.isnan(table.loc[(label, "E"), "pressure_mmhg"])  # knee-highs: not covered
    assert table.loc[("III flat-knit", "B"), "class_at_B"] == "III"
    cells = [
        c.get_text().get_text()
        for a in fig.axes
        for tbl in a.tables
        for c in tbl.get_celld().values()
    ]
    assert f"{r3.pressure_at('B'):.1f}" in cells


# --------------------------------------------------------------------------- saved notebooks
def test_a_saved_notebook_keeps_the_progress_bar_as_text(tmp_path):
    code = (
        "import stockingsim as ss\n"
        "legs = [ss.parametric_leg({'cB': 22 + k, 'cC': 36, 'cD': 33}, name=f'leg{k}') "
        "for k in range(2)]\n"
        "st = ss.Stocking(ss.Fabric.linear(250.0), {'B': 0.17, 'C': 0.27, 'D': 0.26})\n"
        f"table = ss.run_batch(legs, [st], methods=['laplace'], out={str(tmp_path / 'r.csv')!r}, "
        "engine='serial', progress=True)"
    )
    outputs = run_cell(code, tmp_path, timeout=180, needs=("ipywidgets",))
    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    assert "stockingsim batch" in text and "2/2" in text
