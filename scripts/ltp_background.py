#!/usr/bin/env python
"""How long a stored UP/DOWN pattern lasts under background firing (docs/ltp.md, README).

    python scripts/ltp_background.py
    python scripts/ltp_background.py --rates 0.14 0.16 0.18 --no-drug-only   # the memory delay

For each background rate (independent Poisson pre- and postsynaptic firing) and two glycine-site
occupancies (no drug, rat 100 mg/kg i.p. 3 h), prints the calcium's time above each threshold and
the share of synapses UP after 30 min, 24 h and 14 days, for synapses that started UP and DOWN
(sim.analysis.background: calcium statistics, then the Fokker-Planck density of rho). Default
preparation and rule of configs/ltp.toml; about a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.analysis import background as bg
from sim.analysis.bistable import BistableParams
from sim.conditions import receptor_state
from sim.config import load_config

ROOT = Path(__file__).resolve().parents[1]

RATES_HZ = (0.1, 0.2, 0.5, 1.0, 2.0)
#: The cases, as doses of configs/ltp.toml (rat i.p., hippocampus, 3 h after the dose).
DOSES_MG_PER_KG = {"no drug": 0.0, "100 mg/kg": 100.0}
TIMES_S = (1800.0, 86400.0, 14 * 86400.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES_HZ),
                        help="background rates, Hz (default: %(default)s)")
    parser.add_argument("--no-drug-only", action="store_true", help="only the no-drug occupancy")
    args = parser.parse_args(argv)
    if any(r < 0 for r in args.rates):
        parser.error(f"--rates must be >= 0, got {args.rates}")
    doses = {"no drug": 0.0} if args.no_drug_only else DOSES_MG_PER_KG
    cfg = load_config(ROOT / "configs" / "ltp.toml")
    # the pyramidal cells' glycine-site activation at each dose, from the drug module
    occupancies = {label: receptor_state(cfg.replace({"drug.dose_mg_per_kg": dose}))
                   .occupancy["exc"].before for label, dose in doses.items()}
    params = BistableParams()
    print(f"{'occupancy':<12}{'rate':>6}{'alpha_d':>9}{'alpha_p':>10}"
          f"{'UP stays UP: 30 min / 24 h / 14 d':>38}{'DOWN turns UP: 30 min / 24 h / 14 d':>40}")
    for label, occ in occupancies.items():
        prep = bg.Preparation(nmda_occupancy=occ)
        for rate in args.rates:
            stats = bg.calcium_statistics(rate, prep, params)
            wait = bg.BackgroundWait(stats, params)
            up = wait.up_fraction(wait.evolve(wait.density(np.ones(1)), TIMES_S))
            down = wait.up_fraction(wait.evolve(wait.density(np.zeros(1)), TIMES_S))
            print(f"{label:<12}{rate:>6g}{stats.alpha_d:>9.4f}{stats.alpha_p:>10.5f}"
                  f"{' / '.join(f'{x:.2f}' for x in up):>38}"
                  f"{' / '.join(f'{x:.2f}' for x in down):>40}")


if __name__ == "__main__":
    main()
