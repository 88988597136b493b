"""The contact solver core on pure arrays: radial maps, the tube solve, continuation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stockingsim as ss
from stockingsim.solvers._contact import radial_map, single_thread_blas, solve_tube
from stockingsim.solvers._setup import theta_grid


def _ellipse_map(a, b, n=256):
    t = theta_grid(n)
    return a * b / np.sqrt((b * np.cos(t)) ** 2 + (a * np.sin(t)) ** 2)


def test_radial_map_of_a_polygon_is_exact_on_a_circle_and_ellipse():
    t = np.linspace(0, 2 * math.pi, 2000, endpoint=False)
    a, b = 0.05, 0.035
    poly = np.column_stack([a * np.cos(t), b * np.sin(t)])
    th = theta_grid(90)
    assert radial_map(poly, th) == pytest.approx(_ellipse_map(a, b, 90), rel=1e-5)


def _ring(n_theta=64, k=1e8, tissue_ratio=1.0):
    """A short elliptic tube, 3 rings: the 2D ring of docs/methods.md (contact)."""
    from scipy.special import ellipe

    a, b = 0.05, 0.035
    rmap = np.tile(_ellipse_map(a, b), (5, 1))
    heights = np.linspace(0.0, 0.04, 5)
    rings = np.linspace(0.0, 0.04, 3)
    c = 4 * a * ellipe(1 - (b / a) ** 2)
    out = solve_tube(
        rmap,
        heights,
        np.full(rmap.shape, k),
        rings,
        np.full(3, c / 1.4),
        ss.Fabric.linear(250.0),
        0.0,
        n_theta=n_theta,
    )
    return out, a, b


def test_ellipse_ring_reaches_t_kappa_at_both_axes():
    out, a, b = _ring()
    p = out["pressure_pa"][1]
    t = out["hoop_tension"][1].mean()
    assert abs(t - 100.0) < 1.0  # the hoop tension evens out to T(0.4) (1 %)
    assert p.max() == pytest.approx(t * a / b**2, rel=0.01)
    assert p.min() == pytest.approx(t * b / a**2, rel=0.01)
    assert out["residual"] < 0.03
    assert out["steps"][-1] == 1.0 and len(out["steps"]) >= 2  # continuation in k


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {(i["filepath"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"}


def test_single_thread_blas_sets_one_thread_and_restores_the_count():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_limits

    np.ones(4) @ np.ones(4)  # numpy's BLAS is loaded
    # start from 2 threads so that "restored" and "one thread" differ even on a 1-core runner
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        if not before or all(n == 1 for _, n in before):
            pytest.skip("no BLAS whose thread count can be set (threadpoolctl sees none)")
        with single_thread_blas():
            inside = _blas_threads()
            x = np.ones(10) @ np.ones(10)
        after = _blas_threads()
    assert all(n == 1 for _, n in inside), inside
    assert after == before
    assert x == 10.0


@pytest.mark.parametrize("max_iter", [3, 7, 9, 25])
def test_convergence_warning_states_usability_from_the_residual(max_iter):
    """Silent up to tol; 'usable' up to 3 tol; 'NOT usable' up to 10 tol; error beyond."""
    import warnings

    from scipy.special import ellipe

    from stockingsim import errors

    a, b, tol = 0.05, 0.035, 3e-2
    rmap = np.tile(_ellipse_map(a, b), (5, 1))
    c = 4 * a * ellipe(1 - (b / a) ** 2)
    args = (rmap, np.linspace(0, 0.04, 5), np.full(rmap.shape, 1e8), np.linspace(0, 0.04, 3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = solve_tube(
                *args, np.full(3, c / 1.4), ss.Fabric.linear(250.0), 0.0, n_theta=64,
                max_iter=max_iter, tol=tol,
            )  # fmt: skip
        except errors.ConvergenceError as exc:
            assert "residual" in str(exc)
            return
    res = out["residual"]
    msgs = [str(w.message) for w in caught if issubclass(w.category, errors.ConvergenceWarning)]
    if res <= tol:
        assert not msgs
    elif res <= 3 * tol:
        assert len(msgs) == 1 and "usable" in msgs[0] and "NOT usable" not in msgs[0]
    else:
        assert len(msgs) == 1 and "NOT usable" in msgs[0]


def test_stall_watch_stops_only_below_the_tolerance_and_keeps_the_best_iterate():
    """With friction a node on a crease of the bilinear map keeps an out-of-balance force no
    step removes: the minimization stops once the best residual is below tol and has not
    improved by 2 % for 100 iterations, and returns that best iterate."""
    from types import SimpleNamespace

    from stockingsim.solvers._tube import STALL_ITERS, _StallWatch

    watch = _StallWatch(tube=None, tol=0.03)

    def step(gmax, x):
        watch.last_gmax = gmax
        watch.callback(SimpleNamespace(x=np.array([x])))

    step(0.5, 0.0)
    step(0.025, 1.0)  # the best, below tol
    for i in range(STALL_ITERS - 1):
        step(0.04 if i % 2 else 0.0249, 2.0)  # circling: no 2 % gain
    with pytest.raises(StopIteration):
        step(0.04, 3.0)
    assert watch.best == 0.025 and watch.best_x[0] == 1.0
    # above the tolerance it never stops, however long it stalls
    high = _StallWatch(tube=None, tol=0.01)
    for _ in range(3 * STALL_ITERS):
        high.last_gmax = 0.02
        high.callback(SimpleNamespace(x=np.zeros(1)))
    assert high.best == 0.02
