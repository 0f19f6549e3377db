"""LTP / LTD: a stimulated pathway onto CA1-like pyramidal cells with NMDA-calcium plasticity.

The preparation (``sim.model.ltp``; one compiled build per induction schedule; every dose, bath or
rule value is a runtime parameter, so a dose sweep compiles once) is driven by the inductions of
``[protocol]``: ``hfs`` (100 Hz x 1 s, repeatable), ``tbs`` (bursts of 4 at 100 Hz, 200 ms apart),
``lfs`` (1 Hz x 900), ``pairing`` (2 Hz with the cell clamped), ``frequency_series`` (900 pulses at
each of several rates, as independent arms of one binary). Efficacy is read
``post_induction_wait_min`` after induction; the unsimulated part of the wait is applied exactly
(Ca at rest: :func:`sim.analysis.bistable.relax_at_rest` for the Graupner-Brunel synapse, the
default ``plasticity.rule``; :func:`sim.analysis.plasticity.relax_at_rest` for Shouval's rule).
Test pulses arrive every ``test_interval_s`` during ``baseline_s``; the summary's
``baseline_drift_percent`` is the efficacy change they alone cause.

The receptors see the run's :class:`sim.conditions.ReceptorState` like every other protocol: the
pyramidal-cell glycine-site occupancy (mechanism switches included), APV and the bath's Mg2+.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from sim.analysis import background
from sim.analysis import bistable as gb
from sim.analysis import plasticity as pl
from sim.analysis.bursts import population_rate
from sim.config import Config, Section
from sim.errors import ConfigError, RunError
from sim.metrics import MORE, Metric
from sim.model.ltp import RUNTIME_PARAMS
from sim.protocols.base import Protocol, Simulation
from sim.store import RunData

BUILDER = "sim.model.ltp:build_ltp"
#: Weights are sampled every RECORD_DT_S (the efficacy time course's resolution).
RECORD_DT_S = 0.5
#: The rule is stepped every RULE_DT_MS (exact for Ca held over a step; Ca changes over ~50 ms).
RULE_DT_MS = 1.0


class LtpTable(Section):
    """``[protocol]`` of an LTP/LTD run."""

    induction: Literal["hfs", "tbs", "lfs", "pairing", "frequency_series"] = "hfs"
    # Simulated baseline with test pulses before induction (assumed; slices use 10-20 min: set
    # 1200 to see what 20 min of test pulses do, reported as baseline_drift_percent).
    baseline_s: Annotated[float, Field(ge=1, le=7200, allow_inf_nan=False)] = 20.0
    # Test-pulse interval before and after induction, s (assumed; slice practice 0.033-0.1 Hz).
    test_interval_s: Annotated[float, Field(ge=0.5, le=300, allow_inf_nan=False)] = 10.0
    # Simulated time after induction, with test pulses (Ca returns to rest within ~1 s); the rest
    # of the wait is exact.
    post_induction_simulated_s: Annotated[float, Field(ge=1, le=600, allow_inf_nan=False)] = 20.0
    # When ltp_percent is read, from the end of induction; the unsimulated rest of the wait is
    # applied exactly (Ca at rest, sim.analysis.plasticity.relax_at_rest). 30-60 min is usual.
    post_induction_wait_min: Annotated[float, Field(ge=0, le=20160, allow_inf_nan=False)] = 30.0
    # Background firing during that wait, Hz: independent Poisson pre- and postsynaptic spikes at
    # this rate (in vivo-like; 0 = a silent slice, the exact wait). Graupner-Brunel rule only;
    # the decay is computed from calcium statistics (sim.analysis.background; Higgins et al. 2014).
    background_rate_hz: Annotated[float, Field(ge=0, le=50, allow_inf_nan=False)] = 0.0
    # HFS: trains of hfs_rate_hz for hfs_train_duration_s (100 Hz x 1 s; docs/literature.md §5), onsets
    # hfs_train_interval_s apart (20 s assumed, a common spacing for repeated tetani).
    hfs_trains: Annotated[int, Field(ge=1, le=20)] = 1
    hfs_train_interval_s: Annotated[float, Field(ge=1, le=600, allow_inf_nan=False)] = 20.0
    hfs_rate_hz: Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)] = 100.0
    hfs_train_duration_s: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0
    # TBS: bursts of 4 pulses at 100 Hz, 200 ms apart (Larson & Munkacsy 2015). 3 bursts is
    # sub-maximal in this model (10 bursts ~ saturate), so a higher dose can raise it (assumed).
    tbs_bursts: Annotated[int, Field(ge=1, le=200)] = 3
    tbs_pulses_per_burst: Annotated[int, Field(ge=1, le=20)] = 4
    tbs_intraburst_hz: Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)] = 100.0
    tbs_burst_interval_ms: Annotated[float, Field(ge=20, le=10_000, allow_inf_nan=False)] = 200.0
    # LFS: 900 pulses at 1 Hz (Dudek & Bear 1992).
    lfs_pulses: Annotated[int, Field(ge=1, le=10_000)] = 900
    lfs_rate_hz: Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)] = 1.0
    # Pairing: presynaptic pulses while the cell is voltage-clamped to pairing_hold_mV (assumed
    # after the classic CA1 pairing protocols: 200 pulses at 2 Hz at ~0 to -10 mV).
    pairing_pulses: Annotated[int, Field(ge=1, le=10_000)] = 200
    pairing_rate_hz: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 2.0
    pairing_hold_mV: Annotated[float, Field(ge=-100, le=40, allow_inf_nan=False)] = -10.0
    # Frequency series: frequency_series_pulses at each rate, each an independent preparation
    # (Dudek & Bear 1992: 900 pulses at 1-50 Hz).
    frequency_series_hz: list[Annotated[float, Field(gt=0, le=500, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [1.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0], min_length=1, max_length=20
    )
    frequency_series_pulses: Annotated[int, Field(ge=1, le=10_000)] = 900


METRICS = (
    Metric("ltp_percent", "LTP, efficacy change after induction", "%", ("ltp",), MORE, panel=True,
           printed=True, non_negative=False),
    Metric("ltp_percent_early", "efficacy change at the end of the simulated part", "%",
           ("ltp",), MORE, non_negative=False),
    Metric("baseline_drift_percent", "efficacy change over the baseline (test pulses alone)", "%",
           ("ltp",), MORE, non_negative=False),
    Metric("nmda_occupancy", "NMDA glycine-site occupancy of the preparation", "1", ("ltp",)),
    Metric("post_induction_wait_min", "read-out time after induction", "min", ("ltp",)),
    Metric("background_rate_hz", "background firing during the wait", "Hz", ("ltp",)),
)


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
    if pc.sliding_threshold_gain > 0 and pc.rule != "graupner_brunel":
        raise ConfigError("plasticity.sliding_threshold_gain needs plasticity.rule = "
                          f"\"graupner_brunel\", got rule {pc.rule!r}")
    if cfg.protocol.background_rate_hz > 0 and pc.rule != "graupner_brunel":
        raise ConfigError("protocol.background_rate_hz needs plasticity.rule = "
                          f"\"graupner_brunel\", got rule {pc.rule!r}")
    return {
        "dt_ms": cfg.simulation.dt_ms,
        "precision": cfg.simulation.precision,
        "threads": cfg.simulation.threads,
        "n_post_per_arm": pc.n_neurons,
        "n_syn_per_post": pc.synapses_per_neuron,
        "nmda_cv": pc.nmda_cv,
        "record_dt_s": RECORD_DT_S,
        "rule_dt_ms": RULE_DT_MS,
        "record_ca_dt_ms": pc.record_ca_dt_ms,
        "rule": pc.rule,
        "gb_down_fraction": pc.gb_down_fraction if pc.rule == "graupner_brunel" else None,
        "clamp_dt_ms": 10.0,
        "arms": [
            {"label": lab, "pulses_s": [round(float(x), 6) for x in sc.pulses_s],
             "clamp": [[round(a, 6), round(b, 6)] for a, b in sc.clamp],
             "duration_s": round(sc.duration_s, 6)}
            for lab, sc in arms.items()
        ],
    }


#: The slow calcium pool's NMDA gain when ``plasticity.ca_slow_uM_per_ms`` is unset, by rule
#: (uM/ms; fitted to the no-drug crossover of the frequency curve, docs/ltp.md).
CA_SLOW_DEFAULT_UM_PER_MS = {"graupner_brunel": 0.008, "shouval": 0.0}


def ca_slow_gain(cfg: Config) -> float:
    """``plasticity.ca_slow_uM_per_ms``, or the rule's default (the LTP preparation and the memory
    network share it; the Shouval rule was calibrated without the pool)."""
    value = cfg.plasticity.ca_slow_uM_per_ms
    if value is not None:
        return float(value)
    return CA_SLOW_DEFAULT_UM_PER_MS[cfg.plasticity.rule]


def rule_params(cfg: Config) -> pl.RuleParams:
    pc = cfg.plasticity
    return pl.RuleParams(**{name: getattr(pc, name) for name in pl.RuleParams.__dataclass_fields__})


def bistable_params(cfg: Config, state=None) -> gb.BistableParams:
    """The run's Graupner-Brunel parameters (theta_p after the sliding threshold, with ``state``)."""
    pc = cfg.plasticity
    params = gb.BistableParams(**{name: getattr(pc, name)
                                  for name in gb.BistableParams.__dataclass_fields__})
    return dataclasses.replace(params, gb_theta_p=pc.gb_theta_p * threshold_shift(cfg, state))


