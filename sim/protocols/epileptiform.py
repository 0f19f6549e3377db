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

import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from sim.analysis.bursts import (
    BurstParams,
    Bursts,
    analysed_window,
    burst_analysis,
    is_sorted,
    pooled_rate,
    population_rate,
    select_populations,
    smooth_rate,
)
from sim.analysis.ictal import IctalEvents, IctalParams, detect_ictal, ictal_metrics
from sim.config import Concentration_uM, Config, NonNeg, Section
from sim.errors import RunError
from sim.metrics import LESS, MORE, NEUTRAL, Metric
from sim.model import equations as eq
from sim.model.equations import EK_SLOPE_MV
from sim.protocols.base import Protocol, Simulation
from sim.store import RunData

BUILDER = "sim.model.network:build_network"
POPULATIONS = ("exc", "inh")
#: The [K+]o at which the leak rests at E_L and [Na+]i at ions.na_rest_mM (standard ACSF).
K_REFERENCE_MM = 3.5
#: A run starts with [Na+]i at its steady state for the bath's K+, at most this (mM).
NA_START_CAP_MM = 60.0
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
    Metric("ictal_event_count", "ictal events", "1", ("epileptiform",), MORE, printed=True),
    Metric("ictal_rate_per_min", "ictal event rate", "1/min", ("epileptiform",), MORE,
           panel=True, printed=True),
    Metric("mean_ictal_duration_s", "mean ictal duration", "s", ("epileptiform",), MORE,
           panel=True, printed=True,
           missing="no complete ictal event (one cut by the start or end of the run is left out)"),
    Metric("mean_interictal_interval_s", "interval between ictal events", "s", ("epileptiform",),
           LESS, panel=True, missing="fewer than two ictal onsets in the run"),
    Metric("time_to_first_ictal_s", "time to the first ictal event", "s", ("epileptiform",), LESS,
           missing="no ictal event starts inside the run"),
    Metric("interictal_discharge_rate_hz", "interictal discharge rate", "Hz", ("epileptiform",),
           NEUTRAL, panel=True, printed=True, missing="the run is all ictal"),
    Metric("k_o_peak_mM", "peak extracellular K+", "mM", ("epileptiform",), MORE, panel=True,
           printed=True),
    Metric("postictal_suppression_s", "post-ictal suppression", "s", ("epileptiform",), NEUTRAL,
           missing="no ictal event is followed by activity before the run ends"),
    Metric("tonic_duration_s", "tonic phase", "s", ("epileptiform",), MORE,
           missing="no complete ictal event"),
    Metric("clonic_first_hz", "clonic burst rate, first half", "Hz", ("epileptiform",),
           missing="no complete ictal event with a clonic phase"),
    Metric("clonic_last_hz", "clonic burst rate, second half", "Hz", ("epileptiform",),
           missing="no complete ictal event with a clonic phase"),
    Metric("rate_exc_in_events_hz", "excitatory rate inside events", "Hz", ("epileptiform",),
           MORE, printed=True, missing="no event"),
    Metric("rate_exc_between_events_hz", "excitatory rate between events", "Hz",
           ("epileptiform",), MORE, printed=True, missing="no time outside events"),
    Metric("rate_inh_in_events_hz", "inhibitory rate inside events", "Hz", ("epileptiform",),
           NEUTRAL, missing="no event"),
    Metric("rate_inh_between_events_hz", "inhibitory rate between events", "Hz",
           ("epileptiform",), NEUTRAL, missing="no time outside events"),
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
    dt = cfg.simulation.dt_ms  # an ion step of one dt is the every-step build (no key)
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
        "method": net.integration,
        "dt_ms": dt,
        "precision": cfg.simulation.precision,
        "threads": cfg.simulation.threads,
    } | ({"extrasynaptic_nmda": True} if cfg.mechanisms.coagonist_pool != "bulk" else {}) \
      | ({"slow_na_inactivation": True} if net.slow_na_inactivation else {}) \
      | ({"chloride_dynamics": True} if net.chloride_dynamics else {}) \
      | ({"ion_dt_ms": ion_dt} if (ion_dt := cfg.simulation.ion_dt_ms) not in (0, dt) else {})


