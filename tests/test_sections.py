"""Cross-sections against analytic shapes and against trimesh's own plane cuts."""

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import ConvexHull

import stockingsim as ss


def tube(radius_fn, n_theta=512, length=0.5, n_z=51):
    """Open tube along z whose section is r(theta) at every height (faces wound outward)."""
    theta = np.linspace(-np.pi, np.pi, n_theta, endpoint=False)
    z = np.linspace(0.0, length, n_z)
    r = radius_fn(theta)
    ring = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    vertices = np.concatenate([np.column_stack([ring, np.full(n_theta, zi)]) for zi in z])
    i, j = np.meshgrid(np.arange(n_z - 1), np.arange(n_theta), indexing="ij")
    a = i * n_theta + j
    b = i * n_theta + (j + 1) % n_theta
    c = a + n_theta
    d = b + n_theta
    faces = np.concatenate([np.stack([a, b, d], -1), np.stack([a, d, c], -1)]).reshape(-1, 3)
    return vertices, faces


def ramanujan(a, b):
    h = ((a - b) / (a + b)) ** 2
    return np.pi * (a + b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))


def test_circular_cylinder_matches_inscribed_polygon():
    r, n = 0.05, 256
    leg = ss.Leg.from_arrays(*tube(lambda t: np.full_like(t, r), n_theta=n))
    for s in leg.sections([0.1, 0.2, 0.3, 0.4]):
        # exact values for the inscribed regular n-gon
        assert s.perimeter_m == pytest.approx(2 * n * r * np.sin(np.pi / n), rel=1e-9)
        assert s.hull_perimeter_m == pytest.approx(s.perimeter_m, rel=1e-9)
        assert s.area_m2 == pytest.approx(0.5 * n * r**2 * np.sin(2 * np.pi / n), rel=1e-9)
        assert np.linalg.norm(s.centroid[:2]) < 1e-9
        assert s.closed and len(s.polygons) == 1
        # the plane is perpendicular to the tube and u, v, normal are orthonormal
        assert abs(abs(s.normal @ [0, 0, 1]) - 1) < 1e-9
        basis = np.stack([s.u, s.v, s.normal])
        assert np.allclose(basis @ basis.T, np.eye(3), atol=1e-12)


def test_elliptic_cylinder_hull_perimeter_is_ramanujan():
    a, b = 0.06, 0.04
    # ellipse in polar form r(theta)
    leg = ss.Leg.from_arrays(
        *tube(lambda t: a * b / np.sqrt((b * np.cos(t)) ** 2 + (a * np.sin(t)) ** 2), 2048)
    )
    for s in leg.sections([0.15, 0.25, 0.35]):
        assert s.hull_perimeter_m == pytest.approx(ramanujan(a, b), rel=2e-5)
        assert s.perimeter_m == pytest.approx(ramanujan(a, b), rel=2e-5)
        assert s.area_m2 == pytest.approx(np.pi * a * b, rel=2e-5)


def test_concave_peanut_hull_bridges_the_waist():
    eps, r0 = 0.5, 0.05  # r = r0 (1 + eps cos 2t) is concave at t = +-pi/2 when eps > 0.2

    def r(t):
        return r0 * (1 + eps * np.cos(2 * t))

    leg = ss.Leg.from_arrays(*tube(r, n_theta=2048))
    s = leg.sections([0.25])[0]
    # skin perimeter: the arc length integral of the polar curve
    t = np.linspace(-np.pi, np.pi, 200001)
    dr = -2 * r0 * eps * np.sin(2 * t)
    skin = np.trapezoid(np.sqrt(r(t) ** 2 + dr**2), t)
    # hull perimeter: scipy's hull of a much finer sampling of the curve
    fine = np.stack([r(t) * np.cos(t), r(t) * np.sin(t)], 1)[:-1]
    hull = fine[ConvexHull(fine).vertices]
    hull_len = np.linalg.norm(np.roll(hull, -1, 0) - hull, axis=1).sum()
    assert s.perimeter_m == pytest.approx(skin, rel=1e-5)
    assert s.hull_perimeter_m == pytest.approx(hull_len, rel=1e-5)
    assert s.hull_perimeter_m < 0.99 * s.perimeter_m  # the fabric bridges the waist


