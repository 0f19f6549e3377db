"""The ``milasim`` command line: parse, call the library, print (no science lives here).

Exit codes: 0 success, 2 bad input (one line on stderr naming the key or path), 1 a run that
failed (its log kept). The verbs, keys and output files are described in the README.
"""

from __future__ import annotations

import argparse
import json
import re
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


def _add_dask_options(p: argparse.ArgumentParser, *, finished: str, shown: str) -> None:
    """--set, --out and the Dask options of the verbs that run many things (sweep, uncertainty)."""
    _add_set(p)
    p.add_argument("--out", type=Path, help="output folder (default results/<experiment stem>/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", help="address of an existing Dask scheduler, tcp://host:port")
    p.add_argument("--cluster", choices=["local", "slurm", "pbs", "sge"],
                   help="where the workers come from (default local, or [cluster] in the file)")
    p.add_argument("--resume", action="store_true", help=f"keep finished {finished}, do the rest")
    p.add_argument("--quiet", action="store_true", help=f"no progress bar, no {shown}")


DESCRIPTION = """\
milasim: spiking E/I networks under the glycine prodrug milacemide.

A dose sets brain glycine (MAO-B deamination to glycinamide, then glycine), glycine sets the
NMDA receptor's glycine-site occupancy, and the network shows what that does to seizure-like
activity (epileptiform protocol) or to LTP/LTD (ltp protocol). Configs are TOML files
(configs/, docs/config.md); every run writes run.h5, summary.json and figures/."""

EPILOG = """\
examples:
  milasim run configs/epileptiform.toml --set drug.dose_mg_per_kg=100
  milasim sweep experiments/dose_comparison.toml --workers 2
  milasim pk configs/default.toml --set drug.dose_mg_per_kg=400
  milasim uncertainty experiments/occupancy_uncertainty.toml --workers 2
  milasim validate experiments/seizure_dose_response.toml
  milasim compare results/a results/b --out results/a_vs_b
  milasim <verb> --help   (each verb's options and examples)"""

