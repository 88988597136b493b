"""The leg frame: foot low, anterior toward the toes, and invariance of the landmarks under
rotation (y-up / z-up / leaning), scaling (mm, cm) and face winding."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stockingsim as ss
from stockingsim.leg import LANDMARK_NAMES


def rotation(axis, degrees):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    a = np.radians(degrees)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * k @ k


# z-up (as stored) -> y-up: rotate -90 degrees about x; then leaning and other units
POSES = {
    "y-up": (rotation([1, 0, 0], -90), 1.0, "auto"),
    "tilted 20 deg": (rotation([1, 1, 0], 20), 1.0, "auto"),
    "upside down, mm": (rotation([0, 1, 0], 180), 1000.0, "auto"),
    "y-up, cm": (rotation([1, 0, 0], -90), 100.0, "auto"),
    "tilted 20 deg, mm given": (rotation([0, 1, 1], 20), 1000.0, "mm"),
}


@pytest.fixture(scope="module", params=list(POSES))
def posed(request, leg_f_avg):
    rot, scale, units = POSES[request.param]
    v = (leg_f_avg.vertices @ rot.T + [0.3, -1.0, 2.0]) * scale
    return request.param, ss.Leg.from_arrays(v, leg_f_avg.faces, units=units), rot


def test_landmarks_invariant_under_pose_and_units(posed, leg_f_avg):
    _, leg, _ = posed
    ref = leg_f_avg.landmarks
    got = leg.landmarks
    assert tuple(got) == tuple(ref)
    for name in ref:
        # within 1 % circumference and 5 mm height: one section step of the girth profile
        # (5 mm), on which the landmarks are detected (assumption: the detector's resolution)
        assert got[name].height_m == pytest.approx(ref[name].height_m, abs=0.005)
        assert got[name].circumference_m == pytest.approx(ref[name].circumference_m, rel=0.01)


def test_frame_is_equivariant(posed, leg_f_avg):
    _, leg, rot = posed
    assert leg.length_m == pytest.approx(leg_f_avg.length_m, rel=1e-6)
    assert np.allclose(leg.heights_m, leg_f_avg.heights_m, atol=1e-6)
    assert np.allclose(leg.frame.axis, rot @ leg_f_avg.frame.axis, atol=1e-6)
    assert np.allclose(leg.frame.anterior, rot @ leg_f_avg.frame.anterior, atol=1e-6)


def test_frame_is_orthonormal_and_right_handed(any_shared_leg):
    f = any_shared_leg.frame
    basis = np.stack([f.anterior, f.lateral, f.axis])
    assert np.allclose(basis @ basis.T, np.eye(3), atol=1e-12)
    assert np.allclose(np.cross(f.axis, f.anterior), f.lateral)
    assert any_shared_leg.heights_m.min() == pytest.approx(0.0, abs=1e-12)
    assert any_shared_leg.heights_m.max() == pytest.approx(any_shared_leg.length_m)


def test_foot_is_low_and_anterior_points_to_the_toes(any_shared_leg):
    leg = any_shared_leg
    assert leg.frame.has_foot
    # the stored meshes are z-up with the sole at z = 0
    assert leg.frame.axis[2] > 0.9
    # (the axis leans, so the lowest point along it is a few mm above the floor)
    assert leg.vertices[np.argmin(leg.heights_m), 2] == pytest.approx(0.0, abs=0.01)
    # the toes: the foot vertices farthest from the ankle's centreline, all in front of it
    low = leg.heights_m < 0.04
    ankle = leg.centreline_at([leg.landmarks["B"].height_m])[0]
    d = leg.vertices[low] - ankle
    d -= np.outer(d @ leg.frame.axis, leg.frame.axis)
    reach = d @ leg.frame.anterior
    assert reach.max() > 0.12  # toes 12+ cm in front of the ankle axis
    assert -reach.min() < 0.09  # the heel sticks out much less behind it
    # the shared meshes are Anny bodies whose toes point to -y
    assert leg.frame.anterior[1] < -0.9


def test_normals_point_out_even_when_faces_are_flipped(leg_f_avg):
    flipped = ss.Leg.from_arrays(leg_f_avg.vertices, leg_f_avg.faces[:, ::-1])
    for leg in (leg_f_avg, flipped):
        h, theta, r = leg.cylindrical
        c = leg.centreline_at(h)
        outward = np.einsum("ij,ij->i", leg.vertex_normals, leg.vertices - c)
        shank = (h > 0.2) & (h < 0.7)
        assert (outward[shank] > 0).mean() > 0.98


def test_mixed_winding_is_made_consistent(leg_f_avg):
    """A mesh with a random third of its faces flipped loads as the original: same faces
    (up to the cyclic order of each) but for the few T-junction patches that share no edge with
    the leg (their winding cannot be inferred), same landmarks."""
    faces = leg_f_avg.faces.copy()
    flip = np.random.default_rng(3).random(len(faces)) < 1 / 3
    faces[flip] = faces[flip][:, ::-1]
    mixed = ss.Leg.from_arrays(leg_f_avg.vertices, faces)

    def canonical(f):
        f = np.asarray(f)
        turn = np.argmin(f, axis=1)  # rotate each face to start at its smallest index
        rows = np.arange(len(f))[:, None]
        return f[rows, (turn[:, None] + np.arange(3)) % 3]

    same = (canonical(mixed.faces) == canonical(leg_f_avg.faces)).all(axis=1)
    assert same.mean() > 0.999
    for name, lm in leg_f_avg.landmarks.items():
        assert mixed.landmarks[name].circumference_m == pytest.approx(lm.circumference_m, abs=1e-9)


def test_vertex_areas_and_tangent_directions(leg_f_avg):
    leg = leg_f_avg
    assert leg.vertex_areas.sum() == pytest.approx(leg.face_areas.sum(), rel=1e-12)
    hoop, axial, n = leg.hoop_directions, leg.axial_directions, leg.vertex_normals
    for a in (hoop, axial):
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
        assert np.abs(np.einsum("ij,ij->i", a, n)).max() < 1e-9
    assert np.abs(np.einsum("ij,ij->i", hoop, axial)).max() < 1e-9
    t = leg.local_axis_at(leg.heights_m)
    assert np.abs(np.einsum("ij,ij->i", hoop, t)).max() < 1e-9
    shank = (leg.heights_m > 0.2) & (leg.heights_m < 0.7)
    assert (np.einsum("ij,ij->i", axial, t)[shank] > 0).mean() > 0.97  # axial points up


def test_cylindrical_coordinates_of_a_cylinder():
    n_t, n_z, r0 = 64, 41, 0.06
    theta = np.linspace(-np.pi, np.pi, n_t, endpoint=False)
    z = np.linspace(0, 0.4, n_z)
    v = np.column_stack(
        [np.tile(r0 * np.cos(theta), n_z), np.tile(r0 * np.sin(theta), n_z), np.repeat(z, n_t)]
    )
    i, j = np.meshgrid(np.arange(n_z - 1), np.arange(n_t), indexing="ij")
    a, b = i * n_t + j, i * n_t + (j + 1) % n_t
    f = np.concatenate([np.stack([a, b, b + n_t], -1), np.stack([a, b + n_t, a + n_t], -1)])
    leg = ss.Leg.from_arrays(v, f.reshape(-1, 3))
    h, th, r = leg.cylindrical
    assert np.allclose(r, r0, rtol=1e-9)
    assert th.min() >= -np.pi and th.max() < np.pi
    assert np.allclose(h, np.abs(v[:, 2] - (0 if leg.frame.axis[2] > 0 else 0.4)), atol=1e-12)
    assert leg.bend_deg < 0.1 and not leg.frame.has_foot
    assert np.allclose(leg.local_axis_at([0.1, 0.2]), leg.frame.axis)
    # theta advances by 2 pi / n_t around a ring, in one sense
    ring = np.argsort(th[:n_t])
    steps = np.diff(th[:n_t][ring])
    assert np.allclose(steps, 2 * np.pi / n_t, atol=1e-9)


def test_straight_parametric_leg_landmarks_match_its_chart():
    leg = ss.parametric_leg({"cB": 22, "cB1": 26, "cC": 36, "cD": 34, "cE": 37, "cF": 50, "cG": 58})
    assert tuple(leg.landmarks) == LANDMARK_NAMES
    expected = {"B": 22, "B1": 26, "C": 36, "D": 34, "E": 37, "F": 50, "G": 58}
    for name, girth_cm in expected.items():
        assert leg.landmarks[name].circumference_m == pytest.approx(girth_cm / 100, rel=0.02)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    q=st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(lambda q: 0.1 < np.linalg.norm(q)),
    shift=st.lists(st.floats(-5, 5), min_size=3, max_size=3),
    units=st.sampled_from([("m", 1.0), ("cm", 100.0), ("mm", 1000.0)]),
)
def test_landmarks_invariant_under_random_rigid_motion(leg_f_avg, q, shift, units):
    w, x, y, z = np.asarray(q) / np.linalg.norm(q)
    rot = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    name, scale = units
    v = (leg_f_avg.vertices @ rot.T + shift) * scale
    leg = ss.Leg.from_arrays(v, leg_f_avg.faces, units="auto")
    assert leg.units == name
    for key, ref in leg_f_avg.landmarks.items():
        assert leg.landmarks[key].height_m == pytest.approx(ref.height_m, abs=0.005)
        assert leg.landmarks[key].circumference_m == pytest.approx(ref.circumference_m, rel=0.01)


def test_flexed_knee_keeps_landmark_girths(leg_f_avg):
    """Bend the knee by 20 degrees (smoothly, between 42 and 52 cm): the sections follow the
    local axis, so the girths stay within 1.5 % of the straight leg's."""
    ref = leg_f_avg
    h = ref.heights_m
    pivot = ref.centreline_at([0.47])[0]
    w = np.clip((h - 0.42) / 0.10, 0, 1)
    angle = np.radians(20.0) * w * w * (3 - 2 * w)
    axis = ref.frame.lateral
    d = ref.vertices - pivot
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    v = pivot + d * c + np.cross(axis, d) * s + np.outer(d @ axis, axis) * (1 - c)
    bent = ss.Leg.from_arrays(v, ref.faces)
    assert bent.bend_deg > ref.bend_deg + 2
    assert tuple(bent.landmarks) == tuple(ref.landmarks)
    for name, lm in ref.landmarks.items():
        assert bent.landmarks[name].circumference_m == pytest.approx(lm.circumference_m, rel=0.015)


