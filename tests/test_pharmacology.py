"""The milacemide drug model: published rat targets, exact zero-dose baseline, mass balance, dosing,
the MAO-B mechanism, and the ``milasim pk`` report. Pure numpy/scipy; the whole file runs in ~2 s."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.config import Config, DrugConfig, load_config
from sim.pharmacology import DrugTimeCourse, default_parameters, resolve_regimen, simulate
from sim.pharmacology import parameters as P
from sim.pharmacology.calibration import TARGETS, rise_percent
from sim.pharmacology.model import (
    BRAIN,
    FORMED_BY_MAO_B,
    MAO_B_ACTIVE,
    N_STATES,
    _rhs_factory,
)
from sim.figures.pk import plot_pk
from sim.pharmacology.report import format_pk_table, pk_report
from sim.receptors import glycine_site_occupancy

ROOT = Path(__file__).resolve().parents[1]


def rat(dose: float, **kw) -> DrugConfig:
    return DrugConfig(species="rat", dose_mg_per_kg=float(dose), **kw)


# --------------------------------------------------------------------------- published targets
@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_calibration_target(target):
    """Every row of scripts/calibrate_pk.py's table lies in its accepted band."""
    result = target.evaluate()
    assert result.ok, f"{target.name}: model {result.model:.4g}, accepted {result.band}"


@pytest.mark.parametrize(
    "region, published", [("hippocampus", 59.0), ("cortex", 45.0), ("cerebellum", 137.0)]
)
def test_chapman_hart_regional_rise(region, published):
    """Chapman & Hart 1988: 100 mg/kg i.p., 3 h. Calibrated, so within 1 percentage point."""
    tc = simulate(rat(100, region=region, time_after_dose_h=3.0))
    assert rise_percent(tc) == pytest.approx(published, abs=1.0)


def test_regions_ranked_like_the_paper():
    regions = ("hippocampus", "cortex", "cerebellum")
    rises = {r: rise_percent(simulate(rat(100, region=r))) for r in regions}
    assert rises["cerebellum"] > rises["hippocampus"] > rises["cortex"] > 0


def test_inhibitors_against_untreated():
    base = simulate(rat(100))
    dep = simulate(rat(100, mao_b_inhibitor="deprenyl"))
    clo = simulate(rat(100, mao_a_inhibitor="clorgyline"))
    both = simulate(rat(100, mao_b_inhibitor="deprenyl", mao_a_inhibitor="clorgyline"))
    rise = lambda tc: tc.glycine_uM_observed - tc.glycine_baseline_uM  # noqa: E731
    assert rise(dep) < 0.15 * rise(base)
    assert 0.6 * rise(base) < rise(clo) < 0.95 * rise(base)
    assert rise(both) < rise(dep)
    # deprenyl raises CSF (brain) milacemide: the brain loses its MAO-B clearance
    assert dep.brain_milacemide_uM.max() > 1.05 * base.brain_milacemide_uM.max()
    # serum milacemide hardly moves (brain metabolism is a tiny part of whole-body clearance)
    assert dep.plasma_milacemide_uM.max() == pytest.approx(base.plasma_milacemide_uM.max(), rel=0.01)


# --------------------------------------------------------------------------- zero dose, monotonicity
@pytest.mark.parametrize("species", ["rat", "mouse", "human"])
@pytest.mark.parametrize("route", ["ip", "oral", "iv"])
def test_zero_dose_is_exactly_baseline(species, route):
    for region in ("hippocampus", "cortex", "cerebellum"):
        drug = DrugConfig(
            species=species, route=route, region=region, dose_mg_per_kg=0.0, doses_per_day=2,
            days=2, mao_b_inhibitor="deprenyl", mao_b_inactivation=True,
        )
        tc = simulate(drug)
        assert tc.glycine_uM_observed == tc.glycine_baseline_uM  # exact, not approximate
        assert np.all(tc.glycine_uM == tc.glycine_baseline_uM)
        for arr in (tc.plasma_milacemide_uM, tc.brain_milacemide_uM, tc.glycinamide_uM):
            assert np.all(arr == 0.0)
        assert np.all(tc.mao_b_active_fraction == 1.0)


