"""Uncertainty experiment files -> a model, its cases and the sampling plan. No Dask here.

An uncertainty experiment is a config (it may ``extends`` another) plus an ``[uncertainty]`` table
and, optionally, a ``[cluster]`` table (as for sweeps)::

    extends = "../configs/default.toml"

    [uncertainty]
    samples = 256                  # Sobol base sample N (a power of 2): N (D + 2) runs per case
    morris_trajectories = 10       # Morris screening first: r (D + 1) runs per case (0: none)
    parameters = ["glyt1_local_fraction", "extracellular_coupling"]   # default: all
    outputs = ["glycine_site_occupancy"]                                # default: all
    seed = 1

    [[uncertainty.cases]]          # each case: a label and dotted config keys over the base
    label = "rat 100 mg/kg"
    "drug.dose_mg_per_kg" = 100

    [[uncertainty.cases]]          # a dose found so that one output matches another case's
    label = "human, exposure-matched"                    # (both at the parameters' defaults)
    "drug.species" = "human"
    "drug.route" = "oral"
    match = { case = "rat 100 mg/kg", output = "glycine_extracellular_change_percent" }

``model = "network"`` runs each case's network (or LTP preparation) once per sample, with the
sampled glycine-site activation and glycine in place of the defaults; ``outputs`` are then
summary.json metrics (e.g. ``runaway``, ``k_o_peak_mM``, ``ltp_percent``), and a few samples
(``samples = 2`` or 4) are all a run of minutes allows. ``model = "ishigami"`` samples
Ishigami's test function instead (no config keys needed); it checks
the sampling and analysis code against known Sobol indices. Every case is validated before
anything runs; a bad key is one ConfigError line naming it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scipy.optimize import brentq

from sim.config import Config, describe_error, load_raw, parse_override, resolve
from sim.errors import ConfigError, InputError
from sim.sweeps.grid import CLUSTER, ClusterConfig, _cluster_config
from sim.uncertainty.models import DrugModel, IshigamiModel, NetworkModel

UNCERTAINTY = "uncertainty"
#: Dose bracket for matched cases, mg/kg.
MATCH_DOSE_RANGE_MG_PER_KG = (1e-6, 5000.0)


class MatchSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    case: str
    output: str


class UncertaintySpec(BaseModel):
    """The ``[uncertainty]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Literal["drug", "network", "ishigami"] = "drug"
    #: re-calibrate each sample to the rat tissue rise at 100 mg/kg (sim.uncertainty.models)
    anchor: bool = True
    samples: Annotated[int, Field(ge=2, le=65536)] = 256
    morris_trajectories: Annotated[int, Field(ge=0, le=1000)] = 10
    morris_levels: Annotated[int, Field(ge=2, le=20)] = 4
    parameters: list[str] | None = None
    outputs: list[str] | None = None
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 1
    #: rows per Dask task (each task's result is saved as it finishes: the resume unit)
    block_size: Annotated[int, Field(ge=1, le=100_000)] = 128
    #: interval reported around the median, percent (90 -> p05 and p95)
    interval_percent: Annotated[float, Field(gt=0, lt=100)] = 90.0
    cases: list[dict[str, Any]] = Field(default_factory=lambda: [{"label": "base"}])

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"uncertainty.samples must be a power of 2 (Sobol sequences), got {n}")
        return n


