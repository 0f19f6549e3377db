"""Experiment files -> the grid of fully resolved configs, each with its run id. No Dask here.

An experiment file is a config (it may ``extends`` another) plus a ``[sweep]`` table and, optionally,
a ``[cluster]`` table::

    extends = "../configs/epileptiform.toml"

    [sweep]
    "drug.dose_mg_per_kg" = [0, 100, 200, 400]   # an axis: a dotted config key and its values
    "simulation.seed" = [1, 2, 3]                 # the grid is the product of the axes

    [[sweep.zip]]                                 # a zip group: its lists step together
    "drug.time_after_dose_h" = [1, 3, 6]          # (equal lengths), and the group is ONE axis
    "bath.mg_mM" = [1.0, 0.5, 0.0]                # of the product

    [cluster]                                     # optional: where the workers come from
    kind = "slurm"                                # "local" | "slurm" | "pbs" | "sge"
    queue = "normal"

Rules:

- Axes are taken in file order (a zip group where its ``[[sweep.zip]]`` stands, after the plain
  keys of ``[sweep]``, since TOML puts sub-tables after them); the last axis varies fastest.
- ``[sweep.zip]`` (one group) and ``[[sweep.zip]]`` (several groups) are both accepted.
- Unquoted dotted keys (``drug.dose_mg_per_kg = [...]`` inside ``[sweep]``) mean the same as quoted
  ones.
- ``--set KEY=VALUE`` sets the base config; a swept key cannot be ``--set`` (that would silently
  lose the sweep). ``--set sweep.KEY=[...]`` replaces or adds an axis, ``--set cluster.KEY=VALUE``
  sets the cluster table.
- Every grid point is resolved and validated before anything runs; the first bad one is a
  :class:`~sim.errors.ConfigError` that starts with the dotted key, names the point and counts the
  other bad points. Two points that resolve to the same config are refused as well.
- A point's run id is :meth:`sim.config.Config.config_hash` of its resolved config, so it is the
  same in every sweep that contains that config, whatever the file or the grid's order.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.config import Config, describe_error, load_raw, parse_override, resolve
from sim.errors import ConfigError, InputError

SWEEP = "sweep"
CLUSTER = "cluster"
FIGURES = "figures"
ZIP = "zip"
#: The key that numbers replicates; figures average over it.
SEED_KEY = "simulation.seed"
#: Dose keys, the preferred x axis of the figures.
DOSE_KEYS = ("drug.dose_mg_per_kg", "drug.dose_mg")


# --------------------------------------------------------------------------- the cluster table
class ClusterConfig(BaseModel):
    """The ``[cluster]`` table. Sizes are per batch job; each worker runs one run at a time."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    kind: Literal["local", "slurm", "pbs", "sge"] = "local"
    #: local: worker processes (default: the machine's cores); ignored on a batch system.
    workers: Annotated[int, Field(ge=1, le=4096)] | None = None
    #: batch systems: queue / partition, and account (SLURM, PBS) or project (SGE)
    queue: str | None = None
    account: str | None = None
    #: cores and memory of ONE batch job, and how many worker processes it holds
    #: (default: one per core, i.e. one thread each)
    cores: Annotated[int, Field(ge=1, le=4096)] = 1
    processes: Annotated[int, Field(ge=1, le=4096)] | None = None
    memory: str = "2GB"
    walltime: str = "01:00:00"
    #: how many batch jobs to submit
    jobs: Annotated[int, Field(ge=1, le=10_000)] = 1
    #: network interface the workers listen on (e.g. "ib0"); default: the host's
    interface: str | None = None
    #: scratch space on the compute node, and where the batch systems' job logs go
    local_directory: str | None = None
    log_directory: str | None = None
    #: extra ``#SBATCH`` / ``#PBS`` / ``#$`` lines, and shell lines run before the worker starts
    job_extra_directives: list[str] = Field(default_factory=list)
    job_script_prologue: list[str] = Field(default_factory=list)
    #: the Python on the compute nodes (default: the one running the sweep)
    python: str | None = None

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*([kmgtp]i?b)\s*", value, flags=re.IGNORECASE):
            raise ValueError(f"cluster.memory must look like \"4GB\" or \"500MiB\", got {value!r}")
        return value

    @field_validator("walltime")
    @classmethod
    def _walltime(cls, value: str) -> str:
        if not re.fullmatch(r"(\d+-)?\d{1,3}(:\d{2}){0,2}", value.strip()):
            raise ValueError(f"cluster.walltime must look like \"HH:MM:SS\" or \"D-HH:MM:SS\", "
                             f"got {value!r}")
        return value.strip()

    @property
    def processes_per_job(self) -> int:
        return self.processes if self.processes is not None else self.cores


