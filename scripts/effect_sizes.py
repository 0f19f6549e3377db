"""Per-condition means with 95 % intervals and effect sizes against a reference, from a sweep.csv.

    python scripts/effect_sizes.py results/seizure_dose_response/sweep.csv \
        --by drug.dose_mg_per_kg --metrics ictal_rate_per_min mean_ictal_duration_s

For each value of ``--by`` and each metric: n (runs where the metric is defined), mean, the
Student-t 95 % interval of the mean, the difference from the reference condition (the first value,
or ``--reference``) with its Welch 95 % interval, and Hedges' g (the standardised difference,
small-sample corrected). Prints a Markdown table (the README's tables are made with it).
``--where COLUMN=VALUE`` (repeatable) keeps a slice of a many-factor grid.
Booleans count as 0/1; empty cells (undefined metrics) are left out and n says how many remain.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict

import numpy as np
from scipy import stats


def _value(text: str) -> float:
    if text in ("", "None", "nan"):
        return math.nan
    if text in ("True", "False"):
        return float(text == "True")
    return float(text)


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    m = float(np.mean(x)) if x.size else math.nan
    if x.size < 2:
        return m, math.nan, math.nan
    h = stats.t.ppf(0.975, x.size - 1) * np.std(x, ddof=1) / math.sqrt(x.size)
    return m, m - h, m + h


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means b - a with its Welch 95 % interval."""
    d = float(np.mean(b) - np.mean(a))
    va, vb = np.var(a, ddof=1) / a.size, np.var(b, ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    h = stats.t.ppf(0.975, df) * se
    return d, d - h, d + h


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = a.size, b.size
    pooled = math.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1))
                       / (na + nb - 2))
    if pooled <= 1e-9 * max(abs(float(np.mean(a))), abs(float(np.mean(b))), 1e-300):
        return math.nan  # no spread (a computed constant such as occupancy): no effect size
    return float((np.mean(b) - np.mean(a)) / pooled * (1 - 3 / (4 * (na + nb) - 9)))


def _fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.3g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--by", required=True, help="the column that names a condition")
    ap.add_argument("--metrics", nargs="+", required=True)
    ap.add_argument("--reference", help="the reference condition (default: the first)")
    ap.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                    help="keep only the runs with this value (repeatable; numbers compare as "
                         "numbers)")
    args = ap.parse_args(argv)
    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        print(f"{args.csv}: no runs", file=sys.stderr)
        return 2
    filters = []
    for item in args.where:
        key, sep, want = item.partition("=")
        if not sep:
            print(f"--where {item!r}: expected COLUMN=VALUE", file=sys.stderr)
            return 2
        filters.append((key, want))
    for key in [args.by, *args.metrics, *(k for k, _ in filters)]:
        if key not in rows[0]:
            print(f"{args.csv}: no column {key!r}", file=sys.stderr)
            return 2

    def same(text: str, want: str) -> bool:
        try:
            return float(text) == float(want)
        except ValueError:
            return text == want

    rows = [r for r in rows if all(same(r[k], v) for k, v in filters)]
    if not rows:
        print(f"{args.csv}: no run matches {' and '.join(args.where)}", file=sys.stderr)
        return 2
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row[args.by]].append(row)
    try:  # numeric conditions in numeric order
        groups = dict(sorted(groups.items(), key=lambda kv: float(kv[0])))
    except ValueError:
        pass
    ref = args.reference if args.reference is not None else next(iter(groups))
    print(f"| {args.by} | metric | n | mean [95 % CI] | difference from {ref} [95 % CI] "
          "| Hedges' g |")
    print("|---|---|---|---|---|---|")
    for metric in args.metrics:
        values = {k: np.array([v for v in (_value(r[metric]) for r in g) if math.isfinite(v)])
                  for k, g in groups.items()}
        base = values[ref]
        for cond, x in values.items():
            m, lo, hi = t_interval(x)
            if cond == ref or x.size < 2 or base.size < 2:
                diff, g = "", ""
            else:
                d, dlo, dhi = welch(base, x)
                diff, g = f"{_fmt(d)} [{_fmt(dlo)}, {_fmt(dhi)}]", _fmt(hedges_g(base, x))
            print(f"| {cond} | {metric} | {x.size} | {_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}] "
                  f"| {diff} | {g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
