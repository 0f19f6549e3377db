"""The event-driven Poisson drive (``network.drive_model = "event"``).

1. The code strings of :mod:`sim.model.network` (the ones compiled into the network) deliver a
   Poisson process of rate N r: counts per step are Poisson(N r dt), counts over a long window are
   Poisson (Fano factor 1), and the mean is N r T. Checked in Brian2's runtime (numpy) mode on a
   group that only accumulates its arrivals, where the numbers are exact to read.
2. The compiled network under the event drive fires like under Brian2's PoissonInput (slow).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import network as netmod

RATE_HZ = 2000.0  # the default network: 100 inputs x 20 Hz
DT_MS = 0.1


@pytest.fixture(scope="module")
def arrivals():
    """Cumulative arrivals of 400 independent drives, sampled every step for 20 s."""
    from brian2 import (
        Hz, Network, NeuronGroup, StateMonitor, defaultclock, ms, nS, prefs, seed, start_scope,
    )

    start_scope()
    target = prefs.codegen.target
    prefs.codegen.target = "numpy"
    seed(7)
    defaultclock.dt = DT_MS * ms
    group = NeuronGroup(
        400,
        "\n".join(["dg_ampa/dt = 0 * nS / ms : siemens",  # no decay: g_ampa counts arrivals
                   "g_drive_nS : 1 (shared, constant)", netmod.DRIVE_STATE]),
        events={"drive": netmod.DRIVE_EVENT},
        namespace={"drive_total_rate": RATE_HZ * Hz},
    )
    group.run_on_event("drive", netmod.DRIVE_ON_EVENT, when="synapses")
    group.g_drive_nS = 1.0
    group.next_drive = netmod.DRIVE_FIRST_ARRIVAL
    mon = StateMonitor(group, "g_ampa", record=range(40), when="end")
    net = Network(group, mon)
    try:
        net.run(20_000 * DT_MS * ms)  # 2 s
    finally:
        prefs.codegen.target = target
    per_step = np.diff(np.round(mon.g_ampa / nS).astype(int), axis=1)
    total = np.round(np.asarray(group.g_ampa / nS)).astype(int)
    return per_step, total, 2.0


def test_mean_count_is_rate_times_time(arrivals):
    _, total, t_s = arrivals
    expected = RATE_HZ * t_s  # 4000 per neuron
    se = math.sqrt(expected / total.size)
    assert abs(total.mean() - expected) < 4 * se


def test_counts_over_the_window_are_poisson(arrivals):
    _, total, _ = arrivals
    fano = total.var(ddof=1) / total.mean()
    # the Fano factor of 400 Poisson samples has SD ~ sqrt(2/399) = 0.07
    assert 0.75 < fano < 1.25


def test_counts_per_step_follow_poisson(arrivals):
    per_step, _, _ = arrivals
    lam = RATE_HZ * DT_MS * 1e-3  # 0.2 arrivals per step
    n = per_step.size
    observed = np.bincount(per_step.ravel(), minlength=4)
    assert per_step.min() >= 0
    for k in range(3):  # 0, 1 and 2 arrivals in a step (2: 1.6 % of steps)
        p = math.exp(-lam) * lam**k / math.factorial(k)
        assert abs(observed[k] - n * p) < 5 * math.sqrt(n * p * (1 - p)), k
    # more than one arrival in a step is delivered in that step, not lost or postponed
    assert observed[2:].sum() > 0


@pytest.mark.slow
@pytest.mark.long
def test_network_fires_alike_under_both_drives(tmp_path):
    from sim.config import resolve
    from sim.runner import execute
    from tests.conftest import SMALL_NETWORK

    def rates(model, mg):
        cfg = resolve({}).replace({**SMALL_NETWORK, "protocol.duration_s": 8.0,
                                   "bath.mg_mM": mg, "network.drive_model": model})
        s = execute(cfg, tmp_path / f"{model}-{mg}")
        return s["rate_exc_hz"], s["rate_inh_hz"], s["n_bursts"]

    for mg in (1.0, 0.0):
        exc_b, inh_b, bursts_b = rates("binomial", mg)
        exc_e, inh_e, bursts_e = rates("event", mg)
        assert exc_e == pytest.approx(exc_b, rel=0.15), mg
        assert inh_e == pytest.approx(inh_b, rel=0.15), mg
        assert (bursts_e == 0) == (bursts_b == 0), mg  # asynchronous at 1 mM, bursting in 0 Mg2+
