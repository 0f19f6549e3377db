"""Memory: store an assembly, forget it over hours to days, recall it from a partial cue.

One compiled network (``sim.model.memory``; the LTP preparation's cells and bistable calcium
synapse, wired as an E/I network) runs the three phases of a rodent memory experiment in one
binary:

1. **training**: Poisson stimulation drives the assembly (``assembly_fraction`` of the
   pyramidal cells: the context paired with the shock) for ``train_s``; coincident pre- and
   postsynaptic firing puts the calcium of its recurrent synapses above theta_p and switches them
   UP, through the same glycine gate and Mg2+ block as in the LTP preparation;
2. **delay**: ``delay_h`` hours of in vivo background firing (``delay_rate_hz``), applied in one
   step as the synapses' transition probabilities (``sim.analysis.memory.delay_course``:
   the Fokker-Planck wait of Higgins, Graupner & Brunel 2014), segment by segment with the
   glycine-site gate of each segment's hours;
3. **test**: a cue drives ``cue_fraction`` of the assembly for ``cue_ms``; the read-out is how
   much of the rest of the assembly fires with it (``recall_overlap``), how fast
   (``recall_latency_ms``), the synaptic ``retention_index`` and a passive-avoidance
   ``step_through_latency_s`` mapped from recall strength (docs/memory.md).

The drug acts in the phase ``drug_timing`` puts it in: given ``drug.time_after_dose_h`` before
training (``before_training``), right after training (``after_training``: its whole time course
falls in the delay) or ``drug.time_after_dose_h`` before the test (``before_test``). An NMDA
antagonist (``bath.apv_uM``, AP-7-like) acts in the phase ``apv_timing`` names (for
``after_training``: the first ``apv_hours`` of the delay). A single dose washes out; a regimen of
several doses continues through the delay and the test (its occupancy repeats every dosing
interval).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.analysis import memory as mem
from sim.analysis.bursts import population_rate
from sim.config import Config, Section
from sim.errors import ConfigError, RunError
from sim.metrics import LESS, MORE, Metric
from sim.model.equations import nmda_k0
from sim.model.memory import RUNTIME_PARAMS
from sim.protocols.base import Protocol, Simulation
from sim.store import RunData

BUILDER = "sim.model.memory:build_memory"
#: Simulated quiet time before training, after it (before the delay jump) and after the jump
#: (before the cue), s: activity of the previous phase dies away (NMDA decays in ~0.2 s).
SETTLE_S = 0.5
#: The most hours after a dose the PK model is asked about (drug.time_after_dose_h's bound); a
#: single dose is long gone by then.
PK_HORIZON_H = 240.0
#: How long after a single dose its occupancy is followed through the delay (12 segments), h.
SINGLE_DOSE_EXPOSURE_H = 24.0

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Timing = Literal["before_training", "after_training", "before_test"]


class MemoryTable(Section):
    """``[protocol]`` of a memory run (sim.protocols.memory; docs/memory.md). The network's
    size, connectivity, phases and input rates recompile; every other key is a runtime value."""

    # Pyramidal cells (the LTP preparation's cell; recompiles).
    n_exc: Annotated[int, Field(ge=20, le=5000)] = 400
    # Interneurons (the E/I network's interneuron constants; recompiles).
    n_inh: Annotated[int, Field(ge=5, le=2000)] = 100
    # Share of the pyramidal cells in the assembly that training stores (recompiles).
    assembly_fraction: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.2
    # Share of the assembly the recall cue drives (recompiles).
    cue_fraction: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.5
    # Connection probability of every pathway (recompiles).
    connection_probability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.2
    # Share of E->E synapses UP before training (drawn per synapse; 0: a naive network, which a
    # delay at delay_rate_hz keeps naive; recompiles).
    initial_up_fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    # Training: Poisson input to every assembly cell for train_s (recompiles).
    train_s: Annotated[float, Field(ge=0.1, le=60, allow_inf_nan=False)] = 1.0
    # Recall cue: the same input to the cued cells for cue_ms (recompiles).
    cue_ms: Annotated[float, Field(ge=10, le=2000, allow_inf_nan=False)] = 200.0
    # Recall read-out window from cue onset, ms (>= cue_ms; recompiles).
    recall_window_ms: Annotated[float, Field(ge=10, le=5000, allow_inf_nan=False)] = 300.0
    # Poisson rate of the background input to every cell (one aggregated input), Hz (recompiles).
    background_input_hz: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)] = 300.0
    # Poisson rate of the training and cue input to a stimulated cell, Hz (recompiles).
    stimulus_input_hz: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)] = 100.0
    # Delay between training and test, h (applied in one step; 720 h = 30 days).
    delay_h: Annotated[float, Field(ge=0, le=720, allow_inf_nan=False)] = 24.0
    # When the drug is given: drug.time_after_dose_h before training, right after training, or
    # drug.time_after_dose_h before the test (a regimen of several doses: before_training only).
    drug_timing: Timing = "before_training"
    # When bath.apv_uM (an AP-7-like NMDA antagonist) acts: during training, in the first
    # apv_hours of the delay, or during the test.
    apv_timing: Timing = "before_training"
    # How long an antagonist given after training acts, h (AP-7 i.p.: hours; assumed).
    apv_hours: Annotated[float, Field(gt=0, le=72, allow_inf_nan=False)] = 4.0
    # Background firing of pyramidal cells during the delay, Hz (assumed, in vivo-like; it sets
    # the forgetting rate: docs/memory.md, "Calibration"; 0.18 before the slow calcium pool of 0.7).
    delay_rate_hz: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.16
    # E->E AMPA conductance per release of a DOWN synapse, nS (UP: x gb_w_ratio; calibrated).
    g_ee_ampa_nS: Weight = 2.0
    # E->E NMDA conductance per unit gating, nS (x glycine-site gate x Mg2+ block; calibrated).
    g_ee_nmda_nS: Weight = 0.5
    # E->I AMPA conductance per spike, nS (calibrated).
    g_ei_ampa_nS: Weight = 2.0
    # E->I NMDA conductance per unit gating, nS (calibrated).
    g_ei_nmda_nS: Weight = 0.2
    # I->E GABA-A conductance per spike, nS (calibrated: feedback inhibition).
    g_ie_gaba_nS: Weight = 10.0
    # I->I GABA-A conductance per spike, nS (calibrated).
    g_ii_gaba_nS: Weight = 1.0
    # Background input per event onto pyramidal cells, nS (calibrated: ~0.1 Hz at rest).
    g_background_exc_nS: Weight = 1.2
    # Background input per event onto interneurons, nS (calibrated).
    g_background_inh_nS: Weight = 1.2
    # Training input per event, nS (calibrated: sub-maximal storage, ~0.73 of assembly synapses
    # before 0.7's slow calcium pool, ~0.78 with it).
    g_train_nS: Weight = 2.5
    # Cue input per event, nS (calibrated: drives the cued cells, not the control cells).
    g_cue_nS: Weight = 2.5
    # Passive avoidance: step-through latency of a naive mouse, s (assumed; training-trial
    # latencies are typically 10-30 s).
    naive_latency_s: Positive = 15.0
    # Step-through latency of the reference memory (recall strength 1), s (assumed).
    trained_latency_s: Positive = 180.0
    # The test's cut-off, s (commonly 300 s: a censored read-out).
    cutoff_s: Positive = 300.0
    # The recall overlap of the reference memory (no drug, tested at once after training; 10
    # seeds: 0.355 +- 0.078 with 0.7's slow calcium pool, 0.33 +- 0.06 before), recall strength 1.
    recall_reference: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.355

    @model_validator(mode="after")
    def _consistent(self) -> MemoryTable:
        if self.recall_window_ms < self.cue_ms:
            raise ValueError(f"protocol.recall_window_ms must be >= protocol.cue_ms "
                             f"({self.cue_ms:g}), got {self.recall_window_ms:g}")
        if not self.naive_latency_s <= self.trained_latency_s <= self.cutoff_s:
            raise ValueError(
                "protocol.trained_latency_s must lie between protocol.naive_latency_s and "
                f"protocol.cutoff_s ({self.naive_latency_s:g} to {self.cutoff_s:g}), got "
                f"{self.trained_latency_s:g}")
        n_a = round(self.assembly_fraction * self.n_exc)
        n_c = round(self.cue_fraction * n_a)
        if not 1 <= n_c < n_a < self.n_exc:
            raise ValueError(
                f"protocol.assembly_fraction must leave cued, uncued and control cells, got "
                f"{n_c} cued of an assembly of {n_a} in {self.n_exc} cells (check "
                f"protocol.cue_fraction too)")
        return self


METRICS = (
    Metric("recall_overlap", "recall overlap", "1", ("memory",),
           MORE, non_negative=False, panel=True, printed=True),
    Metric("recall_latency_ms", "recall latency (median first spike)", "ms", ("memory",), LESS,
           printed=True, missing="no uncued assembly cell fired in the recall window"),
    Metric("retention_index", "retention after the delay", "1", ("memory",), MORE,
           non_negative=False, panel=True, printed=True,
           missing="training stored nothing (no excess of UP synapses)"),
    Metric("step_through_latency_s", "step-through latency", "s", ("memory",),
           MORE, panel=True, printed=True),
    Metric("stored_fraction", "stored: assembly UP-synapse excess", "1",
           ("memory",), MORE, non_negative=False, panel=True, printed=True),
    Metric("recall_strength", "recall overlap / reference", "1", ("memory",), MORE,
           non_negative=False),
    Metric("recruited_fraction", "uncued assembly cells firing in the recall window", "1",
           ("memory",), MORE),
    Metric("occupancy_training", "glycine-site activation during training", "1", ("memory",)),
    Metric("occupancy_delay_mean", "NMDA gate (activation x APV-free share), delay mean", "1",
           ("memory",)),
    Metric("occupancy_test", "glycine-site activation during the test", "1", ("memory",)),
    Metric("p_up_from_up", "P(UP synapse still UP after the delay)", "1", ("memory",), MORE),
)


# --------------------------------------------------------------------------- the schedule
@dataclass(frozen=True)
class Phases:
    train_on: float
    train_off: float
    t_jump: float
    cue_on: float
    cue_off: float
    end: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in self.__dict__.items()}


def phases(cfg: Config) -> Phases:
    pr = cfg.protocol
    train_on = SETTLE_S
    train_off = train_on + pr.train_s
    t_jump = train_off + SETTLE_S
    cue_on = t_jump + SETTLE_S
    return Phases(train_on, train_off, t_jump, cue_on, cue_on + pr.cue_ms * 1e-3,
                  cue_on + pr.recall_window_ms * 1e-3)


def sizes(cfg: Config) -> tuple[int, int]:
    """(cells in the assembly, cued cells)."""
    pr = cfg.protocol
    n_a = round(pr.assembly_fraction * pr.n_exc)
    n_c = round(pr.cue_fraction * n_a)
    return n_a, n_c  # the table's validator keeps 1 <= n_c < n_a < n_exc


def structure_of(cfg: Config) -> dict[str, Any]:
    pr, pc = cfg.protocol, cfg.plasticity
    if pc.rule != "graupner_brunel":
        raise ConfigError("the memory protocol needs plasticity.rule = \"graupner_brunel\", "
                          f"got {pc.rule!r}")
    n_a, n_c = sizes(cfg)
    return {
        "dt_ms": cfg.simulation.dt_ms,
        "precision": cfg.simulation.precision,
        "threads": cfg.simulation.threads,
        "n_exc": pr.n_exc, "n_inh": pr.n_inh, "n_assembly": n_a, "n_cued": n_c,
        "p_connect": pr.connection_probability,
        "bg_rate_hz": pr.background_input_hz, "stim_rate_hz": pr.stimulus_input_hz,
        "phases": phases(cfg).as_dict(),
        "delay_ms": cfg.network.synaptic_delay_ms,
        # the saturating increment of one release (the preparation's NMDA kinetics)
        "nmda_k0": round(nmda_k0(pc.nmda_alpha_per_ms, 2.0, pc.tau_nmda_ms), 12),
        "gb_down_fraction": 1.0 - pr.initial_up_fraction,
    }


# --------------------------------------------------------------------------- the drug's phases
def _with_time(cfg: Config, hours: float) -> Config:
    return cfg.model_copy(update={"drug": cfg.drug.model_copy(
        update={"time_after_dose_h": float(hours)})})


#: Activation at an hour after the dose, by (the tables receptor_state reads, hour): the schedule
#: is built twice per run (run-time values, analysis) and the seeds of a sweep share their doses.
_ACTIVATION: dict[tuple[str, float], float] = {}
_ACTIVATION_MAX = 20_000


def _receptor_key(cfg: Config) -> str:
    """What sim.conditions.receptor_state reads of a memory config: drug, bath, mechanisms."""
    return json.dumps([cfg.drug.model_dump(mode="json"), cfg.bath.model_dump(mode="json"),
                       cfg.mechanisms.model_dump(mode="json")], sort_keys=True)


class Exposure:
    """Glycine-site activation of the pyramidal cells at any time of the experiment.

    Times are hours after the (last) dose; ``None`` or a negative time means no drug in that
    phase (bath glycine and the mechanism switches still apply). A regimen of several doses
    continues through the delay and the test (hours past the dosing interval wrap around it); a
    single dose washes out."""

    def __init__(self, cfg: Config, state):
        from sim.conditions import receptor_state

        self.cfg, self._state = cfg, receptor_state
        self.undosed = float(state.occupancy_baseline)
        self.dosed = float(state.dose_mg_per_kg or 0.0) > 0
        self.repeated = cfg.drug.days > 1 or cfg.drug.doses_per_day > 1
        self.interval_h = 24.0 / cfg.drug.doses_per_day
        self._key = _receptor_key(cfg) if self.dosed else ""

    def at(self, hours_after_dose: float | None) -> float:
        if not self.dosed or hours_after_dose is None or hours_after_dose < 0:
            return self.undosed
        h = float(hours_after_dose)
        if self.repeated and h > self.interval_h:
            h = h % self.interval_h
        key = (self._key, round(min(h, PK_HORIZON_H), 4))
        if key not in _ACTIVATION:
            if len(_ACTIVATION) >= _ACTIVATION_MAX:
                _ACTIVATION.clear()
            _ACTIVATION[key] = float(
                self._state(_with_time(self.cfg, key[1])).occupancy["exc"].before)
        return _ACTIVATION[key]


@dataclass(frozen=True)
class Schedule:
    """Gates (activation x APV-free share) of the three phases, and the delay's segments."""

    gate_train: float
    gate_test: float
    occupancy_train: float
    occupancy_test: float
    segments: list[tuple[float, float]]  # (duration s, gate) through the delay
    occupancy_delay_mean: float


