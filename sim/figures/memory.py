"""The figure of one memory run (``memory_run.png``), drawn from what run.h5 holds.

Three panels: (a) the pyramidal cells' spikes through training and test, the assembly's cued and
uncued parts coloured, the delay marked where the simulated time jumps over it; (b) the firing
rates of the cued and uncued assembly and of the control cells around the cue; (c) the share of
UP synapses inside the assembly and among control synapses through the delay (log time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context

from sim.figures.network import run_title
from sim.figures.style import GREY, OKABE_ITO, STYLE, new_figure, save_figure

CUED, UNCUED, CONTROL = OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["blue"]
#: Control cells drawn in the raster (all assembly cells are drawn).
RASTER_CONTROL_CELLS = 80


def _delay_label(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:g} days"
    return f"{hours:g} h"


def plot_memory_run(run: Any, folder: Path) -> list[Path]:
    a = run.analysis
    train_on, train_off, t_jump, cue_on, cue_off, end = (float(x) for x in a["phases_s"])
    n_a, n_c = int(a["n_assembly"]), int(a["n_cued"])
    t, i = (np.asarray(x) for x in run.spikes["exc"])
    n_exc = int(run.n_nodes["exc"])
    delay_h = float(a["delay_h"])
    with rc_context(STYLE):
        fig = new_figure((12, 8.5))
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1])
        ax = fig.add_subplot(grid[0, :])
        shown = (i < n_a + RASTER_CONTROL_CELLS)
        colours = np.where(i < n_c, CUED, np.where(i < n_a, UNCUED, CONTROL))
        ax.scatter(t[shown], i[shown], s=1.5, c=colours[shown], linewidths=0, rasterized=True)
        ax.axvspan(train_on, train_off, color=GREY, alpha=0.12, lw=0)
        ax.axvspan(cue_on, cue_off, color=CUED, alpha=0.12, lw=0)
        ax.axvline(t_jump, color="k", lw=1.2, ls="--")
        top = n_a + RASTER_CONTROL_CELLS
        ax.text(0.5 * (train_on + train_off), top * 1.02, "training", ha="center", va="bottom")
        ax.text(t_jump, top * 1.02, f"delay {_delay_label(delay_h)}", ha="center", va="bottom")
        ax.text(0.5 * (cue_on + cue_off), top * 1.02, "cue", ha="center", va="bottom")
        ax.set_ylim(-1, top * 1.12)
        ax.set_xlim(0, end)
        ax.set_xlabel("simulated time (s; the delay itself is not simulated)")
        ax.set_ylabel("pyramidal cell")
        ax.set_title(f"(a) spikes: cued assembly (red), uncued assembly (orange), "
                     f"{RASTER_CONTROL_CELLS} of {n_exc - n_a} control cells (blue)", loc="left")

        ax = fig.add_subplot(grid[1, 0])
        lo, hi = cue_on - 0.2, end
        edges = np.arange(lo, hi + 1e-9, 0.01)
        for lab, sel, n, col in (("cued", i < n_c, n_c, CUED),
                                 ("uncued", (i >= n_c) & (i < n_a), n_a - n_c, UNCUED),
                                 ("control", i >= n_a, n_exc - n_a, CONTROL)):
            counts, _ = np.histogram(t[sel], bins=edges)
            ax.step(1e3 * (edges[:-1] - cue_on), counts / n / 0.01, where="post", color=col,
                    label=f"{lab} assembly" if lab != "control" else "control cells")
        ax.axvspan(0, 1e3 * (cue_off - cue_on), color=CUED, alpha=0.12, lw=0)
        overlap = a.get("recall_overlap")
        ax.set_title(f"(b) recall: overlap {float(overlap):.2f}" if overlap is not None
                     and np.isfinite(float(overlap)) else "(b) recall", loc="left")
        ax.set_xlabel("time from cue onset (ms)")
        ax.set_ylabel("rate (Hz, 10 ms bins)")
        ax.legend(frameon=False)

        ax = fig.add_subplot(grid[1, 1])
        th = np.atleast_1d(np.asarray(a["delay_course_h"], dtype=float))
        if th.size > 1:
            ax.plot(th[1:], np.asarray(a["delay_course_up_assembly"])[1:], color=UNCUED,
                    label="assembly synapses")
            ax.plot(th[1:], np.asarray(a["delay_course_up_control"])[1:], color=CONTROL,
                    label="control synapses")
            ax.set_xscale("log")
        ax.scatter([th[-1]] * 2, [float(a["up_assembly_delayed"]), float(a["up_control_delayed"])],
                   color=[UNCUED, CONTROL], zorder=3, label="this run (sampled)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("time into the delay (h)")
        ax.set_ylabel("share of UP synapses")
        ret = a.get("retention_index")
        ax.set_title("(c) forgetting" + (f": retention {float(ret):.2f}"
                                        if ret is not None and np.isfinite(float(ret)) else ""),
                     loc="left")
        ax.legend(frameon=False, loc="lower left")
        timing = str(run.attrs.get("drug_timing", "")).replace("_", " ")
        dosed = float(run.conditions.get("dose_mg_per_kg") or 0) > 0 or \
            float(run.conditions.get("dose_mg") or 0) > 0
        fig.suptitle(run_title(run) + (f" · drug {timing}" if dosed and timing else ""))
        return [save_figure(fig, Path(folder) / "memory_run.png")]
