"""Ictal events of the seizure network (issue 15), on the shipped configs and the real network.

Each scenario is one run of 20 s to 2 min of simulated time on the 800-neuron seizure network
(configs/epileptiform.toml): slow, and run in CI (~3 CPU min in all). The 10 min runs behind the
README's numbers are the same configs with a longer protocol.duration_s. The numbers asserted
are the issue's targets (Avoli et al. 1991 for 0 Mg2+; Chamberlin & Dingledine 1989 for high
K+); where the model misses one, the README says so and no test claims it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import load_config
from sim.runner import execute
from sim.store import read_run

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def seizure_cfg(config: str = "epileptiform", **overrides):
    return load_config(ROOT / "configs" / f"{config}.toml").replace(overrides)


def experiment_configs(name: str, by: str, where: dict) -> dict:
    """The configs of the grid points of experiments/NAME.toml whose swept values match ``where``,
    keyed by their value of the swept key ``by``."""
    from sim.sweeps import load_experiment

    points = load_experiment(ROOT / "experiments" / f"{name}.toml").points
    return {p.values[by]: p.config for p in points
            if all(p.values[key] == value for key, value in where.items())}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    cache = {}

    def get(name, config="epileptiform", **overrides):
        if name not in cache:
            out = tmp_path_factory.mktemp(name)
            cache[name] = execute(seizure_cfg(config, **overrides), out)
            cache[name]["_dir"] = out
        return cache[name]

    return get


def test_zero_mg_makes_recurrent_self_terminating_ictal_events(runs):
    s = runs("mg0", **{"protocol.duration_s": 120.0})
    assert not s["runaway"]
    assert s["ictal_event_count"] >= 2
    assert s["ictal_rate_per_min"] >= 0.3  # the issue asks >= 3 per 10 min (README: 14 in 10 min)
    assert 10.0 <= s["mean_ictal_duration_s"] <= 80.0
    assert s["postictal_suppression_s"] > 2.0  # silence after each event
    assert s["interictal_discharge_rate_hz"] > 0.0  # discharges between events
    assert 8.0 <= s["k_o_peak_mM"] <= 13.0
    # inside events the network fires at ictal rates, between them it is nearly silent
    assert s["rate_exc_in_events_hz"] > 50.0
    assert s["rate_exc_between_events_hz"] < 5.0
    run = read_run(s["_dir"])
    assert run.traces["k_o_mM"].size == run.traces["ions_t_s"].size
    assert run.analysis["ictal/start_s"].size == s["ictal_event_count"]


def test_physiological_mg_has_no_ictal_event(runs):
    s = runs("mg12", **{"bath.mg_mM": 1.2, "protocol.duration_s": 30.0})
    assert s["ictal_event_count"] == 0 and not s["runaway"]
    assert s["k_o_peak_mM"] < 5.5  # background firing barely moves [K+]o
    assert s["rate_exc_hz"] < 15.0


def test_apv_abolishes_ictal_events(runs):
    s = runs("apv", **{"bath.apv_uM": 50.0, "protocol.duration_s": 30.0})
    assert s["ictal_event_count"] == 0 and not s["runaway"]


@pytest.mark.xfail(strict=True, reason="known disagreement (README, Seizures): at 8.5 mM K+ and "
                   "1.2 mM Mg2+ the model fires tonically (~20 Hz, [K+]o ~9 mM) instead of "
                   "bursting every 0.5-5 s as CA3 slices do; strict, so a fix shows up")
def test_high_k_makes_recurrent_interictal_discharges(runs):
    s = runs("high_k", "seizure_high_k", **{"protocol.duration_s": 20.0})
    assert s["n_bursts"] >= 5 and not s["runaway"]
    assert 0.5 <= s["mean_interburst_interval_s"] <= 5.0  # CA3 slices: 1.4 +/- 0.1 s


def test_burst_ahp_turns_zero_mg_firing_into_brief_interictal_discharges(runs):
    """With the burst AHP on (2 nS per spike, 300 ms) the 0 Mg2+ network bursts instead of holding
    a high state: brief discharges every 0.5-5 s (README, Seizures: experiments/burst_ahp.toml
    measured discharges of 0.53-0.87 s every 1.5-2.0 s over 3 seeds of 120 s; without it they
    last 6.6-10.1 s)."""
    s = runs("burst_ahp", **{"network.burst_ahp_b_nS": 2.0, "network.burst_ahp_tau_ms": 300.0,
                             "protocol.duration_s": 30.0})
    assert not s["runaway"]
    assert s["n_bursts"] >= 10
    assert s["mean_burst_duration_s"] < 1.0
    assert 0.5 <= s["mean_interburst_interval_s"] <= 5.0
    assert s["k_o_peak_mM"] < 8.0  # the bursts leave [K+]o below ictal levels


def test_mg_washout_dates_the_first_seizure_after_the_washout_starts(runs):
    """configs/seizure_mg_washout.toml: 1.2 mM Mg2+ for 20 s, then a 60 s ramp to 0. The network
    fires asynchronously at ~14 Hz before the wash-out; the control-period baseline
    (analysis.burst_baseline_until_s = 20) keeps that firing out of the first seizure, whose onset
    is then a measurement (README, Seizures: 57.1 s at seed 1, where the rate, creeping up as Mg2+
    falls, crosses 3x the control rate; it used to be merged into a 0-88.7 s "event")."""
    s = runs("washout", "seizure_mg_washout", **{"protocol.duration_s": 100.0})
    assert s["ictal_event_count"] >= 1 and not s["runaway"]
    assert 30.0 <= s["time_to_first_ictal_s"] <= 80.0  # after the ramp began, before it ends
    run = read_run(s["_dir"])
    assert run.analysis["events/start_s"][0] > 20.0  # nothing detected in normal ACSF
    assert s["baseline_rate_hz"] > 5.0  # the control period's asynchronous firing


@pytest.mark.long
def test_slow_ahp_calibration_makes_recurrent_events_of_slowing_bursts(tmp_path):
    """experiments/seizure_slow_ahp.toml (opt-in calibration: depression U 0.2 / 2 s, a 5 mM glial
    buffer, a 40 s slow AHP), 0 Mg2+, seed 1, 180 s. README, "A second calibration": its 600 s
    runs make 16-20 events of 11-26 s in 10 min with post-ictal silences; 180 s of seed 1 made 6
    (5 complete, 13.9-15.0 s, [K+]o peak 10.2 mM, post-ictal 17 s) whose bursts, read on a
    quarter of each event's peak rate, slow from 1.02 to 0.83 per s."""
    from sim.sweeps import load_experiment

    point = load_experiment(ROOT / "experiments" / "seizure_slow_ahp.toml").points[0]
    assert point.values["simulation.seed"] == 1 and point.config.bath.mg_mM == 0.0
    s = execute(point.config.replace({"protocol.duration_s": 180.0}), tmp_path)
    assert not s["runaway"]
    assert s["ictal_event_count"] >= 4  # the issue asks >= 3 per 10 min
    assert 10.0 <= s["mean_ictal_duration_s"] <= 80.0
    assert s["postictal_suppression_s"] > 10.0
    assert 8.0 <= s["k_o_peak_mM"] <= 12.0
    run = read_run(tmp_path)
    complete = run.analysis["ictal/complete"].astype(bool)
    assert (run.analysis["ictal/clonic_bursts"][complete] >= 5).all()  # bursts in every event
    assert s["clonic_last_hz"] < s["clonic_first_hz"]  # and they slow


