"""The local web app (trame).

A leg (bundled, uploaded or from measurements), a knit and a class -> the 3D pressure map, the profile, the verdict, and the spec sheet and report to download.

trame is used (not Panel) because it is Python-only state on top of Vue, it is what pyvista
uses for its own web views (so the VTK scene can later be served interactively with the same
stack), and it needs no extra server process. The app serves on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import html as _html
import tempfile
import warnings
from pathlib import Path
from typing import Any

from stockingsim import errors
from stockingsim.app._session import (
    BLEND,
    STYLES,
    Choices,
    class_choices,
    data_uri,
    evaluate,
    fabric_of,
    map_png,
    profile_png,
)

HOST = "127.0.0.1"
#: the units an uploaded mesh may be in ("auto" tells m, cm and mm apart by the size)
MESH_UNITS = ("auto", "m", "cm", "mm", "in")
_MEASURED = ("cB", "cB1", "cC", "cD", "lD")


def _csv_uri(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode("ascii")


def _html_uri(text: str) -> str:
    return "data:text/html;base64," + base64.b64encode(text.encode()).decode("ascii")


class WebApp:
    """The app's state and callbacks (independent of the trame layout, so it can be tested)."""

    def __init__(self, server: Any) -> None:
        from stockingsim.leg import bundled_leg

        self.server = server
        self.leg = bundled_leg("anny_f_avg")
        self.leg_label = "bundled leg anny_f_avg"
        s = server.state
        from stockingsim.fabric import fabric_library
        from stockingsim.standards import STANDARDS

        s.presets = [*fabric_library(), BLEND]
        s.standards = list(STANDARDS)
        s.styles = list(STYLES)
        s.preset, s.standard, s.cls, s.style = "circular class II", "RAL-GZ 387/1", "II", "AD"
        s.elastane = 0.22
        s.classes = list(class_choices(s.standard))
        for m in _MEASURED:
            s[m] = ""
        s.upload = None
        s.mesh_units, s.unit_choices = "auto", list(MESH_UNITS)
        s.notice = ""  # what loading the uploaded mesh warned (its units, stray parts)
        s.leg_label = self.leg_label
        s.pressure_b = ""
        s.verdict = s.error = ""
        s.profile_src = s.map_src = ""
        s.spec_html = ""
        s.spec_href = s.report_href = ""
        s.views = ["front", "side", "back"]
        s.view = "front"
        s.charts = ["none", "knee-high", "thigh-high"]
        s.chart = "none"
        s.fit_status = ""
        s.fit_href = ""
        s.n_updates = 0
        self.measurements: dict | None = None
        self.upload: Any = None  # the last uploaded file, read again when its units change

    # ------------------------------------------------------------------ callbacks
    def choices(self) -> Choices:
        s = self.server.state
        return Choices(
            preset=s.preset,
            elastane=float(s.elastane),
            standard=s.standard,
            cls=s.cls,
            style=s.style,
        )

    def on_standard(self, **_: Any) -> None:
        s = self.server.state
        classes = list(class_choices(s.standard))
        s.classes = classes
        if s.cls not in classes:
            s.cls = classes[min(1, len(classes) - 1)]

    def load_upload(self, upload: Any) -> None:
        """Load an uploaded mesh (a file dict from the browser) as the leg."""
        from stockingsim.leg import load_leg

        s = self.server.state
        if not upload:
            return
        self.upload = upload
        item = upload[0] if isinstance(upload, list) else upload
        name = Path(str(item.get("name", "leg.ply"))).name
        content = item.get("content", b"")
        if isinstance(content, list):
            content = b"".join(content)
        if isinstance(content, str):
            content = base64.b64decode(content.split(",", 1)[-1])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(content)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", errors.StockingSimWarning)
                    leg = load_leg(path, units=s.mesh_units)
                    leg.landmarks  # noqa: B018 - an ankle no leg has warns here (units)
            except errors.StockingSimError as exc:  # the leg stays; other units may read it
                s.error, s.notice = f"cannot use {name}: {exc}", ""
                return
        self.leg = leg
        s.notice = " ".join(
            str(w.message) for w in caught if issubclass(w.category, errors.StockingSimWarning)
        )
        self.leg_label = f"uploaded {name} ({leg.units})"
        self.measurements = None
        self.recompute()

    def on_units(self, **_: Any) -> None:
        """Read the last uploaded mesh again in the units chosen (it need not have loaded)."""
        if self.upload is not None:
            self.load_upload(self.upload)

    def use_measurements(self) -> None:
        """Build the leg from the measurement fields (cm)."""
        from stockingsim.fitting import leg_from_measurements
        from stockingsim.fitting._measure import check_measurements

        s = self.server.state
        given = {m: s[m] for m in _MEASURED if str(s[m]).strip()}
        try:
            values = {k: float(v) for k, v in given.items()}
            m = check_measurements(values, ("cB", "cC", "cD"))
            self.leg = leg_from_measurements(m, name="measured leg")
        except (ValueError, errors.StockingSimError) as exc:
            s.error = f"measurements: {exc}"
            return
        self.measurements = m
        self.leg_label = "leg from measurements " + ", ".join(f"{k}={v:g}" for k, v in m.items())
        s.notice, self.upload = "", None
        self.recompute()

    def use_bundled(self) -> None:
        from stockingsim.leg import bundled_leg

        self.leg = bundled_leg("anny_f_avg")
        self.leg_label = "bundled leg anny_f_avg"
        self.measurements = None
        self.server.state.notice, self.upload = "", None
        self.recompute()

    def recompute(self, **_: Any) -> None:
        """Evaluate the choices on the current leg and push every output to the browser."""
        s = self.server.state
        choices = self.choices()
        out = evaluate(self.leg, choices)
        s.leg_label = self.leg_label
        s.error = out.error
        s.n_updates += 1
        if out.result is None:
            s.pressure_b = s.verdict = ""
            return
        s.pressure_b = f"{out.pressure_b_mmhg:.1f}"
        s.verdict = out.verdict
        s.profile_src = data_uri(profile_png(out, choices))
        try:
            s.map_src = data_uri(map_png(out, view=s.view))
        except errors.StockingSimError as exc:  # no VTK rendering here: the profile remains
            s.map_src = ""
            s.error = f"3D map unavailable: {exc}"
        table = out.spec_table()
        s.spec_html = table.to_html(float_format=lambda v: f"{v:.2f}")
        s.spec_href = _csv_uri(table.to_csv())
        s.report_href = _html_uri(self.report_html(out, choices, table))
        self.refit()

    def refit(self, **_: Any) -> None:
        """Fit the leg (its measurements, or the scan) to the chosen size chart."""
        from stockingsim.fitting import fit_patient, fitting_report

        s = self.server.state
        s.fit_status = s.fit_href = ""
        if s.chart == "none":
            return
        try:
            # the product made of the knit chosen on the page
            fit = fit_patient(self.measurements or self.leg, s.chart, fabric_of(self.choices()))
        except errors.StockingSimError as exc:
            s.fit_status = f"{type(exc).__name__}: {exc}"
            return
        size = "" if fit.size is None else f"size {fit.size}"
        size += f" ({fit.length})" if fit.size and fit.length != "normal" else ""
        status = fit.status
        if fit.status == "between sizes":
            status += f" {' / '.join(fit.sizes)}, recommended {size}"
        elif fit.size:
            status += f" {size}"
        grad = "passed" if fit.gradient_ok else "FAILED"
        s.fit_status = (
            f"{s.chart} chart: {status}; B {fit.pressure_b_mmhg:.1f} mmHg, class "
            f"{fit.class_at_b}, gradient {grad}"
        )
        s.fit_href = _html_uri(fitting_report(fit))

    def report_html(self, out, choices, table) -> str:
        esc = _html.escape
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>stockingsim report</title>"
            "</head><body style='font-family:sans-serif'>"
            f"<h1>Stocking design report</h1><p>{esc(self.leg_label)}; knit "
            f"{esc(str(getattr(out.fabric, 'name', '')))}; target {esc(choices.target)}, style "
            f"{esc(choices.style)}</p><p><b>{esc(out.verdict)}</b></p>"
            f"{table.to_html(float_format=lambda v: f'{v:.2f}')}"
            f"<p><img src='{self.server.state.profile_src}'>"
            f"<img src='{self.server.state.map_src}'></p></body></html>"
        )


