"""Slow Na+ inactivation (network.slow_na_inactivation, sim.model.equations.NA_INACTIVATION):
one pyramidal cell of the network's equations, held depolarised by its leak, in Brian2's runtime
mode. Without it the cell fires as long as it is held. With the shipped values it adapts: it
keeps firing, slower, as its availability falls. With a larger share per spike it fires a short
train and stops, its membrane potential above its resting threshold (depolarisation block), and
fires again once released and recovered. And the switch is a build of its own that leaves the
default build's equations and key alone."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from sim.config import NetworkConfig
from sim.model import equations as eq

DT_MS = 0.1
HOLD_MS = 1000.0
SHIPPED = {name: getattr(NetworkConfig(), name) for name in eq.NA_INACTIVATION_PARAMS}
BLOCKING = {**SHIPPED, "na_inact_per_spike": 0.05, "na_inact_tau_ms": 300.0}


class Cell(NamedTuple):
    spikes_ms: np.ndarray
    held_mV: float  # membrane potential at the end of the first hold
    v_mV: float  # and at the end of the run
    h_na: float  # availability at the end of the run


def held_cell(inactivation: dict | None, e_leak_mV: float,
              recover_ms: float | None = None) -> Cell:
    """One cell whose leak reverses at ``e_leak_mV`` (no synaptic input) for HOLD_MS; with
    ``recover_ms`` the leak then returns to -70 mV for that long and to ``e_leak_mV`` for 300 ms
    more."""
    import brian2 as b2

    on = inactivation is not None
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT_MS * b2.ms
    cell = eq.CELL_TYPES["exc"]
    g = b2.NeuronGroup(1, eq.neuron_equations(slow_na_inactivation=on),
                       threshold=eq.threshold(on), reset=eq.reset(on), method="euler",
                       refractory=eq.refractory_period(cell["t_ref_ms"] * b2.ms,
                                                       b2.defaultclock.dt),
                       namespace=eq.namespace("exc"))
    params = {name: 0.0 for name in eq.runtime_neuron_params(slow_na_inactivation=on)}
    params.update({"mg_mM": 1.0, "mg_from_mM": 1.0, "mg_ramp_s": 1.0, "washin_t_s": 1e9,
                   "tau_adapt_s": 1.0, "tau_bahp_ms": 100.0, "tau_rec_s": 1.0, "u_dep": 0.05,
                   "na_half_mM": 25.0, "na_slope_mM": 3.0, "na_rest_mM": 10.0,
                   "e_nonk_mV": e_leak_mV, **(inactivation or {})})
    for name, value in params.items():
        setattr(g, name, value)
    g.g_leak = cell["g_L_nS"] * b2.nS
    g.v_th = cell["V_th_mV"] * b2.mV
    g.v = cell["E_L_mV"] * b2.mV
    g.x_res = 1
    if on:
        g.h_na = 1
    spikes = b2.SpikeMonitor(g)
    net = b2.Network(g, spikes)
    net.run(HOLD_MS * b2.ms)
    held_at_mV = float(g.v[0] / b2.mV)
    if recover_ms is not None:
        g.e_nonk_mV = -70.0
        net.run(recover_ms * b2.ms)
        g.e_nonk_mV = e_leak_mV
        net.run(300 * b2.ms)
    return Cell(np.asarray(spikes.t / b2.ms), held_at_mV, float(g.v[0] / b2.mV),
                float(g.h_na[0]) if on else 1.0)


def late_rate_hz(spikes: np.ndarray) -> float:
    """The firing rate over the last 500 ms of the hold."""
    return float(np.sum(spikes > HOLD_MS - 500.0)) / 0.5


def lif_rate_hz(e_leak_mV: float) -> float:
    """The integrate-and-fire cell's rate with a fixed threshold, from its interval
    t_ref + tau_m ln((E - V_reset) / (E - V_th))."""
    cell = eq.CELL_TYPES["exc"]
    tau_ms = cell["C_pF"] / cell["g_L_nS"]
    t_ref_ms = cell["t_ref_ms"] + DT_MS  # eq.refractory_period
    return 1e3 / (t_ref_ms + tau_ms * np.log((e_leak_mV - cell["V_reset_mV"])
                                            / (e_leak_mV - cell["V_th_mV"])))


def test_a_held_cell_fires_on_without_inactivation():
    spikes = held_cell(None, e_leak_mV=-30.0).spikes_ms
    assert late_rate_hz(spikes) == pytest.approx(lif_rate_hz(-30.0), rel=0.03)  # ~152 Hz


def test_the_shipped_values_slow_a_held_cell_without_stopping_it():
    """At -30 mV (152 Hz with a fixed threshold) the cell slows to 112 Hz (measured) over the last half of
    the hold; availability stays above its floor and the threshold rise follows
    -k_a ln((h - floor) / (1 - floor))."""
    cell = held_cell(SHIPPED, -30.0)
    assert 0.4 * lif_rate_hz(-30.0) < late_rate_hz(cell.spikes_ms) < 0.85 * lif_rate_hz(-30.0)
    h = cell.h_na
    floor = SHIPPED["na_inact_floor"]
    assert floor + 0.1 < h < 0.95
    rise_mV = -SHIPPED["na_inact_ka_mV"] * np.log((h - floor) / (1 - floor))
    assert 0.5 < rise_mV < 10  # the threshold a neuron firing at 40-100 Hz has


def test_a_larger_share_per_spike_blocks_a_held_cell_until_it_is_released():
    """Held at -30 mV the cell fires a short train and stops, its membrane potential 20 mV above
    its resting threshold; released to -70 mV for 1 s (three availability time constants) it
    recovers and, held again, fires a new train within a few ms before blocking again."""
    cell = held_cell(BLOCKING, e_leak_mV=-30.0, recover_ms=1000.0)
    spikes = cell.spikes_ms
    held = spikes[spikes < HOLD_MS]
    assert 5 <= held.size < 40 and held[-1] < 500  # measured: 21 spikes, the last at 312 ms
    assert cell.held_mV == pytest.approx(-30.0, abs=0.5)  # sits at its leak's reversal
    again = spikes[spikes > HOLD_MS + 1000.0]
    assert again.size >= 5 and again[0] < HOLD_MS + 1000.0 + 20.0


def test_a_larger_share_per_spike_leaves_a_cell_held_just_above_threshold_firing():
    assert late_rate_hz(held_cell(BLOCKING, e_leak_mV=-42.0).spikes_ms) > 10  # measured: 28 Hz


def check_opt_in_build(switch: str, runtime: dict):
    """An opt-in build (``network.<switch>``): off, the neuron equations and the build key are
    those of a build without the switch; on, the key gains only the switch, and the ``runtime``
    overrides leave it alone (run-time values of that build). Returns the configs off and on."""
    from sim.config import Config
    from sim.protocols.epileptiform import structure_of

    assert eq.neuron_equations() == eq.NEURON_EQUATIONS
    cfg = Config()
    off = structure_of(cfg)
    assert switch not in off
    on_cfg = cfg.replace({f"network.{switch}": True})
    on = structure_of(on_cfg)
    assert on == {**off, switch: True}
    assert structure_of(on_cfg.replace(runtime)) == on
    return cfg, on_cfg


def test_inactivation_is_a_build_of_its_own():
    """Off, the neuron equations and the build key are those of a build without the switch."""
    from sim.conditions import receptor_state
    from sim.protocols.epileptiform import runtime_params

    assert eq.threshold() == eq.THRESHOLD and eq.reset() == eq.RESET
    # its values are run-time values of that build, for both populations
    cfg, on_cfg = check_opt_in_build("slow_na_inactivation", {"network.na_inact_tau_ms": 300.0})
    params = runtime_params(on_cfg.replace({"network.na_inact_per_spike": 0.01}),
                            receptor_state(on_cfg))
    assert params["exc.na_inact_per_spike"] == params["inh.na_inact_per_spike"] == 0.01
    assert not any("na_inact" in key for key in runtime_params(cfg, receptor_state(cfg)))
