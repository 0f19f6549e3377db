"""Figures of one run, drawn from what the store gives (:class:`sim.store.RunData`).

Matplotlib's object API with the Agg canvas (no pyplot state, no GUI), talk-sized fonts and the
Okabe-Ito colour-blind-safe palette. Burst detection is re-run from the stored spikes with the
``[analysis]`` table of the run's own config, so a figure always shows what the metrics counted.

- :func:`plot_run`: raster (<= 500 neurons, exc and inh coloured) over population rates, bursts
  shaded, conditions in the title (:func:`run_title`).
- :func:`plot_burst_metrics`: durations, onset-to-onset intervals and peak rates of the bursts.
- :func:`plot_run_figures`: both, into a folder (what ``milasim run`` / ``milasim plot`` write).
"""

from __future__ import annotations

import errno
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pydantic import ValidationError

from sim.analysis.bursts import (
    analysed_window,
    Bursts,
    network_bursts,
    population_rate,
    select_populations,
    smooth_rate,
)
from sim.config import AnalysisConfig
from sim.errors import InputError, RunError

#: errno values of a full or failing disk: a failed figure write is then exit 1, not bad input
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
POP_COLORS = {"exc": OKABE_ITO["blue"], "inh": OKABE_ITO["vermillion"]}
POP_LABELS = {"exc": "excitatory", "inh": "inhibitory"}
BURST_COLOR = "#BBBBBB"
RUNAWAY_COLOR = OKABE_ITO["purple"]

#: Fonts and lines readable on a projected slide.
STYLE = {
    "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "xtick.labelsize": 12,
    "ytick.labelsize": 12, "legend.fontsize": 11, "axes.spines.top": False,
    "axes.spines.right": False, "lines.linewidth": 1.6, "savefig.dpi": 150,
}

MAX_RASTER_NEURONS = 500
MAX_RASTER_SPIKES = 300_000  # fewer neurons are shown when the subsample would draw more dots


# --------------------------------------------------------------------------- helpers
def _float(value: Any) -> float | None:
    try:
        return float(np.asarray(value).item())
    except (TypeError, ValueError):
        return None


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def run_title(run: Any) -> str:
    """The conditions of a run in one line, from ``run.conditions`` (keys it lacks are left out),
    prefixed with ``RUNAWAY`` when ``run.analysis["runaway"]`` is true."""
    c = run.conditions
    parts = []
    glycine = _float(c.get("glycine_uM"))
    if glycine is not None:
        parts.append(f"glycine {_fmt(glycine)} µM")
    occupancy = _float(c.get("glycine_site_occupancy"))
    if occupancy is not None:
        parts.append(f"glycine-site occupancy {occupancy:.2f}")
    mg = _float(c.get("mg_mM"))
    if mg is not None:
        parts.append(f"Mg²⁺ {_fmt(mg)} mM")
    dose_kg, dose_mg = _float(c.get("dose_mg_per_kg")), _float(c.get("dose_mg"))
    if dose_kg is not None:
        parts.append(f"milacemide {_fmt(dose_kg)} mg/kg")
    elif dose_mg is not None:
        parts.append(f"milacemide {_fmt(dose_mg)} mg")
    title = " · ".join(parts) if parts else "milasim run"
    if bool(run.analysis.get("runaway", False)):
        title = f"RUNAWAY — {title}"
    return title


def analysis_of(run: Any) -> AnalysisConfig:
    """The ``[analysis]`` table of the run's config (defaults if it cannot be read)."""
    try:
        table = tomllib.loads(run.config_toml).get("analysis", {})
        return AnalysisConfig.model_validate(table)
    except (tomllib.TOMLDecodeError, ValidationError, AttributeError) as exc:
        warnings.warn(f"run config's [analysis] unreadable ({exc}); using defaults", stacklevel=2)
        return AnalysisConfig()


def run_duration_s(run: Any) -> float:
    """The observed time: ``run.duration_s``, else the stored rate length, else the last spike."""
    if run.duration_s and run.duration_s > 0:
        return float(run.duration_s)
    lengths = [len(r) * run.rate_dt_s for r in run.rates.values() if run.rate_dt_s > 0]
    last = [float(np.max(t)) for t, _ in run.spikes.values() if len(t)]
    return max(lengths + last + [1e-3])


def run_bursts(run: Any) -> Bursts | None:
    """Burst detection on the run's pooled exc + inh spikes, with its own analysis config."""
    pops = select_populations(run.spikes) if run.spikes else []
    if not pops or sum(int(run.n_nodes.get(p, 0)) for p in pops) <= 0:
        return None
    analysis = analysis_of(run)
    t_start, t_stop = analysed_window(analysis, run_duration_s(run))
    return network_bursts(run.spikes, run.n_nodes, t_stop, analysis, populations=pops,
                          t_start_s=t_start)


