"""The notebook API (sim.run / sim.load / sim.sweep / sim.pk): what the CLI does, as Python objects."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parents[1]
EPILEPTIFORM = ROOT / "configs" / "epileptiform.toml"


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """The issue's one-liner: a 3 s run of the seizure config (the small network's build)."""
    return sim.run(str(EPILEPTIFORM), set={"protocol.duration_s": 3},
                   out=tmp_path_factory.mktemp("api") / "run")


def test_run_returns_summary_spikes_rates_traces_with_units_in_names(short_run):
    r = short_run
    assert math.isfinite(r.summary["rate_exc_hz"]) and r.summary["rate_exc_hz"] > 0
    assert r.protocol == "epileptiform" and r.duration_s == pytest.approx(3.0)
    exc = r.spikes["exc"]
    assert exc.n_nodes == 640 and exc.times_s.dtype == np.float64 and exc.node_ids.dtype == np.int32
    assert np.all(np.diff(exc.times_s) >= 0) and exc.times_s.max() <= 3.0
    # the rate is the spikes binned: the same count
    assert r.rates_hz["exc"].sum() * r.rate_dt_s * exc.n_nodes == pytest.approx(exc.times_s.size)
    assert r.rate_t_s.size == r.rates_hz["exc"].size and r.rate_t_s[1] == pytest.approx(r.rate_dt_s)
    assert {"v_exc_mV", "k_o_mM", "t_s"} <= set(r.traces)
    assert r.units["traces"]["v_exc_mV"] == "mV" and r.units["traces"]["k_o_mM"] == "mM"
    assert r.config.protocol.duration_s == 3.0
    assert "glycine_site_occupancy" in r.conditions or r.conditions


def test_load_reads_the_same_run_back_and_redraws_its_figures(short_run, tmp_path):
    again = sim.load(short_run.path / "run.h5")
    assert again.summary == short_run.summary
    np.testing.assert_array_equal(again.spikes["inh"].times_s, short_run.spikes["inh"].times_s)
    paths = again.figures(tmp_path / "figs")
    assert paths and all(p.is_file() and p.stat().st_size > 10_000 for p in paths)
    with pytest.raises(InputError, match="not a finished run folder"):
        sim.load(tmp_path)


def test_a_config_object_with_a_dose_and_a_seed_runs_into_its_own_folder(short_run, tmp_path):
    dosed = sim.run(short_run.config, set={"drug.dose_mg_per_kg": 400}, seed=2,
                    out=tmp_path / "dosed")
    assert dosed.path != short_run.path and dosed.summary["seed"] == 2
    assert dosed.summary["glycine_site_occupancy"] > short_run.summary["glycine_site_occupancy"]


def test_bad_input_is_the_command_lines_error():
    with pytest.raises(ConfigError, match="bath.mg_mM"):
        sim.run(str(EPILEPTIFORM), set={"bath.mg_mM": -1})
    with pytest.raises(ConfigError, match="no_such_key"):
        sim.pk(str(EPILEPTIFORM), set={"drug.no_such_key": 1})
    with pytest.raises(InputError, match="no such file"):
        sim.run("configs/none.toml")


def test_pk_gives_scalars_and_time_courses():
    base = sim.pk(str(ROOT / "configs" / "default.toml"))
    dosed = sim.pk(str(ROOT / "configs" / "default.toml"), set=["drug.dose_mg_per_kg=100"])
    assert dosed.summary["glycine_site_occupancy"] > base.summary["glycine_site_occupancy"]
    tc = dosed.time_course
    assert {"t_h", "glycine_uM", "glycinamide_uM"} <= set(tc)
    assert tc["t_h"].shape == tc["glycine_uM"].shape and tc["glycine_uM"].max() > 0
    assert "glycine" in dosed.table()


@pytest.mark.cluster
def test_sweep_table_is_a_dataframe_of_the_finished_runs(tmp_path):
    import pandas as pd
    exp = tmp_path / "exp.toml"
    exp.write_text(f'extends = "{EPILEPTIFORM}"\n[protocol]\nduration_s = 1.0\n'
                   '[sweep]\n"drug.dose_mg_per_kg" = [0.0, 100.0]\n')
    import sim.sweeps

    s = sim.sweep(exp, out=tmp_path / "out", workers=1)
    assert s.report.exit_code == 0
    table = s.table
    assert isinstance(table, pd.DataFrame) and len(table) == 2
    assert list(table["drug.dose_mg_per_kg"]) == [0.0, 100.0]
    runs = s.runs()
    assert set(runs) == set(table["run_id"]) and len(s.rows) == 2
