"""Loops of a cross-section: chaining cut segments by list ranking, and their convex hulls.

The cut segments of every plane are chained into loops with pointer doubling (no Python loop
over segments); the convex hulls of all closed loops come from one vectorized quickhull along
the loops (:func:`loop_hulls`), with qhull for the few loops it cannot take.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

__all__ = ["convex_hull_2d", "loop_hulls", "unique_inverse", "dense_rank"]


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
    """Convex hulls of many simple polygons at once, vectorized over all of them.

    A polygon that is star-shaped about the mean of its points (every edge turns the same
    way around it, once round) has as its hull what is left when its reflex and straight
    vertices are dropped, all at once, until none is left: the rest stays star-shaped about
    the same point, so a dropped vertex is never a hull vertex (Graham's scan, with the loop
    order as the angular order). A few cheap passes over all such polygons together; the
    cross-sections of a leg are nearly all of this kind.

    Any other polygon goes through quickhull along the polygon: the vertices of the convex
    hull of a simple polygon come along the polygon in the same cyclic order as along the
    hull, so each hull edge only has to look at the polygon points between its two ends.
    Starting from the extreme points in u and v, every hull edge is split at the point
    farthest outside it, and points inside are dropped, until no point is left. A polygon
    whose result is not convex (it was not simple) is redone with :func:`convex_hull_2d`.

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
    tol = 1e-12 * max(float(np.abs(points).max()) if n else 0.0, 1e-300)
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    star = ~small & _star_shaped(x, y, counts, loop)
    is_hull = small[loop] | _star_hull_mask(x, y, loop, star, tol)
    # a star-shaped polygon keeps at least its three extreme points; else (degenerate) redo
    star &= np.bincount(loop[is_hull], minlength=k) >= 3
    rest = ~small & ~star
    is_hull &= ~rest[loop]
    if rest.any():
        is_hull |= _quickhull_mask(x, y, offsets, counts, loop, rest, tol)

    hull_idx = np.flatnonzero(is_hull)
    hloop = loop[hull_idx]
    hpts = points[hull_idx]
    bounds = np.searchsorted(hloop, np.arange(k + 1))
    nxt = _cyclic_neighbours(hloop)[1]  # next hull vertex of the same polygon, cyclically
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


def _cyclic_neighbours(lid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Previous and next position of each element within its run of equal ``lid``, cyclic."""
    m = len(lid)
    if not m:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.ones(m, dtype=bool)
    np.not_equal(lid[1:], lid[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    lasts = np.append(starts[1:], m) - 1
    prev = np.arange(-1, m - 1)
    prev[starts] = lasts
    nxt = np.arange(1, m + 1)
    nxt[lasts] = starts
    return prev, nxt


def _star_shaped(x: np.ndarray, y: np.ndarray, counts: np.ndarray, loop: np.ndarray) -> np.ndarray:
    """Per polygon: every edge turns counter-clockwise about the mean point, once round."""
    k = len(counts)
    if not len(x):
        return np.zeros(k, dtype=bool)
    size = np.maximum(counts, 1)
    cx = (np.bincount(loop, x, minlength=k) / size)[loop]
    cy = (np.bincount(loop, y, minlength=k) / size)[loop]
    _, nxt = _cyclic_neighbours(loop)
    px, py = x - cx, y - cy
    qx, qy = px[nxt], py[nxt]
    cross = px * qy - py * qx
    sweep = np.bincount(loop, np.arctan2(cross, px * qx + py * qy), minlength=k)
    backwards = np.bincount(loop, ~(cross > 0), minlength=k) > 0
    return ~backwards & (np.abs(sweep - 2 * np.pi) < 1e-6)


def _star_hull_mask(x, y, loop, star, tol) -> np.ndarray:
    """Hull vertices of the star-shaped polygons ``star``: drop reflex vertices until none."""
    mask = np.zeros(len(x), dtype=bool)
    alive = np.flatnonzero(star[loop])
    while len(alive):
        lid = loop[alive]
        prev, nxt = _cyclic_neighbours(lid)
        xa, ya = x[alive], y[alive]
        ax, ay = xa[prev], ya[prev]
        abx, aby = xa[nxt] - ax, ya[nxt] - ay
        length = np.hypot(abx, aby)
        # distance outside the chord prev -> next (to its right: counter-clockwise polygons)
        dist = (aby * (xa - ax) - abx * (ya - ay)) / np.where(length > 0, length, 1.0)
        keep = dist > tol
        # a polygon that dropped nothing is done: the next passes look at the others only
        changed = np.bincount(lid[~keep], minlength=len(star)) > 0
        done = ~changed[lid]
        mask[alive[done]] = True
        alive = alive[keep & ~done]
    return mask


def _quickhull_mask(x, y, offsets, counts, loop, which, tol) -> np.ndarray:
    """Hull vertices of the polygons ``which`` by quickhull along each polygon (see above)."""
    k = len(counts)
    is_hull = np.zeros(len(x), dtype=bool)
    big = np.flatnonzero(which)
    # seeds: the first point with the least and the greatest u and v
    starts = offsets[big]
    member = which[loop]
    index = np.flatnonzero(member)
    local = np.cumsum(counts[big]) - counts[big]
    for key in (x, -x, y, -y):
        least = np.minimum.reduceat(key[member], local)
        hit = index[key[member] == np.repeat(least, counts[big])]
        first = np.searchsorted(hit, starts)
        is_hull[hit[first]] = True
    alive = index
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
    return is_hull


def _sorted_groups(keys: np.ndarray, kind: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order that sorts ``keys``, where a new key starts in it, and each sorted key's group."""
    order = np.argsort(keys, kind=kind)
    sk = keys[order]
    new = np.empty(len(sk), dtype=bool)
    if len(sk):
        new[0] = True
        np.not_equal(sk[1:], sk[:-1], out=new[1:])
    return order, new, np.cumsum(new) - 1


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
    order, new, group_sorted = _sorted_groups(keys, "stable")
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group_sorted
    return order[new], inverse


def dense_rank(keys: np.ndarray) -> np.ndarray:
    """The rank of each key among the distinct keys, 0..U-1 (equal keys, equal ranks).

    The ``inverse`` of :func:`unique_inverse` without the first occurrences, so a plain sort.
    """
    order, _new, group_sorted = _sorted_groups(keys, None)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = group_sorted
    return rank


def concat_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``lo[k] .. hi[k]-1`` for every k, concatenated, and the k of each index."""
    counts = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), counts)
    starts = np.cumsum(counts) - counts
    idx = np.arange(counts.sum()) - np.repeat(starts, counts) + np.repeat(lo, counts)
    return idx, owner


def rank_chains(
    nxt: np.ndarray, max_length: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order segments into chains and cycles.

    Parameters
    ----------
    nxt : ndarray of shape (S,)
        Successor of each segment (-1 when none). Cycles are allowed.
    max_length : int, optional
        An upper bound on the number of segments in any chain or cycle (the most segments of
        one plane, for the cuts of a mesh): the pointer doubling then stops after
        ``log2(max_length)`` rounds instead of ``log2(S)``. Default ``S``.

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
    # rounds of doubling that see every element's whole chain or cycle: 2**rounds >= its length
    bound = n if max_length is None else min(n, int(max_length))
    rounds = int(np.ceil(np.log2(max(bound, 2))))
    # 1. find the elements that reach a chain end: doubling until nothing moves
    jump = nxt.copy()
    for _ in range(rounds + 2):
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
        for _ in range(rounds + 1):
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
