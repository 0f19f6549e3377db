"""Re-detect the ictal events of finished runs with other detection settings, without simulating.

    python scripts/reanalyse_ictal.py results/seizure_dose_response --set ictal_min_duration_s=2.5 \
        --out results/seizure_dose_response/ictal_2.5s.csv

Reads every ``run.h5`` under the folder (a run or a sweep), runs the ictal detector
(``sim.analysis.ictal``) on its stored spikes with the run's own ``[analysis]`` settings changed by
``--set`` (keys of ``[analysis]``), and writes one CSV row per run: the swept values that tell
runs apart (dose, seed, bath Mg2+ and K+, network size) and the ictal metrics. The interictal
threshold is the one the run stored. ``scripts/effect_sizes.py`` reads the CSV.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from sim.analysis.bursts import BurstParams
from sim.analysis.ictal import IctalParams
from sim.config import parse_override
from sim.protocols.epileptiform import ictal_analysis, without_events
from sim.store import read_run

CONDITIONS = {
    "drug.dose_mg_per_kg": lambda c: c.drug.dose_mg_per_kg,
    "simulation.seed": lambda c: c.simulation.seed,
    "bath.mg_mM": lambda c: c.bath.mg_mM,
    "bath.k_mM": lambda c: c.bath.k_mM,
    "network.n_exc": lambda c: c.network.n_exc,
}


def rows(folder: Path, changes: dict[str, float]) -> list[dict[str, object]]:
    out = []
    for path in sorted(folder.rglob("run.h5")):
        run = read_run(path)
        cfg = run.config
        settings = {**cfg.analysis.model_dump(), **changes}
        threshold = float(run.analysis["detection/threshold_hz"])
        _, metrics = ictal_analysis(run, BurstParams.from_mapping(settings),
                                    IctalParams.from_mapping(settings), threshold)
        runaway = bool(run.analysis.get("runaway", False))
        if runaway:  # as the run's own analysis
            metrics = without_events(metrics)
        metrics["runaway"] = runaway
        row: dict[str, object] = {k: f(cfg) for k, f in CONDITIONS.items()}
        row["run"] = path.parent.name
        row.update(metrics)
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an [analysis] key, e.g. ictal_min_duration_s=2.5")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    changes = {}
    for text in args.set:
        key, value = parse_override(text if "." in text.split("=")[0] else f"analysis.{text}")
        changes[key.split(".", 1)[1]] = value
    unknown = set(changes) - set(IctalParams.__dataclass_fields__) - set(
        BurstParams.__dataclass_fields__)
    if unknown:
        print(f"--set: not a detection key: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    table = rows(args.folder, changes)
    if not table:
        print(f"{args.folder}: no run.h5 found", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    print(f"{len(table)} runs -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