def test_bent_tube_is_cut_perpendicular_to_its_local_axis():
    # a tube of radius 4 cm bent along an arc of radius 0.8 m over 40 degrees
    rt, rc, n_t, n_s = 0.04, 0.8, 128, 161
    phi = np.radians(np.linspace(-20, 20, n_s))
    theta = np.linspace(-np.pi, np.pi, n_t, endpoint=False)
    centre = np.stack([rc * (1 - np.cos(phi)), np.zeros_like(phi), rc * np.sin(phi)], 1)
    tangent = np.stack([np.sin(phi), np.zeros_like(phi), np.cos(phi)], 1)
    normal = np.stack([np.cos(phi), np.zeros_like(phi), -np.sin(phi)], 1)
    binormal = np.array([0.0, 1.0, 0.0])
    pts = (
        centre[:, None]
        + rt * np.cos(theta)[None, :, None] * normal[:, None]
        + rt * np.sin(theta)[None, :, None] * binormal
    ).reshape(-1, 3)
    i, j = np.meshgrid(np.arange(n_s - 1), np.arange(n_t), indexing="ij")
    a = i * n_t + j
    b = i * n_t + (j + 1) % n_t
    faces = np.concatenate([np.stack([a, b + n_t, b], -1), np.stack([a, a + n_t, b + n_t], -1)])
    leg = ss.Leg.from_arrays(pts, faces.reshape(-1, 3))
    assert leg.bend_deg > 10
    circle = 2 * n_t * rt * np.sin(np.pi / n_t)
    heights = np.linspace(0.15, 0.85, 8) * leg.length_m
    for s in leg.sections(heights):
        assert s.perimeter_m == pytest.approx(circle, rel=5e-3)
    # the local axis is the arc's tangent (2 degrees: the centreline is a smoothed fit)
    axis = leg.local_axis_at(heights)
    nearest = np.argmin(
        np.linalg.norm(leg.centreline_at(heights)[:, None] - centre[None], axis=2), axis=1
    )
    cosines = np.abs(np.einsum("ij,ij->i", axis, tangent[nearest]))
    assert np.degrees(np.arccos(np.clip(cosines, -1, 1))).max() < 2.0
    # a single global-axis plane would cut an ellipse: longer by 1/cos(tilt) at the ends
    assert np.degrees(np.arccos(np.clip(axis @ leg.frame.axis, -1, 1))).max() > 8


def test_real_leg_sections_agree_with_trimesh(leg_f_avg):
    mesh = leg_f_avg.to_trimesh()
    heights = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    for s in leg_f_avg.sections(heights):
        seg = trimesh.intersections.mesh_plane(mesh, s.normal, s.origin)
        total = np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum()
        assert len(s.polygons) == 1  # one loop on the shank and thigh
        assert s.perimeter_m == pytest.approx(total, rel=1e-9)
        # the points lie in the plane
        world = s.to_world(s.polygons[0])
        assert np.abs((world - s.origin) @ s.normal).max() < 1e-9


def test_polygons_are_ccw_and_hull_is_convex(leg_f_avg):
    for s in leg_f_avg.sections(np.linspace(0.05, 0.78, 12)):
        for poly in s.polygons:
            x, y = poly[:, 0], poly[:, 1]
            assert 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) > 0
        h = s.hull
        e = np.roll(h, -1, 0) - h
        cross = e[:, 0] * np.roll(e, -1, 0)[:, 1] - e[:, 1] * np.roll(e, -1, 0)[:, 0]
        assert (cross >= -1e-12).all()
        assert s.hull_perimeter_m <= s.perimeter_m + 1e-12


