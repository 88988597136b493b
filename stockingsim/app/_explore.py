"""``explore``: an ipywidgets panel that re-designs and re-simulates as the controls move."""

from __future__ import annotations

import html
from typing import Any

from stockingsim import errors
from stockingsim.app._session import (
    BLEND,
    GIVEN,
    STYLES,
    Choices,
    Outcome,
    class_choices,
    data_uri,
    evaluate,
    map_png,
    profile_png,
)

_RELAXED_POINTS = ("B", "B1", "C", "D", "E", "F", "G")


def _widgets():
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover - ipywidgets is in the extras
        raise errors.missing_dependency("explore()", "ipywidgets", "interactive") from exc
    return ipywidgets


class Explorer:
    """The interactive design panel returned by :func:`explore`.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        ``preset``, ``elastane``, ``inlay_dtex``, ``courses_per_cm``, ``standard``, ``cls``,
        ``style``, ``method`` and ``relaxed_<landmark>`` (0 = designed for the target).
    outcome : Outcome
        The latest evaluation (pressure, class, gradient, spec sheet).
    verdict, spec, profile, map : ipywidgets.Widget
        The output widgets.
    panel : ipywidgets.Widget
        Everything laid out; displaying the Explorer displays it.
    """

    def __init__(self, leg: Any, fabric_or_preset: Any = "circular class II", map3d: str = "auto"):
        from stockingsim.fabric import fabric_library
        from stockingsim.standards import STANDARDS

        w = _widgets()
        self.leg = leg
        presets = list(fabric_library())
        preset = fabric_or_preset if isinstance(fabric_or_preset, str) else GIVEN
        if preset not in (BLEND, GIVEN) and preset not in presets:  # its case, a near miss
            from stockingsim.fabric._library import preset_named

            preset = preset_named(preset, "explore").name
        self._custom = None if isinstance(fabric_or_preset, str) else fabric_or_preset
        if self._custom is not None:
            from stockingsim._checks import as_fabric

            as_fabric(self._custom, "explore()")
            presets.append(GIVEN)
        self.map3d = self._map_mode(map3d)
        c = Choices(preset=preset)
        self.controls: dict[str, Any] = {
            "preset": w.Dropdown(options=[*presets, BLEND], value=c.preset, description="knit"),
            "elastane": w.FloatSlider(
                value=c.elastane, min=0.08, max=0.4, step=0.01, description="elastane"
            ),
            "inlay_dtex": w.FloatSlider(
                value=c.inlay_dtex, min=100, max=600, step=10, description="inlay dtex"
            ),
            "courses_per_cm": w.FloatSlider(
                value=c.courses_per_cm, min=12, max=30, step=0.5, description="courses/cm"
            ),
            "standard": w.Dropdown(
                options=list(STANDARDS), value=c.standard, description="standard"
            ),
            "cls": w.Dropdown(
                options=list(class_choices(c.standard)), value=c.cls, description="class"
            ),
            "style": w.Dropdown(options=list(STYLES), value=c.style, description="style"),
            "method": w.Dropdown(
                options=["laplace", "membrane", "bridging"], value=c.method, description="method"
            ),
        }
        for lm in _RELAXED_POINTS:
            self.controls[f"relaxed_{lm}"] = w.BoundedFloatText(
                value=0.0, min=0.0, max=100.0, step=0.1, description=f"relaxed {lm} cm"
            )
        self.verdict = w.HTML()
        self.spec = w.HTML()
        self.profile = w.Image(format="png")
        self.map = w.Image(format="png") if self.map3d == "static" else w.Output()
        self.outcome = Outcome()
        self.n_updates = 0
        for ctl in self.controls.values():
            ctl.observe(self._on_change, names="value")
        self.panel = self._layout(w)
        self.update()

    @staticmethod
    def _map_mode(map3d: str) -> str:
        if map3d not in ("auto", "static", "trame", "none"):
            raise errors.PlotError("map3d must be 'auto', 'static', 'trame' or 'none'")
        if map3d != "auto":
            return map3d
        try:
            from IPython import get_ipython

            in_kernel = get_ipython() is not None and hasattr(get_ipython(), "kernel")
            import trame  # noqa: F401
        except ImportError:
            in_kernel = False
        return "trame" if in_kernel else "static"

    def _layout(self, w):
        c = self.controls
        knit = w.VBox([c["preset"], c["elastane"], c["inlay_dtex"], c["courses_per_cm"]])
        target = w.VBox([c["standard"], c["cls"], c["style"], c["method"]])
        relaxed = w.VBox([c[f"relaxed_{lm}"] for lm in _RELAXED_POINTS])
        tabs = w.Tab(children=[knit, target, relaxed])
        for i, title in enumerate(("knit", "target", "relaxed girths")):
            tabs.set_title(i, title)
        return w.VBox([w.HBox([tabs, self.verdict]), w.HBox([self.profile, self.map]), self.spec])

    def choices(self) -> Choices:
        """The :class:`Choices` the controls show now."""
        c = {k: v.value for k, v in self.controls.items()}
        relaxed = {lm: c.pop(f"relaxed_{lm}") for lm in _RELAXED_POINTS}
        return Choices(relaxed_cm={k: v for k, v in relaxed.items() if v > 0}, **c)

    def _on_change(self, change) -> None:
        owner = change["owner"]
        if owner is self.controls["standard"]:
            classes = list(class_choices(change["new"]))
            cls = self.controls["cls"]
            keep = cls.value if cls.value in classes else classes[min(1, len(classes) - 1)]
            cls.unobserve(self._on_change, names="value")
            try:
                cls.options = classes
                cls.value = keep
            finally:
                cls.observe(self._on_change, names="value")
        self.update()

    def update(self) -> Outcome:
        """Evaluate the current choices and redraw the outputs."""
        choices = self.choices()
        outcome = evaluate(self.leg, choices, self._custom)
        self.outcome = outcome
        self.n_updates += 1
        colour = (
            "#1a7f37" if outcome.gradient_ok and outcome.class_at_b == choices.cls else "#b42318"
        )
        self.verdict.value = (
            f"<div style='font-size:1.2em;color:{colour};padding:1em'>"
            f"<b>{html.escape(choices.target)}</b> ({choices.style})<br>"
            f"{html.escape(outcome.verdict)}</div>"
        )
        self.spec.value = outcome.spec_table().to_html(float_format=lambda v: f"{v:.2f}")
        self.profile.value = profile_png(outcome, choices)
        if self.map3d == "static":
            self.map.value = map_png(outcome)
        elif self.map3d == "trame" and outcome.result is not None:  # pragma: no cover - kernel
            from stockingsim.viz import map_plotter

            self.map.clear_output()
            with self.map:
                map_plotter(outcome.result).show(jupyter_backend="trame")
        return outcome

    def _ipython_display_(self) -> None:  # pragma: no cover - notebooks
        from IPython.display import display

        display(self.panel)

    def _repr_html_(self) -> str:
        return (
            f"<p>{html.escape(self.outcome.verdict)}</p><img src='{data_uri(self.profile.value)}'>"
        )


