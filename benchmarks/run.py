"""milasim benchmark: ``python benchmarks/run.py [--quick]`` (docs/performance.md explains it).

Runs, on this machine and in this one process, the sections of :mod:`benchmarks.bench`:

1. cold (first build, empty temporary cache) vs warm (cached build, other dose) run of the default
   network, with compiler invocations counted (the warm run has no compiler on PATH);
2. simulated seconds per wall / CPU second, peak RSS and synaptic events per second;
3. a K-dose sweep through milasim vs the plain Brian2 runtime-mode script (speed ratio, rates);
4. cost and peak RSS vs network size at fixed in-degree;
5. sweep throughput on 1 vs 2 workers through ``milasim sweep`` (not with --quick unless
   --workers);
6. the default network with ``MILASIM_ARCH=x86-64-v3`` vs the portable flags (not with --quick
   unless --arch);
7. the default network with Brian2's PoissonInput vs the event-driven drive
   (``network.drive_model``), alternating runs, CPU time and rates (not with --quick unless --drive);
8. the seizure network (configs/epileptiform.toml) end to end through ``milasim run`` for 10 min
   (60 s with --quick): simulated s per CPU s, peak RSS, run.h5 size; the same run with the ion
   system at every step (simulation.ion_dt_ms = 0, milasim <= 0.7.1) beside it; threads 1 vs 2;
9. each numerical setting of experiments/numerics.toml (dt, float width, integration) and the
   1 ms ion clock of experiments/numerics_ion_clock.toml on the seizure network for 60 s (10 s
   with --quick): CPU time and its ratio to the defaults, beside the setting's accuracy from the
   numerics studies in results/numerics and results/numerics_ion_clock, if they were run;
10. the seizure network beside milasim 0.3 (extracted from this repository's git history) on the
   same structure in 0 Mg2+, 60 s (10 s with --quick), run in turn 3 times (once with --quick):
   simulated s per CPU s of each, end to end, and their ratio.

``--only 8,10`` runs the chosen sections alone.

Prints a table and writes ``results.json`` and ``results.md`` (default: next to this file). All
builds go to a temporary cache that is deleted afterwards, so every run measures the same thing.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Targets from the issues: warm/cold <= 0.2, sweep speed-up >= 5x, rates within 15 %.
TARGET_WARM_OVER_COLD = 0.2
TARGET_SPEEDUP = 5.0


def settings(quick: bool, doses: int | None) -> dict[str, Any]:
    if quick:
        return {"run_s": 2.0, "repeats": 1, "doses": doses or 4, "sweep_s": 2.0, "seeds": [1],
                "sweep_repeats": 1,
                "empty_cython_cache": False, "sizes": [1000, 4000, 16000], "size_s": 1.0,
                "workers": False, "arch": False, "drive": False, "long_s": 60.0, "threads_s": 10.0,
                "numerics_s": 10.0, "v03_s": 10.0, "v03_repeats": 1}
    return {"run_s": 2.0, "repeats": 3, "doses": doses or 4, "sweep_s": 4.0, "seeds": [1, 2],
            "sweep_repeats": 2,
            "empty_cython_cache": True, "sizes": [1000, 4000, 16000, 64000], "size_s": 1.0,
            "workers": True, "arch": True, "drive": True, "long_s": 600.0, "threads_s": 30.0,
            "numerics_s": 60.0, "v03_s": 60.0, "v03_repeats": 3}


# --------------------------------------------------------------------------- the table
def _f(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if abs(value) >= 1e6:
        return f"{value:.3g}"
    return f"{value:.{digits}g}"


def _rates(r: dict[str, float]) -> str:
    return f"E {r['exc']:.2f} / I {r['inh']:.2f} Hz"


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(quantity, value, note) rows, section by section."""
    rows: list[tuple[str, str, str]] = []
    m = results["machine"]
    rows.append(("## machine", "", ""))
    rows.append(("date / commit", f"{m['date']} / {m['git']}", ""))
    rows.append(("cores / CPU", f"{m['cpus']} / {m['cpu_model']}", f"{m['memory_gb']} GB RAM"))
    rows.append(("versions", f"Python {m['python']}, Brian2 {m['brian2']}, numpy {m['numpy']}",
                 m["compiler"]))
    rows.append(("load average (1/5/15 min)", f"start {m['load_average_start']}",
                 f"end {m.get('load_average_end')}"))

    c = results.get("cold_warm")
    if isinstance(c, dict):
        rows.append((f"## 1. cold vs warm ({_f(c['duration_s'])} s default network)", "", ""))
        rows.append(("cold: compile + run, wall / CPU",
                     f"{_f(c['cold']['wall_s'])} s / {_f(c['cold']['cpu_s'])} s",
                     f"dose {c['doses_mg_per_kg'][0]:g} mg/kg, empty cache"))
        rows.append(("warm: cached build, wall / CPU",
                     f"{_f(c['warm']['wall_s'])} s / {_f(c['warm']['cpu_s'])} s",
                     f"dose {c['doses_mg_per_kg'][1]:g} mg/kg"))
        ok = "meets" if c["warm_over_cold_cpu"] <= TARGET_WARM_OVER_COLD else "MISSES"
        rows.append(("warm / cold, wall | CPU",
                     f"{c['warm_over_cold_wall']:.3f} | {c['warm_over_cold_cpu']:.3f}",
                     f"target <= {TARGET_WARM_OVER_COLD}: {ok} (CPU)"))
        cold_calls = sum(c["compiler_calls_cold"].values())
        rows.append(("compiler invocations cold",
                     str(cold_calls), ", ".join(f"{k} x{v}" for k, v in
                                                sorted(c["compiler_calls_cold"].items()))
                     + f" (+ {c['flag_probes_cold']} Brian2 flag probes)"))
        rows.append(("compiler invocations warm",
                     str(sum(c["compiler_calls_warm"].values()) + c["flag_probes_warm"]),
                     "PATH held only failing g++/gcc/cc/make/ld wrappers; same build key: "
                     + ("yes" if c["same_build_key"] else "NO")))

    t = results.get("throughput")
    if isinstance(t, dict):
        rows.append((f"## 2. throughput ({t['neurons']} neurons, one core)",
                     "", ""))
        rows.append(("simulated s per wall s | per CPU s",
                     f"{_f(t['sim_s_per_wall_s'])} | {_f(t['sim_s_per_cpu_s'])}",
                     f"{t['repeats']} run(s) of {_f(t['duration_s'])} s, median"))
        rows.append(("recurrent synaptic events / wall s | / CPU s",
                     f"{_f(t['recurrent_events_per_wall_s'])} | "
                     f"{_f(t['recurrent_events_per_cpu_s'])}",
                     f"{_f(t['recurrent_events_per_sim_s'])} events per simulated s; "
                     "spikes x mean out-degree"))
        drawn = {"event": "drawn at the arrivals: random numbers only in steps with one",
                 "binomial": "drawn as one binomial per neuron per step (PoissonInput)"}
        rows.append(("Poisson drive events per simulated s", _f(t["drive_events_per_sim_s"]),
                     f"inputs x rate x neurons; {drawn.get(t.get('drive_model'), 'drive')}"))
        rows.append(("synapses / peak RSS of the binary",
                     f"{t['synapses']:,} / {_f(t['max_rss_mb'])} MB", _rates(t["rates_hz"])))

    s = results.get("sweep")
    if isinstance(s, dict):
        rows.append((f"## 3. sweep: {s['runs']} runs ({len(s['doses_mg_per_kg'])} doses x "
                     f"{len(s['seeds'])} seed(s)) x {_f(s['duration_s'])} s", "", ""))
        b = s["milasim_build"]
        rows.append(("milasim build before the sweep, wall / CPU",
                     f"{_f(b['wall_s'])} s / {_f(b['cpu_s'])} s",
                     "cache hit" if b["cached"] else "compiled (new structure)"))
        best = f"fastest of {s['repeats']}, alternating; " if s.get("repeats", 1) > 1 else ""
        rows.append(("milasim sweep, wall / CPU",
                     f"{_f(s['milasim_loop']['wall_s'])} s / {_f(s['milasim_loop']['cpu_s'])} s",
                     f"{best}drug -> receptor state -> cached binary, per dose; flags "
                     + " ".join(s.get("milasim_flags", []))))
        rows.append(("Brian2 runtime script, wall / CPU",
                     f"{_f(s['brian2_script']['wall_s'])} s / {_f(s['brian2_script']['cpu_s'])} s",
                     f"{best}target {s['target']}; loop {_f(s['brian2_loop_wall_s'])} s wall = "
                     f"build {_f(s['brian2_build_wall_s'])} + run {_f(s['brian2_run_wall_s'])}; "
                     "flags " + " ".join(s.get("brian2_flags") or [])))
        w = s["brian2_warmup"]
        rows.append((f"Brian2 warm-up, {s['target']} (not in the ratio)",
                     f"{_f(w['wall_s'])} s / {_f(w['cpu_s'])} s",
                     f"1 ms runs, {w['cython_cache']} Cython cache: {w['compiler_calls']} compiler "
                     f"calls; timed loop: {s['brian2_loop_compiler_calls']} (+ "
                     f"{s['brian2_loop_flag_probes']} flag probes)"))
        ok = "meets" if s["speedup_cpu"] >= TARGET_SPEEDUP else "MISSES"
        rows.append(("speed-up, wall | CPU",
                     f"{s['speedup_wall']:.2f}x | {s['speedup_cpu']:.2f}x",
                     f"target >= {TARGET_SPEEDUP:g}x: {ok} (CPU); Brian2 loop only "
                     f"(no Python start-up) vs milasim, wall: {s['speedup_loop_wall']:.2f}x"))
        if s.get("speedup_first_time_cpu") is not None and w["compiler_calls"] > 0:
            rows.append(("speed-up first time (both compile), CPU",
                         f"{s['speedup_first_time_cpu']:.2f}x",
                         f"(Brian2 warm-up + script) / (milasim compile "
                         f"{_f(s['milasim_compile_cpu_s'])} s + sweep)"))
        elif s.get("speedup_first_time_cpu") is not None:
            rows.append(("speed-up first time (both compile), CPU", "n/a",
                         "Brian2's Cython cache was already warm (run without --quick for an "
                         "empty one)"))
        for pop in ("exc", "inh"):
            p = s["pooled_rates"][pop]
            rows.append((f"mean rate {pop}: milasim vs Brian2",
                         f"{p['milasim_hz']:.3f} vs {p['brian2_hz']:.3f} Hz",
                         f"{100 * p['relative_difference']:+.1f} %"))
        same = sum(r["identical_spike_counts"] for r in s["rates"])
        rows.append(("rates match (every run, each population)",
                     "yes" if s["rates_match"] else "NO",
                     f"max |difference| {100 * s['max_relative_rate_difference']:.1f} % "
                     f"(tolerance {100 * s['rate_tolerance']:.0f} %); identical spike counts in "
                     f"{same}/{s['runs']} runs"))
        e = s.get("execute")
        if e and "error" not in e:
            rows.append(("sim.runner.execute vs bare simulation, CPU",
                         f"{_f(e['execute']['cpu_s'])} s vs {_f(e['simulate_only']['cpu_s'])} s",
                         "analysis + run.h5 + figures add "
                         f"{_f(e['overhead_cpu_s'])} CPU s per run"))
        elif e:
            rows.append(("sim.runner.execute", "failed", e["error"][:120]))

    z = results.get("sizes")
    if isinstance(z, dict):
        rows.append((f"## 4. cost vs size ({_f(z['duration_s'])} s each, in-degree "
                     f"{z['in_degree']:g})", "", ""))
        for r in z["sizes"]:
            rows.append((f"N = {r['neurons']:,} (p = {r['connection_probability']:.4g})",
                         f"{_f(r['sim_s_per_wall_s'])} | {_f(r['sim_s_per_cpu_s'])} sim s per "
                         f"wall | CPU s",
                         f"{r['synapses']:,} synapses, peak RSS {_f(r['max_rss_mb'])} MB, "
                         f"{_f(r['cpu_us_per_synapse_per_sim_s'])} CPU us/synapse/sim s, "
                         f"compile {_f(r['compile']['cpu_s'])} CPU s, {_rates(r['rates_hz'])}"))
        if z.get("cpu_exponent_fit") is not None:
            k = z["cpu_exponent_fit"]
            verdict = ("~linear" if 0.8 <= k <= 1.2 else "sublinear" if k < 0.8
                       else "superlinear")
            rows.append(("CPU time ~ synapses^k", f"k = {k:.2f}", verdict))

    wk = results.get("workers")
    if isinstance(wk, dict):
        rows.append((f"## 5. milasim sweep ({len(wk['doses_mg_per_kg'])} doses x "
                     f"{len(wk.get('seeds', [1]))} seed(s) x {_f(wk['duration_s'])} s, full runs) "
                     "on 1 vs 2 workers", "", ""))
        for r in wk["rows"]:
            rows.append((f"{r['workers']} worker(s), wall / CPU",
                         f"{_f(r['wall_s'])} s / {_f(r['cpu_s'])} s",
                         f"{r['runs']} runs ({r['failed']} failed), "
                         f"{_f(r['runs_per_wall_min'])} runs per wall minute, load "
                         f"{r['load_average']}"))
        if wk.get("throughput_ratio") is not None:
            efficiency = wk["throughput_ratio"] / wk["rows"][-1]["workers"]
            note = (f"= {100 * efficiency:.0f} % parallel efficiency (target >= 85 %); includes "
                    "starting and stopping the local Dask cluster, the build cached beforehand")
            rows.append(("throughput 2 workers / 1 worker", f"{wk['throughput_ratio']:.2f}x",
                         note))
    else:
        rows.append(("## 5. sweep on 1 vs 2 workers", str(wk or "not run"), ""))

    ar = results.get("arch")
    if isinstance(ar, dict):
        rows.append((f"## 6. MILASIM_ARCH={ar['level']} vs portable flags "
                     f"({_f(ar['duration_s'])} s default network)", "", ""))
        rows.append(("CPU s per run: portable | arch",
                     f"{_f(min(ar['portable_cpu_s']))} | {_f(min(ar['arch_cpu_s']))}",
                     f"extra compile {_f(ar['arch_compile_wall_s'])} s wall"))
        rows.append(("arch / portable CPU time", f"{ar['cpu_ratio']:.2f}",
                     "spike counts identical" if ar["spike_counts_identical"] else
                     f"spike counts differ (fast-math rounding): {ar['spike_counts']}"))
    else:
        rows.append(("## 6. MILASIM_ARCH vs portable flags", str(ar or "not run"), ""))
    dr = results.get("drive")
    if isinstance(dr, dict):
        rows.append((f"## 7. drive: PoissonInput (binomial) vs event-driven "
                     f"({_f(dr['duration_s'])} s default network, {dr['repeats']} seeds)", "", ""))
        rows.append(("CPU s per run: binomial | event (median)",
                     f"{_f(float(np.median(dr['cpu_s']['binomial'])))} | "
                     f"{_f(float(np.median(dr['cpu_s']['event'])))}",
                     "simulated s per CPU s: " + " | ".join(
                         _f(dr["sim_s_per_cpu_s"][m]) for m in ("binomial", "event"))))
        rows.append(("event / binomial CPU time", f"{dr['cpu_ratio']:.2f}",
                     f"rates {_rates(dr['rates_hz']['binomial'])} vs "
                     f"{_rates(dr['rates_hz']['event'])}"))
    else:
        rows.append(("## 7. drive: PoissonInput vs event-driven", str(dr or "not run"), ""))
    ls = results.get("long_seizure")
    if isinstance(ls, dict):
        rows.append((f"## 8. seizure network, {_f(ls['duration_s'])} s in 0 Mg2+ through "
                     "`milasim run` (simulation, analysis, run.h5, figures; warm build)", "", ""))
        if ls.get("exit_code") == 0:
            rows.append(("simulated s per CPU s, end to end", _f(ls["sim_s_per_cpu_s"]),
                         f"{_f(ls['cpu_s'])} CPU s, {_f(ls['wall_s'])} s wall, "
                         f"{ls['spikes']} spikes, {ls['ictal_event_count']} ictal events"))
            rows.append(("peak RSS: largest process | whole tree",
                         f"{_f(ls['peak_rss_largest_mb'])} | {_f(ls['peak_rss_tree_mb'])} MiB",
                         f"target <= 1 GB for 10 min; raw spike arrays "
                         f"{_f(ls['raw_spike_mb'])} MiB"))
            rows.append(("run.h5 size", f"{_f(ls['run_h5_mb'])} MiB",
                         f"{ls['run_h5_mb'] / ls['raw_spike_mb']:.2f}x the raw spike arrays"))
            every = ls.get("every_step")
            if every and every.get("exit_code") == 0:
                rows.append(("the same, ion system at every step (`simulation.ion_dt_ms = 0`, "
                             "<= 0.7.1)", f"{_f(every['sim_s_per_cpu_s'])} sim s per CPU s",
                             f"{_f(every['cpu_s'])} CPU s, {every['spikes']} spikes, "
                             f"{every['ictal_event_count']} ictal events; default / every step "
                             f"CPU time {ls['cpu_s'] / every['cpu_s']:.2f}x"))
            elif every:
                rows.append(("ion system at every step", f"exit {every['exit_code']}",
                             every.get("stderr_tail", "")))
        else:
            rows.append(("milasim run failed", f"exit {ls['exit_code']}", ls.get("stderr_tail", "")))
        for n, r in ls.get("threads", {}).items():
            rows.append((f"simulation.threads = {n}: CPU / wall",
                         f"{_f(r['cpu_s'])} s / {_f(r['wall_s'])} s",
                         f"exc {_f(r.get('rate_exc_hz', float('nan')))} Hz, "
                         f"{r.get('ictal_event_count')} ictal events (different random streams: "
                         "equal in statistics, not spike for spike)"))
    else:
        rows.append(("## 8. long seizure run", str(ls or "not run"), ""))
    nm = results.get("numerics")
    if isinstance(nm, dict):
        rows.append((f"## 9. numerical settings: the seizure network, {_f(nm['duration_s'])} s "
                     "in 0 Mg2+ through `milasim run` (warm builds)", "", ""))
        verdicts = (nm.get("study") or {}).get("verdicts", {})
        for r in nm["rows"]:
            name = " ".join(str(v) for v in r["setting"].values())
            label = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in r["setting"].items())
            if r["exit_code"] != 0:
                rows.append((label, "failed", r.get("stderr_tail", "")[:120]))
                continue
            v = verdicts.get(name)
            accuracy = ("accuracy: not in the numerics study" if v is None else
                        f"accuracy ({v['seeds']} seeds): largest difference "
                        f"{_f(v['largest_diff_in_sd'], 2)} reference SDs")
            rows.append((label, f"{_f(r['sim_s_per_cpu_s'])} sim s per CPU s",
                         f"{_f(r['cpu_ratio'], 2)}x the reference's CPU time; {accuracy}"))
        if not verdicts:
            rows.append(("accuracy", "no numerics study in results/numerics",
                         "milasim sweep experiments/numerics.toml, then rerun"))
    else:
        rows.append(("## 9. numerical settings", str(nm or "not run"), ""))
    v3 = results.get("against_v03")
    if isinstance(v3, dict):
        st = v3["structure"]
        title = (f"## 10. against 0.3: the seizure network's structure ({st['network.n_exc']} "
                 f"+ {st['network.n_inh']} neurons, p {st['network.connection_probability']}), "
                 f"{_f(v3['duration_s'])} s in 0 Mg2+ through `milasim run`, each version's "
                 f"own model, runs in turn: {v3['repeats']} (median)")
        rows.append((title, "", ""))
        for name, label in (("v03", f"milasim {v3['v03']['version']} ({v3['commit'][:7]})"),
                            ("new", f"milasim {v3['new']['version']} (this checkout)")):
            r = v3[name]
            note = (f"{_f(r['cpu_s_median'])} CPU s, {r['spikes']} spikes, exc "
                    f"{_f(r['rate_exc_hz'])} Hz")
            rows.append((label, f"{_f(r['sim_s_per_cpu_s'])} sim s per CPU s", note))
        per_cpu = {n: v3[n]["spikes"] / v3[n]["cpu_s_median"] for n in ("new", "v03")}
        note = (f"target >= 3x; spikes per CPU s {per_cpu['new'] / per_cpu['v03']:.1f}x "
                "(0.3 has no ion dynamics: a different model on the same structure)")
        rows.append(("this checkout / 0.3, simulated s per CPU s", f"{v3['speed_ratio']:.2f}x",
                     note))
    else:
        rows.append(("## 10. against 0.3", str(v3 or "not run"), ""))
    rows.append(("total benchmark wall time", f"{_f(results.get('total_wall_s'))} s", ""))
    return rows


