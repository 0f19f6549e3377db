"""The E/I network: populations ``exc`` and ``inh``, four synaptic pathways, Poisson drive.

:func:`build_network` is a :mod:`sim.engine` builder: it runs inside the build process with the
``cpp_standalone`` device active and receives only the *structural* parameters. Everything else
arrives at run time; the epileptiform protocol (``sim.protocols.epileptiform``) turns a config and
a receptor state into both.

Each neuron is an agent with its own leak conductance and threshold (drawn at start-up from the run's
seed), its own adaptation current, depression state and NMDA gating.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine import BuildSpec
from sim.model import equations as eq

#: Spike monitors record every neuron of networks up to this size (memory stays < 1 GB);
#: larger networks record this many neurons per population.
RECORD_ALL_UP_TO = 20_000
#: Pyramidal cells whose NMDA conductance and membrane potential are stored (1 ms resolution).
TRACED_NEURONS = 20
#: The duration compiled into the binary; never used: every run passes its own at run time.
NOMINAL_DURATION_S = 1.0

# The event-driven drive (``network.drive_model = "event"``): the N inputs of a neuron at rate r
# superpose to one Poisson process of rate R = N r, simulated exactly by its arrival times. Each
# neuron holds the time of its next arrival; the custom event "drive" fires in a step that holds
# it. By memorylessness the rest of that step holds Poisson(R (t + dt - next_drive)) further
# arrivals, and the next arrival after the step is t + dt + Exp(R). Random numbers are drawn only
# in steps with an arrival (R dt = 0.2 for the default: 18 % of steps), where PoissonInput draws
# a binomial in every step.
DRIVE_STATE = "next_drive : second"
DRIVE_EVENT = "next_drive < t + dt"
DRIVE_ON_EVENT = """
g_ampa += g_drive_nS * nS * (1 + poisson(drive_total_rate * (t + dt - next_drive)))
next_drive = t + dt - log(rand()) / drive_total_rate
"""
DRIVE_FIRST_ARRIVAL = "-log(rand()) / drive_total_rate"


def build_network(structure: dict[str, Any]) -> BuildSpec:
    from brian2 import (
        Hz, NeuronGroup, PoissonInput, SpikeMonitor, StateMonitor, Synapses, defaultclock,
        mV, ms, nS,
    )

    defaultclock.dt = structure["dt_ms"] * ms
    sizes = {"exc": structure["n_exc"], "inh": structure["n_inh"]}
    # only builds with extrasynaptic receptors carry the key (the default build's key is unchanged)
    extrasynaptic = bool(structure.get("extrasynaptic_nmda", False))
    na_inactivation = bool(structure.get("slow_na_inactivation", False))  # the same: only when on
    chloride = bool(structure.get("chloride_dynamics", False))  # the same
    drive_rate = structure["drive_inputs"] * structure["drive_rate_hz"]  # Hz, per neuron
    drive = structure["drive_model"] if drive_rate > 0 else None  # no drive objects at rate 0
    event_drive = drive == "event"
    method = structure.get("method", "euler")
    # the slow ion system's step (simulation.ion_dt_ms): absent = every simulation step
    ion_dt_ms = structure.get("ion_dt_ms")
    ion_clock = {} if ion_dt_ms is None else {"dt": ion_dt_ms * ms}
    groups = {}
    params: dict[str, list] = {}
    n_cells = sum(sizes.values())
    # the shared extracellular space: [K+]o, E_K and the pump's [K+]o factor (one element)
    # (on its own clock with ion_dt_ms: its state update, E_K and the pump factor, and the sum of
    # the pump rates into it, which runs on its target's clock)
    ions = NeuronGroup(1, eq.ION_EQUATIONS, method="euler", name="ions",
                       namespace={"n_cells": float(n_cells), "ek_slope_mV": eq.EK_SLOPE_MV},
                       **ion_clock)
    ions.run_regularly(eq.IONS_UPDATE, when="start", name="ions_update")
    na_totals = NeuronGroup(1, eq.NA_TOTALS, dt=eq.ION_TRACE_DT_MS * ms, name="na_totals")
    cl_totals = (NeuronGroup(1, eq.CL_TOTALS, dt=eq.ION_TRACE_DT_MS * ms, name="cl_totals")
                 if chloride else None)
    for name in eq.RUNTIME_ION_PARAMS:
        params[f"ions.{name}"] = [getattr(ions, name)]
    params["ions.K_o"] = [ions.K_o]  # starts at the bath's [K+]o (a run-time value)
    for pop, n in sizes.items():
        cell = eq.CELL_TYPES[pop]
        namespace = {**eq.namespace(pop, chloride), "g_L": cell["g_L_nS"] * nS,
                     "leak_cv": structure["leak_cv"], "V_th0": cell["V_th_mV"] * mV,
                     "th_sd": structure["threshold_sd_mV"] * mV}
        if event_drive:
            namespace["drive_total_rate"] = drive_rate * Hz
        group = NeuronGroup(
            n, eq.neuron_equations(extrasynaptic, linked_ions=True,
                                   stored_pump=ion_dt_ms is not None,
                                   slow_na_inactivation=na_inactivation, chloride=chloride)
            + ("\n" + DRIVE_STATE if event_drive else ""),
            threshold=eq.threshold(na_inactivation), reset=eq.reset(na_inactivation),
            refractory=eq.refractory_period(cell["t_ref_ms"] * ms, defaultclock.dt),
            events={"drive": DRIVE_EVENT} if event_drive else None,
            method=method, namespace=namespace, name=pop,
        )
        eq.link_ions(group, ions)
        if ion_dt_ms is not None:  # each neuron's pump rate on the ion clock too
            eq.store_pump_rate(group, ion_dt_ms * ms)
        if event_drive:  # same slot as PoissonInput: after the thresholds, before the resets
            group.run_on_event("drive", DRIVE_ON_EVENT, when="synapses")
        # per-neuron heterogeneity, drawn in C++ from the run's seed
        group.g_leak = "g_L * clip(1 + leak_cv * randn(), 0.5, 1.5)"
        group.v_th = "V_th0 + th_sd * randn()"
        group.v = "E_L + rand() * (v_th - E_L)"
        group.x_res = 1
        if na_inactivation:  # fully available at the start
            group.h_na = 1
        if event_drive:
            group.next_drive = DRIVE_FIRST_ARRIVAL
        groups[pop] = group
        for name in eq.runtime_neuron_params(extrasynaptic, na_inactivation, chloride):
            params[f"{pop}.{name}"] = [getattr(group, name)]
        params[f"{pop}.na_in"] = [group.na_in]  # starts at the resting [Na+]i (run-time)
        if chloride:
            params[f"{pop}.cl_in"] = [group.cl_in]  # starts at the resting [Cl-]i (run-time)

    delay = structure["synaptic_delay_ms"] * ms
    p = structure["connection_probability"]
    synapses = []
    for name, (src, dst) in {"syn_ee": ("exc", "exc"), "syn_ei": ("exc", "inh"),
                             "syn_ie": ("inh", "exc"), "syn_ii": ("inh", "inh")}.items():
        excitatory = src == "exc"
        syn = Synapses(
            groups[src], groups[dst],
            model=eq.EXC_SYNAPSE_MODEL if excitatory else eq.INH_SYNAPSE_MODEL,
            on_pre=eq.EXC_ON_PRE if excitatory else eq.INH_ON_PRE,
            delay=delay, name=name,
        )
        # read release / nmda_jump after the reset of the same time step has computed them
        syn.pre.when = "after_resets"
        syn.connect(condition="i != j" if src == dst else None, p=p)
        synapses.append(syn)
        weight = "w_ampa_nS" if excitatory else "w_gaba_nS"
        params[f"{name}.{weight}"] = [getattr(syn, weight)]

    # every neuron's spikes release K+ into the shared space; its pump takes K+ back
    for pop, group in groups.items():
        kout = Synapses(group, ions, model=f"{eq.K_RELEASE_MODEL}\n"
                        f"pump_total_{pop}_post = pump_pre : 1 (summed)",
                        on_pre=eq.K_RELEASE_ON_PRE, namespace={"n_cells": float(n_cells)},
                        name=f"kout_{pop}")
        kout.connect(i=np.arange(len(group)), j=np.zeros(len(group), dtype=int))
        # a summed variable is updated on its target's clock: here every eq.ION_TRACE_DT_MS
        na_sum = Synapses(group, na_totals, model=f"na_total_{pop}_post = na_in_pre : 1 (summed)",
                          name=f"na_sum_{pop}")
        na_sum.connect(i=np.arange(len(group)), j=np.zeros(len(group), dtype=int))
        synapses += [kout, na_sum]
        if chloride:
            cl_sum = Synapses(group, cl_totals,
                              model=f"cl_total_{pop}_post = cl_in_pre : 1 (summed)",
                              name=f"cl_sum_{pop}")
            cl_sum.connect(i=np.arange(len(group)), j=np.zeros(len(group), dtype=int))
            synapses.append(cl_sum)
        params["k_per_spike_mM"] = [*params.get("k_per_spike_mM", []), kout.k_per_spike_mM]

    # PoissonInput takes no name= (brian2 2.9); it is named <group>_poissoninput*.
    drives = [
        PoissonInput(groups[pop], "g_ampa", N=structure["drive_inputs"],
                     rate=structure["drive_rate_hz"] * Hz, weight="g_drive_nS * nS")
        for pop in sizes if drive == "binomial"
    ]
    outputs = {}
    monitors = []
    recorded = {}
    for pop, group in groups.items():
        n_rec = min(sizes[pop], RECORD_ALL_UP_TO)
        mon = SpikeMonitor(group[:n_rec], name=f"spikes_{pop}")
        monitors.append(mon)
        outputs[f"{pop}_t"] = (mon, "t")
        outputs[f"{pop}_i"] = (mon, "i")
        recorded[pop] = n_rec
        # the final state of every neuron, to catch a numerical blow-up anywhere in the network
        outputs[f"{pop}_v_final"] = (group, "v")
        outputs[f"{pop}_na_final"] = (group, "na_in")
    # A few pyramidal cells' NMDA conductance and voltage at 1 ms: the "NMDA drive" read-out.
    n_traced = min(TRACED_NEURONS, sizes["exc"])
    traces = StateMonitor(groups["exc"], ["g_nmda", "v"], record=range(n_traced), dt=1 * ms,
                          name="traces_exc")
    monitors.append(traces)
    outputs.update({"trace_t": (traces, "t"), "trace_g_nmda": (traces, "g_nmda"),
                    "trace_v": (traces, "v")})
    # the ion time courses: [K+]o and each population's mean [Na+]i
    ion_trace = StateMonitor(ions, "K_o", record=[0], dt=eq.ION_TRACE_DT_MS * ms, name="ion_traces")
    # after the sum of this step (a monitor's default slot, "start", comes before it): the
    # state at time t, as K_o's sample is
    na_trace = StateMonitor(na_totals, ["na_total_exc", "na_total_inh"], record=[0],
                            when="end", name="na_traces")
    monitors += [ion_trace, na_trace]
    if chloride:
        cl_trace = StateMonitor(cl_totals, ["cl_total_exc", "cl_total_inh"], record=[0],
                                when="end", name="cl_traces")
        monitors.append(cl_trace)
        outputs.update({"cl_total_exc": (cl_trace, "cl_total_exc"),
                        "cl_total_inh": (cl_trace, "cl_total_inh")})
    outputs.update({"ion_t": (ion_trace, "t"), "k_o": (ion_trace, "K_o"),
                    "na_total_exc": (na_trace, "na_total_exc"),
                    "na_total_inh": (na_trace, "na_total_inh")})
    return BuildSpec(
        objects=[ions, na_totals, *([cl_totals] if chloride else []), *groups.values(),
                 *synapses, *drives, *monitors],
        duration_s=NOMINAL_DURATION_S,  # each run gives its own (Build.run(duration_s=...))
        params=params,
        outputs=outputs,
        info={"n_nodes": sizes, "recorded": recorded},
    )
