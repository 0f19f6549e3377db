"""``OUT/sweep.csv``: one row per finished run, rebuilt from the run folders on disk.

Columns, in order:

1. ``run_id``;
2. the swept keys, dotted (``drug.dose_mg_per_kg``, ``simulation.seed``, ...), in axis order;
3. every scalar of the runs' ``summary.json``: the catalogued metrics first, in the order of the
   metric catalogue (:mod:`sim.metrics`: ``glycine_uM``, ``glycine_site_occupancy``, ..., then
   each protocol's), then any other in summary order; a table of scalars such as
   ``ltp_percent_by_frequency`` becomes one column per entry (``ltp_percent_by_frequency.100``).
   ``config``, ``versions`` and ``config_hash`` (= ``run_id``) are left out.

Rows follow the grid's order and hold only the runs of the current grid. Finished runs of another
grid (an OUT resumed with a smaller grid, or runs made before a default of the model changed, which
changes every run id) stay on disk untouched but are left out of the table and the figures, so a
figure never pools two versions of a model; :func:`rebuild` names how many there are.
Empty cell = missing or undefined (a NaN metric is ``null`` in summary.json). Booleans are
``True``/``False``. The file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.metrics import number, ordered
from sim.store import read_summary
from sim.sweeps.grid import Experiment
from sim.sweeps.layout import RUN_MARKER, SweepLayout

LEFT_OUT = frozenset({"config", "versions", "config_hash", "run_id"})


@dataclass
class SweepTable:
    """The rows of sweep.csv as Python values (what the figures read)."""

    swept: list[str]
    metrics: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: The swept keys grouped as the grid's axes (a zip group is one tuple of keys that step
    #: together); empty = each swept key is its own axis. The figures treat a group as one factor.
    axes: list[tuple[str, ...]] = field(default_factory=list)
    #: Finished run folders under OUT/runs that are not points of the current grid (not in rows).
    other_runs: list[str] = field(default_factory=list)

    @property
    def factors(self) -> list[tuple[str, ...]]:
        """``axes``, or one single-key axis per swept key when the grouping is not known."""
        return list(self.axes) if self.axes else [(key,) for key in self.swept]

    @property
    def columns(self) -> list[str]:
        return ["run_id", *self.swept, *self.metrics]


def _scalars(summary: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if key in LEFT_OUT:
            continue
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                if inner is None or isinstance(inner, bool | int | float | str):
                    out[f"{key}.{sub}"] = inner
        elif value is None or isinstance(value, bool | int | float | str):
            out[key] = value
    return out


def _summary_or_none(path: Path) -> dict[str, Any] | None:
    """A finished run's summary, or None (with a warning) when it cannot be read."""
    try:
        return read_summary(path)
    except InputError as exc:
        print(f"milasim: warning: {exc}; left out of sweep.csv", file=sys.stderr)
        return None


def collect(layout: SweepLayout, experiment: Experiment) -> SweepTable:
    """Rows of the finished runs of the current grid, in grid order."""
    on_disk = set(layout.finished_ids())
    swept = experiment.swept_keys
    table = SweepTable(swept=swept, metrics=[], axes=[axis.keys for axis in experiment.axes],
                       other_runs=sorted(on_disk - set(experiment.run_ids)))
    seen_metrics: dict[str, None] = {}
    for point in experiment.points:
        if point.run_id not in on_disk:
            continue
        summary = _summary_or_none(layout.run_dir(point.run_id) / RUN_MARKER)
        if summary is None:
            continue
        row: dict[str, Any] = {"run_id": point.run_id}
        for key in swept:
            row[key] = point.values[key]
        scalars = _scalars(summary)
        for key in scalars:
            if key not in swept:
                seen_metrics.setdefault(key, None)
        row.update({k: v for k, v in scalars.items() if k not in swept})
        table.rows.append(row)
    table.metrics = ordered(seen_metrics)
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, dict):  # a swept table (a protocol's [protocol] per case)
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def write_csv(table: SweepTable, path: Path) -> Path:
    """Write ``table`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_cell(row.get(c)) for c in table.columns])
    os.replace(tmp, path)
    return path


def rebuild(layout: SweepLayout, experiment: Experiment) -> SweepTable:
    """Collect the finished runs and (re)write ``OUT/sweep.csv``."""
    table = collect(layout, experiment)
    write_csv(table, layout.csv)
    if table.other_runs:
        print(f"milasim: note: {len(table.other_runs)} finished run(s) under {layout.runs} are not "
              "points of this grid (another grid, or made before a default changed); kept on "
              "disk, left out of sweep.csv and the figures", file=sys.stderr)
    return table


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(columns, rows as strings): for tests and quick looks."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def read_sweep_rows(folder: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """The rows of the ``sweep.csv`` in a sweep's output folder, for the scripts that read its
    runs back; an InputError when the file is missing or lacks one of ``columns``."""
    path = Path(folder) / "sweep.csv"
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected a sweep's output folder)")
    names, rows = read_csv(path)
    missing = [c for c in columns if c not in names]
    if missing:
        raise InputError(f"--by {', '.join(missing)}: not a column of {path}")
    return rows


def numeric_metrics(table: SweepTable, names: Sequence[str] | None = None) -> list[str]:
    """Metrics (among ``names``, default all) with at least one finite value."""
    candidates = names if names is not None else table.metrics
    return [m for m in candidates if m in table.metrics
            and any(math.isfinite(number(r.get(m))) for r in table.rows)]
