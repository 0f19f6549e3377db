"""LTP / LTD preparation: a stimulated pathway onto CA1-like pyramidal cells, NMDA-calcium plasticity.

The preparation (one compiled build per induction schedule; every dose, bath or rule value is a
runtime parameter, so a dose sweep compiles once):

- ``ltp_fibers``: a SpikeGeneratorGroup, the stimulated afferents (Schaffer collaterals). Each
  *arm* of the preparation has its own fibers, cells and pulse schedule; arms never interact, so a
  frequency series runs its rates side by side as independent preparations in one binary.
- ``ltp_pyr``: conductance-based leaky integrate-and-fire pyramidal cells (AMPA + NMDA input,
  membrane noise, a voltage clamp for pairing). A spike starts a back-propagating action
  potential ``bpap`` (75 % decaying in 3 ms, 25 % in 25 ms; Shouval et al. 2002) that adds to the
  local (spine) voltage seen by the synaptic NMDA receptors.
- ``ltp_synapses``: ``synapses_per_neuron`` synapses per cell with stochastic release from a
  depleting vesicle pool. Per synapse: NMDA gating ``s`` (saturating, Brunel & Wang 2001 form),
  calcium ``ca`` (uM above rest) and the rule's weight ``W``::

      I_NMDA  = g_nmda * s * occupancy * apv_unblocked * B(V, Mg) * (E_exc - V)
      dCa/dt  = -Ca / tau_Ca + k_Ca * s * occupancy * apv_unblocked * B(V_loc, Mg)
                               * (E_Ca - V_loc) / (E_Ca - E_L)        (+ Ca_bpap per post spike)
      dW/dt   = eta(Ca) * (Omega(Ca) - W)          (Shouval, Bear & Cooper 2002; stepped each ms)
      AMPA per release: g_ampa * (1 - f + f * W / W_rest)               (f = plastic fraction)

  V_loc = V + bpap; B from ``sim.receptors.MG_BLOCK_EXPR`` (Jahr & Stevens 1990). ``W`` is stored
  as its deviation ``dw`` from the rest weight W_rest = Omega(0), so every synapse starts at the
  rule's fixed point whatever runtime rule parameters are given.

Use :func:`run_ltp` (config + glycine -> :class:`LtpResult`) or :func:`ltp_run_data` (what
``milasim run`` calls: drug report -> run.h5 contents + summary metrics). The post-induction wait is
not simulated: once Ca is back at rest the rule is linear and ``relax_at_rest`` applies it exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis import plasticity as pl
from sim.config import Config
from sim.engine import Blueprint, get_build
from sim.errors import ConfigError, RunError
from sim.receptors import (
    MG_BLOCK_EXPR,
    apv_unblocked,
    glycine_site_occupancy,
    mg_block_namespace,
)

BUILDER = "sim.protocols.ltp:build_ltp"
#: Weights are sampled every RECORD_DT_S (the efficacy time course's resolution).
RECORD_DT_S = 0.5
#: The rule is stepped every RULE_DT_MS (exact for Ca held over a step; Ca changes over ~50 ms).
RULE_DT_MS = 1.0

# --------------------------------------------------------------------------- fixed constants
# Cell (CA1 pyramidal, point neuron; assumed, typical slice values: Rin 80 MOhm, tau_m 20 ms).
NEURON_CONSTANTS = {
    "c_m": 250e-12,  # F
    "g_l": 12.5e-9,  # S
    "e_l": -65e-3,  # V
    "v_th": -50e-3,  # V
    "v_reset": -55e-3,  # V
    "e_exc": 0.0,  # V
    "tau_ampa": 5e-3,  # s, CA1 AMPA EPSC decay (assumed; Brunel & Wang's network uses 2 ms)
    "tau_nmda_rise": 2e-3,  # s, Brunel & Wang 2001 (LITERATURE 3)
    "tau_bpap_fast": 3e-3,  # s, Shouval et al. 2002 BPAP, fast component
    "tau_bpap_slow": 25e-3,  # s, slow component
    "bpap_fast_fraction": 0.75,
    "e_ca": 130e-3,  # V, reversal for the NMDA Ca2+ driving force (Shouval et al. 2002)
    "g_clamp": 1e-6,  # S, the pairing "voltage clamp" (a stiff conductance towards v_hold)
}
REFRACTORY_S = 2e-3

#: Runtime parameters (``name : 1 (shared, constant)``): those of the cells, then of the synapses.
NEURON_PARAMS = ("mg_mM", "bpap_mV", "noise_mV", "v_hold_mV")
SYNAPSE_PARAMS = (
    "nmda_occupancy", "apv_unblocked", "g_ampa_nS", "g_nmda_nS", "release_probability",
    "tau_nmda_ms", "nmda_alpha_per_ms", "tau_ca_ms", "ca_nmda_uM_per_ms", "ca_bpap_uM",
    "depletion", "tau_recovery_ms", "w_rest", "plastic_fraction",
    *[f.name for f in pl.RuleParams.__dataclass_fields__.values()],
)
RUNTIME_PARAMS = tuple(dict.fromkeys((*NEURON_PARAMS, *SYNAPSE_PARAMS)))

NEURON_EQS = """
dv/dt = (g_l * (e_l - v) + g_ampa * (e_exc - v) + g_nmda * b_soma * (e_exc - v) + i_clamp) / c_m
        + noise_mV * mV * sqrt(2 / tau_m) * xi : volt (unless refractory)
