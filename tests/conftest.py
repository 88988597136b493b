"""Shared fixtures: the four sample legs in meshes/, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

MESH_DIR = Path(__file__).parents[1] / "meshes"
SHARED_LEGS = ("anny_f_avg", "anny_f_heavy", "anny_m_athletic", "anny_m_elder")


@pytest.fixture(scope="session")
def mesh_dir() -> Path:
    """The repository's meshes/ folder."""
    return MESH_DIR


@pytest.fixture(scope="session")
def shared_leg_paths() -> dict[str, Path]:
    """Paths of the four shared sample legs (PLY, metres)."""
    return {name: MESH_DIR / f"{name}.ply" for name in SHARED_LEGS}


@pytest.fixture(scope="session")
def shared_legs(shared_leg_paths):
    """The four shared sample legs as Leg objects, loaded once."""
    import stockingsim as ss

    return {name: ss.load_leg(path) for name, path in shared_leg_paths.items()}


@pytest.fixture(scope="session")
def leg_f_avg(shared_legs):
    """The average female sample leg (also the bundled one)."""
    return shared_legs["anny_f_avg"]


@pytest.fixture(params=SHARED_LEGS)
def any_shared_leg(request, shared_legs):
    """Each of the four shared legs in turn."""
    return shared_legs[request.param]
