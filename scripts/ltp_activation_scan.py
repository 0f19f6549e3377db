"""One LTP induction at a list of glycine-site activations of the pyramidal cells, everything else
from configs/ltp.toml: where does a protocol change sign as the co-agonist site fills?

    python scripts/ltp_activation_scan.py lfs 0.66 0.70 0.74 0.78
    python scripts/ltp_activation_scan.py lfs 0.76 0.86 --set plasticity.ca_slow_uM_per_ms=0

The activation is set directly, not through a dose (the drug module gives 0.42 with no drug,
0.552 at 100 mg/kg and 0.666 at 400 mg/kg, rat i.p., 3 h: the README's quickstart table), so a
scan can reach the ends of the dose-to-receptor link's uncertainty (README Results 8: 0.38-0.92
at 400 mg/kg). Prints one line per activation: LTP % at the read-out and the baseline drift %.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.conditions import Levels, receptor_state
from sim.config import load_config
from sim.errors import MilasimError
from sim.protocols import ltp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("induction", help="protocol.induction, e.g. lfs, tbs, hfs")
    parser.add_argument("activation", nargs="+", type=float, help="glycine-site activations, 0-1")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override, as for milasim run")
    args = parser.parse_args(argv)
    if any(not 0.0 <= a <= 1.0 for a in args.activation):
        parser.error(f"activation must be between 0 and 1, got {args.activation}")
    try:
        cfg = load_config(ROOT / "configs" / "ltp.toml",
                          [f"protocol.induction={args.induction}", *args.set])
    except MilasimError as exc:  # one line, exit 2, nothing run
        print(f"error: {exc}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="milasim-activation-scan-"))
    print(f"{'activation':>10} {'LTP %':>8} {'drift %':>8}")
    base = receptor_state(cfg)  # the config's state; only the cells' activation changes below
    for occ in args.activation:
        state = dataclasses.replace(base, occupancy={**base.occupancy, "exc": Levels(occ, occ)})
        res = ltp.run_ltp(cfg, work, state=state)
        print(f"{occ:10.3f} {res.ltp_percent:8.1f} {res.baseline_drift_percent:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
