"""Kits of stockings worn over each other: the thick-cylinder (multi-layer Laplace) law."""

from __future__ import annotations

import math

import _surfaces as S
import numpy as np
import pytest

import stockingsim as ss
from stockingsim import errors
from stockingsim.solvers import PA_PER_MMHG

R = 0.05
K = 250.0
C0 = 2 * math.pi * R / 1.4


@pytest.fixture(scope="module")
def cylinder():
    return S.make_leg(*S.cylinder(R), name="cylinder")


def _one():
    return ss.Stocking(ss.Fabric.linear(K), C0, style="AT")


def _exact_two_layers(t):
    """Radial equilibrium p_in a - p_out b = T per layer: p r = T(r) + T(r + t)."""
    t1 = K * (2 * math.pi * R / C0 - 1)
    t2 = K * (2 * math.pi * (R + t) / C0 - 1)
    return (t1 + t2) / R / PA_PER_MMHG


@pytest.mark.parametrize(
    ("method", "tol"),
    [("laplace", 0.002), ("membrane", 0.01), ("bridging", 0.002), ("contact", 0.02)],
)
def test_two_identical_stockings_on_a_cylinder_match_the_thick_cylinder_solution(
    cylinder, method, tol
):
    opts = {"n_theta": 32, "ring_step_m": 0.03} if method == "contact" else {}
    t = 0.001
    kit = ss.Kit([_one(), _one()], thicknesses_m=(t, t))
    res = ss.simulate(cylinder, kit, method=method, **opts)
    p = float(np.median(res.sections["pressure_mmhg"]))
    assert p == pytest.approx(_exact_two_layers(t), rel=tol)
    # and more than twice one stocking: the outer layer sits on a larger radius
    single = float(
        np.median(ss.simulate(cylinder, _one(), method=method, **opts).sections["pressure_mmhg"])
    )
    assert p > 2 * single * (1 + 0.5 * 2 * math.pi * t / (C0 * 0.4))


def test_a_kit_of_thin_layers_is_the_sum_of_its_layers(cylinder):
    kit = ss.Kit([_one(), _one(), _one()], thicknesses_m=(0, 0, 0))
    p3 = ss.simulate(cylinder, kit, method="laplace").sections["pressure_mmhg"]
    p1 = ss.simulate(cylinder, _one(), method="laplace").sections["pressure_mmhg"]
    assert p3.to_numpy() == pytest.approx(3 * p1.to_numpy(), rel=1e-12)


def test_design_outer_layer_makes_the_kit_meet_the_target():
    leg = ss.bundled_leg()
    liner, _ = ss.design_stocking(leg, ss.fabric_library()["circular class I"], "RAL-GZ 387:I")
    kit, _ = ss.design_outer_layer(leg, liner, "circular class I", "RAL-GZ 387:II")
    _, single = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:II")
    got = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    for name, target in single.landmarks["target_mmhg"].dropna().items():
        assert got[name] == pytest.approx(target, abs=1e-6), name  # exact: one Laplace inversion
    assert ss.simulate(leg, kit, method="laplace").classify("RAL-GZ 387") == "II"
    with pytest.raises(errors.UnreachableTargetError, match="liner"):
        ss.design_outer_layer(leg, liner, "circular class I", "RAL-GZ 387:I")


def test_kit_in_a_batch_and_a_report(tmp_path):
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    kit = ss.Kit([st, st], name="two class I")
    table = ss.run_batch(
        [leg], [kit], methods=["laplace"], engine="serial", out=tmp_path / "kit.parquet"
    )
    direct = ss.simulate(leg, kit, method="laplace").profile.loc["B", "pressure_mmhg"]
    assert float(table["pressure_B_mmhg"].iloc[0]) == pytest.approx(direct, rel=1e-9)
    assert table["stocking_name"].iloc[0] == "two class I"
    ss.report(ss.simulate(leg, kit, method="laplace"), tmp_path / "kit.html")
    assert (tmp_path / "kit.html").stat().st_size > 0


@pytest.mark.parametrize(
    "args", [([],), ([ss.Stocking(ss.Fabric.linear(250.0), 0.18)],), (["a", "b"],)]
)
def test_kit_needs_two_stockings(args):
    with pytest.raises(errors.StockingError, match="Kit"):
        ss.Kit(*args)