def test_no_dose_given_means_zero_dose():
    tc = simulate(DrugConfig())
    assert tc.regimen.dose_mg == 0.0
    assert tc.glycine_uM_observed == P.GLYCINE_BASELINE_UM["hippocampus"]


@pytest.mark.parametrize("region", ["hippocampus", "cerebellum"])
@pytest.mark.parametrize("inactivation", [False, True])
def test_glycine_monotone_in_dose(region, inactivation):
    doses = [0, 1, 10, 30, 100, 200, 400, 800, 2000]
    levels = [
        simulate(rat(d, region=region, mao_b_inactivation=inactivation)).glycine_uM_observed
        for d in doses
    ]
    assert np.all(np.diff(levels) > 0)


def test_glycinamide_cmax_roughly_proportional_to_dose():
    cmax = {d: simulate(rat(d)).glycinamide_uM.max() for d in (100, 200, 400)}
    assert cmax[200] / cmax[100] == pytest.approx(2.0, rel=0.2)
    assert cmax[400] / cmax[100] == pytest.approx(4.0, rel=0.2)


def test_glycine_still_raised_7h_after_400():
    tc = simulate(rat(400, time_after_dose_h=7.0))
    assert rise_percent(tc) > 20.0
    # ...but falling back toward baseline after its peak
    assert tc.glycine_uM_observed < tc.glycine_uM.max()


# --------------------------------------------------------------------------- mass balance
@pytest.mark.parametrize(
    "drug",
    [
        rat(100),
        rat(400, route="iv", mao_b_inactivation=True),
        rat(250, route="oral", doses_per_day=3, days=2, region="cerebellum"),
        DrugConfig(species="human", dose_mg=600.0, route="oral", doses_per_day=2, days=5,
                   mao_a_inhibitor="clorgyline"),
        DrugConfig(species="mouse", dose_mg_per_kg=10.0, mao_b_inhibitor="deprenyl"),
    ],
    ids=["rat-ip", "rat-iv-inact", "rat-oral-multi", "human-oral", "mouse-deprenyl"],
)
def test_mass_balance(drug):
    """Milacemide given = left in depot/plasma/brain + glycinamide + excess glycine + the sinks."""
    tc = simulate(drug)
    given = tc.regimen.dose_umol * tc.regimen.n_doses
    assert tc.dosed_umol[-1] == pytest.approx(given, rel=1e-12)
    assert np.max(np.abs(tc.mass_balance_error())) < 1e-9 * given
    a = tc.amounts_umol
    # the second balance: everything the enzymes formed is glycinamide, its efflux or glycine
    formed = a["formed_by_mao_b"] + a["formed_by_mao_a"]
    downstream = a["glycinamide"] + a["glycinamide_efflux"] + a["glycine_excess"] + a["glycine_cleared"]
    assert np.max(np.abs(formed - downstream)) < 1e-9 * given
    # every route of loss is actually used (the balance is not trivially satisfied)
    assert a["excreted"][-1] > 0 and a["glycine_cleared"][-1] > 0 and a["glycinamide_efflux"][-1] > 0
    if drug.route == "iv":
        assert a["unabsorbed"][-1] == 0.0
    else:
        assert a["unabsorbed"][-1] > 0


def test_iv_plasma_auc_matches_clearance():
    """AUC of plasma milacemide after an i.v. bolus = dose / CL (the brain takes a negligible share)."""
    drug = rat(100, route="iv", time_after_dose_h=30.0)
    tc = simulate(drug)
    p = tc.parameters
    vd = p.vd_l_per_kg * tc.regimen.body_weight_kg
    expected = tc.regimen.dose_umol / (p.elimination_per_h * vd)
    assert np.trapezoid(tc.plasma_milacemide_uM, tc.t_h) == pytest.approx(expected, rel=0.01)
    assert tc.plasma_milacemide_uM[0] == pytest.approx(tc.regimen.dose_umol / vd)


