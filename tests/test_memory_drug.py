"""The memory protocol's drug path: a dose acts through glycine-site activation only, in the
phase its timing names, and never recompiles (sim.protocols.memory; docs/memory.md). Apart from
tests/test_memory.py so that the two files' runs share the suite's two workers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.conditions import receptor_state, site_activation
from sim.errors import ConfigError
from sim.protocols import memory
from tests.test_memory import memory_config


@pytest.mark.slow
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


def test_the_memory_network_shares_the_slow_calcium_pool_and_it_speeds_forgetting():
    """The memory synapses have the LTP preparation's slow calcium pool (0.7): unset, its gain is
    the preparation's 0.008 uM/ms (0 with the Shouval rule). The delay's background calcium holds
    it, so at the default 0.16 Hz fewer UP synapses survive 24 h with it than with it off, which
    is why delay_rate_hz was refitted from 0.18 Hz (docs/memory.md, "Calibration")."""
    from sim.protocols import ltp

    on = memory_config()
    off = memory_config(**{"plasticity.ca_slow_uM_per_ms": 0.0})
    assert ltp.ca_slow_gain(on) == 0.008
    prep = on.replace({"experiment.protocol": "ltp", "protocol": {}})
    assert ltp.ca_slow_gain(prep) == 0.008
    assert ltp.ca_slow_gain(prep.replace({"plasticity.rule": "shouval"})) == 0.0
    params_on = memory.runtime_params(on, receptor_state(on))
    params_off = memory.runtime_params(off, receptor_state(off))
    assert params_on["ca_slow_uM_per_ms"] == 0.008 and params_off["ca_slow_uM_per_ms"] == 0.0
    assert params_on["p_up_from_up"] < params_off["p_up_from_up"] - 0.1
