"""Figures of LTP/LTD runs: efficacy time course, frequency-response curve, calcium at the synapse.

The style of :mod:`sim.figures.style`. The functions take plain arrays; :func:`plot_ltp_run_figures`
draws them from a stored run (:class:`sim.store.RunData`, what ``milasim run`` and ``milasim
plot`` use), the rule's calcium thresholds included (stored per run, so a run with other
thresholds draws its own).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.ticker import FuncFormatter

from sim.figures.landmarks import (
    DUDEK_BEAR_1HZ_LABEL,
    DUDEK_BEAR_1HZ_PERCENT,
    DUDEK_BEAR_CROSSOVER_HZ,
    DUDEK_BEAR_CROSSOVER_LABEL,
)
from sim.figures.network import run_title
from sim.figures.style import GREY, HUES, OKABE_ITO, STYLE, new_figure, save_figure


def _colors(n: int) -> list[str]:
    return [HUES[i % len(HUES)] for i in range(n)]


def _rate_of(label: str) -> float | None:
    m = re.fullmatch(r"([0-9.eE+-]+)hz", label)
    return float(m.group(1)) if m else None


def _legend_label(label: str) -> str:
    rate = _rate_of(label)
    if rate is not None:
        return f"{rate:g} Hz"
    return {"hfs": "HFS", "tbs": "TBS", "lfs": "LFS", "pairing": "pairing",
            "frequency_series": "frequency series"}.get(label, label)


def _title(fig: Any, ax: Any, title: str) -> None:
    """The run's title over ``ax``, wrapped to the figure's width (it was cut at the right)."""
    import textwrap

    width = max(40, int(fig.get_figwidth() * 10.5))
    ax.set_title(textwrap.fill(title, width), fontsize=11)


def _draw_courses(ax: Any, courses: Mapping[str, tuple[np.ndarray, np.ndarray]],
                  colors: Sequence[str], n_simulated: Mapping[str, int] | None,
                  scale: float, label: bool) -> None:
    """Each arm's efficacy against time / ``scale``; the exact wait (after the simulated samples)
    dashed."""
    for color, (name, (t, pct)) in zip(colors, courses.items(), strict=True):
        x = np.asarray(t, dtype=float) / scale
        pct = np.asarray(pct, dtype=float)
        n = len(x) if n_simulated is None else int(n_simulated.get(name, len(x)))
        ax.plot(x[:n], pct[:n], color=color, label=_legend_label(name) if label else None)
        if n < len(x):
            ax.plot(x[max(n - 1, 0):], pct[max(n - 1, 0):], color=color, ls="--")


def plot_efficacy(
    courses: Mapping[str, tuple[np.ndarray, np.ndarray]],
    path: Path,
    *,
    induction_s: Mapping[str, float] | None = None,
    n_simulated: Mapping[str, int] | None = None,
    title: str = "",
) -> Path:
    """Efficacy (% of baseline) against time from induction onset, one line per arm.

    ``courses``: label -> (t_s from induction onset, percent of baseline). ``induction_s``: label ->
    induction length (a bar in the arm's colour). ``n_simulated``: label -> how many leading
    samples were simulated; the rest (the exact post-induction wait) is drawn dashed.

    Baseline and induction last seconds to minutes, the wait after them tens of minutes or more:
    on one axis the first two were a sliver at t = 0. So the left panel shows baseline and
    induction in seconds, and the right panel (when the record is longer) the rest in minutes.
    """
    spans = {k: v for k, v in (induction_s or {}).items() if v > 0}
    last_induction = max(spans.values(), default=0.0)
    split_s = max(1.15 * last_induction, last_induction + 30.0, 60.0)
    t_stop = max((float(np.max(t)) for t, _ in courses.values() if len(t)), default=0.0)
    t_start = min((float(np.min(t)) for t, _ in courses.values() if len(t)), default=0.0)
    two_panels = t_stop > 2.0 * split_s
    with rc_context(STYLE):
        fig = new_figure((9.0, 4.8))
        if two_panels:
            left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 2]})
        else:
            left, right = fig.add_subplot(), None
        colors = _colors(len(courses))
        for ax in (left, right):
            if ax is not None:
                ax.axhline(100.0, color="#777777", lw=1.0, ls=":", zorder=1)
        _draw_courses(left, courses, colors, n_simulated, 1.0, label=True)
        left.set_xlim(t_start, split_s if two_panels else max(t_stop, split_s))
        left.set_xlabel("time from induction onset (s)")
        left.set_ylabel("synaptic efficacy (% of baseline)")
        if right is not None:
            _draw_courses(right, courses, colors, n_simulated, 60.0, label=False)
            right.set_xlim(split_s / 60.0, t_stop / 60.0)
            right.set_xlabel("time from induction onset (min)")
            right.spines["left"].set_visible(False)
            right.tick_params(axis="y", left=False)
        for k, (color, name) in enumerate(zip(colors, courses, strict=True)):
            span = spans.get(name, 0.0)
            if span > 0:  # each arm's induction as a bar along the top, in its colour
                y = 1.0 - 0.025 * (k + 1)
                left.plot([0.0, span], [y, y], color=color, lw=4, solid_capstyle="butt",
                          transform=left.get_xaxis_transform(), zorder=3)
        if spans:  # head room for the bars above the data
            lo, hi = left.get_ylim()
            n_bars = len(spans)
            left.set_ylim(lo, hi + (hi - lo) * (0.03 * n_bars + 0.03) / (1 - 0.03 * n_bars - 0.03))
            left.plot([], [], color=colors[0] if len(courses) == 1 else "#555555", lw=4,
                      label="induction" if len(courses) == 1 else "induction (bar in the arm's colour)")
        if n_simulated is not None and any(n < len(courses[k][0]) for k, n in n_simulated.items()
                                           if k in courses):
            left.plot([], [], color="#555555", ls="--", label="exact wait (Ca at rest)")
        (right or left).legend(loc="best", frameon=False, ncol=2 if len(courses) > 4 else 1,
                               handles=left.get_legend_handles_labels()[0],
                               labels=left.get_legend_handles_labels()[1])
        if title:
            fig.suptitle(title, fontsize=11)
        return save_figure(fig, path)


def plot_frequency_response(
    frequency_hz: Sequence[float],
    ltp_percent: Sequence[float],
    path: Path,
    *,
    title: str = "",
    reference: bool = True,
    label: str = "model",
    extra_curves: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> Path:
    """Efficacy change against stimulation rate (log axis), with the Dudek & Bear 1992 landmarks.

    ``extra_curves``: more (frequency_hz, ltp_percent) curves by legend label, e.g. other doses.
    """

    def _sorted(fs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        fs, ys = np.asarray(fs, dtype=float), np.asarray(ys, dtype=float)
        order = np.argsort(fs)
        return fs[order], ys[order]

    f, y = _sorted(frequency_hz, ltp_percent)
    n_entries = 1 + len(extra_curves or {}) + (2 if reference else 0)
    with rc_context(STYLE):
        fig = new_figure((7.2, 4.6 + 0.32 * n_entries))
        ax = fig.add_subplot()
        ax.axhline(0.0, color="#777777", lw=1.0, ls=":")
        if reference:
            ax.axvline(DUDEK_BEAR_CROSSOVER_HZ, color=GREY, lw=1.2, ls="--",
                       label=DUDEK_BEAR_CROSSOVER_LABEL)
            lo, hi = DUDEK_BEAR_1HZ_PERCENT
            ax.fill_between([0.85, 1.18], [lo, lo], [hi, hi], color=GREY, alpha=0.25, lw=0,
                            label=DUDEK_BEAR_1HZ_LABEL)
        ax.plot(f, y, "o-", color=OKABE_ITO["vermillion"], ms=7, label=label)
        extra_colors = [OKABE_ITO[k] for k in ("blue", "green", "purple", "orange", "black")]
        for k, (name, (fx, yx)) in enumerate((extra_curves or {}).items()):
            fx, yx = _sorted(fx, yx)
            ax.plot(fx, yx, "s--", color=extra_colors[k % len(extra_colors)], ms=6, label=name)
            f = np.union1d(f, fx)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xticks(f)
        ax.set_xlabel("stimulation rate (Hz)")
        ax.set_ylabel("efficacy change (% of baseline)")
        # below the axes: the curves can fill any corner
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=11,
                  ncol=1)
        if title:
            _title(fig, ax, title)
        return save_figure(fig, path)


def plot_calcium(
    t_s: np.ndarray,
    traces: Mapping[str, np.ndarray],
    path: Path,
    *,
    thresholds_uM: tuple[float, float],
    window_s: tuple[float, float] | None = None,
    title: str = "",
) -> Path:
    """Synaptic calcium (µM above rest) against time, with the rule's two thresholds
    (depression, potentiation) as the run used them."""
    t = np.asarray(t_s, dtype=float)
    keep = np.ones(t.shape, bool) if window_s is None else (t >= window_s[0]) & (t <= window_s[1])
    with rc_context(STYLE):
        fig = new_figure((8.0, 4.2))
        ax = fig.add_subplot()
        for color, (label, ca) in zip(_colors(len(traces)), traces.items(), strict=True):
            ax.plot(t[keep], np.asarray(ca)[keep], color=color, lw=1.0, label=_legend_label(label))
        # the thresholds above the traces, their labels on white (potentiation above its line,
        # depression below its own: the two lines are close)
        for thr, name, where in zip(thresholds_uM, ("depression", "potentiation"), ("top", "bottom"),
                                    strict=True):
            ax.axhline(thr, color="#333333", lw=1.2, ls="--", zorder=5)
            ax.annotate(f"{name} threshold {thr:g} µM", (0.995, thr),
                        xycoords=("axes fraction", "data"), ha="right", va=where, fontsize=10,
                        color="#333333", zorder=6,
                        xytext=(0, 2 if where == "bottom" else -2), textcoords="offset points",
                        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.85})
        ax.set_xlabel("time (s)")
        ax.set_ylabel("synaptic Ca²⁺ above rest (µM)")
        ax.legend(loc="upper left", frameon=False)
        if title:
            _title(fig, ax, title)
        return save_figure(fig, path)


# --------------------------------------------------------------------------- from a stored run
def efficacy_courses(run: Any) -> tuple[dict, dict, dict]:
    """(courses, induction lengths, simulated-sample counts) by arm key, from ``run.traces``."""
    traces = run.traces
    courses, induction, n_sim = {}, {}, {}
    for name in traces:
        m = re.fullmatch(r"efficacy_(.+)_percent", name)
        if not m:
            continue
        key = m.group(1)
        courses[key] = (np.asarray(traces[f"efficacy_{key}_t_s"]), np.asarray(traces[name]))
        if f"induction_{key}_s" in traces:
            span = np.asarray(traces[f"induction_{key}_s"]).astype(float)
            induction[key] = float(span[-1] - span[0])
        if f"efficacy_{key}_n_simulated" in traces:
            n_sim[key] = int(np.asarray(traces[f"efficacy_{key}_n_simulated"]).item())
    rates = {k: _rate_of(k) for k in courses}
    if all(r is not None for r in rates.values()):  # a frequency series: by rate
        courses = dict(sorted(courses.items(), key=lambda kv: rates[kv[0]]))
    return courses, induction, n_sim


def plot_ltp_run_figures(run: Any, folder: Path) -> list[Path]:
    """The figures of one stored LTP run into ``folder`` (``milasim run`` / ``milasim plot``)."""
    folder = Path(folder)
    title = run_title(run)
    induction = str(run.attrs.get("induction", ""))
    if induction:
        title = f"{_legend_label(induction)} · {title}"
    paths = []
    courses, spans, n_sim = efficacy_courses(run)
    if courses:
        paths.append(plot_efficacy(courses, folder / "ltp_efficacy.png", induction_s=spans,
                                   n_simulated=n_sim or None, title=title))
    if "frequency_hz" in run.analysis and "ltp_by_frequency_percent" in run.analysis:
        paths.append(plot_frequency_response(
            np.atleast_1d(np.asarray(run.analysis["frequency_hz"])),
            np.atleast_1d(np.asarray(run.analysis["ltp_by_frequency_percent"])),
            folder / "ltp_frequency_response.png", title=title,
        ))
    if "ca_t_s" in run.traces:
        ca = {m.group(1): np.asarray(v) for name, v in run.traces.items()
              if (m := re.fullmatch(r"ca_(.+)_uM", name))}
        # the arms in the efficacy figure's order and colours (run.h5 lists them by name)
        order = list(courses) + sorted(set(ca) - set(courses))
        ca = {k: ca[k] for k in order if k in ca}
        if ca:
            thresholds = (float(run.analysis["ca_threshold_ltd_uM"]),
                          float(run.analysis["ca_threshold_ltp_uM"]))
            paths.append(plot_calcium(np.asarray(run.traces["ca_t_s"]), ca,
                                      folder / "ltp_calcium.png", thresholds_uM=thresholds,
                                      title=title))
    return paths
