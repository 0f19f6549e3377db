"""The figure of one output of ``milasim uncertainty``: its spread per case and what drives it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context

from sim.figures.style import GREY, OKABE_ITO, STYLE, new_figure, save_figure
from sim.metrics import display_unit


def plot_output(results: dict[str, Any], name: str, meta: tuple[str, str], path: Path) -> Path:
    """Left: median and interval of ``name`` for each case. Right: total Sobol indices (colour and
    number) and first-order indices (in brackets), cases by parameters."""
    unit, description = meta
    cases = list(results["cases"])
    lo_key, hi_key = results["interval_keys"]
    params = list(results["parameters"])
    entries = [results["cases"][c][name] for c in cases]
    st = np.array([[e["ST"][p] for p in params] for e in entries])
    s1 = np.array([[e["S1"][p] for p in params] for e in entries])
    n_c, n_p = len(cases), len(params)
    with rc_context(STYLE):
        fig = new_figure((5.5 + 0.95 * n_p, 2.4 + 0.62 * n_c))
        ax_l, ax_r = fig.subplots(1, 2, width_ratios=[1.0, max(1.2, 0.32 * n_p)])
        y = np.arange(n_c)[::-1]
        med = np.array([e["median"] for e in entries])
        lo = np.array([e[lo_key] for e in entries])
        hi = np.array([e[hi_key] for e in entries])
        ax_l.hlines(y, lo, hi, color=OKABE_ITO["blue"], lw=3, alpha=0.6,
                    label=f"{results['interval_percent']:g} % interval")
        ax_l.plot(med, y, "o", color=OKABE_ITO["blue"], ms=7, label="median")
        if name == "nmda_gain":
            ax_l.axvline(1.0, color=GREY, lw=1, ls="--")
        elif name in ("occupancy_change",) or name.endswith("change_percent"):
            ax_l.axvline(0.0, color=GREY, lw=1, ls="--")
        ax_l.set_yticks(y, cases)
        ax_l.set_ylim(-0.6, n_c - 0.4)
        label = description + (f" ({display_unit(unit)})" if unit not in ("1", "", "x") else "")
        ax_l.set_xlabel(textwrap.fill(label, 32))
        wide = np.all(lo > 0) and np.max(hi) / max(np.min(lo), 1e-300) > 30
        if name == "nmda_gain" or wide:  # ratios, and positive spreads over decades
            ax_l.set_xscale("log")
        ax_l.legend(loc="upper left", bbox_to_anchor=(0.0, -0.3), ncols=2, fontsize=10,
                    frameon=False)

        im = ax_r.imshow(st, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0)
        for i in range(n_c):
            for j in range(n_p):
                colour = "white" if st[i, j] > 0.55 else "black"
                # estimates of ~0 scatter around it; show them as 0.00, not -0.00
                ax_r.text(j, i, f"{max(st[i, j], 0.0):.2f}\n({max(s1[i, j], 0.0):.2f})",
                          ha="center", va="center", fontsize=8.5, color=colour)
        ax_r.set_xticks(range(n_p), [p.replace("_", " ") for p in params], rotation=40,
                        ha="right", fontsize=10)
        ax_r.set_yticks(range(n_c), [""] * n_c)
        ax_r.tick_params(axis="y", left=False)
        ax_r.set_title("total Sobol index ST (first-order S1)", fontsize=12)
        ax_r.spines[:].set_visible(False)
        fig.colorbar(im, ax=ax_r, shrink=0.8, label="ST")
        fig.suptitle(f"{description}: spread over the assumed parameters "
                     f"({results['samples']} x (D + 2) samples per case)", fontsize=13)
        return save_figure(fig, path)
