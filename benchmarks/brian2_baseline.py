"""The baseline: the milasim E/I network as a plain Brian2 runtime-mode script, one build per dose.

This is what a user would otherwise write, following the Brian2 documentation: ``from brian2 import
*``, build the network, ``run()``, and for the next dose ``start_scope()`` and build it again.
Runtime mode with the Cython code-generation target (Brian2's default when Cython is installed).

It constructs the same network as ``sim.model.network.build_network``: the same equation strings
(imported from ``sim.model.equations``), the same sizes, connectivity, delays, initial values and
monitors, and it sets the same runtime values (the ``{"exc.mg_mM": ..., ...}`` dictionaries of
``sim.protocols.epileptiform.runtime_params``). Its drive is ``PoissonInput``, as the Brian2 docs write
it, whatever ``structure["drive_model"]`` says: milasim's default event-driven drive is the same
Poisson process drawn with other random numbers, so the two then agree in distribution, not spike
for spike (with ``network.drive_model = "binomial"`` they give identical spike counts).

Usage (the benchmark runs it as a subprocess, so Brian2's global state stays out of its process)::

    python benchmarks/brian2_baseline.py JOB.json RESULT.json

``JOB.json``: ``{"structure": {...}, "doses": [{"label": ..., "params": {...}}, ...], "seed": 1,
"target": "cython", "record_all_up_to": 20000, "traced_neurons": 20, "cython_cache_dir": null}``
(null: Brian2's default Cython cache). ``RESULT.json`` gets, per
dose, the spike count and neuron count per population and the build and run wall times.
"""

from brian2 import *  # noqa: F403  (the documented Brian2 style; this file is the user's script)

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from sim.model import equations as eqs  # noqa: E402

PATHWAYS = {"syn_ee": ("exc", "exc"), "syn_ei": ("exc", "inh"),
            "syn_ie": ("inh", "exc"), "syn_ii": ("inh", "inh")}


