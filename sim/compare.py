"""``milasim compare DIR...``: seizure-like / plasticity metrics side by side across runs or sweeps.

Each DIR is one of
- a run folder: ``DIR/summary.json``;
- a sweep folder: ``DIR/runs/<run_id>/summary.json`` (beside ``DIR/sweep.csv``);
- a folder of run folders: ``DIR/<run>/summary.json``.
A DIR with none of these is an :class:`~sim.errors.InputError` naming it.

Every summary.json holds the documented keys plus ``"config"``, the fully resolved config as a
nested dict: dose, Mg and protocol are read from it (``config.drug.dose_mg_per_kg``, or
``config.drug.dose_mg`` for human runs; ``config.bath.mg_mM``; ``config.experiment.protocol``).

The table has one row per run; the figure one panel per metric against dose, with the mean and SD
over runs sharing a (dose, Mg) group (typically seeds), single runs as dots, and one colour per
Mg level when there are several. Runaway runs have NaN burst metrics (see
:mod:`sim.analysis.bursts`), so they are left out of those means and shown in their own panel as the
fraction of runs that ran away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.metrics import catalogue, number, panels
from sim.store import read_summary

CONDITION_COLUMNS = ("label", "dose", "mg_mM", "glycine_uM", "glycine_site_occupancy")


@dataclass
class RunSummary:
    """One run's summary.json, with the conditions the comparison groups by."""

    label: str
    path: Path
    protocol: str
    dose: float
    dose_unit: str  # "mg/kg" or "mg"
    mg_mM: float
    seed: int | None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.values.get(key)


# --------------------------------------------------------------------------- finding runs
def find_summaries(dirs: Sequence[Path]) -> list[tuple[str, Path]]:
    """(label, summary.json path) of every run under ``dirs``, DIR order kept, each DIR sorted."""
    found: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    for given in dirs:
        d = Path(given)
        if d.is_file() and d.name == "summary.json":
            d = d.parent
        if not d.exists():
            raise InputError(f"{given}: no such folder")
        if not d.is_dir():
            raise InputError(f"{given}: not a folder (expected a run or sweep folder)")
        if (d / "summary.json").is_file():
            entries = [(d.resolve().name, d / "summary.json")]
        elif (d / "runs").is_dir() or (d / "sweep.csv").is_file():
            entries = [(f"{d.resolve().name}/{r.name}", r / "summary.json")
                       for r in sorted((d / "runs").iterdir() if (d / "runs").is_dir() else [])
                       if (r / "summary.json").is_file()]
            if not entries:
                raise InputError(f"{given}: a sweep folder without any runs/<id>/summary.json")
        else:
            entries = [(r.name, r / "summary.json") for r in sorted(d.iterdir())
                       if r.is_dir() and (r / "summary.json").is_file()]
            if not entries:
                raise InputError(f"{given}: no summary.json (not a run folder, a sweep folder "
                                 "with runs/<id>/summary.json, nor a folder of run folders)")
        for label, path in entries:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append((label, path))
    return found


def read_run_summary(label: str, path: Path) -> RunSummary:
    """One summary.json as a :class:`RunSummary`; unreadable JSON is an InputError."""
    values = read_summary(path)
    config = values.get("config") if isinstance(values.get("config"), dict) else {}
    drug = config.get("drug", {}) or {}
    if drug.get("dose_mg") is not None:
        dose, unit = number(drug["dose_mg"]), "mg"
    else:
        dose, unit = number(drug.get("dose_mg_per_kg")), "mg/kg"
    mg = number((config.get("bath", {}) or {}).get("mg_mM", values.get("mg_mM")))
    protocol = values.get("protocol") or (config.get("experiment", {}) or {}).get("protocol")
    seed = values.get("seed", (config.get("simulation", {}) or {}).get("seed"))
    return RunSummary(label=label, path=path, protocol=str(protocol or "epileptiform"),
                      dose=dose, dose_unit=unit, mg_mM=mg,
                      seed=seed if isinstance(seed, int) else None, values=values)


def load_runs(dirs: Sequence[Path]) -> list[RunSummary]:
    """Every run under ``dirs``; within each DIR sorted by dose, Mg, seed, label."""
    runs: list[RunSummary] = []
    for d in dirs:
        block = [read_run_summary(label, path) for label, path in find_summaries([d])]
        block.sort(key=lambda r: (r.dose_unit, _sort_num(r.dose), _sort_num(r.mg_mM),
                                  r.seed if r.seed is not None else -1, r.label))
        known = {r.path.resolve() for r in runs}
        runs.extend(r for r in block if r.path.resolve() not in known)
    return runs


def _sort_num(x: float) -> float:
    return math.inf if math.isnan(x) else x


# --------------------------------------------------------------------------- table
def metric_columns(runs: Sequence[RunSummary]) -> list[str]:
    """The catalogue's panel metrics of the runs' protocols (not the receptor-state ones, which
    are condition columns)."""
    return [m.name for m in panels({r.protocol for r in runs})
            if m.protocols and m.name not in CONDITION_COLUMNS]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _dose_cell(run: RunSummary) -> str:
    return "-" if math.isnan(run.dose) else f"{run.dose:g} {run.dose_unit}"


