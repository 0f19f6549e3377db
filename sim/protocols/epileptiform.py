"""Epileptiform protocols on the E/I network, the way slice electrophysiologists induce them.

- **low Mg2+**: set ``bath.mg_mM`` (0 for "Mg-free" ACSF); NMDA receptors lose their Mg2+ block at
  rest and recurrent excitation ignites population bursts that adaptation and synaptic depression
  terminate;
- **Mg2+ wash-out**: ``protocol.mg_washout_from_mM`` ramps the bath from a normal level down to
  ``bath.mg_mM`` within the run (``mg_washout_start_s``, ``mg_washout_duration_s``);
- **disinhibition**: ``bath.bicuculline_uM`` scales GABA-A conductance;
- **glycine wash-in**: ``protocol.glycine_washin_uM`` steps bath glycine at
  ``glycine_washin_start_s`` (occupancy and GlyR activation step with it).

All of these are runtime values of one compiled network (``sim.model.network``): changing them
never recompiles. Bursts are detected here, once, and stored with the run (``/analysis/events``,
``/analysis/detection``), so figures never detect again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from sim.analysis.bursts import (
    BurstParams,
    Bursts,
    analysed_window,
    burst_analysis,
    population_rate,
)
from sim.config import Concentration_uM, Config, NonNeg, Section
from sim.errors import RunError
from sim.metrics import LESS, MORE, NEUTRAL, Metric
from sim.protocols.base import Protocol, Simulation
from sim.store import RunData

BUILDER = "sim.model.network:build_network"
POPULATIONS = ("exc", "inh")
_RUNAWAY = "not defined for a runaway (saturated) run"


class EpileptiformTable(Section):
    """``[protocol]`` of an epileptiform run."""

    # Simulated time; the first analysis.warmup_s are left out of the metrics.
    duration_s: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = 20.0
    # Mg2+ wash-out: bath Mg ramps linearly from mg_washout_from_mM to bath.mg_mM, starting at
    # mg_washout_start_s and lasting mg_washout_duration_s. None = bath.mg_mM throughout.
    mg_washout_from_mM: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    mg_washout_start_s: NonNeg = 2.0
    mg_washout_duration_s: NonNeg = 5.0
    # Glycine wash-in: bath glycine steps from bath.glycine_uM to glycine_washin_uM at
    # glycine_washin_start_s. None = no step.
    glycine_washin_uM: Concentration_uM | None = None
    glycine_washin_start_s: NonNeg = 10.0


METRICS = (
    Metric("burst_rate_hz", "burst rate", "Hz", ("epileptiform",), MORE, panel=True,
           printed=True, missing=_RUNAWAY),
    Metric("mean_interburst_interval_s", "interval between bursts", "s", ("epileptiform",), LESS,
           panel=True, missing="fewer than two burst onsets in the analysed window"),
    Metric("mean_burst_duration_s", "mean burst duration", "s", ("epileptiform",), MORE,
           panel=True, printed=True,
           missing="no complete burst (a burst cut by the start or end of the run is left out)"),
    Metric("fraction_time_in_bursts", "fraction of time in bursts", "1", ("epileptiform",), MORE,
           panel=True, printed=True, missing=_RUNAWAY),
    Metric("rate_exc_hz", "excitatory rate", "Hz", ("epileptiform",), MORE, panel=True,
           printed=True),
    Metric("rate_inh_hz", "inhibitory rate", "Hz", ("epileptiform",), NEUTRAL, panel=True,
           printed=True),
    Metric("runaway", "fraction of runs runaway", "1", ("epileptiform",), MORE, panel=True,
           printed=True),
    Metric("n_bursts", "bursts", "1", ("epileptiform",), MORE),
    Metric("n_bursts_truncated", "bursts cut by the run's edges", "1", ("epileptiform",)),
    Metric("n_ictal_like", "ictal-like events", "1", ("epileptiform",), MORE),
    Metric("n_interictal_like", "interictal-like events", "1", ("epileptiform",)),
    Metric("spikes_per_burst", "spikes per burst", "1", ("epileptiform",), MORE,
           missing=_RUNAWAY),
    Metric("peak_rate_hz", "peak population rate", "Hz", ("epileptiform",), MORE,
           missing=_RUNAWAY),
    Metric("fraction_recruited", "fraction of neurons recruited", "1", ("epileptiform",), MORE,
           missing=_RUNAWAY),
    Metric("synchrony_chi", "synchrony (Golomb chi)", "1", ("epileptiform",), MORE,
           missing="fewer than two active neurons"),
    Metric("runaway_onset_s", "runaway onset", "s", ("epileptiform",),
           missing="the run did not run away"),
    Metric("mean_rate_hz", "mean rate, exc + inh", "Hz", ("epileptiform",), MORE),
    Metric("baseline_rate_hz", "detection baseline", "Hz", ("epileptiform",)),
    Metric("threshold_rate_hz", "detection threshold", "Hz", ("epileptiform",)),
    Metric("mean_g_nmda_exc_nS", "mean NMDA conductance, traced pyramidal cells", "nS",
           ("epileptiform",), MORE),
)


def structure_of(cfg: Config) -> dict[str, Any]:
    """The structural parameters: a change here means a new compiled build."""
    net = cfg.network
    return {
        "n_exc": net.n_exc,
        "n_inh": net.n_inh,
        "connection_probability": net.connection_probability,
        "synaptic_delay_ms": net.synaptic_delay_ms,
        "leak_cv": net.leak_cv,
        "threshold_sd_mV": net.threshold_sd_mV,
        "drive_inputs": net.drive_inputs,
        "drive_rate_hz": net.drive_rate_hz,
        "drive_model": net.drive_model,
        "dt_ms": cfg.simulation.dt_ms,
        "duration_s": cfg.protocol.duration_s,
    }


def runtime_params(cfg: Config, state) -> dict[str, float]:
    """Command-line values of one run: the receptor state (:class:`sim.conditions.ReceptorState`),
    the bath and protocol timing, and every runtime conductance."""
    net, bath, proto = cfg.network, cfg.bath, cfg.protocol
    mg_from = bath.mg_mM if proto.mg_washout_from_mM is None else proto.mg_washout_from_mM
    washin_t = proto.glycine_washin_start_s if proto.glycine_washin_uM is not None else 1e9
    common = {
        "mg_mM": bath.mg_mM,
        "mg_from_mM": mg_from,
        "mg_t0_s": proto.mg_washout_start_s,
        "mg_ramp_s": max(proto.mg_washout_duration_s, 1e-6),
        "washin_t_s": washin_t,
        "glyr_before": state.glyr_activation.before,
        "glyr_after": state.glyr_activation.after,
        "g_glyr_nS": net.g_glyr_max_nS,
        "apv_unblocked": state.apv_unblocked,
        "gaba_unblocked": state.gaba_unblocked,
        "tau_rec_s": net.depression_tau_rec_s,
        "u_dep": net.depression_u,
    }
    per_pop = {
        "exc": {"g_nmda_nS": net.g_nmda_exc_nS, "g_drive_nS": net.g_drive_exc_nS,
                "b_adapt_pA": net.adaptation_b_pA, "tau_adapt_s": net.adaptation_tau_s},
        "inh": {"g_nmda_nS": net.g_nmda_inh_nS, "g_drive_nS": net.g_drive_inh_nS,
                "b_adapt_pA": 0.0, "tau_adapt_s": 1.0},
    }
    params = {}
    for pop in POPULATIONS:
        values = {**common, **per_pop[pop],
                  "occupancy_before": state.occupancy[pop].before,
                  "occupancy_after": state.occupancy[pop].after}
        params.update({f"{pop}.{k}": float(v) for k, v in values.items()})
    params.update({
        "syn_ee.w_ampa_nS": net.g_ampa_ee_nS,
        "syn_ei.w_ampa_nS": net.g_ampa_ei_nS,
        "syn_ie.w_gaba_nS": net.g_gaba_ie_nS,
        "syn_ii.w_gaba_nS": net.g_gaba_ii_nS,
    })
    return params


def check_finite(out: dict[str, np.ndarray]) -> None:
    """RunError naming the population (and time, where traced) if any state went NaN or inf."""
    traced = out["trace_g_nmda"], out["trace_v"]
    bad_rows = ~np.all(np.isfinite(np.hstack(traced)), axis=1) if len(out["trace_t"]) else []
    if np.any(bad_rows):
        t = float(out["trace_t"][np.argmax(bad_rows)])
        raise RunError(f"numerical blow-up: non-finite state in population exc at t = {t:.4f} s "
                       "(try a smaller simulation.dt_ms or check the conductances)")
    for pop in POPULATIONS:
        for var in ("v", "w"):
            values = out[f"{pop}_{var}_final"]
            if not np.all(np.isfinite(values)):
                n = int(np.sum(~np.isfinite(values)))
                raise RunError(f"numerical blow-up: {n} neuron(s) of population {pop} have a "
                               f"non-finite {var} at the end of the run (try a smaller "
                               "simulation.dt_ms or check the conductances)")


def spikes_of(out: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Spike times (s, float64) and ids (int32) per population, sorted by time then id: a
    canonical order, so that equal runs give equal arrays."""
    spikes = {}
    for pop in POPULATIONS:
        t, i = out[f"{pop}_t"], out[f"{pop}_i"]
        order = np.lexsort((i, t))
        spikes[pop] = (t[order].astype(np.float64), i[order].astype(np.int32))
    return spikes