#: verb -> (one-line help, description, examples)
VERBS = {
    "run": (
        "one simulation -> run.h5, summary.json, figures/",
        ("Run one config: compile the network once per structure (cached), simulate with the "
         "config's dose, bath and seed, analyse, and write OUT/run.h5, OUT/summary.json and "
         "OUT/figures/. Prints the main metrics with units."),
        ["milasim run configs/epileptiform.toml",
         "milasim run configs/epileptiform.toml --set drug.dose_mg_per_kg=100 --seed 2",
         "milasim run configs/ltp.toml --set bath.apv_uM=50 --out results/ltp_apv"],
    ),
    "sweep": (
        "the grid of runs an experiment file declares, on Dask",
        ("Run every point of an experiment file's [sweep] grid on Dask workers (this machine's "
         "cores, an existing scheduler, or SLURM/PBS/SGE), then write OUT/sweep.csv and the "
         "comparison figures. Finished runs are never lost: --resume keeps them."),
        ["milasim sweep experiments/dose_comparison.toml --workers 2",
         "milasim sweep experiments/seizure_dose_response.toml --resume",
         "milasim sweep experiments/dose_response.toml --cluster slurm --set cluster.jobs=4"],
    ),
    "pk": (
        "the drug module alone: dose -> brain glycine -> glycine-site activation",
        ("Pharmacokinetics without a network: plasma and brain milacemide, glycinamide and glycine "
         "over time, and the glycine-site occupancy at the config's time after dose."),
        ["milasim pk configs/default.toml --set drug.dose_mg_per_kg=100",
         "milasim pk configs/default.toml --set drug.species=human --set drug.dose_mg=400",
         "milasim pk configs/default.toml --json | python -m json.tool"],
    ),
    "uncertainty": (
        "spread and sensitivity of the dose -> receptor link",
        ("Global sensitivity and uncertainty analysis over the drug model's assumed constants "
         "(each declared with its range and source): Morris screening, then Sobol indices "
         "(SALib), the samples run on Dask as sweeps are (finished blocks kept, --resume). "
         "Writes OUT/uncertainty.json, uncertainty.csv, uncertainty.md and one figure per "
         "output."),
        ["milasim uncertainty experiments/occupancy_uncertainty.toml --workers 2",
         "milasim uncertainty experiments/translation_uncertainty.toml --resume",
         "milasim uncertainty experiments/occupancy_uncertainty.toml --set uncertainty.samples=64"],
    ),
    "compare": (
        "metrics side by side across runs or sweeps",
        ("Compare finished runs or sweep folders: a table of conditions and metrics and a figure. "
         "Runs of different protocols, durations or networks are not pooled."),
        ["milasim compare results/dose_comparison",
         "milasim compare results/epileptiform results/epileptiform_100 --out results/cmp"],
    ),
    "validate": (
        "check a config or an experiment file without running it",
        ("Validate a config (every key, unit and range), or an experiment file: every grid point, "
         "the number of runs, those already finished in --out and the network builds needed. Nothing"
         " is written, nothing compiled."),
        ["milasim validate configs/epileptiform.toml --print",
         "milasim validate experiments/seizure_dose_response.toml",
         "milasim validate configs/default.toml --set bath.mg_mM=0"],
    ),
    "export": (
        "write a run as an NWB file (Neurodata Without Borders)",
        ("Export a finished run to NWB: spikes as a Units table (population column), rates and "
         "traces as TimeSeries with units, detected events as time intervals, drug, bath, seed and "
         "config as metadata. Needs pynwb (pip install pynwb)."),
        ["milasim export results/epileptiform --nwb results/epileptiform/run.nwb"],
    ),
    "plot": (
        "re-draw a run's figures from its run.h5",
        ("Redraw a finished run's figures from its run.h5 (into the run's figures/ folder)."),
        ["milasim plot results/epileptiform/run.h5",
         "milasim plot results/epileptiform"],
    ),
}


