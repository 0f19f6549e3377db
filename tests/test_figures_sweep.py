"""Sweep figures from synthetic sweep tables: zip groups as one factor, labelled cases, the x/hue
choice, pooled protocols, the Markdown tables and the frequency-response figure."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.sweeps import load_experiment
from sim.figures.sweep import (
    Factor,
    _x_axis,
    choose_axes,
    choose_factors,
    crossover_hz,
    plot_sweep,
    t_interval,
    tick_labels,
)
from sim.sweeps.layout import SweepLayout
from sim.sweeps.table import SweepTable, collect

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DOSE, SEED, DESC = "drug.dose_mg_per_kg", "simulation.seed", "experiment.description"
GLYR, INTER = "mechanisms.tonic_glyr", "mechanisms.nmda_on_interneurons"


def md_rows(path):
    """The body rows of a Markdown table written by the figures, as lists of cells."""
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith("| ")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]


def mechanism_table() -> SweepTable:
    labels = ["co-agonism only", "+ tonic GlyR", "+ interneurons"]
    steps = [(labels[0], False, False), (labels[1], True, False), (labels[2], True, True)]
    rows = []
    for dose in (0, 100, 200, 400):
        for seed in (1, 2, 3):
            for k, (label, glyr, inter) in enumerate(steps):
                rows.append({DOSE: dose, SEED: seed, DESC: label, GLYR: glyr, INTER: inter,
                             "glycine_uM": 2.6 + dose / 100,
                             "glycine_site_occupancy": 0.42 + dose / 1000,
                             "burst_rate_hz": 0.2 + dose / 1000 * (1 - k) + seed / 100,
                             "runaway": False})
    return SweepTable(swept=[DOSE, SEED, DESC, GLYR, INTER],
                      metrics=["glycine_uM", "glycine_site_occupancy", "burst_rate_hz",
                               "runaway"],
                      rows=rows, axes=[(DOSE,), (SEED,), (DESC, GLYR, INTER)])


def test_a_zip_group_is_one_hue_named_by_its_description(tmp_path):
    table = mechanism_table()
    x, hue, others, pooled = choose_factors(table)
    assert x.keys == (DOSE,) and hue.keys == (DESC, GLYR, INTER) and not others and not pooled
    assert choose_axes(table) == (DOSE, DESC, [])
    paths = plot_sweep(table, tmp_path, title="mechanisms")
    assert [p.name for p in paths] == ["dose_response.png"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    rows = md_rows(tmp_path / "dose_response.md")
    header, body = rows[0], rows[1:]
    # no run ran away: no runaway column; the metrics in panel order
    assert header == ["milacemide dose (mg/kg)", "condition", "seeds", "extracellular glycine (µM)",
                      "NMDA glycine-site occupancy", "burst rate (Hz)"]
    assert [r[:2] for r in body[:3]] == [["0", "co-agonism only"], ["0", "+ tonic GlyR"],
                                        ["0", "+ interneurons"]]
    assert len(body) == 12 and all(r[2] == "3" for r in body)
    # 400 mg/kg, co-agonism only: seeds 1..3 -> 0.6 + 0.01 s, mean 0.62 +- t(2) SD / sqrt(3)
    cell = next(r for r in body if r[:2] == ["400", "co-agonism only"])[5]
    mean, low, high = t_interval([0.61, 0.62, 0.63])
    assert cell == f"{mean:.3g} ± {(high - low) / 2:.3g}"
    # the same figure with a run that ran away gets a runaway panel (fraction of runs)
    table.rows[0]["runaway"] = True
    plot_sweep(table, tmp_path / "r")
    assert md_rows(tmp_path / "r" / "dose_response.md")[0][-1] == "fraction of runs runaway"


def test_without_a_description_a_zip_group_is_named_by_all_its_keys():
    f = Factor((GLYR, INTER))
    assert f.text((True, False)) == "tonic GlyR on, NMDA on interneurons off"
    assert Factor((DOSE, "drug.time_after_dose_h")).text((100, 3.0)) == "100 mg/kg, 3 h after dose"
    assert Factor((DOSE, "drug.time_after_dose_h")).key == DOSE
    assert Factor(("bath.mg_mM",)).text((0.5,)) == "0.5 mM Mg²⁺"


def test_two_doses_become_the_hue_of_a_longer_numeric_axis(tmp_path):
    rows = [{DOSE: dose, "bath.mg_mM": mg, SEED: seed, "burst_rate_hz": 0.3 - mg / 10,
             "glycine_uM": 2.6 + dose / 100}
            for mg in (0.0, 0.25, 0.5, 1.0, 2.0) for dose in (0, 400) for seed in (1, 2)]
    table = SweepTable(swept=["bath.mg_mM", DOSE, SEED], metrics=["glycine_uM", "burst_rate_hz"],
                       rows=rows)  # no axes given: one factor per key
    assert choose_axes(table) == ("bath.mg_mM", DOSE, [])
    assert [p.name for p in plot_sweep(table, tmp_path)] == ["mg_mM_response.png"]
    body = md_rows(tmp_path / "mg_mM_response.md")[1:]
    assert [r[:2] for r in body[:2]] == [["0", "0 mg/kg"], ["0", "400 mg/kg"]]
    # three or more doses: the dose is x again
    rows3 = [dict(r, **{DOSE: 200}) for r in rows if r[DOSE] == 400]
    table.rows += rows3
    assert choose_axes(table)[:2] == (DOSE, "bath.mg_mM")


def test_labelled_cases_are_a_categorical_axis_in_grid_order(tmp_path, base_experiment):
    exp = load_experiment(base_experiment)
    layout = SweepLayout(tmp_path / "out")
    for p in exp.points:
        fake_run(layout, p.config, burst_rate_hz=0.1 * p.config.simulation.seed
                 + (0.05 if p.config.drug.mao_b_inhibitor == "deprenyl" else 0.0))
    table = collect(layout, exp)
    assert table.axes == [(SEED,), (DESC, DOSE, "drug.mao_b_inhibitor", "drug.mao_a_inhibitor")]
    x, hue, others, _ = choose_factors(table)
    assert x.key == DESC and hue is None and not others
    paths = plot_sweep(table, layout.figures)
    assert [p.name for p in paths] == ["conditions.png"]
    body = md_rows(layout.figures / "conditions.md")[1:]
    # grid order, not alphabetical
    assert [r[0] for r in body] == ["no drug", "400 mg/kg", "400 mg/kg + deprenyl",
                                    "400 mg/kg + clorgyline"]
    assert body[2][-1] == f"{0.2:.3g} ± {(t_interval([0.15, 0.25])[2] - 0.2):.3g}"


def test_a_protocol_factor_is_pooled_each_metric_from_the_runs_that_report_it(tmp_path):
    cases = ["no drug", "mouse 10 mg/kg", "human 400 mg"]
    rows = []
    for case, gly in zip(cases, (2.6, 2.7, 2.68)):
        for protocol, mg in (("epileptiform", 0.0), ("ltp", 1.0)):
            for seed in (1, 2):
                row = {DESC: case, "experiment.protocol": protocol, "bath.mg_mM": mg,
                       SEED: seed, "glycine_uM": gly}
                if protocol == "ltp":
                    row["ltp_percent"] = 20.0 + seed
                else:
                    row["burst_rate_hz"] = 0.2
                rows.append(row)
    table = SweepTable(swept=[DESC, "experiment.protocol", "bath.mg_mM", SEED],
                       metrics=["glycine_uM", "burst_rate_hz", "ltp_percent"], rows=rows,
                       axes=[(DESC,), ("experiment.protocol", "bath.mg_mM"), (SEED,)])
    x, hue, others, pooled = choose_factors(table)
    assert x.key == DESC and hue is None and not others
    assert [f.keys for f in pooled] == [("experiment.protocol", "bath.mg_mM")]
    assert [p.name for p in plot_sweep(table, tmp_path)] == ["conditions.png"]
    header, *body = md_rows(tmp_path / "conditions.md")
    assert header == ["condition", "seeds", "extracellular glycine (µM)", "burst rate (Hz)",
                      "LTP, efficacy change after induction (%)"]
    assert [r[0] for r in body] == cases
    assert body[1][2] == "2.7" and body[1][3] == "0.2"
    assert body[1][4] == f"21.5 ± {t_interval([21.0, 22.0])[2] - 21.5:.3g}"


def test_frequency_series_get_a_frequency_response_figure_and_table(tmp_path):
    rows = []
    for dose in (0, 100):
        for seed in (1, 2):
            curve = {1: -20.0, 3: -10.0, 10: 10.0, 100: 60.0} if dose == 0 else \
                {1: 5.0, 3: 10.0, 10: 30.0, 100: 80.0}
            row = {DOSE: dose, SEED: seed, "glycine_uM": 2.6 + dose / 100,
                   "ltp_percent": curve[100] + seed}
            row.update({f"ltp_percent_by_frequency.{f}": v + seed for f, v in curve.items()})
            rows.append(row)
    metrics = ["glycine_uM", "ltp_percent"] + [f"ltp_percent_by_frequency.{f}"
                                               for f in (1, 10, 100, 3)]
    table = SweepTable(swept=[DOSE, SEED], metrics=metrics, rows=rows)
    names = [p.name for p in plot_sweep(table, tmp_path)]
    assert names == ["dose_response.png", "frequency_response.png"]
    assert (tmp_path / "frequency_response.png").read_bytes()[:8] == PNG_MAGIC
    header, *body = md_rows(tmp_path / "frequency_response.md")
    assert header == ["curve", "seeds", "1 Hz", "3 Hz", "10 Hz", "100 Hz", "crossover (Hz)"]
    assert body[0][0] == "0 mg/kg" and body[1][0] == "100 mg/kg"
    # means -18.5, -8.5, 11.5: crossover between 3 and 10 Hz, log-interpolated
    expected = math.exp(math.log(3) + (math.log(10) - math.log(3)) * 8.5 / 20.0)
    assert body[0][-1] == f"{expected:.3g}"
    assert body[1][-1] == "–"  # never <= 0: no crossover


def test_crossover_hz():
    assert crossover_hz([1, 10, 100], [-10, 10, 50]) == pytest.approx(math.sqrt(10))
    assert crossover_hz([100, 1, 10], [50, -10, 10]) == pytest.approx(math.sqrt(10))
    assert math.isnan(crossover_hz([1, 10], [5, 10]))
    assert math.isnan(crossover_hz([1, 10], [-5, -1]))


def test_time_and_mg_axes_stay_linear_doses_over_decades_go_symlog():
    fig = Figure()
    times = [(t,) for t in (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)]
    ax = fig.add_subplot(121)
    _x_axis(ax, Factor(("drug.time_after_dose_h",)), times, numeric=True)
    assert ax.get_xscale() == "linear" and ax.get_xlabel() == "time after dose (h)"
    ax = fig.add_subplot(122)
    _x_axis(ax, Factor((DOSE,)), [(d,) for d in (0, 10, 100, 400)], numeric=True)
    assert ax.get_xscale() == "symlog"
    np.testing.assert_allclose(ax.get_xticks(), [0, 10, 100, 400])


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def base_experiment(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "base.toml").write_text("[bath]\nmg_mM = 0.0\n")
    path = tmp_path / "mao.toml"
    path.write_text(textwrap.dedent("""
        extends = "configs/base.toml"
        [sweep]
        "simulation.seed" = [1, 2]
        [[sweep.zip]]
        "experiment.description" = ["no drug", "400 mg/kg", "400 mg/kg + deprenyl",
                                    "400 mg/kg + clorgyline"]
        "drug.dose_mg_per_kg" = [0, 400, 400, 400]
        "drug.mao_b_inhibitor" = ["none", "none", "deprenyl", "none"]
        "drug.mao_a_inhibitor" = ["none", "none", "none", "clorgyline"]
    """))
    return path


def fake_run(layout: SweepLayout, cfg, **metrics) -> None:
    """A finished run folder as the sweep leaves it (summary.json as sim.runner writes it)."""
    folder = layout.run_dir(cfg.config_hash())
    folder.mkdir(parents=True)
    summary = {"glycine_uM": 2.6 + cfg.drug.dose_mg_per_kg / 100, "glycine_baseline_uM": 2.6,
               "glycine_site_occupancy": 0.42, "seed": cfg.simulation.seed,
               "config_hash": cfg.config_hash(), "wall_time_s": 1.0, "runaway": False,
               "config": cfg.to_dict(), **metrics}
    (folder / "summary.json").write_text(json.dumps(summary))


def test_crowded_ticks_on_a_linear_axis_lose_their_labels_not_their_marks():
    assert tick_labels([0.0, 0.1, 0.25, 0.5, 1.0, 2.0]) == ["0", "", "0.25", "0.5", "1", "2"]
    assert tick_labels([0.0, 0.5, 1.0, 2.0, 4.0, 8.0]) == ["0", "0.5", "1", "2", "4", "8"]
    assert tick_labels([2.0, 0.0, 0.1]) == ["2", "0", ""]  # in the order given
    fig = Figure()
    ax = fig.add_subplot()
    _x_axis(ax, Factor(("bath.mg_mM",)), [(v,) for v in (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)],
            numeric=True)
    assert len(ax.get_xticks()) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "", "0.25", "0.5", "1", "2"]


def test_values_equal_up_to_rounding_have_no_interval_and_inductions_have_names():
    mean, low, high = t_interval([0.1 + 0.2, 0.3, 0.3])  # 0.30000000000000004 and 0.3
    assert mean == pytest.approx(0.3) and low == high == mean
    mean, low, high = t_interval([1.0, 1.001])
    assert low < mean < high
    assert Factor(("protocol.induction",)).text(("tbs",)) == "TBS"
    assert Factor(("protocol.induction",)).text(("frequency_series",)) == "frequency series"


def test_a_huge_two_seed_interval_is_cut_at_the_axis_not_squashing_the_panel():
    from sim.figures.sweep import _panel

    # one dose where one seed bursts and the other does not: t interval +-2.5 Hz around 0.2 Hz
    rows = [{DOSE: dose, SEED: seed, "burst_rate_hz": value}
            for dose, values in ((0, (0.16, 0.17)), (100, (0.0, 0.39)), (200, (0.0, 0.0)))
            for seed, value in zip((1, 2), values)]
    x = Factor((DOSE,))
    fig = Figure()
    ax = fig.add_subplot()
    assert _panel(ax, rows, "burst_rate_hz", x, [(0,), (100,), (200,)], True, None, [None])
    top = ax.get_ylim()[1]
    assert 0.39 < top < 0.39 * 2  # every run in view, the 2.7 Hz interval top is not
    assert any("interval cut" in t.get_text() for t in ax.texts)

    # ordinary spread: the axis is left alone and nothing is said
    fig = Figure()
    ax = fig.add_subplot()
    calm = [dict(r, burst_rate_hz=0.2 + 0.01 * r[SEED]) for r in rows]
    _panel(ax, calm, "burst_rate_hz", x, [(0,), (100,), (200,)], True, None, [None])
    assert not ax.texts


def test_an_experiment_chooses_its_panels(tmp_path):
    """``[figures] metrics`` in an experiment file: only those panels, in that order (the burst
    AHP experiments leave out the ictal panels, which read trains of brief bursts as seizures)."""
    from sim.errors import ConfigError

    base = tmp_path / "base.toml"
    base.write_text('[experiment]\nprotocol = "epileptiform"\n')
    exp = tmp_path / "e.toml"
    exp.write_text('extends = "base.toml"\n[sweep]\n"drug.dose_mg_per_kg" = [0, 100, 400]\n'
                   '[figures]\nmetrics = ["burst_rate_hz", "glycine_uM"]\n')
    experiment = load_experiment(exp)
    assert experiment.figure_metrics == ("burst_rate_hz", "glycine_uM")
    assert experiment.manifest()["figure_metrics"] == ["burst_rate_hz", "glycine_uM"]
    table = mechanism_table()
    plot_sweep(table, tmp_path / "f", metrics=experiment.figure_metrics)
    header = md_rows(tmp_path / "f" / "dose_response.md")[0]
    assert header == ["milacemide dose (mg/kg)", "condition", "seeds", "burst rate (Hz)",
                      "extracellular glycine (µM)"]
    for bad, match in (('metrics = ["no_such_metric"]', "unknown metric 'no_such_metric'"),
                       ("metrics = []", "non-empty list"), ('panels = ["x"]', "one key")):
        exp.write_text('extends = "base.toml"\n[sweep]\n"drug.dose_mg_per_kg" = [0, 100]\n'
                       f"[figures]\n{bad}\n")
        with pytest.raises(ConfigError, match=match):
            load_experiment(exp)