b_soma = {mg_block} : 1
dg_ampa/dt = -g_ampa / tau_ampa : siemens
g_nmda : siemens
dbpap_f/dt = -bpap_f / tau_bpap_fast : volt
dbpap_s/dt = -bpap_s / tau_bpap_slow : volt
bpap = bpap_f + bpap_s : volt
i_clamp = {clamp} : amp
v_loc = v + bpap : volt
ca_drive : 1
arm : integer (constant)
mg_mM : 1 (shared, constant)
bpap_mV : 1 (shared, constant)
noise_mV : 1 (shared, constant)
v_hold_mV : 1 (shared, constant)
"""

SYNAPSE_EQS = """
dx/dt = -x / tau_nmda_rise : 1 (clock-driven)
ds/dt = -s / (tau_nmda_ms * ms) + nmda_alpha_per_ms / ms * x * (1 - s) : 1 (clock-driven)
g_nmda_post = g_nmda_nS * nS * nmda_scale * nmda_occupancy * apv_unblocked * s : siemens (summed)
dca/dt = -ca / (tau_ca_ms * ms) + ca_nmda_uM_per_ms / ms * nmda_scale * nmda_occupancy
         * apv_unblocked * s * ca_drive_post : 1 (clock-driven)
nmda_scale : 1 (constant)
omega = {omega} : 1
eta_hz = {eta} : 1
dw : 1
w = w_rest + dw : 1
r : 1
t_last : second
{shared}
"""

# The rule, stepped exactly for calcium held over one rule step (Ca changes on a 50 ms scale; the
# rule step is 1 ms): W -> Omega + (W - Omega) exp(-eta dt), written for dw = W - W_rest.
RULE_STEP = "dw = (omega - w_rest) + (dw - (omega - w_rest)) * exp(-eta_hz * rule_dt / second)"
# Per cell, once per time step: NMDA calcium drive at the local (spine) voltage V + bpap, relative
# to the drive at rest with no Mg2+ block.
CA_DRIVE = "ca_drive = {mg_block_loc} * (e_ca - v_loc) / (e_ca - e_l)"

# On each presynaptic pulse the vesicle pool ``r`` (1 = full) first recovers since the last pulse
# (time constant tau_recovery), then the synapse releases with probability p * r; a release takes
# ``depletion`` from the pool (subtractive, so the steady release rate of a long train is bounded
# by 1 / (depletion * tau_recovery): synaptic fatigue during 900-pulse trains).
ON_PRE = """
r = 1 - (1 - r) * exp(-(t - t_last) / (tau_recovery_ms * ms))
t_last = t
released = int(rand() < release_probability * r)
r = clip(r - depletion * released, 0, 1)
x += released
g_ampa_post += released * g_ampa_nS * nS * (1 - plastic_fraction + plastic_fraction * w / w_rest)
"""
ON_POST = "ca += ca_bpap_uM"
NEURON_RESET = """
v = v_reset
bpap_f += bpap_fast_fraction * bpap_mV * mV
bpap_s += (1 - bpap_fast_fraction) * bpap_mV * mV
"""


# --------------------------------------------------------------------------- the builder
def build_ltp(structure: dict) -> Any:
    """Engine builder (runs inside the build process with the standalone device active).

    ``structure`` (JSON-able, see :func:`structure_of`): ``dt_ms``, ``n_post_per_arm``,
    ``n_syn_per_post``, ``nmda_cv``, ``record_dt_s``, ``rule_dt_ms``, ``record_ca_dt_ms`` (0 = no
    Ca trace), ``clamp_dt_ms`` and ``arms``: a list of ``{"label", "pulses_s", "clamp",
    "duration_s"}``. Synapses are ordered arm by arm, cell by cell (the ``w`` output's columns).
    """
    from brian2 import (
        NeuronGroup,
        SpikeGeneratorGroup,
        SpikeMonitor,
        StateMonitor,
        Synapses,
        TimedArray,
        farad,
        ms,
        second,
        siemens,
        volt,
    )
    from brian2.utils.stringtools import word_substitute

    from sim.engine import BuildSpec

    dt = structure["dt_ms"] * ms
    arms = structure["arms"]
    n_arms = len(arms)
    n_post = int(structure["n_post_per_arm"])
    n_syn = int(structure["n_syn_per_post"])
    duration_s = max(float(a["duration_s"]) for a in arms)

    units = {"c_m": farad, "g_l": siemens, "e_l": volt, "v_th": volt, "v_reset": volt,
             "e_exc": volt, "tau_ampa": second, "tau_nmda_rise": second, "tau_bpap_fast": second,
             "tau_bpap_slow": second, "e_ca": volt, "g_clamp": siemens}
    ns: dict[str, Any] = {k: v * units[k] if k in units else v for k, v in NEURON_CONSTANTS.items()}
    ns["tau_m"] = ns["c_m"] / ns["g_l"]
    ns["rule_dt"] = float(structure["rule_dt_ms"]) * ms
    # synapse-to-synapse variation of NMDA receptor number: lognormal, mean 1, CV nmda_cv
    ns["nmda_sigma"] = math.sqrt(math.log(1.0 + float(structure["nmda_cv"]) ** 2))
    ns.update(mg_block_namespace())

    if any(a["clamp"] for a in arms):
        step = float(structure["clamp_dt_ms"]) * 1e-3
        values = np.zeros((int(math.ceil(duration_s / step)) + 1, n_arms))
        for k, a in enumerate(arms):
            for start, end in a["clamp"]:
                values[int(round(start / step)): int(round(end / step)), k] = 1.0
        ns["clamp_on"] = TimedArray(values, dt=step * second, name="ltp_clamp_on")
        clamp = "g_clamp * clamp_on(t, arm) * (v_hold_mV * mV - v)"
        threshold = "v > v_th and clamp_on(t, arm) < 0.5"
    else:
        clamp = "0 * amp"
        threshold = "v > v_th"

    pyr = NeuronGroup(n_arms * n_post, NEURON_EQS.format(mg_block=MG_BLOCK_EXPR, clamp=clamp),
                      threshold=threshold, reset=NEURON_RESET, refractory=REFRACTORY_S * second,
                      method="euler", namespace=ns, dt=dt, name="ltp_pyr")
    pyr.v = "e_l"
    pyr.arm = np.repeat(np.arange(n_arms), n_post)
    pyr.run_regularly(CA_DRIVE.format(mg_block_loc=word_substitute(MG_BLOCK_EXPR, {"v": "v_loc"})),
                      dt=dt, when="start", name="ltp_pyr_ca_drive")

    # fibers: arm k owns fibers k*n_syn ... (k+1)*n_syn - 1, all firing at the arm's pulses
    idx, times = [], []
    for k, a in enumerate(arms):
        pulses = np.asarray(a["pulses_s"], dtype=float)
        for f in range(n_syn):
            idx.append(np.full(pulses.size, k * n_syn + f))
            times.append(pulses)
    fibers = SpikeGeneratorGroup(n_arms * n_syn, np.concatenate(idx),
                                 np.concatenate(times) * second, dt=dt, name="ltp_fibers")

    shared = "\n".join(f"{p} : 1 (shared, constant)" for p in SYNAPSE_PARAMS)
    syn = Synapses(fibers, pyr, SYNAPSE_EQS.format(omega=pl.OMEGA_EXPR, eta=pl.ETA_EXPR, shared=shared),
                   on_pre=ON_PRE, on_post=ON_POST, method="euler", namespace=ns, dt=dt,
                   name="ltp_synapses")
    cell = np.arange(n_arms * n_post)
    post = np.repeat(cell, n_syn)  # synapse order: arm, cell, fiber
    pre = (post // n_post) * n_syn + np.tile(np.arange(n_syn), n_arms * n_post)
    syn.connect(i=pre, j=post)
    syn.r = 1.0
    syn.nmda_scale = "exp(nmda_sigma * randn() - nmda_sigma**2 / 2)"
    syn.run_regularly(RULE_STEP, dt=ns["rule_dt"], when="end", name="ltp_rule")

    w_mon = StateMonitor(syn, "w", record=True, dt=float(structure["record_dt_s"]) * second,
                         name="ltp_w_monitor")
    spikes = SpikeMonitor(pyr, name="ltp_pyr_spikes")
    objects = [pyr, fibers, syn, w_mon, spikes]
    outputs = {"w": (w_mon, "w"), "w_t": (w_mon, "t"),
               "spike_t": (spikes, "t"), "spike_i": (spikes, "i")}
    ca_dt = float(structure["record_ca_dt_ms"])
    if ca_dt > 0:  # first synapse and first cell of every arm
        ca_mon = StateMonitor(syn, "ca", record=[k * n_post * n_syn for k in range(n_arms)],
                              dt=ca_dt * ms, name="ltp_ca_monitor")
        v_mon = StateMonitor(pyr, "v", record=[k * n_post for k in range(n_arms)], dt=ca_dt * ms,
                             name="ltp_v_monitor")
        objects += [ca_mon, v_mon]
        outputs.update({"ca": (ca_mon, "ca"), "ca_t": (ca_mon, "t"), "v": (v_mon, "v")})

    params: dict[str, list] = {}
    for p in NEURON_PARAMS:
        params.setdefault(p, []).append(getattr(pyr, p))
    for p in SYNAPSE_PARAMS:
        params.setdefault(p, []).append(getattr(syn, p))
    info = {"n_arms": n_arms, "n_post_per_arm": n_post, "n_syn_per_post": n_syn,
            "labels": [a["label"] for a in arms]}
    return BuildSpec(objects=objects, duration_s=duration_s, params=params, outputs=outputs,
                     info=info)


# --------------------------------------------------------------------------- config -> preparation
def frequency_label(rate_hz: float) -> str:
    """The key of a rate in ``ltp_percent_by_frequency``: ``1.0 -> "1"``, ``0.5 -> "0.5"``."""
    return f"{rate_hz:g}"


def schedules(cfg: Config) -> dict[str, pl.Schedule]:
    """The arms of the preparation for ``cfg.protocol.induction``, by label.

    A single induction has one arm, labelled by the induction (``"hfs"``); a frequency series has
    one arm per rate, labelled by :func:`frequency_label`.
    """
    pr = cfg.protocol
    common = {"baseline_s": pr.baseline_s, "test_interval_s": pr.test_interval_s,
              "post_s": pr.post_induction_simulated_s}
    kind = pr.induction
    if kind == "frequency_series":
        labels = [frequency_label(f) for f in pr.frequency_series_hz]
        if len(set(labels)) != len(labels):
            raise ConfigError(
                f"protocol.frequency_series_hz must not repeat a rate, got {pr.frequency_series_hz}"
            )
        return {
            lab: pl.make_schedule(pl.train(f, pr.frequency_series_pulses), label=lab, **common)
            for lab, f in zip(labels, pr.frequency_series_hz, strict=True)
        }
    clamp: list[tuple[float, float]] = []
    if kind == "hfs":
        pulses = pl.hfs_pulses(pr.hfs_trains, pr.hfs_train_interval_s, pr.hfs_rate_hz,
                               pr.hfs_train_duration_s)
        if pr.hfs_trains > 1 and pr.hfs_train_interval_s < pr.hfs_train_duration_s:
            raise ConfigError(
                f"protocol.hfs_train_interval_s must be >= protocol.hfs_train_duration_s "
                f"({pr.hfs_train_duration_s:g}), got {pr.hfs_train_interval_s:g}"
            )
    elif kind == "tbs":
        burst_s = (pr.tbs_pulses_per_burst - 1) / pr.tbs_intraburst_hz
        if pr.tbs_bursts > 1 and burst_s >= pr.tbs_burst_interval_ms * 1e-3:
            raise ConfigError(
                f"protocol.tbs_burst_interval_ms must exceed one burst ({burst_s * 1e3:g} ms), "
                f"got {pr.tbs_burst_interval_ms:g}"
            )
        pulses = pl.tbs_pulses(pr.tbs_bursts, pr.tbs_pulses_per_burst, pr.tbs_intraburst_hz,
                               pr.tbs_burst_interval_ms * 1e-3)
    elif kind == "lfs":
        pulses = pl.lfs_pulses(pr.lfs_pulses, pr.lfs_rate_hz)
    elif kind == "pairing":
        pulses = pl.train(pr.pairing_rate_hz, pr.pairing_pulses)
        # clamp from half a second before the first pulse to half a second after the last
        clamp = [(-0.5, float(pulses[-1]) + 0.5)]
        if pr.baseline_s < 0.5 + pr.test_interval_s:
            raise ConfigError("protocol.baseline_s must be >= test_interval_s + 0.5 for pairing, "
                              f"got {pr.baseline_s:g}")
    else:  # pragma: no cover - the config's Literal forbids it
        raise ConfigError(f"protocol.induction: unknown induction {kind!r}")
    return {kind: pl.make_schedule(pulses, label=kind, clamp_relative=clamp, **common)}


def structure_of(cfg: Config, arms: dict[str, pl.Schedule] | None = None) -> dict[str, Any]:
    """The build's structure: sizes, dt, pulse schedules, monitors (everything that recompiles)."""
    arms = schedules(cfg) if arms is None else arms
    pc = cfg.plasticity
    return {
        "dt_ms": cfg.simulation.dt_ms,
        "n_post_per_arm": pc.n_neurons,
        "n_syn_per_post": pc.synapses_per_neuron,
        "nmda_cv": pc.nmda_cv,
        "record_dt_s": RECORD_DT_S,
        "rule_dt_ms": RULE_DT_MS,
        "record_ca_dt_ms": pc.record_ca_dt_ms,
        "clamp_dt_ms": 10.0,
        "arms": [
            {"label": lab, "pulses_s": [round(float(x), 6) for x in sc.pulses_s],
             "clamp": [[round(a, 6), round(b, 6)] for a, b in sc.clamp],
             "duration_s": round(sc.duration_s, 6)}
            for lab, sc in arms.items()
        ],
    }


def blueprint(cfg: Config) -> Blueprint:
    return Blueprint(builder=BUILDER, structure=structure_of(cfg))


def rule_params(cfg: Config) -> pl.RuleParams:
    pc = cfg.plasticity
    return pl.RuleParams(**{name: getattr(pc, name) for name in pl.RuleParams.__dataclass_fields__})


def nmda_occupancy(cfg: Config, glycine_uM: float) -> float:
    """Glycine-site occupancy at bulk glycine ``glycine_uM`` with the bath's 7-chlorokynurenate."""
    return float(glycine_site_occupancy(glycine_uM, chlorokynurenate_uM=cfg.bath.chlorokynurenate_uM))


def runtime_params(cfg: Config, occupancy: float) -> dict[str, float]:
    """Command-line values of one run: receptor state, bath and every preparation/rule parameter."""
    pc = cfg.plasticity
    rule = rule_params(cfg)
    values = {
        "mg_mM": cfg.bath.mg_mM,
        "nmda_occupancy": occupancy,
        "apv_unblocked": float(apv_unblocked(cfg.bath.apv_uM)),
        "v_hold_mV": cfg.protocol.pairing_hold_mV,
        "w_rest": pl.rest_weight(rule),
        **rule.as_dict(),
    }
    for name in RUNTIME_PARAMS:
        if name not in values:
            values[name] = float(getattr(pc, name))
    return values


# --------------------------------------------------------------------------- one run
@dataclass
class LtpResult:
    """One LTP/LTD run: efficacy changes, their time courses and what the preparation did."""

    induction: str
    ltp_percent: float  # change at post_induction_wait_min (for a series: at its highest rate)
    ltp_percent_early: float  # change at the end of the simulated part (same arm)
    ltp_percent_by_frequency: dict[str, float] | None  # frequency series only
    t_s: np.ndarray  # efficacy time course of that arm, s from induction onset
    efficacy_percent: np.ndarray  # ... in % of baseline
    courses: dict[str, pl.EfficacyCourse]  # every arm's course, by label
    schedules: dict[str, pl.Schedule]
    glycine_uM: float
    nmda_occupancy: float
    apv_unblocked: float
    mg_mM: float
    spike_t_s: np.ndarray  # postsynaptic spikes (all arms)
    spike_i: np.ndarray
    n_neurons: int  # cells in all arms
    n_neurons_per_arm: int
    duration_s: float  # simulated time
    induction_spikes_per_cell: dict[str, float]  # mean postsynaptic spikes during induction
    compiler: str = ""
    ca_traces: dict[str, np.ndarray] = field(default_factory=dict)  # t_s, ca_<label>_uM, ...


def run_ltp(
    cfg: Config,
    glycine_uM: float,
    workdir: Path,
    *,
    progress: bool = False,
    log_path: Path | None = None,
) -> LtpResult:
    """Run ``cfg`` (``experiment.protocol = "ltp"``) end to end at bulk glycine ``glycine_uM``.

    ``glycine_uM`` is the extracellular glycine the NMDA receptors see in bulk: drug-driven brain
    glycine plus bath glycine (``pk_report(cfg)["glycine_uM"]``). Occupancy follows
    :func:`sim.receptors.glycine_site_occupancy` with ``bath.chlorokynurenate_uM``. Compiles once
    per structure (cache: ``MILASIM_CACHE_DIR``), then runs the binary with this run's values.
    """
    if not (glycine_uM >= 0 and math.isfinite(glycine_uM)):
        raise ValueError(f"glycine_uM must be a finite number >= 0, got {glycine_uM}")
    arms = schedules(cfg)
    build = get_build(Blueprint(builder=BUILDER, structure=structure_of(cfg, arms)),
                      quiet=not progress)
    occupancy = nmda_occupancy(cfg, glycine_uM)
    params = runtime_params(cfg, occupancy)
    out = build.run(params, seed=cfg.simulation.seed, workdir=workdir, progress=progress,
                    log_path=log_path, label=f"LTP ({cfg.protocol.induction})")
    w, w_t = out["w"], out["w_t"]
    if not np.all(np.isfinite(w)):
        raise RunError("numerical blow-up: a synaptic weight became non-finite "
                       "(try a smaller simulation.dt_ms or check the plasticity parameters)")

    info = build.info
    n_post, n_syn = info["n_post_per_arm"], info["n_syn_per_post"]
    per_arm = n_post * n_syn
    rule = rule_params(cfg)
    wait_s = cfg.protocol.post_induction_wait_min * 60.0
    courses: dict[str, pl.EfficacyCourse] = {}
    spikes_per_cell: dict[str, float] = {}
    spike_t, spike_i = out["spike_t"].astype(np.float64), out["spike_i"].astype(np.int64)
    for k, (label, sc) in enumerate(arms.items()):
        rows = w_t <= sc.duration_s + 1e-9  # this arm's own simulated span
        courses[label] = pl.efficacy_time_course(
            w_t[rows], w[rows, k * per_arm:(k + 1) * per_arm],
            induction_start_s=sc.induction[0], induction_end_s=sc.induction[1], wait_s=wait_s,
            sample_s=cfg.protocol.test_interval_s, params=rule,
            plastic_fraction=cfg.plasticity.plastic_fraction,
        )
        mine = (spike_i // n_post == k) & (spike_t >= sc.induction[0]) & (spike_t < sc.induction[1])
        spikes_per_cell[label] = float(np.sum(mine)) / n_post

    if cfg.protocol.induction == "frequency_series":
        by_freq = {lab: round(c.ltp_percent, 3) for lab, c in courses.items()}
        main = frequency_label(max(cfg.protocol.frequency_series_hz))
    else:
        by_freq = None
        main = cfg.protocol.induction
    ca_traces: dict[str, np.ndarray] = {}
    if "ca" in out:
        ca_traces["t_s"] = out["ca_t"]
        for k, label in enumerate(arms):
            ca_traces[f"ca_{label}"] = out["ca"][:, k]
            ca_traces[f"v_{label}_mV"] = out["v"][:, k] * 1e3
    order = np.lexsort((spike_i, spike_t))
    return LtpResult(
        induction=cfg.protocol.induction,
        ltp_percent=courses[main].ltp_percent,
        ltp_percent_early=courses[main].ltp_percent_early,
        ltp_percent_by_frequency=by_freq,
        t_s=courses[main].t_s,
        efficacy_percent=courses[main].percent,
        courses=courses,
        schedules=arms,
        glycine_uM=float(glycine_uM),
        nmda_occupancy=occupancy,
        apv_unblocked=params["apv_unblocked"],
        mg_mM=cfg.bath.mg_mM,
        spike_t_s=spike_t[order],
        spike_i=spike_i[order],
        n_neurons=len(arms) * n_post,
        n_neurons_per_arm=n_post,
        duration_s=build.duration_s,
        induction_spikes_per_cell=spikes_per_cell,
        compiler=build.manifest.get("compiler", ""),
        ca_traces=ca_traces,
    )


# --------------------------------------------------------------------------- milasim run
def arm_key(cfg: Config, label: str) -> str:
    """Trace-name key of an arm: the induction (``hfs``) or ``<rate>hz`` in a frequency series."""
    return f"{label}hz" if cfg.protocol.induction == "frequency_series" else label


def ltp_run_data(
    cfg: Config,
    pk: dict[str, Any],
    out_dir: Path,
    *,
    progress: bool = False,
    log_path: Path | None = None,
) -> tuple[Any, dict[str, Any]]:
    """What ``milasim run`` stores for an LTP run: (:class:`sim.store.RunData`, summary metrics).

    ``pk`` is :func:`sim.pharmacology.report.pk_report`. With ``mechanisms.nmda_coagonism = false``
    the receptors see the no-drug glycine level (``pk["glycine_baseline_uM"]``).
    """
    from sim.analysis.bursts import population_rate
    from sim.store import RunData

    glycine = pk["glycine_uM"] if cfg.mechanisms.nmda_coagonism else pk["glycine_baseline_uM"]
    res = run_ltp(cfg, float(glycine), out_dir, progress=progress, log_path=log_path)

    analysis: dict[str, Any] = {
        "ltp_percent": res.ltp_percent,
        "ltp_percent_early": res.ltp_percent_early,
        "post_induction_wait_s": cfg.protocol.post_induction_wait_min * 60.0,
    }
    traces: dict[str, Any] = {}
    for label, course in res.courses.items():
        key = arm_key(cfg, label)
        traces[f"efficacy_{key}_t_s"] = course.t_s
        traces[f"efficacy_{key}_percent"] = course.percent
        traces[f"efficacy_{key}_n_simulated"] = np.int64(course.n_simulated)
        sc = res.schedules[label]
        traces[f"induction_{key}_s"] = np.array([0.0, sc.induction[1] - sc.induction[0]])
    if res.ltp_percent_by_frequency is not None:
        analysis["frequency_hz"] = np.asarray(cfg.protocol.frequency_series_hz, dtype=float)
        analysis["ltp_by_frequency_percent"] = np.array(
            [res.courses[frequency_label(f)].ltp_percent for f in cfg.protocol.frequency_series_hz]
        )
    analysis["induction_spikes_per_cell"] = np.array(list(res.induction_spikes_per_cell.values()))
    if res.ca_traces:
        traces["ca_t_s"] = res.ca_traces["t_s"]
        for label in res.courses:
            key = arm_key(cfg, label)
            traces[f"ca_{key}_uM"] = res.ca_traces[f"ca_{label}"]
            traces[f"v_{key}_mV"] = res.ca_traces[f"v_{label}_mV"]

    conditions = {
        "glycine_uM": float(glycine),
        "glycine_baseline_uM": pk["glycine_baseline_uM"],
        "glycine_site_occupancy": res.nmda_occupancy,
        "glycine_site_occupancy_baseline": pk["glycine_site_occupancy_baseline"],
        "apv_unblocked": res.apv_unblocked,
        "mg_mM": cfg.bath.mg_mM,
        "apv_uM": cfg.bath.apv_uM,
        "chlorokynurenate_uM": cfg.bath.chlorokynurenate_uM,
        "dose_mg_per_kg": pk["dose_mg_per_kg"],
        "dose_mg": pk["dose_mg"],
    }
    rate_bin_s = 0.01
    run = RunData(
        config_toml=cfg.to_toml(),
        attrs={"compiler": res.compiler, "induction": res.induction},
        spikes={"exc": (res.spike_t_s, res.spike_i.astype(np.int32))},
        n_nodes={"exc": res.n_neurons},
        rates={"exc": population_rate(res.spike_t_s, res.n_neurons, res.duration_s, rate_bin_s)},
        rate_dt_s=rate_bin_s,
        duration_s=res.duration_s,
        drug={name: np.asarray(v) for name, v in pk["time_course"].items()},
        conditions=conditions,
        analysis=analysis,
        traces=traces,
    )
    summary: dict[str, Any] = {
        "ltp_percent": round(res.ltp_percent, 3),
        "ltp_percent_early": round(res.ltp_percent_early, 3),
        "induction": res.induction,
        "post_induction_wait_min": cfg.protocol.post_induction_wait_min,
        "nmda_occupancy": res.nmda_occupancy,
    }
    if res.ltp_percent_by_frequency is not None:
        summary["ltp_percent_by_frequency"] = res.ltp_percent_by_frequency
    return run, summary
