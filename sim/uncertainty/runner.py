"""``milasim uncertainty``: sample an experiment's model on Dask, keep every finished block, and
write the spread and the sensitivity indices of every output.

Layout of OUT (default ``results/<experiment stem>/``)::

    manifest.json            the plan's fingerprint, parameters (ranges, sources), cases
    blocks/<stage>-<k>.npy   outputs (cases x rows x outputs) of one block of design rows,
                             saved as it finishes
    uncertainty.json         per case, per output: median, p05, p95 (the interval's ends), S1, ST
                             (dicts by parameter name), their confidence half-widths, Morris mu*
                             and sigma, and p_above_first (paired with the first case)
    uncertainty.csv          the same, one row per case and output
    uncertainty.md           a table per output (median, interval, leading parameters)
    figures/uncertainty_<output>.png

The designs are deterministic (the experiment's seed), so a block is identified by its stage
and index: ``--resume`` keeps the blocks on disk and runs the rest; a plan that changed (another
fingerprint) is refused rather than mixed.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError, RunError
from sim.paths import default_out_dir, prepare_out_dir
from sim.uncertainty import analysis
from sim.uncertainty.spec import UncertaintyExperiment, load_uncertainty

STAGES = ("morris", "sobol")


@dataclass(frozen=True)
class Block:
    """Rows start:stop of one stage's design, for every case (the cases share each row)."""

    stage: str
    index: int
    start: int
    stop: int

    @property
    def key(self) -> str:
        return f"{self.stage}-{self.index:05d}"


@dataclass
class UncertaintyReport:
    experiment: str
    out_dir: Path
    blocks: int
    skipped: int
    evaluations: int
    wall_time_s: float = 0.0
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 0


def designs(exp: UncertaintyExperiment) -> dict[str, np.ndarray]:
    """The design of each stage in sampling coordinates (deterministic from the seed)."""
    s, params = exp.spec, exp.model.parameters
    out = {"sobol": analysis.sobol_design(params, s.samples, s.seed)}
    if s.morris_trajectories:
        out["morris"] = analysis.morris_design(params, s.morris_trajectories, s.morris_levels,
                                               s.seed)
    return out


def plan_blocks(exp: UncertaintyExperiment, design: dict[str, np.ndarray]) -> list[Block]:
    size = exp.spec.block_size
    blocks = []
    for stage in STAGES:
        if stage not in design:
            continue
        rows = design[stage].shape[0]
        for k, start in enumerate(range(0, rows, size)):
            blocks.append(Block(stage, k, start, min(start + size, rows)))
    return blocks


def evaluate_block(model, rows: np.ndarray) -> np.ndarray:
    """What a worker runs: the model on one block of rows (natural units), every case."""
    return model.evaluate(rows)


def _save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.save(fh, array)
    os.replace(tmp, path)


def _manifest(exp: UncertaintyExperiment) -> dict[str, Any]:
    return {
        "experiment": str(exp.path),
        "fingerprint": exp.fingerprint(),
        "model": exp.spec.model,
        "samples": exp.spec.samples,
        "morris_trajectories": exp.spec.morris_trajectories,
        "seed": exp.spec.seed,
        "cases": exp.model.labels,
        "matched_doses_mg_per_kg": exp.matched,
        "parameters": {p.name: {"low": p.low, "high": p.high, "log_uniform": p.log,
                                "default": p.default, "unit": p.unit, "source": p.source}
                       for p in exp.model.parameters},
    }


