"""The blend mapping's documented formulas (Fabric.from_blend Notes) and its input checks.

The numbers are the ones of the docstring, written here: ``E_el = 5e-4 N/dtex``, the inlay's
elastane core share 0.75, one inlay every second course, the plated elastane strained half as
much as the fabric, the toe ``eps_t = 0.06``, jamming at 1.1 (inlay jersey) or 1.3 (plain
jersey) with ``w = 0.12``, ``E_jam = (pa 2e-3 + co 4e-3) / (pa + co)`` at 0.6 mm, the flat
machine's factors 0.7 (jam strain), 2 (jam stiffness) and 1.4 (elastic), the ranges
``eps_j + 0.4`` and ``+ 0.3``; the wales ``n_w = 0.75 n_c`` with two loop legs, 0.2 of the
inlay spring, ``eps_j`` and ``w`` x 0.55; hysteresis ``0.10 + 0.10 pa_g + 0.25 co_g``
(+ 0.12 flat, + 0.05 wale); inner loops 0.012 (x 0.4 flat, x 1.5 wale).
"""

import re

import pytest

import stockingsim as ss
from stockingsim import errors

DEFAULTS = dict(
    polyamide=0.0,
    cotton=0.0,
    inlay_dtex=None,
    courses_per_cm=20.0,
    ground_dtex=78.0,
    knit="inlay_jersey",
    machine="circular",
    thickness_mm=0.6,
    inlay_prestrain=0.8,
)

CASES = [
    dict(elastane=0.24, polyamide=0.76, inlay_dtex=310),
    dict(elastane=0.2, polyamide=0.4, cotton=0.4, knit="plain_jersey"),  # pa = co
    dict(
        elastane=0.3,
        polyamide=0.5,
        cotton=0.2,
        inlay_dtex=600,
        courses_per_cm=24,
        ground_dtex=44,
        machine="flat",
        thickness_mm=0.9,
        inlay_prestrain=1.2,
    ),
    dict(elastane=0.2, polyamide=0.805),  # sums to 1.005: renormalized; inlay 280 dtex default
]


def _expected(kw):
    """Loading models (course, wale), hysteresis and inner-loop strains from the Notes."""
    p = {**DEFAULTS, **kw}
    total = p["elastane"] + p["polyamide"] + p["cotton"]
    e, pa, co = (p[k] / total for k in ("elastane", "polyamide", "cotton"))
    inlay = p["inlay_dtex"]
    if p["knit"] == "inlay_jersey" and inlay is None:
        inlay = 280.0
    inlay = inlay or 0.0
    flat = p["machine"] == "flat"
    gd, thick, pre = p["ground_dtex"], p["thickness_mm"], p["inlay_prestrain"]
    n_c = 100.0 * p["courses_per_cm"]
    k_inlay = 0.5 * n_c * 5e-4 * 0.75 * inlay
    k_plated = n_c * 5e-4 * e * gd * 0.5
    el = 1.4 if flat else 1.0
    e_jam = (pa * 2e-3 + co * 4e-3) / (pa + co)
    jam_k = (2.0 if flat else 1.0) * e_jam * gd * thick / 0.6
    eps_j = (1.1 if p["knit"] == "inlay_jersey" else 1.3) * (0.7 if flat else 1.0)
    k_e = (k_inlay + k_plated) * el
    course = dict(
        k_elastic_n_per_m=k_e,
        k_jam_n_per_m=n_c * jam_k,
        jam_strain=eps_j,
        jam_width=0.12,
        toe_tension_n_per_m=k_e * pre,
        toe_strain=0.06,
        min_strain=0.0,
        max_strain=eps_j + 0.4,
    )
    n_w = 0.75 * n_c
    wale = dict(
        k_elastic_n_per_m=(2 * n_w * 5e-4 * e * gd * 0.5 + 0.2 * k_inlay) * el,
        k_jam_n_per_m=2 * n_w * jam_k,
        jam_strain=0.55 * eps_j,
        jam_width=0.55 * 0.12,
        toe_tension_n_per_m=0.0,
        toe_strain=0.06,  # the same toe constant; no toe tension in the wales
        min_strain=0.0,
        max_strain=0.55 * eps_j + 0.3,
    )
    h = 0.10 + 0.10 * pa / (pa + co) + 0.25 * co / (pa + co) + (0.12 if flat else 0.0)
    eps_c = 0.012 * (0.4 if flat else 1.0)
    inputs = dict(
        source="blend",
        elastane=e,
        polyamide=pa,
        cotton=co,
        inlay_dtex=inlay,
        courses_per_cm=p["courses_per_cm"],
        ground_dtex=gd,
        knit=p["knit"],
        machine=p["machine"],
        thickness_mm=thick,
        inlay_prestrain=pre,
    )
    return course, wale, (h, h + 0.05), (eps_c, 1.5 * eps_c), inputs


def _params(model):
    return {k: getattr(model, k) for k in _expected(CASES[0])[0]}


@pytest.mark.parametrize("kw", CASES)
def test_curves_follow_the_documented_formulas(kw):
    f = ss.Fabric.from_blend(**kw)
    course, wale, (h_c, h_w), eps_c, inputs = _expected(kw)
    assert _params(f.model("course", "loading")) == pytest.approx(course, rel=1e-12)
    assert _params(f.model("wale", "loading")) == pytest.approx(wale, rel=1e-12)
    assert f.hysteresis_loss("course") == pytest.approx(h_c, rel=1e-12)
    assert f.hysteresis_loss("wale") == pytest.approx(h_w, rel=1e-12)
    assert f.inner_loop_strain == pytest.approx(eps_c, rel=1e-12)
    # the inputs as checked (fractions renormalized) are the provenance
    info = f.info
    for key, value in inputs.items():
        assert info[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value)