def build_and_run(structure, params, rng_seed, record_all_up_to, traced_neurons):
    """One dose: build the whole network from scratch, set the dose's values, run it."""
    start_scope()
    seed(rng_seed)
    defaultclock.dt = structure["dt_ms"] * ms
    t0 = time.perf_counter()

    sizes = {"exc": structure["n_exc"], "inh": structure["n_inh"]}
    # the shared extracellular K+ (as sim.model.network): one element, E_K and the pump's [K+]o
    # factor read by every neuron (linked variables, set before any synapse refers to the
    # neurons), every spike releasing K+ into it
    n_cells = sizes["exc"] + sizes["inh"]  # (brian2's star import shadows the builtin sum)
    ion_dt_ms = structure.get("ion_dt_ms")  # the ion clock (simulation.ion_dt_ms), if set
    ions = NeuronGroup(1, eqs.ION_EQUATIONS, method="euler", name="ions",
                       namespace={"n_cells": float(n_cells), "ek_slope_mV": eqs.EK_SLOPE_MV},
                       **({} if ion_dt_ms is None else {"dt": ion_dt_ms * ms}))
    ions.run_regularly(eqs.IONS_UPDATE, when="start", name="ions_update")
    groups = {}
    for pop, n in sizes.items():
        cell = eqs.CELL_TYPES[pop]
        namespace = eqs.namespace(pop)
        namespace.update(g_L=cell["g_L_nS"] * nS, leak_cv=structure["leak_cv"],
                         V_th0=cell["V_th_mV"] * mV, th_sd=structure["threshold_sd_mV"] * mV)
        G = NeuronGroup(n, eqs.neuron_equations(linked_ions=True,
                                                stored_pump=ion_dt_ms is not None),
                        threshold=eqs.THRESHOLD,
                        reset=eqs.RESET,
                        refractory=eqs.refractory_period(cell["t_ref_ms"] * ms, defaultclock.dt),
                        method=structure.get("method", "euler"), namespace=namespace,
                        name=pop)
        G.g_leak = "g_L * clip(1 + leak_cv * randn(), 0.5, 1.5)"
        G.v_th = "V_th0 + th_sd * randn()"
        G.v = "E_L + rand() * (v_th - E_L)"
        G.x_res = 1
        eqs.link_ions(G, ions)
        if ion_dt_ms is not None:
            eqs.store_pump_rate(G, ion_dt_ms * ms)
        groups[pop] = G

    synapses = {}
    for name, (src, dst) in PATHWAYS.items():
        excitatory = src == "exc"
        S = Synapses(groups[src], groups[dst],
                     model=eqs.EXC_SYNAPSE_MODEL if excitatory else eqs.INH_SYNAPSE_MODEL,
                     on_pre=eqs.EXC_ON_PRE if excitatory else eqs.INH_ON_PRE,
                     delay=structure["synaptic_delay_ms"] * ms, name=name)
        S.pre.when = "after_resets"
        S.connect(condition="i != j" if src == dst else None,
                  p=structure["connection_probability"])
        synapses[name] = S

    k_links = []
    for pop, G in groups.items():
        kout = Synapses(G, ions, model=f"{eqs.K_RELEASE_MODEL}\n"
                        f"pump_total_{pop}_post = pump_pre : 1 (summed)",
                        on_pre=eqs.K_RELEASE_ON_PRE, namespace={"n_cells": float(n_cells)},
                        name=f"kout_{pop}")
        kout.connect(i=np.arange(len(G)), j=np.zeros(len(G), dtype=int))
        k_links.append(kout)

    drives = [PoissonInput(groups[pop], "g_ampa", N=structure["drive_inputs"],
                           rate=structure["drive_rate_hz"] * Hz, weight="g_drive_nS * nS")
              for pop in sizes]
    spike_monitors = {pop: SpikeMonitor(G[:min(sizes[pop], record_all_up_to)],
                                        name=f"spikes_{pop}")
                      for pop, G in groups.items()}
    monitors = list(spike_monitors.values())
    if traced_neurons:
        monitors.append(StateMonitor(groups["exc"], ["g_nmda", "v"],
                                     record=range(min(traced_neurons, sizes["exc"])),
                                     dt=1 * ms, name="traces_exc"))

    # the dose: every runtime value, by "<object>.<variable>"
    objects = {**groups, **synapses, "ions": ions}
    for key, value in params.items():
        if "." not in key:  # k_per_spike_mM: a value of both K+ release pathways
            for link in k_links:
                setattr(link, key, value)
            continue
        obj, var = key.split(".")
        setattr(objects[obj], var, value)

    net = Network(*groups.values(), *synapses.values(), ions, *k_links, *drives, *monitors)
    t1 = time.perf_counter()
    net.run(structure["duration_s"] * second)
    t2 = time.perf_counter()
    return {
        "spikes": {pop: int(m.num_spikes) for pop, m in spike_monitors.items()},
        "recorded": {pop: int(len(m.source)) for pop, m in spike_monitors.items()},
        "synapses": {name: int(len(S)) for name, S in synapses.items()},
        "build_wall_s": t1 - t0,
        "run_wall_s": t2 - t1,
    }


def main(job_path, result_path):
    job = json.loads(open(job_path).read())
    prefs.codegen.target = job.get("target", "cython")
    if job.get("cython_cache_dir"):
        prefs.codegen.runtime.cython.cache_dir = job["cython_cache_dir"]
    t0 = time.perf_counter()
    results = []
    for dose in job["doses"]:
        out = build_and_run(job["structure"], dose["params"], dose.get("seed", job.get("seed", 1)),
                            job.get("record_all_up_to", 20_000), job.get("traced_neurons", 0))
        out["label"] = dose.get("label")
        results.append(out)
    with open(result_path, "w") as f:
        json.dump({"doses": results, "loop_wall_s": time.perf_counter() - t0,
                   "target": prefs.codegen.target,
                   "compile_flags": list(prefs.codegen.cpp.extra_compile_args_gcc)}, f, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/brian2_baseline.py JOB.json RESULT.json")
    main(sys.argv[1], sys.argv[2])