def run_uncertainty(
    experiment_path: str | Path,
    overrides=(),
    out_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
    resume: bool = False,
    quiet: bool = False,
) -> UncertaintyReport:
    """Run an uncertainty experiment into ``out_dir`` (see the module docstring).

    Bad input (experiment, options, OUT) raises InputError/ConfigError before anything is written.
    """
    t0 = time.perf_counter()
    from sim.sweeps.cluster import choose_target

    exp = load_uncertainty(experiment_path, overrides)
    target = choose_target(exp.cluster, workers, scheduler, cluster)
    out = Path(out_dir) if out_dir is not None else default_out_dir(Path(experiment_path))
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    manifest_path = out / "manifest.json"
    blocks_dir = out / "blocks"
    existing = sorted(blocks_dir.glob("*.npy")) if blocks_dir.is_dir() else []
    if existing:
        try:
            old = json.loads(manifest_path.read_text()).get("fingerprint")
        except (OSError, ValueError):
            old = None
        if not resume:
            raise InputError(f"--out {out}: already holds {len(existing)} finished block(s); add "
                             "--resume to keep them and run the rest, or choose another --out")
        if old != exp.fingerprint():
            raise InputError(f"--out {out}: its blocks belong to another plan (samples, seed, "
                             "parameters or cases changed); choose another --out")
    prepare_out_dir(out)
    blocks_dir.mkdir(exist_ok=True)
    manifest_path.write_text(json.dumps(_manifest(exp), indent=1))

    design = designs(exp)
    natural = {k: analysis.to_natural(exp.model.parameters, v) for k, v in design.items()}
    blocks = plan_blocks(exp, design)
    done = {p.stem for p in blocks_dir.glob("*.npy")}
    todo = [b for b in blocks if b.key not in done]
    say = (lambda text: None) if quiet else (lambda text: print(f"milasim: {text}",
                                                                  file=sys.stderr))
    say(f"uncertainty {exp.name}: {exp.total_runs} model evaluations ({exp.sobol_rows + exp.morris_rows}"
        f" samples x {len(exp.model.labels)} case(s)) in {len(blocks)} blocks"
        + (f" ({len(blocks) - len(todo)} finished before, kept)" if len(todo) < len(blocks)
           else "") + f" into {out}")
    if todo:
        _run_blocks(exp, natural, todo, blocks_dir, target, quiet)
    results = write_results(exp, design, blocks, out)
    report = UncertaintyReport(experiment=exp.name, out_dir=out, blocks=len(blocks),
                               skipped=len(blocks) - len(todo), evaluations=exp.total_runs,
                               results=results)
    report.wall_time_s = time.perf_counter() - t0
    if not quiet:
        print(format_table(exp, results))
        if results.get("note"):
            say(results["note"])
        say(f"wrote {out / 'uncertainty.json'}, uncertainty.csv, uncertainty.md and "
            f"figures/ in {report.wall_time_s:.0f} s")
    return report


def _run_blocks(exp, natural, todo: list[Block], blocks_dir: Path, target, quiet: bool) -> None:
    from distributed import as_completed

    from sim.sweeps.cluster import connect
    from sim.sweeps.runner import _quiet_distributed

    _quiet_distributed()
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=sum(b.stop - b.start for b in todo), unit="sample",
                   file=sys.stderr, desc="uncertainty", dynamic_ncols=True)
    try:
        with connect(target, quiet=quiet) as (client, _):
            model = client.scatter(exp.model, broadcast=True)
            futures = {}
            for b in todo:
                rows = natural[b.stage][b.start:b.stop]
                fut = client.submit(evaluate_block, model, rows, key=f"unc-{b.key}",
                                    pure=False, retries=2)
                futures[fut] = b
            for fut in as_completed(futures):
                b = futures[fut]
                try:
                    result = np.asarray(fut.result(), dtype=float)
                except Exception as exc:  # a model failure: one line, the finished blocks kept
                    raise RunError(f"uncertainty block {b.key} (rows {b.start}-{b.stop - 1}) "
                                   f"failed: {type(exc).__name__}: {exc}; the finished blocks "
                                   f"are kept in {blocks_dir} (rerun with --resume)") from exc
                _save(blocks_dir / f"{b.key}.npy", result)
                if bar is not None:
                    bar.update(b.stop - b.start)
    finally:
        if bar is not None:
            bar.close()


def _gather(exp, design, blocks: list[Block], blocks_dir: Path) -> dict[tuple[int, str], np.ndarray]:
    """(case, stage) -> outputs (rows, outputs) in design order, from the saved blocks."""
    n_cases, n_out = len(exp.model.labels), len(exp.model.outputs)
    out: dict[tuple[int, str], np.ndarray] = {}
    for stage, x in design.items():
        y = np.full((n_cases, x.shape[0], n_out), np.nan)
        for b in blocks:
            if b.stage == stage:
                y[:, b.start:b.stop] = np.load(blocks_dir / f"{b.key}.npy")
        for case in range(n_cases):
            out[(case, stage)] = y[case]
    return out