def test_routes_bioavailability_and_absorption():
    iv, ip, oral = (simulate(rat(100, route=r, time_after_dose_h=24.0)) for r in ("iv", "ip", "oral"))
    auc = {k: np.trapezoid(tc.plasma_milacemide_uM, tc.t_h) for k, tc in
           (("iv", iv), ("ip", ip), ("oral", oral))}
    assert auc["ip"] / auc["iv"] == pytest.approx(P.BIOAVAILABILITY["ip"], rel=0.01)
    assert auc["oral"] / auc["iv"] == pytest.approx(P.BIOAVAILABILITY["oral"], rel=0.01)
    tmax = {k: tc.t_h[np.argmax(tc.plasma_milacemide_uM)] for k, tc in
            (("iv", iv), ("ip", ip), ("oral", oral))}
    assert tmax["iv"] == 0.0 < tmax["ip"] < tmax["oral"]
    assert ip.plasma_milacemide_uM[0] == 0.0


def test_rapid_cns_equilibration():
    """Brain milacemide follows plasma within minutes (rat CSF study: rapid equilibration)."""
    tc = simulate(rat(100, mao_b_inhibitor="deprenyl", mao_a_inhibitor="clorgyline"))
    lag = tc.t_h[np.argmax(tc.brain_milacemide_uM)] - tc.t_h[np.argmax(tc.plasma_milacemide_uM)]
    assert 0.0 < lag < 0.5
    # after absorption the brain runs just behind the falling plasma level: pseudo-equilibrium
    # ratio Kp * k_bbb / (k_bbb - k_el) (both enzymes blocked, so hardly any brain metabolism)
    p = tc.parameters
    i = np.searchsorted(tc.t_h, 3.0)
    ratio = tc.brain_milacemide_uM[i] / tc.plasma_milacemide_uM[i]
    expected = p.brain_plasma_partition * p.bbb_exchange_per_h / (
        p.bbb_exchange_per_h - p.elimination_per_h
    )
    assert ratio == pytest.approx(expected, rel=0.03)


# --------------------------------------------------------------------------- dosing
def test_dose_conversions_and_body_weights():
    r = resolve_regimen(DrugConfig(species="human", dose_mg=600.0))
    assert r.body_weight_kg == 70.0 and r.dose_mg_per_kg == pytest.approx(600.0 / 70.0)
    r = resolve_regimen(DrugConfig(species="rat", dose_mg_per_kg=100.0))
    assert r.dose_mg == pytest.approx(25.0)
    assert r.dose_umol == pytest.approx(25.0 / 144.218 * 1000.0)
    r = resolve_regimen(DrugConfig(species="mouse", dose_mg_per_kg=10.0, body_weight_kg=0.03))
    assert r.dose_mg == pytest.approx(0.3)
    # with a fixed half-life the same mg/kg gives nearly the same concentrations whatever the body
    # weight (Vd scales with it; only the brain's tiny share of the distribution volume does not)
    fixed = {"pk_scaling": "fixed"}
    a = simulate(DrugConfig(species="rat", dose_mg_per_kg=100.0, body_weight_kg=0.2, **fixed))
    b = simulate(DrugConfig(species="rat", dose_mg=50.0, body_weight_kg=0.5, **fixed))
    assert a.glycine_uM_observed == pytest.approx(b.glycine_uM_observed, rel=1e-3)
    c = simulate(DrugConfig(species="rat", dose_mg=50.0, body_weight_kg=0.25, **fixed))
    assert c.glycine_uM_observed > 1.5 * b.glycine_uM_observed - 0.5 * c.glycine_baseline_uM
    # by allometry (the default) the heavier animal clears the drug more slowly per kg: the same
    # mg/kg leaves more in it 3 h later
    a = simulate(DrugConfig(species="rat", dose_mg_per_kg=100.0, body_weight_kg=0.2))
    b = simulate(DrugConfig(species="rat", dose_mg=50.0, body_weight_kg=0.5))
    assert b.plasma_milacemide_uM_observed > 1.2 * a.plasma_milacemide_uM_observed
    assert b.glycine_uM_observed > a.glycine_uM_observed