def build_app(server: Any = None) -> Any:
    """Build the trame server with the app's layout; returns the server (not started)."""
    try:
        from trame.app import get_server
        from trame.ui.vuetify3 import SinglePageLayout
        from trame.widgets import vuetify3
    except ImportError as exc:
        raise errors.missing_dependency("the web app", "trame", "app") from exc

    server = server or get_server("stockingsim", client_type="vue3")
    app = WebApp(server)
    _wire(server, app)
    with SinglePageLayout(server) as layout:
        layout.title.set_text("stockingsim: compression stocking designer")
        with layout.content, vuetify3.VContainer(fluid=True), vuetify3.VRow():
            with vuetify3.VCol(cols=3):
                _leg_panel(server.controller)
                _stocking_panel()
            with vuetify3.VCol(cols=9):
                _result_panel()
    app.recompute()
    server.stockingsim_app = app
    return server


def _wire(server: Any, app: WebApp) -> None:
    """Bind the buttons to the app's methods and the state changes to what they redo."""
    state, ctrl = server.state, server.controller
    ctrl.recompute = app.recompute
    ctrl.use_measurements = app.use_measurements
    ctrl.use_bundled = app.use_bundled
    state.change("standard")(lambda **kw: (app.on_standard(), app.recompute()))
    state.change("preset", "cls", "style", "elastane", "view")(app.recompute)
    state.change("chart")(app.refit)
    state.change("upload")(lambda upload=None, **kw: app.load_upload(upload))
    state.change("mesh_units")(app.on_units)