def ek_mV(cfg: Config, k_out_mM: float) -> float:
    """E_K (mV) at extracellular K+ ``k_out_mM`` (Nernst, 37 C)."""
    return EK_SLOPE_MV * math.log(k_out_mM / cfg.ions.k_in_mM)


def pump_rate(cfg: Config, na_in_mM: float, k_out_mM: float) -> float:
    """The Na+/K+ pump rate (mM/s) at ``na_in_mM`` and ``k_out_mM`` (the equations' own law)."""
    ions = cfg.ions
    return (ions.pump_max_mM_s / (1 + math.exp((ions.na_half_mM - na_in_mM) / ions.na_slope_mM))
            / (1 + math.exp((ions.pump_k_half_mM - k_out_mM) / ions.pump_k_slope_mM)))


def na_steady_state(cfg: Config, k_out_mM: float, pump_rest_mM_s: float) -> float:
    """The resting [Na+]i at ``k_out_mM``: where pump and relaxation balance the Na+ leak."""
    from scipy.optimize import brentq

    ions = cfg.ions

    def net(na: float) -> float:
        return (-3 * (pump_rate(cfg, na, k_out_mM) - pump_rest_mM_s)
                + ions.na_relax_per_s * (ions.na_rest_mM - na))

    if net(NA_START_CAP_MM) > 0:  # the pump cannot keep up at this [K+]o
        return NA_START_CAP_MM
    return float(brentq(net, 0.0, NA_START_CAP_MM))


def ion_params(cfg: Config) -> dict[str, float]:
    """The ions group's run-time values and the neurons' ion parameters (not per population)."""
    ions, bath = cfg.ions, cfg.bath
    pump_rest = pump_rate(cfg, ions.na_rest_mM, K_REFERENCE_MM)
    # the leak rests at E_L at the reference [K+]o: its non-K+ part reverses where that needs it
    e_l = eq.CELL_TYPES["exc"]["E_L_mV"]
    f_k = ions.k_leak_fraction
    e_nonk = (e_l - f_k * ek_mV(cfg, K_REFERENCE_MM)) / (1 - f_k) if f_k < 1 else e_l
    return {
        "ions.k_bath_mM": bath.k_mM, "ions.K_o": bath.k_mM,
        "ions.k_diffusion_per_s": ions.k_diffusion_per_s, "ions.glia_max_mM_s": ions.glia_max_mM_s,
        "ions.glia_half_mM": ions.glia_half_mM, "ions.glia_slope_mM": ions.glia_slope_mM,
        "ions.k_pump_volume_factor": ions.k_pump_volume_factor,
        "ions.pump_rest_mM_s": pump_rest, "ions.k_in_mM": ions.k_in_mM,
        "ions.pump_k_half_mM": ions.pump_k_half_mM, "ions.pump_k_slope_mM": ions.pump_k_slope_mM,
        "ions.buffer_rate_per_s": ions.buffer_rate_per_s,
        "ions.buffer_capacity_mM": ions.buffer_capacity_mM,
        "ions.buffer_release_per_s": ions.buffer_release_per_s,
        "k_per_spike_mM": ions.k_per_spike_mM,
        "neurons.k_leak_fraction": f_k, "neurons.e_nonk_mV": e_nonk,
        "neurons.pump_max_mM_s": ions.pump_max_mM_s, "neurons.pump_rest_mM_s": pump_rest,
        "neurons.na_half_mM": ions.na_half_mM,
        "neurons.na_slope_mM": ions.na_slope_mM, "neurons.na_per_spike_mM": ions.na_per_spike_mM,
        "neurons.na_rest_mM": ions.na_rest_mM, "neurons.na_relax_per_s": ions.na_relax_per_s,
        "neurons.na_in": na_steady_state(cfg, bath.k_mM, pump_rest),  # capped there
    }