def plastic_fraction(cfg: Config) -> float:
    """``plasticity.plastic_fraction``, or the rule's default when unset (0.5 Shouval, 1 GB)."""
    f = cfg.plasticity.plastic_fraction
    if f is not None:
        return float(f)
    return 1.0 if cfg.plasticity.rule == "graupner_brunel" else 0.5


def rest_weight(cfg: Config) -> float:
    """The mean starting weight the AMPA efficacy is relative to: Omega(0) for Shouval, the mean
    of the starting UP/DOWN efficacies for Graupner-Brunel."""
    pc = cfg.plasticity
    if pc.rule == "graupner_brunel":
        up = gb.starting_up_fraction(pc.synapses_per_neuron, pc.gb_down_fraction)
        return float(gb.efficacy(up, bistable_params(cfg)))
    return pl.rest_weight(rule_params(cfg))


def threshold_shift(cfg: Config, state) -> float:
    """The factor the sliding threshold puts on theta_p (1 = none): ``1 + gain x share x
    (cbar / cbar0 - 1)``, cbar / cbar0 the mean background calcium at the run's occupancy over
    the drug-free one, share = 1 - exp(-t / tau) of the exposure time (0 for "acute")."""
    pc = cfg.plasticity
    if pc.sliding_threshold_gain == 0 or state is None or pc.exposure == "acute":
        return 1.0
    occ, occ0 = state.occupancy["exc"].before, state.occupancy_baseline
    if occ0 <= 0:
        return 1.0
    t_min = cfg.drug.time_after_dose_h * 60.0 if cfg.drug.dose_mg_per_kg > 0 else 0.0
    share = 1.0 - math.exp(-t_min / pc.meta_tau_min)

    def mean_ca(occupancy: float) -> float:
        prep = dataclasses.replace(background_preparation(cfg, state), nmda_occupancy=occupancy)
        return float(background.calcium_trace(pc.meta_background_rate_hz, prep, 500.0,
                                              seed=1).mean())

    return 1.0 + pc.sliding_threshold_gain * share * (mean_ca(occ) / mean_ca(occ0) - 1.0)


