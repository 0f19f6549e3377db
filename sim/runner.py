"""One run, end to end: drug -> receptor state -> network -> analysis -> run.h5, summary.json, figures.

:func:`execute` is what ``milasim run`` and every sweep task call. It writes into ``out_dir``:

- ``run.h5`` (atomic: written under a temporary name, renamed when whole),
- ``summary.json`` (atomic, written last: its presence means the run finished),
- ``figures/*.png``,
- ``run.log`` (the binary's output; kept when a run fails).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.config import Config
from sim.errors import InputError, RunError
from sim.store import RunData, write_run

#: Keys every summary.json has (INTERFACE.md), then the per-protocol ones.
ALWAYS = ("glycine_uM", "glycine_baseline_uM", "glycine_site_occupancy", "seed", "config_hash",
          "wall_time_s")


def provenance(cfg: Config) -> dict[str, Any]:
    """Root attributes of run.h5: versions, seed, hash (the compiler comes from the build)."""
    return {
        "config_hash": cfg.config_hash(),
        "seed": cfg.simulation.seed,
        "sim_version": sim.__version__,
        "brian2_version": version("brian2"),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "protocol": cfg.experiment.protocol,
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars to Python, NaN/inf to null (strict JSON readers such as jq)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(_jsonable(data), indent=1) + "\n")
    os.replace(tmp, path)


def _drug_datasets(pk: dict[str, Any]) -> dict[str, Any]:
    return {name: np.asarray(values) for name, values in pk["time_course"].items()}


def _conditions(cfg: Config, pk: dict[str, Any], occupancy: float) -> dict[str, Any]:
    return {
        "glycine_uM": pk["glycine_uM"],
        "glycine_baseline_uM": pk["glycine_baseline_uM"],
        "glycine_site_occupancy": occupancy,
        "glycine_site_occupancy_baseline": pk["glycine_site_occupancy_baseline"],
        "glyr_activation": pk["glyr_activation"],
        "mg_mM": cfg.bath.mg_mM,
        "apv_uM": cfg.bath.apv_uM,
        "bicuculline_uM": cfg.bath.bicuculline_uM,
        "chlorokynurenate_uM": cfg.bath.chlorokynurenate_uM,
        "dose_mg_per_kg": pk["dose_mg_per_kg"],
        "dose_mg": pk["dose_mg"],
    }


def _epileptiform(cfg: Config, pk: dict[str, Any], out_dir: Path, progress: bool, log: Path):
    from sim.analysis.bursts import analysed_window, burst_metrics, population_rate
    from sim.conditions import network_state
    from sim.protocols import epileptiform

    state = network_state(cfg, pk)
    net = epileptiform.simulate(cfg, state, out_dir, progress=progress, log_path=log)
    t_start, t_stop = analysed_window(cfg.analysis, net.duration_s)
    metrics = burst_metrics(net.spikes, net.n_nodes, t_stop, cfg.analysis, t_start_s=t_start,
                            seed=cfg.simulation.seed)
    bin_s = cfg.analysis.rate_bin_ms * 1e-3
    rates = {pop: population_rate(t, net.n_nodes[pop], net.duration_s, bin_s)
             for pop, (t, _) in net.spikes.items()}
    analysed = net.trace_t_s >= t_start
    metrics["mean_g_nmda_exc_nS"] = float(net.g_nmda_nS[analysed].mean()) if analysed.any() else 0.0
    conditions = _conditions(cfg, pk, state["occupancy_exc_before"])
    conditions.update({k: v for k, v in state.items()})
    run = RunData(
        config_toml=cfg.to_toml(), attrs={"compiler": net.compiler}, spikes=net.spikes, n_nodes=net.n_nodes,
        rates=rates, rate_dt_s=bin_s, duration_s=net.duration_s,
        drug=_drug_datasets(pk), conditions=conditions, analysis=metrics,
        traces={"t_s": net.trace_t_s, "g_nmda_exc_nS": net.g_nmda_nS, "v_exc_mV": net.v_mV},
    )
    summary = dict(metrics)
    return run, summary


def _ltp(cfg: Config, pk: dict[str, Any], out_dir: Path, progress: bool, log: Path):
    from sim.protocols.ltp import ltp_run_data

    return ltp_run_data(cfg, pk, out_dir, progress=progress, log_path=log)


PROTOCOLS = {"epileptiform": _epileptiform, "ltp": _ltp}


def execute(cfg: Config, out_dir: Path, *, progress: bool = False) -> dict[str, Any]:
    """Run ``cfg`` into ``out_dir``; returns the summary. RunError (log kept) on failure."""
    from sim.pharmacology.report import pk_report

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "run.log"
    try:
        log.write_text(f"# milasim {sim.__version__} run, config_hash {cfg.config_hash()}\n")
    except OSError as exc:  # a full disk before anything ran
        raise RunError(f"cannot write {log} ({exc.strerror or exc})") from None
    _remove_results(out_dir, figures=False)  # an earlier run's, or a killed write's leftovers
    pk = pk_report(cfg)
    try:
        run, metrics = PROTOCOLS[cfg.experiment.protocol](cfg, pk, out_dir, progress, log)
    except RunError as exc:
        _note_in_log(log, f"failed: {exc}")
        raise
    except Exception as exc:  # a bug or a numerical failure: keep the log, say where it is
        _note_in_log(log, f"failed: {type(exc).__name__}: {exc}")
        raise RunError(f"{type(exc).__name__}: {exc} (log: {log})") from exc

    run.attrs = {**provenance(cfg), **run.attrs}
    wall = time.perf_counter() - t0
    summary = {
        "glycine_uM": pk["glycine_uM"],
        "glycine_baseline_uM": pk["glycine_baseline_uM"],
        "glycine_site_occupancy": run.conditions.get("glycine_site_occupancy",
                                                     pk["glycine_site_occupancy"]),
        "seed": cfg.simulation.seed,
        "config_hash": cfg.config_hash(),
        "wall_time_s": round(wall, 3),
        **metrics,
        "protocol": cfg.experiment.protocol,
        "dose_mg_per_kg": pk["dose_mg_per_kg"],
        "dose_mg": pk["dose_mg"],
        "mg_mM": cfg.bath.mg_mM,
        "versions": {k: run.attrs[k] for k in ("sim_version", "brian2_version", "numpy_version",
                                                "compiler")},
        "config": cfg.to_dict(),
    }
    run.analysis = {**run.analysis, "wall_time_s": wall}
    try:
        write_run(out_dir / "run.h5", run)
        draw_figures(run, out_dir / "figures")
        write_json_atomic(out_dir / "summary.json", summary)
    except (OSError, InputError, RunError) as exc:  # a full disk, a quota: nothing may look
        _remove_results(out_dir, figures=True)  # finished (the errors: sim.plots.save_figure's)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _note_in_log(log, f"failed: cannot write the results: {reason}")
        raise RunError(f"cannot write the results into {out_dir}: {reason}; log: {log}") from None
    return summary


def _remove_results(out_dir: Path, *, figures: bool) -> None:
    """Delete run.h5, summary.json, their temporary files (and figures/) from ``out_dir``."""
    for path in (out_dir / "summary.json", out_dir / "run.h5", *out_dir.glob("*.tmp-*")):
        path.unlink(missing_ok=True)
    if figures:
        shutil.rmtree(out_dir / "figures", ignore_errors=True)


def _note_in_log(log: Path, line: str) -> None:
    """Append a line to the run's log; best effort (the disk may be the problem)."""
    try:
        with open(log, "a") as f:
            f.write(f"\n{line}\n")
    except OSError:
        pass


def draw_figures(run: RunData, folder: Path) -> list[Path]:
    """The run's figures, by protocol (``milasim plot`` redraws them from run.h5)."""
    if run.attrs.get("protocol") == "ltp":
        from sim.plots_ltp import plot_ltp_run_figures

        return plot_ltp_run_figures(run, folder)
    from sim.plots import plot_run_figures

    return plot_run_figures(run, folder)


def print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    """The short table ``milasim run`` prints."""
    rows = [(k, summary.get(k)) for k in (
        "dose_mg_per_kg", "dose_mg", "mg_mM", "glycine_uM", "glycine_baseline_uM",
        "glycine_site_occupancy", "rate_exc_hz", "rate_inh_hz", "burst_rate_hz",
        "mean_burst_duration_s", "fraction_time_in_bursts", "runaway", "ltp_percent",
        "wall_time_s",
    ) if summary.get(k) is not None]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"  {key:<{width}}  {shown}")
    print(f"  {'output':<{width}}  {out_dir}")