def check_timing(cfg: Config) -> None:
    """ConfigError for a drug timing the dose cannot have (no PK needed)."""
    pr, drug = cfg.protocol, cfg.drug
    if not ((drug.dose_mg_per_kg or 0) > 0 or (drug.dose_mg or 0) > 0):
        return
    if (drug.days > 1 or drug.doses_per_day > 1) and pr.drug_timing != "before_training":
        raise ConfigError(
            f"protocol.drug_timing must be \"before_training\" for a regimen of several doses "
            f"(it runs through training, delay and test), got {pr.drug_timing!r}")
    if pr.drug_timing == "before_test" and drug.time_after_dose_h > pr.delay_h:
        raise ConfigError(
            f"drug.time_after_dose_h must be <= protocol.delay_h ({pr.delay_h:g}) for "
            f"drug_timing = \"before_test\" (the dose falls inside the delay), got "
            f"{drug.time_after_dose_h:g}")


def schedule(cfg: Config, state) -> Schedule:
    pr = cfg.protocol
    tad = cfg.drug.time_after_dose_h
    delay = pr.delay_h
    exposure = Exposure(cfg, state)
    repeated = exposure.repeated and exposure.dosed
    timing = pr.drug_timing
    check_timing(cfg)
    if timing == "before_training":
        train_h, test_h = tad, tad + delay

        def dose_h(t_h: float) -> float:
            return tad + t_h
    elif timing == "after_training":
        train_h, test_h = None, delay

        def dose_h(t_h: float) -> float:
            return t_h
    else:  # before_test
        train_h, test_h = None, tad

        def dose_h(t_h: float) -> float:
            return t_h - (delay - tad)
    apv = float(state.apv_unblocked)
    apv_train = apv if pr.apv_timing == "before_training" else 1.0
    apv_test = apv if pr.apv_timing == "before_test" else 1.0

    def gate_at(t_s: float) -> float:
        t_h = t_s / 3600.0
        blocked = pr.apv_timing == "after_training" and t_h < pr.apv_hours
        return exposure.at(dose_h(t_h)) * (apv if blocked else 1.0)

    delay_s = delay * 3600.0
    if not exposure.dosed:
        exposed = (0.0, 0.0)
    elif repeated:
        exposed = (0.0, delay_s)
    else:  # the single dose's first day, from the dose (or the delay's start if it came before)
        start_s = max(-dose_h(0.0), 0.0) * 3600.0
        exposed = (start_s, start_s + SINGLE_DOSE_EXPOSURE_H * 3600.0)
    segments = mem.segments_for(delay_s, gate_at, exposed,
                                n_exposed=max(12, math.ceil(delay / exposure.interval_h) * 12)
                                if repeated else 12)
    if pr.apv_timing == "after_training" and apv < 1.0:  # the antagonist's window, exactly
        segments = _split_at(segments, min(pr.apv_hours * 3600.0, delay_s), gate_at)
    occ_train = exposure.at(train_h)
    occ_test = exposure.at(test_h)
    total = sum(d for d, _ in segments)
    mean_gate = (sum(d * g for d, g in segments) / total) if total > 0 else occ_train
    return Schedule(gate_train=occ_train * apv_train, gate_test=occ_test * apv_test,
                    occupancy_train=occ_train, occupancy_test=occ_test, segments=segments,
                    occupancy_delay_mean=mean_gate)


