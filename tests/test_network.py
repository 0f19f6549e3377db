"""The compiled network under the slice manipulations (issues 3 and 4), on the small test network.

Each scenario is one real run of the compiled E/I network: physiological Mg2+ is asynchronous,
0 Mg2+ bursts, APV abolishes the bursts, bicuculline bursts, occupancy and Mg2+ move the NMDA drive.
"""

from __future__ import annotations

import shutil
from importlib.metadata import version

import numpy as np
import pytest

from sim.conditions import receptor_state
from sim.config import resolve
from sim.protocols.epileptiform import PROTOCOL, spikes_of
from sim.runner import execute
from sim.store import read_run
from tests.conftest import SMALL_NETWORK


def small(**overrides):
    return resolve({}).replace({**SMALL_NETWORK, "protocol.duration_s": 12.0, **overrides})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Summaries of the scenarios, computed once (each ~5-10 s of CPU on the small network)."""
    cache = {}

    def get(name, **overrides):
        if name not in cache:
            out = tmp_path_factory.mktemp(name)
            cache[name] = execute(small(**overrides), out)
            cache[name]["_dir"] = out
        return cache[name]

    return get


@pytest.mark.xfail(strict=True, reason="known regression of 0.4 (README, The network): with the "
                   "ion dynamics' calibration the 1 mM Mg2+ state is exc ~14 Hz with Golomb chi "
                   "~0.37, not asynchronous (chi < 0.3) as in 0.3")
def test_physiological_mg_is_low_rate_asynchronous(runs):
    s = runs("mg1")
    assert 0.5 < s["rate_exc_hz"] < 15
    assert s["n_bursts"] == 0
    assert not s["runaway"]
    assert s["synchrony_chi"] < 0.3


def test_zero_mg_ignites_sustained_activity(runs):
    """In 0 Mg2+ the network ignites at once into its first ictal event (tests/test_seizures.py
    follows the events over minutes): within 12 s it is far above the physiological rate."""
    s = runs("mg0", **{"bath.mg_mM": 0.0})
    assert s["rate_exc_hz"] > 5 * runs("mg1")["rate_exc_hz"]
    assert s["k_o_peak_mM"] > 8.0


def test_removing_mg_raises_nmda_drive(runs):
    assert runs("mg0", **{"bath.mg_mM": 0.0})["mean_g_nmda_exc_nS"] > \
        3 * runs("mg1")["mean_g_nmda_exc_nS"]


def test_apv_abolishes_low_mg_bursts(runs):
    s = runs("mg0_apv", **{"bath.mg_mM": 0.0, "bath.apv_uM": 50.0})
    assert s["n_bursts"] == 0
    assert s["mean_g_nmda_exc_nS"] < 0.2 * runs("mg0", **{"bath.mg_mM": 0.0})["mean_g_nmda_exc_nS"]


@pytest.mark.xfail(strict=True, reason="known regression of 0.4 (README, Seizures): 20 uM "
                   "bicuculline at 1 mM Mg2+ gives tonic firing (exc ~54 Hz, [K+]o ~9.3 mM), "
                   "no bursts")
def test_bicuculline_gives_bursts_at_normal_mg(runs):
    s = runs("bic", **{"bath.bicuculline_uM": 20.0})
    assert s["n_bursts"] >= 2
    assert not s["runaway"]


def test_raising_occupancy_raises_nmda_drive(runs):
    # 30 uM bath glycine saturates the glycine site (occupancy 0.42 -> 0.97); GlyR off so that
    # only the co-agonist action differs.
    base = runs("mg1_noglyr", **{"mechanisms.tonic_glyr": False})
    high = runs("mg1_gly", **{"bath.glycine_uM": 30.0, "mechanisms.tonic_glyr": False})
    assert high["glycine_site_occupancy"] > base["glycine_site_occupancy"] + 0.4
    assert high["mean_g_nmda_exc_nS"] > 1.5 * base["mean_g_nmda_exc_nS"]


def test_dose_changes_the_metrics_without_recompiling(runs, build_cache):
    builds_before = sorted(p.name for p in build_cache.glob("*/manifest.json"))
    zero = runs("mg0", **{"bath.mg_mM": 0.0})
    dosed = runs("mg0_400", **{"bath.mg_mM": 0.0, "drug.dose_mg_per_kg": 400.0})
    assert dosed["glycine_site_occupancy"] > zero["glycine_site_occupancy"]
    assert dosed["mean_g_nmda_exc_nS"] != zero["mean_g_nmda_exc_nS"]
    builds_after = sorted(p.name for p in build_cache.glob("*/manifest.json"))
    assert len(builds_after) <= max(len(builds_before), 1)


def test_same_seed_bit_identical_other_seed_differs(tmp_path):
    cfg = small()  # the scenarios' structure: no extra compile
    state = receptor_state(cfg)
    a, b, c = (spikes_of(PROTOCOL.simulate(c, state, tmp_path).outputs)
               for c in (cfg, cfg, cfg.replace({"simulation.seed": 2})))
    for pop in ("exc", "inh"):
        assert np.array_equal(a[pop][0], b[pop][0])
        assert np.array_equal(a[pop][1], b[pop][1])
    assert not np.array_equal(a["exc"][0][:100], c["exc"][0][:100])


def test_run_h5_follows_the_contract(runs):
    s = runs("mg1")
    run = read_run(s["_dir"] / "run.h5")
    assert set(run.spikes) == {"exc", "inh"}
    assert run.attrs["config_hash"] == s["config_hash"]
    assert run.attrs["seed"] == 1 and run.attrs["brian2_version"] == version("brian2")
    assert run.config.config_hash() == s["config_hash"]
    assert run.spikes["exc"][0].dtype == np.float64
    assert run.rates["exc"].size == round(12.0 / run.rate_dt_s)
    assert {"t_h", "glycine_uM"} <= set(run.drug)
    import h5py

    with h5py.File(s["_dir"] / "run.h5") as f:
        missing = []
        f.visititems(lambda name, obj: missing.append(name)
                     if isinstance(obj, h5py.Dataset) and "units" not in obj.attrs else None)
        assert missing == []
        for key in ("config", "config_hash", "seed", "sim_version", "brian2_version", "created"):
            assert key in f.attrs


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.xfail(strict=True, reason="known regression of 0.4 (README, The network): the 4000-"
                   "neuron network at 1 mM Mg2+ fires at exc ~15.1 Hz, over the 15 Hz bound")
def test_default_network_at_physiological_mg(tmp_path):
    cfg = resolve({}).replace({"protocol.duration_s": 6.0})
    s = execute(cfg, tmp_path)
    assert 0.5 < s["rate_exc_hz"] < 15 and s["n_bursts"] == 0 and not s["runaway"]
    shutil.rmtree(tmp_path)


def test_mg_washout_within_a_run_unblocks_nmda(runs):
    s = runs("washout", **{"bath.mg_mM": 0.0, "protocol.mg_washout_from_mM": 1.2,
                           "protocol.mg_washout_start_s": 5.0,
                           "protocol.mg_washout_duration_s": 2.0})
    run = read_run(s["_dir"] / "run.h5")
    t, g = run.traces["t_s"], run.traces["g_nmda_exc_nS"].mean(axis=1)
    before = g[(t > 2.0) & (t < 5.0)].mean()
    after = g[t > 7.0].mean()
    assert after > 1.5 * before
    # ... and the network ignites: [K+]o climbs to ictal levels (the event outlasts the 12 s run,
    # so it is not a complete burst here; tests/test_seizures.py follows events over minutes)
    k = run.traces["k_o_mM"]
    k_t = run.traces["ions_t_s"]
    assert k[k_t < 5.0].max() < 5.5
    assert k.max() > 8.0


def test_glycine_washin_steps_occupancy_mid_run(runs):
    s = runs("washin", **{"protocol.glycine_washin_uM": 30.0,
                          "protocol.glycine_washin_start_s": 6.0, "mechanisms.tonic_glyr": False})
    run = read_run(s["_dir"] / "run.h5")
    assert run.conditions["occupancy_exc_after"] > run.conditions["occupancy_exc_before"] + 0.4
    t, g = run.traces["t_s"], run.traces["g_nmda_exc_nS"].mean(axis=1)
    assert g[t > 6.5].mean() > 1.5 * g[(t > 2.0) & (t < 6.0)].mean()


def test_numerical_blow_up_stops_the_run_clearly_and_keeps_the_log(tmp_path):
    # Validation refuses time constants below 10 dt; bypass it (model_copy does not validate)
    # to give the depression variable a 0.1 us recovery, which forward Euler cannot integrate.
    from sim.errors import RunError

    cfg = small()  # the scenarios' structure: no extra compile
    cfg = cfg.model_copy(update={
        "network": cfg.network.model_copy(update={"depression_tau_rec_s": 1e-7})})

    with pytest.raises(RunError, match="numerical blow-up.*population exc"):
        execute(cfg, tmp_path)
    assert (tmp_path / "run.log").exists()
    assert not (tmp_path / "summary.json").exists() and not (tmp_path / "run.h5").exists()


def test_the_ion_clock_is_structural_and_every_step_is_one_build():
    """simulation.ion_dt_ms (default 1 ms) compiles a build of its own; 0 (every step) and one
    simulation step are the same build, the every-step build of milasim <= 0.7.1."""
    from sim.protocols.epileptiform import structure_of

    cfg = small()
    assert cfg.simulation.ion_dt_ms == 1.0
    default = structure_of(cfg)
    every_step = structure_of(cfg.replace({"simulation.ion_dt_ms": 0}))
    assert default == {**every_step, "ion_dt_ms": 1.0} and "ion_dt_ms" not in every_step
    assert structure_of(cfg.replace({"simulation.ion_dt_ms": 0.1})) == every_step
    coarse = cfg.replace({"simulation.dt_ms": 0.2})
    assert "ion_dt_ms" not in structure_of(coarse.replace({"simulation.ion_dt_ms": 0.2}))