def _leg_panel(ctrl: Any) -> None:
    """The leg: the bundled one, an uploaded mesh, or one built from tape measurements."""
    from trame.widgets import html, vuetify3

    html.H3("Leg")
    html.Div("{{ leg_label }}", id="leg-label", style="font-size:0.9em")
    vuetify3.VBtn("use bundled leg", id="bundled", click=ctrl.use_bundled, size="small")
    vuetify3.VFileInput(
        v_model=("upload", None),
        label="upload a leg mesh",
        accept=".ply,.stl,.obj,.off,.glb",
        density="compact",
    )
    html.Label("mesh units (auto: m, cm or mm from the size; inches must be chosen)")
    with html.Select(v_model=("mesh_units",), id="sel-mesh_units", style="border:1px solid #999"):
        html.Option("{{ o }}", v_for="o in unit_choices", key="o", value=("o",))
    html.Div("{{ notice }}", id="notice", v_show="notice", style="color:#b54708;font-size:0.9em")
    for m in _MEASURED:
        vuetify3.VTextField(
            v_model=(m, ""), label=f"{m} (cm)", id=f"m-{m}", density="compact", hide_details=True
        )
    vuetify3.VBtn("leg from measurements", id="measured", click=ctrl.use_measurements, size="small")


#: The stocking's choices: (label, state variable, state list of the options).
_SELECTS = (
    ("knit", "preset", "presets"),
    ("standard", "standard", "standards"),
    ("class", "cls", "classes"),
    ("style", "style", "styles"),
    ("3D view", "view", "views"),
    ("fit to size chart", "chart", "charts"),
)


def _stocking_panel() -> None:
    """The stocking: knit, standard, class, style, view and size chart; the blend's elastane."""
    from trame.widgets import html, vuetify3

    html.H3("Stocking", style="margin-top:1em")
    for label, var, options in _SELECTS:
        html.Label(label, style="display:block;margin-top:.5em")
        with html.Select(v_model=(var,), id=f"sel-{var}", style="border:1px solid #999;width:100%"):
            html.Option("{{ o }}", v_for=f"o in {options}", key="o", value=("o",))
    vuetify3.VSlider(
        v_model=("elastane", 0.22),
        min=0.08,
        max=0.4,
        step=0.01,
        label="elastane",
        v_show="preset === 'blend (from_blend)'",
        thumb_label=True,
    )


#: The downloads: (text, state variable of the data URI, file name, element id).
_DOWNLOADS = (
    ("download spec sheet (CSV)", "spec_href", "spec_sheet.csv", "dl-spec"),
    ("download report (HTML)", "report_href", "report.html", "dl-report"),
    ("download fitting report (HTML)", "fit_href", "fitting_report.html", "dl-fit"),
)


def _result_panel() -> None:
    """The result: pressure at B, verdict, messages, map and profile, downloads, spec sheet."""
    from trame.widgets import html

    with html.Div(style="font-size:1.3em"):
        html.Span("pressure at B: ")
        html.B("{{ pressure_b }}", id="pressure-b")
        html.Span(" mmHg  ·  ")
        html.Span("{{ verdict }}", id="verdict")
    html.Div("{{ error }}", id="error", style="color:#b42318")
    html.Div("{{ fit_status }}", id="fit-status", v_show="fit_status")
    with html.Div(style="display:flex;gap:1em;align-items:flex-start"):
        html.Img(src=("map_src", ""), id="map", style="max-height:560px")
        html.Img(src=("profile_src", ""), id="profile", style="max-height:560px")
    with html.Div(style="margin:.5em 0"):
        for text, var, filename, id_ in _DOWNLOADS:
            # the fitting report exists only once a size chart was chosen
            extra = {"v_show": var} if var == "fit_href" else {"style": "margin-right:2em"}
            html.A(text, href=(var, ""), download=filename, id=id_, **extra)
    html.Div(v_html=("spec_html", ""), id="spec")


def serve(port: int = 8080, open_browser: bool = True) -> None:
    """Start the web app on ``127.0.0.1:port`` and block until interrupted."""
    server = build_app()
    server.start(port=int(port), host=HOST, open_browser=open_browser, show_connection_info=True)


def _main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="python -m stockingsim.app._web")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--no-browser", action="store_true")
    args, _ = p.parse_known_args(argv)
    serve(args.port, not args.no_browser)


if __name__ == "__main__":  # pragma: no cover
    _main()