def test_kit_thickness_in_metres():
    s = ss.Stocking(ss.Fabric.linear(250.0), 0.18)
    with pytest.raises(errors.StockingError, match="metres"):
        ss.Kit([s, s], thicknesses_m=(0.6, 0.6))


# --- design_stocking designs the outer layer of a kit (one path with a single stocking) -------
K_OUT = 400.0
LMS = {"B": 0.05, "B1": 0.1, "C": 0.2, "D": 0.3, "E": 0.35, "F": 0.45, "G": 0.55}


@pytest.fixture(scope="module")
def marked_cylinder():
    return ss.Leg.from_arrays(*S.cylinder(R), landmarks=LMS, name="cylinder")


def _exact_outer_relaxed(p_mmhg, girth, n_inner, t):
    """Radial equilibrium of the stack, p r = sum_j T_j (r = C / 2 pi, C the hull girth), each
    layer j on the girth C + 2 pi j t: the outer layer must give
    T_out = p r - sum_{j<n} K ((C + 2 pi j t) / C0 - 1) on the girth C + 2 pi n t, so
    c0_out = (C + 2 pi n t) / (1 + T_out / K_out) (linear knits, no hysteresis)."""
    t_under = sum(K * ((girth + 2 * math.pi * j * t) / C0 - 1) for j in range(n_inner))
    t_out = p_mmhg * PA_PER_MMHG * girth / (2 * math.pi) - t_under
    return (girth + 2 * math.pi * n_inner * t) / (1 + t_out / K_OUT), t_under


@pytest.mark.parametrize(
    ("method", "n_inner", "tol"),
    [
        ("laplace", 1, 1e-9),
        ("laplace", 2, 1e-9),
        ("membrane", 1, 1e-9),
        ("bridging", 2, 1e-9),
        ("contact", 1, 0.01),  # the contact solve's own discretization, as for a kit above
    ],
)
def test_design_stocking_designs_a_kits_outer_layer_to_the_exact_thick_cylinder_solution(
    marked_cylinder, method, n_inner, tol
):
    t = 0.001
    inner = [_one() for _ in range(n_inner)]
    template = ss.Stocking(ss.Fabric.linear(K_OUT), C0, style="AT")
    kit = ss.Kit([*inner, template], thicknesses_m=(t,) * (n_inner + 1), name="kit")
    target = {"B": 50.0, "D": 40.0}  # two inner layers give 31 mmHg: the outer adds 9-19
    opts = {"n_theta": 32, "ring_step_m": 0.03} if method == "contact" else {}
    designed, spec = ss.design_stocking(marked_cylinder, kit, target, method=method, **opts)
    assert isinstance(designed, ss.Kit) and designed.name == "kit"
    assert designed.layers[:n_inner] == tuple(inner)  # the inner layers are kept as given
    assert designed.layers[-1].fabric is template.fabric and spec.n_layers == n_inner + 1
    for lm in ("B", "B1", "C", "D"):
        girth = marked_cylinder.landmarks[lm].circumference_m  # the polygon's, 2 pi R - 0.005 %
        c0, t_under = _exact_outer_relaxed(spec.loc[lm, "target_mmhg"], girth, n_inner, t)
        got = spec.loc[lm, "relaxed_circumference_cm"] / 100
        assert got == pytest.approx(c0, rel=tol), lm
        assert spec.loc[lm, "under_tension_n_per_m"] == pytest.approx(t_under, rel=1e-9), lm
    # the kit worn on the cylinder gives the target (every landmark, within the tolerance)
    got = ss.simulate(marked_cylinder, designed, method=method, **opts).profile["pressure_mmhg"]
    for lm in ("B", "B1", "C", "D"):
        assert got[lm] == pytest.approx(spec.loc[lm, "target_mmhg"], rel=max(tol, 2e-4)), lm


def test_a_single_stocking_and_a_kit_over_nothing_thick_give_the_same_design(marked_cylinder):
    # the same code path: with zero thickness and an inner layer too loose to touch the leg,
    # the kit's outer layer is the single stocking's design
    loose = ss.Stocking(ss.Fabric.linear(K), 1.5 * 2 * math.pi * R, style="AT")
    template = ss.Stocking(ss.Fabric.linear(K_OUT), C0, style="AT")
    kit = ss.Kit([loose, template], thicknesses_m=(0.0, 0.0))
    with pytest.warns(errors.NoContactWarning):
        _, spec_kit = ss.design_stocking(marked_cylinder, kit, "RAL-GZ 387:II")
    _, spec_one = ss.design_stocking(marked_cylinder, ss.Fabric.linear(K_OUT), "RAL-GZ 387:II",
                                     style="AT")  # fmt: skip
    cols = ["relaxed_circumference_cm", "strain", "tension_n_per_m", "predicted_mmhg"]
    assert spec_kit.landmarks[cols].to_numpy() == pytest.approx(
        spec_one.landmarks[cols].to_numpy(), rel=1e-12
    )


