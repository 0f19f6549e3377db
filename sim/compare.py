"""``milasim compare DIR...``: seizure-like / plasticity metrics side by side across runs or sweeps.

Each DIR is one of
- a run folder: ``DIR/summary.json``;
- a sweep folder: ``DIR/runs/<run_id>/summary.json`` (beside ``DIR/sweep.csv``);
- a folder of run folders: ``DIR/<run>/summary.json``.
A DIR with none of these is an :class:`~sim.errors.InputError` naming it.

Every summary.json holds the INTERFACE.md keys plus ``"config"``, the fully resolved config as a
nested dict: dose, Mg and protocol are read from it (``config.drug.dose_mg_per_kg``, or
``config.drug.dose_mg`` for human runs; ``config.bath.mg_mM``; ``config.experiment.protocol``).

The table has one row per run; the figure one panel per metric against dose, with the mean and SD
over runs sharing a (dose, Mg) group (typically seeds), single runs as dots, and one colour per
Mg level when there are several. Runaway runs have NaN burst metrics (see
:mod:`sim.analysis.bursts`), so they are left out of those means and shown in their own panel as the
fraction of runs that ran away.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from sim.errors import InputError
from sim.plots import OKABE_ITO, STYLE, new_figure, save_figure

SEIZURE_METRICS = ("burst_rate_hz", "mean_burst_duration_s", "fraction_time_in_bursts",
                   "rate_exc_hz", "runaway")
LTP_METRICS = ("ltp_percent",)
CONDITION_COLUMNS = ("label", "dose", "mg_mM", "glycine_uM", "glycine_site_occupancy")

METRIC_LABELS = {
    "burst_rate_hz": "burst rate (Hz)",
    "mean_burst_duration_s": "mean burst duration (s)",
    "fraction_time_in_bursts": "fraction of time in bursts",
    "rate_exc_hz": "excitatory rate (Hz)",
    "runaway": "fraction of runs runaway",
    "ltp_percent": "LTP (% of baseline)",
}
HUES = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "sky_blue", "purple",
                               "black", "yellow")]
UNIT_MARKERS = {"mg/kg": "o", "mg": "s"}


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


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def read_summary(label: str, path: Path) -> RunSummary:
    """Parse one summary.json into a :class:`RunSummary`; unreadable JSON is an InputError."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise InputError(f"{path}: expected a JSON object of metrics")
    config = values.get("config") if isinstance(values.get("config"), dict) else {}
    drug = config.get("drug", {}) or {}
    if drug.get("dose_mg") is not None:
        dose, unit = _number(drug["dose_mg"]), "mg"
    else:
        dose, unit = _number(drug.get("dose_mg_per_kg")), "mg/kg"
    mg = _number((config.get("bath", {}) or {}).get("mg_mM", values.get("mg_mM")))
    protocol = (config.get("experiment", {}) or {}).get("protocol")
    if protocol is None:
        protocol = "ltp" if "ltp_percent" in values else "epileptiform"
    seed = values.get("seed", (config.get("simulation", {}) or {}).get("seed"))
    return RunSummary(label=label, path=path, protocol=str(protocol), dose=dose, dose_unit=unit,
                      mg_mM=mg, seed=seed if isinstance(seed, int) else None, values=values)


def load_runs(dirs: Sequence[Path]) -> list[RunSummary]:
    """Every run under ``dirs``; within each DIR sorted by dose, Mg, seed, label."""
    runs: list[RunSummary] = []
    for d in dirs:
        block = [read_summary(label, path) for label, path in find_summaries([d])]
        block.sort(key=lambda r: (r.dose_unit, _sort_num(r.dose), _sort_num(r.mg_mM),
                                  r.seed if r.seed is not None else -1, r.label))
        known = {r.path.resolve() for r in runs}
        runs.extend(r for r in block if r.path.resolve() not in known)
    return runs


def _sort_num(x: float) -> float:
    return math.inf if math.isnan(x) else x


# --------------------------------------------------------------------------- table
def metric_columns(runs: Sequence[RunSummary]) -> list[str]:
    """Seizure metrics if any run is epileptiform, ``ltp_percent`` if any is LTP."""
    cols: list[str] = []
    if any(r.protocol != "ltp" for r in runs):
        cols += SEIZURE_METRICS
    if any(r.protocol == "ltp" for r in runs):
        cols += LTP_METRICS
    return cols


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
            applies = (m in LTP_METRICS) == (r.protocol == "ltp")
            row.append(_cell(r.get(m)) if applies else "-")
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:]))]).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# --------------------------------------------------------------------------- groups and figure
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
    groups: dict[tuple[str, float, float], list[float]] = {}
    counts: dict[tuple[str, float, float], int] = {}
    for r in runs:
        if (metric in LTP_METRICS) != (r.protocol == "ltp") or math.isnan(r.dose):
            continue
        key = (r.dose_unit, r.dose, r.mg_mM)
        value = r.get(metric)
        number = float(value) if isinstance(value, bool) else _number(value)
        groups.setdefault(key, [])
        counts[key] = counts.get(key, 0) + 1
        if math.isfinite(number):
            groups[key].append(number)
    return [DoseGroup(dose=k[1], dose_unit=k[0], mg_mM=k[2], values=np.asarray(v, dtype=float),
                      n_runs=counts[k])
            for k, v in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                 _sort_num(kv[0][2])))]


