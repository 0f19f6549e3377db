"""The measurements behind ``python benchmarks/run.py``, one function per section.

Every timing is taken twice: *wall* seconds (what a user waits) and *CPU* seconds (user + system
time of this process and of every child it reaped: the build process, make, g++, the simulation
binary, the Brian2 baseline). On a shared machine the wall time depends on the other users' load;
the CPU time hardly does, so ratios are printed for both, with the load average beside them.

Sections (see docs/performance.md for what each number means):

- :func:`bench_cold_warm`: first build (empty cache) vs cached build at another dose, with the
  compiler tools replaced by logging wrappers to count compiler invocations;
- :func:`bench_throughput`: simulated seconds per wall / CPU second of the default network, peak
  RSS of the binary and synaptic events per second;
- :func:`bench_sweep`: a K-dose sweep through milasim vs the plain Brian2 runtime-mode script
  ``benchmarks/brian2_baseline.py`` (one build per dose), and their mean rates;
- :func:`bench_sizes`: cost and memory vs network size at fixed in-degree.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from sim.conditions import receptor_state
from sim.config import Config
from sim.engine import COMPILE_FLAGS, Build, build_key, cache_root, get_build
from sim.model import network
from sim.protocols.epileptiform import PROTOCOL, runtime_params, spikes_of, structure_of

REPO = Path(__file__).resolve().parents[1]
BASELINE_SCRIPT = Path(__file__).resolve().with_name("brian2_baseline.py")
#: The four recurrent pathways of sim.model.network: name -> (source, target population).
PATHWAYS = {"syn_ee": ("exc", "exc"), "syn_ei": ("exc", "inh"),
            "syn_ie": ("inh", "exc"), "syn_ii": ("inh", "inh")}
#: Tools the compiled build invokes (through make); the warm run must call none of them.
COMPILER_TOOLS = ("make", "g++", "gcc", "c++", "cc", "ld", "x86_64-linux-gnu-g++",
                  "x86_64-linux-gnu-gcc")


# --------------------------------------------------------------------------- measuring
def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of all its reaped descendants so far."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


@dataclass
class Cost:
    wall_s: float = math.nan
    cpu_s: float = math.nan

    def as_dict(self) -> dict[str, float]:
        return {"wall_s": self.wall_s, "cpu_s": self.cpu_s}


@contextlib.contextmanager
def measured() -> Iterator[Cost]:
    """``with measured() as cost: ...`` fills ``cost.wall_s`` and ``cost.cpu_s`` on exit."""
    cost = Cost()
    w0, c0 = time.perf_counter(), cpu_seconds()
    try:
        yield cost
    finally:
        cost.wall_s = time.perf_counter() - w0
        cost.cpu_s = cpu_seconds() - c0


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextlib.contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Temporarily set (or, with None, remove) environment variables of this process."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def machine_info() -> dict[str, Any]:
    import psutil

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    compiler = "unknown"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        compiler = subprocess.run(["g++", "--version"], capture_output=True, text=True,
                                  check=True).stdout.splitlines()[0]
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += " (sim/ has uncommitted changes)" if dirty else ""
    from importlib.metadata import version

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "brian2": version("brian2"),
        "numpy": np.__version__,
        "compiler": compiler,
        "git": commit,
        "load_average_start": load_average(),
    }


# --------------------------------------------------------------------------- configurations
def network_config(duration_s: float, *, dose_mg_per_kg: float = 0.0, seed: int = 1,
                   overrides: Mapping[str, Any] | None = None) -> Config:
    """The default network (config defaults) for ``duration_s``, at a dose and seed."""
    return Config().replace({"protocol.duration_s": float(duration_s),
                             "drug.dose_mg_per_kg": float(dose_mg_per_kg),
                             "simulation.seed": int(seed), **(overrides or {})})


def sized_overrides(n_total: int, in_degree: float) -> dict[str, Any]:
    """A 4:1 network of ``n_total`` neurons whose mean in-degree is ``in_degree`` (p = k / N)."""
    n_inh = max(1, round(n_total / 5))
    return {"network.n_exc": n_total - n_inh, "network.n_inh": n_inh,
            "network.connection_probability": min(1.0, in_degree / n_total)}


def dose_list(k: int) -> list[float]:
    """K doses in mg/kg: 0, 100, 200, 400, ... (no drug, then doubling)."""
    return [0.0] + [100.0 * 2**i for i in range(k - 1)]


def runtime_values(cfg: Config) -> dict[str, float]:
    """The command-line values of one run: drug -> receptor state -> network parameters."""
    return runtime_params(cfg, receptor_state(cfg))


def run_structure(cfg: Config) -> dict[str, Any]:
    """The network's structure plus the run's simulated time (a run-time value since 0.4)."""
    return {**structure_of(cfg), "duration_s": cfg.protocol.duration_s}


@dataclass
class NetworkRun:
    """What the benchmark reads of one simulated network: spikes and recorded neurons."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    n_nodes: dict[str, int]
    duration_s: float


def simulate(cfg: Config, workdir: Path) -> NetworkRun:
    """One run the way milasim does it (drug, receptor state, cached build, binary)."""
    workdir.mkdir(parents=True, exist_ok=True)
    done = PROTOCOL.simulate(cfg, receptor_state(cfg), workdir, log_path=workdir / "run.log")
    return NetworkRun(spikes=spikes_of(done.outputs),
                      n_nodes={k: int(v) for k, v in done.build.info["recorded"].items()},
                      duration_s=done.duration_s)