def _split_at(segments: list[tuple[float, float]], cut_s: float,
              gate_at) -> list[tuple[float, float]]:
    """The segments with a boundary at ``cut_s`` (each part takes the gate at its midpoint)."""
    out, t = [], 0.0
    for d, g in segments:
        if t < cut_s < t + d:
            out += [(cut_s - t, gate_at(0.5 * (t + cut_s))), (t + d - cut_s,
                                                              gate_at(0.5 * (cut_s + t + d)))]
        else:
            out.append((d, g))
        t += d
    return out


def delay_course(cfg: Config, sch: Schedule) -> mem.DelayCourse:
    """The delay's transitions and UP-share course for the run's schedule: the preparation's
    calcium constants, each segment's gate in place of occupancy x APV."""
    from sim.protocols.ltp import bistable_params, calcium_preparation

    return mem.delay_course(sch.segments, cfg.protocol.delay_rate_hz,
                            calcium_preparation(cfg, 1.0, 1.0), bistable_params(cfg))


def runtime_params(cfg: Config, state) -> dict[str, float]:
    from sim.protocols.ltp import bistable_params, ca_slow_gain

    pr, pc = cfg.protocol, cfg.plasticity
    sch = schedule(cfg, state)
    trans = delay_course(cfg, sch).transitions
    values = {
        # gates rounded to 1e-9: the same activation reached by another route (bath glycine)
        # gives the binary the same numbers
        "mg_mM": cfg.bath.mg_mM, "gate_train": round(sch.gate_train, 9),
        "gate_test": round(sch.gate_test, 9),
        "g_ee_nmda_nS": pr.g_ee_nmda_nS, "g_ei_nmda_nS": pr.g_ei_nmda_nS,
        "tau_nmda_ms": pc.tau_nmda_ms, "bpap_mV": pc.bpap_mV,
        "g_bg_exc_nS": pr.g_background_exc_nS, "g_bg_inh_nS": pr.g_background_inh_nS,
        "g_train_nS": pr.g_train_nS, "g_cue_nS": pr.g_cue_nS,
        "g_ee_ampa_nS": pr.g_ee_ampa_nS, "release_probability": pc.release_probability,
        "depletion": pc.depletion, "tau_recovery_ms": pc.tau_recovery_ms,
        "tau_ca_ms": pc.tau_ca_ms, "ca_nmda_uM_per_ms": pc.ca_nmda_uM_per_ms,
        "ca_bpap_uM": pc.ca_bpap_uM, "tau_ca_slow_ms": pc.tau_ca_slow_ms,
        "ca_slow_uM_per_ms": ca_slow_gain(cfg),
        "p_up_from_up": trans.up_from_up, "p_up_from_down": trans.up_from_down,
        "g_ei_ampa_nS": pr.g_ei_ampa_nS, "g_ie_gaba_nS": pr.g_ie_gaba_nS,
        "g_ii_gaba_nS": pr.g_ii_gaba_nS,
        **bistable_params(cfg).as_dict(),
    }
    missing = set(RUNTIME_PARAMS) - set(values)
    if missing:  # pragma: no cover - a programming error
        raise RuntimeError(f"memory runtime parameters not set: {sorted(missing)}")
    return values


