"""Compile once, rerun with new values: the Brian2 ``cpp_standalone`` build cache.

A protocol describes its network as a :class:`Blueprint`: the dotted name of a *builder* function
and a JSON-able ``structure`` (sizes, connectivity, dt, precision, threads, monitors). The
structure, the source of every module the builder imports (:func:`source_closure`), the Brian2
version and the compiler flags (with the CPU level, :func:`arch_level`) hash into a *build key*;
one C++ build per key lives in ``$MILASIM_CACHE_DIR/<key>/`` (default ``~/.cache/milasim/builds``).
Two structure keys are read by the engine itself: ``precision`` ("float64" | "float32", Brian2's
``core.default_float_dtype``) and ``threads`` (OpenMP threads of the binary; 1 = no OpenMP).

Building happens in a child process (``python -m sim.engine build``), so Brian2's global device
state never leaks between builds and the calling process never imports Brian2 at all. The child
calls the builder with the standalone device active, inserts code at the top of ``main`` that reads
the seed and the simulated duration from the environment (Brian2 would otherwise compile both into
``main.cpp``), makes the run call use that duration, compiles, and writes ``manifest.json``: which
command-line names set each runtime parameter and which result files hold each monitored variable.

Running is then a plain subprocess of the compiled binary with ``group.var=value`` arguments
(Brian2's ``run_args`` mechanism) and ``MILASIM_SEED`` / ``MILASIM_DURATION_S`` in its
environment. A dose, bath, seed or duration change never invokes the compiler. Concurrent
processes are safe: a file lock per key serialises the build, and every run has its own results
folder.

Builder contract::

    def build_something(structure: dict) -> BuildSpec: ...

Runtime parameters are declared in the equations as ``name : 1 (shared, constant)`` with the unit in
the name (``mg_mM``, ``g_nmda_exc_nS``), listed in :attr:`BuildSpec.params`, and must all be given
to :meth:`Build.run`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from sim.errors import InputError, RunError

ENGINE_VERSION = 1
_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE = _PACKAGE_DIR.name  # "sim"

# Compiler flags: Brian2's defaults minus -march=native, so a build made on one cluster node runs
# on the others (x86-64 baseline instructions, still -O3 with fast math).
COMPILE_FLAGS = ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-ffp-contract=off", "-std=c++11"]

#: x86-64 micro-architecture levels, best first, with the CPU flags each needs as /proc/cpuinfo
#: names them (the psABI level definitions). A build is made for the best level this CPU and this
#: compiler support (``-march=<level>``); the level is part of the build key, so one shared cache
#: holds one build per level and every node runs the one its CPU can execute (never SIGILL).
#: ``MILASIM_ARCH`` overrides the choice: a level, or ``portable`` for Brian2's flags alone.
ARCH_ENV = "MILASIM_ARCH"
PORTABLE = "portable"
_V2 = frozenset({"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"})
_V3 = _V2 | {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}
ARCH_LEVELS: dict[str, frozenset[str]] = {
    "x86-64-v4": _V3 | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
    "x86-64-v3": _V3,
    "x86-64-v2": _V2,
}


def host_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU feature flags of this machine (empty if /proc/cpuinfo cannot be read)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


@functools.lru_cache(maxsize=None)
def compiler_knows(level: str) -> bool:
    """Whether the C++ compiler accepts ``-march=<level>`` (gcc >= 11 knows x86-64-v2..v4)."""
    try:
        done = subprocess.run(["g++", f"-march={level}", "-x", "c++", "-E", "-", "-o", os.devnull],
                              input="", capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def arch_level(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The micro-architecture level builds are made for on this machine: ``MILASIM_ARCH`` if set
    (refused, as bad input, when this CPU lacks it), else the best level this CPU and compiler
    support, else ``portable``."""
    flags = host_cpu_flags(cpuinfo)
    wanted = os.environ.get(ARCH_ENV, "").strip()
    if wanted:
        if wanted == PORTABLE:
            return PORTABLE
        if wanted not in ARCH_LEVELS:
            raise InputError(f"{ARCH_ENV}: expected one of {PORTABLE}, "
                             f"{', '.join(sorted(ARCH_LEVELS))} (or unset: the best this CPU "
                             f"supports), got {wanted!r}")
        missing = sorted(ARCH_LEVELS[wanted] - flags)
        if missing:
            raise InputError(f"{ARCH_ENV}={wanted}: this CPU lacks {', '.join(missing)}; unset "
                             f"{ARCH_ENV} on this node to build for what it has")
        return wanted
    for level, needed in ARCH_LEVELS.items():
        if needed <= flags and compiler_knows(level):
            return level
    return PORTABLE


