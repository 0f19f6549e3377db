"""The scripts under scripts/ take milasim's own path from a dose to the receptors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.conditions import receptor_state
from sim.config import load_config
from sim.protocols import ltp

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ltp_figures_honours_the_mechanism_switches(monkeypatch, tmp_path):
    """Before, the script took the pk report's glycine and ignored ``[mechanisms]``."""
    script = load_script("ltp_figures")
    seen = []
    monkeypatch.setattr(ltp.Ltp, "simulate", lambda self, cfg, state, *a, **k: state)
    monkeypatch.setattr(ltp, "analyse", lambda cfg, state, sim: seen.append(state) or state)
    base = load_config(ROOT / "configs" / "ltp.toml").replace({"drug.dose_mg_per_kg": 100.0})
    off = base.replace({"mechanisms.nmda_coagonism": False})
    on_state, off_state = script.run(base, tmp_path), script.run(off, tmp_path)
    assert seen == [on_state, off_state]
    no_drug = receptor_state(base.replace({"drug.dose_mg_per_kg": 0.0})).occupancy["exc"].before
    assert on_state.occupancy["exc"].before > no_drug + 0.1
    assert off_state.occupancy["exc"].before == pytest.approx(no_drug)


def test_effect_sizes_gives_intervals_and_hedges_g(tmp_path, capsys):
    script = load_script("effect_sizes")
    rows = ["dose,rate", "0,1", "0,2", "0,3", "100,3", "100,4", "100,5", "100,"]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n")
    assert script.main([str(tmp_path / "s.csv"), "--by", "dose", "--metrics", "rate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    zero, dosed = lines[2].split("|"), lines[3].split("|")
    assert zero[3].strip() == "3" and zero[4].strip().startswith("2 [")  # 2 +- 4.303 * 1/sqrt(3)
    assert "-0.484" in zero[4] and "4.48" in zero[4]
    assert dosed[3].strip() == "3"  # the empty cell is left out
    assert dosed[5].strip().startswith("2 [")  # 4 - 2
    # Hedges' g: difference 2 over pooled SD 1, times 1 - 3 / (4 * 6 - 9) = 0.8
    assert dosed[6].strip() == "1.6"
    assert script.main([str(tmp_path / "s.csv"), "--by", "dose", "--metrics", "nope"]) == 2
    # --where keeps a slice: only the dosed runs whose rate is 3
    capsys.readouterr()
    assert script.main([str(tmp_path / "s.csv"), "--by", "dose", "--metrics", "rate",
                        "--where", "rate=3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["0", "100"]
    assert all(line.split("|")[3].strip() == "1" for line in lines[2:])
    assert script.main([str(tmp_path / "s.csv"), "--by", "dose", "--metrics", "rate",
                        "--where", "dose=7"]) == 2


def test_config_reference_is_current():
    """docs/config.md is generated from the schema; a new or changed key must regenerate it."""
    script = load_script("config_reference")
    assert script.main(["--check"]) == 0, "run: python scripts/config_reference.py"
    text = script.OUT.read_text()
    assert "| `k_mM` | 3.5 |" in text and "## `[protocol] of ltp`" in text


def test_reanalyse_ictal_redetects_with_other_settings(tmp_path):
    """A run whose two 4 s events are interictal at the default 10 s floor and ictal at 2.5 s."""
    from sim.store import write_run
    from tests.test_figures_network import synthetic_run

    script = load_script("reanalyse_ictal")
    run = synthetic_run(duration=20.0, bursts=((4.0, 8.0), (12.0, 16.0)))
    (tmp_path / "r1").mkdir()
    write_run(tmp_path / "r1" / "run.h5", run)
    assert run.analysis["ictal_event_count"] == 0
    out = tmp_path / "re.csv"
    assert script.main([str(tmp_path), "--set", "ictal_min_duration_s=2.5", "--out", str(out)]) == 0
    import csv

    (row,) = list(csv.DictReader(out.open()))
    assert row["ictal_event_count"] == "2" and row["runaway"] == "False"
    assert abs(float(row["mean_ictal_duration_s"]) - 4.0) < 0.1
    # the interictal detector runs again too: a threshold key changes both scales
    assert script.main([str(tmp_path), "--set", "burst_min_excess_hz=1000", "--out", str(out)]) == 0
    (row,) = list(csv.DictReader(out.open()))
    assert row["n_bursts"] == "0" and row["ictal_event_count"] == "0"
    assert float(row["threshold_rate_hz"]) > 1000
    assert script.main([str(tmp_path), "--set", "nope=1", "--out", str(out)]) == 2


def test_reanalyse_ictal_draws_the_sweep_figures_of_the_reanalysed_runs(tmp_path):
    """Two runs that differ in network size: the size is the figure's axis, the table has it."""
    import csv
    import json

    from sim.store import write_run
    from tests.test_figures_network import synthetic_run

    script = load_script("reanalyse_ictal")
    for name, n_exc in (("a", 400), ("b", 300)):
        (tmp_path / "runs" / name).mkdir(parents=True)
        write_run(tmp_path / "runs" / name / "run.h5",
                  synthetic_run(n_exc=n_exc, duration=20.0, bursts=((4.0, 8.0), (12.0, 16.0))))
    out = tmp_path / "re"
    assert script.main([str(tmp_path / "runs"), "--out", str(out / "s.csv"),
                        "--figures", str(out / "figures")]) == 0
    (png,) = (out / "figures").glob("*.png")
    table = png.with_suffix(".md").read_text()
    assert "300" in table and "400" in table and "burst rate" in table
    # a sweep's folder: its own swept keys and axes (sweep.json), a run of another grid left out
    (tmp_path / "runs" / "sweep.json").write_text(json.dumps({
        "swept_keys": ["experiment.description"], "axes": [{"keys": ["experiment.description"]}],
        "runs": [{"run_id": "a", "experiment.description": "large network"}]}))
    assert script.main([str(tmp_path / "runs"), "--out", str(out / "g.csv"),
                        "--figures", str(out / "grid")]) == 0
    (row,) = list(csv.DictReader((out / "g.csv").open()))
    assert row["experiment.description"] == "large network" and row["run"] == "a"


def test_memory_figures_draw_and_tabulate_the_three_designs(tmp_path):
    """Synthetic sweep.csv files with the memory sweeps' columns: every figure and table is made,
    and the table holds the means of the rows it names."""
    import csv

    script = load_script("memory_figures")
    metrics = {"step_through_latency_s": 100.0, "recall_overlap": 0.2, "retention_index": 0.8,
               "stored_fraction": 0.7, "occupancy_training": 0.42, "occupancy_delay_mean": 0.42,
               "occupancy_test": 0.42}

    def write(name, rows):
        path = tmp_path / name
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return path

    rodent = [{"drug.dose_mg_per_kg": dose, "bath.apv_uM": apv, "protocol.delay_h": delay,
               "protocol.drug_timing": timing, "simulation.seed": seed,
               **metrics, "recall_overlap": 0.1 * seed + (0.3 if dose else 0.0)}
              for dose in (0, 10) for apv in (0, 50) for delay in (24, 336)
              for timing in script.TIMINGS for seed in (1, 2, 3)]
    cases = [{"experiment.description": case, "protocol.delay_h": delay, "simulation.seed": seed,
              **metrics} for case in ("vehicle", "drug") for delay in (1, 24) for seed in (1, 2)]
    out = tmp_path / "figs"
    assert script.main(["--rodent", str(write("r.csv", rodent)), "--translation",
                        str(write("t.csv", cases)), "--retention", str(write("q.csv", cases)),
                        "--out", str(out)]) == 0
    for name in ("rodent", "translation", "retention"):
        assert (out / f"results_memory_{name}.png").stat().st_size > 10_000
    table = (out / "results_memory_rodent.md").read_text()
    # 10 mg/kg rows: overlaps 0.4, 0.5, 0.6 -> mean 0.5; vehicle 0.1, 0.2, 0.3 -> 0.2
    assert "| 24 h | before training | 10 mg/kg | 3 | 100 ± 0 | 0.5 ± 0.25 |" in table
    assert "| 24 h | before training | vehicle | 3 | 100 ± 0 | 0.2 ± 0.25 |" in table
    assert script.main(["--rodent", str(tmp_path / "missing.csv")]) == 2


def test_ltp_activation_scan_sets_the_activation_it_is_given(monkeypatch, capsys):
    """The scan hands the preparation exactly the activations asked for (the rest of the receptor
    state is configs/ltp.toml's), one line each; bad input is one line and exit 2."""
    from types import SimpleNamespace

    script = load_script("ltp_activation_scan")
    seen = []

    def fake_run(cfg, workdir, *, state):
        seen.append((cfg.protocol.induction, cfg.plasticity.ca_slow_uM_per_ms, state))
        return SimpleNamespace(ltp_percent=-20.0, baseline_drift_percent=-0.5)

    monkeypatch.setattr(script.ltp, "run_ltp", fake_run)
    assert script.main(["lfs", "0.66", "0.78", "--set", "plasticity.ca_slow_uM_per_ms=0"]) == 0
    assert [s[2].occupancy["exc"].before for s in seen] == [0.66, 0.78]
    assert all(s[0] == "lfs" and s[1] == 0.0 for s in seen)
    config_state = receptor_state(load_config(ROOT / "configs" / "ltp.toml"))
    assert seen[0][2].occupancy["inh"] == config_state.occupancy["inh"]
    assert len(capsys.readouterr().out.strip().splitlines()) == 3  # header + 2 rows
    assert script.main(["lfs", "0.5", "--set", "plasticity.no_such_key=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "plasticity.no_such_key" in err[0]


def test_long_discharges_counts_per_group(monkeypatch, tmp_path, capsys):
    import numpy as np

    script = load_script("long_discharges")
    (tmp_path / "sweep.csv").write_text("run_id,dose\na,0\nb,0\nc,400\n")
    stored = {"a": [0.5, 2.0, 4.1], "b": [0.6], "c": []}
    monkeypatch.setattr(script, "durations", lambda run: np.array(stored[run.name]))
    assert script.main([str(tmp_path), "--by", "dose", "--min-s", "2"]) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert [[c.strip() for c in r] for r in rows] == [["0", "1 / 2", "2, 0", "4.1, 0.6"],
                                                      ["400", "0 / 1", "0", "0.0"]]
    assert script.main([str(tmp_path), "--by", "nope"]) == 2
    assert script.main([str(tmp_path / "missing"), "--by", "dose"]) == 2


def test_event_zoom_draws_a_window_and_refuses_one_outside_the_run(tmp_path, capsys):
    """A 20 s run with one 8 s burst (ictal at the 2.5 s floor): the close-up is drawn; a window
    past the end is one line naming --from/--to, exit 2, nothing written."""
    import numpy as np

    from sim.store import write_run
    from tests.test_figures_network import assert_png, synthetic_run

    script = load_script("event_zoom")
    run = synthetic_run(duration=20.0, bursts=((6.0, 14.0),))
    t = np.arange(0, 20.0, 0.01)
    run.put("traces", "ions_t_s", t, "s")
    run.put("traces", "k_o_mM", 3.5 + 4.0 * ((t > 6) & (t < 14)), "mM")
    run.put("traces", "na_in_exc_mM", np.full(t.size, 10.0), "mM")
    write_run(tmp_path / "run.h5", run)
    out = tmp_path / "zoom.png"
    assert script.main([str(tmp_path), "--from", "2", "--to", "18", "--out", str(out),
                        "--set", "ictal_min_duration_s=2.5",
                        "--set", "phase_threshold_fraction=0.25"]) == 0
    assert_png(out)
    bad = tmp_path / "bad.png"
    assert script.main([str(tmp_path), "--from", "2", "--to", "30", "--out", str(bad)]) == 2
    assert "--from/--to" in capsys.readouterr().err and not bad.exists()
    assert script.main([str(tmp_path), "--from", "2", "--to", "18", "--out", str(bad),
                        "--set", "nope=1"]) == 2
    assert "nope" in capsys.readouterr().err and not bad.exists()


def test_event_floor_finds_the_quiet_between_clonic_bursts(monkeypatch, tmp_path, capsys):
    """Two complete events on a 1 ms trace from t = 2 s: 10-20 s sustained at 150 Hz with one
    0.3 s dip to 60 Hz (floor 60 at 0.25 s bins), 30-40 s bursts of 0.2 s at 2 Hz over silence
    (floor 0: the bin 30.75-31 s falls between two bursts); an event cut by the end is left
    out."""
    import numpy as np

    script = load_script("event_floor")
    rate = np.zeros(58_000)  # 2-60 s

    def at(t):
        return round((t - 2.0) * 1000)

    rate[at(10):at(20)] = 150.0
    rate[at(15):at(15.3)] = 60.0
    for k in range(20):
        rate[at(30 + 0.5 * k):at(30.2 + 0.5 * k)] = 200.0
    rate[at(55):] = 150.0
    analysis = {"detection/rate_hz": rate, "detection/bin_s": 1e-3, "detection/t_start_s": 2.0,
                "ictal/start_s": np.array([10.0, 30.0, 55.0]),
                "ictal/stop_s": np.array([20.0, 40.0, 60.0]),
                "ictal/complete": np.array([1, 1, 0])}
    floors = script.event_floors(analysis, 0.25, 0.5)
    assert [d for d, _ in floors] == [10.0, 10.0]
    assert floors[0][1] == pytest.approx(60.0)  # the 0.3 s dip fills one whole 0.25 s bin
    assert floors[1][1] == pytest.approx(0.0)  # 30.7-30.95 s: between two bursts
    assert script.event_floors(analysis, 0.25, 5.0) == []  # no bin between the edges

    class Run:
        def __init__(self, a):
            self.analysis = a

    (tmp_path / "sweep.csv").write_text("run_id,u\na,0.2\n")
    monkeypatch.setattr(script, "read_run", lambda path: Run(analysis))
    assert script.main([str(tmp_path), "--by", "u"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "| 0.2 | 2 | 10.0, 10.0 | 60, 0 |"
    assert script.main([str(tmp_path), "--by", "nope"]) == 2
    assert script.main([str(tmp_path), "--by", "u", "--bin-s", "0"]) == 2