def _dose_axis(ax: Any, doses: np.ndarray, units: list[str]) -> None:
    """Symmetric-log dose axis (0 stays visible) when doses span a decade or more, ticks at the
    doses given (up to 8 of them), plain numbers."""
    unit = units[0] if len(units) == 1 else " or ".join(units)
    ax.set_xlabel(f"milacemide dose ({unit})")
    if doses.size == 0:
        return
    positive = doses[doses > 0]
    lo, hi = float(doses.min()), float(doses.max())
    if positive.size and positive.max() / positive.min() >= 10:
        linthresh = float(positive.min())
        ax.set_xscale("symlog", linthresh=linthresh, linscale=0.5)
        ax.set_xlim(lo - 0.4 * linthresh if lo <= 0 else lo / 1.5, hi * 1.5)
    else:
        pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1.0)
        ax.set_xlim(lo - pad, hi + pad)
    ticks = np.unique(doses)
    if ticks.size <= 8:
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()


def plot_compare(runs: Sequence[RunSummary], path: Path) -> Path:
    """Metric vs dose, one panel per metric; mean +- SD over runs of a (dose, Mg) group."""
    metrics = metric_columns(runs)
    mg_levels = sorted({r.mg_mM for r in runs if not math.isnan(r.mg_mM)})
    colour = {mg: HUES[i % len(HUES)] for i, mg in enumerate(mg_levels)}
    units = sorted({r.dose_unit for r in runs})
    doses = np.array([r.dose for r in runs if not math.isnan(r.dose)])
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    with matplotlib.rc_context(STYLE):
        fig = new_figure((4.8 * ncols + 1.5, 3.9 * nrows + 0.8))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        rng = np.random.default_rng(0)
        legend_drawn = False
        for ax, metric in zip(axes, metrics):
            plotted = False
            series: dict[tuple[str, float], list[DoseGroup]] = {}
            for g in dose_groups(runs, metric):
                series.setdefault((g.dose_unit, g.mg_mM), []).append(g)
            for (unit, mg), groups in series.items():
                c = colour.get(mg, OKABE_ITO["black"])
                marker = UNIT_MARKERS.get(unit, "o")
                label = f"Mg²⁺ {mg:g} mM" if len(mg_levels) > 1 else None
                if len(units) > 1:
                    label = f"{label + ', ' if label else ''}{unit}"
                with_values = [g for g in groups if g.values.size]
                if not with_values:
                    continue
                if metric != "runaway":  # single runs as dots, jittered a little in x
                    for g in with_values:
                        spread = 0.03 * (g.dose if g.dose > 0 else 1.0)
                        x = g.dose + rng.uniform(-spread, spread, g.values.size)
                        ax.plot(x, g.values, marker, color=c, alpha=0.35, ms=5, mew=0)
                x = np.array([g.dose for g in with_values])
                mean = np.array([g.mean for g in with_values])
                sd = np.array([g.sd for g in with_values])
                ax.errorbar(x, mean, yerr=None if metric == "runaway" else sd, color=c,
                            marker=marker, ms=7, capsize=4, lw=1.8, label=label)
                plotted = True
            ax.set_ylabel(METRIC_LABELS.get(metric, metric))
            if metric == "runaway":
                ax.set_ylim(-0.05, 1.05)
            if metric == "ltp_percent":
                ax.axhline(0, color=OKABE_ITO["black"], lw=0.8, ls=":")
            if not plotted:
                ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center",
                        va="center")
            _dose_axis(ax, doses, units)
            if plotted and not legend_drawn and ax.get_legend_handles_labels()[1]:
                ax.legend(frameon=False)
                legend_drawn = True
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
        n_groups = len({(r.dose_unit, r.dose, r.mg_mM) for r in runs})
        mg_note = f" · Mg²⁺ {mg_levels[0]:g} mM" if len(mg_levels) == 1 else ""
        note = "mean ± SD over the runs of a condition, dots = single runs"
        if any(r.get("runaway") is True for r in runs):
            note += "; runaway runs left out of burst metrics"
        fig.suptitle(f"{len(runs)} runs in {n_groups} conditions{mg_note}\n{note}")
        return save_figure(fig, path)


def _figure_path(dirs: Sequence[Path], out: Path | None) -> Path:
    if out is None:
        first = Path(dirs[0])
        base = first.parent if first.is_file() else first
        return base / "compare.png"
    out = Path(out)
    if out.suffix.lower() in {".png", ".pdf", ".svg"}:
        return out
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    return out / "compare.png"


def compare(dirs: Sequence[Path], out: Path | None = None) -> tuple[str, Path]:
    """The comparison table (text) and figure of every run under ``dirs``.

    ``out`` is the figure file (if it ends in .png/.pdf/.svg) or a folder for ``compare.png``;
    default ``<first DIR>/compare.png``. Missing folders or summaries are InputErrors naming them.
    """
    if not dirs:
        raise InputError("compare: give at least one run or sweep folder")
    runs = load_runs(dirs)
    table = format_table(runs)
    figure = plot_compare(runs, _figure_path(dirs, out))
    return table, figure