def test_girth_profile_grid_and_outside(leg_f_avg):
    prof = leg_f_avg.girth_profile(step_m=0.01)
    assert list(prof.columns) == [
        "height_m",
        "circumference_m",
        "skin_circumference_m",
        "area_m2",
        "centroid_x_m",
        "centroid_y_m",
        "centroid_z_m",
    ]
    assert np.allclose(np.diff(prof.height_m), 0.01)
    assert prof.height_m.iloc[-1] < leg_f_avg.length_m
    # explicit heights, one outside the leg
    out = leg_f_avg.girth_profile(heights_m=[0.3, 5.0])
    assert np.isfinite(out.circumference_m[0]) and np.isnan(out.circumference_m[1])
    s = leg_f_avg.sections([5.0])[0]
    assert s.perimeter_m == 0 and len(s.polygons) == 0


def test_section_area_matches_an_independent_shoelace(leg_f_avg):
    s = leg_f_avg.sections([0.3])[0]
    mesh = leg_f_avg.to_trimesh()
    path = mesh.section(plane_origin=s.origin, plane_normal=s.normal)
    planar, _ = path.to_2D()
    assert s.area_m2 == pytest.approx(planar.area, rel=1e-6)


def test_main_loop_is_the_one_around_the_centreline():
    from stockingsim.leg._sections import face_height_index, slice_mesh

    # the leg: r = 5 cm around the axis; a larger stray tube (r = 8 cm) beside it
    v1, f1 = tube(lambda t: np.full_like(t, 0.05), n_theta=64)
    v2, f2 = tube(lambda t: np.full_like(t, 0.08), n_theta=64)
    v = np.concatenate([v1, v2 + [0.3, 0.0, 0.0]])
    f = np.concatenate([f1, f2 + len(v1)])
    heights = np.array([0.1, 0.2])
    k = len(heights)
    secs = slice_mesh(
        v,
        f,
        face_height_index(v[:, 2], f),
        heights,
        np.column_stack([np.zeros((k, 2)), heights]),
        np.tile([0.0, 0.0, 1.0], (k, 1)),
        np.tile([1.0, 0.0, 0.0], (k, 1)),
    )
    for s in secs:
        assert len(s.polygons) == 2
        assert s.perimeter_m == pytest.approx(2 * 64 * 0.05 * np.sin(np.pi / 64), rel=1e-9)
        assert np.abs(s.polygons[0]).max() < 0.051  # polygons[0] is the leg's loop


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=12),
    closed=st.lists(st.booleans(), min_size=12, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_chain_ranking_recovers_random_loops_and_chains(sizes, closed, seed):
    from stockingsim.leg._loops import rank_chains

    rng = np.random.default_rng(seed)
    n = sum(sizes)
    labels = rng.permutation(n)  # segments of each loop get scattered indices
    nxt = np.full(n, -1)
    loops, start = [], 0
    for k, size in enumerate(sizes):
        members = labels[start : start + size]
        start += size
        nxt[members[:-1]] = members[1:]
        if closed[k] and size > 1:
            nxt[members[-1]] = members[0]
        loops.append((members, closed[k] and size > 1))
    chain, dist, cyclic = rank_chains(nxt)
    # the doubling bounded by the longest loop (as slice_mesh bounds it by the segments of a
    # plane) gives the same arrays
    for got, want in zip(rank_chains(nxt, max_length=max(sizes)), (chain, dist, cyclic)):
        np.testing.assert_array_equal(got, want)
    for members, is_cycle in loops:
        assert len(set(chain[members])) == 1  # one chain per loop
        assert np.all(cyclic[members] == is_cycle)
        walk = members[np.argsort(-dist[members])]
        if is_cycle:  # same cyclic order, starting anywhere
            shift = int(np.flatnonzero(members == walk[0])[0])
            walk = np.roll(walk, shift)
        assert np.array_equal(walk, members)


def _star_polygon(rng, m, spiky):
    """A simple counter-clockwise polygon, star-shaped about a random centre."""
    angle = (np.arange(m) + rng.uniform(-0.4, 0.4, m)) * 2 * np.pi / m  # gaps below pi
    radius = 1 - 0.3 * rng.uniform(size=m) ** 8 if spiky else rng.uniform(0.2, 1.0, m)
    pts = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return pts * rng.uniform(0.01, 1.0) + rng.normal(size=2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_polygons=st.integers(1, 40))
def test_loop_hulls_match_qhull_on_simple_polygons(seed, n_polygons):
    """The vectorized quickhull along simple polygons gives qhull's hull and perimeter."""
    from stockingsim.leg._loops import loop_hulls

    rng = np.random.default_rng(seed)
    polys = [_star_polygon(rng, int(rng.integers(1, 300)), i % 2 == 0) for i in range(n_polygons)]
    offsets = np.cumsum([0] + [len(p) for p in polys])
    hulls, perimeters = loop_hulls(np.concatenate(polys), offsets)
    for poly, hull, perimeter in zip(polys, hulls, perimeters):
        if len(poly) < 3:
            continue
        expected = poly[ConvexHull(poly).vertices]
        expected_perimeter = np.linalg.norm(np.roll(expected, -1, 0) - expected, axis=1).sum()
        assert perimeter == pytest.approx(expected_perimeter, rel=1e-12)
        # the same vertices, counter-clockwise in the same cyclic order
        start = int(np.flatnonzero((expected == hull[0]).all(axis=1))[0])
        np.testing.assert_array_equal(np.roll(expected, -start, axis=0), hull)


def _c_shape(rng, m):
    """A simple counter-clockwise C: an annulus sector of 300 degrees, not star-shaped about
    the mean of its points (which lies near the gap)."""
    t = np.linspace(0.0, np.radians(300), m)
    outer = np.c_[np.cos(t), np.sin(t)]
    inner = 0.6 * outer[::-1]
    pts = np.concatenate([outer, inner]) + rng.normal(scale=1e-3, size=(2 * m, 2))
    return pts * rng.uniform(0.05, 2.0) + rng.normal(size=2)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_polygons=st.integers(1, 12))
