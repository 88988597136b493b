"""One design evaluation from a set of choices: the logic behind the widget and the web app.

Both front ends hold a :class:`Choices` and call :func:`evaluate`; they draw what it returns. The
numbers come from the same functions as the API (:func:`stockingsim.design_stocking`,
:func:`stockingsim.simulate`, :func:`stockingsim.check_gradient`).
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from stockingsim import errors, standards

BLEND = "blend (from_blend)"
GIVEN = "given fabric"
STYLES = ("AD", "AG")
#: Defaults of the blend controls: a covered-elastane inlay jersey (the parameters of
#: :meth:`stockingsim.Fabric.from_blend`; illustrative).
BLEND_DEFAULTS = {"elastane": 0.22, "inlay_dtex": 280.0, "courses_per_cm": 20.0}


@dataclass(frozen=True)
class Choices:
    """What the user chose: knit, class, standard, style and optional relaxed girths.

    Attributes
    ----------
    preset : str
        A preset of :func:`stockingsim.fabric_library`, or :data:`BLEND` to use the blend.
    elastane, inlay_dtex, courses_per_cm : float
        Blend parameters (used when ``preset`` is :data:`BLEND`); the rest is polyamide.
    standard, cls : str
        Target class ``standard:cls``.
    style : str
    relaxed_cm : mapping of str to float
        Relaxed circumference (cm) per landmark: when given, that stocking is simulated
        instead of the one designed for the target.
    method : str
    """

    preset: str = "circular class II"
    elastane: float = BLEND_DEFAULTS["elastane"]
    inlay_dtex: float = BLEND_DEFAULTS["inlay_dtex"]
    courses_per_cm: float = BLEND_DEFAULTS["courses_per_cm"]
    standard: str = "RAL-GZ 387/1"
    cls: str = "II"
    style: str = "AD"
    relaxed_cm: Mapping[str, float] = field(default_factory=dict)
    method: str = "laplace"

    @property
    def target(self) -> str:
        """The design target ``"STANDARD:CLASS"``."""
        return f"{self.standard}:{self.cls}"

    def with_(self, **changes: Any) -> Choices:
        """A copy with some choices changed."""
        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Outcome:
    """What the front ends show for one :class:`Choices`.

    Attributes
    ----------
    fabric, stocking, result
    spec : DesignSpec or None
        The spec sheet when the stocking was designed for the target.
    pressure_b_mmhg : float
    class_at_b : str or None
    gradient : pandas.DataFrame
    gradient_ok : bool
    error : str
        Why nothing could be computed (an unreachable target, say); the rest is then None.
    """

    fabric: Any = None
    stocking: Any = None
    result: Any = None
    spec: Any = None
    pressure_b_mmhg: float = float("nan")
    class_at_b: str | None = None
    gradient: pd.DataFrame | None = None
    gradient_ok: bool = False
    error: str = ""

    @property
    def verdict(self) -> str:
        """One line: pressure at B, class, gradient."""
        if self.error:
            return self.error
        cls = self.class_at_b or "no class"
        grad = "passed" if self.gradient_ok else "FAILED"
        return f"B: {self.pressure_b_mmhg:.1f} mmHg, class {cls}; gradient {grad}"

    def spec_table(self) -> pd.DataFrame:
        """The spec sheet per landmark (designed) or the relaxed/strain/pressure table (given)."""
        if self.spec is not None:
            return self.spec.landmarks.round(2)
        if self.result is None:
            return pd.DataFrame()
        prof = self.result.profile
        return prof.loc[self.gradient.index].round(3) if self.gradient is not None else prof


def fabric_of(choices: Choices, given: Any = None) -> Any:
    """The Fabric of the choices (a preset, ``Fabric.from_blend``, or the ``given`` Fabric)."""
    from stockingsim.fabric import Fabric

    if choices.preset == GIVEN:
        if given is None:
            raise errors.FabricError("the 'given fabric' choice needs a Fabric object")
        return given
    if choices.preset == BLEND:
        e = float(choices.elastane)
        return Fabric.from_blend(
            elastane=e,
            polyamide=1.0 - e,
            inlay_dtex=float(choices.inlay_dtex),
            courses_per_cm=float(choices.courses_per_cm),
            name=f"blend EL {100 * e:.0f} %",
        )
    from stockingsim.fabric._library import preset_named

    return preset_named(choices.preset, "app")


def evaluate(leg: Any, choices: Choices, fabric: Any = None) -> Outcome:
    """Design (or take the given relaxed girths), simulate, classify and check the gradient.

    ``fabric`` is the Fabric used when ``choices.preset`` is :data:`GIVEN`.
    """
    from stockingsim.design import design_stocking
    from stockingsim.solvers import simulate
    from stockingsim.stocking import Stocking

    try:
        fabric = fabric_of(choices, fabric)
        spec = None
        given = {k: float(v) / 100 for k, v in choices.relaxed_cm.items() if v and v > 0}
        if given:
            stocking = Stocking(fabric, given, style=choices.style, name="given relaxed girths")
        else:
            stocking, spec = design_stocking(leg, fabric, choices.target, style=choices.style)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.StockingSimWarning)
            result = simulate(leg, stocking, method=choices.method)
        grad = standards.check_gradient(result, choices.standard)
    except errors.StockingSimError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}")
    return Outcome(
        fabric=fabric,
        stocking=stocking,
        result=result,
        spec=spec,
        pressure_b_mmhg=float(result.profile.loc["B", "pressure_mmhg"]),
        class_at_b=result.classify(choices.standard),
        gradient=grad,
        gradient_ok=bool(grad.attrs["passed"]),
    )


def profile_png(outcome: Outcome, choices: Choices, dpi: int = 80) -> bytes:
    """The profile plot (pressure vs height with the class bands) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from stockingsim.viz import plot_profile

    if outcome.result is None:
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.text(0.5, 0.5, outcome.error[:80], ha="center", wrap=True)
        ax.axis("off")
    else:
        fig = plot_profile(outcome.result, standard=choices.standard, target=choices.target)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def map_png(outcome: Outcome, size: tuple[int, int] = (560, 640), view: str = "front") -> bytes:
    """The 3D pressure map (pyvista, off screen) as PNG bytes; empty without a result."""
    if outcome.result is None:
        return b""
    import tempfile
    from pathlib import Path

    from stockingsim.viz import plot_pressure_map

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.png"
        plot_pressure_map(
            outcome.result, filename=path, off_screen=True, window_size=size, view=view
        )
        return path.read_bytes()


def data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI for HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def class_choices(standard: str) -> tuple[str, ...]:
    """The class names of a standard."""
    return standards.class_names(standard)


def relaxed_from_outcome(outcome: Outcome) -> dict[str, float]:
    """The relaxed circumference (cm) per landmark of the outcome's stocking."""
    if outcome.result is None:
        return {}
    prof = outcome.result.profile
    names = [lm for lm in outcome.gradient.index]
    h = prof.loc[names, "height_m"].to_numpy(float)
    c0 = np.asarray(outcome.stocking.relaxed_circumference_at(outcome.result.leg, h), float)
    return {lm: round(100 * float(v), 2) for lm, v in zip(names, c0)}