def render_text(rows: list[tuple[str, str, str]]) -> str:
    width = max(len(q) for q, _, _ in rows if not q.startswith("## "))
    vwidth = max(len(v) for q, v, _ in rows if not q.startswith("## "))
    lines = []
    for q, v, note in rows:
        if q.startswith("## "):
            lines += ["", q[3:] + (f"  {v}" if v else "")]
        else:
            lines.append(f"  {q:<{width}}  {v:<{vwidth}}  {note}".rstrip())
    return "\n".join(lines).lstrip("\n") + "\n"


def render_markdown(rows: list[tuple[str, str, str]]) -> str:
    out = ["# milasim benchmark results", "",
           "Produced by `python benchmarks/run.py`; see docs/performance.md.", ""]
    header = ["| quantity | value | note |", "|---|---|---|"]

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    for q, v, note in rows:
        if q.startswith("## "):
            out += ["", f"### {q[3:]}" + (f" ({v})" if v else ""), "", *header]
        else:
            out.append(f"| {cell(q)} | {cell(v)} | {cell(note)} |")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sweep, sizes up to 16k, one repeat (a few minutes)")
    parser.add_argument("--doses", type=int, default=None, help="K doses in the sweep (4)")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder for results.json / results.md (default: benchmarks/)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary build cache")
    parser.add_argument("--arch", action="store_true",
                        help="also run section 6 (MILASIM_ARCH=x86-64-v3 vs portable) with --quick")
    parser.add_argument("--drive", action="store_true",
                        help="also run section 7 (PoissonInput vs event-driven drive) with --quick")
    parser.add_argument("--workers", action="store_true",
                        help="also run section 5 (1 vs 2 sweep workers) with --quick")
    parser.add_argument("--only", type=lambda v: {int(x) for x in v.split(",")}, default=None,
                        metavar="N[,N]", help="run only these sections, e.g. --only 8")
    args = parser.parse_args(argv)
    cfg = settings(args.quick, args.doses)
    cfg["workers"] = cfg["workers"] or args.workers

    t0 = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="milasim-bench-"))
    results: dict[str, Any] = {"quick": args.quick, "settings": cfg,
                               "machine": bench.machine_info()}

    def step(name: str, label: str, func, *a, **kw):
        if args.only is not None and int(label.split(".")[0]) not in args.only:
            results[name] = "not selected (--only)"
            return
        print(f"[{time.perf_counter() - t0:6.0f} s] {label} (load {bench.load_average()})",
              file=sys.stderr, flush=True)
        results[name] = func(*a, **kw)

    try:
        with bench.environment(MILASIM_CACHE_DIR=str(workdir / "cache")):
            step("cold_warm", "1. cold vs warm", bench.bench_cold_warm, workdir, cfg["run_s"])
            step("throughput", "2. throughput", bench.bench_throughput, workdir, cfg["run_s"],
                 repeats=cfg["repeats"])
            cw = results["cold_warm"]
            compile_cpu = (cw["cold"]["cpu_s"] - cw["warm"]["cpu_s"]
                           if isinstance(cw, dict) and cfg["sweep_s"] == cfg["run_s"] else None)
            step("sweep", "3. sweep vs Brian2", bench.bench_sweep, workdir / "sweep",
                 cfg["sweep_s"], bench.dose_list(cfg["doses"]), seeds=cfg["seeds"],
                 empty_cython_cache=cfg["empty_cython_cache"], known_compile_cpu_s=compile_cpu,
                 repeats=cfg["sweep_repeats"])
            step("sizes", "4. cost vs size", bench.bench_sizes, workdir / "sizes", cfg["sizes"],
                 duration_s=cfg["size_s"])
            why_not = bench.sweep_module_status()
            if not cfg["workers"]:
                results["workers"] = "skipped in --quick (run without --quick)"
            elif why_not:
                results["workers"] = why_not
            else:
                # the sweep section's grid (8 runs of 4 s, build cached by section 3), so that
                # starting the Dask cluster is not most of what is measured
                step("workers", "5. sweep on 1 vs 2 workers", bench.bench_workers,
                     workdir / "workers", cfg["sweep_s"], bench.dose_list(cfg["doses"]),
                     seeds=cfg["seeds"])
            if cfg["arch"] or args.arch:
                step("arch", "6. MILASIM_ARCH=x86-64-v3 vs portable", bench.bench_arch,
                     workdir / "arch", cfg["run_s"], repeats=cfg["repeats"])
            else:
                results["arch"] = "skipped in --quick (add --arch)"
            if cfg["drive"] or args.drive:
                step("drive", "7. PoissonInput vs event-driven drive", bench.bench_drive,
                     workdir / "drive", cfg["run_s"], repeats=max(cfg["repeats"], 2))
            else:
                results["drive"] = "skipped in --quick (add --drive)"
            step("long_seizure", "8. long seizure run, threads 1 vs 2", bench.bench_long_seizure,
                 workdir / "long", cfg["long_s"], threads_s=cfg["threads_s"])
            step("numerics", "9. numerical settings", bench.bench_numerics,
                 workdir / "numerics", cfg["numerics_s"],
                 study=[ROOT / "results" / "numerics", ROOT / "results" / "numerics_ion_clock"])
            step("against_v03", "10. against 0.3", bench.bench_against_v03, workdir / "v03",
                 cfg["v03_s"], repeats=cfg["v03_repeats"])
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_end"] = bench.load_average()
    results["total_wall_s"] = time.perf_counter() - t0

    rows = table_rows(results)
    text = render_text(rows)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    (args.out / "results.md").write_text(render_markdown(rows))
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
