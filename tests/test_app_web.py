"""The web app: its callbacks without a browser, and the real thing in headless Chromium."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("trame")

import stockingsim as ss  # noqa: E402
from stockingsim.standards import design_pressure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def app():
    from trame.app import get_server

    from stockingsim.app import build_app

    server = build_app(get_server(f"stockingsim-test-{os.getpid()}", client_type="vue3"))
    return server.stockingsim_app


def test_app_starts_on_the_bundled_leg_at_the_mid_class(app):
    s = app.server.state
    assert float(s.pressure_b) == pytest.approx(design_pressure("RAL-GZ 387", "II"), abs=0.05)
    assert s.map_src.startswith("data:image/png;base64,")
    assert base64.b64decode(s.spec_href.split(",", 1)[1]).decode().startswith("landmark,")


def test_the_3d_view_choice_redraws_the_map(app):
    s = app.server.state
    front = s.map_src
    s.view = "back"
    app.recompute()
    assert s.map_src.startswith("data:image/png;base64,") and s.map_src != front
    s.view = "front"
    app.recompute()


def test_uploaded_mesh_and_measurements_become_the_leg(app):
    s = app.server.state
    data = (ROOT / "meshes" / "param_I.ply").read_bytes()
    app.load_upload([{"name": "param_I.ply", "content": data}])
    assert s.leg_label == "uploaded param_I.ply (m)" and not s.error and not s.notice
    assert app.leg.n_vertices == ss.load_leg(ROOT / "meshes" / "param_I.ply").n_vertices
    for key, value in {"cB": "23", "cC": "37", "cD": "34", "lD": "42"}.items():
        s[key] = value
    app.use_measurements()
    assert 100 * app.leg.landmarks["B"].circumference_m == pytest.approx(23.0, abs=0.05)
    s["cB"] = "230"  # millimetres by mistake: a message, the leg stays
    app.use_measurements()
    assert "millimetres" in s.error and app.leg.landmarks["B"].circumference_m < 0.3
    app.load_upload([{"name": "bad.ply", "content": b"not a mesh"}])
    assert "cannot use bad.ply" in s.error
    app.use_bundled()


def test_an_uploaded_mesh_in_inches_says_so_and_reads_in_the_units_chosen(app, tmp_path):
    import trimesh

    s = app.server.state
    leg = ss.load_leg(ROOT / "meshes" / "anny_f_avg.ply")
    path = tmp_path / "leg_in.ply"
    trimesh.Trimesh(leg.vertices / 0.0254, leg.faces, process=False).export(path)
    upload = [{"name": "leg_in.ply", "content": path.read_bytes()}]
    app.load_upload(upload)  # auto reads cm: a leg 2.54 x too small, and a notice that says so
    assert s.leg_label == "uploaded leg_in.ply (cm)"
    assert "units='in'" in s.notice and "ankle girth" in s.notice
    s.mesh_units = "in"
    app.on_units()  # the same file again, in inches: the leg's own ankle and pressure
    assert s.leg_label == "uploaded leg_in.ply (in)" and not s.notice and not s.error
    b = leg.landmarks["B"].circumference_m
    assert app.leg.landmarks["B"].circumference_m == pytest.approx(b, rel=1e-4)
    assert float(s.pressure_b) == pytest.approx(design_pressure("RAL-GZ 387", "II"), abs=0.05)
    cm = tmp_path / "leg_cm.ply"
    trimesh.Trimesh(leg.vertices * 100, leg.faces, process=False).export(cm)
    app.load_upload([{"name": "leg_cm.ply", "content": cm.read_bytes()}])  # 214 in long: refused
    assert "cannot use leg_cm.ply" in s.error and "units='cm'" in s.error
    assert s.leg_label == "uploaded leg_in.ply (in)"  # the leg stays
    s.mesh_units = "auto"
    app.on_units()  # the refused file again, in the units now chosen
    assert s.leg_label == "uploaded leg_cm.ply (cm)" and not s.error
    assert app.leg.landmarks["B"].circumference_m == pytest.approx(b, rel=1e-4)
    app.use_bundled()
    assert not s.notice
    app.on_units()  # the bundled leg stays: units concern an uploaded mesh only
    assert s.leg_label == "bundled leg anny_f_avg"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "PYVISTA_OFF_SCREEN": "true"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stockingsim.cli", "app", "--port", str(port), "--no-browser"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tempfile.gettempdir(),
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"the app exited: {log.read().decode()[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the app did not start listening within 180 s")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_in_a_browser_change_the_class_and_download(served, tmp_path):
    if CHROMIUM is None:
        print("SKIP reason: no chromium executable (apt-get install chromium)")
        pytest.skip("no chromium executable on the PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=BROWSER_FLAGS,
            accept_downloads=True,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            page.goto(served)
            page.wait_for_function(
                "document.querySelector('#pressure-b')?.textContent.trim().length > 0",
                timeout=120_000,
            )
            assert "anny_f_avg" in page.inner_text("#leg-label")
            before = float(page.inner_text("#pressure-b"))
            assert before == pytest.approx(design_pressure("RAL-GZ 387", "II"), abs=0.05)
            page.select_option("#sel-cls", "III")
            page.wait_for_function(
                f"document.querySelector('#pressure-b').textContent.trim() !== '{before:.1f}'",
                timeout=120_000,
            )
            after = float(page.inner_text("#pressure-b"))
            assert after == pytest.approx(design_pressure("RAL-GZ 387", "III"), abs=0.05)
            assert "class III" in page.inner_text("#verdict")
            page.wait_for_function(
                "document.querySelector('#dl-report').href.includes('base64')", timeout=120_000
            )
            with page.expect_download(timeout=120_000) as dl:
                page.click("#dl-spec")
            assert dl.value.suggested_filename == "spec_sheet.csv"
            spec = pd.read_csv(dl.value.path(), index_col=0)
            assert spec.loc["B", "predicted_mmhg"] == pytest.approx(after, abs=0.05)
            with page.expect_download(timeout=120_000) as dl:
                page.click("#dl-report")
            assert "class III" in Path(dl.value.path()).read_text(encoding="utf-8")
            # measurements typed into the page, then fitted to the bundled knee-high chart
            for key, value in {"cB": "22", "cB1": "25", "cC": "36", "cD": "33", "lD": "42"}.items():
                page.fill(f"#m-{key}", value)
            page.click("#measured")
            page.wait_for_function(
                "document.querySelector('#leg-label').textContent.includes('measurements')",
                timeout=120_000,
            )
            page.select_option("#sel-chart", "knee-high")
            page.wait_for_function(
                "document.querySelector('#fit-status').textContent.includes('between sizes')",
                timeout=120_000,
            )
            with page.expect_download(timeout=120_000) as dl:
                page.click("#dl-fit")
            assert "between sizes II and III" in Path(dl.value.path()).read_text(encoding="utf-8")
            page.screenshot(path=str(tmp_path / "app.png"))
        finally:
            ctx.close()


def test_fit_to_a_size_chart_in_the_app(app):
    s = app.server.state
    for key, value in {"cB": "22", "cB1": "25", "cC": "36", "cD": "33", "lD": "42"}.items():
        s[key] = value
    app.use_measurements()
    s.chart = "knee-high"
    app.refit()
    fit = ss.fit_patient({"cB": 22, "cB1": 25, "cC": 36, "cD": 33, "lD": 42}, "knee-high")
    assert s.fit_status.startswith("knee-high chart: between sizes II / III, recommended size")
    assert f"B {fit.pressure_b_mmhg:.1f} mmHg" in s.fit_status
    report = base64.b64decode(s.fit_href.split(",", 1)[1]).decode()
    assert "between sizes II and III" in report
    s.chart = "none"
    app.refit()
    assert s.fit_status == "" and s.fit_href == ""
    app.use_bundled()
