"""Figures of one network run, drawn from what the store gives (:class:`sim.store.RunData`).

The detected events, the detection trace and its threshold are read from ``/analysis`` (the
protocol stored them when it analysed the run); nothing here detects again.

- :func:`plot_run`: raster (<= 500 neurons, exc and inh coloured) over population rates and, for
  a network with ion dynamics, [K+]o and mean [Na+]i; ictal events shaded orange, interictal
  discharges grey, the warm-up left out of the burst analysis marked, conditions in the title
  (:func:`run_title`).
- :func:`plot_burst_metrics`: durations, onset-to-onset intervals and peak rates of the events.
- :func:`plot_run_figures`: both, into a folder (what ``milasim run`` / ``milasim plot`` write).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.patches import Patch

from sim.analysis.bursts import spike_chunks
from sim.figures.style import OKABE_ITO, POP_COLORS, POP_LABELS, STYLE, new_figure, save_figure

BURST_COLOR = "#BBBBBB"
ICTAL_COLOR = OKABE_ITO["orange"]
WARMUP_COLOR = "#EEEEEE"
STARTUP_HATCH = "\\\\"  # a start-up ictal event: outlined in ICTAL_COLOR, not filled
RUNAWAY_COLOR = OKABE_ITO["purple"]
#: Smoothing of the per-population rates drawn (display only), ms.
DISPLAY_SMOOTH_MS = 10.0

MAX_RASTER_NEURONS = 500
MAX_RASTER_SPIKES = 300_000  # beyond this many dots the raster becomes a rate image
RASTER_IMAGE_BINS = 600
#: Lines with more samples than this are drawn as their min/max envelope (see _drawn).
MAX_LINE_POINTS = 12_000
NETWORK_POPULATIONS = ("exc", "inh")


# --------------------------------------------------------------------------- what was stored
@dataclass(frozen=True)
class StoredEvents:
    """The events and the detection of a run, as the protocol stored them in ``/analysis``."""

    start_s: np.ndarray
    stop_s: np.ndarray
    peak_hz: np.ndarray
    ictal_like: np.ndarray  # bool
    touches_start: np.ndarray  # bool
    touches_end: np.ndarray  # bool
    rate_hz: np.ndarray  # the pooled, smoothed rate the detector ran on
    t_start_s: float
    bin_s: float
    threshold_hz: float
    ictal_min_duration_s: float
    runaway: bool
    runaway_onset_s: float
    ictal_start_s: np.ndarray  # ictal events (the seizure-scale detector)
    ictal_stop_s: np.ndarray
    ictal_startup: np.ndarray  # per ictal event: the start-up transient, not counted

    @property
    def n(self) -> int:
        return int(self.start_s.size)

    @property
    def complete(self) -> np.ndarray:
        return ~(self.touches_start | self.touches_end)

    @property
    def duration_s(self) -> np.ndarray:
        return self.stop_s - self.start_s

    @property
    def interval_s(self) -> np.ndarray:
        """Onset-to-onset intervals, none from an event without a known onset."""
        if self.n < 2:
            return np.empty(0)
        return np.diff(self.start_s)[~self.touches_start[:-1]]

    @property
    def t_s(self) -> np.ndarray:
        """Bin centres of the detection trace."""
        return self.t_start_s + (np.arange(self.rate_hz.size) + 0.5) * self.bin_s


def _scalar(values: Mapping[str, Any], key: str, default: float = math.nan) -> float:
    value = values.get(key)
    try:
        return float(np.asarray(value).item())
    except (TypeError, ValueError):
        return default


def stored_events(run: Any) -> StoredEvents | None:
    """The run's stored events, or None when it holds no detection (a run of another protocol)."""
    a = run.analysis
    if "detection/rate_hz" not in a:
        return None

    def arr(key: str, dtype: Any = float) -> np.ndarray:
        return np.atleast_1d(np.asarray(a.get(key, []), dtype=dtype))

    ictal_starts = arr("ictal/start_s")
    return StoredEvents(
        start_s=arr("events/start_s"), stop_s=arr("events/stop_s"),
        peak_hz=arr("events/peak_rate_hz"), ictal_like=arr("events/ictal_like", bool),
        touches_start=arr("events/touches_start", bool),
        touches_end=arr("events/touches_end", bool),
        rate_hz=arr("detection/rate_hz"), t_start_s=_scalar(a, "detection/t_start_s", 0.0),
        bin_s=_scalar(a, "detection/bin_s", 1e-3), threshold_hz=_scalar(a, "detection/threshold_hz"),
        ictal_min_duration_s=_scalar(a, "detection/ictal_min_duration_s"),
        runaway=bool(a.get("runaway", False)),
        runaway_onset_s=_scalar(a, "detection/runaway_onset_s"),
        ictal_start_s=ictal_starts, ictal_stop_s=arr("ictal/stop_s"),
        ictal_startup=_startup_flags(arr("ictal/startup", bool), ictal_starts.size),
    )


