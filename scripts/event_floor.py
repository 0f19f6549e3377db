"""The lowest firing inside each ictal event of finished runs: does an event fall quiet between
bursts (a clonic phase) or is it one sustained high state?

    python scripts/event_floor.py results/seizure_recurrent_depression_scan \
        --by network.depression_u network.depression_tau_rec_s --bin-s 0.25 --edge-s 0.5

Reads each run of a sweep (its ``sweep.csv`` and ``runs/<id>/run.h5``). For every complete ictal
event (``/analysis/ictal``: not cut by the run's start or end) it averages the pooled rate the
detectors ran on (``/analysis/detection/rate_hz``) in bins of ``--bin-s`` and reports the lowest
bin, leaving out ``--edge-s`` at each end (the onset's rise and the final fall). A clonic phase,
bursts at 1-5 Hz with silence between them, has a floor near the resting rate at 0.25 s bins; a
sustained high state has a floor far above the detection threshold. Prints one Markdown row per
run; nothing is simulated or written. The threshold-free complement of the ictal detector's
phase reading (``analysis.phase_threshold_fraction``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.store import read_run
from sim.sweeps.table import read_sweep_rows


def event_floors(analysis: dict, bin_s: float, edge_s: float) -> list[tuple[float, float]]:
    """(duration, lowest binned pooled rate) of each complete ictal event of one run's stored
    analysis; events too short to hold one bin between their edges are left out."""
    rate = np.asarray(analysis["detection/rate_hz"], dtype=np.float64)
    step = float(analysis["detection/bin_s"])
    t0 = float(analysis["detection/t_start_s"])
    per_bin = max(1, round(bin_s / step))
    out = []
    starts = np.atleast_1d(analysis.get("ictal/start_s", []))
    stops = np.atleast_1d(analysis.get("ictal/stop_s", []))
    complete = np.atleast_1d(analysis.get("ictal/complete", np.ones(starts.size)))
    for a, b, whole in zip(starts, stops, complete):
        if not whole:
            continue
        i = max(0, int(np.ceil((a + edge_s - t0) / step)))
        j = min(rate.size, int(np.floor((b - edge_s - t0) / step)))
        n = (j - i) // per_bin
        if n < 1:
            continue
        binned = rate[i:i + n * per_bin].reshape(n, per_bin).mean(axis=1)
        out.append((float(b - a), float(binned.min())))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep", type=Path, help="a sweep's output folder (with sweep.csv)")
    parser.add_argument("--by", nargs="+", required=True, help="columns of sweep.csv that tell "
                        "the runs apart")
    parser.add_argument("--bin-s", type=float, default=0.25, help="bin width, s (default 0.25)")
    parser.add_argument("--edge-s", type=float, default=0.5, help="left out at each end of an "
                        "event, s (default 0.5)")
    args = parser.parse_args(argv)
    if not args.bin_s > 0 or args.edge_s < 0:
        print("error: --bin-s must be > 0 and --edge-s >= 0", file=sys.stderr)
        return 2
    try:
        rows = read_sweep_rows(args.sweep, args.by)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"| {' | '.join(args.by)} | complete ictal events | durations (s) "
          f"| lowest pooled rate inside, {args.bin_s:g} s bins (Hz) |")
    print("|" + "---|" * (len(args.by) + 3))
    for row in rows:
        floors = event_floors(read_run(args.sweep / "runs" / row["run_id"]).analysis,
                              args.bin_s, args.edge_s)
        cells = [row[k] for k in args.by]
        durations = ", ".join(f"{d:.1f}" for d, _ in floors) or "-"
        lows = ", ".join(f"{x:.0f}" for _, x in floors) or "-"
        print(f"| {' | '.join(cells)} | {len(floors)} | {durations} | {lows} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