def _verb(sub, name: str) -> argparse.ArgumentParser:
    short, description, examples = VERBS[name]
    return sub.add_parser(name, help=short, description=description,
                          epilog="examples:\n" + "\n".join(f"  {e}" for e in examples),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="milasim", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="VERB", title="verbs")

    p = _verb(sub, "run")
    p.add_argument("config", type=Path, help="a config file (TOML), e.g. configs/epileptiform.toml")
    _add_set(p)
    p.add_argument("--out", type=Path, help="output folder (default results/<config stem>/)")
    p.add_argument("--seed", type=int, help="shorthand for --set simulation.seed=N")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no table")

    p = _verb(sub, "sweep")
    p.add_argument("experiment", type=Path,
                   help="an experiment file (TOML with a [sweep] table), e.g. experiments/dose_comparison.toml")
    _add_dask_options(p, finished="runs", shown="summary")

    p = _verb(sub, "uncertainty")
    p.add_argument("experiment", type=Path, help="an uncertainty experiment file (TOML with an "
                   "[uncertainty] table), e.g. experiments/occupancy_uncertainty.toml")
    _add_dask_options(p, finished="blocks", shown="table")

    p = _verb(sub, "pk")
    p.add_argument("config", type=Path, help="a config file (its [drug] section is used)")
    _add_set(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON instead of a table (each time course on one line)")
    p.add_argument("--out", type=Path, help="also draw the time courses into OUT/figures/pk.png")

    p = _verb(sub, "compare")
    p.add_argument("dirs", type=Path, nargs="+", metavar="DIR",
                   help="run folders (with summary.json) or sweep folders (with runs/)")
    p.add_argument("--out", type=Path, help="where the comparison figure goes (default: first DIR)")

    p = _verb(sub, "validate")
    p.add_argument("config", type=Path, help="a config file, or an experiment file ([sweep] table)")
    _add_set(p)
    p.add_argument("--print", dest="show", action="store_true",
                   help="print the resolved config, every key (a config file only)")
    p.add_argument("--out", type=Path, help="an experiment's output folder: count the runs "
                   "already finished there (default results/<experiment stem>/)")

    p = _verb(sub, "export")
    p.add_argument("run_h5", type=Path, metavar="RUN", help="a run folder, or its run.h5")
    p.add_argument("--nwb", type=Path, required=True, metavar="FILE",
                   help="the NWB file to write (name ending in .nwb)")

    p = _verb(sub, "plot")
    p.add_argument("run_h5", type=Path, metavar="RUN",
                   help="a run's run.h5, or the run folder holding it")
    return parser


def _version() -> str:
    from sim import __version__

    return f"milasim {__version__}"


# --------------------------------------------------------------------------- verbs
def cmd_validate(args: argparse.Namespace) -> int:
    from sim.config import load_config, read_toml

    if "uncertainty" in read_toml(args.config):
        from sim.uncertainty import load_uncertainty

        print(load_uncertainty(args.config, args.overrides).describe())
        return 0
    if "sweep" in read_toml(args.config) or any(o.startswith("sweep.") for o in args.overrides):
        from sim.sweeps.plan import describe_plan, plan_experiment

        print(describe_plan(plan_experiment(args.config, args.overrides, args.out)))
        return 0
    if args.out is not None:
        raise InputError(f"--out: only for an experiment file (one with a [sweep] table); "
                         f"{args.config} is a single config")
    cfg = load_config(args.config, args.overrides)
    if args.show:
        from sim.config import unset_optional_keys

        print(cfg.to_toml(), end="")
        unset = unset_optional_keys(cfg)
        if unset:
            print("\n# Optional keys left unset (TOML has no null; set them with --set KEY=VALUE):")
            for key, description in unset:
                print(f"# {key}" + (f": {description}" if description else ""))
    else:
        print(f"{args.config}: ok (config_hash {cfg.config_hash()})")
    return 0


_NUMBER = r"(?:-?\d[\d.eE+-]*|NaN|-?Infinity|null)"
_NUMBER_LIST = re.compile(rf"\[\s*({_NUMBER}(?:,\s*{_NUMBER})*)\s*\]")


def compact_json(data: object) -> str:
    """Indented JSON with every list of numbers on one line (a time course is one line, not
    thousands)."""
    return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]",
                            json.dumps(data, indent=1))


def cmd_pk(args: argparse.Namespace) -> int:
    from sim.config import load_config
    from sim.pharmacology.report import format_pk_table, pk_report

    cfg = load_config(args.config, args.overrides)
    if args.out is not None:
        from sim.paths import prepare_out_dir

        prepare_out_dir(args.out)
    report = pk_report(cfg)
    if args.json:
        print(compact_json(report))
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


def cmd_export(args: argparse.Namespace) -> int:
    from sim.nwb import export_nwb
    from sim.store import read_run

    if args.nwb.suffix != ".nwb":
        raise InputError(f"--nwb {args.nwb}: expected a file name ending in .nwb")
    print(export_nwb(read_run(args.run_h5), args.nwb))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare

    table, figure = compare(args.dirs, args.out)
    print(table)
    print(f"figure: {figure}", file=sys.stderr)
    return 0


def cmd_uncertainty(args: argparse.Namespace) -> int:
    from sim.uncertainty import run_uncertainty

    report = run_uncertainty(
        args.experiment, args.overrides, args.out, workers=args.workers,
        scheduler=args.scheduler, cluster=args.cluster, resume=args.resume, quiet=args.quiet,
    )
    return report.exit_code


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.engine import compile_flags
    from sim.sweeps import run_sweep

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
    "export": cmd_export,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
    "uncertainty": cmd_uncertainty,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # bare `milasim`: what it does and how to start, not a usage error
        build_parser().print_help()
        return 2
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
