"""Count the long discharges of finished seizure runs: how often a train of brief discharges
escalates into a tonic one.

    python scripts/long_discharges.py results/burst_ahp_dose --by drug.dose_mg_per_kg --min-s 2

Reads each run of a sweep (its ``sweep.csv`` and ``runs/<id>/run.h5``) and, from the interictal
detector's events stored in ``/analysis/events`` (start_s, stop_s), prints per value of ``--by``
how many runs hold a discharge of at least ``--min-s`` seconds, how many such discharges each run
holds, and each run's longest discharge. Nothing is simulated or written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.store import read_run
from sim.sweeps.table import read_sweep_rows


def durations(run_dir: Path) -> np.ndarray:
    """Durations (s) of the discharges the interictal detector found in one run."""
    analysis = read_run(run_dir).analysis
    return np.asarray(analysis["events/stop_s"]) - np.asarray(analysis["events/start_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep", type=Path, help="a sweep's output folder (with sweep.csv)")
    parser.add_argument("--by", required=True, help="a column of sweep.csv to group runs by")
    parser.add_argument("--min-s", type=float, default=2.0, help="a long discharge lasts at "
                        "least this many seconds (default 2)")
    args = parser.parse_args(argv)
    try:
        rows = read_sweep_rows(args.sweep, [args.by])
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    groups: dict[str, list[np.ndarray]] = {}
    for row in rows:
        groups.setdefault(row[args.by], []).append(durations(args.sweep / "runs" / row["run_id"]))
    print(f"| {args.by} | runs with a discharge >= {args.min_s:g} s | such discharges per run "
          "| longest discharge per run (s) |")
    print("|---|---|---|---|")
    for value, runs in groups.items():
        counts = [int(np.sum(d >= args.min_s)) for d in runs]
        longest = [float(d.max()) if d.size else 0.0 for d in runs]
        print(f"| {value} | {sum(c > 0 for c in counts)} / {len(runs)} | "
              f"{', '.join(map(str, counts))} | {', '.join(f'{x:.1f}' for x in longest)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
