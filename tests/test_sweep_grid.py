"""Sweeps without Dask: the grid, zip groups, run ids, validation, OUT handling, sweep.csv, figures.

Runs are stood in for by run folders the tests write themselves (summary.json as `milasim run`
writes it); the Dask layer is replaced where a test needs to see what would be submitted.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from pathlib import Path

import pytest

import sim.runner
import sim.sweeps.runner as sweep_runner
from sim.config import load_config, resolve
from sim.errors import ConfigError, InputError, RunError
from sim.sweeps import load_experiment, run_sweep
from sim.sweeps.cluster import choose_target, machine_cores
from sim.figures.sweep import choose_axes, plot_sweep, t_interval
from sim.sweeps.layout import SweepLayout, run_point
from sim.sweeps.table import collect, read_csv, rebuild
from tests.conftest import SWEEP_NETWORK_TOML

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def base(tmp_path):
    return write(tmp_path / "configs" / "base.toml", SWEEP_NETWORK_TOML)


@pytest.fixture
def experiment(tmp_path, base):
    return write(tmp_path / "experiments" / "doses.toml", """
        extends = "../configs/base.toml"
        [sweep]
        "drug.dose_mg_per_kg" = [0, 100, 400]
        "simulation.seed" = [1, 2]
    """)


def fake_run(layout: SweepLayout, cfg, **metrics) -> Path:
    """A finished run folder as run_point leaves it (summary.json as sim.runner writes it)."""
    folder = layout.run_dir(cfg.config_hash())
    folder.mkdir(parents=True)
    dose = cfg.drug.dose_mg_per_kg
    summary = {
        "glycine_uM": 2.6 + dose / 100, "glycine_baseline_uM": 2.6,
        "glycine_site_occupancy": 0.42 + dose / 1000, "seed": cfg.simulation.seed,
        "config_hash": cfg.config_hash(), "wall_time_s": 1.5,
        "burst_rate_hz": dose / 400 + cfg.simulation.seed / 10, "mean_burst_duration_s": None,
        "fraction_time_in_bursts": 0.1, "rate_exc_hz": 5.0 - dose / 100, "rate_inh_hz": 30.0,
        "runaway": False, "protocol": "epileptiform", "mg_mM": cfg.bath.mg_mM,
        "versions": {"sim_version": "0.1.0"}, "config": cfg.to_dict(), **metrics,
    }
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "run.h5").write_bytes(b"stand-in")
    return folder


# --------------------------------------------------------------------------- the grid
def test_grid_is_the_product_in_file_order_last_axis_fastest(experiment):
    exp = load_experiment(experiment)
    assert exp.swept_keys == ["drug.dose_mg_per_kg", "simulation.seed"]
    assert [tuple(p.values.values()) for p in exp.points] == [
        (0, 1), (0, 2), (100, 1), (100, 2), (400, 1), (400, 2)]
    for p in exp.points:
        assert p.config.drug.dose_mg_per_kg == p.values["drug.dose_mg_per_kg"]
        assert p.config.simulation.seed == p.values["simulation.seed"]
        assert p.config.network.n_exc == 400 and p.config.bath.mg_mM == 0.0  # from extends
    assert len(set(exp.run_ids)) == 6


def test_zip_groups_step_together_and_multiply_with_the_other_axes(tmp_path, base):
    path = write(tmp_path / "zip.toml", """
        extends = "configs/base.toml"
        [sweep]
        "simulation.seed" = [1, 2]
        [[sweep.zip]]
        "drug.dose_mg_per_kg" = [0, 100, 400]
        "drug.time_after_dose_h" = [1.0, 3.0, 6.0]
        [[sweep.zip]]
        "bath.mg_mM" = [1.0, 0.0]
        "mechanisms.tonic_glyr" = [true, false]
    """)
    exp = load_experiment(path)
    assert len(exp.axes) == 3 and len(exp.points) == 2 * 3 * 2
    pairs = {(p.config.drug.dose_mg_per_kg, p.config.drug.time_after_dose_h) for p in exp.points}
    assert pairs == {(0, 1.0), (100, 3.0), (400, 6.0)}
    mg_glyr = {(p.config.bath.mg_mM, p.config.mechanisms.tonic_glyr) for p in exp.points}
    assert mg_glyr == {(1.0, True), (0.0, False)}

    single = write(tmp_path / "zip1.toml", """
        extends = "configs/base.toml"
        [sweep.zip]
        "drug.dose_mg_per_kg" = [0, 100]
        "drug.time_after_dose_h" = [1.0, 3.0]
    """)
    assert [tuple(p.values.values()) for p in load_experiment(single).points] == [
        (0, 1.0), (100, 3.0)]

    uneven = write(tmp_path / "uneven.toml", """
        [sweep.zip]
        "drug.dose_mg_per_kg" = [0, 100, 200]
        "drug.time_after_dose_h" = [1.0, 3.0]
    """)
    with pytest.raises(ConfigError, match=r"^sweep.zip: zipped lists must have equal lengths "
                                          r"\(drug.dose_mg_per_kg has 3, "
                                          r"drug.time_after_dose_h has 2\)"):
        load_experiment(uneven)


def test_run_ids_are_config_hashes_and_do_not_depend_on_the_file(tmp_path, experiment):
    exp = load_experiment(experiment)
    # the same point written as a plain config has the same id
    single = write(tmp_path / "single.toml", """
        extends = "configs/base.toml"
        [drug]
        dose_mg_per_kg = 100
        [simulation]
        seed = 2
    """)
    point = next(p for p in exp.points if p.values == {"drug.dose_mg_per_kg": 100,
                                                       "simulation.seed": 2})
    assert point.run_id == load_config(single).config_hash() == point.config.config_hash()
    # unquoted dotted keys, axes in another order, 100 written as 100.0: same set of ids
    other = write(tmp_path / "other.toml", """
        extends = "configs/base.toml"
        [sweep]
        simulation.seed = [2, 1]
        drug.dose_mg_per_kg = [400.0, 0.0, 100.0]
    """)
    again = load_experiment(other)
    assert sorted(again.run_ids) == sorted(exp.run_ids)
    assert again.experiment_id == exp.experiment_id
    assert load_experiment(experiment).run_ids == exp.run_ids  # stable across loads


def test_every_point_is_validated_before_anything_runs(tmp_path, base, monkeypatch):
    path = write(tmp_path / "bad.toml", """
        extends = "configs/base.toml"
        [sweep]
        "drug.dose_mg_per_kg" = [0, 100, -5, -7]
        "simulation.seed" = [1, 2]
    """)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith("drug.dose_mg_per_kg must be >= 0, got -5")
    assert "sweep point 5 of 8" in message and "3 more bad point(s)" in message
    assert "\n" not in message

    # through run_sweep: refused before any cluster starts, nothing written
    def no_dask(*args, **kwargs):
        raise AssertionError("a run was submitted")

    monkeypatch.setattr(sweep_runner, "_run_on_dask", no_dask)
    out = tmp_path / "out"
    with pytest.raises(ConfigError):
        run_sweep(path, [], out, quiet=True)
    assert not out.exists()

    unknown = write(tmp_path / "unknown.toml", """
        [sweep]
        "drug.dose" = [1, 2]
    """)
    with pytest.raises(ConfigError, match=r"^drug.dose: unknown key"):
        load_experiment(unknown)


@pytest.mark.parametrize(("sweep", "message"), [
    ('"drug.dose_mg_per_kg" = 5', r"^sweep.drug.dose_mg_per_kg: expected a list of values"),
    ('"drug.dose_mg_per_kg" = []', r"^sweep.drug.dose_mg_per_kg: empty list"),
    ('"simulation.seed" = [1, 1]', r"^sweep: points 1 \(simulation.seed=1\) and 2 "
                                   r"\(simulation.seed=1\) are the same config"),
    ('"bath.mg_mM" = [0]\n[sweep.zip]\n"bath.mg_mM" = [1]\n"simulation.seed" = [3]',
     r"^sweep.bath.mg_mM: swept twice"),
])
def test_bad_sweep_tables_name_the_key(tmp_path, sweep, message):
    path = write(tmp_path / "e.toml", f"[sweep]\n{sweep}\n")
    with pytest.raises(ConfigError, match=message):
        load_experiment(path)


def test_a_config_without_sweep_table_is_refused(base):
    with pytest.raises(InputError, match=r"no \[sweep\] table.*milasim run"):
        load_experiment(base)
    # ... unless --set sweep.KEY=[...] makes it one
    assert len(load_experiment(base, ["sweep.simulation.seed=[1,2,3]"]).points) == 3


def test_set_overrides_base_sweep_and_cluster(experiment):
    exp = load_experiment(experiment, ["bath.mg_mM=1", "sweep.simulation.seed=[7]",
                                       "cluster.jobs=4", "cluster.kind=slurm"])
    assert {p.config.bath.mg_mM for p in exp.points} == {1.0}
    assert [p.values["simulation.seed"] for p in exp.points] == [7, 7, 7]
    assert exp.cluster is not None and exp.cluster.jobs == 4 and exp.cluster.kind == "slurm"
    with pytest.raises(ConfigError, match=r"^--set simulation.seed: this key is swept.*"
                                          r"--set sweep.simulation.seed=\[...\]"):
        load_experiment(experiment, ["simulation.seed=3"])
    with pytest.raises(ConfigError, match=r"^cluster.cores must be >= 1, got 0"):
        load_experiment(experiment, ["cluster.cores=0"])
    with pytest.raises(ConfigError, match=r"cluster.memory must look like"):
        load_experiment(experiment, ["cluster.memory=lots"])
    with pytest.raises(ConfigError, match=r"^cluster.kind must be one of"):
        load_experiment(experiment, ["cluster.kind=lsf"])
    with pytest.raises(ConfigError, match=r"^cluster.queu: unknown key"):
        load_experiment(experiment, ["cluster.queu=short"])


def test_choice_of_workers(experiment):
    exp = load_experiment(experiment, ["cluster.kind=slurm", "cluster.queue=short"])
    assert choose_target(None).kind == "local"
    assert choose_target(None).workers == machine_cores()
    assert choose_target(None, workers=3).workers == 3
    assert choose_target(exp.cluster).kind == "slurm"
    assert choose_target(exp.cluster, cluster="local", workers=2).kind == "local"
    assert choose_target(None, scheduler="tcp://10.0.0.1:8786").address == "tcp://10.0.0.1:8786"
    with pytest.raises(InputError, match="--scheduler and --cluster slurm: give one"):
        choose_target(None, scheduler="tcp://10.0.0.1:8786", cluster="slurm")
    with pytest.raises(InputError, match="--workers must be a whole number >= 1, got 0"):
        choose_target(None, workers=0)


# --------------------------------------------------------------------------- OUT and resume
def test_finished_runs_are_refused_without_resume_and_skipped_with_it(tmp_path, experiment,
                                                                      monkeypatch):
    exp = load_experiment(experiment)
    out = tmp_path / "out"
    layout = SweepLayout(out)
    done = exp.points[:2]
    before = {p.run_id: fake_run(layout, p.config) for p in done}
    (layout.runs / "0123456789abcdef").mkdir()  # an unfinished folder is not a finished run

    with pytest.raises(InputError, match=r"already holds 2 finished run\(s\) of this experiment; "
                                         r"add --resume"):
        run_sweep(experiment, [], out, quiet=True)
    assert not layout.manifest.exists()  # nothing written

    submitted: list[str] = []

    def record(todo, layout, target, report, quiet, stop):
        submitted.extend(p.run_id for p in todo)

    monkeypatch.setattr(sweep_runner, "_run_on_dask", record)
    stamps = {rid: os.stat(d / "summary.json").st_mtime_ns for rid, d in before.items()}
    report = run_sweep(experiment, [], out, resume=True, quiet=True)
    assert submitted == [p.run_id for p in exp.points[2:]]
    assert report.skipped == [p.run_id for p in done]
    assert {rid: os.stat(d / "summary.json").st_mtime_ns for rid, d in before.items()} == stamps
    assert report.rows == 2 and report.exit_code == 0
    manifest = json.loads(layout.manifest.read_text())
    assert [r["run_id"] for r in manifest["runs"]] == exp.run_ids

    other = write(tmp_path / "other.toml", """
        [sweep]
        "simulation.seed" = [5]
    """)
    with pytest.raises(InputError, match=r"finished run\(s\) of another sweep; choose another"):
        run_sweep(other, [], out, quiet=True)


def test_everything_finished_runs_nothing_and_rebuilds_the_table(tmp_path, experiment,
                                                                 monkeypatch):
    exp = load_experiment(experiment)
    layout = SweepLayout(tmp_path / "out")
    for p in exp.points:
        fake_run(layout, p.config)
    monkeypatch.setattr(sweep_runner, "_run_on_dask", lambda *a: pytest.fail("submitted"))
    report = run_sweep(experiment, [], layout.root, resume=True, quiet=True)
    assert len(report.skipped) == 6 and not report.done and report.exit_code == 0
    columns, rows = read_csv(layout.csv)
    assert [r["run_id"] for r in rows] == exp.run_ids
    assert [p.name for p in report.figures] == ["dose_response.png"]


def test_interrupt_and_failure_exit_codes(tmp_path, experiment, monkeypatch):
    def interrupted(todo, layout, target, report, quiet, stop):
        fake_run(layout, todo[0].config)  # finished on disk, its result not read yet
        cut_short = layout.failed_dir(todo[1].run_id)  # an attempt ended by stopping the workers
        cut_short.mkdir(parents=True)
        (cut_short / "run.log").write_text("$ main ...\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_runner, "_run_on_dask", interrupted)
    report = run_sweep(experiment, [], tmp_path / "a", quiet=True)
    assert report.interrupted and report.exit_code == 130
    exp = load_experiment(experiment)
    assert report.done == exp.run_ids[:1] and report.not_run == exp.run_ids[1:]
    assert not (tmp_path / "a" / "failed").exists()
    _, rows = read_csv(tmp_path / "a" / "sweep.csv")
    assert [r["run_id"] for r in rows] == exp.run_ids[:1]

    def one_failed(todo, layout, target, report, quiet, stop):
        report.failed.append(sweep_runner.RunFailure(todo[0].run_id, dict(todo[0].values),
                                                     "boom", "/x/run.log"))

    monkeypatch.setattr(sweep_runner, "_run_on_dask", one_failed)
    report = run_sweep(experiment, [], tmp_path / "b", quiet=True)
    assert report.exit_code == 1
    assert "failed: boom; log: /x/run.log" in report.summary()


# --------------------------------------------------------------------------- one task
def test_run_point_renames_a_complete_run_into_place_and_never_rewrites_one(tmp_path,
                                                                           monkeypatch):
    cfg = resolve({"simulation": {"seed": 3}})
    calls: list[Path] = []

    def execute(cfg, out_dir, progress=False):
        calls.append(Path(out_dir))
        assert not (tmp_path / "runs" / cfg.config_hash()).exists()  # not in place while running
        (Path(out_dir) / "run.h5").write_bytes(b"h5")
        (Path(out_dir) / "summary.json").write_text(json.dumps({"wall_time_s": 0.1}))
        return {"wall_time_s": 0.1}

    monkeypatch.setattr(sim.runner, "execute", execute)
    result = run_point(cfg, cfg.config_hash(), str(tmp_path))
    assert result["status"] == "done" and not result["duplicate"]
    layout = SweepLayout(tmp_path)
    assert layout.finished_ids() == [cfg.config_hash()]
    assert calls[0].parent == layout.tmp
    stamp = os.stat(layout.run_dir(cfg.config_hash()) / "run.h5").st_mtime_ns

    # a second attempt that finishes after the first one (a worker wrongly thought lost)
    tmp = layout.new_tmp(cfg.config_hash())
    (tmp / "summary.json").write_text("{}")
    assert layout.commit(cfg.config_hash(), tmp) is False
    assert not tmp.exists()
    assert os.stat(layout.run_dir(cfg.config_hash()) / "run.h5").st_mtime_ns == stamp
    # and a resubmitted task of a finished run does not run it again
    assert run_point(cfg, cfg.config_hash(), str(tmp_path))["duplicate"] is True
    assert len(calls) == 1


def test_run_point_keeps_the_log_of_a_failed_run(tmp_path, monkeypatch):
    cfg = resolve({})

    def execute(cfg, out_dir, progress=False):
        log = Path(out_dir) / "run.log"
        log.write_text("segfault\n")
        raise RunError(f"the simulation binary exited with code 139; log: {log}")

    monkeypatch.setattr(sim.runner, "execute", execute)
    result = run_point(cfg, cfg.config_hash(), str(tmp_path))
    kept = tmp_path / "failed" / cfg.config_hash() / "run.log"
    assert result["status"] == "failed" and result["log"] == str(kept)
    assert result["error"] == f"the simulation binary exited with code 139; log: {kept}"
    assert kept.read_text() == "segfault\n"
    assert SweepLayout(tmp_path).finished_ids() == []

    def bug(cfg, out_dir, progress=False):
        (Path(out_dir) / "run.log").write_text("partial\n")
        raise KeyError("oops")

    monkeypatch.setattr(sim.runner, "execute", bug)
    with pytest.raises(KeyError):  # raised, so that Dask's retries apply
        run_point(cfg, cfg.config_hash(), str(tmp_path))
    assert kept.read_text() == "partial\n"


# --------------------------------------------------------------------------- sweep.csv
def test_sweep_csv_is_rebuilt_from_the_run_folders(tmp_path, experiment, capsys):
    exp = load_experiment(experiment)
    layout = SweepLayout(tmp_path / "out")
    for p in reversed(exp.points[:4]):
        fake_run(layout, p.config,
                 ltp_percent_by_frequency={"1": -20.0, "100": 40.0}, spikes=[1, 2, 3])
    stray = resolve({"drug": {"dose_mg_per_kg": 50.0}, "simulation": {"seed": 9}})
    fake_run(layout, stray)  # finished, but not in this grid (a resumed, smaller grid)
    (layout.runs / "fedcba9876543210").mkdir()  # no summary.json: not finished
    layout.new_tmp(exp.points[5].run_id)  # in progress

    table = rebuild(layout, exp)
    assert "1 finished run(s)" in capsys.readouterr().err
    columns, rows = read_csv(layout.csv)
    assert columns[:5] == ["run_id", "drug.dose_mg_per_kg", "simulation.seed", "glycine_uM",
                           "glycine_site_occupancy"]
    assert "config" not in columns and "versions.sim_version" not in columns
    assert "config_hash" not in columns and "spikes" not in columns
    assert {"burst_rate_hz", "runaway", "wall_time_s", "ltp_percent_by_frequency.100"} <= set(
        columns)
    # the stray run stays on disk but is not pooled with this grid's runs
    assert [r["run_id"] for r in rows] == exp.run_ids[:4]
    assert table.other_runs == [stray.config_hash()] and layout.is_finished(stray.config_hash())
    first = rows[0]
    assert (first["drug.dose_mg_per_kg"], first["simulation.seed"]) == ("0", "1")
    assert float(first["glycine_uM"]) == pytest.approx(2.6)
    assert float(rows[3]["burst_rate_hz"]) == pytest.approx(100 / 400 + 2 / 10)
    assert first["mean_burst_duration_s"] == "" and first["runaway"] == "False"
    assert first["ltp_percent_by_frequency.1"] == "-20.0"
    assert len(table.rows) == 4

    # removing a run folder and rebuilding: the table follows the disk
    import shutil

    shutil.rmtree(layout.run_dir(exp.run_ids[0]))
    _, rows = read_csv(rebuild(layout, exp) and layout.csv)
    assert exp.run_ids[0] not in {r["run_id"] for r in rows} and len(rows) == 3


# --------------------------------------------------------------------------- figures
def test_t_interval():
    mean, low, high = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert high - mean == pytest.approx(4.302653 / math.sqrt(3), rel=1e-5)
    assert t_interval([5.0]) == (5.0, 5.0, 5.0)
    assert all(math.isnan(v) for v in t_interval([float("nan")]))


def test_dose_response_figure_dose_on_x_mg_as_hue(tmp_path, base):
    path = write(tmp_path / "mg.toml", """
        extends = "configs/base.toml"
        [sweep]
        "bath.mg_mM" = [0.0, 1.0]
        "drug.dose_mg_per_kg" = [0, 10, 100, 400]
        "simulation.seed" = [1, 2, 3]
    """)
    exp = load_experiment(path)
    layout = SweepLayout(tmp_path / "out")
    for i, p in enumerate(exp.points):
        fake_run(layout, p.config, runaway=(i % 7 == 0),
                 mean_burst_duration_s=None if i % 7 == 0 else 0.2 + i / 100)
    table = collect(layout, exp)
    assert choose_axes(table) == ("drug.dose_mg_per_kg", "bath.mg_mM", [])
    paths = plot_sweep(table, layout.figures, title="mg")
    assert [p.name for p in paths] == ["dose_response.png"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC

    # a third varying key: one figure per value of it
    path = write(tmp_path / "three.toml", """
        extends = "configs/base.toml"
        [sweep]
        "drug.dose_mg_per_kg" = [0, 100]
        "mechanisms.tonic_glyr" = [true, false]
        "drug.time_after_dose_h" = [1.0, 3.0]
    """)
    exp = load_experiment(path)
    layout = SweepLayout(tmp_path / "out3")
    for p in exp.points:
        fake_run(layout, p.config)
    table = collect(layout, exp)
    assert choose_axes(table) == ("drug.dose_mg_per_kg", "mechanisms.tonic_glyr",
                                  ["drug.time_after_dose_h"])
    names = sorted(p.name for p in plot_sweep(table, layout.figures))
    assert names == ["dose_response__time_after_dose_h=1.0.png",
                     "dose_response__time_after_dose_h=3.0.png"]


def test_summary_prints_the_first_figures_table(tmp_path):
    """The quickstart promises a table on the terminal: the summary carries the first figure's
    Markdown table (the file written beside the PNG)."""
    figure = tmp_path / "dose_response.png"
    figure.write_bytes(b"")
    figure.with_suffix(".md").write_text("| dose | rate |\n|---|---|\n| 0 | 1.0 |\n")
    report = sweep_runner.SweepReport(experiment="x", out_dir=tmp_path, total=1)
    report.figures = [figure]
    text = report.summary()
    assert text.endswith("| 0 | 1.0 |") and f"figure:  {figure}" in text


def test_a_run_error_from_the_interpreter_is_retried_and_a_real_one_is_final(tmp_path, monkeypatch):
    """run_point, the Dask task: a RunError caused by a SystemError (CPython 3.11's spurious
    "AST constructor recursion depth mismatch", gh-106905) is raised again so that Dask's
    retries rerun it; any other RunError is a finished, failed run with its log kept."""
    import sim.runner
    from sim.config import resolve
    from sim.errors import RunError
    from sim.sweeps.layout import run_point

    def transient(cfg, out_dir, progress=False):
        (out_dir / "run.log").write_text("started\n")
        raise RunError("SystemError: AST constructor recursion depth mismatch", transient=True)

    def final(cfg, out_dir, progress=False):
        (out_dir / "run.log").write_text("started\n")
        raise RunError("numerical blow-up")

    cfg = resolve({})
    monkeypatch.setattr(sim.runner, "execute", transient)
    with pytest.raises(RunError):
        run_point(cfg, "aaaa", str(tmp_path))
    monkeypatch.setattr(sim.runner, "execute", final)
    result = run_point(cfg, "bbbb", str(tmp_path))
    assert result["status"] == "failed" and "numerical blow-up" in result["error"]
    assert (tmp_path / "failed" / "bbbb" / "run.log").exists()


@pytest.mark.parametrize("error, transient", [(SystemError("AST constructor recursion depth "
                                                           "mismatch"), True),
                                               (ValueError("a bug"), False)])
def test_execute_marks_interpreter_errors_transient(tmp_path, monkeypatch, error, transient):
    import sim.conditions
    import sim.runner
    from sim.config import resolve
    from sim.errors import RunError

    def broken(cfg):
        raise error

    monkeypatch.setattr(sim.conditions, "receptor_state", broken)
    with pytest.raises(RunError) as info:
        sim.runner.execute(resolve({}), tmp_path)
    assert info.value.transient is transient
    assert type(error).__name__ in (tmp_path / "run.log").read_text()  # the log is kept