def test_provenance_names_and_description():
    f = ss.Fabric.from_blend(**CASES[0], provenance={"maker": "X"})
    assert f.info["maker"] == "X" and f.info["source"] == "blend"
    assert ss.Fabric.from_blend(**CASES[0], provenance=[("lot", 7)]).info["lot"] == 7
    assert f.name == "circular inlay jersey EL24%/PA76%/CO0% inlay 310 dtex"
    assert f.description == (
        "24% elastane, 76% polyamide, 0% cotton; circular-knit inlay jersey, 20 courses/cm, "
        "ground 78 dtex, covered elastane inlay 310 dtex, 0.6 mm. Curves from the blend "
        "mapping of Fabric.from_blend (model, not measured)."
    )
    plain = ss.Fabric.from_blend(**CASES[1])
    assert plain.name == "circular plain jersey EL20%/PA40%/CO40%"
    assert plain.description == (
        "20% elastane, 40% polyamide, 40% cotton; circular-knit plain jersey, 20 courses/cm, "
        "ground 78 dtex, 0.6 mm. Curves from the blend mapping of Fabric.from_blend (model, "
        "not measured)."
    )
    assert ss.Fabric.from_blend(**CASES[1], description="mine").description == "mine"


BOUNDS = [
    ("inlay_dtex", 40, 1200, "dtex"),
    ("courses_per_cm", 8, 40, "courses/cm"),
    ("ground_dtex", 11, 300, "dtex"),
    ("thickness_mm", 0.2, 3.0, "mm"),
]
OK = dict(elastane=0.2, polyamide=0.8)


@pytest.mark.parametrize("name, lo, hi, unit", BOUNDS)
def test_plausible_range_is_a_factor_10_around_the_typical_values(name, lo, hi, unit):
    for value in (lo / 10, hi * 10):  # the ends are accepted
        f = ss.Fabric.from_blend(**OK, **{name: value})
        assert f.info[name] == pytest.approx(value, rel=1e-12)
    for value in (lo / 10 * (1 - 1e-9), hi * 10 * (1 + 1e-9)):
        with pytest.raises(errors.BlendError, match="plausible range.*check the units"):
            ss.Fabric.from_blend(**OK, **{name: value})
    msg = f"{name} must be > 0 {unit}, got 0; typical values are {lo:g} to {hi:g}."
    with pytest.raises(errors.BlendError, match=re.escape(msg)):
        ss.Fabric.from_blend(**OK, **{name: 0})


@pytest.mark.parametrize(
    "name",
    [
        "elastane",
        "polyamide",
        "cotton",
        "inlay_dtex",
        "courses_per_cm",
        "ground_dtex",
        "thickness_mm",
        "inlay_prestrain",
    ],
)
def test_a_non_number_is_named(name):
    with pytest.raises(errors.BlendError, match=f"^{name} must be a number"):
        ss.Fabric.from_blend(**{**OK, name: "lots"})


def test_fraction_checks():
    for kw, key in (
        (dict(elastane=-0.1, polyamide=1.1), "elastane"),
        (dict(elastane=0.2, polyamide=-0.1, cotton=0.9), "polyamide"),
        (dict(elastane=0.2, polyamide=0.9, cotton=-0.1), "cotton"),
        (dict(elastane=0.0, polyamide=1.005, knit="plain_jersey"), "polyamide"),  # sum ok
    ):
        with pytest.raises(errors.BlendError, match=f"the {key} fraction must be between 0 and 1"):
            ss.Fabric.from_blend(**kw)
    with pytest.raises(errors.BlendError, match=re.escape("Did you give percent? 22 % is 0.22.")):
        ss.Fabric.from_blend(elastane=22, polyamide=78)
    with pytest.raises(errors.BlendError, match=r"got 1\.005\.$"):  # just over 1: no percent
        ss.Fabric.from_blend(elastane=0.0, polyamide=1.005, knit="plain_jersey")
    with pytest.raises(errors.BlendError, match=re.escape("(e.g. elastane=0.22, polyamide=0.78)")):
        ss.Fabric.from_blend(elastane=0.2, polyamide=0.7)
    with pytest.raises(errors.BlendError, match="Give polyamide or cotton > 0"):
        ss.Fabric.from_blend(elastane=1.0)


def test_inlay_and_prestrain_checks():
    plain = dict(OK, knit="plain_jersey")
    for none in (None, 0, 0.0):
        assert ss.Fabric.from_blend(**plain, inlay_dtex=none).info["inlay_dtex"] == 0.0
    for some in (1, 1.0, 200):
        with pytest.raises(errors.BlendError, match="use knit='inlay_jersey' or drop inlay_dtex"):
            ss.Fabric.from_blend(**plain, inlay_dtex=some)
    with pytest.raises(errors.BlendError, match="give elastane > 0 or knit='plain_jersey'"):
        ss.Fabric.from_blend(elastane=0.0, polyamide=1.0)
    for pre in (0, 3):  # the ends of [0, 3] are accepted
        f = ss.Fabric.from_blend(**OK, inlay_prestrain=pre)
        assert f.model("course", "loading").toe_tension_n_per_m == pytest.approx(
            pre * f.model("course", "loading").k_elastic_n_per_m, rel=1e-12
        )
    for pre in (-1e-9, 3.5):
        with pytest.raises(errors.BlendError, match="inlay_prestrain must be between 0 and 3"):
            ss.Fabric.from_blend(**OK, inlay_prestrain=pre)
