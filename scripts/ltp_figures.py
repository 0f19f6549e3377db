#!/usr/bin/env python
"""The LTP figures and numbers of the README and docs/ltp.md, from configs/ltp.toml.

    python scripts/ltp_figures.py                   # figures into docs/figures/, table on stdout
    python scripts/ltp_figures.py --out /tmp/ltp    # somewhere else

Runs the preparation of configs/ltp.toml (rat hippocampus, 1 mM Mg2+) with each induction at the
no-drug glycine level, the frequency series with no drug and 3 h after milacemide 100 mg/kg i.p.,
and prints model vs published values: APV and 7-chlorokynurenate block, the drift 20 min of test
pulses cause at 0, 100 and 400 mg/kg, and HFS LTP read after 24 h. Five compiled builds (one per
schedule); about 10 minutes on one core, most of it the two 15-min series.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sim.config import load_config
from sim.figures.ltp import plot_calcium, plot_efficacy, plot_frequency_response
from sim.protocols import ltp

ROOT = Path(__file__).resolve().parents[1]
INDUCTIONS = ("hfs", "tbs", "lfs", "pairing")
DOSE_MG_PER_KG = 100.0
DRIFT_DOSES_MG_PER_KG = (0.0, 100.0, 400.0)


def run(cfg, workdir: Path) -> ltp.LtpResult:
    """One preparation through milasim's own path (drug -> receptor state, mechanism switches
    included -> the compiled preparation)."""
    return ltp.run_ltp(cfg, workdir, progress=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    args = parser.parse_args()
    base = load_config(ROOT / "configs" / "ltp.toml")
    work = Path(tempfile.mkdtemp(prefix="milasim-ltp-figures-"))

    single = {}
    for induction in INDUCTIONS:
        if induction == "lfs":  # the series' 1 Hz arm is the same protocol (900 pulses at 1 Hz)
            continue
        single[induction] = run(base.replace({"protocol.induction": induction}), work)
    series_cfg = base.replace({"protocol.induction": "frequency_series",
                               "plasticity.record_ca_dt_ms": 1.0})
    series = run(series_cfg, work)
    dosed = run(series_cfg.replace({"drug.dose_mg_per_kg": DOSE_MG_PER_KG}), work)

    courses = {k: (r.t_s, r.efficacy_percent) for k, r in single.items()}
    spans = {k: r.schedules[k].induction[1] - r.schedules[k].induction[0]
             for k, r in single.items()}
    n_sim = {k: r.courses[k].n_simulated for k, r in single.items()}
    one_hz = series.courses["1"]
    courses["lfs"], n_sim["lfs"] = (one_hz.t_s, one_hz.percent), one_hz.n_simulated
    sc = series.schedules["1"]
    spans["lfs"] = sc.induction[1] - sc.induction[0]
    order = [k for k in INDUCTIONS if k in courses]
    hfs = single["hfs"]
    plot_efficacy({k: courses[k] for k in order}, args.out / "ltp_efficacy.png",
                  induction_s={k: spans[k] for k in order}, n_simulated=n_sim,
                  title=f"no drug: glycine {hfs.glycine_uM:.1f} µM (occupancy "
                        f"{hfs.nmda_occupancy:.2f}), 1 mM Mg²⁺; TBS = 3 bursts")

    rates = base.protocol.frequency_series_hz
    curve = [series.ltp_percent_by_frequency[ltp.frequency_label(f)] for f in rates]
    curve_dosed = [dosed.ltp_percent_by_frequency[ltp.frequency_label(f)] for f in rates]
    plot_frequency_response(
        rates, curve, args.out / "ltp_frequency_response.png",
        label=f"no drug (glycine {series.glycine_uM:.1f} µM, occupancy "
              f"{series.nmda_occupancy:.2f})",
        extra_curves={f"milacemide {DOSE_MG_PER_KG:g} mg/kg, 3 h (glycine "
                      f"{dosed.glycine_uM:.1f} µM, occupancy {dosed.nmda_occupancy:.2f})":
                      (rates, curve_dosed)},
        title="900 pulses per rate, efficacy 30 min after")
    ca = series.ca_traces
    sel = {f"{k}hz": ca[f"ca_{k}"] for k in ("1", "10", "100")}
    start = series.schedules["1"].induction[0]
    t = ca["t_s"] - start
    plot_calcium(t, sel, args.out / "ltp_calcium.png", window_s=(-0.1, 2.0),
                 thresholds_uM=ltp.calcium_thresholds_uM(base),
                 title=f"one synapse per rate, first 2 s of each train (glycine "
                       f"{series.glycine_uM:.1f} µM)")

    print(f"{'protocol':<22}{'model (% at 30 min)':>22}{'published':>34}")
    published = {"hfs": "LTP (tens of %)", "tbs": "LTP, sub-maximal (3 bursts)",
                 "pairing": "LTP", "lfs": "-20 to -30 % (assumed)"}
    for k in order:
        value = single[k].ltp_percent if k in single else one_hz.ltp_percent
        print(f"{k:<22}{value:>+22.1f}{published[k]:>34}")
    print("\nfrequency series (900 pulses), % at 30 min; Dudek & Bear 1992: LTD at 1-3 Hz, "
          "crossover ~10 Hz, LTP at >= 50 Hz")
    print(f"{'rate (Hz)':<12}{'no drug':>10}{f'{DOSE_MG_PER_KG:g} mg/kg':>12}")
    for f, a, b in zip(rates, curve, curve_dosed, strict=True):
        print(f"{f:<12g}{a:>+10.1f}{b:>+12.1f}")
    print(f"\nocc no drug {series.nmda_occupancy:.3f}, dosed {dosed.nmda_occupancy:.3f}")

    print("\nblocked HFS (% at 30 min):")
    for key, value in (("bath.apv_uM", 50.0), ("bath.chlorokynurenate_uM", 10.0)):
        res = run(base.replace({key: value}), work)
        print(f"  {key} = {value:g}: {res.ltp_percent:+.1f} (occupancy {res.nmda_occupancy:.3f})")
    print("\n20 min of test pulses every 10 s before HFS (baseline_drift_percent, then HFS LTP):")
    for dose in DRIFT_DOSES_MG_PER_KG:
        res = run(base.replace({"protocol.baseline_s": 1200.0, "drug.dose_mg_per_kg": dose}), work)
        print(f"  {dose:>5g} mg/kg (occupancy {res.nmda_occupancy:.2f}): drift "
              f"{res.baseline_drift_percent:+.2f} %, HFS {res.ltp_percent:+.1f} %")
    day = run(base.replace({"protocol.post_induction_wait_min": 1440.0}), work)
    print(f"\nHFS read 24 h after induction (no background activity): {day.ltp_percent:+.1f} %")
    print(f"figures in {args.out}")


if __name__ == "__main__":
    main()