def compile_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """COMPILE_FLAGS plus ``-march=<level>`` for this machine's :func:`arch_level`."""
    level = arch_level(cpuinfo)
    return list(COMPILE_FLAGS) if level == PORTABLE else [*COMPILE_FLAGS, f"-march={level}"]

_RUNTIME_CODE = """
// milasim: the seed and the simulated duration are run-time values (MILASIM_SEED,
// MILASIM_DURATION_S), not numbers compiled into main.cpp
const double _milasim_duration_env = getenv("MILASIM_DURATION_S") ? atof(getenv("MILASIM_DURATION_S")) : -1.0;
{
    const char* _milasim_seed_env = getenv("MILASIM_SEED");
    const unsigned long _milasim_seed = _milasim_seed_env ? strtoul(_milasim_seed_env, NULL, 10) : 0UL;
    for (int _i = 0; _i < %(threads)d; _i++)
        brian::_random_generators[_i].seed(_milasim_seed + _i);
}
"""
#: Spike monitors stream to disk: every SPIKE_CHUNK recorded spikes, a monitor's arrays are
#: appended to ``<result file>.part`` and emptied (capacity kept, so no reallocation), so the
#: binary holds at most one chunk (12 bytes per spike) however long the run. Brian2's own write at
#: the end adds the last partial chunk as the usual result file; :meth:`Build._read` joins the two.
#: Without it a 10 min, 42 M-spike seizure run held ~0.8-1.2 GB of std::vector in the binary.
#: ``MILASIM_SPIKE_CHUNK`` (spikes) overrides the chunk at run time (the tests use small ones).
SPIKE_CHUNK = 1 << 20
SPIKE_CHUNK_ENV = "MILASIM_SPIKE_CHUNK"
_STREAM_CPP = """
            static const size_t _milasim_chunk = getenv("%(env)s") ? strtoul(getenv("%(env)s"), NULL, 10) : %(chunk)dUL;
            if (%(first)s.size() >= _milasim_chunk) {  // milasim: stream this monitor's spikes to disk
%(writes)s            }
"""
_STREAM_WRITE = """                {
                    std::ofstream _part(brian::results_dir + "%(file)s.part", std::ios::binary | std::ios::app);
                    _part.write(reinterpret_cast<const char*>(%(array)s.data()), %(array)s.size() * sizeof(%(array)s[0]));
                    if (!_part) { std::cerr << "milasim: cannot write %(file)s.part (disk full?)" << std::endl; std::exit(74); }
                    %(array)s.clear();
                }
"""

#: The call Brian2 writes into main.cpp, and what it becomes: the run-time duration when given.
_RUN_CALL = re.compile(r"(milasim_network\.run\()([^,]+)(,)")
_RUN_CALL_NEW = r"\1(_milasim_duration_env > 0 ? _milasim_duration_env : \2)\3"

