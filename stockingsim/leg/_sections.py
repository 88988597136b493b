"""Vectorized multi-plane slicing of a triangle mesh into leg cross-sections.

All (plane, face) crossings are computed with numpy at once; the cut segments are chained into
loops with pointer doubling (list ranking), so there is no Python loop over faces or segments.
The convex hulls of all sections come from one vectorized quickhull along the loops
(:func:`loop_hulls`); the only Python loop is over the sections, to pack the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import ConvexHull, QhullError

__all__ = [
    "Section",
    "slice_mesh",
    "convex_hull_2d",
    "loop_hulls",
    "face_height_index",
    "grid_index",
]


@dataclass(frozen=True, eq=False)
class Section:
    """One cross-section of the leg, perpendicular to the local leg axis.

    Attributes
    ----------
    height_m : float
        Height of the section along the leg axis, from the lowest point (the sole), metres.
    origin : ndarray of shape (3,)
        Point of the section plane on the centreline, world coordinates, metres.
    normal : ndarray of shape (3,)
        Unit local axis direction (the plane normal), pointing up the leg.
    u, v : ndarray of shape (3,)
        Orthonormal in-plane basis; ``u`` points anterior (toward the toes), ``v = normal x u``.
    points : ndarray of shape (P, 2)
        All skin cut points in (u, v) coordinates, metres, relative to ``origin``.
    polygons : list of ndarray of shape (k, 2)
        Skin loops in (u, v), counter-clockwise. ``polygons[0]`` is the main loop (the leg:
        the loop around the centreline, else the largest), the others follow by decreasing area.
        Loops that run into an open mesh border are returned open (not closed).
    perimeter_m : float
        Skin perimeter of the main loop, metres (0 when the plane misses the leg).
    area_m2 : float
        Area enclosed by the main loop, m^2.
    centroid : ndarray of shape (3,)
        Area centroid of the main loop, world coordinates, metres.
    hull : ndarray of shape (H, 2)
        Convex hull of the main loop in (u, v), counter-clockwise, first vertex not repeated.
    hull_perimeter_m : float
        Perimeter of the convex hull, metres: the path a tensioned fabric takes around the
        section, bridging concavities. This is what stocking strain uses.
    closed : bool
        True when the main loop is a closed curve (it does not run into a mesh border).
    main_edges : ndarray of shape (n, 2) of int, optional
        For each point of ``polygons[0]``, the mesh edge (two vertex indices) it lies on.
    main_t : ndarray of shape (n,), optional
        The point's position along that edge, 0 at ``main_edges[:, 0]``, 1 at the other end;
        :meth:`interpolate` uses both to carry per-vertex fields onto the main loop.
    """

    height_m: float
    origin: np.ndarray
    normal: np.ndarray
    u: np.ndarray
    v: np.ndarray
    points: np.ndarray
    polygons: list[np.ndarray]
    perimeter_m: float
    area_m2: float
    centroid: np.ndarray
    hull: np.ndarray
    hull_perimeter_m: float
    closed: bool = field(default=True)
    main_edges: np.ndarray | None = field(default=None, repr=False)
    main_t: np.ndarray | None = field(default=None, repr=False)

    def interpolate(self, values: np.ndarray) -> np.ndarray:
        """A per-vertex field at the points of the main loop, linear along the mesh edges.

        Parameters
        ----------
        values : ndarray of shape (N,)
            One value per mesh vertex.

        Returns
        -------
        ndarray of shape (n,)
            The field at ``polygons[0]``'s points (empty for an empty section).
        """
        if self.main_edges is None or self.main_t is None:
            return np.zeros(0)
        values = np.asarray(values, dtype=float)
        a, b = values[self.main_edges[:, 0]], values[self.main_edges[:, 1]]
        return a + self.main_t * (b - a)

    @property
    def circumference_m(self) -> float:
        """Alias of :attr:`hull_perimeter_m` (the girth a tape measure or fabric sees)."""
        return self.hull_perimeter_m

    def to_world(self, uv: np.ndarray) -> np.ndarray:
        """Map in-plane coordinates to world coordinates.

        Parameters
        ----------
        uv : array_like of shape (K, 2)
            Points in the (u, v) basis of this section, metres.

        Returns
        -------
        ndarray of shape (K, 3)
            World coordinates, metres.
        """
        uv = np.asarray(uv, dtype=float).reshape(-1, 2)
        return self.origin + uv[:, :1] * self.u + uv[:, 1:2] * self.v


def convex_hull_2d(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Convex hull of 2-D points, counter-clockwise, and its perimeter.

    Parameters
    ----------
    points : ndarray of shape (P, 2)

    Returns
    -------
    hull : ndarray of shape (H, 2)
        Hull vertices, counter-clockwise, first vertex not repeated.
    perimeter : float
    """
    points = np.asarray(points, dtype=float)
    if len(points) < 3:
        if len(points) == 2:
            return points.copy(), float(2 * np.linalg.norm(points[1] - points[0]))
        return points.copy(), 0.0
    try:
        hull = points[ConvexHull(points).vertices]  # 2-D: counter-clockwise
    except (QhullError, ValueError):
        # collinear or coincident points: the hull is a segment, walked there and back
        centred = points - points.mean(axis=0)
        direction = np.linalg.svd(centred, full_matrices=False)[2][0]
        s = centred @ direction
        hull = points[[np.argmin(s), np.argmax(s)]]
        return hull, float(2 * (s.max() - s.min()))
    perimeter = float(np.linalg.norm(np.roll(hull, -1, axis=0) - hull, axis=1).sum())
    return hull, perimeter


