"""The ``milasim`` command: parse, call, print. No science lives here.

Exit codes: 0 success, 2 bad input (one line on stderr naming the key or path), 1 a run that
failed (its log kept). The verbs, keys and output files are described in the README.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.errors import InputError, MilasimError


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (no usage dump)."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        raise InputError(f"{self.prog}: {message}")


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a config key, e.g. --set bath.mg_mM=0 (value parsed as TOML)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="milasim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="one simulation -> run.h5, summary.json, figures/")
    p.add_argument("config", type=Path)
    _add_set(p)
    p.add_argument("--out", type=Path, help="output folder (default results/<config stem>/)")
    p.add_argument("--seed", type=int, help="shorthand for --set simulation.seed=N")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table")

    p = sub.add_parser("sweep", help="the grid of runs an experiment file declares, on Dask")
    p.add_argument("experiment", type=Path)
    _add_set(p)
    p.add_argument("--out", type=Path, help="output folder (default results/<experiment stem>/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler, tcp://host:port")
    p.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge"],
                   help="where the workers come from (default local, or [cluster] in the file)")
    p.add_argument("--resume", action="store_true", help="keep finished runs, do the rest")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("pk", help="the drug module alone: dose -> brain glycine -> occupancy")
    p.add_argument("config", type=Path)
    _add_set(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--out", type=Path, help="also draw the time courses into OUT/figures/pk.png")

    p = sub.add_parser("compare", help="metrics side by side across runs or sweeps")
    p.add_argument("dirs", type=Path, nargs="+")
    p.add_argument("--out", type=Path, help="where the comparison figure goes (default: first DIR)")

    p = sub.add_parser("validate", help="check a config without running it")
    p.add_argument("config", type=Path)
    _add_set(p)
    p.add_argument("--print", dest="show", action="store_true", help="print the resolved config")

    p = sub.add_parser("plot", help="re-draw a run's figures from its HDF5 file")
    p.add_argument("run_h5", type=Path)
    return parser


def _version() -> str:
    from sim import __version__

    return f"milasim {__version__}"


# --------------------------------------------------------------------------- verbs
def cmd_validate(args: argparse.Namespace) -> int:
    from sim.config import load_config

    cfg = load_config(args.config, args.overrides)
    if args.show:
        print(cfg.to_toml(), end="")
    else:
        print(f"{args.config}: ok (config_hash {cfg.config_hash()})")
    return 0


def cmd_pk(args: argparse.Namespace) -> int:
    from sim.config import load_config
    from sim.pharmacology.report import format_pk_table, pk_report

    cfg = load_config(args.config, args.overrides)
    if args.out is not None:
        from sim.paths import prepare_out_dir

        prepare_out_dir(args.out)
    report = pk_report(cfg)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_pk_table(report))
    if args.out is not None:
        from sim.figures.pk import plot_pk

        path = plot_pk(report, args.out / "figures" / "pk.png")
        print(f"figure: {path}", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.config import load_config
    from sim.engine import compile_flags
    from sim.paths import default_out_dir, prepare_out_dir
    from sim.runner import execute, print_summary

    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"simulation.seed={args.seed}")
    cfg = load_config(args.config, overrides)
    compile_flags()  # a bad MILASIM_ARCH is bad input: refused before anything is written
    out = prepare_out_dir(args.out if args.out is not None else default_out_dir(args.config))
    summary = execute(cfg, out, progress=not args.quiet)
    if not args.quiet:
        print_summary(summary, out)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.runner import draw_figures
    from sim.store import read_run

    run = read_run(args.run_h5)
    for path in draw_figures(run, run.path.parent / "figures"):
        print(path)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare

    table, figure = compare(args.dirs, args.out)
    print(table)
    print(f"figure: {figure}", file=sys.stderr)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.engine import compile_flags
    from sim.sweep import run_sweep

    compile_flags()  # MILASIM_ARCH, checked here; a remote worker's CPU is checked where it builds
    report = run_sweep(
        args.experiment, args.overrides, args.out, workers=args.workers,
        scheduler=args.scheduler, cluster=args.cluster, resume=args.resume, quiet=args.quiet,
    )
    return report.exit_code


COMMANDS = {
    "validate": cmd_validate,
    "pk": cmd_pk,
    "run": cmd_run,
    "plot": cmd_plot,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except MilasimError as exc:
        print(f"milasim: {exc.kind}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("milasim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `milasim pk ... | head`
        sys.stderr.close()
        return 0
    except OSError as exc:  # a full disk or a vanished folder outside a run (plot, sweep.csv, ...)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"milasim: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
