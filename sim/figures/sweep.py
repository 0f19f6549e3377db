"""Figures (and their tables) of a sweep, drawn from its table (:mod:`sim.sweeps.table`).

A *factor* is one axis of the grid: a swept key, or a zip group whose keys step together (one
curve or one category, not one per key). One figure per combination of the "other" factors, one
panel per metric:

- x: the dose factor when it takes 3 or more values; otherwise the numeric factor with the most
  values (the dose wins ties), so that a 0-vs-effective-dose pair becomes the hue of, say, a
  Mg2+ curve; a factor without numeric values (inhibitors, labelled cases) is categorical, in grid
  order;
- hue: another varying factor, one holding ``bath.mg_mM`` or a ``mechanisms.*`` switch first,
  then the dose;
- a zip group that sets ``experiment.description`` is labelled by it: its steps are named cases
  (categorical x or hue), e.g. ``"rat 100 mg/kg i.p."`` zipped with species, dose and route;
- a factor holding ``experiment.protocol`` is *pooled*: its runs are drawn together, each metric
  from the runs that report it (burst metrics from epileptiform runs, ``ltp_percent`` from LTP
  runs), so one figure shows both protocols per case;
- each point: the mean over the runs that share x and hue (the seeds), with its 95 % confidence
  interval (Student t: mean +- t(0.975, n-1) SD / sqrt(n)), as a band on a numeric x and as error
  bars on a categorical x; single runs as faint dots. Runaway runs have no burst metrics (NaN), so
  they drop out of those means; a ``runaway`` panel (fraction of runs) appears when any ran away.

Beside each ``NAME.png`` a ``NAME.md`` holds the same means and intervals as a Markdown table.
Runs with a frequency series (``ltp_percent_by_frequency.*`` columns) also get
``frequency_response[...].png`` (+ ``.md`` with the LTD/LTP crossover): efficacy change against
stimulation rate, one curve per x/hue combination.

Style: :mod:`sim.figures.style`.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from sim import metrics as catalogue
from sim.figures.landmarks import (
    DUDEK_BEAR_1HZ_LABEL,
    DUDEK_BEAR_1HZ_PERCENT,
    DUDEK_BEAR_CROSSOVER_HZ,
    DUDEK_BEAR_CROSSOVER_LABEL,
)
from sim.figures.style import GREY, HUES, MARKERS, STYLE, new_figure, save_figure
from sim.metrics import number
from sim.sweeps.grid import DOSE_KEYS, SEED_KEY
from sim.sweeps.table import SweepTable, numeric_metrics

KEY_LABELS = {
    "drug.dose_mg_per_kg": "milacemide dose (mg/kg)",
    "drug.dose_mg": "milacemide dose (mg)",
    "drug.time_after_dose_h": "time after dose (h)",
    "bath.mg_mM": "bath Mg²⁺ (mM)",
    "bath.glycine_uM": "bath glycine (µM)",
    "bath.bicuculline_uM": "bicuculline (µM)",
    "bath.apv_uM": "APV (µM)",
    "protocol.induction": "induction",
    "mechanisms.nmda_coagonism": "NMDA co-agonism",
    "mechanisms.tonic_glyr": "tonic GlyR",
    "mechanisms.nmda_on_interneurons": "NMDA on interneurons",
}
#: Short units for values shown in legends and category names.
VALUE_UNITS = {"drug.dose_mg_per_kg": "mg/kg", "drug.dose_mg": "mg",
               "drug.time_after_dose_h": "h after dose", "bath.mg_mM": "mM Mg²⁺"}
#: Names of categorical values in legends and category names.
VALUE_NAMES = {"protocol.induction": {"tbs": "TBS", "hfs": "HFS", "lfs": "LFS",
                                      "pairing": "pairing",
                                      "frequency_series": "frequency series"}}
#: Keys whose numeric axis stays linear whatever the range of their values.
LINEAR_KEYS = frozenset({"drug.time_after_dose_h", "bath.mg_mM"})
#: A zip group that sets this key is named by it (its steps are labelled cases).
LABEL_KEY = "experiment.description"
#: A factor holding one of these keys is pooled rather than drawn (it decides which metrics a run
#: has, not their values).
POOLED_KEYS = frozenset({"experiment.protocol"})
FREQUENCY_PREFIX = "ltp_percent_by_frequency."
#: Later series are drawn thinner, smaller and dashed, so identical series stay visible.
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]


def _non_negative(metric: str) -> bool:
    m = catalogue.get(metric)
    return m is not None and m.non_negative


# --------------------------------------------------------------------------- statistics
def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the Student-t confidence interval of the mean; a single value has
    low = high = mean; no values -> NaNs."""
    from scipy import stats

    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size == 1 or np.ptp(x) <= 1e-12 * max(1.0, abs(mean)):  # equal up to rounding
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def crossover_hz(frequency_hz: Sequence[float], percent: Sequence[float]) -> float:
    """The first rate where the change goes from <= 0 to > 0, interpolated linearly in
    log(frequency); NaN when the curve does not cross (or a value is missing)."""
    f = np.asarray(frequency_hz, dtype=float)
    y = np.asarray(percent, dtype=float)
    order = np.argsort(f)
    f, y = f[order], y[order]
    for i in range(len(f) - 1):
        if not (math.isfinite(y[i]) and math.isfinite(y[i + 1])):
            continue
        if y[i] <= 0 < y[i + 1]:
            lf = np.log(f[i]) + (np.log(f[i + 1]) - np.log(f[i])) * (-y[i]) / (y[i + 1] - y[i])
            return float(np.exp(lf))
    return math.nan