def raster_subsample(
    n_nodes: Mapping[str, int], populations: Sequence[str], max_neurons: int = MAX_RASTER_NEURONS,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Sorted node ids to draw per population: all if they fit in ``max_neurons``, else a random
    subsample in proportion to the population sizes (at least one per non-empty population)."""
    sizes = {p: int(n_nodes[p]) for p in populations}
    total = sum(sizes.values())
    rng = np.random.default_rng(seed)
    out = {}
    for pop, size in sizes.items():
        if total <= max_neurons:
            k = size
        else:
            k = min(size, max(1, int(np.floor(max_neurons * size / total))))
        out[pop] = np.arange(size) if k == size else np.sort(rng.choice(size, k, replace=False))
    return out


def new_figure(figsize: tuple[float, float], **kwargs: Any) -> Figure:
    """A constrained-layout Figure on an Agg canvas (use inside ``rc_context(STYLE)``)."""
    fig = Figure(figsize=figsize, layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` (parents created); an unwritable place is an InputError."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        message = f"{path}: cannot write figure ({exc.strerror or exc})"
        if exc.errno in _DISK_FULL:  # a fault of the machine, not of what the user gave us
            raise RunError(message) from None
        raise InputError(message) from None
    return path


def _shade(ax: Any, bursts: Bursts | None, t_stop: float, runaway_onset: float | None) -> None:
    if bursts is not None:
        for a, b in zip(bursts.start_s, bursts.stop_s):
            ax.axvspan(a, b, color=BURST_COLOR, alpha=0.45, lw=0, zorder=0)
    if runaway_onset is not None:
        ax.axvspan(runaway_onset, t_stop, facecolor=RUNAWAY_COLOR, alpha=0.15,
                   edgecolor=RUNAWAY_COLOR, hatch="//", lw=0, zorder=0)


def _runaway_onset(run: Any, bursts: Bursts | None) -> float | None:
    if bursts is not None and bursts.runaway:
        return bursts.runaway_onset_s
    if bool(run.analysis.get("runaway", False)):
        onset = _float(run.analysis.get("runaway_onset_s"))
        return onset if onset is not None and np.isfinite(onset) else 0.0
    return None


def _display_rate(
    run: Any, pop: str, t_stop: float, params: AnalysisConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(bin centres s, smoothed rate Hz) of one population: stored rates, else from spikes."""
    if pop in run.rates and run.rate_dt_s > 0 and len(run.rates[pop]):
        rate, dt = np.asarray(run.rates[pop], dtype=float), float(run.rate_dt_s)
    else:
        dt = params.rate_bin_ms * 1e-3
        rate = population_rate(run.spikes[pop][0], max(int(run.n_nodes[pop]), 1), t_stop, dt)
    return (np.arange(rate.size) + 0.5) * dt, smooth_rate(rate, dt, params.burst_smooth_ms)


# --------------------------------------------------------------------------- figures
def plot_run(run: Any, path: Path) -> Path:
    """Raster over population rates with detected bursts shaded; returns ``path`` (a PNG)."""
    params = analysis_of(run)
    t_stop = run_duration_s(run)
    bursts = run_bursts(run)
    onset = _runaway_onset(run, bursts)
    pops = select_populations(run.spikes) if run.spikes else []
    with matplotlib.rc_context(STYLE):
        fig = new_figure((11, 7.5))
        ax_r, ax_p = fig.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])

        # raster: fewer neurons when the spikes would be too many dots to draw quickly
        n_spikes = sum(len(run.spikes[p][0]) for p in pops)
        n_cells = sum(int(run.n_nodes[p]) for p in pops) or 1
        shown = raster_subsample(run.n_nodes, pops, MAX_RASTER_NEURONS)
        n_shown = sum(v.size for v in shown.values())
        expected = n_spikes * n_shown / n_cells
        if expected > MAX_RASTER_SPIKES:
            shown = raster_subsample(run.n_nodes, pops,
                                     max(len(pops), int(n_shown * MAX_RASTER_SPIKES / expected)))
        row0 = 0
        handles = []
        for pop in pops:
            times, ids = (np.asarray(a) for a in run.spikes[pop])
            keep = shown[pop]
            mask = np.isin(ids, keep)
            rows = row0 + np.searchsorted(keep, ids[mask])
            color = POP_COLORS.get(pop, OKABE_ITO["green"])
            ax_r.plot(times[mask], rows, linestyle="none", marker="|", markersize=2.5,
                      markeredgewidth=0.6, color=color)
            handles.append(Patch(color=color, label=f"{POP_LABELS.get(pop, pop)} "
                                                    f"({keep.size} of {int(run.n_nodes[pop])})"))
            row0 += keep.size
        ax_r.set_ylim(-0.5, max(row0, 1) - 0.5)
        ax_r.set_ylabel("neuron (subsample)")
        _shade(ax_r, bursts, t_stop, onset)
        if bursts is not None and bursts.n:
            handles.append(Patch(color=BURST_COLOR, alpha=0.6, label=f"network burst ({bursts.n})"))
        if onset is not None:
            handles.append(Patch(facecolor=RUNAWAY_COLOR, alpha=0.3, hatch="//",
                                 label="runaway (saturated)"))
        if handles:
            ax_r.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                        frameon=False)
        if not any(len(run.spikes[p][0]) for p in pops):
            ax_r.text(0.5, 0.5, "no spikes", transform=ax_r.transAxes, ha="center", va="center")

        # population rates
        for pop in pops:
            t, r = _display_rate(run, pop, t_stop, params)
            ax_p.plot(t, r, color=POP_COLORS.get(pop, OKABE_ITO["green"]),
                      label=POP_LABELS.get(pop, pop))
        if bursts is not None:
            t = bursts.t_start_s + (np.arange(bursts.n_bins) + 0.5) * bursts.bin_s
            ax_p.plot(t, bursts.smoothed_hz, color=OKABE_ITO["black"], lw=0.9,
                      label="pooled (detection)")
            ax_p.axhline(bursts.threshold_hz, color=OKABE_ITO["black"], ls="--", lw=1.0,
                         label=f"threshold {bursts.threshold_hz:.3g} Hz")
        _shade(ax_p, bursts, t_stop, onset)
        ax_p.set_ylabel("rate (Hz)")
        ax_p.set_xlabel("time (s)")
        ax_p.set_xlim(0, t_stop)
        ax_p.set_ylim(bottom=0)
        if pops:
            ax_p.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.suptitle(run_title(run))
        return save_figure(fig, path)