def test_recurrent_calibration_bursts_in_high_k_and_is_quiet_in_normal_acsf(runs):
    """configs/seizure_recurrent.toml (opt-in: weaker drive, stronger recurrent synapses): at
    8.5 mM K+ and 1.2 mM Mg2+ population bursts recur every 0.5-5 s, as in CA3 slices (1.4 s;
    README, "A third calibration": every 3.06 s over 10 min at seed 1); in normal ACSF the same
    network is nearly silent. The default calibration fails the first (the strict xfail above)."""
    high_k = runs("rec_high_k", "seizure_recurrent",
                  **{"bath.mg_mM": 1.2, "bath.k_mM": 8.5, "protocol.duration_s": 30.0})
    assert not high_k["runaway"]
    assert high_k["n_bursts"] >= 5
    assert 0.5 <= high_k["mean_interburst_interval_s"] <= 5.0
    assert high_k["mean_burst_duration_s"] < 1.0  # brief interictal bursts, not ictal events
    normal = runs("rec_normal", "seizure_recurrent",
                  **{"bath.mg_mM": 1.2, "protocol.duration_s": 30.0})
    assert normal["ictal_event_count"] == 0 and normal["n_bursts"] == 0
    assert normal["rate_exc_hz"] < 1.0
    assert normal["k_o_peak_mM"] < 4.0


@pytest.mark.long
def test_measured_depression_brings_the_high_k_interval_nearer_ca3(tmp_path):
    """configs/seizure_recurrent_tm.toml (U 0.5, recovery 0.8 s; Tsodyks et al. 2000) against
    seizure_recurrent.toml (U 0.2, 2 s) at 8.5 mM K+ / 1.2 mM Mg2+, seed 1, 60 s: the same ceiling
    on release (U x recovery 0.4 s) and faster recovery, so brief bursts come sooner after each
    other, nearer CA3's 1.4 s (README, "Measured depression": 1.8 vs 3.1 s over 10 min)."""
    bath = {"bath.mg_mM": 1.2, "bath.k_mM": 8.5, "protocol.duration_s": 60.0}
    assumed = execute(seizure_cfg("seizure_recurrent", **bath), tmp_path / "assumed")
    measured = execute(seizure_cfg("seizure_recurrent_tm", **bath), tmp_path / "measured")
    for s in (assumed, measured):
        assert not s["runaway"] and s["mean_burst_duration_s"] < 1.0
    assert 1.0 <= measured["mean_interburst_interval_s"] <= 2.5
    assert measured["mean_interburst_interval_s"] < assumed["mean_interburst_interval_s"] - 0.5


