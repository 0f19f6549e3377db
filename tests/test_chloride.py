"""Intracellular Cl- (network.chloride_dynamics, sim.model.equations.CHLORIDE): one pyramidal
cell of the network's equations with a steady chloride conductance (the GlyR term, fully active)
and its threshold out of reach, in Brian2's runtime mode. At rest nothing moves and E_GABA is the
calibrated -75 mV; held above E_Cl the cell loads Cl- until KCC2's extrusion balances the influx,
and its E_GABA rises; released, [Cl-]i returns to rest with KCC2's time constant. And the switch
is a build of its own that leaves the default build's equations and key alone."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

from sim.config import NetworkConfig
from sim.model import equations as eq

DT_MS = 0.1
NET = NetworkConfig()
REST = eq.cl_rest_mM(eq.E_INH_MV, NET.cl_out_mM, NET.hco3_share, NET.e_hco3_mV)
TAU_S = 0.2  # faster than the shipped 5 s: the test runs a second and a half, not minutes
VOLUME_PL = 1.0  # smaller than the shipped 10 pL: a load of ~0.5 mM within those 1.6 s


class Cell(NamedTuple):
    cl_mM: np.ndarray  # [Cl-]i every ms
    v_mV: np.ndarray
    e_inh_mV: np.ndarray


def chloride_cell(g_cl_nS: float, e_leak_mV: float, hold_ms: float,
                  release_ms: float = 0.0) -> Cell:
    """The cell with a chloride conductance of ``g_cl_nS`` and its leak at ``e_leak_mV`` for
    ``hold_ms``, then without the conductance for ``release_ms``."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.prefs.core.default_float_dtype = np.float64  # whatever an earlier test left
    b2.defaultclock.dt = DT_MS * b2.ms
    cell = eq.CELL_TYPES["exc"]
    g = b2.NeuronGroup(1, eq.neuron_equations(chloride=True), threshold=eq.threshold(),
                       reset=eq.reset(), method="euler",
                       refractory=eq.refractory_period(cell["t_ref_ms"] * b2.ms,
                                                       b2.defaultclock.dt),
                       namespace=eq.namespace("exc", chloride=True))
    params = {name: 0.0 for name in eq.runtime_neuron_params(chloride=True)}
    params.update({"mg_mM": 1.0, "mg_from_mM": 1.0, "mg_ramp_s": 1.0, "washin_t_s": 1e9,
                   "tau_adapt_s": 1.0, "tau_bahp_ms": 100.0, "tau_rec_s": 1.0, "u_dep": 0.05,
                   "na_half_mM": 25.0, "na_slope_mM": 3.0, "na_rest_mM": 10.0,
                   "e_nonk_mV": e_leak_mV, "glyr_before": 1.0, "glyr_after": 1.0,
                   "g_glyr_nS": g_cl_nS, "cl_out_mM": NET.cl_out_mM, "cl_rest_mM": REST,
                   "kcc2_tau_s": TAU_S, "cl_mM_per_pC": eq.cl_mM_per_pC(VOLUME_PL),
                   "hco3_share": NET.hco3_share, "e_hco3_mV": NET.e_hco3_mV})
    for name, value in params.items():
        setattr(g, name, value)
    g.g_leak = cell["g_L_nS"] * b2.nS
    g.v_th = 0 * b2.mV  # out of reach: the cell never fires
    g.v = e_leak_mV * b2.mV
    g.x_res = 1
    g.cl_in = REST
    mon = b2.StateMonitor(g, ["cl_in", "v", "E_inh"], record=[0], dt=1 * b2.ms)
    net = b2.Network(g, mon)
    net.run(hold_ms * b2.ms)
    if release_ms:
        g.g_glyr_nS = 0.0
        net.run(release_ms * b2.ms)
    return Cell(np.asarray(mon.cl_in[0]), np.asarray(mon.v[0] / b2.mV),
                np.asarray(mon.E_inh[0] / b2.mV))


