"""The co-agonist pools in the compiled network: with D-serine at the synapses the drug acts only
through the extrasynaptic receptors (Papouin et al. 2012)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import resolve
from sim.runner import execute
from sim.store import read_run
from tests.conftest import SWEEP_NETWORK_TOML

# a build of its own (~1 min to compile): left to the `long` run of .ci/run
pytestmark = [pytest.mark.slow, pytest.mark.long]


def _spikes(tmp_path, name, **overrides):
    import tomllib

    base = tomllib.loads(SWEEP_NETWORK_TOML)
    cfg = resolve(base).replace({"mechanisms.coagonist_pool": "dserine_synaptic",
                                 "mechanisms.tonic_glyr": False, **overrides})
    out = tmp_path / name
    out.mkdir()
    summary = execute(cfg, out, progress=False)
    run = read_run(out / "run.h5")
    return summary, np.asarray(run.spikes["exc"][0])


def test_dserine_synapses_leave_the_drug_only_the_extrasynaptic_current(tmp_path):
    # without extrasynaptic conductance the drug has nothing to act on: the same spikes
    s0, t0 = _spikes(tmp_path, "none_0", **{"mechanisms.g_nmda_extrasynaptic_nS": 0.0})
    s4, t4 = _spikes(tmp_path, "none_400", **{"mechanisms.g_nmda_extrasynaptic_nS": 0.0,
                                              "drug.dose_mg_per_kg": 400.0})
    assert s4["glycine_site_occupancy"] == s0["glycine_site_occupancy"]
    np.testing.assert_array_equal(t0, t4)
    # with the tonic extrasynaptic current (the default 1 nS) the dose changes the activity
    _, e0 = _spikes(tmp_path, "ext_0")
    _, e4 = _spikes(tmp_path, "ext_400", **{"drug.dose_mg_per_kg": 400.0})
    assert not np.array_equal(e0, e4)
    assert e0.size > 0 and e4.size > 0
