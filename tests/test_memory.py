"""The memory protocol on its real network (sim.protocols.memory; docs/memory.md).

Every test runs the compiled default network (400 + 100 cells, 2.9 s simulated): training,
the delay jump and recall. Runs with the same seed share everything before the delay jump, so
pairs that differ only in the delay differ only after it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.conditions import receptor_state, site_activation
from sim.config import Config, load_config
from sim.errors import ConfigError
from sim.protocols import memory

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "memory.toml"


def memory_config(**overrides) -> Config:
    """configs/memory.toml without the drug (vehicle), with ``overrides`` (dotted keys)."""
    sets = {"drug.dose_mg_per_kg": 0.0, **overrides}
    return load_config(CONFIG, [f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
                                for k, v in sets.items()])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Vehicle runs of seed 1: trained (1 h and 14 days), untrained, APV during training."""
    cases = {
        "trained_1h": memory_config(**{"protocol.delay_h": 1.0}),
        "trained_14d": memory_config(**{"protocol.delay_h": 336.0}),
        "untrained": memory_config(**{"protocol.delay_h": 1.0, "protocol.g_train_nS": 0.0}),
        "apv": memory_config(**{"protocol.delay_h": 1.0, "bath.apv_uM": 50.0}),
    }
    out = {}
    for name, cfg in cases.items():
        out[name], _ = memory.run_memory(cfg, tmp_path_factory.mktemp(name))
    return out


def test_training_raises_the_assembly_synapses_and_recall(runs):
    trained, untrained = runs["trained_1h"], runs["untrained"]
    assert trained.storage.stored > 0.5  # most assembly synapses switched UP
    assert trained.storage.control_trained < 0.05  # and almost no control synapse
    assert untrained.storage.stored == pytest.approx(0.0, abs=0.01)
    assert trained.recall.overlap > untrained.recall.overlap + 0.15
    assert np.isfinite(trained.recall.latency_ms)
    assert trained.step_through_latency_s > untrained.step_through_latency_s


def test_recall_decays_with_the_delay(runs):
    early, late = runs["trained_1h"], runs["trained_14d"]
    # the same training (same seed, everything before the delay jump is identical) ...
    assert late.storage.assembly_trained == early.storage.assembly_trained
    # ... forgotten over 14 days of background firing, not over 1 h
    assert early.storage.retention_index > 0.95
    assert late.storage.retention_index < 0.5
    assert late.recall.overlap < early.recall.overlap - 0.1
    assert late.step_through_latency_s < early.step_through_latency_s


def test_apv_during_training_prevents_storage(runs):
    apv, trained = runs["apv"], runs["trained_1h"]
    assert apv.storage.stored == pytest.approx(0.0, abs=0.02)
    assert apv.recall.overlap < trained.recall.overlap - 0.15
    assert apv.schedule.gate_train < 0.1 * trained.schedule.gate_train  # 50 uM: ~6 % left
    assert apv.schedule.gate_test == trained.schedule.gate_test  # the antagonist is gone by then


def test_a_dose_acts_through_glycine_site_activation_only(tmp_path):
    """Rat 100 mg/kg 3 h before training (test at once: delay 0) against no drug with the bath
    glycine that gives the same activation: the binary sees the same numbers and the read-outs
    are identical, spike for spike."""
    drug = memory_config(**{"drug.species": "rat", "drug.dose_mg_per_kg": 100.0,
                            "drug.time_after_dose_h": 3.0, "protocol.delay_h": 0.0})
    state = receptor_state(drug)
    target = state.occupancy["exc"].before
    assert target > state.occupancy_baseline + 0.1  # the dose moves the site

    base = memory_config(**{"drug.species": "rat", "protocol.delay_h": 0.0})
    baseline_uM = receptor_state(base).glycine_baseline_uM
    bath_uM = brentq(lambda x: site_activation(base, baseline_uM + x) - target, 0.0, 1000.0,
                     xtol=1e-14, rtol=1e-15)
    bath = memory_config(**{"drug.species": "rat", "protocol.delay_h": 0.0,
                            "bath.glycine_uM": bath_uM})
    bath_state = receptor_state(bath)
    assert memory.runtime_params(bath, bath_state) == memory.runtime_params(drug, state)

    with_drug, sim_drug = memory.run_memory(drug, tmp_path / "drug", state=state)
    with_bath, sim_bath = memory.run_memory(bath, tmp_path / "bath", state=bath_state)
    np.testing.assert_array_equal(sim_drug.outputs["exc_t"], sim_bath.outputs["exc_t"])
    assert with_drug.recall == with_bath.recall
    assert with_drug.storage == with_bath.storage


def test_timing_puts_the_drug_in_its_phase():
    """Which phase sees the drug (no network run: the schedule only)."""
    def sched(timing: str, **kw):
        cfg = memory_config(**{"drug.species": "rat", "drug.dose_mg_per_kg": 100.0,
                               "drug.time_after_dose_h": 3.0, "protocol.delay_h": 24.0,
                               "protocol.drug_timing": timing, **kw})
        return memory.schedule(cfg, receptor_state(cfg))

    before, after, test = (sched(t) for t in ("before_training", "after_training",
                                               "before_test"))
    baseline = receptor_state(memory_config()).occupancy_baseline
    assert before.occupancy_train > baseline + 0.1
    assert after.occupancy_train == pytest.approx(baseline)
    assert test.occupancy_train == pytest.approx(baseline)
    assert test.occupancy_test == pytest.approx(before.occupancy_train)  # 3 h after the dose
    assert after.occupancy_delay_mean > before.occupancy_delay_mean > baseline
    # a dose falling before training when it should precede the test is refused
    with pytest.raises(ConfigError, match="drug.time_after_dose_h"):
        sched("before_test", **{"protocol.delay_h": 2.0})
    # a multi-day regimen runs through every phase
    with pytest.raises(ConfigError, match="protocol.drug_timing"):
        sched("after_training", **{"drug.days": 30, "drug.doses_per_day": 2})


def test_dose_delay_timing_and_antagonist_never_recompile():
    """Everything an experiment varies is a runtime value: one build serves the whole design."""
    base = memory_config()
    variants = [memory_config(**{"drug.dose_mg_per_kg": 10.0}),
                memory_config(**{"protocol.delay_h": 336.0}),
                memory_config(**{"protocol.drug_timing": "after_training"}),
                memory_config(**{"bath.apv_uM": 50.0}),
                memory_config(**{"protocol.delay_rate_hz": 0.5})]
    blueprint = memory.PROTOCOL.blueprint(base)
    assert all(memory.PROTOCOL.blueprint(v) == blueprint for v in variants)
    assert memory.PROTOCOL.blueprint(memory_config(**{"protocol.cue_ms": 100.0})) != blueprint
