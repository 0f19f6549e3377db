"""From drug + bath to the receptor state the network runs with; the mechanism switches."""

from __future__ import annotations

import pytest

from sim.conditions import network_state
from sim.config import resolve
from sim.model.network import runtime_params
from sim.pharmacology.report import pk_report
from sim.receptors import glycine_site_occupancy


def state(**overrides):
    cfg = resolve({}).replace({"drug.dose_mg_per_kg": 400.0, **overrides})
    return network_state(cfg, pk_report(cfg)), cfg


def test_drug_raises_occupancy_of_both_populations_by_default():
    s, _ = state()
    base = float(glycine_site_occupancy(2.6))
    assert s["occupancy_exc_before"] > base + 0.05
    assert s["occupancy_inh_before"] == s["occupancy_exc_before"]


def test_coagonism_off_keeps_the_no_drug_occupancy():
    s, _ = state(**{"mechanisms.nmda_coagonism": False})
    assert s["occupancy_exc_before"] == pytest.approx(float(glycine_site_occupancy(2.6)))
    assert s["occupancy_inh_before"] == s["occupancy_exc_before"]


def test_interneuron_switch_acts_on_interneurons_only():
    s, _ = state(**{"mechanisms.nmda_on_interneurons": False})
    assert s["occupancy_inh_before"] == pytest.approx(float(glycine_site_occupancy(2.6)))
    assert s["occupancy_exc_before"] > s["occupancy_inh_before"] + 0.05


def test_tonic_glyr_switch():
    on, _ = state(**{"bath.glycine_uM": 200.0})
    off, _ = state(**{"bath.glycine_uM": 200.0, "mechanisms.tonic_glyr": False})
    assert on["glyr_activation_before"] > 0.5
    assert off["glyr_activation_before"] == 0.0


def test_bath_glycine_counts_even_when_coagonism_is_off():
    s, _ = state(**{"bath.glycine_uM": 30.0, "mechanisms.nmda_coagonism": False})
    assert s["occupancy_exc_before"] == pytest.approx(float(glycine_site_occupancy(32.6)))


def test_washin_and_antagonists():
    s, cfg = state(**{"protocol.glycine_washin_uM": 100.0, "bath.apv_uM": 50.0,
                      "bath.bicuculline_uM": 20.0, "bath.chlorokynurenate_uM": 10.0})
    assert s["occupancy_exc_after"] > s["occupancy_exc_before"]
    assert s["apv_unblocked"] == pytest.approx(3 / 53)
    assert s["gaba_unblocked"] == pytest.approx(2 / 22)
    params = runtime_params(cfg, s)
    assert params["exc.washin_t_s"] == cfg.protocol.glycine_washin_start_s
    assert params["inh.apv_unblocked"] == params["exc.apv_unblocked"]


def test_no_washin_means_a_step_that_never_comes():
    s, cfg = state()
    assert s["occupancy_exc_after"] == s["occupancy_exc_before"]
    assert runtime_params(cfg, s)["exc.washin_t_s"] > 1e6


def test_mg_washout_ramp_parameters():
    cfg = resolve({}).replace({"bath.mg_mM": 0.0, "protocol.mg_washout_from_mM": 1.2})
    p = runtime_params(cfg, network_state(cfg, pk_report(cfg)))
    assert p["exc.mg_from_mM"] == 1.2 and p["exc.mg_mM"] == 0.0
    assert p["exc.mg_ramp_s"] == cfg.protocol.mg_washout_duration_s
