"""The fabric over a bent knee: the section table follows the vertices the fold changed.

:func:`~stockingsim.solvers._bend.folded_section_stats` on given pressures per vertex (its
docstring's rule, written out here): the sections whose band of vertices (the vertices nearest
their height) changed have their mean scaled by the band's area-weighted mean after over
before (the band's area-weighted mean itself where it had no pressure before), their minimum
and maximum widened to the band's; the other sections keep the solver's values. And
``p' = n p + T_w dk`` (:func:`~stockingsim.leg._posed.fold_pressure`) with a fabric of almost no
wale stiffness keeps the fabric's courses: the hoop pressure times the courses per length of skin.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _surfaces import make_leg, revolution

import stockingsim as ss
from stockingsim.solvers._bend import folded_section_stats
from stockingsim.solvers._setup import prepare, vertex_heights

MARKS = {"B": 0.10, "B1": 0.18, "C": 0.30, "D": 0.38, "E": 0.45, "F": 0.60, "G": 0.70}


def _radius(z):
    # the thigh cylinder of tests/_surfaces.py: 5 cm, widening by 30 % above 0.76 m
    return 0.05 * (1 + 0.3 * np.clip((z - 0.76) / 0.14, 0, 1) ** 2)


def _mesh(kind, n_theta=64):
    if kind == "coarse":  # rows 14 mm apart, sections 5 mm: bands without vertices
        return revolution(_radius, 0.014 * np.arange(65), n_theta=n_theta)
    # rows 3 mm apart, the angles spaced 1.3, 1.3, 0.4 times 2 pi / n in turn: the vertex
    # areas differ round a ring (0.85, 1.3, 0.85 of the mean)
    v, f = revolution(_radius, np.linspace(0.0, 0.9, 301), n_theta=n_theta)
    v = v.reshape(301, n_theta, 3)
    d = 0.3 * (2 * np.pi / n_theta) * (np.arange(n_theta) % 3)
    c, s = np.cos(d), np.sin(d)
    x, y = v[..., 0].copy(), v[..., 1].copy()
    v[..., 0], v[..., 1] = c * x - s * y, s * x + c * y
    return v.reshape(-1, 3), f


@pytest.fixture(scope="module", params=["uneven", "coarse"])
def case(request):
    v, f = _mesh(request.param)
    leg = make_leg(v, f, name=request.param).with_landmarks(MARKS)
    bent = leg.posed(knee_flexion_deg=90.0)
    fabric = ss.Fabric.linear(300.0, wale_stiffness_n_per_m=3000.0)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style="AG", axial_prestrain=0.3)
    setup = prepare(bent, st)
    h = vertex_heights(bent)
    keep = setup.covers(h)
    hs = np.unique(setup.heights_m)
    band = np.argmin(np.abs(h[:, None] - hs[None, :]), axis=1)  # nearest section height
    section_band = np.argmin(np.abs(setup.heights_m[:, None] - hs[None, :]), axis=1)
    k = len(setup.heights_m)
    stats = np.column_stack(
        [1000.0 + np.arange(k), 900.0 - np.arange(k), 1100.0 + 2 * np.arange(k)]
    )
    return request.param, bent, setup, h, keep, band, section_band, stats


def _expected(case, before, after):
    _, bent, setup, _, keep, band, section_band, stats = case
    area = bent.standing.vertex_areas
    want = stats.copy()
    for j in np.unique(band[keep & (after != before)]):
        in_j = keep & (band == j)
        rows = section_band == j
        sb = np.sum(area[in_j] * before[in_j])
        sa = np.sum(area[in_j] * after[in_j])
        want[rows, 0] = stats[rows, 0] * sa / sb if sb > 0 else sa / np.sum(area[in_j])
        want[rows, 1] = np.minimum(stats[rows, 1], after[in_j].min())
        want[rows, 2] = np.maximum(stats[rows, 2], after[in_j].max())
    return want


def _run(case, before, after):
    stats = case[-1]
    given = stats.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 in a band without pressure: no warning
        out = folded_section_stats(case[1], case[2], given, before, after)
    np.testing.assert_array_equal(given, stats)  # the solver's table is not written into
    return out


@pytest.mark.parametrize("level", [2000.0, 20.0])
@pytest.mark.parametrize("where", ["bottom", "middle", "top"])
def test_one_changed_vertex_changes_the_sections_of_its_band_only(case, where, level):
    # level: the pressure before on every covered vertex, outside every section's (min, max);
    # at 20 Pa a band's area-weighted sum is under 1 Pa m^2
    kind, bent, setup, h, keep, band, section_band, stats = case
    before = np.where(keep, level, 0.0)
    idx = np.flatnonzero(keep)
    v = {
        "bottom": idx[np.argmin(h[idx])],
        "middle": idx[np.argmin(np.abs(h[idx] - 0.3))],
        "top": idx[np.argmax(h[idx])],
    }[where]
    after = before.copy()
    after[v] = 5000.0
    out = _run(case, before, after)
    want = _expected(case, before, after)
    rows = section_band == band[v]
    assert rows.any() and not rows.all()
    assert np.all(want[rows, 2] == 5000.0) and np.all(want[~rows] == stats[~rows])
    np.testing.assert_allclose(out, want, rtol=1e-12)
    if kind == "uneven":  # the band's mean is weighted by the vertex areas
        in_j = keep & (band == band[v])
        plain = np.sum(after[in_j]) / np.sum(before[in_j])
        assert abs(out[rows, 0] / stats[rows, 0] - plain).min() > 1e-4
    else:  # the coarse mesh leaves bands without a vertex, the top one among them
        assert len(np.unique(band[keep])) < len(np.unique(section_band))
        assert band[keep].max() < section_band.max()


def test_a_band_without_pressure_before_takes_its_mean_after(case):
    kind, bent, setup, h, keep, band, section_band, stats = case
    j = band[np.flatnonzero(keep)[np.argmin(np.abs(h[keep] - 0.45))]]  # the knee's band
    j2 = band[np.flatnonzero(keep)[np.argmin(np.abs(h[keep] - 0.2))]]
    before = np.where(keep & (band != j) & (band != j2), 2000.0, 0.0)
    after = before.copy()
    in_j = keep & (band == j)
    after[in_j] = 500.0 + 1200.0 * (np.arange(in_j.sum()) % 5) / 4  # 500 ... 1700 Pa
    out = _run(case, before, after)
    want = _expected(case, before, after)
    rows = section_band == j
    a = bent.standing.vertex_areas[in_j]
    assert want[rows, 0] == pytest.approx(np.sum(a * after[in_j]) / np.sum(a), rel=1e-12)
    assert np.all(want[rows, 1] == 500.0) and np.all(want[rows, 2] == 1700.0)
    np.testing.assert_array_equal(out[section_band == j2], stats[section_band == j2])
    np.testing.assert_allclose(out, want, rtol=1e-12)


def test_every_vertex_scaled_scales_every_section_mean(case):
    kind, bent, setup, h, keep, band, section_band, stats = case
    before = np.where(keep, 2000.0 + 100.0 * np.sin(37.0 * h), 0.0)
    after = 1.5 * before
    out = _run(case, before, after)
    covered_rows = np.isin(section_band, band[keep])
    np.testing.assert_allclose(out[covered_rows, 0], 1.5 * stats[covered_rows, 0], rtol=1e-12)
    np.testing.assert_allclose(out, _expected(case, before, after), rtol=1e-12)


def test_a_fabric_without_wale_stiffness_keeps_its_courses_over_the_bend(case):
    # p' = n p + T_w dk: with T_w -> 0 (wale stiffness 1e-3 N/m, strain < 1) the posed leg
    # keeps the hoop law p on its own sections, times n, the fabric's courses per length of
    # skin: the fabric slides over the bend, so a meridian strip of it keeps its courses and
    # n = 1 / (the strip's mean stretch), 1 + (pi / 2) lever / blend width (the lever from
    # the knee axis), to T_w |dk| (about 1e-2 Pa)
    from stockingsim.leg._deform import KNEE_AXIS_OFFSET, KNEE_BLEND_M
    from stockingsim.leg._posed import FOLD_STRIPS, _bend_stretch, wale_stretch
    from stockingsim.solvers import _laplace

    bent = case[1]
    fabric = ss.Fabric.linear(300.0, wale_stiffness_n_per_m=1e-3)
    st = ss.Stocking(fabric, relaxed_circumference_m=0.26, style="AG", axial_prestrain=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sitting = ss.simulate(bent, st, method="laplace")
        setup = prepare(bent, st)
        p, _, _ = _laplace.solve(bent, setup)
    assert sitting.info["fold_bridged_vertices"] == 0
    mmhg = 101325 / 760
    h = vertex_heights(bent)
    hoop = np.where(setup.covers(h), np.maximum(p, 0.0), 0.0) / mmhg
    far = np.abs(h - MARKS["E"]) > 0.5 * KNEE_BLEND_M
    np.testing.assert_array_equal(sitting.pressure_mmhg[far], hoop[far])
    # every vertex: the hoop law over the strip's mean stretch, to T_w |dk| (0.05 Pa)
    assert np.abs(sitting.pressure_mmhg - hoop / wale_stretch(bent)).max() < 0.05 / mmhg
    standing = bent.standing
    _, theta, _ = standing.cylindrical
    r_knee = standing.landmarks["E"].circumference_m / (2 * np.pi)
    core = np.abs(h - MARKS["E"]) < 0.3 * KNEE_BLEND_M
    for centre in (0.0, np.pi / 2, np.pi):  # front (thinned), side, back (gathered)
        sel = core & (np.abs(np.angle(np.exp(1j * (theta - centre)))) < 0.05) & (hoop > 0)
        lever = _radius(MARKS["E"]) * np.cos(centre) + KNEE_AXIS_OFFSET * r_knee
        n = 1.0 / (1.0 + (np.pi / 2) * lever / KNEE_BLEND_M)
        np.testing.assert_allclose(sitting.pressure_mmhg[sel] / hoop[sel], n, rtol=0.03)
    back = core & (np.cos(theta) < -0.9) & (hoop > 0)
    assert np.all(sitting.pressure_mmhg[back] > 1.05 * hoop[back])  # the gathered layers
    # no course created or lost: over each strip, the courses per length of skin times the
    # skin's area there (the standing area times the local stretch) is the standing area
    local = np.ones(h.shape)
    for near, stretch in _bend_stretch(bent, standing, h):
        local[near] = stretch
    strip = np.minimum(((theta + np.pi) / (2 * np.pi) * FOLD_STRIPS).astype(int), FOLD_STRIPS - 1)
    area = standing.vertex_areas
    moved = ~far & (hoop > 0)
    courses = sitting.pressure_mmhg[moved] / hoop[moved] * area[moved] * local[moved]
    posed = np.bincount(strip[moved], courses, FOLD_STRIPS)
    np.testing.assert_allclose(
        posed, np.bincount(strip[moved], area[moved], FOLD_STRIPS), rtol=1e-4
    )
