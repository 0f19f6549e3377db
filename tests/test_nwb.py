"""NWB export: nwbinspector finds no critical issue or violation; pynwb reads back the same spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.store import read_run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("nwb") / "run"
    assert main(["run", str(ROOT / "configs" / "epileptiform.toml"), "--quiet", "--out", str(out),
                 "--set", "protocol.duration_s=2", "--set", "drug.dose_mg_per_kg=100"]) == 0
    return out


def test_export_passes_nwbinspector_and_reads_back_bit_for_bit(run_dir, tmp_path):
    from nwbinspector import Importance, inspect_nwbfile
    from pynwb import NWBHDF5IO

    path = tmp_path / "run.nwb"
    assert main(["export", str(run_dir), "--nwb", str(path)]) == 0
    serious = [m for m in inspect_nwbfile(nwbfile_path=str(path))
               if m.importance in (Importance.CRITICAL, Importance.BEST_PRACTICE_VIOLATION)]
    assert not serious, [f"{m.check_function_name}: {m.message}" for m in serious]

    run = read_run(run_dir)
    with NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units
        pops = np.asarray(units["population"][:])
        nodes = np.asarray(units["node_id"][:])
        for pop, (times, ids) in run.spikes.items():
            rows = np.flatnonzero(pops == pop)
            assert rows.size == run.n_nodes[pop]  # every neuron, silent ones too
            t = np.concatenate([units["spike_times"][r] for r in rows])
            i = np.concatenate([np.full(len(units["spike_times"][r]), nodes[r]) for r in rows])
            order = np.lexsort((i, t))
            np.testing.assert_array_equal(t[order], times)  # bit for bit
            np.testing.assert_array_equal(i[order], ids)
        assert units.resolution == pytest.approx(1e-4)
        rate = nwb.processing["milasim"]["rate_exc"]
        np.testing.assert_array_equal(rate.data[:], run.rates["exc"])
        assert rate.unit == "Hz" and rate.rate == pytest.approx(1.0 / run.rate_dt_s)
        v = nwb.processing["milasim"]["v_exc_mV"]
        assert v.unit == "volts" and v.conversion == pytest.approx(1e-3)
        np.testing.assert_array_equal(v.data[:], run.traces["v_exc_mV"])
        k = nwb.processing["milasim"]["k_o_mM"]
        assert k.unit == "mM" and len(k.data) == len(run.traces["ions_t_s"])
        cond = nwb.processing["milasim"]["conditions"]
        assert cond["dose_mg_per_kg"][0] == 100.0
        assert "100 mg/kg" in nwb.pharmacology and "seed 1" in nwb.notes
        assert nwb.subject.species == "Rattus norvegicus"


def test_detected_events_become_time_intervals(run_dir, tmp_path):
    from pynwb import NWBHDF5IO

    from sim.nwb import export_nwb

    run = read_run(run_dir)
    run.analysis.update({"events/start_s": np.array([0.2, 1.1]),
                         "events/stop_s": np.array([0.5, 1.4]),
                         "events/ictal_like": np.array([0, 1], dtype=np.int8)})
    run.units["analysis"].update({"events/start_s": "s", "events/stop_s": "s",
                                  "events/ictal_like": "1"})
    # an LTP run's induction (stored as [start, stop] per arm): the stimulus as an interval
    run.traces["induction_hfs_s"] = np.array([0.0, 1.0])
    run.units["traces"]["induction_hfs_s"] = "s"
    path = export_nwb(run, tmp_path / "events.nwb")
    with NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        table = nwb.intervals["network_bursts"].to_dataframe()
        induction = nwb.intervals["induction"].to_dataframe()
        assert "induction_hfs_s" not in nwb.processing["milasim"].data_interfaces
    assert list(table["start_time"]) == [0.2, 1.1] and list(table["stop_time"]) == [0.5, 1.4]
    assert list(table["ictal_like"]) == [False, True]
    assert list(induction["arm"]) == ["hfs"] and list(induction["stop_time"]) == [1.0]


def test_export_bad_input_is_one_line_exit_2(run_dir, tmp_path, capsys):
    assert main(["export", str(run_dir), "--nwb", str(tmp_path / "run.h5")]) == 2
    assert main(["export", str(tmp_path), "--nwb", str(tmp_path / "x.nwb")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and ".nwb" in err[0] and "without run.h5" in err[1]
    assert not list(tmp_path.glob("*.nwb"))