def calcium_thresholds_uM(cfg: Config, state=None) -> tuple[float, float]:
    """The depression and potentiation thresholds of the run's rule, in uM of spine calcium
    (theta_p after the sliding threshold, with ``state``)."""
    pc = cfg.plasticity
    if pc.rule == "graupner_brunel":
        p = bistable_params(cfg, state)
        return p.gb_theta_d * p.gb_ca_unit_uM, p.gb_theta_p * p.gb_ca_unit_uM
    return pc.alpha_ltd_uM, pc.alpha_ltp_uM


def calcium_preparation(cfg: Config, occupancy: float,
                        apv_unblocked: float) -> background.Preparation:
    """The preparation's calcium constants (for background-activity waits) at a given
    glycine-site activation and APV-free share."""
    pc = cfg.plasticity
    return background.Preparation(
        release_probability=pc.release_probability, tau_nmda_ms=pc.tau_nmda_ms,
        nmda_alpha_per_ms=pc.nmda_alpha_per_ms, tau_ca_ms=pc.tau_ca_ms,
        ca_nmda_uM_per_ms=pc.ca_nmda_uM_per_ms, ca_bpap_uM=pc.ca_bpap_uM, bpap_mV=pc.bpap_mV,
        tau_ca_slow_ms=pc.tau_ca_slow_ms, ca_slow_uM_per_ms=ca_slow_gain(cfg),
        mg_mM=cfg.bath.mg_mM, nmda_occupancy=occupancy, apv_unblocked=apv_unblocked)


def background_preparation(cfg: Config, state) -> background.Preparation:
    """The preparation's calcium constants for the background-activity wait of a run."""
    return calcium_preparation(cfg, state.occupancy["exc"].before, state.apv_unblocked)


