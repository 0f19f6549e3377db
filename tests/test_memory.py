"""The memory protocol on its real network (sim.protocols.memory; docs/memory.md).

Every test runs the compiled default network (400 + 100 cells, 2.9 s simulated): training,
the delay jump and recall. Runs with the same seed share everything before the delay jump, so
pairs that differ only in the delay differ only after it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config import Config, load_config
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