def test_a_kits_outer_layer_may_not_reach_beyond_its_inner_layer(marked_cylinder):
    kit = ss.Kit([_one_styled("AD"), ss.Stocking(ss.Fabric.linear(K_OUT), C0, style="AG")])
    with pytest.raises(errors.DesignError, match="beyond its inner layer"):
        ss.design_stocking(marked_cylinder, kit, {"B": 40.0, "D": 30.0})
    # a shorter outer layer is fine: style= sets the designed layer's length
    designed, spec = ss.design_stocking(marked_cylinder, kit, {"B": 40.0, "D": 30.0}, style="AD")
    assert designed.layers[-1].style == "AD" and spec.style == "AD"


def _one_styled(style):
    return ss.Stocking(ss.Fabric.linear(K), C0, style=style)


def test_a_batch_designs_the_outer_layer_of_a_kit_on_every_leg(tmp_path):
    from stockingsim.batch import BatchDesign

    leg = ss.bundled_leg()
    # a ready-to-wear class I liner (placed on any leg by its landmarks)
    liner, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I", profile="landmarks")
    kit = ss.Kit([liner, ss.Stocking(ss.fabric_library()["circular class I"], 0.2)])
    design = BatchDesign(kit, "RAL-GZ 387:II")
    table = ss.run_batch(
        [leg], [design], methods=["laplace"], engine="serial", out=tmp_path / "kit.parquet"
    )
    direct, _ = ss.design_stocking(leg, kit, "RAL-GZ 387:II", style="AD")
    want = ss.simulate(leg, direct, method="laplace").profile.loc["B", "pressure_mmhg"]
    assert float(table["pressure_B_mmhg"].iloc[0]) == pytest.approx(want, rel=1e-9)
    assert want == pytest.approx(27.5, abs=0.1)  # mid-class II at B, from the kit
    assert table["fabric"].iloc[0] == "circular class I"


def test_size_coverage_of_a_kit_counts_every_layer_and_size_chart_says_why_not_a_kit():
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I", profile="landmarks")
    kit = ss.Kit([st, st])
    table = ss.size_coverage(kit, [leg], "RAL-GZ 387:II")
    direct = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    for lm in ("B", "B1", "C", "D"):
        assert table[f"{lm}_mmhg"].iloc[0] == pytest.approx(direct[lm], rel=1e-6), lm
    # two class I layers: more than twice one (the outer layer on a larger radius)
    assert table["B_mmhg"].iloc[0] > 2 * ss.size_coverage(st, [leg])["B_mmhg"].iloc[0]
    with pytest.raises(errors.DesignError, match="Kit has no size chart"):
        ss.size_chart([leg], kit, n_sizes=1)


def test_stiffness_index_of_a_kit_is_the_sum_of_its_layers_inner_loops():
    leg = ss.bundled_leg()
    st, _ = ss.design_stocking(leg, "circular class I", "RAL-GZ 387:I")
    one = ss.stiffness_index(leg, st)
    thin = ss.stiffness_index(leg, ss.Kit([st, st], thicknesses_m=(0.0, 0.0)))
    # zero thickness: both layers on the same girth and loop, so exactly twice one stocking
    for col in ("pressure_mmhg", "pressure_enlarged_mmhg", "stiffness_mmhg_per_cm"):
        assert thin[col].to_numpy() == pytest.approx(2 * one[col].to_numpy(), rel=1e-12), col
    # with thickness the outer layer is stretched more: the kit's pressure at rest is the
    # simulated one (the same multi-layer Laplace law)
    kit = ss.Kit([st, st])
    thick = ss.stiffness_index(leg, kit)
    at_rest = ss.simulate(leg, kit, method="laplace").profile["pressure_mmhg"]
    for lm in thick.index:
        assert thick.loc[lm, "pressure_mmhg"] == pytest.approx(at_rest[lm], rel=1e-9), lm