def test_regimen_times_and_observation():
    drug = rat(50, doses_per_day=3, days=2, time_after_dose_h=2.5)
    tc = simulate(drug)
    np.testing.assert_allclose(tc.dose_times_h, [0, 8, 16, 24, 32, 40])
    assert tc.observation_h == 42.5
    assert tc.t_h[0] == 0.0 and np.all(np.diff(tc.t_h) > 0)
    assert tc.t_h[-1] >= tc.observation_h + 3.0
    i = tc.observation_index
    assert tc.t_h[i] == tc.observation_h
    assert tc.glycine_uM[i] == tc.glycine_uM_observed
    assert tc.glycinamide_uM[i] == tc.glycinamide_uM_observed
    # repeated doses accumulate a little on top of a single dose (without MAO-B inactivation)...
    single = simulate(rat(50, time_after_dose_h=2.5))
    kept = simulate(rat(50, doses_per_day=3, days=2, time_after_dose_h=2.5,
                        mao_b_inactivation=False))
    assert kept.glycine_uM_observed > single.glycine_uM_observed
    # ...and a regimen of more than a day has mechanism-based inactivation on by default
    assert tc.parameters.mao_b_inactivation and not single.parameters.mao_b_inactivation
    assert tc.mao_b_active_fraction_observed < 0.9
    assert tc.glycine_uM_observed < kept.glycine_uM_observed
    # the dose counter steps at each dose
    assert np.all(np.diff(tc.dosed_umol) >= 0)
    assert tc.dosed_umol[0] == pytest.approx(tc.regimen.dose_umol)


def test_time_course_is_immutable():
    tc = simulate(rat(100))
    assert isinstance(tc, DrugTimeCourse)
    with pytest.raises(ValueError):
        tc.glycine_uM[0] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        tc.observation_h = 1.0  # type: ignore[misc]


def test_human_alzheimer_regimen_runs_fast_and_is_modest():
    drug = DrugConfig(species="human", dose_mg=600.0, doses_per_day=2, days=30, route="oral")
    tc = simulate(drug)
    assert tc.regimen.n_doses == 60 and tc.observation_h == 29.5 * 24 + 3.0
    assert 0.0 < rise_percent(tc) < 59.0  # ~8.6 mg/kg: far below the rat's 100 mg/kg
    # the last dosing interval is sampled finely for the network (steps <= 1 min)
    last = tc.t_h[tc.t_h >= tc.dose_times_h[-1]]
    assert np.max(np.diff(last)) <= P.MAX_OUTPUT_STEP_H + 1e-12


# --------------------------------------------------------------------------- MAO-B mechanism
def test_mao_b_inactivation_kinetics_follow_the_analog():
    """At saturating milacemide the active enzyme decays at ln2 / 46 min; one enzyme is lost per
    ~1850 products (partition ratio, FCE 25692)."""
    p = default_parameters("rat", "iv", "hippocampus", mao_b_inactivation=True)
    rhs, _ = _rhs_factory(p, 0.25)
    y = np.zeros(N_STATES)
    y[MAO_B_ACTIVE] = 1.0
    y[BRAIN] = 1e6 * p.mao_b_km_uM * p.brain_water_l  # cb = 1e6 Km: saturated
    dy = rhs(0.0, y)
    assert -dy[MAO_B_ACTIVE] == pytest.approx(math.log(2) / (46 / 60), rel=1e-4)
    enzyme_lost_uM_per_h = -dy[MAO_B_ACTIVE] * p.mao_b_content_uM
    products_per_enzyme = (dy[FORMED_BY_MAO_B] / p.brain_water_l) / enzyme_lost_uM_per_h
    assert products_per_enzyme == pytest.approx(P.MAO_B_PARTITION_RATIO, rel=1e-4)