def rest_model(cfg: Config, state=None) -> pl.RestModel:
    """The rule's efficacy and wait after the simulated part, for the efficacy courses: exact at
    rest, or under ``protocol.background_rate_hz`` of background firing (needs ``state``)."""
    if cfg.plasticity.rule == "graupner_brunel":
        rate = cfg.protocol.background_rate_hz
        if rate > 0:
            if state is None:
                raise ValueError("a background-activity wait needs the receptor state")
            params = bistable_params(cfg, state)
            stats = background.calcium_statistics(rate, background_preparation(cfg, state),
                                                  params, seed=cfg.simulation.seed)
            return background.rest_model(stats, params, rest_weight(cfg), plastic_fraction(cfg))
        return gb.rest_model(bistable_params(cfg), rest_weight(cfg), plastic_fraction(cfg))
    return pl.shouval_rest(rule_params(cfg), plastic_fraction(cfg))


def runtime_params(cfg: Config, state) -> dict[str, float]:
    """Command-line values of one run: the receptor state (:class:`sim.conditions.ReceptorState`;
    the preparation's cells are pyramidal, so they see the ``exc`` occupancy), the bath and every
    preparation and rule parameter."""
    pc = cfg.plasticity
    rule = rule_params(cfg)
    values = {
        "mg_mM": cfg.bath.mg_mM,
        "nmda_occupancy": state.occupancy["exc"].before,
        "apv_unblocked": state.apv_unblocked,
        "v_hold_mV": cfg.protocol.pairing_hold_mV,
        "w_rest": rest_weight(cfg),
        "plastic_fraction": plastic_fraction(cfg),
        "ca_slow_uM_per_ms": ca_slow_gain(cfg),
        **rule.as_dict(),
        **bistable_params(cfg, state).as_dict(),
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
    baseline_drift_percent: float  # change over the baseline before induction (same arm)
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
    ca_traces: dict[str, np.ndarray] = field(default_factory=dict)  # t_s, ca_<label>, v_<label>_mV


def analyse(cfg: Config, state, sim: Simulation) -> LtpResult:
    """The efficacy changes of one simulated preparation (the exact post-induction wait added)."""
    out, info = sim.outputs, sim.build.info
    w, w_t = out["w"], out["w_t"]
    if not np.all(np.isfinite(w)):
        raise RunError("numerical blow-up: a synaptic weight became non-finite "
                       "(try a smaller simulation.dt_ms or check the plasticity parameters)")
    arms = schedules(cfg)
    n_post, n_syn = info["n_post_per_arm"], info["n_syn_per_post"]
    per_arm = n_post * n_syn
    model = rest_model(cfg, state)
    wait_s = cfg.protocol.post_induction_wait_min * 60.0
    courses: dict[str, pl.EfficacyCourse] = {}
    spikes_per_cell: dict[str, float] = {}
    spike_t, spike_i = out["spike_t"].astype(np.float64), out["spike_i"].astype(np.int64)
    for k, (label, sc) in enumerate(arms.items()):
        rows = w_t <= sc.duration_s + 1e-9  # this arm's own simulated span
        courses[label] = pl.efficacy_time_course(
            w_t[rows], w[rows, k * per_arm:(k + 1) * per_arm],
            induction_start_s=sc.induction[0], induction_end_s=sc.induction[1], wait_s=wait_s,
            sample_s=cfg.protocol.test_interval_s, rest=model,
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
        baseline_drift_percent=courses[main].baseline_drift_percent,
        ltp_percent_by_frequency=by_freq,
        t_s=courses[main].t_s,
        efficacy_percent=courses[main].percent,
        courses=courses,
        schedules=arms,
        glycine_uM=state.glycine_uM.before,
        nmda_occupancy=state.occupancy["exc"].before,
        apv_unblocked=state.apv_unblocked,
        mg_mM=cfg.bath.mg_mM,
        spike_t_s=spike_t[order],
        spike_i=spike_i[order],
        n_neurons=len(arms) * n_post,
        n_neurons_per_arm=n_post,
        duration_s=sim.duration_s,
        induction_spikes_per_cell=spikes_per_cell,
        compiler=sim.compiler,
        ca_traces=ca_traces,
    )


def arm_key(cfg: Config, label: str) -> str:
    """Trace-name key of an arm: the induction (``hfs``) or ``<rate>hz`` in a frequency series."""
    return f"{label}hz" if cfg.protocol.induction == "frequency_series" else label


class Ltp(Protocol):
    name = "ltp"
    table = LtpTable
    metrics = METRICS

    builder = BUILDER
    structure = staticmethod(structure_of)
    runtime_params = staticmethod(runtime_params)

    def progress_label(self, cfg: Config) -> str:
        return f"LTP ({cfg.protocol.induction})"

    def record(self, cfg: Config, state, sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        res = analyse(cfg, state, sim)
        rate_bin_s = 0.01
        run = self.new_run(
            cfg, state, sim,
            spikes={"exc": (res.spike_t_s, res.spike_i.astype(np.int32))},
            n_nodes={"exc": res.n_neurons},
            rates={"exc": population_rate(res.spike_t_s, res.n_neurons, res.duration_s,
                                          rate_bin_s)},
            rate_dt_s=rate_bin_s, duration_s=res.duration_s,
        )
        run.attrs["induction"] = res.induction
        run.put("analysis", "ltp_percent", res.ltp_percent, "%")
        run.put("analysis", "ltp_percent_early", res.ltp_percent_early, "%")
        run.put("analysis", "baseline_drift_percent", res.baseline_drift_percent, "%")
        run.put("analysis", "post_induction_wait_s", cfg.protocol.post_induction_wait_min * 60.0,
                "s")
        # the rule's calcium thresholds of this run, for the calcium figure
        ltd_uM, ltp_uM = calcium_thresholds_uM(cfg, state)
        run.put("analysis", "ca_threshold_ltd_uM", ltd_uM, "uM")
        run.put("analysis", "ca_threshold_ltp_uM", ltp_uM, "uM")
        for label, course in res.courses.items():
            key = arm_key(cfg, label)
            run.put("traces", f"efficacy_{key}_t_s", course.t_s, "s")
            run.put("traces", f"efficacy_{key}_percent", course.percent, "%")
            run.put("traces", f"efficacy_{key}_n_simulated", np.int64(course.n_simulated), "1")
            sc = res.schedules[label]
            run.put("traces", f"induction_{key}_s",
                    np.array([0.0, sc.induction[1] - sc.induction[0]]), "s")
        if res.ltp_percent_by_frequency is not None:
            run.put("analysis", "frequency_hz",
                    np.asarray(cfg.protocol.frequency_series_hz, dtype=float), "Hz")
            run.put("analysis", "ltp_by_frequency_percent", np.array(
                [res.courses[frequency_label(f)].ltp_percent
                 for f in cfg.protocol.frequency_series_hz]), "%")
        run.put("analysis", "induction_spikes_per_cell",
                np.array(list(res.induction_spikes_per_cell.values())), "1")
        if res.ca_traces:
            run.put("traces", "ca_t_s", res.ca_traces["t_s"], "s")
            for label in res.courses:
                key = arm_key(cfg, label)
                run.put("traces", f"ca_{key}_uM", res.ca_traces[f"ca_{label}"], "uM")
                run.put("traces", f"v_{key}_mV", res.ca_traces[f"v_{label}_mV"], "mV")
        summary: dict[str, Any] = {
            "ltp_percent": round(res.ltp_percent, 3),
            "ltp_percent_early": round(res.ltp_percent_early, 3),
            "baseline_drift_percent": round(res.baseline_drift_percent, 3),
            "ltp_threshold_uM": round(ltp_uM, 4),
            "plasticity_rule": cfg.plasticity.rule,
            "induction": res.induction,
            "post_induction_wait_min": cfg.protocol.post_induction_wait_min,
            "background_rate_hz": cfg.protocol.background_rate_hz,
            "nmda_occupancy": res.nmda_occupancy,
        }
        if res.ltp_percent_by_frequency is not None:
            summary["ltp_percent_by_frequency"] = res.ltp_percent_by_frequency
        return run, summary

    def figures(self, run: RunData, folder: Path) -> list[Path]:
        from sim.figures.ltp import plot_ltp_run_figures

        return plot_ltp_run_figures(run, folder)


PROTOCOL = Ltp()


def run_ltp(cfg: Config, workdir: Path, *, state=None, progress: bool = False,
            log_path: Path | None = None) -> LtpResult:
    """Simulate ``cfg`` (``experiment.protocol = "ltp"``) and analyse it, without writing run.h5:
    for tests and scripts that want the :class:`LtpResult`. ``state`` defaults to the config's own
    :func:`sim.conditions.receptor_state`, the same path ``milasim run`` takes."""
    from sim.conditions import receptor_state

    state = receptor_state(cfg) if state is None else state
    sim = PROTOCOL.simulate(cfg, state, Path(workdir), progress=progress, log_path=log_path)
    return analyse(cfg, state, sim)