def chloride_params(cfg: Config, pop: str) -> dict[str, float]:
    """One population's chloride values; [Cl-]i starts at rest, where E_GABA is the calibrated
    -75 mV (so the chloride build starts from the default's inhibition)."""
    net = cfg.network
    rest = eq.cl_rest_mM(eq.E_INH_MV, net.cl_out_mM, net.hco3_share, net.e_hco3_mV)
    volume = net.cl_volume_exc_pL if pop == "exc" else net.cl_volume_inh_pL
    return {"cl_out_mM": net.cl_out_mM, "cl_rest_mM": rest, "cl_in": rest,
            "kcc2_tau_s": net.kcc2_tau_s, "cl_mM_per_pC": eq.cl_mM_per_pC(volume),
            "hco3_share": net.hco3_share, "e_hco3_mV": net.e_hco3_mV}


def runtime_params(cfg: Config, state) -> dict[str, float]:
    """Command-line values of one run: the receptor state (:class:`sim.conditions.ReceptorState`),
    the bath and protocol timing, the ion dynamics and every runtime conductance."""
    net, bath, proto = cfg.network, cfg.bath, cfg.protocol
    ions = ion_params(cfg)
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
    common.update({k.split(".", 1)[1]: v for k, v in ions.items() if k.startswith("neurons.")})
    # the pump current scales with the cell's size (its capacitance; the key is a pyramidal cell's)
    pump_pa = {pop: cfg.ions.pump_pA_per_mM_s * eq.CELL_TYPES[pop]["C_pF"]
               / eq.CELL_TYPES["exc"]["C_pF"] for pop in POPULATIONS}
    per_pop = {
        "exc": {"g_nmda_nS": net.g_nmda_exc_nS, "g_drive_nS": net.g_drive_exc_nS,
                "b_ahp_nS": net.adaptation_b_nS,
                "tau_adapt_s": net.adaptation_tau_s,
                "b_bahp_nS": net.burst_ahp_b_nS, "tau_bahp_ms": net.burst_ahp_tau_ms,
                "pump_pA_per_mM_s": pump_pa["exc"]},
        "inh": {"g_nmda_nS": net.g_nmda_inh_nS, "g_drive_nS": net.g_drive_inh_nS,
                "b_ahp_nS": 0.0, "tau_adapt_s": 1.0, "b_bahp_nS": 0.0, "tau_bahp_ms": 100.0,
                "pump_pA_per_mM_s": pump_pa["inh"]},
    }
    params = {k: float(v) for k, v in ions.items() if not k.startswith("neurons.")}
    for pop in POPULATIONS:
        values = {**common, **per_pop[pop],
                  "occupancy_before": state.occupancy[pop].before,
                  "occupancy_after": state.occupancy[pop].after}
        if cfg.mechanisms.coagonist_pool != "bulk":
            values.update({"g_nmda_ext_nS": cfg.mechanisms.g_nmda_extrasynaptic_nS,
                           "occupancy_ext_before": state.occupancy_extrasynaptic[pop].before,
                           "occupancy_ext_after": state.occupancy_extrasynaptic[pop].after})
        if net.slow_na_inactivation:  # the same in both populations; the keys are the names
            values.update({name: getattr(net, name) for name in eq.NA_INACTIVATION_PARAMS})
        if net.chloride_dynamics:
            values.update(chloride_params(cfg, pop))
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
    rows = [_first_nonfinite_row(out[name]) for name in ("trace_g_nmda", "trace_v")]
    rows = [r for r in rows if r is not None]
    if rows and len(out["trace_t"]):
        t = float(out["trace_t"][min(rows)])
        raise RunError(f"numerical blow-up: non-finite state in population exc at t = {t:.4f} s "
                       "(try a smaller simulation.dt_ms or check the conductances)")
    for pop in POPULATIONS:
        for var in ("v", "na"):
            values = out[f"{pop}_{var}_final"]
            if not np.all(np.isfinite(values)):
                n = int(np.sum(~np.isfinite(values)))
                raise RunError(f"numerical blow-up: {n} neuron(s) of population {pop} have a "
                               f"non-finite {var} at the end of the run (try a smaller "
                               "simulation.dt_ms or check the conductances)")


def _first_nonfinite_row(values: np.ndarray, rows: int = 1 << 16) -> int | None:
    """The first time step (row) of a trace array holding a NaN or inf, checked a block of rows
    at a time (a 10 min run's traces are ~100 MB each); None if all are finite."""
    values = values.reshape(len(values), -1)
    for lo in range(0, len(values), rows):
        bad = ~np.isfinite(values[lo:lo + rows]).all(axis=1)
        if bad.any():
            return lo + int(np.argmax(bad))
    return None