def test_mao_b_inactivation_off_by_default_for_one_day_and_lowers_glycine_when_on():
    off = simulate(rat(400))
    on = simulate(rat(400, mao_b_inactivation=True))
    assert np.all(off.mao_b_active_fraction == 1.0)
    assert 0.2 < on.mao_b_active_fraction.min() < 0.95
    assert on.glycine_uM_observed < off.glycine_uM_observed
    # deprenyl-blocked enzyme does not turn milacemide over, so it is not inactivated by it
    dep = simulate(rat(400, mao_b_inactivation=True, mao_b_inhibitor="deprenyl"))
    assert dep.mao_b_active_fraction.min() > on.mao_b_active_fraction.min()


# --------------------------------------------------------------------------- tissue vs extracellular
def _dialysis_peak(dose, region):
    from sim.pharmacology.calibration import extracellular_peak_percent

    return extracellular_peak_percent(simulate(rat(dose, region=region)))


@pytest.mark.parametrize("dose", [400, 800])
def test_frontal_cortex_extracellular_glycine_unchanged_hippocampus_raised(dose):
    """Doheny, Nagaki & Patsalos (microdialysis, 400 and 800 mg/kg i.p.): glycine unchanged in
    frontal cortex, raised in hippocampus."""
    assert abs(_dialysis_peak(dose, "cortex")) <= 10.0
    assert _dialysis_peak(dose, "hippocampus") >= 20.0


def test_csf_glycine_rise_at_100_smaller_than_at_200_and_400():
    """Rat CSF glycine: the rise was significant at 200 and 400 mg/kg, not at 100 (§1); the
    hippocampal extracellular rise is the model's CSF proxy."""
    from sim.pharmacology.calibration import CSF_DETECTABLE_PERCENT

    r100, r200, r400 = (_dialysis_peak(d, "hippocampus") for d in (100, 200, 400))
    assert r100 < CSF_DETECTABLE_PERCENT < r200 < r400


@pytest.mark.parametrize(
    "region, published", [("hippocampus", 59.0), ("cortex", 45.0), ("cerebellum", 137.0)]
)
def test_tissue_glycine_within_15_percent_of_chapman_hart(region, published):
    tc = simulate(rat(100, region=region))
    assert tc.glycine_tissue_change_percent_observed == pytest.approx(published, rel=0.15)
    # the extracellular change is the coupling times the tissue change, at every time
    c = tc.parameters.extracellular_coupling
    np.testing.assert_allclose(tc.glycine_uM - tc.glycine_baseline_uM,
                               c * (tc.glycine_tissue_ratio - 1.0) * tc.glycine_baseline_uM,
                               rtol=1e-12, atol=1e-12)


def test_extracellular_coupling_override():
    one = simulate(rat(100, extracellular_coupling=1.0))
    assert one.glycine_change_percent_observed == pytest.approx(
        one.glycine_tissue_change_percent_observed, rel=1e-12)
    zero = simulate(rat(100, extracellular_coupling=0.0))
    assert zero.glycine_uM_observed == zero.glycine_baseline_uM
    assert zero.glycine_tissue_change_percent_observed == pytest.approx(59.0, abs=1.0)


def test_observation_only_grid_gives_the_same_values():
    drug = DrugConfig(species="human", dose_mg=600.0, doses_per_day=2, days=3, route="oral")
    full, fast = simulate(drug), simulate(drug, observation_only=True)
    assert fast.t_h.size < 10 < full.t_h.size
    for name in ("glycine_uM_observed", "glycinamide_uM_observed", "glycine_tissue_ratio_observed",
                 "mao_b_active_fraction_observed", "plasma_milacemide_uM_observed"):
        assert getattr(fast, name) == pytest.approx(getattr(full, name), rel=1e-9)