def format_table(runs: Sequence[RunSummary]) -> str:
    """Fixed-width text table, one row per run; '-' = not applicable/missing, 'nan' = undefined."""
    metrics = metric_columns(runs)
    header = [*CONDITION_COLUMNS, *metrics]
    rows = []
    for r in runs:
        row = [r.label, _dose_cell(r), _cell(None if math.isnan(r.mg_mM) else r.mg_mM),
               _cell(r.get("glycine_uM")), _cell(r.get("glycine_site_occupancy"))]
        for m in metrics:
            applies = catalogue()[m].reported_by(r.protocol)
            row.append(_cell(r.get(m)) if applies else "-")
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))]).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# --------------------------------------------------------------------------- groups
@dataclass
class DoseGroup:
    """The runs sharing a (dose, unit, Mg) condition, for one metric."""

    dose: float
    dose_unit: str
    mg_mM: float
    values: np.ndarray  # finite values only (runaway -> 0/1)
    n_runs: int

    @property
    def mean(self) -> float:
        return float(np.mean(self.values)) if self.values.size else math.nan

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.values.size >= 2 else 0.0


def dose_groups(runs: Sequence[RunSummary], metric: str) -> list[DoseGroup]:
    """Runs grouped by (dose unit, dose, Mg) with the finite values of ``metric``, sorted."""
    reported = catalogue()[metric].reported_by if metric in catalogue() else None
    groups: dict[tuple[str, float, float], list[float]] = {}
    counts: dict[tuple[str, float, float], int] = {}
    for r in runs:
        if (reported is not None and not reported(r.protocol)) or math.isnan(r.dose):
            continue
        key = (r.dose_unit, r.dose, r.mg_mM)
        number_ = number(r.get(metric))
        groups.setdefault(key, [])
        counts[key] = counts.get(key, 0) + 1
        if math.isfinite(number_):
            groups[key].append(number_)
    return [DoseGroup(dose=k[1], dose_unit=k[0], mg_mM=k[2], values=np.asarray(v, dtype=float),
                      n_runs=counts[k])
            for k, v in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                 _sort_num(kv[0][2])))]


#: What must be equal for runs to be compared (same protocol): the simulated duration and the
#: network's structure. A 5 s run pooled with 20 s runs as one condition was the silent failure.
LIKE_WITH_LIKE = (("protocol", "duration_s"), ("network", None), ("simulation", "dt_ms"),
                  ("simulation", "precision"))


def _setting(run: RunSummary, section: str, key: str | None) -> Any:
    table = (run.values.get("config") or {}).get(section) or {}
    return table.get(key) if key else table


def check_comparable(runs: Sequence[RunSummary]) -> None:
    """InputError (one line) if runs of one protocol differ in duration or network structure."""
    for protocol in sorted({r.protocol for r in runs}):
        mine = [r for r in runs if r.protocol == protocol]
        for section, key in LIKE_WITH_LIKE:
            seen: dict[str, list[str]] = {}
            for r in mine:
                seen.setdefault(repr(_setting(r, section, key)), []).append(r.label)
            if len(seen) > 1:
                what = f"{section}.{key}" if key else f"[{section}]"
                which = "; ".join(f"{value} in {labels[0]}"
                                  + (f" (+{len(labels) - 1} more)" if len(labels) > 1 else "")
                                  for value, labels in seen.items())
                raise InputError(f"compare: the {protocol} runs differ in {what} ({which}); "
                                 "their metrics are not comparable: compare each group apart")


def default_out_dir(dirs: Sequence[Path]) -> Path:
    """A new folder for the comparison: ``results/compare/<name>+<name>...``."""
    from sim.paths import RESULTS_ROOT

    names = [Path(d).resolve().name for d in dirs]
    name = "+".join(names) if len(names) <= 3 else f"{'+'.join(names[:3])}+{len(names) - 3}more"
    return RESULTS_ROOT / "compare" / name


def _figure_path(dirs: Sequence[Path], out: Path | None) -> Path:
    if out is None:
        return default_out_dir(dirs) / "compare.png"
    out = Path(out)
    if out.suffix.lower() in {".png", ".pdf", ".svg"}:
        return out
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    return out / "compare.png"


def compare(dirs: Sequence[Path], out: Path | None = None) -> tuple[str, Path]:
    """The comparison table (text) and figure of every run under ``dirs``.

    ``out`` is the figure file (if it ends in .png/.pdf/.svg) or a folder for ``compare.png``;
    default a new folder ``results/compare/<DIR names>/`` (never inside a run). Missing folders or
    summaries, and runs of one protocol whose duration or network differ, are InputErrors (one
    line naming them; nothing written). The table is also written beside the figure
    (``compare.txt``).
    """
    if not dirs:
        raise InputError("compare: give at least one run or sweep folder")
    from sim.figures.compare import plot_compare

    runs = load_runs(dirs)
    check_comparable(runs)
    table = format_table(runs)
    figure = plot_compare(runs, _figure_path(dirs, out))
    figure.with_name("compare.txt").write_text(table + "\n")
    return table, figure