def spikes_of(out: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Spike times (s, float64) and ids (int32) per population, sorted by time then id: a
    canonical order, so that equal runs give equal arrays. The monitors record in that order
    already (step by step, ascending ids within a step): then the arrays are used as they are,
    not copied (tens of millions of spikes in a minutes-long seizure run)."""
    spikes = {}
    for pop in POPULATIONS:
        t = out[f"{pop}_t"].astype(np.float64, copy=False)
        i = out[f"{pop}_i"].astype(np.int32, copy=False)
        if not is_sorted(t, i):
            order = np.lexsort((i, t))
            t, i = t[order], i[order]
        spikes[pop] = (t, i)
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


def store_ictal(run: RunData, ev: IctalEvents) -> None:
    """The ictal events (``/analysis/ictal/``): onset, end, phases and post-ictal suppression."""
    run.put("analysis", "ictal/start_s", ev.start_s, "s")
    run.put("analysis", "ictal/stop_s", ev.stop_s, "s")
    run.put("analysis", "ictal/tonic_s", ev.tonic_s, "s")
    run.put("analysis", "ictal/phase_level_hz", ev.phase_level_hz, "Hz")
    run.put("analysis", "ictal/clonic_bursts", ev.clonic_bursts, "1")
    run.put("analysis", "ictal/clonic_first_hz", ev.clonic_first_hz, "Hz")
    run.put("analysis", "ictal/clonic_last_hz", ev.clonic_last_hz, "Hz")
    run.put("analysis", "ictal/postictal_s", ev.postictal_s, "s")
    run.put("analysis", "ictal/complete", ev.complete.astype(np.int8), "1")
    run.put("analysis", "ictal/startup", ev.startup.astype(np.int8), "1")


def ictal_analysis(run: RunData, params: BurstParams, ictal: IctalParams,
                   threshold_hz: float) -> tuple[IctalEvents, dict[str, Any]]:
    """Ictal events over the whole record (from t = 0: an ictal event outlasts the warm-up, and
    the first one's onset is a metric), on the pooled rate smoothed and thresholded as the
    interictal detector does after the warm-up."""
    pops = select_populations(run.spikes)
    bin_s = params.rate_bin_ms * 1e-3
    pooled, _ = pooled_rate(run.spikes, run.n_nodes, pops, run.duration_s, bin_s)
    smoothed = smooth_rate(pooled, bin_s, params.burst_smooth_ms)
    ev = detect_ictal(smoothed, threshold_hz, bin_s, ictal)
    metrics = ictal_metrics(ev, {p: run.spikes[p][0] for p in pops}, run.n_nodes,
                            run.traces.get("k_o_mM"), run.traces.get("ions_t_s"))
    return ev, metrics


def without_events(ictal_values: dict[str, Any]) -> dict[str, Any]:
    """The ictal metrics of a runaway run: a high state that never ends has no events of either
    kind to speak of (count 0, the rest NaN); [K+]o's peak is still a measurement."""
    return {k: (0 if k == "ictal_event_count" else v if k == "k_o_peak_mM" else float("nan"))
            for k, v in ictal_values.items()}


def detection_changes(texts) -> dict[str, Any]:
    """``[analysis]`` detection keys changed by ``KEY=VALUE`` texts (``analysis.`` optional), as
    the re-analysis scripts take them with ``--set``; a key neither detector knows is an
    InputError naming it."""
    from sim.config import parse_override
    from sim.errors import InputError

    changes = {}
    for text in texts:
        key, value = parse_override(text if "." in text.split("=")[0] else f"analysis.{text}")
        changes[key.split(".", 1)[1]] = value
    unknown = set(changes) - set(IctalParams.__dataclass_fields__) - set(
        BurstParams.__dataclass_fields__)
    if unknown:
        raise InputError(f"--set: not a detection key: {', '.join(sorted(unknown))}")
    return changes


def analyse(run: RunData, params: BurstParams, *, seed: int = 0,
            ictal: IctalParams = IctalParams()) -> dict[str, Any]:
    """Detect the network bursts of a run's spikes (after the warm-up) and its ictal events (the
    whole record), store the metrics, the events and the detection in ``run.analysis``; returns
    the metrics (summary.json's)."""
    t_start, t_stop = analysed_window(params, run.duration_s)
    bursts, metrics = burst_analysis(run.spikes, run.n_nodes, t_stop, params, t_start_s=t_start,
                                     seed=seed)
    ev, ictal_values = ictal_analysis(run, params, ictal, bursts.threshold_hz)
    if bursts.runaway:
        ictal_values = without_events(ictal_values)
        ev = detect_ictal(np.zeros(0), 0.0, params.rate_bin_ms * 1e-3, ictal)
    metrics.update(ictal_values)
    for name, value in metrics.items():
        run.put("analysis", name, value, PROTOCOL.unit(name))
    run.put("analysis", "analysed_from_s", t_start, "s")
    store_bursts(run, bursts)
    store_ictal(run, ev)
    return metrics


class Epileptiform(Protocol):
    name = "epileptiform"
    table = EpileptiformTable
    metrics = METRICS

    builder = BUILDER
    # the traced neurons' 1 ms traces: float32 keeps 7 significant digits (1e-5 mV at -70 mV,
    # far below the integration error) at half the memory of a 10 min run (2 x 46 MiB)
    float32_outputs = frozenset({"trace_v", "trace_g_nmda"})
    structure = staticmethod(structure_of)
    runtime_params = staticmethod(runtime_params)

    def progress_label(self, cfg: Config) -> str:
        return "simulating"

    def duration(self, cfg: Config) -> float:
        return cfg.protocol.duration_s

    def record(self, cfg: Config, state, sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        out, info = sim.outputs, sim.build.info
        check_finite(out)
        spikes = spikes_of(out)
        n_nodes = {k: int(v) for k, v in info["recorded"].items()}
        duration = sim.duration_s
        params = BurstParams.from_mapping(cfg.analysis.model_dump())
        bin_s = params.rate_bin_ms * 1e-3
        run = self.new_run(
            cfg, state, sim, spikes=spikes, n_nodes=n_nodes, duration_s=duration,
            rates={pop: population_rate(t, n_nodes[pop], duration, bin_s)
                   for pop, (t, _) in spikes.items()},
            rate_dt_s=bin_s,
        )
        n_nodes_total = {k: int(v) for k, v in sim.build.info["n_nodes"].items()}
        run.put("traces", "ions_t_s", out["ion_t"], "s")
        run.put("traces", "k_o_mM", out["k_o"].ravel(), "mM")
        for pop in POPULATIONS:
            run.put("traces", f"na_in_{pop}_mM",
                    out[f"na_total_{pop}"].ravel() / n_nodes_total[pop], "mM")
            if f"cl_total_{pop}" in out:  # the chloride build
                run.put("traces", f"cl_in_{pop}_mM",
                        out[f"cl_total_{pop}"].ravel() / n_nodes_total[pop], "mM")
        metrics = analyse(run, params, seed=cfg.simulation.seed,
                          ictal=IctalParams.from_mapping(cfg.analysis.model_dump()))
        trace_t = out["trace_t"]
        g_nmda = out["trace_g_nmda"]
        g_nmda *= 1e9  # in place: the traces of a long run are ~100 MB each
        analysed = g_nmda[np.searchsorted(trace_t, float(run.analysis["analysed_from_s"])):]
        metrics["mean_g_nmda_exc_nS"] = (float(analysed.mean(dtype=np.float64)) if analysed.size
                                         else 0.0)
        run.put("analysis", "mean_g_nmda_exc_nS", metrics["mean_g_nmda_exc_nS"], "nS")
        run.put("traces", "t_s", trace_t, "s")
        run.put("traces", "g_nmda_exc_nS", g_nmda, "nS")
        v = out["trace_v"]
        v *= 1e3
        run.put("traces", "v_exc_mV", v, "mV")
        return run, dict(metrics)

    def figures(self, run: RunData, folder: Path) -> list[Path]:
        from sim.figures.network import plot_run_figures

        return plot_run_figures(run, folder)


PROTOCOL = Epileptiform()