def test_the_resting_chloride_puts_e_gaba_at_the_calibrated_value():
    """4.5 mM inside, 130 outside: E_Cl -90 mV; with 20 % HCO3- at -15 mV, E_GABA -75 mV."""
    assert REST == pytest.approx(4.46, abs=0.01)
    e_cl = eq.EK_SLOPE_MV * math.log(REST / NET.cl_out_mM)
    assert (1 - NET.hco3_share) * e_cl + NET.hco3_share * NET.e_hco3_mV == pytest.approx(
        eq.E_INH_MV, abs=1e-9)
    cell = chloride_cell(0.0, e_leak_mV=-60.0, hold_ms=200.0)
    assert np.ptp(cell.cl_mM) < 1e-9 and cell.e_inh_mV[-1] == pytest.approx(-75.0, abs=1e-6)


def test_one_pC_of_chloride_current_in_5_pL_is_2_uM():
    assert eq.cl_mM_per_pC(5.0) == pytest.approx(1e-12 / 96485.0 / 5e-12 * 1e3, rel=1e-12)
    assert eq.cl_mM_per_pC(5.0) == pytest.approx(2.07e-3, rel=0.01)


def test_a_cell_held_above_e_cl_loads_chloride_until_kcc2_balances_it():
    """Held with its leak at -50 mV and 10 nS of chloride conductance, the cell loads Cl-; at the
    end of 1.6 s (eight KCC2 time constants) influx and extrusion balance, and E_GABA has risen
    (in a 1 pL cell: the shipped 10 pL would load ten times less in these 1.6 s)."""
    cell = chloride_cell(10.0, e_leak_mV=-50.0, hold_ms=1600.0)
    cl, v = cell.cl_mM[-1], cell.v_mV[-1]
    e_cl = eq.EK_SLOPE_MV * math.log(cl / NET.cl_out_mM)
    influx = eq.cl_mM_per_pC(VOLUME_PL) * (1 - NET.hco3_share) * 10.0 * (v - e_cl)
    assert influx == pytest.approx((cl - REST) / TAU_S, rel=0.01)
    assert cl > REST + 0.3 and cell.e_inh_mV[-1] > eq.E_INH_MV + 1.5  # measured: +0.51 mM, +2.3 mV
    assert np.all(np.diff(cell.cl_mM) >= -1e-12)  # it only loads


def test_released_chloride_returns_to_rest_with_the_kcc2_time_constant():
    hold = 1600
    cell = chloride_cell(10.0, e_leak_mV=-50.0, hold_ms=hold, release_ms=600.0)
    excess = cell.cl_mM - REST
    one_tau = excess[hold + int(TAU_S * 1e3)] / excess[hold]
    assert one_tau == pytest.approx(math.exp(-1), rel=0.02)
    assert excess[-1] / excess[hold] < 0.06  # three time constants on


def test_chloride_is_a_build_of_its_own():
    """Off, the neuron equations and the build key are those of a build without the switch; on,
    its values are run-time values of that build, and [Cl-]i starts at rest in both populations."""
    from sim.conditions import receptor_state
    from sim.protocols.epileptiform import runtime_params
    from tests.test_na_inactivation import check_opt_in_build

    assert "E_inh" in eq.namespace("exc") and "E_inh" not in eq.namespace("exc", chloride=True)
    cfg, on_cfg = check_opt_in_build("chloride_dynamics", {"network.kcc2_tau_s": 2.0,
                                                           "network.cl_volume_exc_pL": 20.0})
    values = runtime_params(on_cfg, receptor_state(on_cfg))
    for pop in ("exc", "inh"):
        assert values[f"{pop}.cl_in"] == pytest.approx(REST)
    assert values["exc.cl_mM_per_pC"] == pytest.approx(eq.cl_mM_per_pC(NET.cl_volume_exc_pL))
    assert values["inh.cl_mM_per_pC"] == pytest.approx(eq.cl_mM_per_pC(NET.cl_volume_inh_pL))
    assert not any(k.endswith("cl_in") for k in runtime_params(cfg, receptor_state(cfg)))