def explore(leg: Any, fabric_or_preset: Any = "circular class II", map3d: str = "auto") -> Explorer:
    """An interactive design panel (ipywidgets) for a leg.

    Controls: the knit preset or the blend parameters of :meth:`stockingsim.Fabric.from_blend`,
    the target class and standard, the style, the pressure method and, optionally, the relaxed
    girth per landmark (then that stocking is simulated instead of the designed one). Every
    change re-designs with :func:`stockingsim.design_stocking`, re-simulates, and redraws the
    profile, the class and gradient verdict, the spec sheet and the 3D map.

    Parameters
    ----------
    leg : Leg
    fabric_or_preset : str or Fabric
        A preset name of :func:`stockingsim.fabric_library` to start from, or a Fabric (then
        listed as "given fabric" beside the presets and the blend).
    map3d : {"auto", "static", "trame", "none"}
        The 3D map: interactive through trame inside a Jupyter kernel (``auto`` there), a
        static off-screen image otherwise, or none.

    Returns
    -------
    Explorer
        Display it in a notebook; ``explorer.controls`` and ``explorer.outcome`` for scripts.
    """
    from stockingsim._checks import require_leg

    require_leg(leg, "explore()", errors.DesignError)
    return Explorer(leg, fabric_or_preset, map3d=map3d)
