"""Dose-response figures of a sweep, drawn from its table (:mod:`sim.sweep.table`).

One figure per combination of the "other" swept keys, one panel per metric:

- x: the dose when it is swept (``drug.dose_mg_per_kg`` or ``drug.dose_mg``), else the first swept
  key that varies (seeds excepted);
- hue: a second varying swept key, ``bath.mg_mM`` or a ``mechanisms.*`` switch first;
- each point: the mean over the runs that share x and hue (the seeds), with its 95 % confidence
  interval (Student t: mean +- t(0.975, n-1) SD / sqrt(n)) as a band; single runs as faint dots.
  Runaway runs have no burst metrics (NaN), so they drop out of those means; the ``runaway``
  panel shows the fraction of runs that ran away instead.

Style as :mod:`sim.plots`: Okabe-Ito colours, talk-sized fonts, Agg canvas, no pyplot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

from sim.compare import METRIC_LABELS
from sim.plots import OKABE_ITO, STYLE, new_figure, save_figure
from sim.sweep.grid import DOSE_KEYS, SEED_KEY
from sim.sweep.table import SweepTable, number, numeric_metrics

#: Panels, in this order, when the runs have them.
PANELS = ("glycine_site_occupancy", "burst_rate_hz", "mean_burst_duration_s",
          "fraction_time_in_bursts", "rate_exc_hz", "rate_inh_hz", "runaway", "ltp_percent")
NON_NEGATIVE = frozenset({"glycine_site_occupancy", "glycine_uM", "burst_rate_hz",
                          "mean_burst_duration_s", "fraction_time_in_bursts", "rate_exc_hz",
                          "rate_inh_hz"})
LABELS = {
    **METRIC_LABELS,
    "glycine_site_occupancy": "NMDA glycine-site occupancy",
    "glycine_uM": "brain glycine (µM)",
    "rate_inh_hz": "inhibitory rate (Hz)",
}
KEY_LABELS = {
    "drug.dose_mg_per_kg": "milacemide dose (mg/kg)",
    "drug.dose_mg": "milacemide dose (mg)",
    "drug.time_after_dose_h": "time after dose (h)",
    "bath.mg_mM": "bath Mg²⁺ (mM)",
    "bath.glycine_uM": "bath glycine (µM)",
    "bath.bicuculline_uM": "bicuculline (µM)",
    "bath.apv_uM": "APV (µM)",
}
HUES = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "sky_blue", "purple",
                               "black", "yellow")]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


# --------------------------------------------------------------------------- statistics
def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the Student-t confidence interval of the mean; a single value has
    low = high = mean; no values -> NaNs."""
    from scipy import stats

    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size == 1:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


# --------------------------------------------------------------------------- choosing axes
def _distinct(table: SweepTable, key: str) -> list[Any]:
    seen: dict[Any, None] = {}
    for row in table.rows:
        seen.setdefault(_hashable(row.get(key)), None)
    return list(seen)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def choose_axes(table: SweepTable) -> tuple[str | None, str | None, list[str]]:
    """(x key, hue key, other keys) among the swept keys that vary in the table's rows."""
    varying = [k for k in table.swept if k != SEED_KEY and len(_distinct(table, k)) > 1]
    if not varying:
        return None, None, []
    x = next((k for k in DOSE_KEYS if k in varying), None)
    x = x or next((k for k in varying if _is_numeric(_distinct(table, k))), varying[0])
    others = [k for k in varying if k != x]
    hue = next((k for k in others if k == "bath.mg_mM"), None)
    hue = hue or next((k for k in others if k.startswith("mechanisms.")), None)
    hue = hue or (others[0] if others else None)
    return x, hue, [k for k in others if k != hue]


def _short(key: str) -> str:
    return key.split(".")[-1]


def _hue_label(key: str, value: Any) -> str:
    if key == "bath.mg_mM":
        return f"Mg²⁺ {value:g} mM" if isinstance(value, int | float) else f"Mg²⁺ {value}"
    if isinstance(value, bool):
        return f"{_short(key).replace('_', ' ')} {'on' if value else 'off'}"
    shown = f"{value:g}" if isinstance(value, float) else f"{value}"
    return f"{KEY_LABELS.get(key, _short(key))} = {shown}"


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


# --------------------------------------------------------------------------- drawing
def _x_axis(ax: Any, key: str, xs: list[Any], numeric: bool) -> None:
    ax.set_xlabel(KEY_LABELS.get(key, key))
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_xlim(-0.5, len(xs) - 0.5)
        return
    values = np.asarray(xs, dtype=float)
    positive = values[values > 0]
    lo, hi = float(values.min()), float(values.max())
    if positive.size >= 2 and positive.max() / positive.min() >= 10:
        thresh = float(positive.min())
        ax.set_xscale("symlog", linthresh=thresh, linscale=0.5)
        ax.set_xlim(lo - 0.4 * thresh if lo <= 0 else lo / 1.5, hi * 1.5)
    else:
        pad = 0.06 * (hi - lo) if hi > lo else 1.0
        ax.set_xlim(lo - pad, hi + pad)
    if values.size <= 8:
        ax.set_xticks(values, [f"{v:g}" for v in values])
        ax.minorticks_off()


