"""`milasim compare` on synthetic summary.json files: discovery, table, grouping, figure, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.compare import compare, dose_groups, find_summaries, format_table, load_runs
from sim.config import resolve
from sim.errors import InputError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_summary(folder, dose=0.0, mg=1.0, seed=1, protocol="epileptiform", human=False,
                  duration=None, n_exc=None, **metrics):
    """A summary.json as `milasim run` writes it: the documented keys + the resolved config."""
    drug = ({"species": "human", "dose_mg": dose, "route": "oral"} if human
            else {"dose_mg_per_kg": dose})
    raw = {"bath": {"mg_mM": mg}, "simulation": {"seed": seed},
           "experiment": {"protocol": protocol}, "drug": drug}
    if duration is not None:
        raw["protocol"] = {"duration_s": duration}
    if n_exc is not None:
        raw["network"] = {"n_exc": n_exc}
    config = resolve(raw)
    summary = {"glycine_uM": 2.0 + dose / 100, "glycine_baseline_uM": 2.0,
               "glycine_site_occupancy": 0.5 + dose / 1000, "seed": seed,
               "config_hash": config.config_hash(), "wall_time_s": 1.0}
    if protocol == "ltp":
        summary["ltp_percent"] = metrics.pop("ltp_percent", 30.0)
    else:
        summary.update({"burst_rate_hz": 0.5, "mean_burst_duration_s": 0.3,
                        "fraction_time_in_bursts": 0.15, "rate_exc_hz": 5.0,
                        "rate_inh_hz": 12.0, "runaway": False})
    summary.update(metrics)
    summary["config"] = config.to_dict()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary))  # NaN written as NaN, as json does
    return folder


@pytest.fixture
def sweep(tmp_path):
    """A dose x seed sweep in 0 Mg: burst rate = dose / 100 + seed / 10."""
    root = tmp_path / "dose_sweep"
    root.mkdir()
    (root / "sweep.csv").write_text("drug.dose_mg_per_kg,simulation.seed\n")
    for dose in (0.0, 10.0, 100.0):
        for seed in (1, 2, 3):
            write_summary(root / "runs" / f"d{int(dose)}s{seed}", dose=dose, mg=0.0, seed=seed,
                          burst_rate_hz=dose / 100 + seed / 10)
    return root


def test_run_folder_sweep_folder_and_folder_of_runs(tmp_path, sweep):
    run = write_summary(tmp_path / "single", dose=30.0)
    parent = tmp_path / "batch"
    write_summary(parent / "a", dose=0.0)
    write_summary(parent / "b", dose=300.0)
    (parent / "notes").mkdir()  # a folder without summary is skipped inside a folder of runs
    found = find_summaries([run, sweep, parent])
    labels = [label for label, _ in found]
    assert labels[0] == "single"
    assert labels[1:10] == [f"dose_sweep/d{d}s{s}" for d in (0, 100, 10) for s in (1, 2, 3)]
    assert labels[10:] == ["a", "b"]
    # the same run given twice is listed once
    assert len(find_summaries([run, run / "summary.json"])) == 1


def test_folder_without_summary_is_an_input_error_naming_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=str(empty)):
        compare([empty])
    with pytest.raises(InputError, match="no such folder"):
        compare([tmp_path / "missing"])
    bad_sweep = tmp_path / "bad_sweep"
    bad_sweep.mkdir()
    (bad_sweep / "sweep.csv").write_text("x\n")
    with pytest.raises(InputError, match="bad_sweep"):
        compare([bad_sweep])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="summary.json: not valid JSON"):
        compare([broken])


def test_table_rows_conditions_and_metrics(tmp_path, sweep):
    runaway = write_summary(tmp_path / "runaway_run", dose=300.0, mg=0.0, runaway=True,
                            burst_rate_hz=math.nan, mean_burst_duration_s=math.nan,
                            fraction_time_in_bursts=math.nan, rate_exc_hz=180.0)
    table, figure = compare([sweep, runaway], out=tmp_path / "out")
    lines = table.splitlines()
    header = lines[0].split()
    # the condition columns, then the metric catalogue's panels of the epileptiform protocol
    assert header == ["label", "dose", "mg_mM", "glycine_uM", "glycine_site_occupancy",
                      "ictal_rate_per_min", "mean_ictal_duration_s", "mean_interictal_interval_s",
                      "interictal_discharge_rate_hz", "k_o_peak_mM", "burst_rate_hz", "mean_interburst_interval_s", "mean_burst_duration_s",
                      "fraction_time_in_bursts", "rate_exc_hz", "rate_inh_hz", "runaway"]
    assert len(lines) == 2 + 10

    def cells(line: str) -> dict[str, str]:
        values = line.split()
        values[1:3] = [" ".join(values[1:3])]  # "100 mg/kg" is one cell
        return dict(zip(header, values, strict=True))

    row = cells(lines[2 + 3 * 2 + 1])  # dose 100, seed 2 (sorted by dose, then seed)
    assert row["label"] == "dose_sweep/d100s2" and row["dose"] == "100 mg/kg"
    assert row["mg_mM"] == "0" and row["glycine_uM"] == "3" and row["glycine_site_occupancy"] == "0.6"
    assert row["burst_rate_hz"] == "1.2" and row["runaway"] == "no"
    last = cells(lines[-1])
    assert last["label"] == "runaway_run" and last["runaway"] == "yes"
    assert last["burst_rate_hz"] == "nan"
    assert figure == tmp_path / "out" / "compare.png"
    assert figure.read_bytes()[:8] == PNG_MAGIC


def test_groups_mean_and_spread_over_seeds(sweep):
    runs = load_runs([sweep])
    groups = dose_groups(runs, "burst_rate_hz")
    assert [(g.dose, g.mg_mM, g.n_runs) for g in groups] == [(0, 0, 3), (10, 0, 3), (100, 0, 3)]
    np.testing.assert_allclose([g.mean for g in groups], [0.2, 0.3, 1.2])
    np.testing.assert_allclose([g.sd for g in groups], [0.1, 0.1, 0.1])


def test_runaway_runs_drop_out_of_means_and_count_as_runaway(tmp_path):
    root = tmp_path / "runs"
    write_summary(root / "ok", dose=100.0, burst_rate_hz=0.4)
    write_summary(root / "hot", dose=100.0, burst_rate_hz=math.nan, runaway=True, seed=2)
    runs = load_runs([root])
    (rate,) = dose_groups(runs, "burst_rate_hz")
    assert rate.n_runs == 2 and rate.values.tolist() == [0.4] and rate.mean == 0.4
    (frac,) = dose_groups(runs, "runaway")
    assert frac.mean == pytest.approx(0.5)


def test_ltp_runs_show_ltp_percent_and_several_mg_levels_plot(tmp_path):
    root = tmp_path / "mixed"
    write_summary(root / "ltp_0", dose=0.0, protocol="ltp", ltp_percent=25.0)
    write_summary(root / "ltp_100", dose=100.0, protocol="ltp", ltp_percent=-10.5)
    write_summary(root / "epi_mg0", dose=0.0, mg=0.0)
    write_summary(root / "epi_mg1", dose=0.0, mg=1.0)
    runs = load_runs([root])
    table = format_table(runs)
    header = table.splitlines()[0].split()
    assert header[-1] == "ltp_percent" and "burst_rate_hz" in header
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:]}
    assert rows["ltp_100"][-1] == "-10.5" and rows["ltp_100"][6] == "-"
    assert rows["epi_mg1"][-1] == "-" and rows["epi_mg1"][3] == "1"
    _, figure = compare([root], out=tmp_path / "fig.png")
    assert figure == tmp_path / "fig.png" and figure.read_bytes()[:8] == PNG_MAGIC


def test_human_dose_in_mg_and_default_figure_place(tmp_path, monkeypatch):
    run = write_summary(tmp_path / "human_run", dose=1200.0, human=True)
    monkeypatch.chdir(tmp_path)
    table, figure = compare([run])
    assert "1200 mg " in table.splitlines()[2] + " "
    assert "mg/kg" not in table.splitlines()[2]
    # a new folder, never the run's own
    assert figure.resolve() == tmp_path / "results" / "compare" / "human_run" / "compare.png"
    assert figure.exists() and not (run / "compare.png").exists()
    assert (figure.parent / "compare.txt").read_text().strip() == table


@pytest.mark.parametrize("what, a, b", [
    ("protocol.duration_s", {"duration": 5.0}, {"duration": 20.0}),
    ("[network]", {"n_exc": 3200}, {"n_exc": 640}),
])
def test_runs_of_different_duration_or_network_are_refused(tmp_path, capsys, what, a, b):
    """A 5 s run pooled with 20 s runs as one condition was the silent failure."""
    from sim.cli import main

    short = write_summary(tmp_path / "short", dose=0.0, **a)
    long = write_summary(tmp_path / "long", dose=0.0, **b)
    with pytest.raises(InputError, match=rf"differ in {__import__('re').escape(what)}"):
        compare([short, long], out=tmp_path / "cmp")
    assert not (tmp_path / "cmp").exists()
    assert main(["compare", str(short), str(long), "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "short" in err[0] and "long" in err[0]