def _startup_flags(flags: np.ndarray, n: int) -> np.ndarray:
    """The stored start-up flags; none in a run.h5 written before analysis.ictal_startup_s."""
    return flags if flags.size == n else np.zeros(n, dtype=bool)


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


def run_duration_s(run: Any) -> float:
    """The observed time: ``run.duration_s``, else the stored rate length, else the last spike."""
    if run.duration_s and run.duration_s > 0:
        return float(run.duration_s)
    lengths = [len(r) * run.rate_dt_s for r in run.rates.values() if run.rate_dt_s > 0]
    last = [float(np.max(t)) for t, _ in run.spikes.values() if len(t)]
    return max(lengths + last + [1e-3])


def _shown_spikes(times: Any, ids: Any, keep: np.ndarray):
    """Yield (times, rows) chunk by chunk for the spikes of the neurons in ``keep`` (sorted ids;
    row = position in ``keep``): a lookup table, no per-run temporaries."""
    times, ids = np.asarray(times), np.asarray(ids)
    lookup = np.full(int(ids.max()) + 1 if ids.size else 0, -1, dtype=np.int64)
    lookup[keep[keep < lookup.size]] = np.flatnonzero(keep < lookup.size)
    for part in spike_chunks(times.size):
        rows = lookup[ids[part]]
        mine = rows >= 0
        yield times[part][mine], rows[mine]