@pytest.mark.long
def test_slow_na_inactivation_brings_the_ictal_k_peak_into_the_slice_range(tmp_path):
    """configs/seizure_recurrent_na_inactivation.toml, 0 Mg2+, seed 1, 100 s: with 0.3 % of the
    Na+ channels inactivated per spike the ictal events stay (README, "Slow Na+ inactivation":
    15.3 s in this run) but cells fire slower inside them and [K+]o peaks in the 8-12 mM of
    slices (11.1 mM; 12.8 without); at 0.8 % per spike only brief discharges remain."""
    short = {"protocol.duration_s": 100.0}
    shipped = execute(seizure_cfg("seizure_recurrent_na_inactivation", **short), tmp_path / "a")
    assert not shipped["runaway"] and shipped["ictal_event_count"] >= 1
    assert 10.0 <= shipped["mean_ictal_duration_s"] <= 80.0
    assert 8.0 <= shipped["k_o_peak_mM"] <= 12.0
    assert shipped["rate_exc_in_events_hz"] < 180.0  # ~230 Hz without the inactivation
    strong = execute(seizure_cfg("seizure_recurrent_na_inactivation", **short,
                                 **{"network.na_inact_per_spike": 0.008}), tmp_path / "b")
    assert strong["ictal_event_count"] == 0 and strong["n_bursts"] >= 3
    assert strong["k_o_peak_mM"] < 8.0


@pytest.mark.long
def test_na_inactivation_and_measured_depression_together_keep_both_fixes(tmp_path):
    """configs/seizure_recurrent_na_inactivation_tm.toml, seed 1: the 0 Mg2+ [K+]o peak stays in
    the slice range (the inactivation's fix; 11.1 mM over 100 s) and the 8.5 mM K+ / 1.2 mM Mg2+
    bursts come about as often as in CA3 (the depression's fix; 1.4 +/- 0.1 s in slices, 1.43 s
    over 100 s here, 1.79 s with the depression alone) (README, "Both together")."""
    both = "seizure_recurrent_na_inactivation_tm"
    zero_mg = execute(seizure_cfg(both, **{"protocol.duration_s": 100.0}), tmp_path / "0mg")
    assert not zero_mg["runaway"] and zero_mg["ictal_event_count"] >= 1
    assert 8.0 <= zero_mg["k_o_peak_mM"] <= 12.0
    high_k = execute(seizure_cfg(both, **{"bath.mg_mM": 1.2, "bath.k_mM": 8.5,
                                          "protocol.duration_s": 60.0}), tmp_path / "highK")
    assert not high_k["runaway"] and high_k["mean_burst_duration_s"] < 1.0
    assert 1.2 <= high_k["mean_interburst_interval_s"] <= 1.7


@pytest.mark.long
def test_a_burst_ahp_puts_interictal_discharges_between_ictal_events(tmp_path):
    """configs/seizure_recurrent_discharges.toml, 0 Mg2+, seed 1, 230 s: brief discharges, an
    ictal event, post-ictal silence, discharges again, the next ictal event, as in Avoli et al.
    1991's slices (README, "Discharges between events": in the scan's 300 s run, events of 10.6
    and 11.8 s at 51 and 206 s with 7 discharges of ~0.35 s between them)."""
    s = execute(seizure_cfg("seizure_recurrent_discharges", **{"protocol.duration_s": 230.0}),
                tmp_path)
    assert not s["runaway"] and s["ictal_event_count"] >= 2
    assert 8.0 <= s["k_o_peak_mM"] <= 12.0
    run = read_run(tmp_path)
    first_end, second_start = run.analysis["ictal/stop_s"][0], run.analysis["ictal/start_s"][1]
    start, stop = run.analysis["events/start_s"], run.analysis["events/stop_s"]
    between = (stop - start < 1.0) & (start > first_end) & (start < second_start)
    assert between.sum() >= 3