# --------------------------------------------------------------------------- compiler wrappers
class CompilerWrappers:
    """A folder of scripts named like the compiler tools that log each call.

    ``passthrough()`` puts them in front of PATH and lets each call go on to the real tool;
    ``blocking()`` makes them the only thing on PATH and fails every call. :meth:`calls` counts
    the logged invocations per tool. Brian2 probes whether the compiler accepts each flag by
    compiling a tiny ``flag_test.cpp``; such calls are logged as ``probe`` and counted apart
    (:meth:`probes`), since they compile no model code.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.log = self.folder / "calls.log"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log.touch()

    def _write(self, blocking: bool) -> None:
        for tool in COMPILER_TOOLS:
            real = None if blocking else shutil.which(tool)
            script = self.folder / tool
            tail = f'exec "{real}" "$@"\n' if real else "exit 127\n"
            script.write_text(
                "#!/bin/sh\n"
                'case "$*" in *flag_test*) kind=probe ;; *) kind=call ;; esac\n'
                f'echo "{tool} $kind" >> "{self.log}"\n{tail}')
            script.chmod(0o755)

    @contextlib.contextmanager
    def passthrough(self) -> Iterator[None]:
        self._write(blocking=False)
        with environment(PATH=f"{self.folder}{os.pathsep}{os.environ.get('PATH', '')}"):
            yield

    @contextlib.contextmanager
    def blocking(self) -> Iterator[None]:
        self._write(blocking=True)
        with environment(PATH=str(self.folder)):
            yield

    def _lines(self) -> list[list[str]]:
        return [line.split() for line in self.log.read_text().splitlines() if line.strip()]

    def calls(self) -> dict[str, int]:
        """Calls per tool, flag probes excluded."""
        counts: dict[str, int] = {}
        for tool, kind in self._lines():
            if kind != "probe":
                counts[tool] = counts.get(tool, 0) + 1
        return counts

    def probes(self) -> int:
        return sum(kind == "probe" for _, kind in self._lines())


# --------------------------------------------------------------------------- running a binary
@dataclass
class BinaryRun:
    """One measured execution of a compiled build."""

    outputs: dict[str, np.ndarray]
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    synapses: dict[str, int] = field(default_factory=dict)


def _vm_hwm_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, from /proc; None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reap_sampling(proc: subprocess.Popen, sample, poll_s: float) -> tuple[int, Any]:
    """Reap ``proc`` with ``os.wait4`` while a thread calls ``sample()`` every ``poll_s`` (the
    last call is at most ``poll_s`` before the exit); returns (wait status, rusage of ``proc``
    and its reaped children)."""
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            sample()
            done.wait(poll_s)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        done.set()
        poller.join()
    return status, usage


def wait_measured(proc: subprocess.Popen, poll_s: float = 0.01) -> tuple[float, float, int]:
    """Reap ``proc``: (CPU seconds of it and its reaped children, peak RSS in MB, exit code).

    The peak RSS is the kernel's high-water mark (VmHWM) of the process, read every ``poll_s``
    while it runs; the last reading is at most ``poll_s`` old. (``ru_maxrss`` from ``wait4`` or
    ``RUSAGE_CHILDREN`` is not used: after ``vfork`` + ``exec`` it also counts the *parent's*
    resident size, here the benchmark's own Python.)
    """
    peak = [0.0]

    def sample() -> None:
        value = _vm_hwm_mb(proc.pid)
        if value is not None:
            peak[0] = max(peak[0], value)

    status, usage = reap_sampling(proc, sample, poll_s)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, peak[0], proc.returncode


def run_binary(build: Build, params: Mapping[str, float], seed: int, workdir: Path,
               duration_s: float) -> BinaryRun:
    """Run the build's binary as :meth:`sim.engine.Build.run` does, measured exactly.

    Same command line (:meth:`Build.command`) and seed variable, but the child is reaped with
    ``os.wait4``, which gives the CPU time of that one process, and its peak RSS is polled
    (:func:`wait_measured`). The synapse counts come from the ``<pathway>.N`` arrays the binary
    writes.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results_dir = Path(tempfile.mkdtemp(prefix="results-", dir=workdir))
    try:
        cmd = build.command(params, results_dir)
        env = {**os.environ, "MILASIM_SEED": str(int(seed)),
               "MILASIM_DURATION_S": repr(float(duration_s))}
        with open(workdir / "binary.log", "a") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=build.directory, env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
            cpu, peak_mb, code = wait_measured(proc)
            wall = time.perf_counter() - t0
        if code != 0:
            raise RuntimeError(f"{cmd[0]} exited with {code}; log: {workdir}/binary.log")
        outputs = {}
        for name, spec in build.manifest["outputs"].items():
            data = np.fromfile(results_dir / spec["file"], dtype=np.dtype(spec["dtype"]))
            outputs[name] = data.reshape(-1, spec["ncols"]) if spec.get("ncols") else data
        synapses = {}
        for name in PATHWAYS:
            pattern = re.compile(rf"_array_{name}_N_\d+$")
            for path in results_dir.iterdir():
                if pattern.match(path.name):
                    synapses[name] = int(np.fromfile(path, dtype=np.int32)[0])
        return BinaryRun(outputs=outputs, wall_s=wall, cpu_s=cpu, max_rss_mb=peak_mb,
                         synapses=synapses)
    finally:
        shutil.rmtree(results_dir, ignore_errors=True)


# --------------------------------------------------------------------------- spikes and events
def spike_counts(outputs: Mapping[str, np.ndarray]) -> dict[str, int]:
    return {pop: int(len(outputs[f"{pop}_t"])) for pop in ("exc", "inh")}


def mean_rates(counts: Mapping[str, int], recorded: Mapping[str, int],
               duration_s: float) -> dict[str, float]:
    """Spikes per recorded neuron per second, per population."""
    return {pop: counts[pop] / (recorded[pop] * duration_s) for pop in counts}


def synaptic_events(structure: Mapping[str, Any], counts: Mapping[str, int],
                    recorded: Mapping[str, int],
                    synapses: Mapping[str, int] | None = None) -> dict[str, float]:
    """Estimated recurrent synaptic events (spike deliveries) and Poisson drive events of a run.

    Recurrent: sum over pathways of (spikes of the source population) x (mean out-degree of the
    pathway). Spikes are counted on the recorded neurons and scaled to the whole population; the
    mean out-degree is synapses / source size when the synapse count is known, else its
    expectation p x (N_target - 1 if the pathway is recurrent within a population else N_target).
    Using the *mean* out-degree assumes spiking is uncorrelated with out-degree (true in
    expectation for random connectivity). Drive: inputs x rate x neurons x duration (PoissonInput
    draws one binomial per neuron and time step, so its cost does not scale with these events).
    """
    sizes = {"exc": structure["n_exc"], "inh": structure["n_inh"]}
    p = structure["connection_probability"]
    total = 0.0
    for name, (src, dst) in PATHWAYS.items():
        spikes = counts[src] * sizes[src] / recorded[src]
        if synapses and name in synapses:
            out_degree = synapses[name] / sizes[src]
        else:
            out_degree = p * (sizes[dst] - (1 if src == dst else 0))
        total += spikes * out_degree
    drive = (structure["drive_inputs"] * structure["drive_rate_hz"] * sum(sizes.values())
             * structure["duration_s"])  # the run's own: see run_structure
    return {"recurrent": total, "drive": drive}


def expected_synapses(structure: Mapping[str, Any]) -> int:
    sizes = {"exc": structure["n_exc"], "inh": structure["n_inh"]}
    p = structure["connection_probability"]
    return round(sum(p * sizes[s] * (sizes[d] - (1 if s == d else 0))
                     for s, d in PATHWAYS.values()))


# --------------------------------------------------------------------------- 1. cold vs warm
def bench_cold_warm(workdir: Path, duration_s: float, doses: Sequence[float] = (0.0, 200.0),
                    seed: int = 1, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A run with an empty build cache, then a run at another dose with no compiler on PATH.

    The cache is ``workdir/cache`` (must not hold this build). The warm run's PATH holds only
    wrappers that log and fail, so any compiler call would both show in the count and fail it.
    """
    workdir = Path(workdir)
    cache = workdir / "cache"
    cold_cfg = network_config(duration_s, dose_mg_per_kg=doses[0], seed=seed, overrides=overrides)
    warm_cfg = network_config(duration_s, dose_mg_per_kg=doses[1], seed=seed, overrides=overrides)
    keys = {build_key(PROTOCOL.blueprint(c)) for c in (cold_cfg, warm_cfg)}
    wrappers = CompilerWrappers(workdir / "compiler-wrappers")
    with environment(MILASIM_CACHE_DIR=str(cache)):
        if (cache / next(iter(keys)) / "manifest.json").exists():
            raise RuntimeError(f"{cache} already holds this build; the cold run needs it empty")
        load = load_average()
        with wrappers.passthrough(), measured() as cold:
            cold_net = simulate(cold_cfg, workdir / "cold")
        cold_calls, cold_probes = wrappers.calls(), wrappers.probes()
        with wrappers.blocking(), measured() as warm:
            warm_net = simulate(warm_cfg, workdir / "warm")
        warm_calls = {k: n - cold_calls.get(k, 0) for k, n in wrappers.calls().items()
                      if n - cold_calls.get(k, 0)}
        warm_probes = wrappers.probes() - cold_probes
    n_recorded = cold_net.n_nodes
    return {
        "duration_s": duration_s,
        "doses_mg_per_kg": list(doses),
        "cold": cold.as_dict(),
        "warm": warm.as_dict(),
        "warm_over_cold_wall": warm.wall_s / cold.wall_s,
        "warm_over_cold_cpu": warm.cpu_s / cold.cpu_s,
        "same_build_key": len(keys) == 1,
        "compiler_calls_cold": cold_calls,
        "compiler_calls_warm": warm_calls,
        "flag_probes_cold": cold_probes,
        "flag_probes_warm": warm_probes,
        "rates_cold_hz": mean_rates({p: len(t) for p, (t, _) in cold_net.spikes.items()},
                                    n_recorded, cold_net.duration_s),
        "rates_warm_hz": mean_rates({p: len(t) for p, (t, _) in warm_net.spikes.items()},
                                    n_recorded, warm_net.duration_s),
        "load_average": load,
    }


# --------------------------------------------------------------------------- 2. throughput
def bench_throughput(workdir: Path, duration_s: float, repeats: int = 1, seed: int = 1,
                     overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Repeated runs of the (cached) default network's binary at dose 0, measured per process."""
    cfg = network_config(duration_s, seed=seed, overrides=overrides)
    structure = run_structure(cfg)
    build = get_build(PROTOCOL.blueprint(cfg))
    params = runtime_values(cfg)
    load = load_average()
    runs = [run_binary(build, params, seed, Path(workdir) / "throughput", duration_s)
            for _ in range(repeats)]
    recorded = build.info["recorded"]
    best = min(runs, key=lambda r: r.cpu_s)
    counts = spike_counts(best.outputs)
    events = synaptic_events(structure, counts, recorded, best.synapses)
    wall = float(np.median([r.wall_s for r in runs]))
    cpu = float(np.median([r.cpu_s for r in runs]))
    return {
        "neurons": structure["n_exc"] + structure["n_inh"],
        "duration_s": duration_s,
        "repeats": repeats,
        "wall_s": [r.wall_s for r in runs],
        "cpu_s": [r.cpu_s for r in runs],
        "sim_s_per_wall_s": duration_s / wall,
        "sim_s_per_cpu_s": duration_s / cpu,
        "max_rss_mb": max(r.max_rss_mb for r in runs),
        "synapses": sum(best.synapses.values()) or expected_synapses(structure),
        "rates_hz": mean_rates(counts, recorded, duration_s),
        "spike_counts": counts,
        "recurrent_events_per_sim_s": events["recurrent"] / duration_s,
        "recurrent_events_per_wall_s": events["recurrent"] / wall,
        "recurrent_events_per_cpu_s": events["recurrent"] / cpu,
        "drive_events_per_sim_s": events["drive"] / duration_s,
        "drive_model": structure["drive_model"],
        "load_average": load,
    }


def bench_arch(workdir: Path, duration_s: float, repeats: int = 1, level: str = "x86-64-v3",
               overrides: Mapping[str, Any] | None = None) -> dict[str, Any] | str:
    """The default network with portable flags vs ``MILASIM_ARCH=<level>`` (section 6).

    Two builds (the level is part of the build key), the same seed and dose; CPU time per run and
    whether the spike counts are identical (fast math with wider vectors may round differently).
    """
    from sim.engine import ARCH_ENV, ARCH_LEVELS, PORTABLE, host_cpu_flags

    missing = sorted(ARCH_LEVELS[level] - host_cpu_flags())
    if missing:
        return f"skipped: this CPU lacks {', '.join(missing)}"
    # MILASIM_ARCH=portable, not unset: unset picks the best level this CPU has (which may be
    # ``level`` itself), and the section would compare a build with itself
    blueprint = PROTOCOL.blueprint(network_config(duration_s, overrides=overrides))
    with environment(**{ARCH_ENV: PORTABLE}):
        portable_key = build_key(blueprint)
        portable = bench_throughput(Path(workdir) / "portable", duration_s, repeats,
                                    overrides=overrides)
    with environment(**{ARCH_ENV: level}):
        t0 = time.perf_counter()
        get_build(blueprint)
        compile_s = time.perf_counter() - t0
        level_key = build_key(blueprint)
        fast = bench_throughput(Path(workdir) / level, duration_s, repeats, overrides=overrides)
    return {
        "level": level,
        "duration_s": duration_s,
        "portable_cpu_s": portable["cpu_s"],
        "arch_cpu_s": fast["cpu_s"],
        "arch_compile_wall_s": compile_s,
        "distinct_builds": portable_key != level_key,
        "cpu_ratio": float(np.median(fast["cpu_s"]) / np.median(portable["cpu_s"])),
        "spike_counts": {"portable": portable["spike_counts"], level: fast["spike_counts"]},
        "spike_counts_identical": portable["spike_counts"] == fast["spike_counts"],
        "rates_portable_hz": portable["rates_hz"],
        "rates_arch_hz": fast["rates_hz"],
    }


def bench_drive(workdir: Path, duration_s: float, repeats: int = 3,
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Brian2's PoissonInput vs the event-driven drive on the default network (section 7).

    Two builds; runs alternate between them (binomial, event, binomial, ...) so that a change in
    the machine's load hits both, each repeat with its own seed. The drives are the same process
    with different random streams, so spikes differ run by run: the rates are compared.
    """
    per_model: dict[str, list[dict[str, Any]]] = {"binomial": [], "event": []}
    for r in range(repeats):
        for model in per_model:
            per_model[model].append(bench_throughput(
                Path(workdir) / model, duration_s, repeats=1, seed=r + 1,
                overrides={**(overrides or {}), "network.drive_model": model}))
    cpu = {m: [run["cpu_s"][0] for run in runs] for m, runs in per_model.items()}
    rates = {m: {pop: float(np.mean([run["rates_hz"][pop] for run in runs]))
                 for pop in ("exc", "inh")} for m, runs in per_model.items()}
    return {
        "duration_s": duration_s,
        "repeats": repeats,
        "cpu_s": cpu,
        "cpu_ratio": float(np.median(cpu["event"]) / np.median(cpu["binomial"])),
        "rates_hz": rates,
        "rate_ratio": {pop: rates["event"][pop] / rates["binomial"][pop] for pop in ("exc", "inh")},
        "sim_s_per_cpu_s": {m: duration_s / float(np.median(c)) for m, c in cpu.items()},
    }


# --------------------------------------------------------------------------- 3. sweep vs Brian2
def run_baseline(job: Mapping[str, Any], workdir: Path, name: str) -> dict[str, Any]:
    """Run benchmarks/brian2_baseline.py on ``job`` in a fresh Python, measured like a binary."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    job_path, result_path = workdir / f"{name}.job.json", workdir / f"{name}.result.json"
    job_path.write_text(json.dumps(job))
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, str(BASELINE_SCRIPT), str(job_path), str(result_path)]
    with open(workdir / f"{name}.log", "w") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        cpu, peak_mb, code = wait_measured(proc, poll_s=0.05)
        wall = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"the Brian2 baseline failed ({code}); log: {workdir / f'{name}.log'}")
    result = json.loads(result_path.read_text())
    result.update(wall_s=wall, cpu_s=cpu, max_rss_mb=peak_mb)
    return result


def baseline_job(configs: Sequence[Config], target: str = "cython",
                 labels: Sequence[Any] | None = None,
                 cython_cache_dir: Path | None = None) -> dict[str, Any]:
    """The baseline's input: one structure (all configs must share it) and per-run values."""
    structures = {json.dumps(run_structure(c), sort_keys=True) for c in configs}
    if len(structures) != 1:
        raise ValueError("the baseline runs one network structure; got several")
    labels = labels if labels is not None else list(range(len(configs)))
    return {
        "structure": run_structure(configs[0]),
        "doses": [{"label": lab, "seed": c.simulation.seed, "params": runtime_values(c)}
                  for lab, c in zip(labels, configs, strict=True)],
        "target": target,
        "record_all_up_to": getattr(network, "RECORD_ALL_UP_TO", 20_000),
        "traced_neurons": getattr(network, "TRACED_NEURONS", 0),
        "cython_cache_dir": str(cython_cache_dir) if cython_cache_dir else None,
    }


def bench_sweep(workdir: Path, duration_s: float, doses: Sequence[float],
                seeds: Sequence[int] = (1,), target: str = "cython",
                overrides: Mapping[str, Any] | None = None, tolerance: float = 0.15,
                end_to_end: bool = True, empty_cython_cache: bool = False,
                known_compile_cpu_s: float | None = None, repeats: int = 1) -> dict[str, Any]:
    """K doses x seeds through milasim (one build) vs the Brian2 runtime script (one build each).

    milasim: :func:`simulate` per dose (drug -> receptor state -> cached binary), in this process,
    after :func:`get_build` (timed apart: a compile if this structure is new, else a cache hit).

    Brian2: one fresh Python running benchmarks/brian2_baseline.py over the same runs, after a
    warm-up in another Python that makes the same sequence of builds with 1 ms runs, so that
    Brian2's Cython cache holds every compiled code object and the timed loop is Brian2 at its
    best. The warm-up's cost is reported apart: it is Brian2's first-time Cython compile when the
    cache is empty (the user's default cache, or with ``empty_cython_cache`` a new one). Both
    Brian2 processes run with logging compiler wrappers on PATH, to show that the timed loop
    compiled nothing.

    The milasim sweep and the Brian2 script alternate ``repeats`` times; the fastest (CPU) of each
    is compared. ``known_compile_cpu_s``: milasim's compile cost for this structure when it is
    already cached (from :func:`bench_cold_warm`), for the first-time comparison.
    """
    workdir = Path(workdir)
    labels = [(d, s) for s in seeds for d in doses]
    configs = [network_config(duration_s, dose_mg_per_kg=d, seed=s, overrides=overrides)
               for d, s in labels]
    load_start = load_average()

    blueprint = PROTOCOL.blueprint(configs[0])
    cached = (cache_root() / build_key(blueprint) / "manifest.json").exists()
    with measured() as build_cost:
        build = get_build(blueprint)
    recorded = build.info["recorded"]

    cython_cache = workdir / "cython-cache" if empty_cython_cache else None
    wrappers = CompilerWrappers(workdir / "brian2-compiler-wrappers")
    # the warm-up repeats the whole sequence of builds (1 ms each): a network rebuilt in the same
    # Python gets new automatic names (exc_poissoninput_1, ...), hence new Cython code objects
    warm_cfgs = [network_config(1e-3, dose_mg_per_kg=d, seed=s, overrides=overrides)
                 for d, s in labels]
    with wrappers.passthrough():
        warmup = run_baseline(baseline_job(warm_cfgs, target, labels, cython_cache),
                              workdir / "brian2", "warmup")
    warmup_calls, warmup_probes = sum(wrappers.calls().values()), wrappers.probes()

    # milasim and Brian2 alternate (A B A B ...); the fastest of each is compared, which damps
    # the other users' load
    mila_costs: list[Cost] = []
    bases: list[dict[str, Any]] = []
    mila_counts: list[dict[str, int]] = []
    for r in range(repeats):
        with measured() as mila:
            for (dose, seed), cfg in zip(labels, configs, strict=True):
                net = simulate(cfg, workdir / "milasim" / f"dose{dose:g}-seed{seed}")
                if r == 0:
                    mila_counts.append({p: len(t) for p, (t, _) in net.spikes.items()})
        mila_costs.append(mila)
        with wrappers.passthrough():
            bases.append(run_baseline(baseline_job(configs, target, labels, cython_cache),
                                      workdir / "brian2", f"sweep{r}"))
    loop_calls = sum(wrappers.calls().values()) - warmup_calls
    loop_probes = wrappers.probes() - warmup_probes
    mila = min(mila_costs, key=lambda c: c.cpu_s)
    base = min(bases, key=lambda b: b["cpu_s"])
    base_counts = [d["spikes"] for d in bases[0]["doses"]]
    compile_cpu = build_cost.cpu_s if not cached else known_compile_cpu_s

    comparison = []
    worst = 0.0
    for (dose, seed), mc, bc in zip(labels, mila_counts, base_counts, strict=True):
        rm = mean_rates(mc, recorded, duration_s)
        rb = mean_rates(bc, recorded, duration_s)
        rel = {p: (rm[p] - rb[p]) / rb[p] if rb[p] > 0 else (0.0 if rm[p] == 0 else math.inf)
               for p in rm}
        worst = max(worst, *(abs(v) for v in rel.values()))
        comparison.append({"dose_mg_per_kg": dose, "seed": seed, "milasim_hz": rm,
                           "brian2_hz": rb, "relative_difference": rel,
                           "identical_spike_counts": mc == bc})
    # pooled over the runs: mean rate per population, milasim vs Brian2
    pooled = {}
    for pop in ("exc", "inh"):
        m = float(np.mean([c["milasim_hz"][pop] for c in comparison]))
        b = float(np.mean([c["brian2_hz"][pop] for c in comparison]))
        pooled[pop] = {"milasim_hz": m, "brian2_hz": b, "relative_difference": (m - b) / b}

    result = {
        "duration_s": duration_s,
        "doses_mg_per_kg": list(doses),
        "seeds": list(seeds),
        "runs": len(labels),
        "target": target,
        "milasim_build": {**build_cost.as_dict(), "cached": cached},
        "repeats": repeats,
        "milasim_loop": mila.as_dict(),
        "milasim_loop_all": [c.as_dict() for c in mila_costs],
        "milasim_flags": list(COMPILE_FLAGS),
        "brian2_warmup": {**{k: warmup[k] for k in ("wall_s", "cpu_s")},
                          "compiler_calls": warmup_calls, "flag_probes": warmup_probes,
                          "cython_cache": "empty (new)" if empty_cython_cache else "user's"},
        "brian2_loop_compiler_calls": loop_calls,
        "brian2_loop_flag_probes": loop_probes,
        "brian2_script": {k: base[k] for k in ("wall_s", "cpu_s", "max_rss_mb")},
        "brian2_script_all": [{k: b[k] for k in ("wall_s", "cpu_s")} for b in bases],
        "brian2_flags": base.get("compile_flags"),
        "brian2_loop_wall_s": base["loop_wall_s"],
        "brian2_build_wall_s": sum(d["build_wall_s"] for d in base["doses"]),
        "brian2_run_wall_s": sum(d["run_wall_s"] for d in base["doses"]),
        "speedup_wall": base["wall_s"] / mila.wall_s,
        "speedup_cpu": base["cpu_s"] / mila.cpu_s,
        "speedup_loop_wall": base["loop_wall_s"] / mila.wall_s,
        "speedup_first_time_cpu": (
            (warmup["cpu_s"] + base["cpu_s"]) / (mila.cpu_s + compile_cpu)
            if compile_cpu is not None else None),
        "milasim_compile_cpu_s": compile_cpu,
        "rates": comparison,
        "pooled_rates": pooled,
        "max_relative_rate_difference": worst,
        "rate_tolerance": tolerance,
        "rates_match": worst <= tolerance,
        "load_average": [load_start, load_average()],
    }
    if end_to_end:
        result["execute"] = bench_execute(configs[0], workdir / "execute")
    return result


def bench_execute(cfg: Config, workdir: Path) -> dict[str, Any]:
    """A full ``sim.runner.execute`` (analysis, run.h5, figures) vs the bare simulation.

    The first ``execute`` of the process is not timed (it pays one-off imports)."""
    from sim.runner import execute

    try:
        execute(cfg, workdir / "first")  # imports matplotlib, h5py, ...: not counted
        with measured() as full:
            execute(cfg, workdir / "second")
        with measured() as bare:
            simulate(cfg, workdir / "bare")
    except Exception as exc:  # the runner is being worked on; report rather than stop the run
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"execute": full.as_dict(), "simulate_only": bare.as_dict(),
            "overhead_cpu_s": full.cpu_s - bare.cpu_s}