# --------------------------------------------------------------------------- factors
def _hashable(value: Any) -> Any:
    if isinstance(value, dict):  # a swept table (e.g. a protocol's [protocol] per case)
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return tuple(value) if isinstance(value, list) else value


def _is_numeric(values: Sequence[Any]) -> bool:
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                for v in values)


def _short(key: str) -> str:
    return key.split(".")[-1]


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


def value_text(key: str, value: Any) -> str:
    """One swept value as a legend entry or category name: ``100 mg/kg``, ``tonic GlyR off``."""
    if value is None:
        return f"{KEY_LABELS.get(key, _short(key))} default"
    if isinstance(value, bool):
        return f"{KEY_LABELS.get(key, _short(key).replace('_', ' '))} {'on' if value else 'off'}"
    shown = f"{value:g}" if isinstance(value, int | float) else f"{value}"
    if key in VALUE_UNITS:
        return f"{shown} {VALUE_UNITS[key]}"
    if key == LABEL_KEY:
        return shown
    if value in VALUE_NAMES.get(key, {}):
        return VALUE_NAMES[key][value]
    return f"{KEY_LABELS.get(key, _short(key))} = {shown}"


@dataclass(frozen=True)
class Factor:
    """One axis of the grid as the figures see it: its keys and the rows' values of them."""

    keys: tuple[str, ...]

    @property
    def key(self) -> str:
        """The key that names the factor: the label, else a dose key, else the first key."""
        if LABEL_KEY in self.keys:
            return LABEL_KEY
        return next((k for k in DOSE_KEYS if k in self.keys), self.keys[0])

    @property
    def pooled(self) -> bool:
        return any(k in POOLED_KEYS for k in self.keys)

    def value(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(_hashable(row.get(k)) for k in self.keys)

    def shown(self, value: tuple[Any, ...]) -> Any:
        return value[self.keys.index(self.key)]

    def text(self, value: tuple[Any, ...]) -> str:
        if LABEL_KEY in self.keys or len(self.keys) == 1:
            return value_text(self.key, self.shown(value))
        return ", ".join(value_text(k, v) for k, v in zip(self.keys, value))

    def axis_label(self) -> str:
        if self.key == LABEL_KEY:
            return ""
        if len(self.keys) > 1 and self.key not in DOSE_KEYS:
            return " / ".join(KEY_LABELS.get(k, k) for k in self.keys)
        return KEY_LABELS.get(self.key, self.key)


def _levels(table: SweepTable, factor: Factor, rows: list[dict[str, Any]] | None = None
            ) -> list[tuple[Any, ...]]:
    """The distinct values of ``factor`` in ``rows`` (default all), in order of appearance."""
    seen: dict[tuple[Any, ...], None] = {}
    for row in table.rows if rows is None else rows:
        seen.setdefault(factor.value(row), None)
    return list(seen)


def _numeric(table: SweepTable, factor: Factor) -> bool:
    """Drawn on a numeric axis: an unlabelled factor whose named key has distinct numbers."""
    if factor.key == LABEL_KEY:
        return False
    shown = [factor.shown(v) for v in _levels(table, factor)]
    return _is_numeric(shown) and len(set(shown)) == len(shown)


def _ordered(table: SweepTable, factor: Factor) -> list[tuple[Any, ...]]:
    levels = _levels(table, factor)
    if _numeric(table, factor) or all(isinstance(factor.shown(v), bool) for v in levels):
        return sorted(levels, key=lambda v: _sort_key(factor.shown(v)))
    return levels  # categories in grid order


def choose_factors(table: SweepTable) -> tuple[Factor | None, Factor | None, list[Factor],
                                               list[Factor]]:
    """(x, hue, others, pooled) among the factors that vary in the table's rows."""
    factors = [Factor(tuple(keys)) for keys in table.factors if tuple(keys) != (SEED_KEY,)]
    varying = [f for f in factors if len(_levels(table, f)) > 1]
    pooled = [f for f in varying if f.pooled]
    drawn = [f for f in varying if not f.pooled]
    if not drawn:
        return None, None, [], pooled
    dose = next((f for f in drawn if f.key in DOSE_KEYS and _numeric(table, f)), None)
    numeric = [f for f in drawn if _numeric(table, f)]
    if dose is not None and len(_levels(table, dose)) >= 3:
        x = dose
    elif numeric:  # most values first; on a tie the dose, then file order
        x = max(numeric, key=lambda f: (len(_levels(table, f)), f is dose))
    else:
        x = drawn[0]
    rest = [f for f in drawn if f is not x]
    hue = (next((f for f in rest if "bath.mg_mM" in f.keys), None)
           or next((f for f in rest if any(k.startswith("mechanisms.") for k in f.keys)), None)
           or (dose if dose in rest else None)
           or (rest[0] if rest else None))
    return x, hue, [f for f in rest if f is not hue], pooled


def choose_axes(table: SweepTable) -> tuple[str | None, str | None, list[str]]:
    """(x key, hue key, other keys): :func:`choose_factors` by the keys that name the factors."""
    x, hue, others, _ = choose_factors(table)
    return (x.key if x else None, hue.key if hue else None, [f.key for f in others])


# --------------------------------------------------------------------------- drawing
def _x_axis(ax: Any, factor: Factor, levels: list[tuple[Any, ...]], numeric: bool) -> None:
    ax.set_xlabel(factor.axis_label())
    if not numeric:
        names = [factor.text(v) for v in levels]
        long = max(len(n) for n in names) > 12
        ax.set_xticks(range(len(levels)), names, rotation=30 if long else 0,
                      ha="right" if long else "center")
        ax.set_xlim(-0.5, len(levels) - 0.5)
        return
    values = np.asarray([factor.shown(v) for v in levels], dtype=float)
    positive = values[values > 0]
    lo, hi = float(values.min()), float(values.max())
    linear = not (factor.key not in LINEAR_KEYS and positive.size >= 2
                  and positive.max() / positive.min() >= 10)
    if not linear:
        thresh = float(positive.min())
        ax.set_xscale("symlog", linthresh=thresh, linscale=0.5)
        ax.set_xlim(lo - 0.4 * thresh if lo <= 0 else lo / 1.5, hi * 1.5)
    else:
        pad = 0.06 * (hi - lo) if hi > lo else 1.0
        ax.set_xlim(lo - pad, hi + pad)
    if values.size <= 8:
        ax.set_xticks(values, tick_labels(values) if linear else [f"{v:g}" for v in values])
        ax.minorticks_off()


def tick_labels(values: Sequence[float], min_gap: float = 0.06) -> list[str]:
    """Labels for ticks at ``values`` on a linear axis; a tick closer than ``min_gap`` of the
    range to the last labelled one keeps its mark but loses its label (0, 0.1, 0.25: "0", "",
    "0.25")."""
    ordered = sorted(values)
    span = (ordered[-1] - ordered[0]) or 1.0
    shown: dict[float, str] = {}
    last = None
    for v in ordered:
        if last is None or (v - last) / span >= min_gap:
            shown[v] = f"{v:g}"
            last = v
        else:
            shown[v] = ""
    return [shown[v] for v in values]


def _cell(rows: list[dict[str, Any]], metric: str) -> list[float]:
    return [v for v in (number(r.get(metric)) for r in rows) if math.isfinite(v)]


def _summary(values: list[float], fraction: bool) -> tuple[float, float, float]:
    return (float(np.mean(values)),) * 3 if fraction else t_interval(values)


#: How far beyond the drawn values a panel's y axis may reach to show a 95 % interval, as a fraction
#: of the values' scale (their range or their largest magnitude, whichever is larger). With 2 seeds
#: a t interval is +-12.7 SD/sqrt(2): one seed that bursts and one that does not would otherwise
#: squash every other point into the bottom of the panel.
INTERVAL_HEADROOM = 0.6


def _clip_intervals(ax: Any, extent: list[float]) -> None:
    """Keep the y axis near the data; say so in the panel when an interval runs off it."""
    low, high = min(extent), max(extent)
    pad = INTERVAL_HEADROOM * (max(high - low, abs(high), abs(low)) or 1.0)
    y0, y1 = ax.get_ylim()
    clipped = (max(y0, low - pad), min(y1, high + pad))
    if clipped != (y0, y1):
        ax.set_ylim(*clipped)
        ax.text(0.99, 0.98, "interval cut at the axis", transform=ax.transAxes, ha="right",
                va="top", fontsize=8, color="#555555")


def _panel(ax: Any, rows: list[dict[str, Any]], metric: str, x: Factor,
           xs: list[tuple[Any, ...]], numeric: bool, hue: Factor | None,
           hues: list[Any]) -> bool:
    plotted = False
    fraction = metric == "runaway"
    if numeric:
        position = {v: float(x.shown(v)) for v in xs}
    else:  # categories: hues side by side around each category
        position = {v: float(i) for i, v in enumerate(xs)}
    width = 0.6 / max(1, len(hues)) if not numeric else 0.0
    extent: list[float] = []  # every mean and single run drawn: what the y range must show
    for h_index, h in enumerate(hues):
        colour, marker = HUES[h_index % len(HUES)], MARKERS[h_index % len(MARKERS)]
        size, width_line = max(4.0, 9.0 - 1.5 * h_index), max(1.0, 2.8 - 0.5 * h_index)
        series = [r for r in rows if hue is None or hue.value(r) == h]
        dodge = (h_index - (len(hues) - 1) / 2) * width
        px, mean, low, high = [], [], [], []
        for v in xs:
            values = _cell([r for r in series if x.value(r) == v], metric)
            if not values:
                continue
            m, lo, hi = _summary(values, fraction)
            extent += [m, *values]
            px.append(position[v] + dodge)
            mean.append(m)
            low.append(lo)
            high.append(hi)
            if not fraction:  # every run as a dot, above the mean marker, spread a little in x
                jitter = np.linspace(-0.3, 0.3, len(values)) * width if len(values) > 1 else [0.0]
                ax.plot(np.add(position[v] + dodge, jitter), values, marker, color=colour,
                        alpha=0.55, ms=4, mec="white", mew=0.5, zorder=4)
        if not px:
            continue
        label = hue.text(h) if hue is not None else None
        ax.plot(px, mean, marker=marker, color=colour, ms=size, lw=width_line if numeric else 0,
                ls=LINESTYLES[h_index % len(LINESTYLES)], label=label, zorder=3)
        spread = any(hi > lo for lo, hi in zip(low, high))
        if not fraction and spread:
            if numeric and len(px) > 1:
                ax.fill_between(px, low, high, color=colour, alpha=0.18, lw=0, zorder=1)
            else:
                ax.errorbar(px, mean, yerr=[np.subtract(mean, low), np.subtract(high, mean)],
                            fmt="none", ecolor=colour, capsize=4, lw=1.5, zorder=3)
        plotted = True
    ax.set_ylabel(catalogue.label(metric))
    if plotted and not fraction:
        _clip_intervals(ax, extent)
    if fraction:
        ax.set_ylim(-0.05, 1.05)
    elif _non_negative(metric) and plotted:
        top = ax.get_ylim()[1] if ax.get_ylim()[1] > 1e-9 else 1.0
        ax.set_ylim(-0.04 * top, top)  # zero in view, markers at zero not cut in half
    if metric == "ltp_percent":
        ax.axhline(0, color="k", lw=0.8, ls=":")
    if not plotted:
        ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", va="center")
    return plotted


def _file_name(stem: str, fixed: dict[Factor, tuple[Any, ...]], suffix: str = ".png") -> str:
    base = stem
    for factor, value in fixed.items():
        base += f"__{_short(factor.key)}={factor.shown(value)}"
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", base) + suffix


def _stem(x: Factor) -> str:
    if x.key in DOSE_KEYS:
        return "dose_response"
    if x.key == LABEL_KEY:
        return "conditions"
    return f"{_short(x.key)}_response"


def _metrics(table: SweepTable, chosen: Sequence[str] | None = None) -> list[str]:
    if chosen:  # an experiment's [figures] metrics, in its order: only those
        return numeric_metrics(table, [m for m in chosen if m in table.metrics])
    wanted = [m.name for m in catalogue.catalogue().values() if m.panel and m.name in table.metrics]
    if "runaway" in wanted and not any(r.get("runaway") is True for r in table.rows):
        wanted.remove("runaway")
    metrics = numeric_metrics(table, wanted)
    if not metrics:
        metrics = numeric_metrics(table, [m for m in table.metrics
                                          if m not in ("wall_time_s", "seed")
                                          and not m.startswith(FREQUENCY_PREFIX)])[:6]
    return metrics


def plot_sweep(table: SweepTable, folder: Path, title: str = "",
               metrics: Sequence[str] | None = None) -> list[Path]:
    """The sweep's figures into ``folder`` (each with a ``.md`` table beside it); [] when nothing
    varies but seeds. ``metrics``: the panels (an experiment's ``[figures] metrics``); default
    the catalogue's panel metrics that the runs report."""
    x, hue, rest, pooled = choose_factors(table)
    if x is None or not table.rows:
        return []
    metrics = _metrics(table, metrics)
    frequencies = _frequency_columns(table)
    if not metrics and not frequencies:
        return []
    xs = _ordered(table, x)
    numeric = _numeric(table, x)
    hues = _ordered(table, hue) if hue else [None]
    combos = (sorted({tuple(f.value(r) for f in rest) for r in table.rows},
                     key=lambda c: [_sort_key(f.shown(v)) for f, v in zip(rest, c)])
              if rest else [()])
    paths = []
    for combo in combos:
        fixed = dict(zip(rest, combo))
        rows = [r for r in table.rows if all(f.value(r) == v for f, v in fixed.items())]
        heading = title or "sweep"
        if fixed:
            heading += " · " + ", ".join(f.text(v) for f, v in fixed.items())
        if metrics:
            path = folder / _file_name(_stem(x), fixed)
            paths.append(_figure(rows, metrics, x, xs, numeric, hue, hues, pooled, path,
                                 heading))
            write_markdown(rows, metrics, x, xs, numeric, hue, hues, path.with_suffix(".md"),
                           heading)
        if frequencies:
            path = folder / _file_name("frequency_response", fixed)
            paths.append(_frequency_figure(rows, frequencies, x, xs, hue, hues, path, heading))
    return paths


def _note(rows: list[dict[str, Any]], pooled: list[Factor]) -> str:
    seeds = {r.get(SEED_KEY, r.get("seed")) for r in rows}
    note = (f"{len(rows)} runs · mean and 95 % CI (t) over {len(seeds)} seed(s) per point · "
            "dots: single runs")
    runaway = sum(1 for r in rows if r.get("runaway") is True)
    if runaway:
        note += f"; {runaway} runaway run(s) left out of the burst metrics"
    for factor in pooled:
        kinds = sorted({str(factor.shown(factor.value(r))) for r in rows})
        note += f"\n{' and '.join(kinds)} runs pooled: each metric from the runs that report it"
    return note


def _figure(rows: list[dict[str, Any]], metrics: list[str], x: Factor,
            xs: list[tuple[Any, ...]], numeric: bool, hue: Factor | None, hues: list[Any],
            pooled: list[Factor], path: Path, heading: str) -> Path:
    ncols = min(4 if len(metrics) in (4, 7, 8) else 3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    # room under each row of panels for slanted category names
    tall = 1.0 if not numeric and max(len(x.text(v)) for v in xs) > 12 else 0.0
    with matplotlib.rc_context(STYLE):
        fig = new_figure((4.6 * ncols + 0.6, (3.7 + tall) * nrows + 1.2))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        for ax, metric in zip(axes, metrics):
            _x_axis(ax, x, xs, numeric)
            _panel(ax, rows, metric, x, xs, numeric, hue, hues)
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
        if hue is not None:  # one legend for the figure, under the panels
            handles, labels = [], []
            for ax in axes[:len(metrics)]:
                for handle, label in zip(*ax.get_legend_handles_labels()):
                    if label not in labels:
                        handles.append(handle)
                        labels.append(label)
            if handles:
                fig.legend(handles, labels, loc="outside lower center", frameon=False,
                           ncol=min(len(labels), 4))
        fig.suptitle(_wrap(f"{heading}\n{_note(rows, pooled)}", fig))
        return save_figure(fig, path)


def _wrap(text: str, fig: Any) -> str:
    """``text`` with each line wrapped to the figure's width (~8 characters per inch at the
    title's font size), so a long title is not cut at the edges."""
    width = max(40, int(fig.get_figwidth() * 8.5))
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


# --------------------------------------------------------------------------- tables
def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell_text(values: list[float], fraction: bool) -> str:
    if not values:
        return "–"
    mean, low, high = _summary(values, fraction)
    if high > low:
        return f"{_fmt(mean)} ± {_fmt((high - low) / 2)}"
    return _fmt(mean)


def write_markdown(rows: list[dict[str, Any]], metrics: list[str], x: Factor,
                   xs: list[tuple[Any, ...]], numeric: bool, hue: Factor | None, hues: list[Any],
                   path: Path, heading: str) -> Path:
    """The figure's points as a Markdown table: mean ± 95 % CI half-width (t) over the seeds.
    A numeric x is given as a bare number (its unit is in the column header)."""
    head = [x.axis_label() or "condition"] + ([hue.axis_label() or "condition"] if hue else [])
    head += ["seeds"] + [catalogue.label(m) for m in metrics]
    lines = [f"<!-- {heading}: mean ± 95 % CI half-width (t) over the seeds of each row -->",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for v in xs:
        for h in hues:
            cell_rows = [r for r in rows if x.value(r) == v and (hue is None or hue.value(r) == h)]
            if not cell_rows:
                continue
            seeds = {r.get(SEED_KEY, r.get("seed")) for r in cell_rows}
            name = f"{x.shown(v):g}" if numeric else x.text(v)
            cells = [name] + ([hue.text(h)] if hue else []) + [str(len(seeds))]
            cells += [_cell_text(_cell(cell_rows, m), m == "runaway") for m in metrics]
            lines.append("| " + " | ".join(cells) + " |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- frequency series
def _frequency_columns(table: SweepTable) -> list[tuple[float, str]]:
    out = []
    for metric in numeric_metrics(table, [m for m in table.metrics
                                          if m.startswith(FREQUENCY_PREFIX)]):
        try:
            out.append((float(metric[len(FREQUENCY_PREFIX):]), metric))
        except ValueError:
            continue
    return sorted(out)


def _frequency_figure(rows: list[dict[str, Any]], columns: list[tuple[float, str]], x: Factor,
                      xs: list[tuple[Any, ...]], hue: Factor | None, hues: list[Any],
                      path: Path, heading: str) -> Path:
    """Efficacy change vs stimulation rate, one curve per (x, hue) level with a series."""
    curves = []
    for v in xs:
        for h in hues:
            sel = [r for r in rows if x.value(r) == v and (hue is None or hue.value(r) == h)]
            if any(_cell(sel, m) for _, m in columns):
                name = x.text(v) + (f", {hue.text(h)}" if hue is not None else "")
                curves.append((name, sel))
    freqs = np.asarray([f for f, _ in columns])
    table_lines = [f"<!-- {heading}: efficacy change (% of baseline), mean ± 95 % CI "
                   "half-width (t) over the seeds of each row -->",
                   "| curve | seeds | " + " | ".join(f"{f:g} Hz" for f in freqs)
                   + " | crossover (Hz) |",
                   "|" + "---|" * (len(freqs) + 3)]
    with matplotlib.rc_context(STYLE):
        fig = new_figure((9.5, 5.6 + 0.3 * len(curves)))
        ax = fig.add_subplot()
        ax.axhline(0.0, color=GREY, lw=1.0, ls=":")
        # the published landmarks of the 900-pulse protocol (sim.figures.landmarks)
        ax.axvline(DUDEK_BEAR_CROSSOVER_HZ, color=GREY, lw=1.2, ls="--",
                   label=DUDEK_BEAR_CROSSOVER_LABEL)
        lo, hi = DUDEK_BEAR_1HZ_PERCENT
        ax.fill_between([0.85, 1.18], [lo, lo], [hi, hi], color=GREY, alpha=0.25, lw=0,
                        label=DUDEK_BEAR_1HZ_LABEL)
        for k, (name, sel) in enumerate(curves):
            colour, marker = HUES[k % len(HUES)], MARKERS[k % len(MARKERS)]
            stats = [t_interval(_cell(sel, m)) for _, m in columns]
            mean = np.asarray([s[0] for s in stats])
            ok = np.isfinite(mean)
            ax.plot(freqs[ok], mean[ok], marker=marker, color=colour, ms=7, lw=2, label=name)
            low = np.asarray([s[1] for s in stats])[ok]
            high = np.asarray([s[2] for s in stats])[ok]
            if np.any(high > low):
                ax.fill_between(freqs[ok], low, high, color=colour, alpha=0.18, lw=0)
            for f, (_, m) in zip(freqs, columns):
                values = _cell(sel, m)
                if len(values) > 1:
                    ax.plot([f] * len(values), values, marker, color=colour, alpha=0.3, ms=5,
                            mew=0)
            seeds = {r.get(SEED_KEY, r.get("seed")) for r in sel}
            cross = crossover_hz(freqs, mean)
            table_lines.append(f"| {name} | {len(seeds)} | "
                               + " | ".join(_cell_text(_cell(sel, m), False) for _, m in columns)
                               + f" | {_fmt(cross)} |")
        ax.set_xscale("log")
        ax.set_xticks(freqs, [f"{f:g}" for f in freqs])
        ax.minorticks_off()
        ax.set_xlabel("stimulation rate (Hz)")
        ax.set_ylabel("efficacy change (% of baseline)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, ncol=2)
        fig.suptitle(_wrap(f"{heading}\n{_note([r for _, sel in curves for r in sel], [])}", fig))
        save_figure(fig, path)
    path.with_suffix(".md").write_text("\n".join(table_lines) + "\n", encoding="utf-8")
    return path