def test_loop_hulls_mix_star_and_other_simple_polygons(seed, n_polygons):
    """Star-shaped loops (reflex removal) and C-shaped ones (quickhull) in one call: qhull's
    hull vertices, in order, and perimeter for each."""
    from stockingsim.leg._loops import _star_shaped, loop_hulls

    rng = np.random.default_rng(seed)
    polys = [
        _c_shape(rng, int(rng.integers(5, 80))) if i % 2 else _star_polygon(rng, 60, False)
        for i in range(n_polygons)
    ]
    offsets = np.cumsum([0] + [len(p) for p in polys])
    points = np.concatenate(polys)
    counts = np.diff(offsets)
    star = _star_shaped(
        points[:, 0], points[:, 1], counts, np.repeat(np.arange(len(polys)), counts)
    )
    assert not star[1::2].any()  # the C shapes take the quickhull path
    hulls, perimeters = loop_hulls(points, offsets)
    for poly, hull, perimeter in zip(polys, hulls, perimeters):
        expected = poly[ConvexHull(poly).vertices]
        expected_perimeter = np.linalg.norm(np.roll(expected, -1, 0) - expected, axis=1).sum()
        assert perimeter == pytest.approx(expected_perimeter, rel=1e-12)
        start = int(np.flatnonzero((expected == hull[0]).all(axis=1))[0])
        np.testing.assert_array_equal(np.roll(expected, -start, axis=0), hull)