# --------------------------------------------------------------------------- allometry, MAO-B
def test_allometric_half_lives():
    """t1/2 = t1/2(rat) (W / 0.25 kg)^(1 - b): a 70 kg human 6.1 h, a 25 g mouse 0.84 h (b 0.75)."""
    assert P.elimination_half_life_h("rat") == 1.5
    assert P.elimination_half_life_h("human") == pytest.approx(1.5 * 280 ** 0.25, rel=1e-12)
    assert 6.0 < P.elimination_half_life_h("human") < 6.2
    assert P.elimination_half_life_h("mouse") == pytest.approx(1.5 * 0.1 ** 0.25, rel=1e-12)
    assert P.elimination_half_life_h("human", scaling="fixed") == 2.5
    lo, hi = P.ALLOMETRIC_EXPONENT_RANGE
    assert P.elimination_half_life_h("human", exponent=lo) > P.elimination_half_life_h(
        "human") > P.elimination_half_life_h("human", exponent=hi)
    # the regimen's body weight is the one scaled
    heavy = simulate(DrugConfig(species="human", dose_mg=400.0, route="oral", body_weight_kg=100))
    assert math.log(2) / heavy.parameters.elimination_per_h == pytest.approx(
        1.5 * 400 ** 0.25, rel=1e-12)
    # the human drug stays longer by allometry than with 0.4's fixed 2.5 h
    human = DrugConfig(species="human", dose_mg=400.0, route="oral", time_after_dose_h=8.0)
    fixed = simulate(human.model_copy(update={"pk_scaling": "fixed"}))
    assert simulate(human).plasma_milacemide_uM_observed > 2 * fixed.plasma_milacemide_uM_observed


def test_mao_b_activity_by_age_and_alzheimers():
    assert P.mao_b_activity_factor() == 1.0
    assert P.mao_b_activity_factor(30.0) == 1.0
    assert P.mao_b_activity_factor(70.0) == pytest.approx(1.21)
    assert P.mao_b_activity_factor(70.0, True) == pytest.approx(1.21 * 1.16)
    drug = DrugConfig(species="human", dose_mg=400.0, route="oral")
    older = drug.model_copy(update={"age_years": 80.0, "alzheimers": True})
    assert simulate(older).parameters.mao_b_vmax_uM_per_h == pytest.approx(
        P.MAO_B_VMAX_UM_PER_H * 1.28 * 1.16)
    assert simulate(older).glycine_uM_observed > simulate(drug).glycine_uM_observed


def test_age_and_alzheimers_are_for_people():
    from sim.errors import ConfigError

    with pytest.raises((ValueError, ConfigError), match="human"):
        DrugConfig(species="rat", age_years=2.0)
    with pytest.raises((ValueError, ConfigError), match="human"):
        DrugConfig(species="mouse", alzheimers=True)


# --------------------------------------------------------------------------- parameters
def _constants_without_source(path: Path, exempt: set[str]) -> list[str]:
    """Module-level UPPER_CASE assignments whose comment block names no source, assumption or
    calibration."""
    lines = path.read_text().splitlines()
    missing = []
    for node in ast.parse(path.read_text()).body:
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
        if not names or names[0] in exempt:
            continue
        i = node.lineno - 2
        # assignments grouped under one comment block share it: step over them
        while i >= 0 and lines[i].strip() and not lines[i].lstrip().startswith("#"):
            i -= 1
        block = []
        while i >= 0 and lines[i].lstrip().startswith("#"):
            block.append(lines[i])
            i -= 1
        text = " ".join(block).lower()
        keys = ("lit ", "assumed", "calibrated", "chapman", "silverman", "supplisson", "derived",
                "midpoint", "c7h16n2o", "equal to", "r * k_inact")
        if not any(k in text for k in keys):
            missing.append(names[0])
    return missing