def _strip_or_hist(ax: Any, values: np.ndarray, color: str, xlabel: str, empty: str) -> None:
    values = values[np.isfinite(values)]
    ax.set_xlabel(xlabel)
    if values.size == 0:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center", wrap=True)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if values.size >= 10:
        ax.hist(values, bins=min(30, max(5, values.size // 3)), color=color, alpha=0.85)
        ax.set_ylabel("events")
    else:  # a few events: show every one
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, values.size)
        ax.plot(values, jitter, "o", color=color, ms=9, alpha=0.85)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
    ax.axvline(float(np.median(values)), color=OKABE_ITO["black"], ls="--", lw=1.2)
    ax.text(0.98, 0.95, f"n = {values.size}\nmedian {np.median(values):.3g}",
            transform=ax.transAxes, ha="right", va="top", fontsize=11)


def plot_burst_metrics(run: Any, path: Path) -> Path:
    """Durations (complete events), onset-to-onset intervals and peak rates of the run's bursts."""
    bursts = run_bursts(run)
    runaway = bool(run.analysis.get("runaway", False)) or bool(bursts and bursts.runaway)
    if runaway:
        empty = "RUNAWAY:\nactivity saturated,\nno bursts"
    else:
        empty = "no bursts detected"
    if bursts is None or bursts.n == 0:
        durations = intervals = peaks = np.empty(0)
        n_ictal = n_trunc = 0
    else:
        durations = bursts.duration_s[bursts.complete]
        intervals = bursts.interburst_interval_s
        peaks = bursts.peak_hz
        n_ictal = int(np.count_nonzero(bursts.ictal_like))
        n_trunc = int(np.count_nonzero(~bursts.complete))
    with matplotlib.rc_context(STYLE):
        fig = new_figure((13, 4.6))
        ax_d, ax_i, ax_p = fig.subplots(1, 3)
        _strip_or_hist(ax_d, durations, OKABE_ITO["blue"], "burst duration (s)", empty)
        if bursts is not None and durations.size:
            ictal = bursts.ictal_min_duration_s
            if ictal <= durations.max() * 1.5:
                ax_d.axvline(ictal, color=OKABE_ITO["vermillion"], lw=1.5)
                ax_d.text(ictal, 0.02, " ictal-like", color=OKABE_ITO["vermillion"],
                          transform=ax_d.get_xaxis_transform(), fontsize=11)
        ax_d.set_title("durations" + (f" ({n_trunc} edge event(s) left out)" if n_trunc else ""))
        no_bursts = bursts is None or bursts.n == 0
        _strip_or_hist(ax_i, intervals, OKABE_ITO["green"], "interval, onset to onset (s)",
                       empty if no_bursts else "fewer than 2\nburst onsets")
        ax_i.set_title("intervals")
        _strip_or_hist(ax_p, peaks, OKABE_ITO["orange"], "peak population rate (Hz)", empty)
        ax_p.set_title("peak rates")
        n = 0 if bursts is None else bursts.n
        if runaway:
            summary = "activity saturated: burst metrics not defined"
        else:
            summary = (f"{n} network bursts ({n_ictal} ictal-like, {n - n_ictal} "
                       f"interictal-like)")
        fig.suptitle(f"{run_title(run)}\n{summary}")
        return save_figure(fig, path)


def plot_run_figures(run: Any, folder: Path) -> list[Path]:
    """Both run figures into ``folder``: ``run.png`` and ``bursts.png``."""
    folder = Path(folder)
    return [plot_run(run, folder / "run.png"), plot_burst_metrics(run, folder / "bursts.png")]