def _figure_metrics(table: Any) -> tuple[str, ...]:
    """The ``[figures]`` table: ``metrics``, a list of metric names (sim.metrics) to draw."""
    from sim.metrics import catalogue

    if not isinstance(table, Mapping) or set(table) != {"metrics"}:
        raise ConfigError(f"{FIGURES}: expected a table with one key, metrics = [\"name\", ...] "
                          f"(the metrics to draw), got {table!r}")
    names = table["metrics"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{FIGURES}.metrics: expected a non-empty list of metric names, e.g. "
                          f"[\"n_bursts\", \"k_o_peak_mM\"], got {names!r}")
    known = catalogue()
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ", e.g. 'n_bursts'"
            raise ConfigError(f"{FIGURES}.metrics: unknown metric {name!r} (expected a metric "
                              f"name of summary.json{hint})")
    return tuple(names)


def _cluster_config(table: Any) -> ClusterConfig:
    if not isinstance(table, Mapping):
        raise ConfigError(f"cluster must be a table, got {table!r}")
    try:
        return ClusterConfig.model_validate(dict(table))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ConfigError(describe_error({**error, "loc": (CLUSTER, *error["loc"])})) from None


# --------------------------------------------------------------------------- the grid
@dataclass(frozen=True)
class Axis:
    """One factor of the product: ``keys`` step together through ``steps`` (one tuple per step)."""

    keys: tuple[str, ...]
    steps: tuple[tuple[Any, ...], ...]

    @property
    def zipped(self) -> bool:
        return len(self.keys) > 1


@dataclass(frozen=True)
class GridPoint:
    """One run of the sweep: its swept values, its resolved config and its run id."""

    index: int
    values: Mapping[str, Any]
    config: Config
    run_id: str

    def describe(self) -> str:
        return ", ".join(f"{k}={_show(v)}" for k, v in self.values.items())


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: the base config, the axes, every grid point."""

    path: Path
    base: Config
    axes: tuple[Axis, ...]
    points: tuple[GridPoint, ...]
    cluster: ClusterConfig | None = None
    overrides: tuple[tuple[str, Any], ...] = field(default=())
    #: ``[figures] metrics``: the panels of the sweep figures, in order (None: the catalogue's)
    figure_metrics: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def swept_keys(self) -> list[str]:
        return [k for axis in self.axes for k in axis.keys]

    @property
    def run_ids(self) -> list[str]:
        return [p.run_id for p in self.points]

    @property
    def experiment_id(self) -> str:
        """Hash of the set of run ids: two files declaring the same runs are the same sweep."""
        return hashlib.sha256(",".join(sorted(self.run_ids)).encode()).hexdigest()[:16]

    def manifest(self) -> dict[str, Any]:
        """What ``OUT/sweep.json`` records about the sweep (provenance, not read back for runs)."""
        return {
            "experiment": str(self.path),
            "experiment_id": self.experiment_id,
            "overrides": {k: v for k, v in self.overrides},
            "swept_keys": self.swept_keys,
            "axes": [{"keys": list(a.keys), "steps": [list(s) for s in a.steps]}
                     for a in self.axes],
            "runs": [{"run_id": p.run_id, **p.values} for p in self.points],
            "cluster": self.cluster.model_dump(exclude_none=True) if self.cluster else None,
            "figure_metrics": list(self.figure_metrics) if self.figure_metrics else None,
        }


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else f"{value}"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"drug": {"dose": [..]}}`` -> ``{"drug.dose": [..]}`` (lists are leaves)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def _values(where: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of values, e.g. [0, 100, 200], got {value!r}")
    if not value:
        raise ConfigError(f"{where}: empty list (an axis needs at least one value)")
    return value


def _zip_axis(where: str, group: Any) -> Axis:
    if not isinstance(group, Mapping) or not group:
        raise ConfigError(f"{where}: expected a table of dotted keys with lists of equal length, "
                          f"got {group!r}")
    flat = _flatten(group)
    lists = {key: _values(f"{where}.{key}", value) for key, value in flat.items()}
    lengths = {key: len(v) for key, v in lists.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ConfigError(f"{where}: zipped lists must have equal lengths ({shown})")
    keys = tuple(lists)
    steps = tuple(zip(*(lists[k] for k in keys), strict=True))
    return Axis(keys=keys, steps=steps)


def parse_sweep_table(table: Any, sweep_overrides: Mapping[str, Any] = {}) -> tuple[Axis, ...]:
    """The ``[sweep]`` table (plus ``--set sweep.KEY=[...]``) -> axes, in file order."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"sweep must be a table, got {table!r}")
    axes: list[Axis] = []
    for key, value in table.items():
        if key == ZIP:
            groups = value if isinstance(value, list) else [value]
            for i, group in enumerate(groups):
                where = f"sweep.zip[{i}]" if isinstance(value, list) else "sweep.zip"
                axes.append(_zip_axis(where, group))
        elif isinstance(value, Mapping):
            for dotted, inner in _flatten(value, f"{key}.").items():
                axes.append(Axis((dotted,), tuple((v,) for v in _values(f"sweep.{dotted}", inner))))
        else:
            axes.append(Axis((key,), tuple((v,) for v in _values(f"sweep.{key}", value))))
    for key, value in sweep_overrides.items():
        steps = tuple((v,) for v in _values(f"--set sweep.{key}", value))
        at = [i for i, a in enumerate(axes) if key in a.keys]
        if at and axes[at[0]].zipped:
            raise ConfigError(f"--set sweep.{key}: {key} is in a zip group; edit the experiment "
                              "file to change zipped values together")
        if at:
            axes[at[0]] = Axis((key,), steps)
        else:
            axes.append(Axis((key,), steps))
    seen: dict[str, int] = {}
    for axis in axes:
        for key in axis.keys:
            if key in seen:
                raise ConfigError(f"sweep.{key}: swept twice (a key belongs to one axis or one "
                                  "zip group)")
            seen[key] = 1
    return tuple(axes)