def test_every_parameter_names_its_source():
    exempt = {"TAIL_AFTER_OBSERVATION_H", "MAX_OUTPUT_STEP_H", "MAX_OUTPUT_POINTS"}
    assert _constants_without_source(Path(P.__file__), exempt) == []


def test_default_parameters_reject_unknown_names():
    with pytest.raises(ValueError, match="species"):
        default_parameters("dog", "ip", "hippocampus")
    with pytest.raises(ValueError, match="region"):
        default_parameters("rat", "ip", "striatum")
    p = default_parameters("rat", "iv", "cortex", mao_b_inhibitor="deprenyl")
    assert p.absorption_per_h == 0.0 and p.mao_b_block == P.DEPRENYL_MAO_B_BLOCK
    with pytest.raises(ValueError, match="another"):
        simulate(rat(10, region="cerebellum"), p)


# --------------------------------------------------------------------------- report
CONTRACT_KEYS = {"glycine_uM", "glycine_baseline_uM", "glycine_change_percent",
                 "glycine_site_occupancy", "glycine_site_occupancy_baseline", "time_course"}
COURSE_KEYS = {"t_h", "plasma_milacemide_uM", "brain_milacemide_uM", "glycinamide_uM", "glycine_uM"}


def test_pk_report_contract_and_bath():
    cfg = load_config(ROOT / "configs" / "pk_rat_100mgkg.toml")
    rep = pk_report(cfg)
    assert CONTRACT_KEYS <= rep.keys() and set(rep["time_course"]) == COURSE_KEYS
    json.dumps(rep)  # JSON-serialisable, no numpy scalars
    n = len(rep["time_course"]["t_h"])
    assert all(len(v) == n for v in rep["time_course"].values())
    assert rep["glycine_tissue_change_percent"] == pytest.approx(59.0, abs=1.0)
    assert rep["glycine_change_percent"] == pytest.approx(0.30 * 59.0, abs=1.0)
    assert rep["dose_mg"] == pytest.approx(25.0) and rep["dose_mg_per_kg"] == 100.0
    expected = float(glycine_site_occupancy(rep["glycine_uM"],
                                            glycinamide_uM=rep["glycinamide_uM"]))
    assert rep["glycine_site_occupancy"] == pytest.approx(expected)
    assert rep["glycine_site_occupancy_glycine_only"] == pytest.approx(
        float(glycine_site_occupancy(rep["glycine_uM"])))
    assert rep["glycine_site_occupancy"] > rep["glycine_site_occupancy_baseline"]

    bathed = pk_report(cfg.replace({"bath.glycine_uM": 10.0, "bath.chlorokynurenate_uM": 5.0}))
    assert bathed["glycine_uM"] == pytest.approx(rep["glycine_uM"] + 10.0)
    assert bathed["glycine_baseline_uM"] == pytest.approx(rep["glycine_baseline_uM"] + 10.0)
    assert bathed["time_course"]["glycine_uM"][0] == pytest.approx(bathed["glycine_baseline_uM"])
    expected = glycine_site_occupancy(bathed["glycine_uM"], chlorokynurenate_uM=5.0,
                                      glycinamide_uM=rep["glycinamide_uM"])
    assert bathed["glycine_site_occupancy"] == pytest.approx(float(expected))


def test_pk_report_zero_dose():
    rep = pk_report(Config())
    assert rep["glycine_change_percent"] == 0.0
    assert rep["glycine_site_occupancy"] == rep["glycine_site_occupancy_baseline"]


def test_format_pk_table_and_plot(tmp_path):
    cfg = load_config(ROOT / "configs" / "pk_human_alzheimer.toml")
    rep = pk_report(cfg)
    assert rep["daily_dose_mg"] == 1200.0 and rep["n_doses"] == 60
    text = format_pk_table(rep)
    assert "human" in text and "600 mg" in text and "oral" in text
    assert "uM" in text and "%" in text and f"{rep['glycine_change_percent']:+.1f}" in text
    out = plot_pk(rep, tmp_path / "new" / "dir" / "pk.png")
    assert out.exists() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