def test_section_heights_put_every_vertex_on_its_section_plane(leg_f_avg):
    s = leg_f_avg.section_heights_m
    c, t = leg_f_avg.centreline_at(s), leg_f_avg.local_axis_at(s)
    assert np.abs(np.einsum("ij,ij->i", leg_f_avg.vertices - c, t)).max() < 1e-6
    assert leg_f_avg.bend_deg > 3  # the shared legs lean at the knee: s differs from heights_m
    assert np.abs(s - leg_f_avg.heights_m).max() > 0.005


@pytest.mark.parametrize("block", [1, 7, 1000])
def test_face_geometry_is_the_same_in_any_block_size(leg_f_avg, block):
    """The blocked face geometry gives every face the same bits as one block, and the areas,
    centres and winding moments of their definitions."""
    from stockingsim.leg._frame_fit import face_geometry

    v, f = leg_f_avg.vertices, leg_f_avg.faces[:2500]  # 2500 faces: blocks end mid-mesh
    one = face_geometry(v, f, block=len(f))
    got = face_geometry(v, f, block=block)
    np.testing.assert_array_equal(got[1], one[1])
    np.testing.assert_array_equal(got[2], one[2])
    np.testing.assert_allclose(got[0], one[0], rtol=1e-12, atol=1e-15)  # sums: any order
    moments, area, centres = one
    p0, p1, p2 = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    cross = np.cross(p1 - p0, p2 - p0)
    np.testing.assert_allclose(area, 0.5 * np.linalg.norm(cross, axis=1), rtol=1e-13)
    np.testing.assert_allclose(centres, (p0 + p1 + p2) / 3, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(moments[:3], cross.T @ centres, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moments[3], cross.sum(axis=0), rtol=1e-12, atol=1e-15)


def test_winding_check_from_moments_is_the_sum_over_faces(leg_f_avg):
    """The winding check's sum from the moments equals the sum over the faces of the radial
    direction dotted with the cross product, far from the origin too; faces that point inward
    are re-wound, outward ones kept."""
    from stockingsim.leg._frame_fit import _outward, face_geometry

    f = leg_f_avg.faces
    axis = leg_f_avg.frame.axis
    for shift in (np.zeros(3), np.array([300.0, -200.0, 150.0])):  # a scan in site coordinates
        v = leg_f_avg.vertices + shift
        moments, area, centres = face_geometry(v, f)
        mean = np.average(centres, axis=0, weights=area)
        proj = np.eye(3) - np.outer(axis, axis)
        x = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        direct = np.einsum("ij,ij->", (centres - mean) @ proj, x)
        assert direct > 0  # the leg's faces point outward
        total = np.trace(proj @ moments[:3]) - mean @ proj @ moments[3]
        assert total == pytest.approx(direct, rel=1e-6)
        assert _outward(f, moments, mean, axis) is f
        inward = f[:, ::-1]
        m_in, _, _ = face_geometry(v, inward)
        np.testing.assert_array_equal(_outward(inward, m_in, mean, axis), f)


def test_heights_along_an_axis_in_blocks_are_the_one_line_form(leg_f_avg):
    """along(x, p, a) is (x - p) @ a, bit for bit, on more rows than one block."""
    from stockingsim.leg._blocks import BLOCK
    from stockingsim.leg._frame_fit import along

    rng = np.random.default_rng(3)
    x = np.concatenate([leg_f_avg.vertices] * 3)[: BLOCK + 1001]
    a = rng.normal(size=3)
    a /= np.linalg.norm(a)
    p = x.mean(axis=0)
    np.testing.assert_array_equal(along(x, p, a), (x - p) @ a)


@pytest.mark.parametrize("shift", [0.0, 400.0])
def test_end_anisotropy_of_elliptic_ends(shift):
    """Two elliptic rings at the ends of a tilted axis, a foot-like 3:1 one at the bottom and a
    round one at the top: the in-plane spread ratios are 3 and 1, and the spreads the mean of
    a / sqrt(2) and b / sqrt(2), wherever the leg is in space."""
    from stockingsim.leg._frame import end_anisotropy, unit

    axis = unit(np.array([0.2, -0.1, 1.0]))
    e1 = unit(np.cross(axis, [1.0, 0.0, 0.0]))
    e2 = np.cross(axis, e1)
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    rings, heights = [], []
    for h, (a, b) in ((0.0, (0.09, 0.03)), (0.5, (0.05, 0.05)), (1.0, (0.07, 0.07))):
        rings.append(h * axis + np.outer(a * np.cos(t), e1) + np.outer(b * np.sin(t), e2))
        heights.append(np.full(len(t), h))
    points = np.vstack(rings) + shift
    weights = np.ones(len(points))
    r_low, r_high, s_low, s_high = end_anisotropy(points, weights, np.concatenate(heights), axis)
    assert r_low == pytest.approx(3.0, rel=1e-9)
    assert r_high == pytest.approx(1.0, rel=1e-9)
    assert s_low == pytest.approx(0.5 * (0.09 + 0.03) / np.sqrt(2), rel=1e-9)
    assert s_high == pytest.approx(0.07 / np.sqrt(2), rel=1e-9)


def test_centreline_points_in_blocks_are_the_interpolated_table(leg_f_avg):
    """Centreline points and tangents at more heights than one row block: each row the same
    bits as alone, and the points the linear interpolation of the centreline table (with
    straight continuation beyond it)."""
    cl = leg_f_avg._centreline
    rng = np.random.default_rng(5)
    h = rng.uniform(-0.05, leg_f_avg.length_m + 0.05, size=70_000)  # 3 blocks, both ends out
    pts = cl.points(h)
    parts = np.vstack([cl.points(h[i : i + 999]) for i in range(0, len(h), 999)])
    np.testing.assert_array_equal(pts, parts)
    tan = cl.tangents(h)
    np.testing.assert_array_equal(
        tan, np.vstack([cl.tangents(h[i : i + 999]) for i in range(0, len(h), 999)])
    )
    g, off, slope = cl.grid, cl.offset, cl.slope
    expected = np.column_stack([np.interp(h, g, off[:, k]) for k in range(3)])
    expected += (
        np.minimum(h - g[0], 0)[:, None] * slope[0] + np.maximum(h - g[-1], 0)[:, None] * slope[-1]
    )
    expected += cl.frame.origin + h[:, None] * cl.frame.axis
    np.testing.assert_allclose(pts, expected, rtol=0, atol=1e-12)
