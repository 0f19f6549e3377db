"""Draw a stretch of a seizure run close up: the detector's rate, its threshold, each ictal
event's phase level, and [K+]o / [Na+]i, to see what the phases of an event are made of.

    python scripts/event_zoom.py results/seizure_slow_ahp/runs/<id> --from 160 --to 200 \
        --out docs/figures/seizure_slow_ahp_zoom.png [--set phase_threshold_fraction=0.25]

The run's whole analysis is done again in memory, on its stored spikes, with the run's own
``[analysis]`` settings changed by ``--set`` (as scripts/reanalyse_ictal.py does); nothing under
the run is changed. The rate drawn is the pooled, smoothed rate the ictal detector reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.analysis.bursts import (
    BurstParams,
    pooled_rate,
    select_populations,
    smooth_rate,
)
from sim.analysis.ictal import IctalParams
from sim.errors import InputError
from sim.protocols.epileptiform import analyse, detection_changes
from sim.store import read_run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a run folder or its run.h5")
    ap.add_argument("--from", dest="t0", type=float, required=True, help="start, s")
    ap.add_argument("--to", dest="t1", type=float, required=True, help="end, s")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an [analysis] key, e.g. phase_threshold_fraction=0.25")
    args = ap.parse_args(argv)
    try:
        changes = detection_changes(args.set)
        run = read_run(args.run)  # a run folder or its run.h5; a missing one is an InputError
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    if not 0 <= args.t0 < args.t1 <= run.duration_s:
        print(f"--from/--to: expected 0 <= from < to <= {run.duration_s:g} s", file=sys.stderr)
        return 2
    settings = {**run.config.analysis.model_dump(), **changes}
    bursts, ictal = BurstParams.from_mapping(settings), IctalParams.from_mapping(settings)
    analyse(run, bursts, seed=run.config.simulation.seed, ictal=ictal)
    a = run.analysis
    bin_s = bursts.rate_bin_ms * 1e-3
    pooled, _ = pooled_rate(run.spikes, run.n_nodes, select_populations(run.spikes),
                            run.duration_s, bin_s)
    rate = smooth_rate(pooled, bin_s, bursts.burst_smooth_ms)
    t = (np.arange(rate.size) + 0.5) * bin_s
    win = (t >= args.t0) & (t <= args.t1)

    from matplotlib import rc_context

    from sim.figures.style import (
        GREY,
        OKABE_ITO,
        POP_COLORS,
        STYLE,
        new_figure,
        save_figure,
    )

    with rc_context(STYLE):
        fig = new_figure((10, 6))
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        top.plot(t[win], rate[win], color="black", lw=0.8, label="pooled rate (smoothed)")
        threshold = float(a["detection/threshold_hz"])
        top.axhline(threshold, color=OKABE_ITO["green"], ls="--", lw=1.2,
                    label=f"detection threshold {threshold:.1f} Hz")
        shown = False
        for start, stop, level in zip(a["ictal/start_s"], a["ictal/stop_s"],
                                      a["ictal/phase_level_hz"]):
            if stop < args.t0 or start > args.t1:
                continue
            lo, hi = max(start, args.t0), min(stop, args.t1)
            for ax in (top, bottom):
                ax.axvspan(lo, hi, color=OKABE_ITO["yellow"], alpha=0.3, lw=0,
                           label="ictal event" if ax is top and not shown else None)
            top.hlines(level, lo, hi, color=OKABE_ITO["purple"], lw=1.6,
                       label="phase level" if not shown else None)
            shown = True
        top.set_ylabel("rate (Hz)")
        top.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=10, frameon=False,
                   ncol=4)
        ions_t = run.traces["ions_t_s"]
        iw = (ions_t >= args.t0) & (ions_t <= args.t1)
        bottom.plot(ions_t[iw], run.traces["k_o_mM"][iw], color="black", label="[K⁺]o")
        bottom.set_ylabel("[K⁺]o (mM)")
        na = bottom.twinx()
        na.plot(ions_t[iw], run.traces["na_in_exc_mM"][iw], color=POP_COLORS["exc"], ls="--")
        na.set_ylabel("[Na⁺]i exc (mM)", color=POP_COLORS["exc"])
        na.spines["right"].set_visible(True)
        bottom.set_xlabel("time (s)")
        bottom.set_xlim(args.t0, args.t1)
        bottom.grid(False)
        c = run.config
        fig.suptitle(f"{c.experiment.description}, seed {c.simulation.seed}: "
                     f"{args.t0:g}-{args.t1:g} s", color=GREY if not shown else "black")
        save_figure(fig, args.out)
    print(f"figure -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