# Progress lines on stdout, read by Build.run: "MILASIM_PROGRESS <fraction> <elapsed_s>".
# Printed by a run_regularly operation (every PROGRESS_DT_S of simulated time; a line only when
# the fraction done has advanced by 1 %), not by Brian2's ``report=``: with a report function,
# Brian2's standalone loop calls std::clock() (a system call, ~0.5 us) before every object on
# every time step, which was ~45 % of the run time of the small LTP preparation and ~9 % of the
# default network's (docs/performance.md). The duration comes from MILASIM_DURATION_S, like the
# run's own.
PROGRESS_DT_S = 0.01
_PROGRESS_CPP = """
double milasim_progress(const double t, const double compiled_duration)
{
    static const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    static const double duration = getenv("MILASIM_DURATION_S") ?
        atof(getenv("MILASIM_DURATION_S")) : compiled_duration;
    static double shown = -1.0;
    const double fraction = duration > 0 ? t / duration : 1.0;
    if (fraction - shown >= 0.01 || fraction >= 0.999999) {
        shown = fraction;
        const double elapsed = std::chrono::duration<double>(
            std::chrono::steady_clock::now() - start).count();
        std::cout << "MILASIM_PROGRESS " << fraction << " " << elapsed << std::endl << std::flush;
    }
    return 0.0;
}
"""


def _progress_reporter(duration_s: float) -> Any:
    """A one-element group whose regular operation prints the progress line (no RNG use)."""
    from brian2 import NeuronGroup, check_units, implementation, second

    @implementation("cpp", _PROGRESS_CPP, headers=["<chrono>", "<iostream>", "<cstdlib>"])
    @check_units(t=second, duration=second, result=1)
    def milasim_progress(t, duration):  # pragma: no cover - cpp_standalone only
        raise NotImplementedError("milasim_progress exists in C++ only")

    group = NeuronGroup(1, "progress_calls : 1", name="milasim_progress",
                        namespace={"milasim_progress": milasim_progress,
                                   "run_duration": duration_s * second})
    group.run_regularly("progress_calls += 1 + milasim_progress(t, run_duration)",
                        dt=PROGRESS_DT_S * second, when="end", name="milasim_progress_report")
    return group