@pytest.mark.long
def test_chloride_loading_lengthens_the_ictal_events(tmp_path):
    """configs/seizure_recurrent_chloride.toml, 0 Mg2+, seed 1, 220 s: GABA-A current loads Cl-
    into the cells during an ictal event ([Cl-]i 4.5 -> ~13 mM in pyramidal cells, E_GABA -75 ->
    ~-52 mV) and KCC2 takes it back out in the post-ictal silence; with inhibition fading the
    event that follows the opening one lasts ~80 s, against 22-27 s without Cl- dynamics (README,
    "Chloride"), still one sustained state."""
    s = execute(seizure_cfg("seizure_recurrent_chloride", **{"protocol.duration_s": 220.0}),
                tmp_path)
    assert not s["runaway"] and s["ictal_event_count"] >= 1
    assert s["mean_ictal_duration_s"] > 45.0
    assert 8.0 <= s["k_o_peak_mM"] <= 12.0
    run = read_run(tmp_path)
    t, cl = run.traces["ions_t_s"], run.traces["cl_in_exc_mM"]
    start, stop = run.analysis["ictal/start_s"], run.analysis["ictal/stop_s"]
    inside = (t > start[1]) & (t < stop[1])
    assert 10.0 < cl[inside].max() < 20.0
    silent = (t > stop[0] + 30.0) & (t < start[1])
    assert cl[silent].max() < 7.0


@pytest.mark.long
def test_recurrent_calibration_makes_ictal_events_in_zero_mg(tmp_path):
    """experiments/seizure_recurrent.toml, 0 Mg2+, seed 1, 200 s: the calibration that bursts in
    high K+ also makes self-terminating ictal events in 0 Mg2+ (README, "A third calibration":
    seed 1 over 600 s made 7 of 16.6 s on average, every 90.9 s, [K+]o 12.8 mM)."""
    from sim.sweeps import load_experiment

    point = load_experiment(ROOT / "experiments" / "seizure_recurrent.toml").points[0]
    assert point.values["simulation.seed"] == 1 and point.config.bath.mg_mM == 0.0
    s = execute(point.config.replace({"protocol.duration_s": 200.0}), tmp_path)
    assert not s["runaway"]
    assert s["ictal_event_count"] >= 2
    assert 10.0 <= s["mean_ictal_duration_s"] <= 80.0
    assert s["postictal_suppression_s"] > 10.0
    assert 8.0 <= s["k_o_peak_mM"] <= 14.0  # the issue asks 8-12; README gives the miss
    assert s["rate_exc_between_events_hz"] < 2.0


@pytest.mark.long
def test_milacemide_lengthens_ictal_events_on_the_recurrent_calibration(tmp_path):
    """experiments/seizure_recurrent_dose.toml, seed 1, 0 and 100 mg/kg (rat i.p., hippocampus,
    3 h), 200 s each: the drug lengthens the 0 Mg2+ ictal events and raises [K+]o without
    running away (README, "A third calibration": 18.2 -> 37.7 s over 10 seeds, seed 1
    16.7 -> 29.6 s; the shortest 100 mg/kg seed, 27.8 s, is longer than the longest undrugged
    one, 20.8 s)."""
    chosen = experiment_configs("seizure_recurrent_dose", "drug.dose_mg_per_kg",
                                {"simulation.seed": 1})
    assert {0, 100} <= chosen.keys()
    none = execute(chosen[0], tmp_path / "0")
    drug = execute(chosen[100], tmp_path / "100")
    assert drug["glycine_site_occupancy"] > none["glycine_site_occupancy"] + 0.1
    assert not none["runaway"] and not drug["runaway"]
    assert none["ictal_event_count"] >= 2 and drug["ictal_event_count"] >= 2
    assert drug["mean_ictal_duration_s"] > 1.3 * none["mean_ictal_duration_s"]
    assert drug["k_o_peak_mM"] > none["k_o_peak_mM"]


@pytest.mark.long
def test_milacemide_brings_brief_discharges_to_the_recurrent_calibration_in_normal_acsf(tmp_path):
    """experiments/seizure_recurrent_mg.toml at 1.2 mM Mg2+, seed 1, no drug and 400 mg/kg, 200 s
    each: silent without the drug, sparse brief discharges with it, no ictal event (README, "A third
    calibration", Mg2+ dependence: 2-3 discharges of 0.4 s in every drugged seed, none without)."""
    chosen = experiment_configs("seizure_recurrent_mg", "drug.dose_mg_per_kg",
                                {"simulation.seed": 1, "bath.mg_mM": 1.2})
    assert sorted(chosen) == [0, 400]
    none = execute(chosen[0], tmp_path / "0")
    drug = execute(chosen[400], tmp_path / "400")
    assert none["n_bursts"] == 0 and none["rate_exc_hz"] < 0.5
    assert drug["n_bursts"] >= 1 and drug["ictal_event_count"] == 0
    assert drug["mean_burst_duration_s"] < 1.0
    assert drug["k_o_peak_mM"] > none["k_o_peak_mM"] + 0.5