@pytest.mark.parametrize("engine", ["processes", "dask"])
def test_a_batch_design_keeps_the_style_of_a_kits_outer_layer(tmp_path, engine):
    """BatchDesign(style=None) designs a kit's outer layer in that layer's own style (here
    mid-thigh over a thigh-high liner), not knee-high; a given style still overrides it."""
    if engine == "dask":
        pytest.importorskip("distributed")
    from stockingsim.batch import BatchDesign

    leg = ss.bundled_leg()
    liner, _ = ss.design_stocking(
        leg, "circular class I", "RAL-GZ 387:I", style="AG", profile="landmarks"
    )
    outer = ss.Stocking(ss.fabric_library()["circular class I"], 0.2, style="AF")
    kit = ss.Kit([liner, outer], name="AG liner, AF over")
    designs = [BatchDesign(kit, "RAL-GZ 387:II"), BatchDesign(kit, "RAL-GZ 387:II", style="AD")]
    assert designs[0].effective_style == "AF" and designs[1].effective_style == "AD"
    table = ss.run_batch(
        [leg], designs, methods=["laplace"], engine=engine, workers=2, progress=False,
        out=tmp_path / "kit.parquet",
    )  # fmt: skip
    for design, style in zip(designs, ("AF", "AD")):
        direct, _ = ss.design_stocking(leg, kit, "RAL-GZ 387:II", style=style)
        assert direct.layers[-1].style == style
        want = ss.simulate(leg, direct, method="laplace").profile["pressure_mmhg"]
        row = table[table["stocking_key"] == ss.batch._spec.spec_key(design)].iloc[0]
        for lm in ("B", "D", "E"):
            assert float(row[f"pressure_{lm}_mmhg"]) == pytest.approx(want[lm], rel=1e-9), lm
    # above D (the knee, E) the AF outer layer adds its pressure; an AD one does not
    liner_e = ss.simulate(leg, liner, method="laplace").profile.loc["E", "pressure_mmhg"]
    rows = table.set_index("stocking_key")
    af = rows.loc[ss.batch._spec.spec_key(designs[0]), "pressure_E_mmhg"]
    ad = rows.loc[ss.batch._spec.spec_key(designs[1]), "pressure_E_mmhg"]
    assert float(ad) == pytest.approx(liner_e, rel=1e-9)
    assert float(af) > 1.2 * liner_e  # measured 12.4 over 8.8 mmHg


@pytest.mark.parametrize(
    ("method", "tol", "tol_stiffness"),
    # measured: membrane and bridging below 1e-4; contact 0.5 % on the pressures, 0.06 % on the
    # stiffness (32-gon rings). One inner loop (the inner knit's) for the whole kit was 45 % off.
    [("membrane", 1e-3, 1e-3), ("bridging", 1e-3, 1e-3), ("contact", 0.01, 0.02)],
)
def test_stiffness_index_of_a_kit_with_a_simulated_method_is_the_multilayer_closed_form(
    marked_cylinder, method, tol, tol_stiffness
):
    """On a cylinder every method is Laplace's law, so the simulated stiffness index of a kit
    of two different knits (each on its own inner loop: hysteresis) is the closed form's."""
    lib = ss.fabric_library()
    inner = ss.Stocking(lib["circular class I"], 2 * math.pi * R / 1.25, style="AT")
    outer = ss.Stocking(lib["flat-knit class III"], 2 * math.pi * R / 1.2, style="AT")
    kit = ss.Kit([inner, outer], thicknesses_m=(0.001, 0.001))
    opts = {"n_theta": 32, "ring_step_m": 0.03} if method == "contact" else {}
    exact = ss.stiffness_index(marked_cylinder, kit, ("B1", "C"))
    got = ss.stiffness_index(marked_cylinder, kit, ("B1", "C"), method=method, **opts)
    for lm in ("B1", "C"):
        for col in ("pressure_mmhg", "pressure_enlarged_mmhg"):
            assert got.loc[lm, col] == pytest.approx(exact.loc[lm, col], rel=tol), (lm, col)
        assert got.loc[lm, "stiffness_mmhg_per_cm"] == pytest.approx(
            exact.loc[lm, "stiffness_mmhg_per_cm"], rel=tol_stiffness
        ), lm
