"""From drug + bath to the typed receptor state every protocol runs with; the mechanism switches."""

from __future__ import annotations

import dataclasses

import pytest

from sim.conditions import Levels, ReceptorState, receptor_state
from sim.config import resolve
from sim.pharmacology import simulate
from sim.protocols.epileptiform import runtime_params
from sim.receptors import glycine_site_occupancy


def state(**overrides):
    cfg = resolve({}).replace({"drug.dose_mg_per_kg": 400.0, **overrides})
    return receptor_state(cfg), cfg


def test_the_state_is_typed_frozen_and_reuses_a_given_drug_course():
    s, cfg = state()
    assert isinstance(s, ReceptorState) and isinstance(s.occupancy["exc"], Levels)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mg_mM = 2.0  # type: ignore[misc]
    again = receptor_state(cfg, simulate(cfg.drug))
    assert again == s
    assert s.glycine_uM.before == pytest.approx(s.drug.glycine_uM_observed)
    assert s.glycine_baseline_uM == pytest.approx(2.6)
    values = s.conditions()
    assert values["glycine_site_occupancy"] == (s.occupancy["exc"].before, "1")
    assert values["dose_mg_per_kg"] == (400.0, "mg/kg")
    assert all(isinstance(unit, str) and unit for _, unit in values.values())


def test_drug_raises_occupancy_of_both_populations_by_default():
    s, _ = state()
    base = float(glycine_site_occupancy(2.6))
    assert s.occupancy["exc"].before > base + 0.05
    assert s.occupancy["inh"].before == s.occupancy["exc"].before


def test_coagonism_off_keeps_the_no_drug_occupancy():
    s, _ = state(**{"mechanisms.nmda_coagonism": False})
    assert s.occupancy["exc"].before == pytest.approx(float(glycine_site_occupancy(2.6)))
    assert s.occupancy["inh"].before == s.occupancy["exc"].before


def test_interneuron_switch_acts_on_interneurons_only():
    s, _ = state(**{"mechanisms.nmda_on_interneurons": False})
    assert s.occupancy["inh"].before == pytest.approx(float(glycine_site_occupancy(2.6)))
    assert s.occupancy["exc"].before > s.occupancy["inh"].before + 0.05


def test_tonic_glyr_switch():
    on, _ = state(**{"bath.glycine_uM": 200.0})
    off, _ = state(**{"bath.glycine_uM": 200.0, "mechanisms.tonic_glyr": False})
    assert on.glyr_activation.before > 0.5
    assert off.glyr_activation.before == 0.0


def test_bath_glycine_counts_even_when_coagonism_is_off():
    s, _ = state(**{"bath.glycine_uM": 30.0, "mechanisms.nmda_coagonism": False})
    assert s.occupancy["exc"].before == pytest.approx(float(glycine_site_occupancy(32.6)))


def test_washin_and_antagonists():
    s, cfg = state(**{"protocol.glycine_washin_uM": 100.0, "bath.apv_uM": 50.0,
                      "bath.bicuculline_uM": 20.0, "bath.chlorokynurenate_uM": 10.0})
    assert s.occupancy["exc"].after > s.occupancy["exc"].before
    assert s.apv_unblocked == pytest.approx(3 / 53)
    assert s.gaba_unblocked == pytest.approx(2 / 22)
    params = runtime_params(cfg, s)
    assert params["exc.washin_t_s"] == cfg.protocol.glycine_washin_start_s
    assert params["inh.apv_unblocked"] == params["exc.apv_unblocked"]


def test_no_washin_means_a_step_that_never_comes():
    s, cfg = state()
    assert s.occupancy["exc"].after == s.occupancy["exc"].before
    assert runtime_params(cfg, s)["exc.washin_t_s"] > 1e6


def test_mg_washout_ramp_parameters():
    cfg = resolve({}).replace({"bath.mg_mM": 0.0, "protocol.mg_washout_from_mM": 1.2})
    p = runtime_params(cfg, receptor_state(cfg))
    assert p["exc.mg_from_mM"] == 1.2 and p["exc.mg_mM"] == 0.0
    assert p["exc.mg_ramp_s"] == cfg.protocol.mg_washout_duration_s


# --------------------------------------------------------------------------- co-agonist pools
def test_coagonist_pools_decide_which_receptors_the_drug_reaches():
    no_drug = float(glycine_site_occupancy(2.6))
    bulk, _ = state()
    dser, _ = state(**{"mechanisms.coagonist_pool": "dserine_synaptic"})
    dent, _ = state(**{"mechanisms.coagonist_pool": "glycine_synaptic"})
    for pop in ("exc", "inh"):
        # CA3-CA1: D-serine holds the synapses at the no-drug value; glycine raises extrasynaptic
        assert dser.occupancy[pop].before == pytest.approx(no_drug)
        assert dser.occupancy_extrasynaptic[pop].before == bulk.occupancy[pop].before > no_drug
        # dentate: glycine at both; bulk: one pool
        assert dent.occupancy[pop] == bulk.occupancy[pop] == dent.occupancy_extrasynaptic[pop]
    # only the non-bulk pools put extrasynaptic receptors in the network (a build of their own)
    from sim.protocols.epileptiform import structure_of

    _, cfg_bulk = state()
    _, cfg_dser = state(**{"mechanisms.coagonist_pool": "dserine_synaptic"})
    assert "extrasynaptic_nmda" not in structure_of(cfg_bulk)
    assert structure_of(cfg_dser)["extrasynaptic_nmda"] is True
    p = runtime_params(cfg_dser, dser)
    assert p["exc.occupancy_ext_before"] == dser.occupancy_extrasynaptic["exc"].before
    assert p["exc.g_nmda_ext_nS"] == 1.0
    assert "exc.g_nmda_ext_nS" not in runtime_params(cfg_bulk, bulk)
