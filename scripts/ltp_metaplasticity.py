#!/usr/bin/env python
"""TBS LTP with and without a sliding LTP threshold, acute vs prolonged exposure (docs/ltp.md).

    python scripts/ltp_metaplasticity.py

configs/ltp.toml with 3 theta bursts, rat i.p. 0, 100 and 400 mg/kg read 3 h after the dose,
seeds 1-3: no metaplasticity, then plasticity.sliding_threshold_gain = 1 with
plasticity.exposure = "acute" and "prolonged". One compiled build; about two minutes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sim.config import load_config
from sim.conditions import receptor_state
from sim.protocols import ltp

ROOT = Path(__file__).resolve().parents[1]
DOSES_MG_PER_KG = (0.0, 100.0, 400.0)
SEEDS = (1, 2, 3)
CASES = {"no metaplasticity": (0.0, "prolonged"), "acute wash-in": (1.0, "acute"),
         "prolonged exposure": (1.0, "prolonged")}


def main() -> None:
    base = load_config(ROOT / "configs" / "ltp.toml").replace({"protocol.induction": "tbs"})
    work = Path(tempfile.mkdtemp(prefix="milasim-metaplasticity-"))
    print(f"{'dose (mg/kg)':<14}{'case':<22}{'theta_p x':>10}   TBS LTP, seeds {SEEDS} (%)")
    for dose in DOSES_MG_PER_KG:
        for label, (gain, exposure) in CASES.items():
            cfg = base.replace({"drug.dose_mg_per_kg": dose,
                                "plasticity.sliding_threshold_gain": gain,
                                "plasticity.exposure": exposure})
            shift = ltp.threshold_shift(cfg, receptor_state(cfg))
            values = [ltp.run_ltp(cfg.replace({"simulation.seed": s}), work).ltp_percent
                      for s in SEEDS]
            print(f"{dose:<14g}{label:<22}{shift:>10.2f}   "
                  + " / ".join(f"{v:+.1f}" for v in values))


if __name__ == "__main__":
    main()