@dataclass(frozen=True)
class UncertaintyExperiment:
    """A loaded experiment: the model (with its cases) and the plan."""

    path: Path
    spec: UncertaintySpec
    model: DrugModel | IshigamiModel
    output_names: tuple[str, ...]
    cluster: ClusterConfig | None
    matched: dict[str, float]  # case label -> dose (mg/kg) found by matching

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def n_parameters(self) -> int:
        return len(self.model.parameters)

    @property
    def sobol_rows(self) -> int:
        return self.spec.samples * (self.n_parameters + 2)

    @property
    def morris_rows(self) -> int:
        return self.spec.morris_trajectories * (self.n_parameters + 1)

    @property
    def total_runs(self) -> int:
        return len(self.model.labels) * (self.sobol_rows + self.morris_rows)

    def fingerprint(self) -> str:
        """What the saved blocks depend on: resuming into another plan is refused."""
        cases = ([c.config_hash() for c in self.model.configs]
                 if isinstance(self.model, DrugModel) else [])
        text = json.dumps({
            "model": self.spec.model, "samples": self.spec.samples, "anchor": self.spec.anchor,
            "morris": [self.spec.morris_trajectories, self.spec.morris_levels],
            "seed": self.spec.seed, "block": self.spec.block_size,
            "parameters": [(p.name, p.low, p.high, p.log) for p in self.model.parameters],
            "labels": self.model.labels, "cases": cases,
        }, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        s = self.spec
        lines = [
            (f"{self.path}: uncertainty experiment, model {s.model!r}, "
             f"{len(self.model.labels)} case(s) x {self.n_parameters} parameter(s)"),
            f"  Morris screening: {s.morris_trajectories} trajectories = {self.morris_rows} runs "
            "per case" if s.morris_trajectories else "  Morris screening: off",
            f"  Sobol: N = {s.samples}, N (D + 2) = {self.sobol_rows} runs per case",
            f"  in all {self.total_runs} evaluations; outputs: {', '.join(self.output_names)}",
        ]
        for label, dose in self.matched.items():
            lines.append(f"  matched: {label!r} at {dose:.4g} mg/kg")
        return "\n".join(lines)


def _split(overrides) -> tuple[list[tuple[str, Any]], dict[str, Any], dict[str, Any]]:
    config, spec, cluster = [], {}, {}
    for key, value in overrides:
        head, _, rest = key.partition(".")
        if head == UNCERTAINTY:
            if not rest or rest == "cases":
                raise InputError(f"--set {key}: set uncertainty.KEY=VALUE (cases are set in the "
                                 "experiment file)")
            spec[rest] = value
        elif head == CLUSTER:
            cluster[rest] = value
        else:
            config.append((key, value))
    return config, spec, cluster


def _case_config(base: Config, case: dict[str, Any], where: str) -> Config:
    keys = {k: v for k, v in case.items() if k not in ("label", "match")}
    try:
        return base.replace(keys)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (in {where})") from None
    except ValidationError as exc:
        raise ConfigError(f"{describe_error(exc.errors()[0])} (in {where})") from None


def _match_dose(model: DrugModel, index: int, target: float, output: str, label: str) -> float:
    """The case's dose (mg/kg) at which ``output`` equals ``target``, at default parameters."""
    column = list(model.outputs).index(output)
    cfg = model.configs[index]
    defaults = [p.default for p in model.parameters]
    lo, hi = MATCH_DOSE_RANGE_MG_PER_KG

    def value(dose: float) -> float:
        dose = min(max(dose, lo), hi)  # exp(log(x)) may step past the bracket by an ulp
        probe = DrugModel([label], [cfg.replace({"drug.dose_mg_per_kg": dose})],
                          [p.name for p in model.parameters], anchor=model.anchor)
        return float(probe.evaluate([defaults])[0, 0, column]) - target

    if value(lo) > 0 or value(hi) < 0:
        raise ConfigError(f"uncertainty.cases {label!r}: no dose in {lo:g}-{hi:g} mg/kg gives "
                          f"{output} = {target:.4g}")
    dose = min(max(math.exp(brentq(lambda x: value(math.exp(x)), math.log(lo), math.log(hi),
                                   xtol=1e-10, rtol=1e-10)), lo), hi)
    model.configs[index] = cfg.replace({"drug.dose_mg_per_kg": dose})
    return dose


def load_uncertainty(path: str | Path, overrides=()) -> UncertaintyExperiment:
    """Read, merge (``extends``) and validate an uncertainty experiment. Writes nothing."""
    path = Path(path)
    parsed = [parse_override(o) if isinstance(o, str) else (o[0], o[1]) for o in overrides]
    config_overrides, spec_overrides, cluster_overrides = _split(parsed)
    raw = load_raw(path)
    table = raw.pop(UNCERTAINTY, None)
    cluster_table = raw.pop(CLUSTER, None)
    if table is None:
        raise InputError(f"{path}: no [uncertainty] table (an uncertainty experiment declares "
                         "its samples and cases there; see docs/uncertainty.md)")
    if not isinstance(table, dict):
        raise ConfigError(f"uncertainty must be a table, got {table!r}")
    table = {**copy.deepcopy(table), **spec_overrides}
    try:
        spec = UncertaintySpec.model_validate(table)
    except ValidationError as exc:
        text = describe_error(exc.errors()[0])
        raise ConfigError(text if text.startswith(UNCERTAINTY) else f"{UNCERTAINTY}.{text}") \
            from None

    cluster = None
    if cluster_table is not None or cluster_overrides:
        cluster = _cluster_config({**(cluster_table or {}), **cluster_overrides})

    labels = []
    for i, case in enumerate(spec.cases):
        label = case.get("label")
        if not isinstance(label, str) or not label:
            raise ConfigError(f"uncertainty.cases[{i}].label: expected a non-empty name")
        labels.append(label)
    if len(set(labels)) != len(labels):
        raise ConfigError(f"uncertainty.cases: labels must differ, got {labels}")

    if spec.model == "ishigami":
        model: DrugModel | IshigamiModel = IshigamiModel(labels)
        matched: dict[str, float] = {}
    else:
        base = resolve(raw, config_overrides)
        configs = [_case_config(base, case, f"uncertainty.cases {case['label']!r}")
                   for case in spec.cases]
        try:
            if spec.model == "network":
                model = NetworkModel(labels, configs, spec.parameters, anchor=spec.anchor,
                                     outputs=spec.outputs)
            else:
                model = DrugModel(labels, configs, spec.parameters, anchor=spec.anchor)
        except ValueError as exc:
            key = "outputs" if "outputs" in str(exc) or "coagonist" in str(exc) else "parameters"
            raise ConfigError(f"uncertainty.{key}: {exc}") from None
        matched = {}
        for i, case in enumerate(spec.cases):
            if "match" not in case:
                continue
            try:
                m = MatchSpec.model_validate(case["match"])
            except ValidationError as exc:
                raise ConfigError(f"uncertainty.cases {labels[i]!r}.match."
                                  f"{describe_error(exc.errors()[0])}") from None
            if m.case not in labels[:i]:
                raise ConfigError(f"uncertainty.cases {labels[i]!r}.match.case: expected an "
                                  f"earlier case's label, got {m.case!r}")
            if m.output not in model.outputs:
                raise ConfigError(f"uncertainty.cases {labels[i]!r}.match.output: expected one "
                                  f"of {sorted(model.outputs)}, got {m.output!r}")
            ref = labels.index(m.case)
            column = list(model.outputs).index(m.output)
            defaults = [[p.default for p in model.parameters]]
            target = float(model.evaluate(defaults)[ref, 0, column])
            matched[labels[i]] = _match_dose(model, i, target, m.output, labels[i])
    names = tuple(spec.outputs) if spec.outputs is not None else tuple(model.outputs)
    unknown = [n for n in names if n not in model.outputs]
    if unknown:
        raise ConfigError(f"uncertainty.outputs: unknown {unknown}; expected some of "
                          f"{sorted(model.outputs)}")
    return UncertaintyExperiment(path=path, spec=spec, model=model, output_names=names,
                                 cluster=cluster, matched=matched)
