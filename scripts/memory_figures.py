"""The README's memory figures (Results 9-11), from the sweeps' own sweep.csv files.

    python scripts/memory_figures.py --rodent results/memory_rodent/sweep.csv \
        --translation results/memory_translation/sweep.csv \
        --retention results/memory_retention/sweep.csv --out docs/figures

Each figure shows means with 95 % t intervals over seeds and every run as a dot; each is
written with a Markdown table of the same numbers beside it (``.md``). The sweeps' own figures
(``OUT/figures``) plot one factor against dose; these put the memory designs' factors side by
side. Any of the three inputs can be left out. Needs pandas (`pip install -e ".[notebook]"`,
or the test extra).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.figures.style import GREY, STYLE, hue, new_figure, save_figure

TIMINGS = ("before_training", "after_training", "before_test")
METRICS = (("step_through_latency_s", "step-through latency (s)"),
           ("recall_overlap", "recall overlap"),
           ("retention_index", "retention after the delay"))


def mean_ci(x: Sequence[float]) -> tuple[float, float, int]:
    """Mean, 95 % t half-width and n of the finite values."""
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, 0
    if v.size == 1:
        return float(v[0]), math.nan, 1
    return (float(v.mean()), float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1)
                                   / math.sqrt(v.size)), int(v.size))


def _fmt(m: float, h: float) -> str:
    if not math.isfinite(m):
        return "–"
    return f"{m:.3g}" if not math.isfinite(h) else f"{m:.3g} ± {h:.2g}"


def _bars(ax, groups: list[tuple[str, np.ndarray]], colours: list[str], *,
          horizontal: bool = False, labels: bool = True) -> None:
    """One bar per group (mean, 95 % CI, every run as a dot); ``horizontal`` puts the first
    group on top and the group names on the y axis (long case names)."""
    n = len(groups)
    for k, ((_label, values), colour) in enumerate(zip(groups, colours, strict=True)):
        pos = n - 1 - k if horizontal else k
        m, h, _n = mean_ci(values)
        finite = values[np.isfinite(values)]
        jitter = pos + (np.linspace(-0.18, 0.18, finite.size) if finite.size > 1 else 0.0)
        if horizontal:
            if math.isfinite(m):
                ax.barh(pos, m, color=colour, alpha=0.35, height=0.75)
                if math.isfinite(h):
                    ax.errorbar(m, pos, xerr=h, color=colour, capsize=4, lw=1.6)
            ax.scatter(finite, np.broadcast_to(jitter, finite.shape), s=9, color=colour, zorder=3)
        else:
            if math.isfinite(m):
                ax.bar(pos, m, color=colour, alpha=0.35, width=0.75)
                if math.isfinite(h):
                    ax.errorbar(pos, m, yerr=h, color=colour, capsize=4, lw=1.6)
            ax.scatter(np.broadcast_to(jitter, finite.shape), finite, s=9, color=colour, zorder=3)
    names = [g[0] for g in groups] if labels else [""] * n
    if horizontal:
        ax.set_yticks(range(n), names[::-1])
    else:
        ax.set_xticks(range(n), names, rotation=30, ha="right")


def rodent(csv: Path, out: Path) -> list[Path]:
    d = pd.read_csv(csv)
    arms = [("vehicle", 0, 0), ("10 mg/kg", 10, 0), ("vehicle + AP-7", 0, 50),
            ("10 mg/kg + AP-7", 10, 50)]
    colours = [GREY, hue(0), "#bbbbbb", hue(1)]
    delays = sorted(d["protocol.delay_h"].unique())
    lines = [("| delay | drug timing | condition | n | step-through latency (s) | recall overlap "
             "| retention | stored |"), "|---|---|---|---|---|---|---|---|"]
    paths = []
    with rc_context(STYLE):
        fig = new_figure((15, 4.2 * len(delays) * 1.0 + 1.0))
        grid = fig.add_gridspec(len(delays), len(TIMINGS) * 2)
        for r, delay in enumerate(delays):
            for c, timing in enumerate(TIMINGS):
                sel = d[(d["protocol.delay_h"] == delay) & (d["protocol.drug_timing"] == timing)]
                groups = {}
                for label, dose, apv in arms:
                    rows = sel[(sel["drug.dose_mg_per_kg"] == dose) & (sel["bath.apv_uM"] == apv)]
                    groups[label] = rows
                    cells = [_fmt(*mean_ci(rows[m])[:2]) for m in
                             ("step_through_latency_s", "recall_overlap", "retention_index",
                              "stored_fraction")]
                    lines.append(f"| {delay:g} h | {timing.replace('_', ' ')} | {label} | "
                                 f"{len(rows)} | " + " | ".join(cells) + " |")
                for j, (metric, ylabel) in enumerate(METRICS[:2]):
                    ax = fig.add_subplot(grid[r, 2 * c + j])
                    _bars(ax, [(k, v[metric].to_numpy(float)) for k, v in groups.items()],
                          colours)
                    ax.set_ylabel(ylabel)
                    if metric == "step_through_latency_s":
                        ax.axhline(300, color=GREY, ls=":", lw=1)
                        ax.set_ylim(0, 320)
                    else:
                        ax.set_ylim(-0.2, 0.45)
                        ax.axhline(0, color=GREY, lw=0.8)
                    if j == 0:
                        days = f"{delay / 24:g} days" if delay >= 48 else f"{delay:g} h"
                        ax.set_title(f"drug {timing.replace('_', ' ')} · test at {days}",
                                     loc="left", fontsize=12)
        fig.suptitle("Mouse memory design: vehicle vs milacemide 10 mg/kg i.p., each ± an AP-7-like"
                     " antagonist in the drug's phase\n(50 µM APV at the receptor; mean and 95 % CI"
                     " over 10 seeds, dots single runs; dotted: the test's 300 s cut-off)")
        paths.append(save_figure(fig, out / "results_memory_rodent.png"))
    (out / "results_memory_rodent.md").write_text("\n".join(lines) + "\n")
    return paths


def _by_case(d: pd.DataFrame, key: str) -> list[tuple[str, pd.DataFrame]]:
    order = list(dict.fromkeys(d[key]))
    return [(k, d[d[key] == k]) for k in order]


def translation(csv: Path, out: Path) -> list[Path]:
    d = pd.read_csv(csv)
    cases = _by_case(d, "experiment.description")
    colours = [GREY] + [hue(k) for k in range(len(cases) - 1)]
    lines = [("| case | n | activation training / delay mean / test | stored | retention | "
             "recall overlap | step-through latency (s) |"), "|---|---|---|---|---|---|---|"]
    for label, rows in cases:
        occ = "/".join(f"{rows[c].mean():.3f}" for c in
                       ("occupancy_training", "occupancy_delay_mean", "occupancy_test"))
        cells = [_fmt(*mean_ci(rows[m])[:2]) for m in
                 ("stored_fraction", "retention_index", "recall_overlap",
                  "step_through_latency_s")]
        lines.append(f"| {label} | {len(rows)} | {occ} | " + " | ".join(cells) + " |")
    with rc_context(STYLE):
        fig = new_figure((17, 4.8))
        panels = (("occupancy_training", "activation during training"),
                  ("stored_fraction", "stored (UP-synapse excess)"),
                  ("retention_index", "retention at 24 h"),
                  ("recall_overlap", "recall overlap"),
                  ("step_through_latency_s", "step-through latency (s)"))
        grid = fig.add_gridspec(1, len(panels))
        for j, (metric, xlabel) in enumerate(panels):
            ax = fig.add_subplot(grid[0, j])
            _bars(ax, [(k, v[metric].to_numpy(float)) for k, v in cases], colours,
                  horizontal=True, labels=j == 0)
            ax.set_xlabel(xlabel)
            if metric == "step_through_latency_s":
                ax.axvline(300, color=GREY, ls=":", lw=1)
            if metric in ("occupancy_training", "stored_fraction", "retention_index"):
                lo = min(v[metric].min() for _, v in cases)
                ax.set_xlim(max(0.0, lo - 0.08), None)
        fig.suptitle("One network, the source documents' doses: drug before training, test 24 h "
                     "later (mean and 95 % CI over 10 seeds, dots single runs)")
        path = save_figure(fig, out / "results_memory_translation.png")
    (out / "results_memory_translation.md").write_text("\n".join(lines) + "\n")
    return [path]


def retention(csv: Path, out: Path) -> list[Path]:
    d = pd.read_csv(csv)
    cases = _by_case(d, "experiment.description")
    lines = ["| case | delay (h) | n | retention | recall overlap | step-through latency (s) |",
             "|---|---|---|---|---|---|"]
    with rc_context(STYLE):
        fig = new_figure((14, 4.8))
        axes = [fig.add_subplot(1, 3, k + 1) for k in range(3)]
        for c, (label, rows) in enumerate(cases):
            delays = sorted(rows["protocol.delay_h"].unique())
            for ax, (metric, ylabel) in zip(axes, METRICS[::-1], strict=True):
                stats_ = [mean_ci(rows[rows["protocol.delay_h"] == t][metric]) for t in delays]
                m = np.array([s[0] for s in stats_])
                h = np.array([s[1] for s in stats_])
                ax.errorbar(delays, m, yerr=h, color=hue(c) if c else GREY, marker="o",
                            capsize=3, label=label)
                ax.set_xscale("log")
                ax.set_xlabel("delay (h)")
                ax.set_ylabel(ylabel)
            for t in delays:
                rr = rows[rows["protocol.delay_h"] == t]
                cells = [_fmt(*mean_ci(rr[mm])[:2]) for mm in
                         ("retention_index", "recall_overlap", "step_through_latency_s")]
                lines.append(f"| {label} | {t:g} | {len(rr)} | " + " | ".join(cells) + " |")
        axes[0].legend(frameon=False, fontsize=10)
        axes[2].axhline(300, color=GREY, ls=":", lw=1)
        fig.suptitle("Forgetting under 0.16 Hz of background firing (assumed); rat, hippocampus; "
                     "10 seeds per point")
        path = save_figure(fig, out / "results_memory_retention.png")
    (out / "results_memory_retention.md").write_text("\n".join(lines) + "\n")
    return [path]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rodent", type=Path)
    ap.add_argument("--translation", type=Path)
    ap.add_argument("--retention", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    args = ap.parse_args(argv)
    made = []
    for name, fn in (("rodent", rodent), ("translation", translation), ("retention", retention)):
        path = getattr(args, name)
        if path is None:
            continue
        if not path.is_file():
            print(f"--{name} {path}: no such file", file=sys.stderr)
            return 2
        made += fn(path, args.out)
    for p in made:
        print(p)
    return 0 if made else 2


if __name__ == "__main__":
    sys.exit(main())
