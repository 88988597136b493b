"""Central-difference checks of the contact tube's energy gradient (``solvers/_tube.py``)."""

from __future__ import annotations

import numpy as np
import pytest


def assert_energy_gradient(tube, x, rng, *, scale: float, rel: float) -> None:
    """The gradient of ``_tube.energy`` is its derivative along random r, theta, z directions.

    ``x`` is perturbed by ``scale`` (mm, the variables' unit); the end rings keep their
    heights, whose gradient the solver zeroes, so the directions leave them out.
    """
    from stockingsim.solvers import _tube

    nn, n = tube.r0.size, tube.r0.shape[1]
    x = x + rng.normal(scale=scale, size=x.size)
    x[2 * nn : 2 * nn + n] = tube.z0[0] / tube.scale
    x[3 * nn - n :] = tube.z0[-1] / tube.scale
    _, g = _tube.energy(tube, x)
    free = np.ones(x.size, bool)
    free[2 * nn : 2 * nn + n] = free[3 * nn - n :] = False
    for part in range(3):  # r, theta, z
        d = np.zeros(x.size)
        d[part * nn : (part + 1) * nn] = rng.normal(size=nn)
        d *= free
        d /= np.linalg.norm(d)
        h = 1e-6
        fd = (_tube.energy(tube, x + h * d)[0] - _tube.energy(tube, x - h * d)[0]) / (2 * h)
        assert g @ d == pytest.approx(fd, rel=rel), part
