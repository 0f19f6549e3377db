"""The ``milasim compare`` figure: metric vs dose, one panel per metric, mean +- SD over the runs
of a (dose, Mg) group (typically seeds), single runs as dots, one colour per Mg level."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.transforms import ScaledTranslation

from sim.compare import DoseGroup, RunSummary, dose_groups, metric_columns
from sim.figures.style import OKABE_ITO, STYLE, hue, new_figure, save_figure
from sim.metrics import get
from sim.metrics import label as metric_label

UNIT_MARKERS = {"mg/kg": "o", "mg": "s"}


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
    colour = {mg: hue(i) for i, mg in enumerate(mg_levels)}
    units = sorted({r.dose_unit for r in runs})
    doses = np.array([r.dose for r in runs if not math.isnan(r.dose)])
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    with matplotlib.rc_context(STYLE):
        fig = new_figure((4.8 * ncols + 1.5, 3.9 * nrows + 0.8))
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
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
                if metric != "runaway":  # single runs as dots, spread a few points apart in x
                    for g in with_values:  # (in display space: any dose axis, 0 included)
                        for k, value in enumerate(g.values):
                            shift = (k - (g.values.size - 1) / 2) * 4.0 / 72.0
                            where = ax.transData + ScaledTranslation(shift, 0, fig.dpi_scale_trans)
                            ax.plot([g.dose], [value], marker, color=c, alpha=0.6, ms=5,
                                    mec="white", mew=0.5, zorder=4, transform=where)
                x = np.array([g.dose for g in with_values])
                mean = np.array([g.mean for g in with_values])
                sd = np.array([g.sd for g in with_values])
                ax.errorbar(x, mean, yerr=None if metric == "runaway" else sd, color=c,
                            marker=marker, ms=7, capsize=4, lw=1.8, label=label)
                plotted = True
            ax.set_ylabel(metric_label(metric))
            if metric == "runaway":
                ax.set_ylim(-0.05, 1.05)
            elif plotted and get(metric) is not None and get(metric).non_negative:
                ax.set_ylim(bottom=0)  # a non-negative quantity: its axis starts at zero
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