def store_bursts(run: RunData, bursts: Bursts) -> None:
    """The detected events and the detection itself into ``run.analysis``: what figures draw.

    ``events/``: one entry per event (start, stop, peak rate, ictal-like or not, cut by an edge);
    ``detection/``: the pooled, smoothed rate the detector ran on, its first bin's time, its bin
    width, the baseline and the threshold.
    """
    run.put("analysis", "events/start_s", bursts.start_s, "s")
    run.put("analysis", "events/stop_s", bursts.stop_s, "s")
    run.put("analysis", "events/peak_rate_hz", bursts.peak_hz, "Hz")
    run.put("analysis", "events/ictal_like", bursts.ictal_like.astype(np.int8), "1")
    run.put("analysis", "events/touches_start", bursts.touches_start.astype(np.int8), "1")
    run.put("analysis", "events/touches_end", bursts.touches_end.astype(np.int8), "1")
    run.put("analysis", "detection/rate_hz", bursts.smoothed_hz, "Hz")
    run.put("analysis", "detection/t_start_s", bursts.t_start_s, "s")
    run.put("analysis", "detection/bin_s", bursts.bin_s, "s")
    run.put("analysis", "detection/baseline_hz", bursts.baseline_hz, "Hz")
    run.put("analysis", "detection/threshold_hz", bursts.threshold_hz, "Hz")
    run.put("analysis", "detection/ictal_min_duration_s", bursts.ictal_min_duration_s, "s")
    run.put("analysis", "detection/runaway_onset_s", bursts.runaway_onset_s, "s")