def _shown_spikes_all(times: Any, ids: Any, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    parts = list(_shown_spikes(times, ids, keep)) or [(np.empty(0), np.empty(0, dtype=np.int64))]
    return np.concatenate([t for t, _ in parts]), np.concatenate([r for _, r in parts])


def _rate_image(times: Any, ids: Any, keep: np.ndarray, t_stop: float, n_bins: int) -> np.ndarray:
    """Each shown neuron's rate (Hz) in ``n_bins`` equal bins of [0, t_stop] (rows = ``keep``):
    np.histogram2d's bins, counted chunk by chunk."""
    edges = np.linspace(0, t_stop, n_bins + 1)
    counts = np.zeros(keep.size * n_bins, dtype=np.int64)
    for t, rows in _shown_spikes(times, ids, keep):
        inside = (t >= 0) & (t <= t_stop)
        t, rows = t[inside], rows[inside]
        col = np.minimum(np.searchsorted(edges, t, side="right") - 1, n_bins - 1)
        counts += np.bincount(rows * n_bins + col, minlength=counts.size)
    return counts.reshape(keep.size, n_bins) / (t_stop / n_bins)


def network_populations(spikes: Mapping[str, Any]) -> list[str]:
    chosen = [p for p in NETWORK_POPULATIONS if p in spikes]
    return chosen or list(spikes)


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


def _smooth(rate: np.ndarray, bin_s: float) -> np.ndarray:
    """Display smoothing of a stored rate (a Gaussian of DISPLAY_SMOOTH_MS)."""
    from scipy.ndimage import gaussian_filter1d

    sigma = DISPLAY_SMOOTH_MS * 1e-3 / bin_s if bin_s > 0 else 0.0
    return gaussian_filter1d(rate, sigma, mode="nearest") if sigma > 0 and rate.size else rate


def _drawn(t: np.ndarray, y: np.ndarray, max_points: int = MAX_LINE_POINTS):
    """``(t, y)`` as drawn: unchanged up to ``max_points`` samples; beyond, the samples are cut
    into ``max_points / 2`` consecutive buckets and each keeps its lowest and highest sample, in
    time order. Every peak and trough survives (a 10 min rate at 1 ms has 600k samples, ~200 per
    pixel, and matplotlib held ~100 MB of path copies per such line)."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    if y.size <= max_points:
        return t, y
    width = -(-y.size // (max_points // 2))  # samples per bucket
    full = y.size - y.size % width  # the whole buckets; the rest is one shorter bucket
    picks = []
    for lo, block in ((0, y[:full].reshape(-1, width)), (full, y[full:].reshape(1, -1))):
        if block.size:
            first = lo + np.arange(block.shape[0])[:, None] * block.shape[1]
            pair = np.sort(np.stack([block.argmin(axis=1), block.argmax(axis=1)], axis=1), axis=1)
            picks.append((first + pair).ravel())
    index = np.concatenate(picks)
    return t[index], y[index]


def _inside_ictal(events: StoredEvents, a: float, b: float) -> bool:
    return bool(np.any((events.ictal_start_s <= a) & (events.ictal_stop_s >= b)))


def _plot_ions(ax: Any, run: Any, events: StoredEvents | None, t_stop: float) -> None:
    """[K+]o (left axis) and the mean [Na+]i of each population (right axis), with the mean
    [Cl-]i (dotted) in the chloride build."""
    tr = run.traces
    t = np.asarray(tr["ions_t_s"], dtype=float)
    ax.plot(*_drawn(t, tr["k_o_mM"]), color=OKABE_ITO["black"], lw=1.3, label="[K+]o")
    ax.set_ylabel("[K+]o (mM)")
    ax.set_ylim(bottom=0)
    twin = ax.twinx()
    lines = []
    for pop in NETWORK_POPULATIONS:
        key = f"na_in_{pop}_mM"
        if key in tr:
            lines += twin.plot(*_drawn(t, tr[key]), lw=1.0, ls="--",
                               color=POP_COLORS.get(pop, "k"),
                               label=f"[Na+]i, {POP_LABELS.get(pop, pop)} (mean)")
    chloride = [pop for pop in NETWORK_POPULATIONS if f"cl_in_{pop}_mM" in tr]
    for pop in chloride:
        lines += twin.plot(*_drawn(t, tr[f"cl_in_{pop}_mM"]), lw=1.0, ls=":",
                           color=POP_COLORS.get(pop, "k"),
                           label=f"[Cl-]i, {POP_LABELS.get(pop, pop)} (mean)")
    twin.set_ylabel("[Na+]i, [Cl-]i (mM)" if chloride else "[Na+]i (mM)")
    twin.spines["right"].set_visible(True)
    handles = ax.get_lines()[:1] + lines
    ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="upper left",
              bbox_to_anchor=(1.06, 1.0), frameon=False)
    _shade(ax, events, t_stop)


def _shade(ax: Any, events: StoredEvents | None, t_stop: float) -> None:
    if events is None:
        return
    if events.t_start_s > 0:
        ax.axvspan(0, events.t_start_s, color=WARMUP_COLOR, lw=0, zorder=0)
    for a, b, startup in zip(events.ictal_start_s, events.ictal_stop_s, events.ictal_startup):
        if startup:  # the start-up transient: drawn, hatched, not counted
            ax.axvspan(a, b, facecolor="none", edgecolor=ICTAL_COLOR, hatch=STARTUP_HATCH, lw=0,
                       zorder=0)
        else:
            ax.axvspan(a, b, color=ICTAL_COLOR, alpha=0.3, lw=0, zorder=0)
    for a, b in zip(events.start_s, events.stop_s):
        if not _inside_ictal(events, a, b):
            ax.axvspan(a, b, color=BURST_COLOR, alpha=0.45, lw=0, zorder=0)
    if events.runaway:
        onset = events.runaway_onset_s if math.isfinite(events.runaway_onset_s) else 0.0
        ax.axvspan(onset, t_stop, facecolor=RUNAWAY_COLOR, alpha=0.15, edgecolor=RUNAWAY_COLOR,
                   hatch="//", lw=0, zorder=0)


# --------------------------------------------------------------------------- figures
def plot_run(run: Any, path: Path) -> Path:
    """Raster over population rates with the stored events shaded; returns ``path`` (a PNG)."""
    t_stop = run_duration_s(run)
    events = stored_events(run)
    pops = network_populations(run.spikes) if run.spikes else []
    with matplotlib.rc_context(STYLE):
        ions = "k_o_mM" in run.traces and "ions_t_s" in run.traces
        fig = new_figure((11, 9.5 if ions else 7.5))
        if ions:
            ax_r, ax_p, ax_k = fig.subplots(3, 1, sharex=True, height_ratios=[2.2, 1, 0.9])
        else:
            ax_r, ax_p = fig.subplots(2, 1, sharex=True, height_ratios=[2.2, 1])

        # raster: up to MAX_RASTER_NEURONS neurons; dots, or a rate image for a long run
        n_spikes = sum(len(run.spikes[p][0]) for p in pops)
        n_cells = sum(int(run.n_nodes[p]) for p in pops) or 1
        shown = raster_subsample(run.n_nodes, pops, MAX_RASTER_NEURONS)
        n_shown = sum(v.size for v in shown.values())
        expected = n_spikes * n_shown / n_cells
        # too many spikes to draw as dots (a long run): each neuron's rate in time bins, as an image
        as_image = expected > MAX_RASTER_SPIKES
        row0 = 0
        handles = []
        for pop in pops:
            keep = shown[pop]
            color = POP_COLORS.get(pop, OKABE_ITO["green"])
            if as_image:
                rate = _rate_image(*run.spikes[pop], keep, t_stop, RASTER_IMAGE_BINS)
                cmap = matplotlib.colors.LinearSegmentedColormap.from_list("r", ["white", color])
                ax_r.imshow(rate, aspect="auto", origin="lower", interpolation="nearest",
                            cmap=cmap, extent=(0, t_stop, row0 - 0.5, row0 + keep.size - 0.5),
                            vmin=0, vmax=max(float(np.percentile(rate, 99)), 1.0), zorder=1)
            else:
                times, rows = _shown_spikes_all(*run.spikes[pop], keep)
                ax_r.plot(times, row0 + rows, linestyle="none", marker="|", markersize=2.5,
                          markeredgewidth=0.6, color=color)
            handles.append(Patch(color=color, label=f"{POP_LABELS.get(pop, pop)} "
                                                    f"({keep.size} of {int(run.n_nodes[pop])})"))
            row0 += keep.size
        if as_image:
            ax_r.set_title(f"firing rate of each neuron in {t_stop / RASTER_IMAGE_BINS:.2g} s "
                           "bins (darker = faster)", fontsize="medium")
        ax_r.set_ylim(-0.5, max(row0, 1) - 0.5)
        ax_r.set_ylabel("neuron (subsample)")
        _shade(ax_r, events, t_stop)
        if events is not None:
            n_startup = int(np.count_nonzero(events.ictal_startup))
            n_ictal = events.ictal_start_s.size - n_startup
            n_inter = sum(not _inside_ictal(events, a, b)
                          for a, b in zip(events.start_s, events.stop_s))
            if n_inter:
                handles.append(Patch(color=BURST_COLOR, alpha=0.6,
                                     label=f"interictal discharge ({n_inter})"))
            if n_ictal:
                handles.append(Patch(color=ICTAL_COLOR, alpha=0.5,
                                     label=f"ictal event ({n_ictal})"))
            if n_startup:
                handles.append(Patch(facecolor="none", edgecolor=ICTAL_COLOR, hatch=STARTUP_HATCH,
                                     label="start-up event (not counted)"))
            if events.t_start_s > 0:
                handles.append(Patch(color=WARMUP_COLOR, label="warm-up (not analysed)"))
            if events.runaway:
                handles.append(Patch(facecolor=RUNAWAY_COLOR, alpha=0.3, hatch="//",
                                     label="runaway (saturated)"))
        if handles:
            ax_r.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                        frameon=False)
        if not any(len(run.spikes[p][0]) for p in pops):
            ax_r.text(0.5, 0.5, "no spikes", transform=ax_r.transAxes, ha="center", va="center")

        # population rates (display-smoothed), the detection trace and its threshold
        for pop in pops:
            if pop in run.rates and run.rate_dt_s > 0:
                rate = np.asarray(run.rates[pop], dtype=float)
                t = (np.arange(rate.size) + 0.5) * run.rate_dt_s
                ax_p.plot(*_drawn(t, _smooth(rate, run.rate_dt_s)), color=POP_COLORS.get(pop, "k"),
                          lw=1.0, label=POP_LABELS.get(pop, pop))
        if events is not None:
            ax_p.plot(*_drawn(events.t_s, events.rate_hz), color=OKABE_ITO["black"], lw=1.2,
                      label="pooled (detection)")
            if math.isfinite(events.threshold_hz):
                ax_p.axhline(events.threshold_hz, color=OKABE_ITO["green"], ls="--", lw=1.8,
                             label=f"threshold {events.threshold_hz:.3g} Hz", zorder=4)
                # the threshold is small beside burst peaks: a log axis keeps it visible
                peak = max(float(np.max(events.rate_hz, initial=0.0)), events.threshold_hz)
                if peak > 20 * events.threshold_hz:
                    linthresh = max(events.threshold_hz, 1.0)
                    ax_p.set_yscale("symlog", linthresh=linthresh)
                    # 0, then the decades above the linear part (1 Hz would sit on top of 0)
                    decades = [10.0**k for k in range(6) if linthresh <= 10.0**k <= 3 * peak]
                    ax_p.set_yticks([0.0, *decades], ["0", *(f"{d:g}" for d in decades)])
        _shade(ax_p, events, t_stop)
        ax_p.set_ylabel("rate (Hz)")
        if ions:
            _plot_ions(ax_k, run, events, t_stop)
            ax_k.set_xlabel("time (s)")
        else:
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
    else:  # a few events: show every one, on an axis from zero with room around them
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, values.size)
        ax.plot(values, jitter, "o", color=color, ms=10, alpha=0.85, mec="k", mew=0.6)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.set_xlim(0, float(values.max()) * 1.25 if values.max() > 0 else 1.0)
    ax.axvline(float(np.median(values)), color=OKABE_ITO["black"], ls="--", lw=1.2)
    ax.text(0.98, 0.95, f"n = {values.size}\nmedian {np.median(values):.3g}",
            transform=ax.transAxes, ha="right", va="top", fontsize=11)


def plot_burst_metrics(run: Any, path: Path) -> Path:
    """Durations (complete events), onset-to-onset intervals and peak rates of the stored events."""
    events = stored_events(run)
    runaway = bool(run.analysis.get("runaway", False))
    empty = "RUNAWAY:\nactivity saturated,\nno events" if runaway else "no events detected"
    if events is None or events.n == 0:
        durations = intervals = peaks = np.empty(0)
        n = n_ictal = n_trunc = 0
    else:
        durations = events.duration_s[events.complete]
        intervals = events.interval_s
        peaks = events.peak_hz
        n, n_ictal = events.n, int(np.count_nonzero(events.ictal_like))
        n_trunc = int(np.count_nonzero(~events.complete))
    with matplotlib.rc_context(STYLE):
        fig = new_figure((13, 4.6))
        ax_d, ax_i, ax_p = fig.subplots(1, 3)
        no_complete = "no complete event\n(cut by the run's start or end)" if n else empty
        _strip_or_hist(ax_d, durations, OKABE_ITO["blue"], "event duration (s)", no_complete)
        if events is not None and durations.size:
            ictal = events.ictal_min_duration_s
            if ictal <= durations.max() * 1.5:
                ax_d.axvline(ictal, color=OKABE_ITO["vermillion"], lw=1.5)
                ax_d.text(ictal, 0.02, " ictal-like", color=OKABE_ITO["vermillion"],
                          transform=ax_d.get_xaxis_transform(), fontsize=11)
        ax_d.set_title("durations" + (f" ({n_trunc} edge event(s) left out)" if n_trunc else ""))
        _strip_or_hist(ax_i, intervals, OKABE_ITO["green"], "interval, onset to onset (s)",
                       empty if n == 0 else "fewer than 2\nevent onsets")
        ax_i.set_title("intervals")
        _strip_or_hist(ax_p, peaks, OKABE_ITO["orange"], "peak population rate (Hz)", empty)
        ax_p.set_title("peak rates")
        if runaway:
            summary = "activity saturated: event metrics not defined"
        else:
            summary = f"{n} events ({n_ictal} ictal-like, {n - n_ictal} interictal-like)"
        fig.suptitle(f"{run_title(run)}\n{summary}")
        return save_figure(fig, path)


def plot_run_figures(run: Any, folder: Path) -> list[Path]:
    """Both run figures into ``folder``: ``run.png`` and ``bursts.png``."""
    folder = Path(folder)
    return [plot_run(run, folder / "run.png"), plot_burst_metrics(run, folder / "bursts.png")]