# --------------------------------------------------------------------------- one run
@dataclass
class MemoryResult:
    storage: mem.Storage
    recall: mem.Recall
    schedule: Schedule
    delay: mem.DelayCourse
    step_through_latency_s: float
    recall_strength: float


def analyse(cfg: Config, state, sim: Simulation) -> MemoryResult:
    out, info = sim.outputs, sim.build.info
    for name in ("rho_trained", "rho_delayed"):
        if not np.all(np.isfinite(out[name])):
            raise RunError("numerical blow-up: a synapse's efficacy variable became non-finite")
    pr = cfg.protocol
    ph = phases(cfg)
    st = mem.storage(out["syn_pre"], out["syn_post"], out["rho_trained"], out["rho_delayed"],
                     info["n_assembly"])
    rc = mem.recall(out["exc_t"], out["exc_i"], n_exc=info["n_exc"], n_assembly=info["n_assembly"],
                    n_cued=info["n_cued"], cue_on_s=ph.cue_on,
                    window_s=pr.recall_window_ms * 1e-3)
    sch = schedule(cfg, state)
    course = delay_course(cfg, sch)
    strength = rc.overlap / pr.recall_reference if math.isfinite(rc.overlap) else math.nan
    latency = mem.step_through_latency(strength, naive_s=pr.naive_latency_s,
                                       trained_s=pr.trained_latency_s, cutoff_s=pr.cutoff_s)
    return MemoryResult(st, rc, sch, course, latency, strength)


