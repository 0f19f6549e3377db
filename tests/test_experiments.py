"""Every worked experiment in experiments/ loads, validates and says why it exists.

Cheap: the grids are resolved and validated (drug model included), nothing is simulated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.pharmacology.dosing import resolve_regimen
from sim.sweeps import load_experiment
from sim.figures.sweep import choose_factors
from sim.sweeps.table import SweepTable

ROOT = Path(__file__).resolve().parents[1]
ALL_FILES = sorted((ROOT / "experiments").glob("*.toml"))
#: sweep experiments ([sweep]) and uncertainty experiments ([uncertainty], milasim uncertainty)
EXPERIMENTS = [p for p in ALL_FILES if "[uncertainty]" not in p.read_text()]
UNCERTAINTY_EXPERIMENTS = [p for p in ALL_FILES if "[uncertainty]" in p.read_text()]


def header(path: Path) -> str:
    """The comment block at the top of a file."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def test_there_are_experiments():
    names = {p.stem for p in EXPERIMENTS}
    assert {"dose_comparison", "epilepsy_dose_response", "mao_dependence", "time_course",
            "ltp_dose_response", "ltp_frequency_response", "translation",
            "mg_dependence"} <= names


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_experiment_loads_validates_and_has_a_header(path):
    exp = load_experiment(path)
    assert len(exp.points) >= 2
    assert len({p.run_id for p in exp.points}) == len(exp.points)
    text = header(path).lower()
    for word in ("question", "expected", "source"):
        assert word in text, f"{path.name}: the header comment names no {word}"


@pytest.mark.parametrize("path", UNCERTAINTY_EXPERIMENTS, ids=lambda p: p.stem)
def test_uncertainty_experiment_loads_and_has_a_header(path):
    from sim.uncertainty import load_uncertainty

    exp = load_uncertainty(path)
    # the drug model takes thousands of samples; a network a few (and the header says so)
    assert len(exp.model.labels) >= 2
    assert exp.total_runs > (1000 if exp.spec.model == "drug" else 10)
    text = header(path).lower()
    for word in ("question", "expected", "source", "run:"):
        assert word in text, f"{path.name}: the header comment names no {word}"


def test_every_experiment_file_is_one_kind_or_the_other():
    assert {p.stem for p in UNCERTAINTY_EXPERIMENTS} >= {"occupancy_uncertainty",
                                                         "translation_uncertainty"}
    assert len(EXPERIMENTS) + len(UNCERTAINTY_EXPERIMENTS) == len(ALL_FILES)


def _table(path: Path) -> SweepTable:
    """The experiment's grid as a sweep table without metrics (what its figures choose from)."""
    exp = load_experiment(path)
    rows = [dict(p.values) for p in exp.points]
    return SweepTable(swept=exp.swept_keys, metrics=[], rows=rows,
                      axes=[a.keys for a in exp.axes])


@pytest.mark.parametrize("name, x, hue", [
    ("epilepsy_dose_response", "drug.dose_mg_per_kg", "experiment.description"),
    ("mao_dependence", "experiment.description", None),
    ("time_course", "drug.time_after_dose_h", None),
    ("ltp_dose_response", "drug.dose_mg_per_kg", "protocol.induction"),
    ("translation", "experiment.description", None),
    ("mg_dependence", "bath.mg_mM", "drug.dose_mg_per_kg"),
])
def test_experiment_figures_put_the_question_on_the_axes(name, x, hue):
    chosen_x, chosen_hue, others, _ = choose_factors(_table(ROOT / "experiments" / f"{name}.toml"))
    assert chosen_x.key == x
    assert (chosen_hue.key if chosen_hue else None) == hue
    assert not others  # one figure per experiment


def test_translation_cases_are_the_source_documents_doses():
    exp = load_experiment(ROOT / "experiments" / "translation.toml")
    values = set()
    for p in exp.points:
        r = resolve_regimen(p.config.drug)
        values.add((r.species, round(r.dose_mg, 6), r.route, r.doses_per_day, r.days))
    assert ("mouse", 0.25, "ip", 1, 1) in values            # 10 mg/kg
    assert ("human", 400.0, "oral", 1, 1) in values         # 400 mg once
    assert ("human", 600.0, "oral", 2, 30) in values        # 1200 mg/day for a month
    assert any(v[0] == "rat" and v[1] > 0 for v in values)  # rats in learning tasks
    protocols = {p.config.experiment.protocol for p in exp.points}
    assert protocols == {"epileptiform", "ltp"}


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_validate_checks_every_grid_point_and_plans_the_sweep(path, tmp_path, capsys):
    """`milasim validate EXPERIMENT`: exit 0, the grid size, finished runs in --out, builds."""
    from sim.cli import main

    out = tmp_path / "out"
    assert main(["validate", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    n = len(load_experiment(path).points)
    assert f"ok, every grid point valid: {n} run(s)" in text
    assert f"already finished in {out}: 0 of {n}; {n} to run" in text
    assert "network builds:" in text and "to compile" in text
    assert not out.exists()  # nothing written


def test_validate_counts_finished_runs_and_refuses_a_bad_point(tmp_path, capsys):
    from sim.cli import main
    from sim.sweeps.layout import RUN_MARKER

    path = next(p for p in EXPERIMENTS if p.stem == "dose_comparison")
    first = load_experiment(path).points[0].run_id
    done = tmp_path / "out" / "runs" / first
    done.mkdir(parents=True)
    (done / RUN_MARKER).write_text("{}")
    assert main(["validate", str(path), "--out", str(tmp_path / "out")]) == 0
    assert "1 of " in capsys.readouterr().out
    # one bad value anywhere in the grid: exit 2, one line naming the key
    assert main(["validate", str(path), "--set", "sweep.bath.mg_mM=[1.0, -1.0]"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bath.mg_mM" in err[0]