def _split_overrides(
    overrides: Iterable[tuple[str, Any]],
) -> tuple[list[tuple[str, Any]], dict[str, Any], dict[str, Any]]:
    """Parsed ``--set`` items -> (config overrides, sweep overrides, cluster overrides)."""
    config, sweep, cluster = [], {}, {}
    for key, value in overrides:
        head, _, rest = key.partition(".")
        if head == SWEEP:
            if not rest or rest.split(".")[0] == ZIP:
                raise InputError(f"--set {key}: use --set sweep.KEY=[v1, v2, ...] for one axis; "
                                 "zip groups are set in the experiment file")
            sweep[rest] = value
        elif head == CLUSTER:
            if not rest:
                raise InputError(f"--set {key}: use --set cluster.KEY=VALUE, e.g. cluster.jobs=4")
            cluster[rest] = value
        else:
            config.append((key, value))
    return config, sweep, cluster


def load_experiment(
    path: str | Path, overrides: Iterable[str | tuple[str, Any]] = (),
) -> Experiment:
    """Read, merge (``extends``), expand and validate an experiment file. Writes nothing.

    ``overrides`` are ``"KEY=VALUE"`` strings as given to ``--set`` (or ``(key, value)`` pairs).
    Raises :class:`~sim.errors.InputError` / :class:`~sim.errors.ConfigError` (exit code 2).
    """
    path = Path(path)
    parsed = tuple(parse_override(o) if isinstance(o, str) else (o[0], o[1]) for o in overrides)
    config_overrides, sweep_overrides, cluster_overrides = _split_overrides(parsed)
    raw = load_raw(path)
    sweep_table = raw.pop(SWEEP, None)
    cluster_table = raw.pop(CLUSTER, None)
    figures_table = raw.pop(FIGURES, None)
    figure_metrics = _figure_metrics(figures_table) if figures_table is not None else None
    if sweep_table is None and not sweep_overrides:
        raise InputError(f"{path}: no [sweep] table (an experiment lists values to sweep, e.g. "
                         "[sweep] \"simulation.seed\" = [1, 2, 3]); for one config use "
                         "`milasim run`")
    axes = parse_sweep_table(sweep_table or {}, sweep_overrides)

    swept = {k for axis in axes for k in axis.keys}
    for key, _ in config_overrides:
        if key in swept:
            raise ConfigError(f"--set {key}: this key is swept by the experiment; to change its "
                              f"values use --set sweep.{key}=[...]")
    base = resolve(raw, config_overrides)

    cluster = None
    if cluster_table is not None or cluster_overrides:
        table = copy.deepcopy(cluster_table) if cluster_table is not None else {}
        if not isinstance(table, dict):
            raise ConfigError(f"cluster must be a table, got {table!r}")
        table.update(cluster_overrides)
        cluster = _cluster_config(table)

    points = expand(base, axes)
    return Experiment(path=path, base=base, axes=axes, points=points, cluster=cluster,
                      overrides=parsed, figure_metrics=figure_metrics)


def expand(base: Config, axes: Sequence[Axis]) -> tuple[GridPoint, ...]:
    """Every point of the product of ``axes`` over ``base``, resolved and validated.

    All points are checked before returning; the first bad one raises a ConfigError whose message
    starts with the key (as :func:`sim.config.resolve` words it), then names the point.
    """
    combos = list(itertools.product(*(axis.steps for axis in axes)))
    points: list[GridPoint] = []
    errors: list[tuple[int, dict[str, Any], str]] = []
    for index, combo in enumerate(combos):
        values: dict[str, Any] = {}
        for axis, step in zip(axes, combo, strict=True):
            values.update(zip(axis.keys, step, strict=True))
        try:
            cfg = base.replace(values)
        except ConfigError as exc:
            errors.append((index, values, str(exc)))
            continue
        points.append(GridPoint(index=index, values=values, config=cfg, run_id=cfg.config_hash()))
    if errors:
        index, values, message = errors[0]
        shown = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        more = f"; {len(errors) - 1} more bad point(s)" if len(errors) > 1 else ""
        raise ConfigError(f"{message} (sweep point {index + 1} of {len(combos)}: {shown}{more})")
    first: dict[str, GridPoint] = {}
    for p in points:
        if p.run_id in first:
            q = first[p.run_id]
            raise ConfigError(f"sweep: points {q.index + 1} ({q.describe()}) and {p.index + 1} "
                              f"({p.describe()}) are the same config (run id {p.run_id}); "
                              "remove the repeated value")
        first[p.run_id] = p
    return tuple(points)