def _panel(ax: Any, rows: list[dict[str, Any]], metric: str, x_key: str,
           xs: list[Any], numeric: bool, hue_key: str | None, hues: list[Any]) -> bool:
    plotted = False
    fraction = metric == "runaway"
    position = {x: (float(x) if numeric else float(i)) for i, x in enumerate(xs)}
    for h_index, hue in enumerate(hues):
        colour, marker = HUES[h_index % len(HUES)], MARKERS[h_index % len(MARKERS)]
        series = [r for r in rows if hue_key is None or _hashable(r.get(hue_key)) == hue]
        px, mean, low, high = [], [], [], []
        for x in xs:
            values = [number(r.get(metric)) for r in series if _hashable(r.get(x_key)) == x]
            values = [v for v in values if math.isfinite(v)]
            if not values:
                continue
            m, lo, hi = (float(np.mean(values)),) * 3 if fraction else t_interval(values)
            px.append(position[x])
            mean.append(m)
            low.append(lo)
            high.append(hi)
            if not fraction and len(values) > 1:
                ax.plot([position[x]] * len(values), values, marker, color=colour, alpha=0.3,
                        ms=5, mew=0, zorder=2)
        if not px:
            continue
        label = _hue_label(hue_key, hue) if hue_key is not None else None
        ax.plot(px, mean, marker=marker, color=colour, ms=7, lw=2, label=label, zorder=3)
        if not fraction and any(h > lo for lo, h in zip(low, high)):
            if len(px) > 1:
                ax.fill_between(px, low, high, color=colour, alpha=0.18, lw=0, zorder=1)
            else:
                ax.errorbar(px, mean, yerr=[[mean[0] - low[0]], [high[0] - mean[0]]],
                            color=colour, capsize=4, lw=1.5, zorder=3)
        plotted = True
    ax.set_ylabel(LABELS.get(metric, metric))
    if fraction:
        ax.set_ylim(-0.05, 1.05)
    elif metric in NON_NEGATIVE and plotted:
        top = ax.get_ylim()[1] if ax.get_ylim()[1] > 1e-9 else 1.0
        ax.set_ylim(-0.04 * top, top)  # zero in view, markers at zero not cut in half
    if metric == "ltp_percent":
        ax.axhline(0, color=OKABE_ITO["black"], lw=0.8, ls=":")
    if not plotted:
        ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", va="center")
    return plotted


def _file_name(x_key: str, fixed: dict[str, Any]) -> str:
    base = "dose_response" if x_key in DOSE_KEYS else f"{_short(x_key)}_response"
    for key, value in fixed.items():
        base += f"__{_short(key)}={value}"
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", base) + ".png"


def plot_sweep(table: SweepTable, folder: Path, title: str = "") -> list[Path]:
    """The dose-response figures of ``table`` into ``folder``; [] when nothing varies but seeds."""
    x_key, hue_key, rest = choose_axes(table)
    if x_key is None or not table.rows:
        return []
    metrics = numeric_metrics(table, [m for m in PANELS if m in table.metrics])
    if not metrics:
        metrics = numeric_metrics(table, [m for m in table.metrics
                                          if m not in ("wall_time_s", "seed")])[:6]
    if not metrics:
        return []
    xs = sorted(_distinct(table, x_key), key=_sort_key)
    numeric = _is_numeric(xs)
    hues = sorted(_distinct(table, hue_key), key=_sort_key) if hue_key else [None]
    combos = sorted({tuple(_hashable(r.get(k)) for k in rest) for r in table.rows},
                    key=lambda c: [_sort_key(v) for v in c]) if rest else [()]
    paths = []
    for combo in combos:
        fixed = dict(zip(rest, combo))
        rows = [r for r in table.rows if all(_hashable(r.get(k)) == v for k, v in fixed.items())]
        paths.append(_figure(table, rows, metrics, x_key, xs, numeric, hue_key, hues, fixed,
                             folder / _file_name(x_key, fixed), title))
    return paths


def _figure(table: SweepTable, rows: list[dict[str, Any]], metrics: list[str], x_key: str,
            xs: list[Any], numeric: bool, hue_key: str | None, hues: list[Any],
            fixed: dict[str, Any], path: Path, title: str) -> Path:
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    with matplotlib.rc_context(STYLE):
        fig = new_figure((4.9 * ncols + 0.6, 3.9 * nrows + 1.0))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        legend_done = False
        for ax, metric in zip(axes, metrics):
            _x_axis(ax, x_key, xs, numeric)
            plotted = _panel(ax, rows, metric, x_key, xs, numeric, hue_key, hues)
            if plotted and not legend_done and hue_key is not None:
                ax.legend(frameon=False)
                legend_done = True
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
        seeds = {r.get(SEED_KEY, r.get("seed")) for r in rows}
        heading = title or "sweep"
        if fixed:
            heading += " · " + ", ".join(f"{_short(k)} = {v}" for k, v in fixed.items())
        runaway = sum(1 for r in rows if r.get("runaway") is True)
        note = (f"{len(rows)} runs, {len(seeds)} seed(s) per point: mean and 95 % CI (t) over "
                "seeds, dots = single runs")
        if runaway:
            note += f"; {runaway} runaway run(s) left out of the burst metrics"
        fig.suptitle(f"{heading}\n{note}")
        return save_figure(fig, path)
