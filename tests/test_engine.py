"""The compile-once engine: cache reuse without a compiler, run-time seeds, run_args, errors."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.engine import (
    ARCH_ENV,
    ARCH_LEVELS,
    COMPILE_FLAGS,
    PORTABLE,
    Blueprint,
    Build,
    arch_level,
    build_key,
    compile_flags,
    compiler_knows,
    get_build,
    host_cpu_flags,
)
from sim.errors import InputError, RunError

BUILDERS = Path(__file__).parent / "builders"


@pytest.fixture(scope="module")
def toy(build_cache):
    sys.path.insert(0, str(BUILDERS))
    old = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{BUILDERS}{os.pathsep}{old}"
    try:
        yield get_build(Blueprint("toy_builder:build", {"n": 20, "duration_s": 0.5}))
    finally:
        os.environ["PYTHONPATH"] = old
        sys.path.remove(str(BUILDERS))


def no_compiler_path(tmp_path: Path) -> str:
    """A PATH with nothing on it: a compiler call would fail."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    return str(empty)


def test_build_is_reused_without_a_compiler(toy, tmp_path, monkeypatch):
    again = get_build(Blueprint("toy_builder:build", {"n": 20, "duration_s": 0.5}))
    assert again.directory == toy.directory
    monkeypatch.setenv("PATH", no_compiler_path(tmp_path))
    assert shutil.which("g++") is None and shutil.which("make") is None
    out = toy.run({"drive_mV": 20.0, "sigma_mV": 2.0}, seed=3, workdir=tmp_path)
    assert len(out["t"]) > 0


def test_runtime_values_change_the_run(toy, tmp_path):
    low = toy.run({"drive_mV": 12.0, "sigma_mV": 2.0}, seed=1, workdir=tmp_path)
    high = toy.run({"drive_mV": 20.0, "sigma_mV": 2.0}, seed=1, workdir=tmp_path)
    assert len(high["t"]) > 1.5 * len(low["t"])


def test_seed_is_a_runtime_value(toy, tmp_path):
    params = {"drive_mV": 12.0, "sigma_mV": 2.0}
    a = toy.run(params, seed=1, workdir=tmp_path)
    b = toy.run(params, seed=1, workdir=tmp_path)
    c = toy.run(params, seed=2, workdir=tmp_path)
    assert np.array_equal(a["t"], b["t"]) and np.array_equal(a["i"], b["i"])
    assert not (len(a["t"]) == len(c["t"]) and np.array_equal(a["t"], c["t"]))


def test_state_monitor_comes_back_as_time_by_neuron(toy, tmp_path):
    out = toy.run({"drive_mV": 12.0, "sigma_mV": 2.0}, seed=1, workdir=tmp_path)
    assert out["v"].shape == (500, 2)
    assert out["v_t"].shape == (500,)


def test_missing_or_unknown_runtime_values_are_refused(toy, tmp_path):
    with pytest.raises(ValueError, match="missing"):
        toy.run({"drive_mV": 12.0}, seed=1, workdir=tmp_path)
    with pytest.raises(ValueError, match="unknown"):
        toy.run({"drive_mV": 12.0, "sigma_mV": 1.0, "bogus": 1.0}, seed=1, workdir=tmp_path)
    with pytest.raises(ValueError, match="not finite"):
        toy.run({"drive_mV": float("nan"), "sigma_mV": 1.0}, seed=1, workdir=tmp_path)


def test_manifest_records_compiler_and_outputs(toy):
    manifest = json.loads((toy.directory / "manifest.json").read_text())
    assert manifest["compiler"] != "unknown"
    assert set(manifest["outputs"]) == {"t", "i", "v", "v_t"}
    assert "-march=native" not in manifest["flags"]


def test_build_key_depends_on_structure_only():
    a = build_key(Blueprint("toy_builder:build", {"n": 20, "duration_s": 0.5}))
    b = build_key(Blueprint("toy_builder:build", {"duration_s": 0.5, "n": 20}))
    c = build_key(Blueprint("toy_builder:build", {"n": 21, "duration_s": 0.5}))
    assert a == b != c