def analyse(run: RunData, params: BurstParams, *, seed: int = 0) -> dict[str, Any]:
    """Detect the network bursts of a run's spikes (after the warm-up) and store the metrics,
    the events and the detection in ``run.analysis``; returns the metrics (summary.json's)."""
    t_start, t_stop = analysed_window(params, run.duration_s)
    bursts, metrics = burst_analysis(run.spikes, run.n_nodes, t_stop, params, t_start_s=t_start,
                                     seed=seed)
    for name, value in metrics.items():
        run.put("analysis", name, value, PROTOCOL.unit(name))
    run.put("analysis", "analysed_from_s", t_start, "s")
    store_bursts(run, bursts)
    return metrics


class Epileptiform(Protocol):
    name = "epileptiform"
    table = EpileptiformTable
    metrics = METRICS

    builder = BUILDER
    structure = staticmethod(structure_of)
    runtime_params = staticmethod(runtime_params)

    def progress_label(self, cfg: Config) -> str:
        return "simulating"

    def record(self, cfg: Config, state, sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        out, info = sim.outputs, sim.build.info
        check_finite(out)
        spikes = spikes_of(out)
        n_nodes = {k: int(v) for k, v in info["recorded"].items()}
        duration = sim.build.duration_s
        params = BurstParams.from_mapping(cfg.analysis.model_dump())
        bin_s = params.rate_bin_ms * 1e-3
        run = self.new_run(
            cfg, state, sim, spikes=spikes, n_nodes=n_nodes, duration_s=duration,
            rates={pop: population_rate(t, n_nodes[pop], duration, bin_s)
                   for pop, (t, _) in spikes.items()},
            rate_dt_s=bin_s,
        )
        metrics = analyse(run, params, seed=cfg.simulation.seed)
        trace_t = out["trace_t"]
        g_nmda = out["trace_g_nmda"] * 1e9
        analysed = trace_t >= float(run.analysis["analysed_from_s"])
        metrics["mean_g_nmda_exc_nS"] = float(g_nmda[analysed].mean()) if analysed.any() else 0.0
        run.put("analysis", "mean_g_nmda_exc_nS", metrics["mean_g_nmda_exc_nS"], "nS")
        run.put("traces", "t_s", trace_t, "s")
        run.put("traces", "g_nmda_exc_nS", g_nmda, "nS")
        run.put("traces", "v_exc_mV", out["trace_v"] * 1e3, "mV")
        return run, dict(metrics)

    def figures(self, run: RunData, folder: Path) -> list[Path]:
        from sim.figures.network import plot_run_figures

        return plot_run_figures(run, folder)


PROTOCOL = Epileptiform()
