"""Accuracy of the numerical settings: ``python benchmarks/accuracy.py results/numerics``.

Reads the sweep.csv of ``experiments/numerics.toml`` (time step, float width and integration
method, zipped, times seeds), or of another numerics sweep that varies some of these
(``experiments/numerics_ltp.toml``, ``experiments/numerics_ictal.toml``), and prints, per setting,
each metric's mean over seeds, its difference from the reference setting (the first of the zip: dt 0.1 ms, float64, forward Euler) in units of
the reference's seed-to-seed standard deviation, and whether every metric stays within that
spread (|difference| <= 1 SD: the acceptance rule of issue 14). The mean wall time per run is
shown too (noisy on a shared machine; the CPU ratios are in ``benchmarks/run.py``).

``--markdown`` prints the table as Markdown (docs/performance.md).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

#: Settings: the zipped keys of experiments/numerics*.toml, in this order (those a sweep has).
SETTING_KEYS = ("simulation.dt_ms", "simulation.precision", "network.integration",
                "simulation.ion_dt_ms")
#: The metrics judged: the seizure metrics of the epileptiform protocol, and the LTP protocol's.
METRICS = ("rate_exc_hz", "rate_inh_hz", "ictal_event_count", "mean_ictal_duration_s",
           "k_o_peak_mM", "interictal_discharge_rate_hz", "synchrony_chi", "mean_g_nmda_exc_nS",
           "ltp_percent", "ltp_percent_early", "baseline_drift_percent")


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def read_rows(sweep_dir: Path) -> list[dict[str, str]]:
    path = sweep_dir / "sweep.csv"
    if not path.is_file():
        sys.exit(f"accuracy: {path}: no such file (run the numerics sweep first)")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def accuracy_table(rows: list[dict[str, str]]) -> tuple[list[tuple], list[str], dict]:
    """(settings in order of appearance, metrics present, stats[setting][metric] -> dict)."""
    by_setting: dict[tuple, list[dict[str, str]]] = defaultdict(list)
    keys = setting_keys(rows)
    for row in rows:
        by_setting[tuple(row[k] for k in keys)].append(row)
    settings = list(by_setting)
    metrics = [m for m in METRICS if m in rows[0]]
    stats: dict[tuple, dict[str, dict[str, float]]] = {}
    reference = settings[0]
    for setting in settings:
        stats[setting] = {}
        for m in metrics:
            values = np.array([_number(r[m]) for r in by_setting[setting]])
            values = values[np.isfinite(values)]
            stats[setting][m] = {
                "n": values.size,
                "mean": float(values.mean()) if values.size else math.nan,
                "sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
            }
        wall = np.array([_number(r.get("wall_time_s", "")) for r in by_setting[setting]])
        stats[setting]["_wall_s"] = {"mean": float(np.nanmean(wall)) if wall.size else math.nan}
        stats[setting]["_runs"] = {"n": len(by_setting[setting])}
    for setting in settings:
        for m in metrics:
            ref = stats[reference][m]
            diff = stats[setting][m]["mean"] - ref["mean"]
            stats[setting][m]["diff_in_sd"] = (diff / ref["sd"] if ref["sd"] and
                                               math.isfinite(ref["sd"]) and ref["sd"] > 0
                                               else (0.0 if diff == 0 else math.nan))
    return settings, metrics, stats


def setting_keys(rows: list[dict[str, str]]) -> tuple[str, ...]:
    """The setting keys the sweep varied (its sweep.csv has a column for each swept key)."""
    keys = tuple(k for k in SETTING_KEYS if k in rows[0])
    if not keys:
        sys.exit(f"accuracy: sweep.csv has none of the setting columns {', '.join(SETTING_KEYS)}")
    return keys


def label(setting: tuple, keys: tuple[str, ...]) -> str:
    """``dt 0.1 ms, float64, euler``: the values of the setting keys the sweep varied."""
    return ", ".join(f"dt {v} ms" if k == "simulation.dt_ms" else v for k, v in zip(keys, setting))


def largest_difference(stats: dict, setting: tuple, metrics: list[str]) -> float:
    """The largest |difference from the reference| of ``setting``, in reference SDs, over the
    metrics that have one (NaN if none has): acceptable when <= 1."""
    values = [abs(stats[setting][m]["diff_in_sd"]) for m in metrics
              if math.isfinite(stats[setting][m]["diff_in_sd"])]
    return max(values, default=math.nan)


def render(settings, metrics, stats, keys: tuple[str, ...], markdown: bool = False) -> str:
    head = ["setting", "runs", "wall s/run", *metrics, "within spread"]
    lines = []
    for setting in settings:
        s = stats[setting]
        cells = [label(setting, keys), str(s["_runs"]["n"]),
                 f"{s['_wall_s']['mean']:.0f}"]
        for m in metrics:
            d = s[m]
            z = d.get("diff_in_sd", math.nan)
            if setting == settings[0]:
                cells.append(f"{d['mean']:.3g} ± {d['sd']:.2g}")
            else:
                cells.append(f"{d['mean']:.3g} ({z:+.1f} SD)" if math.isfinite(z)
                             else f"{d['mean']:.3g} (n/a)")
        ok = not largest_difference(stats, setting, metrics) > 1.0  # NaN: nothing to judge
        cells.append("reference" if setting == settings[0] else ("yes" if ok else "no"))
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c) + " |" for c in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), *(fmt.format(*c) for c in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="the numerics sweep's output folder")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    rows = read_rows(args.sweep_dir)
    if not rows:
        sys.exit("accuracy: sweep.csv has no finished runs")
    settings, metrics, stats = accuracy_table(rows)
    print("reference: the first setting, mean ± seed-to-seed SD; others: mean (difference from "
          "the reference in reference SDs); within spread = every |difference| <= 1 SD")
    print(render(settings, metrics, stats, setting_keys(rows), markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
