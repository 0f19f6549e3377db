"""Epileptiform protocols on the E/I network, the way slice electrophysiologists induce them.

- **low Mg2+**: set ``bath.mg_mM`` (0 for "Mg-free" ACSF); NMDA receptors lose their Mg2+ block at
  rest and recurrent excitation ignites population bursts that adaptation and synaptic depression
  terminate;
- **Mg2+ wash-out**: ``protocol.mg_washout_from_mM`` ramps the bath from a normal level down to
  ``bath.mg_mM`` within the run (``mg_washout_start_s``, ``mg_washout_duration_s``);
- **disinhibition**: ``bath.bicuculline_uM`` scales GABA-A conductance;
- **glycine wash-in**: ``protocol.glycine_washin_uM`` steps bath glycine at
  ``glycine_washin_start_s`` (occupancy and GlyR activation step with it).

All of these are runtime values of one compiled network: changing them never recompiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import Config
from sim.engine import Blueprint, get_build
from sim.model.network import runtime_params, structure_of

BUILDER = "sim.model.network:build_network"


def blueprint(cfg: Config) -> Blueprint:
    return Blueprint(builder=BUILDER, structure=structure_of(cfg))


@dataclass
class NetworkOutput:
    spikes: dict[str, tuple[np.ndarray, np.ndarray]]  # pop -> (times_s, node ids)
    n_nodes: dict[str, int]  # neurons recorded per population
    n_total: dict[str, int]  # neurons per population
    duration_s: float
    compiler: str
    trace_t_s: np.ndarray  # sample times of the traced pyramidal cells
    g_nmda_nS: np.ndarray  # their NMDA conductance, time x neuron
    v_mV: np.ndarray  # their membrane potential, time x neuron


def check_finite(out: dict[str, np.ndarray]) -> None:
    """RunError naming the population (and time, where traced) if any state went NaN or inf."""
    from sim.errors import RunError

    traced = out["trace_g_nmda"], out["trace_v"]
    bad_rows = ~np.all(np.isfinite(np.hstack(traced)), axis=1) if len(out["trace_t"]) else []
    if np.any(bad_rows):
        t = float(out["trace_t"][np.argmax(bad_rows)])
        raise RunError(f"numerical blow-up: non-finite state in population exc at t = {t:.4f} s "
                       "(try a smaller simulation.dt_ms or check the conductances)")
    for pop in ("exc", "inh"):
        for var in ("v", "w"):
            values = out[f"{pop}_{var}_final"]
            if not np.all(np.isfinite(values)):
                n = int(np.sum(~np.isfinite(values)))
                raise RunError(f"numerical blow-up: {n} neuron(s) of population {pop} have a "
                               f"non-finite {var} at the end of the run (try a smaller "
                               "simulation.dt_ms or check the conductances)")


def simulate(
    cfg: Config, state: dict[str, float], workdir: Path, *, progress: bool = False,
    log_path: Path | None = None,
) -> NetworkOutput:
    """Compile (once per structure) and run the network with this run's receptor state."""
    build = get_build(blueprint(cfg), quiet=not progress)
    out = build.run(
        runtime_params(cfg, state), seed=cfg.simulation.seed, workdir=workdir,
        progress=progress, log_path=log_path,
    )
    info = build.info
    check_finite(out)
    spikes = {}
    for pop in ("exc", "inh"):
        t, i = out[f"{pop}_t"], out[f"{pop}_i"]
        order = np.lexsort((i, t))  # by time, then id: a canonical order for bit-identity checks
        spikes[pop] = (t[order].astype(np.float64), i[order].astype(np.int32))
    return NetworkOutput(
        spikes=spikes,
        n_nodes={k: int(v) for k, v in info["recorded"].items()},
        n_total={k: int(v) for k, v in info["n_nodes"].items()},
        duration_s=build.duration_s,
        compiler=build.manifest["compiler"],
        trace_t_s=out["trace_t"],
        g_nmda_nS=out["trace_g_nmda"] * 1e9,
        v_mV=out["trace_v"] * 1e3,
    )