# --------------------------------------------------------------------------- descriptions
@dataclass(frozen=True)
class Blueprint:
    """What to build: ``builder`` is ``"package.module:function"``; ``structure`` is JSON-able."""

    builder: str
    structure: Mapping[str, Any]

    def to_json(self) -> str:
        return json.dumps({"builder": self.builder, "structure": self.structure}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Blueprint:
        data = json.loads(text)
        return cls(builder=data["builder"], structure=data["structure"])


@dataclass
class BuildSpec:
    """What a builder returns (inside the build process, Brian2 objects)."""

    objects: Sequence[Any]
    duration_s: float
    #: runtime parameter name -> one VariableView or a list of them (all set to the same value)
    params: Mapping[str, Any]
    #: output name -> (monitor, variable name), e.g. {"exc_t": (spikemon, "t")}
    outputs: Mapping[str, tuple[Any, str]]
    #: JSON-able facts the caller needs later (population sizes, recorded indices, ...)
    info: Mapping[str, Any] = field(default_factory=dict)


def cache_root() -> Path:
    env = os.environ.get("MILASIM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "milasim" / "builds"


def _module_file(module: str) -> Path | None:
    """The source file of a module of this package (``sim.a.b`` -> ``sim/a/b.py`` or
    ``sim/a/b/__init__.py``), found by path alone (nothing is imported); None if it is not one."""
    parts = module.split(".")
    if parts[0] != _PACKAGE:
        return None
    base = _PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path, module: str) -> set[str]:
    """Every module name ``path`` (the source of ``module``) imports, at any depth of its code
    (imports inside functions included), with ``from a import b`` counted as ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .x import y
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            names.add(origin)
            names.update(f"{origin}.{alias.name}" for alias in node.names)
    return names


def _builder_file(module: str) -> Path | None:
    """The file of a builder module outside this package (e.g. a test's own builder)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin and Path(spec.origin).is_file() else None


def source_closure(module: str) -> list[Path]:
    """The files of ``module`` and of every module of this package it imports, directly or through
    others, with the ``__init__.py`` of each package on the way (they run on import). The build key
    hashes them all, so any edit to code that reaches a compiled binary rebuilds it: a builder's
    equations, the receptor laws, a plasticity rule's expressions, the engine itself. The
    imports of the package's own face (``sim/__init__.py``: the version and the notebook API) are
    not followed; its text is hashed."""
    seen: dict[str, Path] = {}
    todo = [module, __name__]
    if module.split(".")[0] != _PACKAGE and (outside := _builder_file(module)) is not None:
        seen[module] = outside  # a builder outside the package: its file, and what it imports
        todo = [*_imported_modules(outside, module), __name__]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for k in range(1, len(parts) + 1):  # the packages on the way, then the module
            prefix = ".".join(parts[:k])
            if prefix in seen:
                continue
            path = _module_file(prefix)
            if path is None:
                continue
            seen[prefix] = path
            if prefix != _PACKAGE:  # the package's face (sim/__init__.py, the notebook API)
                todo.extend(_imported_modules(path, prefix))  # holds no model code
    return sorted(set(seen.values()))


def _source_digest(builder: str) -> str:
    h = hashlib.sha256()
    for f in source_closure(builder.split(":")[0]):
        name = f.relative_to(_PACKAGE_DIR).as_posix() if f.is_relative_to(_PACKAGE_DIR) else f.name
        h.update(name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def build_key(blueprint: Blueprint) -> str:
    from importlib.metadata import version

    payload = json.dumps(
        {
            "engine": ENGINE_VERSION,
            "blueprint": json.loads(blueprint.to_json()),
            "brian2": version("brian2"),
            "sources": _source_digest(blueprint.builder),
            "flags": compile_flags(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


# --------------------------------------------------------------------------- the compiled build
@dataclass
class Build:
    """A compiled network in the cache; :meth:`run` executes it with runtime values."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def info(self) -> dict[str, Any]:
        return self.manifest["info"]

    @property
    def duration_s(self) -> float:
        return float(self.manifest["duration_s"])

    def command(self, params: Mapping[str, float], results_dir: Path) -> list[str]:
        declared = self.manifest["params"]
        missing = sorted(set(declared) - set(params))
        unknown = sorted(set(params) - set(declared))
        if missing or unknown:
            raise ValueError(f"runtime parameters: missing {missing}, unknown {unknown}")
        args = [str(self.directory / "main"), "--results_dir", f"{results_dir}{os.sep}"]
        for name, value in sorted(params.items()):
            value = float(value)
            if not np.isfinite(value):
                raise ValueError(f"runtime parameter {name} is not finite: {value}")
            args += [f"{target}={value!r}" for target in declared[name]]
        return args

    def run(
        self,
        params: Mapping[str, float],
        seed: int,
        workdir: Path,
        *,
        duration_s: float | None = None,
        progress: bool = False,
        log_path: Path | None = None,
        label: str = "simulating",
        float32: Collection[str] = (),
    ) -> dict[str, np.ndarray]:
        """Run the binary for ``duration_s`` of simulated time (default: the build's own); returns
        the monitored arrays, those named in ``float32`` narrowed to float32 as they are read.
        RunError (log kept) if it fails. Neither the seed nor the duration is compiled in:
        changing them never invokes the compiler."""
        workdir = Path(workdir).resolve()
        results_dir = workdir / f".brian-results-{os.getpid()}"
        shutil.rmtree(results_dir, ignore_errors=True)
        results_dir.mkdir(parents=True)
        log_path = Path(log_path) if log_path else workdir / "run.log"
        cmd = self.command(params, results_dir)
        duration = self.duration_s if duration_s is None else float(duration_s)
        if not (np.isfinite(duration) and duration > 0):
            raise ValueError(f"duration_s must be a finite number > 0, got {duration_s}")
        env = {**os.environ, "MILASIM_SEED": str(int(seed)), "MILASIM_DURATION_S": repr(duration)}
        bar = _progress_bar(duration, label) if progress else None
        try:
            with open(log_path, "a") as log:
                log.write(f"$ MILASIM_SEED={seed} MILASIM_DURATION_S={duration!r} "
                          f"{' '.join(cmd)}\n")
                log.flush()
                proc = subprocess.Popen(
                    cmd, cwd=self.directory, env=env, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True, bufsize=1,
                )
                assert proc.stdout is not None
                for line in proc.stdout:
                    if line.startswith("MILASIM_PROGRESS"):
                        if bar is not None:
                            fraction = float(line.split()[1])
                            bar.n = round(fraction * duration, 3)
                            bar.refresh()
                        continue
                    log.write(line)
                code = proc.wait()
            if code != 0:
                raise RunError(f"the simulation binary {_exit_reason(code)}; log: {log_path}")
            check_results(results_dir, self.manifest["outputs"], log_path)
            return {name: self._read(results_dir, spec, np.float32 if name in float32 else None)
                    for name, spec in self.manifest["outputs"].items()}
        finally:
            if bar is not None:
                bar.close()
            shutil.rmtree(results_dir, ignore_errors=True)

    @staticmethod
    def _read(results_dir: Path, spec: Mapping[str, Any], as_dtype: Any = None) -> np.ndarray:
        """One output: its streamed chunks (``.part``, if any) then Brian2's final file, read
        straight into one array (no concatenated copy); with ``as_dtype``, converted block by
        block as it is read (a 10 min run's traces: 92 MiB each as float64)."""
        dtype = np.dtype(spec["dtype"])
        target = dtype if as_dtype is None else np.dtype(as_dtype)
        paths = [p for p in _result_files(results_dir, spec) if p.is_file()]
        data = np.empty(sum(p.stat().st_size for p in paths) // dtype.itemsize, dtype=target)
        at = 0
        for path in paths:
            with open(path, "rb") as f:
                if target == dtype:
                    at += f.readinto(memoryview(data).cast("B")[at * dtype.itemsize:]) \
                        // dtype.itemsize
                    continue
                while block := f.read(1 << 20):
                    values = np.frombuffer(block, dtype=dtype)
                    data[at:at + values.size] = values
                    at += values.size
        if at != data.size:
            raise RunError(f"result files of {spec['file']} changed while being read")
        if spec.get("ncols"):
            data = data.reshape(-1, spec["ncols"])
        return data


def _result_files(results_dir: Path, spec: Mapping[str, Any]) -> list[Path]:
    """The files holding one output, in order: the streamed chunks first."""
    final = Path(results_dir) / spec["file"]
    return [final.with_name(final.name + ".part"), final] if spec.get("streamed") else [final]


def check_results(results_dir: Path, outputs: Mapping[str, Any], log_path: Path) -> None:
    """RunError unless the binary's result files are whole.

    Brian2's standalone code does not check its writes: on a full disk (ENOSPC) the binary exits
    0 with empty or truncated files. Its last write is ``last_run_info.txt`` (run time and
    completed fraction), so an empty or unparseable one, or an output whose size is not a whole
    number of rows, means the results are not all there.
    """
    info = Path(results_dir) / "last_run_info.txt"
    try:
        fields = info.read_text().split()
        complete = len(fields) == 2 and float(fields[1]) == 1.0
    except (OSError, ValueError):
        complete = False
    broken = []
    for name, spec in outputs.items():
        files = _result_files(results_dir, spec)
        size = sum(p.stat().st_size for p in files if p.is_file())
        row = np.dtype(spec["dtype"]).itemsize * (spec.get("ncols") or 1)
        if not files[-1].is_file() or size % row:
            broken.append(name)
    if not complete or broken:
        what = f"outputs {', '.join(broken)}" if broken else "last_run_info.txt"
        raise RunError(f"the simulation's results are incomplete ({what} missing or truncated: "
                       f"disk full?); log: {log_path}")


def _exit_reason(code: int) -> str:
    """``exited with code 3`` or, for a signal, ``was killed by SIGXFSZ (file size limit ...)``."""
    if code >= 0:
        return f"exited with code {code}"
    import signal

    try:
        name = signal.Signals(-code).name
    except ValueError:
        return f"was killed by signal {-code}"
    hint = {"SIGKILL": " (out of memory, or killed)", "SIGXFSZ": " (file size limit: disk full?)",
            "SIGSEGV": " (a crash)", "SIGILL": " (an instruction this CPU lacks: MILASIM_ARCH?)"}
    return f"was killed by {name}{hint.get(name, '')}"


def _progress_bar(total_s: float, label: str):
    from tqdm import tqdm

    return tqdm(total=round(total_s, 3), unit="s sim", desc=label, leave=False,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s [{elapsed}<{remaining}]")


# --------------------------------------------------------------------------- building
def get_build(blueprint: Blueprint, *, quiet: bool = True) -> Build:
    """The compiled build for ``blueprint``, compiling it if no process has done so yet."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = build_key(blueprint)
    directory = root / key
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        with FileLock(str(root / f"{key}.lock")):
            if not manifest_path.exists():  # another process may have built it meanwhile
                _compile(blueprint, directory, root / f"{key}.build.log", quiet=quiet)
    return Build(directory=directory, manifest=json.loads(manifest_path.read_text()))


def _compile(blueprint: Blueprint, directory: Path, log_path: Path, *, quiet: bool) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    if not quiet:
        print(f"milasim: compiling the network (once per structure) into {directory}",
              file=sys.stderr)
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.run(
            [sys.executable, "-m", "sim.engine", "build", blueprint.to_json(), str(directory)],
            stdout=log, stderr=subprocess.STDOUT,
        )
    if proc.returncode != 0 or not (directory / "manifest.json").exists():
        raise RunError(f"building the network failed; log: {log_path}")
    if not quiet:
        print(f"milasim: compiled in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


#: Peak memory of one compiler process on a generated code object (measured: 241 MiB for the
#: seizure network's largest), with headroom.
COMPILE_JOB_MB = 400


def make_jobs(meminfo: Path = Path("/proc/meminfo")) -> int:
    """Parallel compiler jobs for a build: the CPUs this process may use, and no more than the
    available memory holds at ``COMPILE_JOB_MB`` each. Brian2's default, an unbounded ``make
    -j``, started one compiler per code object at once: 6.5 GB for the seizure network, enough to
    be killed on a cluster node with a per-job memory limit."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = max(1, int(cpus or 1))
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                jobs = min(jobs, max(1, int(line.split()[1]) // 1024 // COMPILE_JOB_MB))
    except OSError:
        pass
    return jobs


def _build_in_this_process(blueprint: Blueprint, directory: Path) -> None:
    """The child side of :func:`get_build`: run the builder under cpp_standalone, compile."""
    import brian2
    from brian2 import Network, device, prefs, second, set_device

    flags = compile_flags()
    structure = dict(blueprint.structure)
    threads = int(structure.get("threads", 1))
    prefs.codegen.cpp.extra_compile_args_gcc = flags
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{make_jobs()}"]
    # one thread: no OpenMP at all (a single-threaded binary, one random stream)
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    if structure.get("precision", "float64") == "float32":
        prefs.core.default_float_dtype = np.float32
    set_device("cpp_standalone", build_on_run=False, directory=str(directory))
    device.insert_code("main", _RUNTIME_CODE % {"threads": max(threads, 1)})

    module_name, func_name = blueprint.builder.split(":")
    builder = getattr(importlib.import_module(module_name), func_name)
    spec: BuildSpec = builder(structure)

    net = Network(*spec.objects, _progress_reporter(spec.duration_s), name="milasim_network")
    net.run(spec.duration_s * second)

    params = {}
    for name, views in spec.params.items():
        views = views if isinstance(views, list | tuple) else [views]
        params[name] = [f"{v.group_name}.{v.name}" for v in views]
    outputs = {}
    for name, (monitor, var_name) in spec.outputs.items():
        var = monitor.variables[var_name]
        shape = var.size if isinstance(var.size, tuple) else None
        outputs[name] = {
            "file": device.get_array_filename(var),
            "dtype": np.dtype(var.dtype).str,
            "ncols": int(shape[1]) if shape else None,
        }
    device.build(directory=str(directory), compile=False, run=False)
    for monitor, arrays in _spike_monitor_arrays(spec.outputs).items():
        _stream_to_disk(directory / "code_objects" / f"{monitor}_codeobject.cpp", monitor, arrays)
        for out in outputs.values():
            if out["file"] in {file for _, file in arrays}:
                out["streamed"] = True
    main_cpp = directory / "main.cpp"
    code, n = _RUN_CALL.subn(_RUN_CALL_NEW, main_cpp.read_text())
    if n != 1:
        raise RuntimeError(f"expected one milasim_network.run call in {main_cpp}, found {n}")
    main_cpp.write_text(code)
    device.compile_source(str(directory), "gcc", False, False)
    manifest = {
        "blueprint": json.loads(blueprint.to_json()),
        "brian2_version": brian2.__version__,
        "duration_s": spec.duration_s,
        "params": params,
        "outputs": outputs,
        "info": dict(spec.info),
        "compiler": _compiler_version(),
        "flags": flags,
    }
    tmp = directory / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, directory / "manifest.json")


def _spike_monitor_arrays(outputs: Mapping[str, tuple[Any, str]]) -> dict[str, list[tuple[str, str]]]:
    """monitor name -> [(C++ name, result file)] of every recorded array of the SpikeMonitors in
    ``outputs`` (all of them, recorded or not: they must be emptied together)."""
    from brian2 import SpikeMonitor, device

    found: dict[str, list[tuple[str, str]]] = {}
    for monitor, _ in outputs.values():
        if isinstance(monitor, SpikeMonitor) and monitor.name not in found:
            found[monitor.name] = [
                (device.get_array_name(monitor.variables[name], access_data=False),
                 device.get_array_filename(monitor.variables[name]))
                for name in sorted(monitor.record_variables)
            ]
    return found


def _stream_to_disk(code_file: Path, monitor: str, arrays: list[tuple[str, str]]) -> None:
    """Patch a spike monitor's generated code so it appends full chunks to ``.part`` files."""
    code = code_file.read_text()
    anchor = re.compile(rf"^(\s*_ptr_array_{re.escape(monitor)}_N\[0\] \+= _num_events;\n)",
                        re.MULTILINE)
    writes = "".join(_STREAM_WRITE % {"file": file, "array": array} for array, file in arrays)
    block = _STREAM_CPP % {"first": arrays[0][0], "chunk": SPIKE_CHUNK, "env": SPIKE_CHUNK_ENV,
                           "writes": writes}
    code, n = anchor.subn(lambda m: m.group(1) + block, code)
    if n != 1:
        raise RuntimeError(f"expected one spike count update in {code_file}, found {n}")
    code_file.write_text("#include <fstream>\n#include <iostream>\n#include <cstdlib>\n" + code)


def _compiler_version() -> str:
    try:
        out = subprocess.run(["g++", "--version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":  # python -m sim.engine build BLUEPRINT_JSON DIRECTORY
    if len(sys.argv) != 4 or sys.argv[1] != "build":
        sys.exit("usage: python -m sim.engine build BLUEPRINT_JSON DIRECTORY")
    _build_in_this_process(Blueprint.from_json(sys.argv[2]), Path(sys.argv[3]))
