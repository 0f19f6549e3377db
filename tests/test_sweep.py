"""Sweeps with the real components: compiled network, Dask scheduler and worker processes.

A 4-dose x 2-seed sweep of a short, small network (1 s, 400 + 100 neurons), on a LocalCluster,
on an external ``dask scheduler`` with ``dask worker`` processes (started here on 127.0.0.1 with
free ports, torn down after), interrupted with SIGINT then resumed, and with a worker killed
(SIGKILL) mid-sweep. All share the session's MILASIM_CACHE_DIR (tests/conftest.py), so the network
is compiled once. The SLURM test needs a running SLURM (scripts/slurm_local.sh) and is skipped
otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.sweeps import load_experiment, run_sweep
from sim.sweeps.layout import SweepLayout
from sim.sweeps.table import read_csv
from tests.conftest import SWEEP_NETWORK_TOML

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

DOSES = (0, 100, 200, 400)
SEEDS = (1, 2)
STARTUP_S = 90


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("experiments")
    path = folder / "short_doses.toml"
    path.write_text("# 4 doses x 2 seeds of a 1-s, 500-neuron network in 0 Mg: small enough for "
                    "a test\n" + SWEEP_NETWORK_TOML + textwrap.dedent(f"""
        [sweep]
        "drug.dose_mg_per_kg" = {list(DOSES)}
        "simulation.seed" = {list(SEEDS)}
    """))
    return path


def stamps(layout: SweepLayout, run_ids) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of each finished run's files: a rewritten run changes them."""
    out = {}
    for run_id in run_ids:
        for f in sorted(layout.run_dir(run_id).rglob("*")):
            if f.is_file():
                st = f.stat()
                out[str(f.relative_to(layout.root))] = (st.st_ino, st.st_mtime_ns)
    return out


def check_complete(out: Path, experiment: Path) -> list[dict[str, str]]:
    """All 8 runs finished, complete, consistent with sweep.csv; returns the csv rows."""
    exp = load_experiment(experiment)
    layout = SweepLayout(out)
    assert sorted(layout.finished_ids()) == sorted(exp.run_ids)
    for run_id in exp.run_ids:
        folder = layout.run_dir(run_id)
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["config_hash"] == run_id
        assert (folder / "run.h5").stat().st_size > 0
        assert (folder / "run.log").exists() and list((folder / "figures").glob("*.png"))
    assert not layout.tmp.exists(), "in-progress folders left behind"
    columns, rows = read_csv(layout.csv)
    assert columns[:5] == ["run_id", "drug.dose_mg_per_kg", "simulation.seed", "glycine_uM",
                           "glycine_site_occupancy"]
    assert {"burst_rate_hz", "rate_exc_hz", "runaway"} <= set(columns)
    assert [r["run_id"] for r in rows] == exp.run_ids
    assert {(int(r["drug.dose_mg_per_kg"]), int(r["simulation.seed"])) for r in rows} == {
        (d, s) for d in DOSES for s in SEEDS}
    occupancy = {int(r["drug.dose_mg_per_kg"]): float(r["glycine_site_occupancy"]) for r in rows}
    assert [occupancy[d] for d in DOSES] == sorted(occupancy[d] for d in DOSES)  # dose -> glycine
    assert occupancy[400] > occupancy[0]
    assert (out / "figures" / "dose_response.png").exists()
    return rows


# --------------------------------------------------------------------------- LocalCluster
def test_local_cluster_sweep_then_resume_reruns_nothing(tmp_path, experiment, build_cache):
    out = tmp_path / "out"
    report = run_sweep(experiment, [], out, workers=2, quiet=True)
    assert report.exit_code == 0, report.summary()
    assert len(report.done) == 8 and not report.failed and not report.skipped
    check_complete(out, experiment)
    layout = SweepLayout(out)
    before = stamps(layout, layout.finished_ids())

    with pytest.raises(InputError, match="add --resume"):
        run_sweep(experiment, [], out, workers=2, quiet=True)
    again = run_sweep(experiment, [], out, workers=2, resume=True, quiet=True)
    assert again.exit_code == 0 and len(again.skipped) == 8 and not again.done
    assert stamps(layout, layout.finished_ids()) == before


# --------------------------------------------------------------------------- external scheduler
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ExternalCluster:
    """`dask scheduler` + N `dask worker` processes on 127.0.0.1 (each in its own session)."""

    def __init__(self, n_workers: int, env: dict[str, str], logs: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.env = env
        self.logs = logs
        self.procs: list[subprocess.Popen] = []
        port = self.address.rsplit(":", 1)[1]
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", port,
                                  "--no-dashboard"])
        for i in range(n_workers):
            self._start(f"worker{i}", ["worker", self.address, "--nthreads", "1",
                                       "--nworkers", "1", "--host", "127.0.0.1",
                                       "--no-dashboard", "--memory-limit", "0",
                                       "--death-timeout", "60"])
        self.client = self._client(n_workers)

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.logs / f"{name}.log", "w")
        # `python -m dask` of this interpreter, as the other tests start `python -m sim`: no
        # lookup on PATH, so it runs from a venv that is not activated
        self.procs.append(subprocess.Popen([sys.executable, "-m", "dask", *args], env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))

    def _client(self, n_workers: int):
        from distributed import Client

        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                client = Client(self.address, timeout="5s")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        client.wait_for_workers(n_workers, timeout=STARTUP_S)
        return client

    def worker_pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)  # {worker address: pid of its process}

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            for proc in reversed(self.procs):
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in self.procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)


@pytest.fixture
def external(tmp_path, build_cache):
    env = {**os.environ, "MILASIM_CACHE_DIR": str(build_cache)}
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    cluster = ExternalCluster(2, env, logs)
    yield cluster
    cluster.close()