def _key_in_copy(package_root: Path, builder: str) -> str:
    """The build key of ``builder`` computed by a Python that imports ``sim`` from
    ``package_root`` (a copy of the package)."""
    import subprocess

    code = ("import json, sys; from sim.engine import Blueprint, build_key, source_closure; "
            f"print(build_key(Blueprint({builder!r}, {{'dt_ms': 0.1}})))")
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    out = subprocess.run([sys.executable, "-c", code], cwd=package_root, env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("builder, module, old, new", [
    # the LTP preparation compiles the plasticity rule's expression from sim.analysis.plasticity
    ("sim.model.ltp:build_ltp", "analysis/plasticity.py", 'ETA_EXPR = "learning_rate_scale',
     'ETA_EXPR = "2 * learning_rate_scale'),
    # the network compiles the Mg2+ block from sim.receptors
    ("sim.model.network:build_network", "receptors.py", "MG_BLOCK_EXPR = \"1 / (1 +",
     "MG_BLOCK_EXPR = \"1.0 / (1 +"),
])
def test_build_key_covers_every_module_that_reaches_the_compiled_code(tmp_path, builder, module,
                                                                      old, new):
    """An edit to any module whose text reaches generated code changes the key, found by the
    builder's import closure, not by a hand-kept list (the LTP rule once was not in it)."""
    import sim

    root = tmp_path / "copy"
    shutil.copytree(Path(sim.__file__).parent, root / "sim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = _key_in_copy(root, builder)
    target = root / "sim" / module
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    after = _key_in_copy(root, builder)
    assert before != after
    # and a module no builder imports (the command line) leaves the key alone
    cli = root / "sim" / "cli.py"
    cli.write_text(cli.read_text() + "\n# an edit that reaches no binary\n")
    assert _key_in_copy(root, builder) == after


def test_a_failing_build_is_a_run_error_with_its_log(tmp_path, monkeypatch):
    monkeypatch.setenv("MILASIM_CACHE_DIR", str(tmp_path))
    with pytest.raises(RunError, match="log"):
        get_build(Blueprint("sim.model.network:no_such_builder", {}))
    assert list(tmp_path.glob("*.build.log"))


# --------------------------------------------------------------------------- MILASIM_ARCH
def fake_cpuinfo(tmp_path: Path, flags: set[str]) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: {' '.join(sorted(flags))}\n\n")
    return path


def test_the_best_level_the_cpu_supports_is_the_default_and_part_of_the_build_key(
        monkeypatch, tmp_path):
    blueprint = Blueprint("toy_builder:build", {"n": 20, "duration_s": 0.5})
    monkeypatch.delenv(ARCH_ENV, raising=False)
    for sub in ("old", "bare", "v4"):
        (tmp_path / sub).mkdir()
    v3_cpu = fake_cpuinfo(tmp_path, set(ARCH_LEVELS["x86-64-v3"]) | {"fpu", "sse2"})
    old_cpu = fake_cpuinfo(tmp_path / "old", set(ARCH_LEVELS["x86-64-v2"]))
    bare_cpu = fake_cpuinfo(tmp_path / "bare", {"fpu", "sse2"})
    v4_cpu = fake_cpuinfo(tmp_path / "v4", set(ARCH_LEVELS["x86-64-v4"]))
    assert arch_level(v3_cpu) == "x86-64-v3" and compile_flags(v3_cpu)[-1] == "-march=x86-64-v3"
    assert arch_level(old_cpu) == "x86-64-v2"
    assert arch_level(bare_cpu) == PORTABLE and compile_flags(bare_cpu) == COMPILE_FLAGS
    if compiler_knows("x86-64-v4"):  # gcc >= 11
        assert arch_level(v4_cpu) == "x86-64-v4"
    # the override: portable, or a level this CPU has
    monkeypatch.setenv(ARCH_ENV, "portable")
    assert compile_flags(v3_cpu) == COMPILE_FLAGS
    portable = build_key(blueprint)
    monkeypatch.setenv(ARCH_ENV, "x86-64-v2")
    assert compile_flags(v3_cpu)[-1] == "-march=x86-64-v2"
    if not (ARCH_LEVELS["x86-64-v2"] - host_cpu_flags()):
        assert build_key(blueprint) != portable  # one build per level in a shared cache


def test_an_arch_level_the_cpu_lacks_or_a_typo_is_bad_input(monkeypatch, tmp_path):
    old_cpu = fake_cpuinfo(tmp_path, set(ARCH_LEVELS["x86-64-v2"]))  # no AVX2, FMA, ...
    monkeypatch.setenv(ARCH_ENV, "x86-64-v3")
    with pytest.raises(InputError, match=r"^MILASIM_ARCH=x86-64-v3: this CPU lacks .*avx2"):
        compile_flags(old_cpu)
    assert compile_flags(fake_cpuinfo(tmp_path, set(ARCH_LEVELS["x86-64-v3"])))[-1] == \
        "-march=x86-64-v3"
    monkeypatch.setenv(ARCH_ENV, "native")
    with pytest.raises(InputError, match=r"^MILASIM_ARCH: expected one of portable, x86-64-v2, "
                                         r"x86-64-v3, x86-64-v4"):
        compile_flags()


def test_seed_and_duration_are_run_time_values(toy, tmp_path, monkeypatch):
    """A longer run of the same build: no compiler, the monitors grow with it."""
    monkeypatch.setenv("PATH", no_compiler_path(tmp_path))
    short = toy.run({"drive_mV": 20.0, "sigma_mV": 2.0}, seed=3, workdir=tmp_path)
    long = toy.run({"drive_mV": 20.0, "sigma_mV": 2.0}, seed=3, workdir=tmp_path, duration_s=2.0)
    assert toy.duration_s == 0.5
    assert short["v_t"][-1] == pytest.approx(0.499) and long["v_t"][-1] == pytest.approx(1.999)
    # the first half second is the same run
    n = len(short["t"])
    np.testing.assert_array_equal(long["t"][:n], short["t"])
    assert len(long["t"]) > 3 * n
    with pytest.raises(ValueError, match="duration_s"):
        toy.run({"drive_mV": 20.0, "sigma_mV": 2.0}, seed=3, workdir=tmp_path, duration_s=0.0)


def whole_results(outputs: dict, results: Path) -> Path:
    """A results folder as a finished binary leaves it (3 rows of every output); returns its
    last_run_info.txt."""
    results.mkdir()
    for spec in outputs.values():
        row = np.dtype(spec["dtype"]).itemsize * (spec.get("ncols") or 1)
        (results / spec["file"]).parent.mkdir(parents=True, exist_ok=True)
        (results / spec["file"]).write_bytes(b"\0" * 3 * row)
    info = results / "last_run_info.txt"
    info.write_text("0.12 1\n")
    return info


def test_incomplete_results_are_a_run_error(toy, tmp_path):
    """What a full disk leaves (Brian2 does not check its writes): caught before reading."""
    from sim.engine import check_results

    outputs = toy.manifest["outputs"]
    results = tmp_path / "results"
    info = whole_results(outputs, results)
    check_results(results, outputs, tmp_path / "run.log")  # whole: no error
    info.write_text("")  # the last write failed
    with pytest.raises(RunError, match=r"incomplete \(last_run_info.txt .*disk full\?\); log: "):
        check_results(results, outputs, tmp_path / "run.log")
    info.write_text("0.12 1\n")
    name, spec = next((n, s) for n, s in outputs.items()
                      if np.dtype(s["dtype"]).itemsize * (s.get("ncols") or 1) > 1)
    path = results / spec["file"]
    path.write_bytes(path.read_bytes()[:-1])  # a truncated output
    with pytest.raises(RunError, match=rf"outputs {name} missing or truncated"):
        check_results(results, outputs, tmp_path / "run.log")


def test_spike_monitors_stream_to_disk_in_chunks(toy, tmp_path, monkeypatch):
    """Chunked spikes (``.part`` files, joined on reading) are the same spikes as one chunk: the
    binary's memory stays bounded on long runs without changing a result."""
    from sim import engine

    manifest = toy.manifest["outputs"]
    assert manifest["t"].get("streamed") and manifest["i"].get("streamed")
    assert not manifest["v"].get("streamed")  # state monitors are not spike monitors
    params = {"drive_mV": 20.0, "sigma_mV": 2.0}
    whole = toy.run(params, seed=5, workdir=tmp_path, duration_s=2.0)
    parts_seen = []
    real_read = engine.Build._read

    def spy(results_dir, spec, as_dtype=None):
        part = Path(results_dir) / f"{spec['file']}.part"
        if part.exists():
            parts_seen.append(part.stat().st_size // np.dtype(spec["dtype"]).itemsize)
        return real_read(results_dir, spec, as_dtype)

    monkeypatch.setattr(engine.Build, "_read", staticmethod(spy))
    monkeypatch.setenv(engine.SPIKE_CHUNK_ENV, "7")
    chunked = toy.run(params, seed=5, workdir=tmp_path, duration_s=2.0)
    assert len(whole["t"]) > 100
    assert parts_seen and all(n >= 7 for n in parts_seen)  # t and i went through .part files
    for name in ("t", "i", "v"):
        np.testing.assert_array_equal(chunked[name], whole[name])


def test_a_truncated_chunk_file_is_an_incomplete_result(toy, tmp_path):
    from sim.engine import check_results

    outputs = toy.manifest["outputs"]
    results = tmp_path / "results"
    whole_results(outputs, results)
    (results / f"{outputs['t']['file']}.part").write_bytes(b"\0" * 8 * 5)
    check_results(results, outputs, tmp_path / "run.log")  # whole chunks: no error
    (results / f"{outputs['t']['file']}.part").write_bytes(b"\0" * (8 * 5 - 3))
    with pytest.raises(RunError, match=r"outputs t missing or truncated"):
        check_results(results, outputs, tmp_path / "run.log")


def test_outputs_read_as_float32_are_converted_block_by_block(tmp_path):
    """A streamed output (chunks then the final file) read as float32 equals the float64 values
    rounded once, across the 1 MiB read blocks."""
    values = np.random.default_rng(3).normal(size=400_000)  # 3.2 MB: blocks of 1 MiB and a rest
    values[:150_001].tofile(tmp_path / "v.part")
    values[150_001:].tofile(tmp_path / "v")
    spec = {"file": "v", "dtype": "float64", "streamed": True}
    narrowed = Build._read(tmp_path, spec, np.float32)
    assert narrowed.dtype == np.float32
    assert np.array_equal(narrowed, values.astype(np.float32))
    assert np.array_equal(Build._read(tmp_path, spec), values)


def test_compiler_jobs_are_bounded_by_cpus_and_available_memory(tmp_path):
    from sim.engine import COMPILE_JOB_MB, make_jobs

    cpus = len(os.sched_getaffinity(0))
    plenty = tmp_path / "plenty"
    plenty.write_text("MemTotal: 99999999 kB\nMemAvailable: 99999999 kB\n")
    assert make_jobs(plenty) == cpus
    tight = tmp_path / "tight"
    tight.write_text(f"MemAvailable: {COMPILE_JOB_MB * 1024 * 1} kB\n")
    assert make_jobs(tight) == 1
    none = tmp_path / "none"
    none.write_text("MemAvailable: 1000 kB\n")
    assert make_jobs(none) == 1  # never zero
    assert make_jobs(tmp_path / "missing") == cpus