# --------------------------------------------------------------------------- 4. cost vs size
def bench_sizes(workdir: Path, sizes: Sequence[int], duration_s: float = 1.0,
                in_degree: float = 200.0, seed: int = 1,
                extra_overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """For each size: compile (timed), one run of ``duration_s`` measured with wait4."""
    rows = []
    for n in sizes:
        overrides = {**sized_overrides(n, in_degree), **(extra_overrides or {})}
        cfg = network_config(duration_s, seed=seed, overrides=overrides)
        structure = run_structure(cfg)
        load = load_average()
        with measured() as compile_cost:
            build = get_build(PROTOCOL.blueprint(cfg))
        run = run_binary(build, runtime_values(cfg), seed, Path(workdir) / f"n{n}", duration_s)
        counts = spike_counts(run.outputs)
        recorded = build.info["recorded"]
        synapses = sum(run.synapses.values()) or expected_synapses(structure)
        events = synaptic_events(structure, counts, recorded, run.synapses)
        rows.append({
            "neurons": structure["n_exc"] + structure["n_inh"],
            "connection_probability": structure["connection_probability"],
            "synapses": synapses,
            "compile": compile_cost.as_dict(),
            "wall_s": run.wall_s,
            "cpu_s": run.cpu_s,
            "sim_s_per_wall_s": duration_s / run.wall_s,
            "sim_s_per_cpu_s": duration_s / run.cpu_s,
            "cpu_us_per_synapse_per_sim_s": run.cpu_s / duration_s / synapses * 1e6,
            "max_rss_mb": run.max_rss_mb,
            "rates_hz": mean_rates(counts, recorded, duration_s),
            "recurrent_events_per_sim_s": events["recurrent"] / duration_s,
            "load_average": load,
        })
    # growth exponent of CPU time with synapse count between consecutive sizes (1 = linear)
    for a, b in zip(rows, rows[1:]):
        b["cpu_exponent_vs_previous"] = (math.log(b["cpu_s"] / a["cpu_s"])
                                         / math.log(b["synapses"] / a["synapses"]))
    exponent = None
    if len(rows) >= 2:
        x = np.log([r["synapses"] for r in rows])
        y = np.log([r["cpu_s"] for r in rows])
        exponent = float(np.polyfit(x, y, 1)[0])
    return {"duration_s": duration_s, "in_degree": in_degree, "sizes": rows,
            "cpu_exponent_fit": exponent}


# --------------------------------------------------------------------------- 5. workers
def sweep_module_status() -> str | None:
    """None when a committed sim.sweeps runner exists (section 5 can run), else why not."""
    try:
        tracked = subprocess.run(["git", "ls-files", "sim/sweeps/runner.py"], cwd=REPO,
                                 capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        tracked = []
    try:
        from sim.sweeps.runner import run_sweep  # noqa: F401
    except ImportError as exc:
        return f"skipped: sim.sweeps.runner cannot be imported ({exc})"
    return None if tracked else "skipped: sim/sweeps/runner.py is not committed"


def bench_workers(workdir: Path, duration_s: float, doses: Sequence[float],
                  workers: Sequence[int] = (1, 2), seeds: Sequence[int] = (1,),
                  overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The same dose sweep through ``milasim sweep`` (sim.sweeps.run_sweep) on 1 and 2 workers.

    Each sweep is complete: a local Dask cluster is started and stopped, every run is a full
    :func:`sim.runner.execute` (analysis, run.h5, figures), then sweep.csv and the figures. One
    short untimed run first puts the build in the cache (the earlier sections usually have, but
    ``--only 5`` has not: the 1-worker sweep then paid the compile and 2 workers looked 3.2x
    faster).
    """
    import tomli_w

    from sim.sweeps.runner import run_sweep

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base = network_config(duration_s, overrides=overrides).to_dict()
    base.pop("drug", None)  # the dose is swept
    experiment = {**base, "sweep": {"drug.dose_mg_per_kg": [float(d) for d in doses],
                                    "simulation.seed": [int(k) for k in seeds]}}
    path = workdir / "benchmark_sweep.toml"
    path.write_text(tomli_w.dumps(experiment))
    with measured() as warm_up:
        simulate(network_config(min(duration_s, 0.5), overrides=overrides), workdir / "warm")
    rows = []
    for n in workers:
        load = load_average()
        with measured() as cost:
            report = run_sweep(path, out_dir=workdir / f"workers{n}", workers=n, quiet=True)
        rows.append({"workers": n, "runs": len(report.done), "failed": len(report.failed),
                     **cost.as_dict(), "runs_per_wall_min": 60 * len(report.done) / cost.wall_s,
                     "load_average": load})
    out = {"duration_s": duration_s, "doses_mg_per_kg": list(doses), "seeds": list(seeds),
           "rows": rows, "warm_up": warm_up.as_dict()}
    if len(rows) >= 2 and rows[0]["runs"] and rows[-1]["runs"]:
        out["throughput_ratio"] = rows[-1]["runs_per_wall_min"] / rows[0]["runs_per_wall_min"]
    return out


# --------------------------------------------------------------------------- 8. long seizure runs
SEIZURE_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "epileptiform.toml"


def _tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (from /proc/<pid>/task/*/children)."""
    out = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children = [int(c) for c in f.read().split()]
        except OSError:
            continue
        for child in children:
            out += _tree(child)
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def measured_command(cmd: Sequence[str], poll_s: float = 0.05,
                     cwd: Path | None = None) -> dict[str, float]:
    """Run ``cmd`` (in ``cwd``): its CPU seconds (it and every descendant it waited for), wall
    seconds, exit code, and two peaks sampled every ``poll_s``: the largest single process's RSS
    (VmHWM, exact) and the sum of RSS over the process tree at one moment (sampled)."""
    t0 = time.perf_counter()
    # stderr to a file, not a pipe: a pipe read only after the wait could fill up and hang
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        largest, total = [0.0], [0.0]

        def sample() -> None:
            pids = _tree(proc.pid)
            total[0] = max(total[0], sum(_rss_mb(p) for p in pids))
            for p in pids:
                largest[0] = max(largest[0], _vm_hwm_mb(p) or 0.0)

        status, usage = reap_sampling(proc, sample, poll_s)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": time.perf_counter() - t0,
            "exit_code": os.waitstatus_to_exitcode(status), "peak_rss_largest_mb": largest[0],
            "peak_rss_tree_mb": total[0], "stderr_tail": stderr[-500:]}


def bench_long_seizure(workdir: Path, duration_s: float, *, threads: Sequence[int] = (1, 2),
                       threads_s: float = 30.0, every_step: bool = True) -> dict[str, Any]:
    """The seizure network (configs/epileptiform.toml, 0 Mg2+) end to end through ``milasim run``
    (simulation, analysis, run.h5, figures), warm build: simulated s per CPU s, peak memory,
    run.h5 vs the raw spike arrays; with ``every_step`` the same run with the ion system stepped
    at every simulation step (``simulation.ion_dt_ms = 0``, milasim <= 0.7.1) beside it; then
    ``simulation.threads`` 1 vs 2 on a shorter run."""

    milasim = [sys.executable, "-m", "sim"]

    def run(out: Path, seconds: float, *extra: str) -> dict[str, Any]:
        return measured_command([*milasim, "run", str(SEIZURE_CONFIG), "--quiet", "--out",
                                 str(out), "--set", f"protocol.duration_s={seconds}", *extra])

    every = ("--set", "simulation.ion_dt_ms=0")
    # warm the builds (threads=2, the every-step ion clock) so that no compile is measured
    for n in threads:
        run(workdir / f"warm{n}", 1.0, "--set", f"simulation.threads={n}")
    if every_step:
        run(workdir / "warm_every_step", 1.0, *every)

    def measured(name: str, *extra: str) -> dict[str, Any]:
        r = run(workdir / name, duration_s, *extra)
        if r["exit_code"] == 0:
            path = workdir / name / "run.h5"
            n_spikes = _spike_count(path)
            summary = json.loads((workdir / name / "summary.json").read_text())
            r.update(spikes=n_spikes, raw_spike_mb=n_spikes * 12 / 2**20,
                     run_h5_mb=path.stat().st_size / 2**20,
                     sim_s_per_cpu_s=duration_s / r["cpu_s"],
                     ictal_event_count=summary.get("ictal_event_count"))
        return r

    result: dict[str, Any] = {"duration_s": duration_s, **measured("long")}
    if every_step:
        result["every_step"] = measured("long_every_step", *every)
    result["threads"] = {}
    for n in threads:
        r = run(workdir / f"threads{n}", threads_s, "--set", f"simulation.threads={n}")
        if r["exit_code"] == 0:
            s = json.loads((workdir / f"threads{n}" / "summary.json").read_text())
            r.update(rate_exc_hz=s.get("rate_exc_hz"), ictal_event_count=s.get("ictal_event_count"))
        result["threads"][str(n)] = r
    return result


# --------------------------------------------------------------------------- 9. numerical settings
NUMERICS_EXPERIMENT = Path(__file__).resolve().parents[1] / "experiments" / "numerics.toml"


ION_CLOCK_EXPERIMENT = NUMERICS_EXPERIMENT.with_name("numerics_ion_clock.toml")


def numerics_settings(path: Path = NUMERICS_EXPERIMENT,
                      ion_clock: Path | None = ION_CLOCK_EXPERIMENT) -> list[dict[str, Any]]:
    """The settings of the numerics study: its zipped keys, one dict per setting, in order (the
    first is the reference: today's defaults); then each ion step of the ion-clock study but its
    first (the simulation step, the default build)."""
    import tomllib

    doc = tomllib.loads(path.read_text())
    (zipped,) = doc["sweep"]["zip"]
    keys = list(zipped)
    settings = [dict(zip(keys, values)) for values in zip(*(zipped[k] for k in keys))]
    if ion_clock is not None:
        steps = tomllib.loads(ion_clock.read_text())["sweep"]["simulation.ion_dt_ms"]
        settings += [{"simulation.ion_dt_ms": step} for step in steps[1:]]
    return settings


def numerics_pins(path: Path = NUMERICS_EXPERIMENT) -> dict[str, Any]:
    """The study's fixed keys (its ``[simulation]`` table: the every-step ion clock the study was
    run with), given to every setting's run unless the setting sets the key itself."""
    import tomllib

    return {f"simulation.{k}": v
            for k, v in tomllib.loads(path.read_text()).get("simulation", {}).items()}


def bench_numerics(workdir: Path, duration_s: float, *,
                   settings: Sequence[Mapping[str, Any]] | None = None,
                   study: Path | Sequence[Path] | None = None) -> dict[str, Any]:
    """CPU cost of each numerical setting of experiments/numerics.toml (and of the ion clock): one
    ``milasim run`` of the seizure network per setting (warm build), CPU time of it and its
    children, and the ratio to the reference setting; with ``study`` (the numerics sweeps'
    folders, those that were run), each setting's accuracy verdict from benchmarks/accuracy.py
    beside it."""
    from benchmarks import accuracy

    settings = list(settings if settings is not None else numerics_settings())
    milasim = [sys.executable, "-m", "sim", "run", str(SEIZURE_CONFIG), "--quiet"]
    rows = []
    pins = numerics_pins()
    for k, setting in enumerate(settings):
        sets = [a for key, value in {**pins, **setting}.items()
                for a in ("--set", f"{key}={value}")]
        warm = measured_command([*milasim, "--out", str(workdir / f"warm{k}"), *sets,
                                 "--set", "protocol.duration_s=0.5"])
        run = measured_command([*milasim, "--out", str(workdir / f"run{k}"), *sets,
                                "--set", f"protocol.duration_s={duration_s}"])
        rows.append({"setting": dict(setting), "compile_cpu_s": warm["cpu_s"], **run,
                     "sim_s_per_cpu_s": duration_s / run["cpu_s"] if run["cpu_s"] else None})
    reference = rows[0]["cpu_s"] if rows and rows[0]["exit_code"] == 0 else None
    for row in rows:
        row["cpu_ratio"] = (row["cpu_s"] / reference if reference and row["exit_code"] == 0
                            else None)
    out: dict[str, Any] = {"duration_s": duration_s, "rows": rows, "study": None}
    studies = [] if study is None else [study] if isinstance(study, (str, Path)) else list(study)
    folders = [Path(s) for s in studies if (Path(s) / "sweep.csv").is_file()]
    verdicts = {}
    for folder in folders:
        found, metrics, stats = accuracy.accuracy_table(accuracy.read_rows(folder))
        verdicts.update({" ".join(setting): {
            "seeds": stats[setting]["_runs"]["n"],
            "largest_diff_in_sd": accuracy.largest_difference(stats, setting, metrics)}
            for setting in found})
    if folders:
        out["study"] = {"folder": ", ".join(map(str, folders)), "verdicts": verdicts}
    return out


# --------------------------------------------------------------------------- 10. against 0.3
#: milasim 0.3.0, the release issue 14 measures against, by its commit in this repository.
V03_COMMIT = "ba61c4bd665e7d87ac180cd273ad9649133b13c8"
#: 0.3 had a 4000-neuron default and no ion dynamics; these give it the seizure network's
#: structure (640 + 160 neurons at 25 %, configs/epileptiform.toml), in 0.3's own 0 Mg2+ config.
V03_STRUCTURE = {"network.n_exc": 640, "network.n_inh": 160, "network.connection_probability": 0.25}


def extract_commit(commit: str, dest: Path, repo: Path = REPO) -> str | None:
    """Write the tree of ``commit`` of ``repo``'s git history into ``dest`` (``git archive``);
    None when done, else one line saying why not (no git, a shallow clone, not a checkout)."""
    if shutil.which("git") is None or shutil.which("tar") is None:
        return "needs git and tar on PATH"
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(["git", "-C", str(repo), "archive", "--format=tar", commit],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=False,
                           capture_output=True)
    archive.stdout.close()
    error = archive.stderr.read().decode(errors="replace").strip()
    if archive.wait() != 0 or untar.returncode != 0:
        return (f"commit {commit[:7]} is not in this checkout's git history (a shallow clone or "
                f"an unpacked archive?): {(error or untar.stderr.decode()).splitlines()[0]}")
    return None


def bench_against_v03(workdir: Path, duration_s: float, repeats: int = 3) -> dict[str, Any] | str:
    """The seizure network end to end through ``milasim run`` (this checkout) beside milasim 0.3
    on the same structure in its own 0 Mg2+ config (``configs/epileptiform.toml`` of
    :data:`V03_COMMIT`), both warm, run in turn ``repeats`` times: median CPU seconds (the process
    and its children), simulated s per CPU s, spikes, and the speed ratio. 0.3 runs from its own
    tree with this Python; its summary must report version 0.3.0. A string when 0.3 cannot run."""
    old_tree = workdir / "v03"
    why_not = extract_commit(V03_COMMIT, old_tree)
    if why_not:
        return f"skipped: {why_not}"
    old_sets = [a for key, value in V03_STRUCTURE.items() for a in ("--set", f"{key}={value}")]
    versions = {
        "new": ([sys.executable, "-m", "sim", "run", str(SEIZURE_CONFIG)], REPO),
        "v03": ([sys.executable, "-m", "sim", "run",
                 str(old_tree / "configs" / "epileptiform.toml"), *old_sets], old_tree)}

    def run(name: str, out: Path, seconds: float) -> dict[str, Any]:
        cmd, tree = versions[name]
        # `python -m sim` from the tree, with the tree first on the path: its own package
        with environment(PYTHONPATH=str(tree)):
            r = measured_command([*cmd, "--quiet", "--out", str(out),
                                  "--set", f"protocol.duration_s={seconds}"], cwd=tree)
        if r["exit_code"] != 0:
            raise RuntimeError(f"{name} run failed: {r['stderr_tail']}")
        summary = json.loads((out / "summary.json").read_text())
        r.update(version=summary.get("versions", {}).get("sim_version"),
                 rate_exc_hz=summary.get("rate_exc_hz"), spikes=_spike_count(out / "run.h5"))
        return r

    # warm builds, at the measured duration (0.3 compiles one build per duration); the 0.3 tree
    # must run as 0.3 before anything is timed
    warm = {name: run(name, workdir / f"v03_warm_{name}", duration_s) for name in versions}
    if warm["v03"]["version"] != "0.3.0":
        raise RuntimeError(f"the 0.3 tree ran as version {warm['v03']['version']}")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in versions}
    for k in range(repeats):
        for name in ("v03", "new"):
            runs[name].append(run(name, workdir / f"v03_{name}{k}", duration_s))
    out: dict[str, Any] = {"duration_s": duration_s, "repeats": repeats, "commit": V03_COMMIT,
                           "structure": V03_STRUCTURE}
    for name, rs in runs.items():
        cpu = float(np.median([r["cpu_s"] for r in rs]))
        out[name] = {"cpu_s_median": cpu, "cpu_s": [r["cpu_s"] for r in rs],
                     "sim_s_per_cpu_s": duration_s / cpu, "version": rs[0]["version"],
                     "spikes": rs[0]["spikes"], "rate_exc_hz": rs[0]["rate_exc_hz"]}
    out["speed_ratio"] = out["new"]["sim_s_per_cpu_s"] / out["v03"]["sim_s_per_cpu_s"]
    return out


def _spike_count(path: Path) -> int:
    import h5py

    with h5py.File(path, "r") as f:
        return sum(f[f"spikes/{p}/node_ids"].shape[0] for p in f["spikes"])