def loop_hulls(points: np.ndarray, offsets: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Convex hulls of many simple polygons at once (quickhull along each polygon, vectorized).

    The vertices of the convex hull of a simple polygon come along the polygon in the same
    cyclic order as along the hull, so each hull edge only has to look at the polygon points
    between its two ends. Starting from the extreme points in u and v, every hull edge is split
    at the point farthest outside it, and points inside are dropped, until no point is left:
    a few vectorized passes over all polygons together instead of one qhull call per section.
    A polygon whose result is not convex (it was not simple) is redone with
    :func:`convex_hull_2d`.

    Parameters
    ----------
    points : ndarray of shape (N, 2)
        The polygons' vertices, concatenated; each polygon counter-clockwise, not closed.
    offsets : ndarray of shape (K + 1,)
        Polygon k is ``points[offsets[k]:offsets[k + 1]]``.

    Returns
    -------
    hulls : list of ndarray of shape (H_k, 2)
        Hull vertices, counter-clockwise, first vertex not repeated; collinear points dropped.
    perimeters : ndarray of shape (K,)
        Hull perimeters (twice the length for collinear points, as :func:`convex_hull_2d`).
    """
    points = np.asarray(points, dtype=float)
    offsets = np.asarray(offsets, dtype=np.int64)
    n, k = len(points), len(offsets) - 1
    counts = np.diff(offsets)
    loop = np.repeat(np.arange(k), counts)
    small = counts < 4  # every point of a polygon of 3 or fewer is kept
    is_hull = small[loop].copy()
    big = np.flatnonzero(~small)
    if len(big):  # seeds: the first point with the least and the greatest u and v
        starts = offsets[big]
        member = ~small[loop]
        index = np.flatnonzero(member)
        local = np.cumsum(counts[big]) - counts[big]
        for key in (points[:, 0], -points[:, 0], points[:, 1], -points[:, 1]):
            least = np.minimum.reduceat(key[member], local)
            hit = index[key[member] == np.repeat(least, counts[big])]
            first = np.searchsorted(hit, starts)
            is_hull[hit[first]] = True
    tol = 1e-12 * max(float(np.abs(points).max()) if n else 0.0, 1e-300)
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    alive = np.flatnonzero(~small[loop] | is_hull)
    while True:
        hull_here = is_hull[alive]
        if hull_here.all():
            break
        lid = loop[alive]
        m = len(alive)
        pos = np.arange(m)
        starts_alive = np.searchsorted(lid, np.arange(k + 1))
        first_pos = starts_alive[lid]
        last_pos = starts_alive[lid + 1] - 1
        prev = np.maximum.accumulate(np.where(hull_here, pos, -1))
        nxt = np.minimum.accumulate(np.where(hull_here, pos, m)[::-1])[::-1]
        # the edge that wraps around the polygon's start runs from its last hull vertex
        prev = np.where(prev < first_pos, prev[last_pos], prev)
        nxt = np.where(nxt > last_pos, nxt[first_pos], nxt)
        ci = np.flatnonzero(~hull_here)
        xa, ya = x[alive], y[alive]
        ia, ib = prev[ci], nxt[ci]
        ax, ay = xa[ia], ya[ia]
        abx, aby = xa[ib] - ax, ya[ib] - ay
        length = np.hypot(abx, aby)
        # distance outside the edge a -> b (to its right: the polygons are counter-clockwise)
        dist = (aby * (xa[ci] - ax) - abx * (ya[ci] - ay)) / np.where(length > 0, length, 1.0)
        outside = dist > tol
        edge = prev[ci]
        farthest = np.full(m, -np.inf)
        np.maximum.at(farthest, edge[outside], dist[outside])
        is_hull[alive[ci[outside & (dist == farthest[edge])]]] = True
        keep = np.ones(m, dtype=bool)
        keep[ci[~outside]] = False
        alive = alive[keep]

    hull_idx = np.flatnonzero(is_hull)
    hloop = loop[hull_idx]
    hpts = points[hull_idx]
    bounds = np.searchsorted(hloop, np.arange(k + 1))
    # next hull vertex of the same polygon, cyclically
    nxt = np.arange(1, len(hull_idx) + 1)
    ends = bounds[1:][np.diff(bounds) > 0] - 1
    nxt[ends] = bounds[:-1][np.diff(bounds) > 0]
    edge = hpts[nxt] - hpts
    perimeters = np.bincount(hloop, np.hypot(edge[:, 0], edge[:, 1]), minlength=k)
    hulls = [hpts[bounds[j] : bounds[j + 1]] for j in range(k)]
    # convexity check: left turns only, turning once around
    turn = edge[:, 0] * edge[nxt, 1] - edge[:, 1] * edge[nxt, 0]
    angle = np.arctan2(turn, np.einsum("ij,ij->i", edge, edge[nxt]))
    total = np.bincount(hloop, angle, minlength=k)
    bad = np.bincount(hloop, turn < -tol * tol * 1e6, minlength=k) > 0
    n_hull = np.diff(bounds)
    bad |= (n_hull >= 3) & (np.abs(total - 2 * np.pi) > 1e-6)
    for j in np.flatnonzero(bad & ~small):
        hulls[j], perimeters[j] = convex_hull_2d(points[offsets[j] : offsets[j + 1]])
    return hulls, perimeters


def unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort-based ``np.unique(keys, return_index=True, return_inverse=True)`` for 1-D ints.

    (numpy's hash-based unique is several times slower on millions of int64 keys.)

    Returns
    -------
    first : ndarray of shape (U,)
        Index of the first occurrence of each distinct key, in increasing key order.
    inverse : ndarray of shape (len(keys),)
        Group of each key, 0..U-1.
    """
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    new = np.empty(len(sk), dtype=bool)
    if len(sk):
        new[0] = True
        np.not_equal(sk[1:], sk[:-1], out=new[1:])
    group_sorted = np.cumsum(new) - 1
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group_sorted
    return order[new], inverse


def _concat_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``lo[k] .. hi[k]-1`` for every k, concatenated, and the k of each index."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    starts = np.cumsum(counts) - counts
    idx = np.arange(counts.sum()) - np.repeat(starts, counts) + np.repeat(lo, counts)
    return idx, owner


def _rank_chains(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order segments into chains and cycles.

    Parameters
    ----------
    nxt : ndarray of shape (S,)
        Successor of each segment (-1 when none). Cycles are allowed.

    Returns
    -------
    chain : ndarray of shape (S,)
        Chain id of each segment: the index of the chain's last segment (cycles are cut
        before their smallest segment index, so every element belongs to one chain).
    dist : ndarray of shape (S,)
        Number of steps from each segment to the end of its chain (walking order is
        decreasing ``dist``).
    cyclic : ndarray of shape (S,) bool
        True for segments of closed loops.
    """
    n = len(nxt)
    idx = np.arange(n)
    # 1. find the elements that reach a chain end: doubling until nothing moves
    jump = nxt.copy()
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 2):
        active = jump >= 0
        if not active.any():
            break
        jump[active] = jump[jump[active]]
    cyclic = jump >= 0
    # 2. break every cycle before its smallest member
    if cyclic.any():
        cmin = np.where(cyclic, idx, n)
        ptr = np.where(cyclic, nxt, idx)
        cyc = np.flatnonzero(cyclic)
        # after r rounds every element has seen 2**r successors: the whole cycle
        for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
            cmin[cyc] = np.minimum(cmin[cyc], cmin[ptr[cyc]])
            ptr[cyc] = ptr[ptr[cyc]]
        nxt = nxt.copy()
        breakers = cyclic & (nxt >= 0)
        breakers[breakers] = nxt[breakers] == cmin[breakers]
        nxt[breakers] = -1
    # 3. rank the (now acyclic) chains: distance to the tail
    tail, dist = _rank_to_tail(nxt)
    return tail, dist, cyclic


def _rank_to_tail(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wyllie list ranking: the tail of each element's chain and the distance to it."""
    n = len(nxt)
    has = nxt >= 0
    tail = np.where(has, nxt, np.arange(n))
    dist = has.astype(np.int64)
    jump = nxt.copy()
    while True:
        active = np.flatnonzero(jump >= 0)
        if len(active) == 0:
            break
        target = jump[active]
        # simultaneous update from the old values (fancy indexing copies the right-hand side)
        dist[active] = dist[active] + dist[target]
        tail[active] = tail[target]
        jump[active] = jump[target]
    return tail, dist


def _candidate_pairs(
    face_lo: np.ndarray,
    face_hi: np.ndarray,
    plane_lo: np.ndarray,
    plane_hi: np.ndarray,
    sorted_faces: tuple[np.ndarray, np.ndarray, float, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """All (plane, face) pairs whose height ranges overlap, without an all-pairs test."""
    order, lo_sorted, span, long_faces = sorted_faces
    start = np.searchsorted(lo_sorted, plane_lo - span, side="left")
    stop = np.searchsorted(lo_sorted, plane_hi, side="right")
    pos, plane = _concat_ranges(start, stop)
    face = order[pos]
    if len(long_faces):
        # the few faces much taller than typical are tested against every plane
        lp = np.repeat(np.arange(len(plane_lo)), len(long_faces))
        lf = np.tile(long_faces, len(plane_lo))
        plane = np.concatenate([plane, lp])
        face = np.concatenate([face, lf])
    keep = (face_lo[face] <= plane_hi[plane]) & (face_hi[face] >= plane_lo[plane])
    return plane[keep], face[keep]


def _sorted_pairs(face_index, heights):
    face_lo, face_hi, sorted_faces = face_index
    # a little slack so that rounding differences between the section coordinate and the
    # exact signed distances can never drop a face that does cross (a missed face would break
    # a loop open)
    slack = 1e-9 * max(1.0, float(np.abs(heights).max(initial=0.0)))
    return _candidate_pairs(face_lo, face_hi, heights - slack, heights + slack, sorted_faces)


def grid_index(vertex_heights: np.ndarray, faces: np.ndarray, step: float):
    """Candidate index for planes on the regular grid ``step * (1, 2, ..., K)``, no sorting.

    Pass it as ``face_index`` to :func:`slice_mesh` with ``heights = step * arange(1, K + 1)``
    (global planes: ``vertex_heights`` along the planes' common normal).
    """
    h0, h1, h2 = (vertex_heights[faces[:, k]] for k in range(3))
    lo = np.minimum(np.minimum(h0, h1), h2)
    hi = np.maximum(np.maximum(h0, h1), h2)
    slack = 1e-9 * max(1.0, float(np.abs(vertex_heights).max(initial=0.0)))
    first = np.ceil((lo - slack) / step).astype(np.int64)  # first grid line at or above lo
    last = np.floor((hi + slack) / step).astype(np.int64)  # last grid line at or below hi
    return "grid", first, last


def _grid_pairs(first, last, n_planes):
    first = np.maximum(first, 1)
    last = np.minimum(last, n_planes)
    faces = np.flatnonzero(last >= first)
    counts = last[faces] - first[faces] + 1
    face = np.repeat(faces, counts)
    starts = np.cumsum(counts) - counts
    plane = np.arange(counts.sum()) - np.repeat(starts, counts) + np.repeat(first[faces], counts)
    return plane - 1, face


def face_height_index(vertex_heights: np.ndarray, faces: np.ndarray):
    """Per-face height ranges, sorted, for fast plane/face candidate search."""
    h0, h1, h2 = (vertex_heights[faces[:, k]] for k in range(3))
    lo = np.minimum(np.minimum(h0, h1), h2)
    hi = np.maximum(np.maximum(h0, h1), h2)
    span = hi - lo
    if len(span):
        limit = max(8.0 * float(np.median(span)), 1e-12)
        long_faces = np.flatnonzero(span > limit)
        short = span <= limit
        order = np.flatnonzero(short)[np.argsort(lo[short], kind="stable")]
        max_span = float(span[short].max()) if short.any() else 0.0
    else:
        long_faces = np.zeros(0, dtype=np.int64)
        order = np.zeros(0, dtype=np.int64)
        max_span = 0.0
    return lo, hi, (order, lo[order], max_span, long_faces)


def slice_mesh(
    vertices: np.ndarray,
    faces: np.ndarray,
    face_index,
    heights: np.ndarray,
    origins: np.ndarray,
    normals: np.ndarray,
    us: np.ndarray,
    summary: bool = False,
) -> list[Section] | dict[str, np.ndarray]:
    """Cut the mesh with K planes at once.

    Parameters
    ----------
    vertices : ndarray of shape (N, 3)
    faces : ndarray of shape (M, 3)
        Consistently wound, outward normals (loops come out counter-clockwise).
    face_index : tuple
        Output of :func:`face_height_index` for a per-vertex *section coordinate* ``s``: the
        height of the section plane through each vertex (the global height for straight
        sections). A face is a candidate for plane k when its ``s`` range contains
        ``heights[k]``; the exact side test below then decides.
    heights : ndarray of shape (K,)
        Height label of each section (the global height of its origin).
    origins, normals, us : ndarray of shape (K, 3)
        A point on each plane, its unit normal and the in-plane anterior direction.
    summary : bool
        Return only the numbers of each section's main loop, as arrays (no Section objects,
        no Python loop over the sections): see :func:`_summarize`.

    Returns
    -------
    list of Section, or dict of ndarray when ``summary``
    """
    heights = np.asarray(heights, dtype=float)
    n_planes = len(heights)
    vs = np.cross(normals, us)
    # candidate (plane, face) pairs: they only need to contain every crossing face, the exact
    # side test in _crossing_segments decides
    if isinstance(face_index[0], str):  # ("grid", first, last) from grid_index
        plane, face = _grid_pairs(face_index[1], face_index[2], n_planes)
    else:
        plane, face = _sorted_pairs(face_index, heights)
    plane, start, end, key_start, key_end, ends = _crossing_segments(
        vertices, faces, plane, face, origins, normals
    )
    nxt = _next_segments(plane, key_start, key_end, len(vertices), n_planes)
    chain, rank, cyclic = _rank_chains(nxt)
    s_uv, e_uv, perim, area2, cx, cy, hits = _loop_moments(
        plane, start, end, origins, us, vs, chain
    )

    # group segments by plane, then by chain, in walking order
    order = np.lexsort((rank * -1, chain, plane))
    # rank = distance to tail; walking order is decreasing distance
    seg_plane = plane[order]
    if summary:
        return _summarize(
            n_planes, origins, us, vs, order, seg_plane, chain, cyclic, s_uv, e_uv, perim, area2,
            cx, cy, hits,
        )  # fmt: skip
    bounds = np.searchsorted(seg_plane, np.arange(n_planes + 1))
    packed = [
        _pack_section(
            k,
            heights,
            origins,
            normals,
            us,
            vs,
            order[bounds[k] : bounds[k + 1]],
            chain,
            cyclic,
            s_uv,
            e_uv,
            perim,
            area2,
            cx,
            cy,
            hits,
            ends,
            len(vertices),
        )  # fmt: skip
        for k in range(n_planes)
    ]
    return _with_hulls(packed)


def _crossing_segments(vertices, faces, plane, face, origins, normals):
    """The segment each (plane, face) pair cuts, oriented along the loop.

    Returns the segments' plane, start and end points, the mesh-edge keys of both ends, and
    ``ends`` (key and edge parameter of each end, for per-vertex fields along the loops).
    """
    tri = faces[face]  # (P, 3)
    d = np.einsum("pij,pj->pi", vertices[tri] - origins[plane][:, None, :], normals[plane])
    above = d >= 0.0
    n_above = above.sum(axis=1)
    crossing = (n_above == 1) | (n_above == 2)
    plane, tri, d, above = plane[crossing], tri[crossing], d[crossing], above[crossing]
    lonely_above = above.sum(axis=1) == 1
    # the vertex whose side differs from the other two
    lonely = np.where(lonely_above, np.argmax(above, axis=1), np.argmin(above, axis=1))
    rows = np.arange(len(tri))
    a = tri[rows, lonely]
    b = tri[rows, (lonely + 1) % 3]
    c = tri[rows, (lonely + 2) % 3]
    da = d[rows, lonely]
    db = d[rows, (lonely + 1) % 3]
    dc = d[rows, (lonely + 2) % 3]
    p_ab, key_ab, t_ab = _edge_cut(vertices, a, b, da, db)
    p_ca, key_ca, t_ca = _edge_cut(vertices, c, a, dc, da)
    # with outward normals and a counter-clockwise face (a, b, c): a above -> ab then ca
    start = np.where(lonely_above[:, None], p_ab, p_ca)
    end = np.where(lonely_above[:, None], p_ca, p_ab)
    key_start = np.where(lonely_above, key_ab, key_ca)
    key_end = np.where(lonely_above, key_ca, key_ab)
    # where each segment end lies on its mesh edge (for per-vertex fields along the loops)
    ends = (
        key_start,
        np.where(lonely_above, t_ab, t_ca),
        key_end,
        np.where(lonely_above, t_ca, t_ab),
    )
    return plane, start, end, key_start, key_end, ends


def _edge_cut(vertices, i, j, di, dj):
    """Where the plane cuts the edges (i, j) with signed distances (di, dj): point, edge key, t.

    The edge is taken in canonical direction, so both faces of an edge compute the same point.
    """
    swap = i > j
    i2, j2 = np.where(swap, j, i), np.where(swap, i, j)
    di2, dj2 = np.where(swap, dj, di), np.where(swap, di, dj)
    denom = di2 - dj2
    t = np.divide(di2, denom, out=np.zeros_like(di2), where=denom != 0)
    p = vertices[i2] + t[:, None] * (vertices[j2] - vertices[i2])
    return p, i2.astype(np.int64) * len(vertices) + j2, t


def _next_segments(plane, key_start, key_end, n_v: int, n_planes: int) -> np.ndarray:
    """For each segment, the segment that starts where it ends (-1 at an open end).

    Nodes are (plane, mesh edge) pairs.
    """
    n_seg = len(plane)
    if n_seg and float(n_v) ** 2 * (n_planes + 1) < 2.0**62:
        keys = np.concatenate([plane, plane]) * (n_v * n_v) + np.concatenate([key_start, key_end])
        node = unique_inverse(keys)[1]
    elif n_seg:
        keys = np.stack([np.concatenate([plane, plane]), np.concatenate([key_start, key_end])], 1)
        _, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.reshape(-1)
    else:
        node = np.zeros(0, dtype=np.int64)
    node_start, node_end = node[:n_seg], node[n_seg:]
    n_nodes = int(node.max()) + 1 if n_seg else 0
    seg_of_start = np.full(n_nodes, -1, dtype=np.int64)
    seg_of_start[node_start] = np.arange(n_seg)
    nxt = seg_of_start[node_end] if n_seg else np.zeros(0, dtype=np.int64)
    nxt[nxt == np.arange(n_seg)] = -1
    return nxt


def _loop_moments(plane, start, end, origins, us, vs, chain):
    """In-plane segment ends and the moments of each chain.

    Per chain: perimeter, twice the area, the area moments and the crossing count of a ray from
    the plane origin along +u (odd: the loop encloses it).
    """
    o = origins[plane]
    s_uv = np.stack(
        [np.einsum("ij,ij->i", start - o, us[plane]), np.einsum("ij,ij->i", start - o, vs[plane])],
        axis=1,
    )
    e_uv = np.stack(
        [np.einsum("ij,ij->i", end - o, us[plane]), np.einsum("ij,ij->i", end - o, vs[plane])],
        axis=1,
    )
    seg_len = np.linalg.norm(e_uv - s_uv, axis=1)
    cross = s_uv[:, 0] * e_uv[:, 1] - s_uv[:, 1] * e_uv[:, 0]
    n_chain_ids = len(plane)
    perim = np.bincount(chain, seg_len, minlength=n_chain_ids)
    area2 = np.bincount(chain, cross, minlength=n_chain_ids)
    cx = np.bincount(chain, (s_uv[:, 0] + e_uv[:, 0]) * cross, minlength=n_chain_ids)
    cy = np.bincount(chain, (s_uv[:, 1] + e_uv[:, 1]) * cross, minlength=n_chain_ids)
    straddle = (s_uv[:, 1] > 0) != (e_uv[:, 1] > 0)
    dv = e_uv[:, 1] - s_uv[:, 1]
    u_hit = s_uv[:, 0] + np.divide(
        (0 - s_uv[:, 1]) * (e_uv[:, 0] - s_uv[:, 0]), dv, out=np.zeros_like(dv), where=dv != 0
    )
    hits = np.bincount(chain, (straddle & (u_hit > 0)).astype(float), minlength=n_chain_ids)
    return s_uv, e_uv, perim, area2, cx, cy, hits


def _with_hulls(packed: list[dict]) -> list[Section]:
    """Sections from their packed fields, with the convex hull of each main loop.

    The hulls of all closed main loops (simple polygons) at once; open ones, which run into a
    mesh border, with qhull.
    """
    mains = [f["polygons"][0] for f in packed if f["polygons"] and f["closed"]]
    offsets = np.cumsum([0] + [len(p) for p in mains])
    hulls, hull_perimeters = loop_hulls(
        np.concatenate(mains) if mains else np.zeros((0, 2)), offsets
    )
    sections, j = [], 0
    for fields in packed:
        if fields["polygons"] and fields["closed"]:
            fields.update(hull=hulls[j], hull_perimeter_m=float(hull_perimeters[j]))
            j += 1
        elif fields["polygons"]:
            hull, perimeter = convex_hull_2d(fields["polygons"][0])
            fields.update(hull=hull, hull_perimeter_m=perimeter)
        sections.append(Section(**fields))
    return sections


def _summarize(
    n_planes, origins, us, vs, order, seg_plane, chain, cyclic, s_uv, e_uv, perim, area2, cx, cy,
    hits,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Per plane, the numbers of the main loop, as arrays.

    ``has_points``, and of the main loop ``perimeter_m``, ``area_m2``, ``centroid`` (K, 3),
    ``hull_perimeter_m`` and ``closed``; the same numbers as the :class:`Section` objects of
    :func:`slice_mesh` (0 and the origin for an empty plane).
    """
    out = {
        "has_points": np.zeros(n_planes, dtype=bool),
        "perimeter_m": np.zeros(n_planes),
        "area_m2": np.zeros(n_planes),
        "centroid": np.array(origins, dtype=float, copy=True),
        "hull_perimeter_m": np.zeros(n_planes),
        "closed": np.zeros(n_planes, dtype=bool),
    }
    if not len(order):
        return out
    seg_chain = chain[order]
    new_chain = np.empty(len(order), dtype=bool)
    new_chain[0] = True
    np.not_equal(seg_chain[1:], seg_chain[:-1], out=new_chain[1:])
    starts = np.flatnonzero(new_chain)  # each chain's segments, in walking order
    stops = np.append(starts[1:], len(order))
    cid, cplane = seg_chain[starts], seg_plane[starts]
    area = 0.5 * area2[cid]
    inside = (hits[cid] % 2) == 1
    # the main loop of each plane: around the centreline first, else the largest
    pick = np.lexsort((-np.abs(area), ~inside, cplane))
    first = np.ones(len(pick), dtype=bool)
    first[1:] = cplane[pick][1:] != cplane[pick][:-1]
    main = pick[first]
    k = cplane[main]
    out["has_points"][k] = True
    out["perimeter_m"][k] = perim[cid[main]]
    out["area_m2"][k] = np.abs(area[main])
    closed = cyclic[order[starts[main]]]
    out["closed"][k] = closed
    # main loop points, counter-clockwise: segment starts (+ the last end of an open chain)
    lo, hi = starts[main], stops[main]
    idx, owner = _concat_ranges(lo, hi)
    flip = area[main] < 0
    rev = flip[owner]
    idx[rev] = (lo + hi - 1)[owner[rev]] - idx[rev]
    c_uv = (
        np.column_stack([cx[cid[main]], cy[cid[main]]])
        / np.where(np.abs(area[main]) > 1e-14, 6.0 * area[main], np.nan)[:, None]
    )
    closed_loops = np.flatnonzero(closed)
    pts = s_uv[order[idx]]
    keep = closed[owner]
    counts = np.bincount(owner[keep], minlength=len(main))[closed_loops]
    _, hull_perimeter = loop_hulls(pts[keep], np.cumsum(np.r_[0, counts]))
    out["hull_perimeter_m"][k[closed_loops]] = hull_perimeter
    for j in np.flatnonzero(~closed | ~np.isfinite(c_uv[:, 0])):  # few: done one by one
        loop = pts[owner == j]
        if not closed[j]:
            end = e_uv[order[hi[j] - 1]]
            loop = np.vstack([end, loop]) if flip[j] else np.vstack([loop, end])
            out["hull_perimeter_m"][k[j]] = convex_hull_2d(loop)[1]
        if not np.isfinite(c_uv[j, 0]):
            c_uv[j] = loop.mean(axis=0)
    out["centroid"][k] = origins[k] + c_uv[:, :1] * us[k] + c_uv[:, 1:] * vs[k]
    return out


def _empty_section(k, heights, origins, normals, us, vs) -> dict:
    return dict(
        height_m=float(heights[k]),
        origin=origins[k].copy(),
        normal=normals[k].copy(),
        u=us[k].copy(),
        v=vs[k].copy(),
        points=np.zeros((0, 2)),
        polygons=[],
        perimeter_m=0.0,
        area_m2=0.0,
        centroid=origins[k].copy(),
        hull=np.zeros((0, 2)),
        hull_perimeter_m=0.0,
        closed=False,
    )


def _pack_section(
    k,
    heights,
    origins,
    normals,
    us,
    vs,
    segs,
    chain,
    cyclic,
    s_uv,
    e_uv,
    perim,
    area2,
    cx,
    cy,
    hits,
    ends,
    n_vertices,
) -> dict:
    """The fields of one :class:`Section`, without its hull (computed for all at once)."""
    if len(segs) == 0:
        return _empty_section(k, heights, origins, normals, us, vs)
    seg_chain = chain[segs]
    # seg_chain is grouped (sorted by chain within the plane)
    new_chain = np.empty(len(seg_chain), dtype=bool)
    new_chain[0] = True
    np.not_equal(seg_chain[1:], seg_chain[:-1], out=new_chain[1:])
    first = np.flatnonzero(new_chain)
    ids = seg_chain[first]
    areas = 0.5 * area2[ids]
    inside = (hits[ids] % 2) == 1
    # main loop first (encloses the centreline, else largest), then by decreasing area
    rank_loops = np.lexsort((-np.abs(areas), ~inside))
    bounds = np.append(first, len(segs))
    polygons = []
    for j in rank_loops:
        part = segs[bounds[j] : bounds[j + 1]]
        pts = s_uv[part]
        if not cyclic[part[0]]:
            pts = np.vstack([pts, e_uv[part[-1]]])
        if areas[j] < 0:
            pts = pts[::-1]
        polygons.append(pts)
    main = rank_loops[0]
    # the mesh edge and edge parameter of each point of the main loop, in the loop's order
    key_start, t_start, key_end, t_end = ends
    part = segs[bounds[main] : bounds[main + 1]]
    keys, t = key_start[part], t_start[part]
    if not cyclic[part[0]]:
        keys, t = np.append(keys, key_end[part[-1]]), np.append(t, t_end[part[-1]])
    if areas[main] < 0:
        keys, t = keys[::-1], t[::-1]
    main_edges = np.stack(np.divmod(keys, n_vertices), axis=1)
    cid = ids[main]
    a_signed = 0.5 * area2[cid]
    main_pts = polygons[0]
    if abs(a_signed) > 1e-14:
        c_uv = np.array([cx[cid], cy[cid]]) / (6.0 * a_signed)
    else:
        c_uv = main_pts.mean(axis=0)
    origin = origins[k]
    centroid = origin + c_uv[0] * us[k] + c_uv[1] * vs[k]
    return dict(
        height_m=float(heights[k]),
        origin=origin.copy(),
        normal=normals[k].copy(),
        u=us[k].copy(),
        v=vs[k].copy(),
        points=s_uv[segs],
        polygons=polygons,
        perimeter_m=float(perim[cid]),
        area_m2=float(abs(a_signed)),
        centroid=centroid,
        closed=bool(cyclic[segs[bounds[main]]]),
        main_edges=main_edges,
        main_t=t,
    )
