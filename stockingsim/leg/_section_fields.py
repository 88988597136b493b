"""The numbers of each cross-section from its chained cut segments.

:func:`slice_mesh` cuts and chains the segments of every plane at once; this module turns them
into the fields of each :class:`~stockingsim.leg._sections.Section` (:func:`pack_section`, one
plane at a time) or into arrays of the main loop's numbers for all planes (:func:`summarize`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from stockingsim.leg._loops import concat_ranges, convex_hull_2d, loop_hulls


class Planes(NamedTuple):
    """The K cutting planes: height label, a point, the unit normal and the in-plane axes."""

    heights: np.ndarray
    origins: np.ndarray
    normals: np.ndarray
    us: np.ndarray
    vs: np.ndarray


class Chains(NamedTuple):
    """The cut segments chained into loops (one row per segment, per chain id for moments).

    ``chain`` and ``cyclic`` per segment; ``s_uv``, ``e_uv`` the in-plane segment ends;
    ``perim``, ``area2`` (twice the signed area), ``cx``, ``cy`` (area moments) and ``hits``
    (crossings of a ray from the plane origin along +u) per chain id.
    """

    chain: np.ndarray
    cyclic: np.ndarray
    s_uv: np.ndarray
    e_uv: np.ndarray
    perim: np.ndarray
    area2: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    hits: np.ndarray


def summarize(planes: Planes, order: np.ndarray, seg_plane: np.ndarray, ch: Chains) -> dict:
    """Per plane, the numbers of the main loop, as arrays.

    ``has_points``, and of the main loop ``perimeter_m``, ``area_m2``, ``centroid`` (K, 3),
    ``hull_perimeter_m`` and ``closed``; the same numbers as the :class:`Section` objects of
    :func:`slice_mesh` (0 and the origin for an empty plane). ``order`` is the walking order
    of the segments (grouped by plane, then chain) and ``seg_plane`` their planes in it.
    """
    n_planes, origins, us, vs = len(planes.heights), planes.origins, planes.us, planes.vs
    chain, cyclic, s_uv, e_uv, perim, area2, cx, cy, hits = ch
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
    idx, owner = concat_ranges(lo, hi)
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


def _empty_section(k: int, planes: Planes) -> dict:
    """The fields of an empty section (the plane misses the mesh)."""
    heights, origins, normals, us, vs = planes
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


def pack_section(k: int, planes: Planes, segs: np.ndarray, ch: Chains, ends, n_vertices: int):
    """The fields of plane ``k``'s :class:`Section`, without its hull (computed for all at once).

    ``segs`` are the plane's segments in walking order; ``ends`` the mesh-edge key and edge
    parameter of each segment end (from the crossing step).
    """
    if len(segs) == 0:
        return _empty_section(k, planes)
    heights, origins, normals, us, vs = planes
    chain, cyclic, s_uv, e_uv, perim, area2, cx, cy, hits = ch
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
