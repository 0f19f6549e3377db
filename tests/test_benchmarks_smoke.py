"""The benchmark's code paths (benchmarks/bench.py, benchmarks/run.py) on a tiny network.

200 neurons, 0.2 s: one compile, a few short runs, the Brian2 baseline in its NumPy target (no
Cython compile). No timing is asserted: timings on a shared machine are not test material.
The tests on the sections' results share a fixture of ~5 min (four compiles) and are marked
``long``: ``.ci/run`` runs them after the suite (``python -m pytest -m long``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench, run  # noqa: E402

TINY = bench.sized_overrides(200, in_degree=40)
DURATION_S = 0.2


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """All four sections on the tiny network, sharing one build cache (one compile)."""
    workdir = tmp_path_factory.mktemp("bench")
    out = {"machine": bench.machine_info(), "quick": True}
    with bench.environment(MILASIM_CACHE_DIR=str(workdir / "cache")):
        out["cold_warm"] = bench.bench_cold_warm(workdir, DURATION_S, overrides=TINY)
        out["throughput"] = bench.bench_throughput(workdir, DURATION_S, overrides=TINY)
        out["sweep"] = bench.bench_sweep(workdir / "sweep", DURATION_S, [0.0, 200.0],
                                         target="numpy", overrides=TINY, end_to_end=False)
        out["sizes"] = bench.bench_sizes(workdir / "sizes", [200], duration_s=DURATION_S,
                                         in_degree=40)
        why_not = bench.sweep_module_status()
        out["workers"] = why_not or bench.bench_workers(workdir / "workers", DURATION_S, [0.0],
                                                        workers=(1,), overrides=TINY)
        out["arch"] = bench.bench_arch(workdir / "arch", DURATION_S, overrides=TINY)
        out["drive"] = bench.bench_drive(workdir / "drive", DURATION_S, repeats=1, overrides=TINY)
    # section 8 on the session's build cache: the seizure network is the small test network
    out["long_seizure"] = bench.bench_long_seizure(workdir / "long", 1.0, threads=(1,),
                                                   threads_s=0.5)
    out["machine"]["load_average_end"] = bench.load_average()
    out["total_wall_s"] = 0.0
    return out


def test_tiny_network_is_the_intended_size():
    assert TINY == {"network.n_exc": 160, "network.n_inh": 40,
                    "network.connection_probability": 0.2}


@pytest.mark.long
def test_cold_run_compiles_and_warm_run_calls_no_compiler(results):
    c = results["cold_warm"]
    assert c["same_build_key"]
    assert c["compiler_calls_cold"].get("make", 0) >= 1
    assert c["compiler_calls_cold"].get("g++", 0) >= 1
    assert c["compiler_calls_warm"] == {}
    for key in ("cold", "warm"):
        assert c[key]["wall_s"] > 0 and c[key]["cpu_s"] > 0


@pytest.mark.long
def test_throughput_counts_synapses_and_events(results):
    t = results["throughput"]
    assert t["neurons"] == 200
    # 0.2 x (160 x 159 + 160 x 40 + 40 x 160 + 40 x 39) = 7 960 expected synapses
    assert 7_000 < t["synapses"] < 9_000
    # the binary's own peak (a few MB here), not the benchmark's Python (~150 MB)
    assert 0 < t["max_rss_mb"] < 100
    assert t["recurrent_events_per_sim_s"] > 0
    assert t["drive_events_per_sim_s"] == pytest.approx(100 * 20 * 200)


@pytest.mark.long
def test_sweep_runs_both_simulators_on_the_same_runs(results):
    s = results["sweep"]
    assert s["runs"] == 2
    assert s["milasim_build"]["cached"]  # the cold/warm section built this structure
    assert [r["dose_mg_per_kg"] for r in s["rates"]] == [0.0, 200.0]
    for r in s["rates"]:
        for side in ("milasim_hz", "brian2_hz"):
            assert all(math.isfinite(v) and v >= 0 for v in r[side].values())
    assert s["speedup_cpu"] > 0 and isinstance(s["rates_match"], bool)


def test_baseline_job_carries_every_runtime_value():
    configs = [bench.network_config(DURATION_S, dose_mg_per_kg=d, overrides=TINY)
               for d in (0.0, 400.0)]
    job = bench.baseline_job(configs)
    assert job["structure"]["n_exc"] == 160
    params = [d["params"] for d in job["doses"]]
    assert set(params[0]) == set(params[1])
    # neurons, pathways, the shared extracellular K+ and the K+ released per spike
    assert {k.split(".")[0] for k in params[0]} == {"exc", "inh", *bench.PATHWAYS, "ions",
                                                    "k_per_spike_mM"}
    assert params[1]["exc.occupancy_before"] > params[0]["exc.occupancy_before"]
    with pytest.raises(ValueError):
        bench.baseline_job([configs[0], bench.network_config(0.5, overrides=TINY)])


def test_synaptic_event_estimate():
    structure = {"n_exc": 80, "n_inh": 20, "connection_probability": 0.1, "drive_inputs": 10,
                 "drive_rate_hz": 5.0, "duration_s": 2.0}
    events = bench.synaptic_events(structure, {"exc": 8, "inh": 2}, {"exc": 80, "inh": 20})
    # exc spikes reach 0.1 x 79 + 0.1 x 20 targets, inh spikes 0.1 x 80 + 0.1 x 19
    assert events["recurrent"] == pytest.approx(8 * 9.9 + 2 * 9.9)
    assert events["drive"] == pytest.approx(10 * 5.0 * 100 * 2.0)
    exact = bench.synaptic_events(structure, {"exc": 8, "inh": 0}, {"exc": 40, "inh": 20},
                                  synapses={"syn_ee": 800, "syn_ei": 160})
    assert exact["recurrent"] == pytest.approx(16 * (10 + 2))  # 8 spikes of 40 recorded -> 16


@pytest.mark.long
def test_workers_section_runs_a_real_sweep(results):
    w = results["workers"]
    if isinstance(w, str):
        pytest.skip(w)
    assert w["rows"][0]["workers"] == 1
    assert w["rows"][0]["runs"] == 1 and w["rows"][0]["failed"] == 0


@pytest.mark.long
def test_sizes_section_and_table(results, tmp_path):
    row = results["sizes"]["sizes"][0]
    assert row["neurons"] == 200 and row["synapses"] > 0 and row["max_rss_mb"] > 0
    assert results["sizes"]["cpu_exponent_fit"] is None  # one size: no fit
    rows = run.table_rows(results)
    text = run.render_text(rows)
    for section in ("1. cold vs warm", "2. throughput", "3. sweep", "4. cost vs size", "5. "):
        assert section in text
    assert "compiler invocations warm" in text
    md = run.render_markdown(rows)
    assert md.count("| quantity | value | note |") >= 5
    (tmp_path / "results.json").write_text(json.dumps(results, default=str))


@pytest.mark.long
def test_arch_section_compares_two_builds(results):
    from sim.engine import ARCH_LEVELS, host_cpu_flags

    a = results["arch"]
    if ARCH_LEVELS["x86-64-v3"] - host_cpu_flags():
        assert a.startswith("skipped: this CPU lacks")
        return
    assert a["level"] == "x86-64-v3" and a["cpu_ratio"] > 0
    assert a["distinct_builds"]  # portable flags vs the level: never a build against itself
    assert isinstance(a["spike_counts_identical"], bool)
    assert set(a["spike_counts"]) == {"portable", "x86-64-v3"}
    assert all(v > 0 for v in a["spike_counts"]["portable"].values())
    rows = dict((q, v) for q, v, _ in run.table_rows(results))
    assert rows["arch / portable CPU time"] == f"{a['cpu_ratio']:.2f}"


@pytest.mark.long
def test_drive_section_runs_both_drive_models(results):
    d = results["drive"]
    assert set(d["cpu_s"]) == {"binomial", "event"}
    assert all(len(v) == 1 and v[0] > 0 for v in d["cpu_s"].values())
    assert all(d["rates_hz"][m]["exc"] > 0 for m in ("binomial", "event"))
    rows = dict((q, v) for q, v, _ in run.table_rows(results))
    assert rows["event / binomial CPU time"] == f"{d['cpu_ratio']:.2f}"


@pytest.mark.long
def test_long_seizure_section_measures_a_real_milasim_run(results):
    ls = results["long_seizure"]
    assert ls["exit_code"] == 0, ls["stderr_tail"]
    assert ls["spikes"] > 0 and ls["sim_s_per_cpu_s"] > 0 and ls["run_h5_mb"] > 0
    # the tree holds the milasim process and the binary: its sum is at least the largest one
    assert 50 < ls["peak_rss_largest_mb"] <= ls["peak_rss_tree_mb"] + 1
    assert ls["threads"]["1"]["exit_code"] == 0
    every = ls["every_step"]  # the same run with the ion system at every step (<= 0.7.1)
    assert every["exit_code"] == 0, every["stderr_tail"]
    assert every["spikes"] > 0 and every["sim_s_per_cpu_s"] > 0
    text = run.render_text(run.table_rows(results))
    assert "8. seizure network" in text and "peak RSS: largest process | whole tree" in text
    assert "ion system at every step" in text


def test_accuracy_table_judges_each_setting_against_the_reference_spread(tmp_path, capsys):
    """benchmarks/accuracy.py on a synthetic numerics sweep.csv: exact answers."""
    from benchmarks import accuracy

    rows = []
    for seed, (a, b) in enumerate([(10.0, 10.5), (12.0, 15.0), (14.0, 13.5)], start=1):
        for (dt, prec, method), value in ((("0.1", "float64", "euler"), a),
                                          (("0.05", "float64", "euler"), b)):
            rows.append({"run_id": f"r{seed}{dt}", "simulation.dt_ms": dt,
                         "simulation.precision": prec, "network.integration": method,
                         "rate_exc_hz": str(value), "k_o_peak_mM": "11.0", "wall_time_s": "5"})
    (tmp_path / "sweep.csv").write_text(
        ",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    settings, metrics, stats = accuracy.accuracy_table(accuracy.read_rows(tmp_path))
    assert settings[0] == ("0.1", "float64", "euler") and metrics == ["rate_exc_hz", "k_o_peak_mM"]
    ref = stats[settings[0]]["rate_exc_hz"]
    assert ref["mean"] == 12.0 and ref["sd"] == 2.0
    assert stats[settings[1]]["rate_exc_hz"]["diff_in_sd"] == pytest.approx(0.5)  # 13 vs 12
    assert stats[settings[1]]["k_o_peak_mM"]["diff_in_sd"] == 0.0  # no spread, no difference
    assert accuracy.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dt 0.05 ms, float64, euler" in out and out.strip().endswith("yes")


def test_numerics_section_costs_each_setting_beside_its_accuracy(tmp_path, build_cache):
    """Section 9 on one setting (the defaults: a cached build) and a synthetic study folder."""
    import csv

    study = tmp_path / "study"
    study.mkdir()
    with open(study / "sweep.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["simulation.dt_ms", "simulation.precision", "network.integration",
                    "rate_exc_hz", "wall_time_s"])
        w.writerows([[0.1, "float64", "euler", 10.0, 1], [0.1, "float64", "euler", 12.0, 1],
                     [0.2, "float64", "euler", 13.0, 1], [0.2, "float64", "euler", 14.0, 1]])
    settings = bench.numerics_settings()
    assert settings[0] == {"simulation.dt_ms": 0.1, "simulation.precision": "float64",
                           "network.integration": "euler"} and len(settings) == 6
    assert settings[-1] == {"simulation.ion_dt_ms": 1.0}  # the ion clock study (not its reference)
    with bench.environment(MILASIM_CACHE_DIR=str(build_cache)):
        nm = bench.bench_numerics(tmp_path / "work", 0.5, settings=settings[:1], study=study)
    (row,) = nm["rows"]
    assert row["exit_code"] == 0, row["stderr_tail"]
    assert row["cpu_s"] > 0 and row["cpu_ratio"] == 1.0
    # dt 0.2 ms: mean 13.5 against the reference 11 +/- 1.414 (SD) -> 1.77 SD
    assert nm["study"]["verdicts"]["0.2 float64 euler"]["largest_diff_in_sd"] == \
        pytest.approx(2.5 / math.sqrt(2.0))
    text = run.render_text(run.table_rows({"machine": bench.machine_info(), "numerics": nm}))
    assert "9. numerical settings" in text
    assert "accuracy (2 seeds): largest difference 0 reference SDs" in text


def test_accuracy_table_reads_an_ltp_numerics_sweep_without_an_integration_column(tmp_path, capsys):
    """experiments/numerics_ltp.toml sweeps dt and float width only (the LTP preparation has one
    integration method): the settings are those two keys and the LTP metrics are judged."""
    from benchmarks import accuracy

    rows = []
    for seed, (a, b) in enumerate([(10.0, 30.0), (20.0, 31.0), (30.0, 32.0)], start=1):
        for prec, value in (("float64", a), ("float32", b)):
            rows.append({"run_id": f"r{seed}{prec}", "simulation.dt_ms": "0.1",
                         "simulation.precision": prec, "ltp_percent": str(value),
                         "baseline_drift_percent": "-0.5", "wall_time_s": "5"})
    (tmp_path / "sweep.csv").write_text(
        ",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    settings, metrics, stats = accuracy.accuracy_table(accuracy.read_rows(tmp_path))
    assert settings == [("0.1", "float64"), ("0.1", "float32")]
    assert metrics == ["ltp_percent", "baseline_drift_percent"]
    assert stats[settings[1]]["ltp_percent"]["diff_in_sd"] == pytest.approx(1.1)  # 31 vs 20, SD 10
    assert accuracy.main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("dt 0.1 ms, float32 ") and lines[-1].endswith("no")
    # a sweep of the float width alone (experiments/numerics_ictal.toml): no dt in the label
    for r in rows:
        del r["simulation.dt_ms"]
    (tmp_path / "sweep.csv").write_text(
        ",".join(rows[0]) + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n")
    assert accuracy.main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("float64 ") and lines[-1].startswith("float32 ")


def test_extract_commit_writes_the_tree_or_says_why_not(tmp_path):
    """Section 10 takes 0.3 from the git history: a commit's tree, or one line saying why not."""
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.txt").write_text("first\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    first = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                           text=True).stdout.strip()
    (repo / "a.txt").write_text("second\n")
    subprocess.run([*git, "commit", "-qam", "two"], check=True)
    assert bench.extract_commit(first, tmp_path / "old", repo=repo) is None
    assert (tmp_path / "old" / "a.txt").read_text() == "first\n"  # the commit's tree, not HEAD's
    why = bench.extract_commit("0" * 40, tmp_path / "none", repo=repo)
    assert why.startswith("commit 0000000 is not in this checkout's git history") and "\n" not in why


@pytest.mark.long
def test_against_v03_section_runs_both_versions_on_the_same_structure(tmp_path, build_cache):
    """Section 10 for real: 0.3 from this repository's history and this checkout, 1 s each."""
    with bench.environment(MILASIM_CACHE_DIR=str(build_cache)):
        v3 = bench.bench_against_v03(tmp_path, 1.0, repeats=1)
    if isinstance(v3, str):  # only where the history is missing (a shallow clone, an sdist)
        pytest.skip(v3)
    assert v3["v03"]["version"] == "0.3.0" and v3["new"]["version"] != "0.3.0"
    assert v3["v03"]["spikes"] > 0 and v3["new"]["spikes"] > 0
    assert v3["speed_ratio"] == pytest.approx(
        v3["new"]["sim_s_per_cpu_s"] / v3["v03"]["sim_s_per_cpu_s"])
    text = run.render_text(run.table_rows({"machine": bench.machine_info(), "against_v03": v3}))
    assert "10. against 0.3" in text and "milasim 0.3.0 (ba61c4b)" in text
    assert "this checkout / 0.3, simulated s per CPU s" in text