def test_external_scheduler(tmp_path, experiment, external):
    out = tmp_path / "out"
    report = run_sweep(experiment, [], out, scheduler=external.address, quiet=True)
    assert report.exit_code == 0, report.summary()
    assert len(report.done) == 8 and report.target.endswith(external.address)
    check_complete(out, experiment)


def test_unreachable_scheduler_is_bad_input_and_writes_nothing(tmp_path, experiment):
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    with pytest.raises(InputError, match=f"^--scheduler {address}: cannot connect"):
        run_sweep(experiment, [], out, scheduler=address, quiet=True)
    assert not out.exists()


def test_worker_killed_mid_sweep_still_completes(tmp_path, experiment, external):
    out = tmp_path / "out"
    layout = SweepLayout(out)
    killed: list[tuple[int, list]] = []
    stop = threading.Event()

    def kill_a_busy_worker() -> None:
        """Once a run has finished (the build exists), SIGKILL a worker that is running one."""
        deadline = time.monotonic() + 600
        while not stop.is_set() and time.monotonic() < deadline:
            if len(layout.finished_ids()) >= 1:
                busy = {addr: keys for addr, keys in external.client.processing().items()
                        if keys}
                if busy:
                    addr, keys = next(iter(busy.items()))
                    pid = external.worker_pids()[addr]
                    finished = len(layout.finished_ids())
                    os.kill(pid, signal.SIGKILL)
                    killed.append((finished, list(keys)))
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    try:
        report = run_sweep(experiment, [], out, scheduler=external.address, quiet=True)
    finally:
        stop.set()
        killer.join(timeout=10)
    assert killed, "no worker was killed while running a task"
    finished_then, keys = killed[0]
    assert finished_then < 8 and any(str(k).startswith("milasim-run-") for k in keys)
    assert report.exit_code == 0, report.summary()
    assert not report.failed and len(report.done) == 8
    check_complete(out, experiment)


# --------------------------------------------------------------------------- SIGINT + resume
def test_ctrl_c_keeps_finished_runs_and_resume_runs_each_remaining_run_once(tmp_path, experiment,
                                                                            build_cache):
    out = tmp_path / "out"
    layout = SweepLayout(out)
    script = (f"import sys; from sim.sweeps import run_sweep; "
              f"sys.exit(run_sweep({str(experiment)!r}, [], {str(out)!r}, workers=1, "
              f"quiet=True).exit_code)")
    env = {**os.environ, "MILASIM_CACHE_DIR": str(build_cache)}
    # in its own process group, which gets the SIGINT, as a terminal's Ctrl-C would send it
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while len(layout.finished_ids()) < 2:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, output
    assert "Traceback" not in output, output
    kept = layout.finished_ids()
    assert 2 <= len(kept) < 8, f"interrupt came too late: {len(kept)} runs finished"
    assert not (out / "failed").exists(), "an interrupted run was reported as failed"
    _, rows = read_csv(layout.csv)
    assert sorted(r["run_id"] for r in rows) == kept  # the table matches the disk
    before = stamps(layout, kept)

    report = run_sweep(experiment, [], out, workers=2, resume=True, quiet=True)
    assert report.exit_code == 0, report.summary()
    assert sorted(report.skipped) == kept
    assert sorted(report.done) == sorted(set(load_experiment(experiment).run_ids) - set(kept))
    assert stamps(layout, kept) == before  # no finished run was rewritten
    check_complete(out, experiment)


# --------------------------------------------------------------------------- SLURM
def slurm_up() -> str | None:
    """None when a SLURM job can run here, else why not."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no SLURM here (sinfo/sbatch not found; scripts/slurm_local.sh sets one up)"
    try:
        info = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                              timeout=20)
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 20 s"
    states = info.stdout.split()
    if info.returncode != 0 or not any(s.startswith(("idle", "mix")) for s in states):
        return f"SLURM has no idle node (sinfo: {info.stdout.strip() or info.stderr.strip()})"
    try:
        job = subprocess.run(["srun", "--immediate=30", "-N1", "-n1", "-t", "1", "true"],
                             capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "a trivial srun job did not finish within 60 s"
    if job.returncode != 0:
        return f"a trivial srun job failed: {job.stderr.strip()}"
    return None


@pytest.mark.slurm
def test_sweep_on_slurm_through_dask_jobqueue(tmp_path, build_cache):
    pytest.importorskip("dask_jobqueue", reason="dask-jobqueue is not installed")
    reason = slurm_up()
    if reason:
        pytest.skip(reason)
    experiment = tmp_path / "slurm.toml"
    experiment.write_text(SWEEP_NETWORK_TOML + textwrap.dedent(f"""
        [sweep]
        "drug.dose_mg_per_kg" = [0, 400]
        [cluster]
        kind = "slurm"
        cores = 1
        memory = "1GB"
        walltime = "00:10:00"
        jobs = 1
        log_directory = "{tmp_path / 'slurm-logs'}"
    """))
    out = tmp_path / "out"
    result: dict = {}

    def sweep() -> None:
        result["report"] = run_sweep(experiment, [], out, quiet=True)

    worker = threading.Thread(target=sweep, daemon=True)
    worker.start()
    worker.join(timeout=600)
    assert not worker.is_alive(), "the SLURM sweep did not finish within 10 minutes"
    report = result["report"]
    assert report.exit_code == 0, report.summary()
    assert report.target.startswith("SLURM") and len(report.done) == 2
    _, rows = read_csv(out / "sweep.csv")
    assert sorted(int(r["drug.dose_mg_per_kg"]) for r in rows) == [0, 400]
    assert list((tmp_path / "slurm-logs").glob("*.out")), "no SLURM job log: did a job run?"
