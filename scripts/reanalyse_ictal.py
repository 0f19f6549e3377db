"""Re-detect the ictal events of finished runs with other detection settings, without simulating.

    python scripts/reanalyse_ictal.py results/seizure_dose_response --set ictal_min_duration_s=2.5 \
        --out results/seizure_dose_response/ictal_2.5s.csv

Reads every ``run.h5`` under the folder (a run or a sweep) and runs the run's whole analysis again
on its stored spikes (the interictal detector of ``sim.analysis.bursts``, its threshold included,
and the ictal detector of ``sim.analysis.ictal``) with the run's own ``[analysis]`` settings
changed by ``--set`` (keys of ``[analysis]``). It writes one CSV row per run: the swept values that
tell runs apart (a sweep's swept keys from its ``sweep.json``; else dose, seed, bath Mg2+ and K+,
network size) and the metrics of ``summary.json``
(the re-analysed ones replaced).
``scripts/effect_sizes.py`` reads the CSV. ``--figures DIR`` draws the sweep figures (and their
Markdown tables) from the re-analysed rows, as ``milasim sweep`` draws them from sweep.csv.
Nothing under the folder is changed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from sim.analysis.bursts import BurstParams
from sim.analysis.ictal import IctalParams
from sim.errors import InputError
from sim.figures.sweep import plot_sweep
from sim.protocols.epileptiform import analyse, detection_changes
from sim.store import read_run
from sim.sweeps.table import SweepTable

CONDITIONS = {
    "drug.dose_mg_per_kg": lambda c: c.drug.dose_mg_per_kg,
    "simulation.seed": lambda c: c.simulation.seed,
    "bath.mg_mM": lambda c: c.bath.mg_mM,
    "bath.k_mM": lambda c: c.bath.k_mM,
    "network.n_exc": lambda c: c.network.n_exc,
}

#: (swept keys, axes, run id -> its grid values, the experiment's figure panels or None), see
#: :func:`sweep_grid`
Grid = tuple[list[str], list[tuple[str, ...]], dict[str, dict], list[str] | None]


def sweep_grid(folder: Path) -> Grid:
    """(swept keys, axes, run id -> its grid values) from a sweep's ``sweep.json``; for a folder
    without one, the usual conditions (dose, seed, bath, size) read from each run's config."""
    path = folder / "sweep.json"
    if not path.is_file():
        return list(CONDITIONS), [], {}, None
    grid = json.loads(path.read_text())
    runs = {r["run_id"]: {k: v for k, v in r.items() if k != "run_id"} for r in grid["runs"]}
    return (list(grid["swept_keys"]), [tuple(a["keys"]) for a in grid["axes"]], runs,
            grid.get("figure_metrics"))


def rows(folder: Path, changes: dict[str, float], grid: Grid) -> list[dict[str, object]]:
    swept, _, grid_runs, _ = grid
    out = []
    for path in sorted(folder.rglob("run.h5")):
        run_id = path.parent.name
        if grid_runs and run_id not in grid_runs:
            continue  # a finished run of another grid in the same folder (as sweep.csv does)
        run = read_run(path)
        cfg = run.config
        settings = {**cfg.analysis.model_dump(), **changes}
        metrics = analyse(run, BurstParams.from_mapping(settings), seed=cfg.simulation.seed,
                          ictal=IctalParams.from_mapping(settings))
        row: dict[str, object] = (dict(grid_runs[run_id]) if grid_runs
                                  else {k: CONDITIONS[k](cfg) for k in swept})
        row["run"] = run_id
        summary = path.with_name("summary.json")  # the run's other values (glycine, occupancy)
        if summary.is_file():
            row.update({k: v for k, v in json.loads(summary.read_text()).items()
                        if isinstance(v, (int, float, bool)) and k not in ("seed", "wall_time_s")})
        row.update(metrics)
        out.append(row)
    return out


def figures(table: list[dict[str, object]], source: Path, folder: Path,
            grid: Grid) -> list[Path]:
    """The sweep figures of the re-analysed rows, with the sweep's own axes (``sweep.json``) or,
    without one, the conditions that vary."""
    swept, axes, _, chosen = grid
    if not axes:
        swept = [k for k in swept if len({row[k] for row in table}) > 1]
    metrics = [k for k in table[0] if k not in swept and k != "run"]
    return plot_sweep(SweepTable(swept=swept, metrics=metrics, rows=table, axes=axes), folder,
                      title=f"{source.name} (re-analysed)", metrics=chosen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an [analysis] key, e.g. ictal_min_duration_s=2.5")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--figures", type=Path, metavar="DIR",
                    help="draw the sweep figures of the re-analysed runs into DIR")
    args = ap.parse_args(argv)
    try:
        changes = detection_changes(args.set)
    except InputError as e:
        print(e, file=sys.stderr)
        return 2
    grid = sweep_grid(args.folder)
    table = rows(args.folder, changes, grid)
    if not table:
        print(f"{args.folder}: no run.h5 found", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(f"{len(table)} runs -> {args.out}")
    if args.figures:
        for path in figures(table, args.folder, args.figures, grid):
            print(f"figure -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