def _num(x: float, digits: int = 4) -> float | None:
    return round(float(x), digits) if math.isfinite(x) else None


class Memory(Protocol):
    name = "memory"
    table = MemoryTable
    metrics = METRICS
    builder = BUILDER
    structure = staticmethod(structure_of)
    runtime_params = staticmethod(runtime_params)

    def progress_label(self, cfg: Config) -> str:
        return f"memory (delay {cfg.protocol.delay_h:g} h)"

    def check(self, cfg: Config) -> None:
        """The structure, and the drug's timing (it needs the drug table too)."""
        self.structure(cfg)
        check_timing(cfg)

    def record(self, cfg: Config, state, sim: Simulation) -> tuple[RunData, dict[str, Any]]:
        pr = cfg.protocol
        res = analyse(cfg, state, sim)
        out, info = sim.outputs, sim.build.info
        bin_s = 0.005
        spikes = {"exc": (out["exc_t"].astype(np.float64), out["exc_i"].astype(np.int32)),
                  "inh": (out["inh_t"].astype(np.float64), out["inh_i"].astype(np.int32))}
        n_nodes = {"exc": int(info["n_exc"]), "inh": int(info["n_inh"])}
        run = self.new_run(
            cfg, state, sim, spikes=spikes, n_nodes=n_nodes, duration_s=sim.duration_s,
            rates={pop: population_rate(t, n_nodes[pop], sim.duration_s, bin_s)
                   for pop, (t, _) in spikes.items()},
            rate_dt_s=bin_s,
        )
        ph = phases(cfg)
        run.attrs["drug_timing"] = pr.drug_timing
        run.put("analysis", "phases_s", np.array([ph.train_on, ph.train_off, ph.t_jump,
                                                  ph.cue_on, ph.cue_off, ph.end]), "s")
        run.put("analysis", "n_assembly", np.int64(info["n_assembly"]), "1")
        run.put("analysis", "n_cued", np.int64(info["n_cued"]), "1")
        run.put("analysis", "delay_h", pr.delay_h, "h")
        st, rc, sch = res.storage, res.recall, res.schedule
        for name, value in (("up_assembly_trained", st.assembly_trained),
                            ("up_control_trained", st.control_trained),
                            ("up_assembly_delayed", st.assembly_delayed),
                            ("up_control_delayed", st.control_delayed)):
            run.put("analysis", name, value, "1")
        run.put("analysis", "rate_cued_hz", rc.rate_cued_hz, "Hz")
        run.put("analysis", "rate_uncued_hz", rc.rate_uncued_hz, "Hz")
        run.put("analysis", "rate_control_hz", rc.rate_control_hz, "Hz")
        # the delay as the synapses saw it (in delay time, not simulated time: under /analysis)
        seg = np.array(sch.segments, dtype=float).reshape(-1, 2)
        run.put("analysis", "delay_segment_duration_h", seg[:, 0] / 3600.0, "h")
        run.put("analysis", "delay_segment_gate", seg[:, 1], "1")
        course = res.delay
        run.put("analysis", "delay_course_h", course.t_s / 3600.0, "h")
        run.put("analysis", "delay_course_up_assembly", course.up_share(st.assembly_trained), "1")
        run.put("analysis", "delay_course_up_control", course.up_share(st.control_trained), "1")
        summary = {
            "recall_overlap": _num(rc.overlap),
            "recall_latency_ms": _num(rc.latency_ms, 2),
            "retention_index": _num(st.retention_index),
            "step_through_latency_s": _num(res.step_through_latency_s, 2),
            "stored_fraction": _num(st.stored),
            "recall_strength": _num(res.recall_strength),
            "recruited_fraction": _num(rc.recruited_fraction),
            "occupancy_training": _num(sch.occupancy_train),
            "occupancy_delay_mean": _num(sch.occupancy_delay_mean),
            "occupancy_test": _num(sch.occupancy_test),
            "p_up_from_up": _num(res.delay.transitions.up_from_up, 6),
            "drug_timing": pr.drug_timing,
            "delay_h": pr.delay_h,
        }
        for key in ("recall_overlap", "retention_index", "step_through_latency_s",
                    "stored_fraction", "recall_latency_ms"):
            value = summary[key]
            run.put("analysis", key, math.nan if value is None else value,
                    self.unit(key))
        return run, summary

    def figures(self, run: RunData, folder: Path) -> list[Path]:
        from sim.figures.memory import plot_memory_run

        return plot_memory_run(run, folder)


PROTOCOL = Memory()


def run_memory(cfg: Config, workdir: Path, *, state=None) -> tuple[MemoryResult, Simulation]:
    """Simulate ``cfg`` (``experiment.protocol = "memory"``) and analyse it without writing
    run.h5 (for tests and scripts); ``state`` defaults to the config's own receptor state."""
    from sim.conditions import receptor_state

    state = receptor_state(cfg) if state is None else state
    sim = PROTOCOL.simulate(cfg, state, Path(workdir))
    return analyse(cfg, state, sim), sim
