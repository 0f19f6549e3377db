"""run.h5 and summary.json (sim.store): declared units, nested analysis groups, readers' errors."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from sim.config import resolve
from sim.errors import InputError
from sim.store import RunData, read_run, read_summary, write_run


def tiny_run() -> RunData:
    run = RunData(config_toml=resolve({}).to_toml(), attrs={"protocol": "epileptiform"},
                  spikes={"exc": (np.array([0.1, 0.2]), np.array([0, 1]))}, n_nodes={"exc": 2},
                  rates={"exc": np.array([1.0, 2.0])}, rate_dt_s=0.5, duration_s=1.0)
    run.put("conditions", "dose_mg_per_kg", 100.0, "mg/kg")
    run.put("conditions", "glycine_after_washin_uM", 2.6, "uM")
    run.put("analysis", "events/start_s", np.array([0.25, 0.5]), "s")
    run.put("analysis", "runaway", False, "1")
    run.put("traces", "v_exc_mV", np.zeros((3, 2)), "mV")
    return run


def test_every_dataset_has_the_unit_its_maker_declared(tmp_path):
    path = write_run(tmp_path / "run.h5", tiny_run())
    with h5py.File(path) as f:
        units = {}
        f.visititems(lambda n, o: units.update({n: o.attrs["units"]})
                     if isinstance(o, h5py.Dataset) else None)
    assert units["conditions/dose_mg_per_kg"] == "mg/kg"  # not '1' from a name suffix
    assert units["conditions/glycine_after_washin_uM"] == "uM"
    assert units["analysis/events/start_s"] == "s"
    assert units["spikes/exc/timestamps"] == "s" and units["rates/exc"] == "Hz"
    back = read_run(tmp_path)  # a run folder is accepted for its run.h5
    np.testing.assert_array_equal(back.analysis["events/start_s"], [0.25, 0.5])
    assert back.unit("analysis", "events/start_s") == "s"
    assert back.unit("traces", "v_exc_mV") == "mV"


def test_a_dataset_without_a_declared_unit_is_refused_before_writing(tmp_path):
    run = tiny_run()
    run.analysis["mystery"] = 1.0
    with pytest.raises(ValueError, match="no unit declared for analysis/mystery"):
        write_run(tmp_path / "run.h5", run)
    assert not list(tmp_path.iterdir())


def test_readers_name_the_file_they_cannot_read(tmp_path):
    with pytest.raises(InputError, match="a folder without run.h5"):
        read_run(tmp_path)
    (tmp_path / "run.h5").write_bytes(b"not hdf5")
    with pytest.raises(InputError, match="run.h5: not a readable HDF5 run file"):
        read_run(tmp_path / "run.h5")
    (tmp_path / "summary.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="expected a JSON object"):
        read_summary(tmp_path / "summary.json")
    (tmp_path / "summary.json").write_text(json.dumps({"runaway": True, "x": None}))
    assert read_summary(tmp_path / "summary.json") == {"runaway": True, "x": None}


#: Writes one run.h5 of ~4 MB under a file-size limit (argv: folder, limit in bytes), then frees
#: everything: h5py objects left broken by a failed write would crash here (SIGSEGV).
WRITE_UNDER_LIMIT = r"""
import gc, os, resource, signal, sys
import numpy as np
from sim.store import RunData, write_run
folder, limit = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
run = RunData(config_toml="x = 1", attrs={"protocol": "epileptiform"},
              spikes={"exc": (np.sort(rng.random(300_000)) * 60.0,
                              rng.integers(0, 640, 300_000).astype(np.int32))},
              n_nodes={"exc": 640}, rates={"exc": rng.random(60_000)}, rate_dt_s=1e-3,
              duration_s=60.0)
run.put("traces", "v_exc_mV", rng.random((60_000, 5)), "mV")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
try:
    write_run(os.path.join(folder, "run.h5"), run)
    outcome = "written"
except OSError as exc:
    outcome = f"OSError {exc.errno}"
del run
gc.collect()
print(outcome, sorted(os.listdir(folder)))
"""


@pytest.mark.parametrize("limit", [0, 4096, 300_000, 2_000_000])
def test_a_write_failing_mid_file_is_a_clean_oserror_and_leaves_no_file(tmp_path, limit):
    """run.h5 streams to disk; wherever the disk fills (at the superblock, in the spike table,
    near the end), the writer raises the OSError itself and the process survives."""
    import errno
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", WRITE_UNDER_LIMIT, str(tmp_path), str(limit)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"OSError {errno.EFBIG} []"


def test_a_streamed_run_file_reads_back_bit_for_bit(tmp_path):
    rng = np.random.default_rng(2)
    run = tiny_run()
    times = np.sort(rng.random(200_000)) * 30.0
    ids = rng.integers(0, 8, times.size).astype(np.int32)
    run.spikes["exc"] = (times, ids)
    back = read_run(write_run(tmp_path / "run.h5", run))
    assert np.array_equal(back.spikes["exc"][0], times)
    assert np.array_equal(back.spikes["exc"][1], ids)
    assert not list(tmp_path.glob("*.tmp-*"))
    with h5py.File(tmp_path / "run.h5") as f:  # compressed with a filter every reader decodes
        assert f["spikes/exc/timestamps"].compression == "gzip"
