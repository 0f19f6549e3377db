#!/usr/bin/env python
"""Model vs paper for every calibration target of the milacemide drug model.

    python scripts/calibrate_pk.py          # the table; exit code 1 if a target is missed
    python scripts/calibrate_pk.py --fit    # also re-fit the regional GlyT1 clearance capacities
                                            # and the extracellular couplings (the constants
                                            # GLYCINE_CLEARANCE_PER_H and EXTRACELLULAR_COUPLING
                                            # in sim/pharmacology/parameters.py) and print them

The targets and their sources are in sim/pharmacology/calibration.py; docs/pharmacology.md keeps
the table from the last run. Takes a second or two.
"""

from __future__ import annotations

import argparse
import sys

from sim.config import DrugConfig
from sim.pharmacology import simulate
from sim.pharmacology.calibration import (
    REGIONAL_RISE_PERCENT,
    evaluate_targets,
    fit_extracellular_coupling,
    fit_regional_clearance,
    rise_percent,
)
from sim.pharmacology.parameters import EXTRACELLULAR_COUPLING, GLYCINE_CLEARANCE_PER_H


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e4:
        return f"{x:.3g}"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def table() -> tuple[str, bool]:
    results = evaluate_targets()
    rows = [("target", "paper", "model", "accepted", "unit", "ok")]
    for r in results:
        t = r.target
        rows.append((t.name, t.paper, _fmt(r.model), r.band, t.unit, "yes" if r.ok else "NO"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for j, row in enumerate(rows):
        cells = [c.ljust(w) if i != 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    sources = sorted({s for r in results for s in r.target.source.split("; ")})
    lines.append("")
    lines.append("sources: " + "; ".join(sources))
    return "\n".join(lines), all(r.ok for r in results)


def extras() -> str:
    """Numbers that are not targets but worth seeing beside them."""
    lines = ["", "not targets (model predictions):"]
    base = simulate(DrugConfig(dose_mg_per_kg=100.0))
    inact = simulate(DrugConfig(dose_mg_per_kg=100.0, mao_b_inactivation=True))
    lines.append(
        f"  rat 100 mg/kg i.p., 3 h, hippocampus: plasma {base.plasma_milacemide_uM_observed:.0f} uM "
        f"(peak {base.plasma_milacemide_uM.max():.0f}), brain milacemide "
        f"{base.brain_milacemide_uM_observed:.1f} uM (peak {base.brain_milacemide_uM.max():.1f}), "
        f"glycinamide {base.glycinamide_uM_observed:.1f} uM (peak {base.glycinamide_uM.max():.1f})"
    )
    lines.append(
        f"  same with mechanism-based MAO-B inactivation: tissue glycine {rise_percent(inact):+.1f} %"
        f" (vs {rise_percent(base):+.1f} %), "
        f"MAO-B active {100 * inact.mao_b_active_fraction_observed:.0f} %"
    )
    excess = rise_percent(base) / 100 * base.glycine_baseline_uM
    content = base.parameters.tissue_glycine_umol_per_g
    lines.append(
        f"  the tissue pool's excess is {excess:.2f} uM of brain water on the model's scale; "
        f"+{rise_percent(base):.0f} % of an assumed {content:g} umol/g tissue content would be "
        f"~{rise_percent(base) * 10 * content:.0f} uM: the model carries the relative rise, "
        "not the amount"
    )
    for inactivation in (False, True):
        human = simulate(DrugConfig(
            species="human", dose_mg=600.0, doses_per_day=2, days=30, route="oral",
            mao_b_inactivation=inactivation, pk_scaling="fixed",
        ))
        lines.append(
            f"  human 600 mg oral x2/day x30 d (t1/2 2.5 h, 0.4's fixed scaling), 3 h after the last"
            f" dose, hippocampus"
            f"{' (MAO-B inactivation on)' if inactivation else ''}: "
            f"tissue glycine {rise_percent(human):+.1f} %, extracellular "
            f"{human.glycine_change_percent_observed:+.1f} %, "
            f"MAO-B active {100 * human.mao_b_active_fraction_observed:.0f} %"
        )
    return "\n".join(lines)


def fit() -> str:
    lines = ["", "regional GlyT1 clearance capacity (1/h), fitted to Chapman & Hart 1988:"]
    for region, pct in REGIONAL_RISE_PERCENT.items():
        k = fit_regional_clearance(region)
        lines.append(
            f"  {region:<12} +{pct:g} %  fitted {k:.4f}  (in parameters.py: "
            f"{GLYCINE_CLEARANCE_PER_H[region]:g})"
        )
    lines.append("extracellular coupling (extracellular change / tissue change):")
    for region in ("hippocampus", "cortex"):
        value, (low, high) = fit_extracellular_coupling(region)
        lines.append(f"  {region:<12} fitted {value:.4f}, data allow {low:.3f}-{high:.3f}  "
                     f"(in parameters.py: {EXTRACELLULAR_COUPLING[region]:g})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="re-fit the regional clearances")
    args = parser.parse_args(argv)
    text, ok = table()
    print(text)
    print(extras())
    if args.fit:
        print(fit())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
