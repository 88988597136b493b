"""Vectorized multi-plane slicing of a triangle mesh into leg cross-sections.

All (plane, face) crossings are computed with numpy at once; the cut segments are chained into
loops with pointer doubling (list ranking, ``leg/_loops.py``), so there is no Python loop over
faces or segments. The convex hulls of all sections come from one vectorized quickhull along the
loops (:func:`loop_hulls`); the only Python loop is over the sections, to pack the results
(``leg/_section_fields.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stockingsim.leg._blocks import row_blocks
from stockingsim.leg._loops import (
    concat_ranges,
    convex_hull_2d,
    dense_rank,
    loop_hulls,
    rank_chains,
    unique_inverse,
)
from stockingsim.leg._section_fields import Chains, Planes, pack_section, summarize

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
    pos, plane = concat_ranges(start, stop)
    face = order[pos]
    keep = (face_lo[face] <= plane_hi[plane]) & (face_hi[face] >= plane_lo[plane])
    plane, face = plane[keep], face[keep]
    if len(long_faces):
        lp, lf = _long_pairs(face_lo, face_hi, plane_lo, plane_hi, long_faces)
        plane, face = np.concatenate([plane, lp]), np.concatenate([face, lf])
    return plane, face


def _long_pairs(face_lo, face_hi, plane_lo, plane_hi, long_faces):
    """The overlapping (plane, face) pairs of the faces much taller than typical.

    Each such face finds its planes by a binary search of the sorted planes (``plane_hi -
    plane_lo`` is the same for every plane, so both ends sort alike), instead of a test against
    every plane: on a bent leg tens of thousands of faces near the knee are "long", and K of
    them each made pairs of K x their number. The pairs come plane by plane, each plane's faces
    in the order of ``long_faces`` (the order the all-planes test gave).
    """
    porder = np.argsort(plane_lo, kind="stable")
    first = np.searchsorted(plane_hi[porder], face_lo[long_faces], side="left")
    stop = np.searchsorted(plane_lo[porder], face_hi[long_faces], side="right")
    pos, which = concat_ranges(first, stop)
    plane = porder[pos]
    by_plane = np.lexsort((which, plane))
    return plane[by_plane], long_faces[which[by_plane]]


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
    slack = 1e-9 * max(1.0, float(np.abs(vertex_heights).max(initial=0.0)))
    m = len(faces)
    first, last = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
    for rows in row_blocks(m):
        h0, h1, h2 = (vertex_heights[faces[rows, k]] for k in range(3))
        lo = np.minimum(np.minimum(h0, h1), h2)
        hi = np.maximum(np.maximum(h0, h1), h2)
        # first grid line at or above lo, last at or below hi
        first[rows] = np.ceil((lo - slack) / step)
        last[rows] = np.floor((hi + slack) / step)
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


def _stable_order(vertex_heights: np.ndarray, faces: np.ndarray, which: np.ndarray):
    """The faces ``which`` (ascending) sorted by their lowest corner's height, ties by index.

    The same order as ``which[np.argsort(lo[which], kind="stable")]``, twice as fast on
    millions of faces: the vertices' heights are sorted once (half as many as the faces, and
    a plain sort), each face's lowest height is replaced by its rank among the distinct
    heights (the smallest of its corners' ranks), and one integer sort of rank and face index
    packed in an int64 gives the order.
    """
    rank = dense_rank(vertex_heights)  # equal heights: equal ranks
    sub = faces[which]
    low = np.minimum(np.minimum(rank[sub[:, 0]], rank[sub[:, 1]]), rank[sub[:, 2]])
    bits = max(int(len(faces)).bit_length(), 1)
    key = (low << bits) | which  # rank < n_vertices, index < 2^bits: 63 bits below 2^31 each
    key.sort()
    key &= (1 << bits) - 1
    return key


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
        order = _stable_order(vertex_heights, faces, np.flatnonzero(short))
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
    per_plane = int(np.bincount(plane, minlength=1).max()) if len(plane) else 1
    chain, rank, cyclic = rank_chains(nxt, max_length=per_plane)
    s_uv, e_uv, perim, area2, cx, cy, hits = _loop_moments(
        plane, start, end, origins, us, vs, chain
    )

    # group segments by plane, then by chain, in walking order
    order = np.lexsort((rank * -1, chain, plane))
    # rank = distance to tail; walking order is decreasing distance
    seg_plane = plane[order]
    planes = Planes(heights, origins, normals, us, vs)
    chains = Chains(chain, cyclic, s_uv, e_uv, perim, area2, cx, cy, hits)
    if summary:
        return summarize(planes, order, seg_plane, chains)
    bounds = np.searchsorted(seg_plane, np.arange(n_planes + 1))
    packed = [
        pack_section(k, planes, order[bounds[k] : bounds[k + 1]], chains, ends, len(vertices))
        for k in range(n_planes)
    ]
    return _with_hulls(packed)


#: by a face's side pattern (bit k: corner k on or above the plane; 0 and 7 do not cross):
#: the corner alone on its side, the two after it in the face's order, and whether the lone
#: corner is the one above
_LONELY = np.array([0, 0, 1, 2, 2, 1, 0, 0])
_AFTER_LONELY = np.array([1, 1, 2, 0, 0, 2, 1, 1])
_SECOND_AFTER = np.array([2, 2, 0, 1, 1, 0, 2, 2])
_LONELY_ABOVE = np.array([False, True, True, False, True, False, False, False])


def _crossing_segments(vertices, faces, plane, face, origins, normals):
    """The segment each (plane, face) pair cuts, oriented along the loop.

    Returns the segments' plane, start and end points, the mesh-edge keys of both ends, and
    ``ends`` (key and edge parameter of each end, for per-vertex fields along the loops).
    """
    tri = faces[face]  # (P, 3)
    d = np.einsum("pij,pj->pi", vertices[tri] - origins[plane][:, None, :], normals[plane])
    code = np.packbits(d >= 0.0, axis=1, bitorder="little")[:, 0]  # side pattern, 0..7
    crossing = (code != 0) & (code != 7)
    if not crossing.all():
        keep = np.flatnonzero(crossing)
        plane, tri, d, code = plane[keep], tri[keep], d[keep], code[keep]
    lonely_above = _LONELY_ABOVE[code]
    # the lone corner a and the two after it, b and c, as flat indices into (P, 3) rows
    row = 3 * np.arange(len(tri))
    ia, ib, ic = row + _LONELY[code], row + _AFTER_LONELY[code], row + _SECOND_AFTER[code]
    tri, d = tri.reshape(-1), d.reshape(-1)
    a, b, c = tri[ia], tri[ib], tri[ic]
    da, db, dc = d[ia], d[ib], d[ic]
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
    i2, j2 = np.minimum(i, j), np.maximum(i, j)
    di2, dj2 = np.where(swap, dj, di), np.where(swap, di, dj)
    denom = di2 - dj2
    t = np.divide(di2, denom, out=np.zeros_like(di2), where=denom != 0)
    vi = vertices[i2]
    p = vertices[j2]
    p -= vi
    p *= t[:, None]
    p += vi  # vi + t (vj - vi), in place
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