def write_results(exp: UncertaintyExperiment, design, blocks: list[Block], out: Path) -> dict:
    """Analyse the saved blocks and write uncertainty.json/.csv/.md and the figures."""
    from sim.figures.uncertainty import plot_output

    model, spec = exp.model, exp.spec
    y = _gather(exp, design, blocks, out / "blocks")
    columns = list(model.outputs)
    tail = (100.0 - spec.interval_percent) / 2.0
    lo_key, hi_key = f"p{tail:02.0f}", f"p{100 - tail:02.0f}"
    cases: dict[str, dict[str, Any]] = {}
    for c, label in enumerate(model.labels):
        per_output = {}
        for name in exp.output_names:
            j = columns.index(name)
            first = y[(0, "sobol")][:, j] if c > 0 else None
            s = analysis.summarise(
                model.parameters, y[(c, "sobol")][:, j],
                x_morris=design.get("morris"),
                y_morris=y[(c, "morris")][:, j] if "morris" in design else None,
                levels=spec.morris_levels, seed=spec.seed,
                interval_percent=spec.interval_percent, first=first)
            entry = {"unit": model.outputs[name][0], "median": s.median, lo_key: s.low,
                     hi_key: s.high, "S1": s.S1, "ST": s.ST, "S1_conf": s.S1_conf,
                     "ST_conf": s.ST_conf, "n": s.n}
            if s.mu_star is not None:
                entry["mu_star"], entry["sigma"] = s.mu_star, s.sigma
            if s.p_above_first is not None:
                entry["p_above_first"] = s.p_above_first
            per_output[name] = entry
        cases[label] = per_output
    results = {
        "experiment": exp.name,
        "model": spec.model,
        "note": (f"network outputs: {exp.sobol_rows} samples per case (Sobol N = {spec.samples});"
                 " the spread is coarse and the indices rough" if spec.model == "network"
                 else ""),
        "interval_percent": spec.interval_percent,
        "interval_keys": [lo_key, hi_key],
        "samples": spec.samples,
        "evaluations_per_case": exp.sobol_rows + exp.morris_rows,
        "first_case": model.labels[0],
        "matched_doses_mg_per_kg": exp.matched,
        "parameters": _manifest(exp)["parameters"],
        "cases": cases,
    }
    (out / "uncertainty.json").write_text(json.dumps(results, indent=1))
    _write_csv(out / "uncertainty.csv", exp, results)
    (out / "uncertainty.md").write_text(format_table(exp, results, markdown=True) + "\n")
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    for name in exp.output_names:
        plot_output(results, name, model.outputs[name], figures / f"uncertainty_{name}.png")
    return results


def _write_csv(path: Path, exp, results: dict) -> None:
    names = [p.name for p in exp.model.parameters]
    lo_key, hi_key = results["interval_keys"]
    header = ["case", "output", "unit", "median", lo_key, hi_key, "p_above_first"]
    header += [f"S1.{n}" for n in names] + [f"ST.{n}" for n in names]
    header += [f"mu_star.{n}" for n in names]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for label, outputs in results["cases"].items():
            for name, e in outputs.items():
                row = [label, name, e["unit"], e["median"], e[lo_key], e[hi_key],
                       e.get("p_above_first", "")]
                row += [e["S1"][n] for n in names] + [e["ST"][n] for n in names]
                row += [(e.get("mu_star") or {}).get(n, "") for n in names]
                w.writerow(row)


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def format_table(exp, results: dict, *, markdown: bool = False) -> str:
    """Per output: case, median, interval, and the parameters with the largest total index."""
    lo_key, hi_key = results["interval_keys"]
    pct = results["interval_percent"]
    lines = []
    for name in exp.output_names:
        unit = exp.model.outputs[name][0]
        rows = [("case", "median", f"{pct:g} % interval", "P(> first case)",
                 "largest total indices (ST)")]
        for label, outputs in results["cases"].items():
            e = outputs[name]
            top = sorted(e["ST"].items(), key=lambda kv: -kv[1])[:3]
            lead = ", ".join(f"{k} {v:.2f}" for k, v in top if v >= 0.005) or "-"
            above = e.get("p_above_first")
            rows.append((label, _fmt(e["median"]), f"{_fmt(e[lo_key])} to {_fmt(e[hi_key])}",
                         "-" if above is None else f"{100 * above:.0f} %", lead))
        title = f"{name} ({unit})"
        if markdown:
            lines.append(f"### {title}\n")
            lines.append("| " + " | ".join(rows[0]) + " |")
            lines.append("|" + "---|" * len(rows[0]))
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        else:
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            lines.append(title)
            lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                      for r in rows]
        lines.append("")
    return "\n".join(lines).rstrip()