def test_star_shaped_polygons_are_told_apart():
    """Convex and star-shaped about the mean: yes; a C, a clockwise loop, a loop wound twice
    round its mean, and one through its mean: no."""
    from stockingsim.leg._loops import _star_shaped

    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    star = circle * (1 + 0.4 * (np.arange(40) % 2))[:, None]  # spiky, star about the centre
    twice = np.c_[np.cos(2 * t), np.sin(2 * t)] * (1 + 0.01 * t)[:, None]
    through = np.array([[0.0, 0.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
    assert np.array_equal(through.mean(axis=0), through[0])  # the first point is the mean
    polys = [circle, star, _c_shape(np.random.default_rng(1), 30), circle[::-1], twice, through]
    counts = np.array([len(p) for p in polys])
    pts = np.concatenate(polys)
    got = _star_shaped(pts[:, 0], pts[:, 1], counts, np.repeat(np.arange(len(polys)), counts))
    assert got.tolist() == [True, True, False, False, False, False]


def test_loop_hulls_degenerate_and_not_simple():
    """Collinear points: twice the length; a self-crossing loop falls back to qhull; tiny loops."""
    from stockingsim.leg._loops import loop_hulls

    line = np.c_[np.linspace(0, 1, 7), np.linspace(0, 2, 7)]
    bowtie = np.array(
        [[0, 0], [1, 0.5], [1.5, 0.2], [1, 1], [0, 1], [0.5, 1.2], [2, -1], [0.2, -0.3]]
    )
    triangle = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    single = np.array([[3.0, 4.0]])
    polys = [line, bowtie, triangle, single]
    hulls, perimeters = loop_hulls(np.concatenate(polys), np.cumsum([0] + [len(p) for p in polys]))
    assert perimeters[0] == pytest.approx(2 * np.sqrt(5), rel=1e-12)
    expected = bowtie[ConvexHull(bowtie).vertices]
    assert perimeters[1] == pytest.approx(
        np.linalg.norm(np.roll(expected, -1, 0) - expected, axis=1).sum(), rel=1e-12
    )
    assert len(hulls[1]) == len(expected)
    assert perimeters[2] == pytest.approx(2 + np.sqrt(2), rel=1e-12)
    assert perimeters[3] == 0.0 and len(hulls[3]) == 1


def test_interpolating_vertex_coordinates_gives_the_loop_points(leg_f_avg):
    """Section.interpolate is linear along the cut edges: on x, y, z it rebuilds the main loop."""
    sections = leg_f_avg.sections(np.linspace(0.02, leg_f_avg.length_m - 0.02, 25))
    checked = 0
    for s in sections:
        if not s.polygons:
            assert len(s.interpolate(leg_f_avg.vertices[:, 0])) == 0
            continue
        xyz = np.column_stack([s.interpolate(leg_f_avg.vertices[:, i]) for i in range(3)])
        np.testing.assert_allclose(xyz, s.to_world(s.polygons[0]), atol=1e-12)
        assert np.all((s.main_t >= 0) & (s.main_t <= 1))
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("wound", ["outward", "inward"])
def test_summary_matches_the_sections(leg_f_avg, wound):
    """slice_mesh(summary=True), used for the frame and the girth profile, gives the numbers of
    the Section objects, also for clockwise loops (inward-wound faces) and open loops."""
    from stockingsim.leg._sections import slice_mesh

    leg = leg_f_avg
    faces = leg.faces if wound == "outward" else leg.faces[:, ::-1]
    h = np.arange(0.002, leg.length_m + 0.01, 0.0035)  # through the foot and past the top
    t = leg.local_axis_at(h)
    args = (leg.vertices, faces, leg._section_index, h, leg.centreline_at(h), t)
    args += (leg._centreline.in_plane_u(t),)
    sections, summary = slice_mesh(*args), slice_mesh(*args, summary=True)
    assert (~summary["closed"] & summary["has_points"]).sum() >= 5  # open loops are covered
    np.testing.assert_array_equal(summary["has_points"], [len(s.points) > 0 for s in sections])
    np.testing.assert_array_equal(summary["closed"], [s.closed for s in sections])
    for name in ("perimeter_m", "area_m2", "hull_perimeter_m"):
        expected = [getattr(s, name) for s in sections]
        np.testing.assert_allclose(summary[name], expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(summary["centroid"], [s.centroid for s in sections], atol=1e-12)


def test_profile_at_given_heights_reuses_the_grid_already_cut(shared_leg_paths):
    # heights on the 5 mm landmark grid are taken from it, the others cut: the same numbers as
    # cutting every height on a leg that has no grid yet (to rounding), NaN beyond the top
    path = shared_leg_paths["anny_m_elder"]
    fresh, used = ss.load_leg(path), ss.load_leg(path)
    grid = used.girth_profile()  # the 5 mm grid (also what the landmarks are found on)
    length = float(used.length_m)
    h = np.r_[grid.height_m.to_numpy()[[3, 40, 41, 90]], 0.2071, 0.31234, length + 0.01]
    want = fresh.girth_profile(heights_m=h)
    got = used.girth_profile(heights_m=h)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_array_equal(got.height_m.to_numpy(), h)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-15)
    assert got.iloc[-1, 1:].isna().all()  # above the mesh: no section
    # the grid rows themselves, exactly
    on_grid = grid.iloc[[3, 40, 41, 90]].reset_index(drop=True)
    np.testing.assert_array_equal(got.iloc[:4].to_numpy(), on_grid.to_numpy())
    # a height 1 micrometre off the grid is cut, not rounded to the grid
    off = used.girth_profile(heights_m=[h[1] + 1e-6])
    cut = fresh.girth_profile(heights_m=[h[1] + 1e-6])
    np.testing.assert_allclose(off.to_numpy(), cut.to_numpy(), rtol=1e-12)


def test_loop_hulls_of_no_loop_and_of_an_empty_one():
    """No polygon at all, and one with no points: empty hulls, zero perimeters, no error."""
    from stockingsim.leg._loops import loop_hulls

    hulls, perimeters = loop_hulls(np.zeros((0, 2)), np.array([0]))
    assert hulls == [] and len(perimeters) == 0
    hulls, perimeters = loop_hulls(np.zeros((0, 2)), np.array([0, 0]))
    assert len(hulls) == 1 and hulls[0].shape == (0, 2) and perimeters.tolist() == [0]


@pytest.mark.parametrize("levels", [7, 1000, None])
def test_face_order_of_the_height_index_is_the_stable_sort(levels):
    """The face height index orders its faces as a stable sort of their lowest heights: by
    height, ties (shared lowest corners, or distinct corners at the same height, as on a flat
    sole) by face index; only the faces asked for."""
    from stockingsim.leg._sections import _stable_order

    rng = np.random.default_rng(3)
    n, m = 500, 2000
    h = rng.random(n)
    if levels is not None:  # few distinct heights: many ties between distinct vertices
        h = np.round(h * levels) / levels
    f = rng.integers(0, n, size=(m, 3))
    lo = h[f].min(axis=1)
    which = np.flatnonzero(rng.random(m) < 0.8)
    expected = which[np.argsort(lo[which], kind="stable")]
    np.testing.assert_array_equal(_stable_order(h, f, which), expected)
    np.testing.assert_array_equal(_stable_order(h, f, np.arange(m)), np.argsort(lo, kind="stable"))
    assert len(_stable_order(h, f, which[:0])) == 0


@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_sorted_groups_are_numpys_unique(dtype):
    """unique_inverse and dense_rank give numpy's unique first indices and inverse, with many
    repeated keys, for ints and floats."""
    from stockingsim.leg._loops import dense_rank, unique_inverse

    keys = np.random.default_rng(11).integers(0, 50, size=3000).astype(dtype)
    _, first_np, inverse_np = np.unique(keys, return_index=True, return_inverse=True)
    first, inverse = unique_inverse(keys)
    np.testing.assert_array_equal(first, first_np)
    np.testing.assert_array_equal(inverse, inverse_np)
    np.testing.assert_array_equal(dense_rank(keys), inverse_np)
    assert len(dense_rank(keys[:0])) == 0
